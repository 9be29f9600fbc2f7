"""Write a dictionary read by ``dictionaries`` as lexicon files that ``run`` accepts.

Each entry is checked on its own, as ``run`` and ``lexicon lint`` would check it; a bad entry
is reported and left out, the others are written. Nothing is overwritten without ``force``,
and nothing is written unless every file can be: files go to temporary names, are loaded back
as lexicons, and only then renamed into place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.analyze.lexicons import Entry, LexiconError, compile_entry, load_lexicon
from pipeline.lexicon_tools.dictionaries import DictionaryError, Frame, Imported, Item
from pipeline.lexicon_tools.lint import matches_itself


class TargetExists(DictionaryError):
    """A lexicon file (or frame) that the import would overwrite."""


@dataclass(slots=True)
class ImportResult:
    """The files written (path, entries) and every entry left out, with its reason."""

    written: list[tuple[Path, int]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def merge_items(items: list[Item]) -> list[Item]:
    """One item per term: a term listed under several categories keeps all of them."""
    merged: dict[str, Item] = {}
    for item in items:
        first = merged.get(item.term)
        if first is None:
            merged[item.term] = Item(
                item.term, list(item.categories), item.where, item.weight, item.note,
                list(item.shared),
            )  # fmt: skip
            continue
        first.categories.extend(c for c in item.categories if c not in first.categories)
        first.shared.extend(s for s in item.shared if s not in first.shared)
        first.note = first.note or item.note
    return list(merged.values())


def entry_mapping(item: Item, source: Path) -> dict[str, Any]:
    """The lexicon entry (as written to YAML) for one item."""
    doc: dict[str, Any] = {"term": item.term}
    doc["category"] = item.categories[0] if len(item.categories) == 1 else item.categories
    if item.weight != 1:
        doc["weight"] = int(item.weight) if item.weight.is_integer() else item.weight
    line = item.where.rsplit(":", 1)[-1]
    doc["note"] = item.note or f"imported from {source.name}:{line}; review before use"
    if item.shared:
        doc["shared"] = item.shared
    return doc


def checked_entries(frame: Frame, source: Path, skipped: list[str]) -> list[dict[str, Any]]:
    """The frame's entries that compile and match their own text; the rest go to ``skipped``.

    Two terms with the same lemmas (傷つける, 傷付ける) make one entry: the first, with the
    categories of both.
    """
    kept: dict[tuple[tuple[str, ...], str], tuple[Entry, dict[str, Any]]] = {}
    for item in merge_items(frame.items):
        doc = entry_mapping(item, source)
        try:
            entry = compile_entry(doc, frame.id, Path(item.where), None)
        except LexiconError as exc:
            skipped.append(str(exc))
            continue
        if not matches_itself(entry, source):
            skipped.append(f"{item.where}: {item.term}: does not match its own text")
            continue
        key = (entry.lemmas, entry.glob)
        if key in kept:
            first, first_doc = kept[key]
            categories = first_doc["category"]
            categories = [categories] if isinstance(categories, str) else categories
            categories.extend(c for c in item.categories if c not in categories)
            first_doc["category"] = categories[0] if len(categories) == 1 else categories
            skipped.append(
                f"{item.where}: {item.term}: same lemmas as {first.term!r}; merged into it"
            )
            continue
        kept[key] = (entry, doc)
    return [doc for _, doc in kept.values()]


def mark_shared(imported: Imported) -> None:
    """A term in several frames is ``shared`` with the others: in the dictionary it belongs
    to each (what ``lexicon lint`` would otherwise warn about as a collision)."""
    frames: dict[str, list[str]] = {}
    for frame in imported.frames.values():
        for item in frame.items:
            if frame.id not in frames.setdefault(item.term, []):
                frames[item.term].append(frame.id)
    for frame in imported.frames.values():
        for item in frame.items:
            others = [f for f in frames[item.term] if f != frame.id]
            item.shared.extend(f for f in others if f not in item.shared)


def _line_order(message: str) -> tuple[str, int]:
    """``file:line: …`` messages in file order."""
    where, _, line = message.split(": ", 1)[0].rpartition(":")
    return (where, int(line)) if line.isdigit() else (message, 0)


def _defined_frames(directory: Path, targets: set[Path]) -> dict[str, Path]:
    """Frame ids defined by the other lexicon files of ``directory``."""
    frames: dict[str, Path] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path in targets:
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        frame = data.get("frame") if isinstance(data, dict) else None
        frames[str(frame or path.stem)] = path
    return frames


def import_dictionary(
    imported: Imported, directory: Path, source: Path, force: bool = False
) -> ImportResult:
    """Write each frame of ``imported`` as ``directory/<frame>.yaml``.

    Raise TargetExists (before anything is written) if a file exists and ``force`` is not
    set, or if another file of the folder already defines one of the frames.
    """
    directory = Path(directory)
    result = ImportResult(skipped=list(imported.skipped))
    docs: dict[Path, dict[str, Any]] = {}
    mark_shared(imported)
    for frame in imported.frames.values():
        entries = checked_entries(frame, source, result.skipped)
        if not entries:
            result.skipped.append(f"{source}: frame {frame.id!r}: no usable entry; not written")
            continue
        docs[directory / f"{frame.id}.yaml"] = {
            "frame": frame.id,
            "label": frame.label,
            "description": frame.description or f"Imported from {source.name}.",
            "entries": entries,
        }
    result.skipped.sort(key=_line_order)
    existing = sorted(str(p) for p in docs if p.exists())
    if existing and not force:
        verb = "exists" if len(existing) == 1 else "exist"
        raise TargetExists(f"{', '.join(existing)} already {verb}; use --force to overwrite")
    others = _defined_frames(directory, set(docs)) if directory.is_dir() else {}
    clash = [f"{doc['frame']!r} ({others[doc['frame']]})" for doc in docs.values()
             if doc["frame"] in others]  # fmt: skip
    if clash:
        raise TargetExists(f"frame {', '.join(clash)} already defined in {directory}")
    header = (
        f"# Imported from {source.name} ({imported.encoding}) by `python -m pipeline lexicon "
        "import`.\n# Review every entry before use: notes say where each term came from.\n"
    )
    directory.mkdir(parents=True, exist_ok=True)
    temporary = []
    try:
        for path, doc in docs.items():
            tmp = path.with_name(f".{path.name}.tmp")
            temporary.append(tmp)
            body = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
            tmp.write_text(header + body, encoding="utf-8")
            load_lexicon(tmp)  # what run will read: fails here rather than there
        for (path, doc), tmp in zip(docs.items(), temporary, strict=True):
            os.replace(tmp, path)
            result.written.append((path, len(doc["entries"])))
    finally:
        for tmp in temporary:
            tmp.unlink(missing_ok=True)
    return result
