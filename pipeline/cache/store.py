"""Folder entries kept across runs: whole batches' tables (``BatchCache``) and a run's
aggregated tables (``AggregateCache``), each checked against the SHA-256 of its files on every
read; and the checksummed blobs the analysis cache stores (``pack``, ``unpack``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import zlib
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.cache.keys import aggregate_key_prefix, batch_key_prefix
from pipeline.ingest.batches import file_sha256
from pipeline.ingest.corpus import ArticleRef

log = logging.getLogger(__name__)

_DIGEST = 16  # bytes of BLAKE2b in front of every stored blob


class CorruptEntry(ValueError):
    """A cache entry whose bytes are not what was stored."""


def seal(payload: bytes) -> bytes:
    """``payload`` compressed, behind a checksum of the compressed bytes."""
    data = zlib.compress(payload, 1)
    return hashlib.blake2b(data, digest_size=_DIGEST).digest() + data


def unseal(blob: object) -> bytes:
    """What ``seal`` was given; raise CorruptEntry when the bytes are not a sealed blob."""
    if not isinstance(blob, bytes) or len(blob) < _DIGEST:
        raise CorruptEntry("not a cache blob")
    digest, data = blob[:_DIGEST], blob[_DIGEST:]
    if hashlib.blake2b(data, digest_size=_DIGEST).digest() != digest:
        raise CorruptEntry("checksum mismatch")
    try:
        return zlib.decompress(data)
    except zlib.error as exc:
        raise CorruptEntry(str(exc)) from None


def pack(obj: object) -> bytes:
    """JSON, sealed."""
    return seal(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode())


def unpack(blob: object) -> object:
    """What ``pack`` stored; raise CorruptEntry when the bytes are not that."""
    payload = unseal(blob)
    try:
        return json.loads(payload)
    except ValueError as exc:
        raise CorruptEntry(str(exc)) from None


def _digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file in ``folder`` (not its subfolders), by name."""
    return {p.name: file_sha256(p) for p in sorted(folder.iterdir()) if p.is_file()}


def _verified(folder: Path, expected: object) -> bool:
    """Whether ``folder`` holds exactly the files of ``expected`` (name → SHA-256)."""
    if not isinstance(expected, dict) or not expected:
        return False
    try:
        return all(file_sha256(folder / name) == sha for name, sha in expected.items())
    except OSError:
        return False


def _drop(entry: Path, why: str) -> None:
    log.warning("cache entry %s is damaged (%s): dropped, it will be rebuilt", entry, why)
    shutil.rmtree(entry, ignore_errors=True)


class BatchCache:
    """Whole batches' tables in ``root/<key>/``, keyed by the batch's references and texts
    (for a folder corpus, its files' bytes), the lexicons' hash, the size limit and the
    analysis code. Each entry also keeps the batch's cleaned texts (``texts.parquet``), which
    a run publishes. An entry is complete once its ``complete`` file exists; it lists every
    other file's SHA-256, checked on each read: a damaged entry is dropped and rebuilt."""

    TEXTS = "texts.parquet"

    def __init__(self, root: Path) -> None:
        self.root = root

    def key(
        self, items: Iterable[tuple[ArticleRef, str | None]], lexicons_sha: str, max_bytes: int
    ) -> str:
        h = hashlib.sha256(batch_key_prefix())
        h.update(f"{lexicons_sha}:{max_bytes}".encode())
        for ref, text in items:
            h.update(json.dumps(asdict(ref), default=str, sort_keys=True).encode())
            if text is not None:
                h.update(b"\x00text\x00" + text.encode("utf-8", errors="surrogatepass"))
            else:
                h.update(_file_part(ref.path, max_bytes))
        return h.hexdigest()

    def get(self, key: str) -> Path | None:
        """The folder of a complete, intact entry, or None (a damaged one is dropped)."""
        entry = self.root / key
        if not entry.is_dir():
            return None
        try:
            files = json.loads((entry / "complete").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            files = None
        if not isinstance(files, dict) or self.TEXTS not in files or not _verified(entry, files):
            _drop(entry, "missing, truncated or altered files")
            return None
        return entry

    def put(self, key: str, tables: dict[str, pd.DataFrame], texts: dict[str, str]) -> Path:
        """Store a batch's tables and cleaned texts (file name → text); return the entry."""
        entry = self.root / key
        tmp = self.root / f"{key}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name, df in tables.items():
            df.to_parquet(tmp / f"{name}.parquet", index=False)
        pd.DataFrame({"name": list(texts), "text": list(texts.values())}).to_parquet(
            tmp / self.TEXTS, index=False
        )
        (tmp / "complete").write_text(json.dumps(_digests(tmp)), encoding="utf-8")
        if entry.exists():
            self.get(key)  # drops a damaged entry, so that the rename below can replace it
        try:
            tmp.rename(entry)
        except OSError:  # another worker stored the same batch first: same content
            shutil.rmtree(tmp, ignore_errors=True)
        return entry

    def restore_texts(self, entry: Path, texts_dir: Path) -> None:
        """Write an entry's cleaned texts to ``texts_dir``, as analyzing the batch would."""
        texts_dir.mkdir(parents=True, exist_ok=True)
        df = pd.read_parquet(entry / self.TEXTS)
        for name, text in zip(df["name"], df["text"], strict=True):
            (texts_dir / name).write_text(text, encoding="utf-8")

    def prune(self, keep: Iterable[str]) -> int:
        """Remove every entry (and leftover) but ``keep``; return how many were removed."""
        return _prune(self.root, set(keep))


def _file_part(path: Path | None, max_bytes: int) -> bytes:
    """What an article file adds to its batch's key: its bytes, read in chunks and only when
    within ``max_bytes`` (a larger file is quarantined unread, so its size stands for it)."""
    try:
        if path is None or not path.is_file():
            return b"\x00missing\x00"
        size = path.stat().st_size
        if size > max_bytes:
            return f"\x00oversize\x00{size}".encode()
        return b"\x00file\x00" + file_sha256(path).encode()
    except OSError as exc:
        return f"\x00unreadable\x00{exc.errno}".encode()


class AggregateCache:
    """A run's aggregated tables (``data/*.csv``, ``data/lemmas.parquet``) and summary in
    ``root/<key>/``, keyed by the run's batches in order (their keys cover the articles, the
    lexicons' hash and the analysis code), the aggregation's settings, the lexicon files, the
    aggregation's code (``AGGREGATE_CODE``) and numeric libraries. An unchanged rerun
    publishes them again instead of aggregating, which was a third of its time at 100k
    articles."""

    SUMMARY = "summary.json"

    def __init__(self, root: Path) -> None:
        self.root = root

    def key(
        self,
        batch_keys: Iterable[str],
        lexicon_files: Iterable[str],
        settings: dict[str, Any],
        source_counts: dict[str, int],
    ) -> str:
        h = hashlib.sha256(aggregate_key_prefix())
        for part in (list(batch_keys), list(lexicon_files), settings, source_counts):
            h.update(json.dumps(part, sort_keys=True, default=str).encode() + b"\x00")
        return h.hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        """The summary of a complete, intact entry, or None (a damaged one is dropped): the
        summary lists every file's SHA-256, and each is checked."""
        entry = self.root / key
        if not entry.is_dir():
            return None
        try:
            stored = json.loads((entry / self.SUMMARY).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = None
        if (
            not isinstance(stored, dict)
            or not isinstance(stored.get("summary"), dict)
            or not _verified(entry, stored.get("files"))
        ):
            _drop(entry, "missing, truncated or altered files")
            return None
        return stored["summary"]

    def put(self, key: str, data_dir: Path, summary: dict[str, Any]) -> None:
        """Store ``data_dir``'s files (not its subfolders) and ``summary``; the summary is
        written last and marks the entry complete."""
        entry = self.root / key
        tmp = self.root / f"{key}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for path in data_dir.iterdir():
            if path.is_file():
                shutil.copyfile(path, tmp / path.name)
        stored = {"files": _digests(tmp), "summary": summary}
        text = json.dumps(stored, ensure_ascii=False, allow_nan=True)
        (tmp / self.SUMMARY).write_text(text, encoding="utf-8")
        shutil.rmtree(entry, ignore_errors=True)
        tmp.rename(entry)

    def restore(self, key: str, data_dir: Path) -> None:
        """Copy an entry's files into ``data_dir``, as aggregating would have written them
        (copies, not links: a published file edited in place must not change the cache)."""
        data_dir.mkdir(parents=True, exist_ok=True)
        for path in sorted((self.root / key).iterdir()):
            if path.name != self.SUMMARY and path.is_file():
                shutil.copyfile(path, data_dir / path.name)

    def prune(self, keep: str) -> None:
        """Remove every entry (and leftover) but ``keep``: the cache stays one run's size."""
        _prune(self.root, {keep})


def _prune(root: Path, kept: set[str]) -> int:
    """Remove everything in ``root`` not named in ``kept``; return how many were removed."""
    if not root.is_dir():
        return 0
    removed = 0
    for entry in root.iterdir():
        if entry.name not in kept:
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed
