"""Load framing lexicons (YAML, schema in lexicons/README.md) and compile them to lemma sequences.

Lexicons are data: they are read by the strict reader of ``lexicon_yaml`` (one for run and
lint) against the schema of ``lexicon_schemas``, and every error names the file and line.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.analyze.lexicon_schemas import FRAME, FRAME_ENTRY
from pipeline.analyze.lexicon_yaml import ANY, LexiconError, check_length, label_text, read, show
from pipeline.analyze.tokens import FUNCTION_POS, lemmas, tokenize
from pipeline.ingest.clean import normalize

ENTRY_KEYS = set(FRAME_ENTRY.keys)
_FRAME_ID = re.compile(r"^[a-z0-9_]+$")
# Weights are bounded: a weight of 1e308 sums to inf, and no term is worth a hundred others.
MAX_WEIGHT = 100.0
ENTRY_TEXT_KEYS = ("term", "note")


@dataclass(frozen=True, slots=True)
class Entry:
    """One lexicon entry, compiled to the lemma sequence it matches."""

    frame: str
    term: str
    category: str
    weight: float
    note: str
    lemmas: tuple[str, ...]
    line: int
    shared: tuple[str, ...] = ()
    variants: tuple[tuple[str, ...], ...] = ()
    glob: str = ""  # a glob entry's stem (``傷つ*`` → ``傷つ``); matched on surfaces, not lemmas
    categories: tuple[str, ...] = ()  # every category of an entry listed under several

    @property
    def all_categories(self) -> tuple[str, ...]:
        """The entry's categories (one unless the lexicon gives a list)."""
        return self.categories or (self.category,)


# The entries that start with one lemma: (length, {lemma sequence: entry}), longest first.
IndexGroups = list[tuple[int, dict[tuple[str, ...], Entry]]]
Index = dict[str, IndexGroups]


@dataclass(slots=True)
class Lexicon:
    """One frame: its entries and where they came from."""

    frame: str
    label: str
    description: str
    path: Path
    sha256: str
    entries: list[Entry] = field(default_factory=list)
    _index: Index | None = field(default=None, repr=False, compare=False)

    def index(self) -> Index:
        """What the matcher looks up: the entries by first lemma, then by length, longest
        first, then by lemma sequence; of two entries with one sequence the earlier line wins.

        One dictionary look-up per length tries every entry of that length at a position.
        Built once; entries are not meant to change after loading.
        """
        if self._index is not None:
            return self._index
        by_first: dict[str, list[tuple[tuple[str, ...], Entry]]] = {}
        for entry in self.entries:
            if entry.glob:  # matched by the glob pass (pipeline.analyze.hits)
                continue
            for seq in entry.variants or (entry.lemmas,):
                by_first.setdefault(seq[0], []).append((seq, entry))
        index: Index = {}
        for first, group in by_first.items():
            group.sort(key=lambda item: (-len(item[0]), item[1].line))
            by_length: dict[int, dict[tuple[str, ...], Entry]] = {}
            for seq, entry in group:
                by_length.setdefault(len(seq), {}).setdefault(seq, entry)
            index[first] = list(by_length.items())
        self._index = index
        return index


def load_lexicon(path: Path, errors: list[LexiconError] | None = None) -> Lexicon:
    """Read, check and compile one lexicon file.

    Raise LexiconError on the first problem, or, when ``errors`` is given, collect problems
    with single entries there and leave those entries out (what ``lexicon lint`` reports).
    """
    path = Path(path)
    doc = read(path, FRAME)
    doc.settle(errors, units=[("entries", ANY)])
    data: dict[str, Any] = doc.data
    frame = str(data.get("frame") or path.stem)
    if not _FRAME_ID.match(frame):
        where = doc.line("frame") or 1
        raise LexiconError(
            path, where, f"frame id {show(frame)!r} must be lower-case letters, digits, _"
        )
    lexicon = Lexicon(
        frame=frame,
        label=label_text(data.get("label"), frame),
        description=str(data.get("description") or ""),
        path=path,
        sha256=hashlib.sha256(doc.raw).hexdigest(),
    )
    seen: dict[tuple[tuple[str, ...], str], Entry] = {}
    for i, item in enumerate(data["entries"]):
        if doc.bad("entries", i):
            continue
        try:
            entry = compile_entry(item, frame, path, doc.line("entries", i) or None)
            _not_twice(entry, seen, path)
        except LexiconError as exc:
            if errors is None:
                raise
            errors.append(exc)
            continue
        lexicon.entries.append(entry)
    return lexicon


def _not_twice(entry: Entry, seen: dict[tuple[tuple[str, ...], str], Entry], path: Path) -> None:
    """Refuse a second entry with the lemmas (a glob: the stem) of an earlier one."""
    key = (entry.lemmas, entry.glob)
    first = seen.setdefault(key, entry)
    if first is not entry:
        same = "same stem" if entry.glob else "same lemmas"
        raise LexiconError(
            path,
            entry.line,
            f"{entry.term}: duplicate of {first.term!r} (line {first.line}): {same}",
        )


def compile_entry(item: Any, frame: str, path: Path, line: int | None) -> Entry:
    """Check one entry (a mapping read from a lexicon file, or made by an import) and
    compile it."""
    if not isinstance(item, dict):
        raise LexiconError(path, line, "an entry must be a mapping with term, category and note")
    unknown = set(item) - ENTRY_KEYS
    if unknown:
        raise LexiconError(path, line, f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    for key in ENTRY_TEXT_KEYS:
        if not _is_text(item.get(key)):
            raise LexiconError(path, line, f"`{key}` must be text, got {_kind(item[key])}")
    term = normalize(str(item.get("term") or "")).strip()
    check_length(term, path, line)
    if not term:
        raise LexiconError(path, line, "empty term")
    stem = glob_stem(term, path, line)
    categories = _categories(item.get("category"), term, path, line)
    if not str(item.get("note") or "").strip():
        raise LexiconError(path, line, f"{term}: missing note")
    weight = item.get("weight", 1)
    if (
        isinstance(weight, bool)
        or not isinstance(weight, int | float)
        or not 0 < weight <= MAX_WEIGHT  # also false for nan
    ):
        raise LexiconError(
            path, line, f"{term}: weight must be a number > 0 and <= {MAX_WEIGHT:g}, got {weight!r}"
        )
    shared = item.get("shared") or []
    if isinstance(shared, str):
        shared = [shared]
    if not isinstance(shared, list) or not all(
        isinstance(f, str) and _FRAME_ID.match(f) for f in shared
    ):
        raise LexiconError(path, line, f"{term}: `shared` must be a list of frame ids")
    seq = lemmas(stem or term)
    if not seq:
        raise LexiconError(path, line, f"{term}: compiles to no tokens")
    if all(t.pos in FUNCTION_POS for t in tokenize(stem or term)):
        raise LexiconError(path, line, f"{term}: made only of function words")
    return Entry(
        frame=frame,
        term=term,
        category=" ".join(categories),
        weight=float(weight),
        note=" ".join(str(item["note"]).split()),
        lemmas=seq,
        line=line or 0,
        shared=tuple(str(s) for s in shared),
        variants=() if stem else variants(term, seq),
        glob=stem,
        categories=categories if len(categories) > 1 else (),
    )


def _is_text(value: Any) -> bool:
    """Whether a YAML value can stand for text: a string, a number, or nothing."""
    return value is None or (isinstance(value, str | int | float) and not isinstance(value, bool))


def _kind(value: Any) -> str:
    return {list: "a list", dict: "a mapping", bool: "true/false"}.get(type(value), repr(value))


def glob_stem(term: str, path: Path, line: int | None) -> str:
    """The stem of a glob entry (``傷つ*`` → ``傷つ``), "" for a plain term; only a trailing
    ``*`` is a glob (LIWC's and quanteda's prefix match)."""
    stem = term[:-1].rstrip() if term.endswith("*") else term
    if any(c in stem for c in "*?[]"):
        raise LexiconError(path, line, f"{term}: only a trailing * is supported as a glob")
    if stem == term:
        return ""
    if not stem:
        raise LexiconError(path, line, f"{term}: a glob needs a stem before the *")
    return stem


def _categories(value: Any, term: str, path: Path, line: int | None) -> tuple[str, ...]:
    """An entry's category, or its categories when the lexicon lists several."""
    if not _is_text(value) and not (isinstance(value, list) and all(map(_is_text, value))):
        raise LexiconError(
            path, line, f"`category` must be text or a list of texts, got {_kind(value)}"
        )
    if isinstance(value, list):
        names = tuple(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))
        if any(len(n.split()) > 1 for n in names):
            raise LexiconError(path, line, f"{term}: a category in a list has no spaces")
    else:
        names = (str(value).strip(),) if value is not None and str(value).strip() else ()
    if not names:
        raise LexiconError(path, line, f"{term}: missing category")
    return names


# A term is also compiled inside these sentences: MeCab segments some words (foreign names
# above all) differently in running text than alone, and an entry should match both ways.
CONTEXTS = ("報道によれば、{}について述べた。", "{}は", "この{}の問題")


def variants(term: str, seq: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The distinct lemma sequences ``term`` takes alone and inside ``CONTEXTS``."""
    found = [seq]
    for context in CONTEXTS:
        start = context.index("{}")
        end = start + len(term)
        toks = [t for t in tokenize(context.format(term)) if t.pos != "空白"]
        inside = [t for t in toks if t.start < end and t.end > start]
        if not inside or inside[0].start != start or inside[-1].end != end:
            continue
        alt = tuple(t.lemma for t in inside)
        if alt not in found:
            found.append(alt)
    return tuple(found)


def load_lexicons(directory: Path) -> list[Lexicon]:
    """Every ``*.yaml`` in ``directory`` as a frame, in file-name order."""
    directory = Path(directory)
    if not directory.is_dir():
        raise LexiconError(directory, None, "lexicon folder not found")
    paths = sorted(p for p in directory.glob("*.yaml") if p.is_file())
    if not paths:
        raise LexiconError(directory, None, "no *.yaml lexicon in this folder")
    lexicons = [load_lexicon(p) for p in paths]
    seen: dict[str, Path] = {}
    for lex in lexicons:
        if lex.frame in seen:
            raise LexiconError(
                lex.path, 1, f"frame {lex.frame!r} also defined in {seen[lex.frame]}"
            )
        seen[lex.frame] = lex.path
    return lexicons


def bundle_hash(lexicons: list[Lexicon]) -> str:
    """One hash for a set of lexicons: part of every cache key that depends on them."""
    h = hashlib.sha256()
    for lex in sorted(lexicons, key=lambda x: x.frame):
        h.update(f"{lex.frame}\0{lex.sha256}\n".encode())
    return h.hexdigest()
