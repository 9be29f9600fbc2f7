"""Import existing dictionaries (quanteda YAML, LIWC ``.dic``) as framing lexicons, and
export lexicons to quanteda's YAML format.

Both formats allow glob entries (``word*``); this pipeline matches whole lemma sequences, so
the ``*`` is dropped and the entry is reported, for the user to review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.analyze.lexicons import Lexicon
from pipeline.ingest.clean import normalize

_FRAME = re.compile(r"[^a-z0-9_]+")


class DictionaryError(ValueError):
    """A dictionary file that cannot be read; the message names the file and line."""


@dataclass(slots=True)
class Imported:
    """Frames read from a dictionary: frame id → [(term, category)], plus what was changed."""

    frames: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def frame_id(name: str) -> str:
    """A lexicon frame id from a dictionary key (``Care.Virtue`` → ``care_virtue``)."""
    ident = _FRAME.sub("_", normalize(name).lower()).strip("_")
    return ident or "frame"


def _term(raw: str, where: str, notes: list[str]) -> str | None:
    term = normalize(str(raw)).strip()
    if term.endswith("*") or term.startswith("*"):
        notes.append(f"{where}: glob {term!r} imported as {term.strip('*')!r} (whole-word match)")
        term = term.strip("*")
    return term or None


def read_quanteda(path: Path) -> Imported:
    """A quanteda dictionary (YAML): each top-level key a frame, nested keys its categories."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (RecursionError, UnicodeDecodeError):
        raise DictionaryError(
            f"{path}: not a YAML dictionary (undecodable or nested too deeply)"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DictionaryError(f"{path}:{mark.line + 1 if mark else '?'}: malformed YAML") from None
    if not isinstance(data, dict):
        raise DictionaryError(f"{path}: expected a mapping of keys to term lists")
    out = Imported()

    def walk(node: Any, frame: str, category: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, frame, f"{category}.{key}" if category else str(key))
        elif isinstance(node, list):
            for item in node:
                if isinstance(item, dict | list):
                    walk(item, frame, category)
                elif (term := _term(item, f"{path} [{frame}]", out.notes)) is not None:
                    out.frames.setdefault(frame, []).append((term, frame_id(category or frame)))
        elif node is not None and (term := _term(node, f"{path} [{frame}]", out.notes)):
            out.frames.setdefault(frame, []).append((term, frame_id(category or frame)))

    for key, value in data.items():
        walk(value, frame_id(str(key)), "")
    return out


def read_liwc(path: Path) -> Imported:
    """A LIWC ``.dic``: the ``%``-delimited category header, then ``term<TAB>ids…`` lines.

    Each category becomes a frame; a term listed under several categories is in each.
    """
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    bounds = [i for i, line in enumerate(lines) if line.strip() == "%"]
    if len(bounds) < 2:
        raise DictionaryError(f"{path}: no %-delimited category header")
    categories: dict[str, str] = {}
    for number in range(bounds[0] + 1, bounds[1]):
        parts = lines[number].split()
        if not parts:
            continue
        if len(parts) < 2:
            raise DictionaryError(f"{path}:{number + 1}: expected 'id<TAB>name'")
        categories[parts[0]] = parts[1]
    out = Imported()
    for number in range(bounds[1] + 1, len(lines)):
        parts = re.split(r"\t+|\s{2,}", lines[number].strip())
        if not parts or not parts[0]:
            continue
        term = _term(parts[0], f"{path}:{number + 1}", out.notes)
        for cid in (p for chunk in parts[1:] for p in chunk.split()):
            if cid not in categories:
                raise DictionaryError(f"{path}:{number + 1}: unknown category id {cid!r}")
            if term:
                name = frame_id(categories[cid])
                out.frames.setdefault(name, []).append((term, name))
    return out


def write_lexicons(imported: Imported, directory: Path, source: Path) -> list[Path]:
    """Write each imported frame as a lexicon YAML file in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for frame, items in sorted(imported.frames.items()):
        seen: set[str] = set()
        entries = []
        for term, category in items:
            if term in seen:
                continue
            seen.add(term)
            entries.append(
                {
                    "term": term,
                    "category": category,
                    "note": f"imported from {source.name}; review before use",
                }
            )
        doc = {
            "frame": frame,
            "label": frame,
            "description": f"Imported from {source.name}.",
            "entries": entries,
        }
        path = directory / f"{frame}.yaml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
        written.append(path)
    return written


def to_quanteda(lexicons: list[Lexicon]) -> str:
    """Lexicons as a quanteda dictionary: frame → category → terms."""
    data: dict[str, dict[str, list[str]]] = {}
    for lex in lexicons:
        for e in lex.entries:
            data.setdefault(lex.frame, {}).setdefault(e.category, []).append(e.term)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
