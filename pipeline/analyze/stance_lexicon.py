"""Load the stance lexicons (targets, evaluations, expected signs) and compile them.

Schema in lexicons/README.md ("Stance lexicons"). Terms are compiled exactly as frame entries
are (``lexicons.lemmas`` and ``lexicons.variants``: the same tokenizer, lemma sequences, the
same carrier sentences), so the matcher of hits.py finds them, longest first.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.analyze import lexicon_schemas as schemas
from pipeline.analyze.lexicon_schemas import ALIAS_KINDS, RELATION_KINDS
from pipeline.analyze.lexicon_yaml import ANY, Doc, check_length, label_text, read, show
from pipeline.analyze.lexicons import Entry, Lexicon, LexiconError, lemmas, variants
from pipeline.analyze.tokens import FUNCTION_POS, tokenize
from pipeline.ingest.clean import normalize

STANCE_DIR = "stance"
FILES = ("targets.yaml", "evaluations.yaml", "expectations.yaml")
ABOUT = ("holder", "agent", "patient", "harm", "relation", "mutual")
SIGNS = {"positive": 1, "negative": -1}
_ID = re.compile(r"^[a-z0-9_]+$")
TARGET_FRAME = "stance_targets"
RELATION_FRAME = "stance_relations"
EVAL_FRAME = "stance_evaluations"


@dataclass(frozen=True, slots=True)
class Guard:
    """The context an alias that is also a common word needs (stance_names.py): lemmas of
    the next token that make it the target (``needs``) or something else (``unless``)."""

    needs: frozenset[str]
    unless: frozenset[str]


@dataclass(slots=True)
class StanceLexicon:
    """Targets, relationship nouns and evaluations, compiled; expected signs by perspective.

    In ``targets`` an entry's ``frame`` holds its target id(s) joined by ``+`` (a compound
    such as 日米 names two) and ``category`` the alias kind.
    """

    targets: Lexicon
    relations: Lexicon
    evaluations: Lexicon
    target_ids: list[str]
    labels: dict[str, str]
    relation_target: str
    parties: tuple[str, ...]
    polarity: dict[str, int]
    about: dict[str, str]
    expectations: dict[str, dict[str, int]]
    files: dict[str, str] = field(default_factory=dict)  # file name -> sha256
    guards: dict[str, Guard] = field(default_factory=dict)  # alias -> its context rule
    owners: dict[int, tuple[str, ...]] = field(default_factory=dict)  # id(alias) -> targets

    def __post_init__(self) -> None:
        self.owners = {id(e): tuple(e.frame.split("+")) for e in self.targets.entries}

    @property
    def sha256(self) -> str:
        """One hash over the stance files: part of every cache key that depends on them."""
        h = hashlib.sha256()
        for name, digest in sorted(self.files.items()):
            h.update(f"{name}\0{digest}\n".encode())
        return h.hexdigest()

    def lexicons(self) -> list[Lexicon]:
        """The three compiled lexicons, in the order the matcher numbers them."""
        return [self.targets, self.relations, self.evaluations]


def _function_word(pos: str, surface: str) -> bool:
    """A function word, not a letter UniDic tags as a symbol (北 and ロ in 北ロ)."""
    return pos in FUNCTION_POS and not (pos == "記号" and surface.isalpha())


def compile_term(
    term: Any, frame: str, category: str, weight: float, note: str, where: tuple[Path, int]
) -> Entry:
    """One term as an Entry: normalised, compiled to lemmas (and variants), checked;
    ``where`` is the (file, line) it was read from."""
    path, line = where
    text = normalize(str(term or "")).strip()
    if not text:
        raise LexiconError(path, line, "empty term")
    seq = lemmas(text)
    if not seq:
        raise LexiconError(path, line, f"{text}: compiles to no tokens")
    if all(_function_word(t.pos, t.surface) for t in tokenize(text)):
        raise LexiconError(path, line, f"{text}: made only of function words")
    return Entry(frame, text, category, weight, note, seq, line, (), variants(text, seq))


def _targets(path: Path, errors: list[LexiconError] | None) -> tuple[Lexicon, Lexicon, dict]:
    doc = read(path, schemas.TARGETS)
    units = [("targets", ANY, kind, ANY) for kind in ALIAS_KINDS]
    doc.settle(errors, [*units, *(("relations", kind, ANY) for kind in RELATION_KINDS)])
    data = doc.data
    sha = hashlib.sha256(doc.raw).hexdigest()
    lex = Lexicon(TARGET_FRAME, "stance targets", "", path, sha)
    labels = _target_aliases(doc, lex, errors)
    for i, item in enumerate(data.get("compounds") or []):
        line = doc.line("compounds", i)
        ids = item["targets"]
        if any(t not in labels for t in ids):
            raise LexiconError(path, line, "a compound needs `term` and `targets` (known ids)")
        _add(lex, errors, item["term"], "+".join(ids), "compound", (path, line))
    _one_owner(lex, errors)
    relations = Lexicon(RELATION_FRAME, "relations", "", path, sha)
    target, parties = _relations(doc, relations, labels, errors)
    guards = _guards(data.get("common_words"), lex, doc, path)
    meta = {"labels": labels, "target": target, "parties": parties, "sha": sha, "guards": guards}
    return lex, relations, meta


def _target_aliases(doc: Doc, lex: Lexicon, errors: list[LexiconError] | None) -> dict[str, str]:
    """Add each target's aliases to ``lex``; return the targets' labels by id."""
    path = lex.path
    labels: dict[str, str] = {}
    for i, item in enumerate(doc.data["targets"]):
        line = doc.line("targets", i)
        tid = item["id"]
        if not _ID.match(tid):
            raise LexiconError(
                path, doc.line("targets", i, "id"), "a target needs an `id` of [a-z0-9_]"
            )
        if tid in labels:
            raise LexiconError(path, line, f"target {tid!r} defined twice")
        labels[tid] = label_text(item.get("label"), tid)
        if not any(item.get(kind) for kind in ALIAS_KINDS):
            kinds = ", ".join(ALIAS_KINDS)
            _fail(errors, LexiconError(path, line, f"target {tid!r} has no alias ({kinds})"))
        for kind in ALIAS_KINDS:
            for k, alias in enumerate(item.get(kind) or []):
                if not doc.bad("targets", i, kind, k):
                    where = doc.line("targets", i, kind, k) or line
                    _add(lex, errors, alias, tid, kind, (path, where))
    return labels


def _relations(
    doc: Doc, relations: Lexicon, labels: dict[str, str], errors: list[LexiconError] | None
) -> tuple[str, tuple[str, ...]]:
    """Add the relationship terms to ``relations``; return the relationship target and its
    two parties."""
    path = relations.path
    rel = doc.data.get("relations") or {}
    target = str(rel.get("target") or "")
    parties = tuple(rel.get("parties") or [])
    if rel and (target not in labels or len(parties) != 2 or set(parties) - set(labels)):
        raise LexiconError(
            path, doc.line("relations"), "relations need a known `target` and two `parties`"
        )
    for kind in RELATION_KINDS:
        for k, term in enumerate(rel.get(kind) or []):
            if not doc.bad("relations", kind, k):
                where = doc.line("relations", kind, k)
                _add(relations, errors, term, target, kind, (path, where))
    return target, parties


def _guards(items: Any, lex: Lexicon, doc: Doc, path: Path) -> dict[str, Guard]:
    """``common_words``: a list of {alias, needs, unless} (keys and types checked by the
    schema); the alias must be a target's, and one of ``needs`` and ``unless`` is given."""
    aliases = {e.term for e in lex.entries}
    out: dict[str, Guard] = {}
    for i, item in enumerate(items or []):
        line = doc.line("common_words", i)
        alias = normalize(str(item.get("alias") or "")).strip()
        if alias not in aliases:
            raise LexiconError(path, line, f"common word {show(alias)!r} is no target alias")
        lists = [item.get(key) or [] for key in ("needs", "unless")]
        if not any(lists):
            raise LexiconError(path, line, f"{show(alias)}: give `needs` or `unless`")
        needs, unless = (frozenset(w for x in xs for w in lemmas(str(x))[:1]) for xs in lists)
        out[alias] = Guard(needs, unless)
    return out


def _fail(errors: list[LexiconError] | None, error: LexiconError) -> None:
    """Raise ``error``, or collect it when ``errors`` is given (lint)."""
    if errors is None:
        raise error
    errors.append(error)


def _one_owner(lex: Lexicon, errors: list[LexiconError] | None) -> None:
    """Refuse an alias whose lemmas another target claims too (a compound names several)."""
    groups: dict[tuple[str, ...], list[Entry]] = {}
    for e in lex.entries:
        groups.setdefault(e.lemmas, []).append(e)
    for group in groups.values():
        owners = sorted({e.frame for e in group})
        if len(owners) > 1:
            first = group[0]
            others = ", ".join(str(e.line) for e in group[1:])
            message = f"{first.term}: alias claimed by {', '.join(owners)} (also line {others})"
            _fail(errors, LexiconError(lex.path, first.line, message))


def _add(
    lex: Lexicon,
    errors: list[LexiconError] | None,
    term: Any,
    frame: str,
    category: str,
    where: tuple[Path, int],
) -> None:
    path, line = where
    try:
        check_length(str(term or ""), path, line)
        lex.entries.append(compile_term(term, frame, category, 1.0, category, (path, line)))
    except LexiconError as exc:
        if errors is None:
            raise
        errors.append(exc)


def _evaluations(path: Path, errors: list[LexiconError] | None) -> tuple[Lexicon, dict, dict]:
    doc = read(path, schemas.EVALUATIONS)
    doc.settle(errors, [("entries", ANY)])
    lex = Lexicon(EVAL_FRAME, "evaluations", "", path, hashlib.sha256(doc.raw).hexdigest())
    polarity: dict[str, int] = {}
    about: dict[str, str] = {}
    signs: dict[tuple[str, ...], Entry] = {}
    for i, item in enumerate(doc.data["entries"]):
        if doc.bad("entries", i):
            continue
        line = doc.line("entries", i)
        try:
            entry, pol, ab = _evaluation(item, path, line)
            if entry.term in polarity:
                raise LexiconError(path, line, f"{entry.term}: listed twice")
            first = signs.setdefault(entry.lemmas, entry)
            if polarity.get(first.term, pol) != pol:
                raise LexiconError(
                    path, line, f"{entry.term}: listed with both polarities: "
                    f"{first.term!r} (line {first.line})"
                )  # fmt: skip
        except LexiconError as exc:
            _fail(errors, exc)
            continue
        lex.entries.append(entry)
        polarity[entry.term], about[entry.term] = pol, ab
    return lex, polarity, about


def _evaluation(item: dict[str, Any], path: Path, line: int) -> tuple[Entry, int, str]:
    term = item["term"]
    pol = item.get("polarity")
    if pol not in (1, -1) or isinstance(pol, bool):
        raise LexiconError(path, line, f"{term}: polarity must be 1 or -1, got {show(pol)}")
    strength = item.get("strength", 1)
    if strength not in (1, 2, 3) or isinstance(strength, bool):
        raise LexiconError(path, line, f"{term}: strength must be 1, 2 or 3, got {show(strength)}")
    about = str(item.get("about") or "holder")
    if about not in ABOUT:
        raise LexiconError(path, line, f"{term}: about must be one of {', '.join(ABOUT)}")
    for key in ("category", "note"):
        if not str(item.get(key) or "").strip():
            raise LexiconError(path, line, f"{term}: missing {key}")
    note = " ".join(str(item["note"]).split())
    category = str(item["category"]).strip()
    check_length(str(term), path, line)
    entry = compile_term(term, EVAL_FRAME, category, float(strength), note, (path, line))
    return entry, pol, about


def _expectations(path: Path, targets: set[str]) -> tuple[dict[str, dict[str, int]], str]:
    doc = read(path, schemas.EXPECTATIONS)
    doc.settle(None)
    out: dict[str, dict[str, int]] = {}
    for name, spec in doc.data["perspectives"].items():
        line = doc.line("perspectives", name)
        signs = {}
        for target, sign in spec["expect"].items():
            if target not in targets or sign not in SIGNS:
                raise LexiconError(
                    path, line, f"{name}: {show(target)}: a known target and positive or negative"
                )
            signs[target] = SIGNS[sign]
        out[name] = signs
    return out, hashlib.sha256(doc.raw).hexdigest()


def load_stance(directory: Path, errors: list[LexiconError] | None = None) -> StanceLexicon | None:
    """The stance lexicons in ``directory`` (a lexicon folder's ``stance/``), or None when the
    folder has none. Raise LexiconError on the first problem, or collect problems with single
    entries in ``errors`` (what ``lexicon lint`` reports)."""
    directory = Path(directory)
    if not (directory / "targets.yaml").is_file():
        return None
    for name in FILES[1:]:
        if not (directory / name).is_file():
            raise LexiconError(directory / name, None, "missing (stance needs all three files)")
    targets, relations, meta = _targets(directory / "targets.yaml", errors)
    evaluations, polarity, about = _evaluations(directory / "evaluations.yaml", errors)
    expectations, exp_sha = _expectations(directory / "expectations.yaml", set(meta["labels"]))
    parties = meta["parties"]
    return StanceLexicon(
        targets=targets,
        relations=relations,
        evaluations=evaluations,
        target_ids=list(meta["labels"]),
        labels=meta["labels"],
        relation_target=meta["target"],
        parties=parties,
        polarity=polarity,
        about=about,
        expectations=expectations,
        guards=meta["guards"],
        files={
            "targets.yaml": meta["sha"],
            "evaluations.yaml": evaluations.sha256,
            "expectations.yaml": exp_sha,
        },
    )
