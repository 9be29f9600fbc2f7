"""Read third-party dictionaries (quanteda YAML, LIWC ``.dic``) into frames of entries.

Kept as they are: glob entries (``word*``, matched as prefixes), every category of a word,
weights (quanteda: the ``weight=N`` keys written by ``lexicon export``), labels and comments.
A problem with one entry is recorded and the entry left out; only a file that cannot be read
at all (undecodable, malformed, an unsupported format) raises DictionaryError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.analyze.lexicon_yaml import LexiconError, compose, no_aliases
from pipeline.ingest.article_text import ArticleError, decode
from pipeline.ingest.clean import normalize

_FRAME = re.compile(r"[^a-z0-9_]+")
# A quanteda key that holds the weight of the terms below it (what ``lexicon export`` writes
# for entries whose weight is not 1), not a category.
WEIGHT_KEY = re.compile(r"^weight\s*[=_ ]\s*(\d+(?:\.\d+)?)$")
# Comments that ``lexicon export`` writes: above a frame key, and after a term.
_LABEL = re.compile(r"^label:\s*(.*)$")
_DESCRIPTION = re.compile(r"^description:\s*(.*)$")
_SHARED = re.compile(r"^shared:\s*([a-z0-9_ ]+?)\s*;\s*(.*)$")
# Formats users bring that this importer does not read, by file suffix.
UNSUPPORTED = {
    ".cat": "WordStat .cat dictionary",
    ".dicx": "LIWC-22 .dicx dictionary (export it from LIWC as a .dic)",
    ".lcd": "Lexicoder .lcd dictionary",
    ".lc3": "Lexicoder .lc3 dictionary",
    ".xml": "XML dictionary (Yoshikoder?)",
    ".xlsx": "spreadsheet",
    ".csv": "CSV file",
}
_WORDSTAT_LINE = re.compile(r"^\s*\S.*\(\d+\)\s*$")


class DictionaryError(ValueError):
    """A dictionary file that cannot be read; the message names the file and line."""


@dataclass(slots=True)
class Item:
    """One term as read, with where it was read (``file:line``)."""

    term: str
    categories: list[str]
    where: str
    weight: float = 1.0
    note: str = ""
    shared: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Frame:
    """One frame to write: its id, label, description and items, in file order."""

    id: str
    label: str
    description: str = ""
    items: list[Item] = field(default_factory=list)


@dataclass(slots=True)
class Imported:
    """What a dictionary holds, the encoding it was read in, and what was left out."""

    frames: dict[str, Frame] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    encoding: str = "utf-8"

    def frame(self, ident: str, label: str) -> Frame:
        return self.frames.setdefault(ident, Frame(ident, label))


def frame_id(name: str) -> str:
    """A lexicon frame id from a dictionary key (``Care.Virtue`` → ``care_virtue``)."""
    ident = _FRAME.sub("_", normalize(name).lower()).strip("_")
    return ident or "frame"


def read_text(path: Path) -> tuple[str, str]:
    """A dictionary file's text and encoding (UTF-8, UTF-16, Shift_JIS, EUC-JP, Latin-1 …)."""
    try:
        return decode(Path(path).read_bytes())
    except ArticleError as exc:
        raise DictionaryError(f"{path}: cannot read: {exc}") from None
    except OSError as exc:
        raise DictionaryError(f"{path}: cannot read: {exc.strerror or exc}") from None


def read_dictionary(path: Path, frame: str | None = None) -> Imported:
    """Read a dictionary, its format told by its suffix or, failing that, its first line.

    ``frame``: put every top-level key (quanteda) or category (LIWC) into this one frame,
    as its categories, instead of making each a frame of its own.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in UNSUPPORTED:
        raise DictionaryError(
            f"{path}: unsupported format: {UNSUPPORTED[suffix]}; "
            "import reads quanteda YAML (.yml, .yaml) and LIWC (.dic)"
        )
    text, encoding = read_text(path)
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if suffix == ".dic" or (suffix not in (".yml", ".yaml") and first == "%"):
        imported = read_liwc(path, text, frame)
    elif suffix in (".yml", ".yaml") or _looks_like_yaml(text):
        imported = read_quanteda(path, text, frame)
    else:
        kind = "a WordStat .cat dictionary" if _is_wordstat(text) else "no format it knows"
        raise DictionaryError(
            f"{path}: unsupported format ({kind}); "
            "import reads quanteda YAML (.yml, .yaml) and LIWC (.dic)"
        )
    imported.encoding = encoding
    return imported


def _is_wordstat(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    return bool(lines) and sum(map(bool, map(_WORDSTAT_LINE.match, lines))) > len(lines) / 2


def _looks_like_yaml(text: str) -> bool:
    try:
        return isinstance(yaml.safe_load(text), dict)
    except (yaml.YAMLError, RecursionError):
        return False


def clean_term(raw: str) -> str:
    """A term as the lexicons hold it: NFKC, a full-width ＊ made a glob ``*``."""
    return normalize(str(raw)).strip()


# --- quanteda YAML ---------------------------------------------------------------------------


def read_quanteda(path: Path, text: str, one_frame: str | None = None) -> Imported:
    """A quanteda dictionary: each top-level key a frame, nested keys its categories (joined
    with ``_``), ``weight=N`` keys the weight of their terms; comments as notes and labels."""
    if _is_wordstat(text):
        raise DictionaryError(f"{path}: unsupported format: a WordStat .cat dictionary")
    try:
        root = compose(text, path)
        if root is not None:
            no_aliases(root, path)
    except LexiconError as exc:
        raise DictionaryError(str(exc)) from None
    if not isinstance(root, yaml.MappingNode):
        raise DictionaryError(f"{path}: expected a mapping of keys to term lists")
    lines = text.splitlines()
    out = Imported()
    for key, value in root.value:
        name = str(key.value)
        label, description = _frame_comments(lines, key.start_mark.line)
        if one_frame:
            frame = out.frame(frame_id(one_frame), one_frame)
            path_keys = [frame_id(name)]
        else:
            frame = out.frame(frame_id(name), label or name)
            frame.description = frame.description or description
            path_keys = []
        _walk(value, path_keys, 1.0, frame, path, lines)
    return out


def _frame_comments(lines: list[str], line: int) -> tuple[str, str]:
    """``# label: …`` and ``# description: …`` (or any comment) right above a frame key."""
    label, parts = "", []
    i = line - 1
    while i >= 0 and lines[i].lstrip().startswith("#"):
        i -= 1
    for raw in lines[i + 1 : line]:
        comment = raw.lstrip()[1:].strip()
        if m := _LABEL.match(comment):
            label = m.group(1).strip()
        elif comment:
            parts.append(m.group(1) if (m := _DESCRIPTION.match(comment)) else comment)
    return label, " ".join(parts)


def _walk(
    node: yaml.Node,
    keys: list[str],
    weight: float,
    frame: Frame,
    path: Path,
    lines: list[str],
) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if m := WEIGHT_KEY.match(str(key.value).strip()):
                _walk(value, keys, float(m.group(1)), frame, path, lines)
            else:
                _walk(value, [*keys, frame_id(str(key.value))], weight, frame, path, lines)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _walk(item, keys, weight, frame, path, lines)
    elif isinstance(node, yaml.ScalarNode) and str(node.value).strip():
        where = f"{path}:{node.start_mark.line + 1}"
        note, shared = _term_comment(lines, node)
        category = "_".join(keys) or frame.id
        frame.items.append(Item(clean_term(node.value), [category], where, weight, note, shared))


def _term_comment(lines: list[str], node: yaml.ScalarNode) -> tuple[str, list[str]]:
    """The comment after a term that ends its line: its note (and ``shared: …;`` frames)."""
    mark = node.end_mark
    if mark.line >= len(lines):
        return "", []
    rest = lines[mark.line][mark.column :].strip()
    if not rest.startswith("#"):
        return "", []
    comment = rest[1:].strip()
    if m := _SHARED.match(comment):
        return m.group(2).strip(), m.group(1).split()
    return comment, []


# --- LIWC .dic -------------------------------------------------------------------------------


def read_liwc(path: Path, text: str, one_frame: str | None = None) -> Imported:
    """A LIWC ``.dic``: the ``%``-delimited category header (``id<TAB>name``), then ``term``
    followed by category ids. Each category becomes a frame (a word in several is in each),
    or, with ``one_frame``, a category of that frame."""
    lines = text.splitlines()
    bounds = [i for i, line in enumerate(lines) if line.strip() == "%"]
    if len(bounds) < 2:
        raise DictionaryError(f"{path}: no %-delimited category header (not a LIWC .dic?)")
    categories: dict[str, str] = {}
    for number in range(bounds[0] + 1, bounds[1]):
        parts = lines[number].split(None, 1)
        if not parts:
            continue
        if len(parts) < 2:
            raise DictionaryError(f"{path}:{number + 1}: expected 'id<TAB>name'")
        categories[parts[0]] = parts[1].strip()
    out = Imported()
    if one_frame:
        out.frame(frame_id(one_frame), one_frame)
    for number in range(bounds[1] + 1, len(lines)):
        if lines[number].strip():
            _liwc_line(lines[number], f"{path}:{number + 1}", categories, one_frame, out)
    return out


def _liwc_line(
    line: str, where: str, categories: dict[str, str], one_frame: str | None, out: Imported
) -> None:
    """One ``term<TAB>id id …`` line; without a tab, the ids are the last fields and the
    term (which may hold spaces) the rest."""
    if "\t" in line:
        head, _, tail = line.partition("\t")
        ids = tail.split()
    else:
        words = line.split()
        k = len(words)
        while k > 1 and words[k - 1] in categories:
            k -= 1
        head, ids = " ".join(words[:k]), words[k:]
    term = clean_term(head)
    if not term:
        return
    unknown = [cid for cid in ids if cid not in categories]
    if unknown or not ids:
        reason = f"unknown category id(s) {' '.join(unknown)}" if unknown else "no category id"
        out.skipped.append(f"{where}: {term}: {reason}")
        return
    names = list(dict.fromkeys(categories[cid] for cid in ids))
    if one_frame:
        out.frames[frame_id(one_frame)].items.append(
            Item(term, [frame_id(n) for n in names], where)
        )
        return
    for name in names:
        ident = frame_id(name)
        out.frame(ident, name).items.append(Item(term, [ident], where))
