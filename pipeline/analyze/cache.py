"""Cache each article's analysis across runs, keyed by everything that could change it.

Two levels, in one SQLite file per output folder:
- tokens: the cleaned text and its tokens, keyed by the article's text, the cleaning and
  tokenizing code, and the tokenizer's versions;
- hits: the matches, keyed by the tokens key, the lexicons' hashes and the matching code.
Editing a lexicon therefore re-matches from cached tokens but does not re-tokenize, and an
unchanged article is neither tokenized nor matched again. Prefect's own cache keys look at
a task's source, not at lexicon files, which is why the keys are built in
``pipeline.cache.keys``; whole batches and aggregated tables are kept in ``pipeline.cache.store``.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import struct
import sys
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import accumulate, chain
from pathlib import Path
from typing import Any

from pipeline.analyze.hits import Hit
from pipeline.analyze.sourcing import Attribution
from pipeline.analyze.stance import StanceHit
from pipeline.analyze.tokens import TokenColumns, restore_columns
from pipeline.cache.store import CorruptEntry, pack, seal, unpack, unseal
from pipeline.ingest.clean import CleanText, Removed

log = logging.getLogger(__name__)


class AnalysisCache:
    """A SQLite-backed store for article analyses; safe for several worker processes.

    Per tokens key it keeps a small summary (cleaned text, sentences, quotes, removals,
    content tokens per sentence, content lemmas) and, apart, the tokens themselves, which
    are read back only when the article has to be matched again. Per hits key it keeps the
    matches and the attributions (speaker spans) found with them.
    """

    TABLES = ("summaries", "token_lists", "hits", "attributions", "stance")

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.pending: list[tuple[str, str, bytes]] = []
        self.hits_found = self.tokens_found = 0
        self._inode = -1
        with self._guard():
            self.db = self._open_or_replace()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Hold the file's lock while opening, checking or replacing it: batches open the
        cache at the same time, and two of them replacing a damaged file each would remove
        the other's fresh database under its open connection."""
        with open(f"{self.path}.lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _open_or_replace(self) -> sqlite3.Connection:
        """Open the file; a damaged one is removed and started afresh (under the lock)."""
        try:
            return self._open()
        except sqlite3.DatabaseError as exc:
            if not _damaged(exc):
                raise  # a read-only folder or a full disk: the machine's problem
            self._discard(exc)
            return self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            for table in self.TABLES:
                db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, data BLOB)")
        except sqlite3.DatabaseError:
            db.close()
            raise
        self._inode = os.stat(self.path).st_ino
        return db

    def _discard(self, exc: Exception) -> None:
        """Remove a damaged database file; the next open starts an empty one."""
        log.warning(
            "analysis cache %s is damaged (%s): removed, it will be rebuilt", self.path, exc
        )
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def _get(self, table: str, key: str, decode: Callable[[bytes], Any] = unpack) -> Any:
        """The entry under ``key``; None when absent or damaged (a damaged one is deleted)."""
        try:
            row = self.db.execute(f"SELECT data FROM {table} WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError as exc:
            if not _damaged(exc):
                raise
            self._reset(exc)
            return None
        if not row:
            return None
        try:
            return decode(row[0])
        except CorruptEntry as exc:
            log.warning("analysis cache: %s entry %s is damaged (%s): rebuilt", table, key, exc)
            self.db.execute(f"DELETE FROM {table} WHERE key = ?", (key,))
            return None

    def _reset(self, exc: Exception) -> None:
        """Replace a database that failed mid-run with an empty one, unless another batch
        has replaced it already."""
        self.db.close()
        with self._guard():
            try:
                replaced = os.stat(self.path).st_ino != self._inode
            except FileNotFoundError:
                replaced = True
            if not replaced:
                self._discard(exc)
            self.db = self._open_or_replace()

    def count(self, table: str) -> int:
        return self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def get_summary(self, key: str) -> tuple[CleanText, list[int], list[str]] | None:
        """(cleaned text, content tokens per sentence, content lemmas), or None."""
        data = self._get("summaries", key)
        if data is None:
            return None
        self.tokens_found += 1
        clean = CleanText(
            text=data["text"],
            sentences=[tuple(s) for s in data["sentences"]],
            quotes=[tuple(q) for q in data["quotes"]],
            removed=[Removed(*r) for r in data["removed"]],
        )
        doc = data["doc"]
        return clean, data["counts"], doc.split("\t") if doc else []

    def get_tokens(self, key: str, clean: CleanText) -> list[TokenColumns] | None:
        """The tokens, per sentence, of ``clean`` stored under ``key``, or None."""
        data = self._get("token_lists", key, unpack_tokens)
        if data is None:
            return None
        counts, lemmas, pos, ends = data
        if len(counts) != len(clean.sentences):
            log.warning("analysis cache: token_lists entry %s does not fit its text: rebuilt", key)
            self.db.execute("DELETE FROM token_lists WHERE key = ?", (key,))
            return None
        text, bounds = clean.text, list(accumulate(counts, initial=0))
        return [
            restore_columns(text[a:b], a, ends[i:j], lemmas[i:j], pos[i:j])
            if j > i
            else TokenColumns([], [], [], [], [])
            for (a, b), i, j in zip(clean.sentences, bounds[:-1], bounds[1:], strict=True)
        ]

    def put_tokens(
        self,
        key: str,
        clean: CleanText,
        counts: list[int],
        doc: list[str],
        sentences: list[TokenColumns],
    ) -> None:
        """Queue an article's summary and tokens (``pack_tokens``)."""
        summary = {
            "text": clean.text,
            "sentences": clean.sentences,
            "quotes": clean.quotes,
            "removed": [(r.line, r.kind, r.text) for r in clean.removed],
            "counts": counts,
            "doc": "\t".join(doc),
        }
        self.pending.append(("summaries", key, pack(summary)))
        self.pending.append(("token_lists", key, pack_tokens(sentences)))

    def get_hits(self, key: str) -> list[Hit] | None:
        data = self._get("hits", key)
        if data is None:
            return None
        self.hits_found += 1
        return [Hit(*h) for h in data]

    def put_hits(self, key: str, hits: list[Hit]) -> None:
        self.pending.append(("hits", key, pack([tuple(h) for h in hits])))

    def get_attributions(self, key: str) -> list[Attribution] | None:
        """The attributions stored with the hits of ``key`` (a hits key), or None."""
        data = self._get("attributions", key)
        return None if data is None else [Attribution(*a) for a in data]

    def put_attributions(self, key: str, attributions: list[Attribution]) -> None:
        blob = pack([tuple(a) for a in attributions])
        self.pending.append(("attributions", key, blob))

    def get_stance(self, key: str) -> tuple[list[StanceHit], dict[str, int]] | None:
        """An article's stance evidence and target mentions, kept under its hits key."""
        data = self._get("stance", key)
        if data is None:
            return None
        return [StanceHit(*h) for h in data["hits"]], data["mentions"]

    def put_stance(self, key: str, hits: list[StanceHit], mentions: dict[str, int]) -> None:
        blob = pack({"hits": [tuple(h) for h in hits], "mentions": mentions})
        self.pending.append(("stance", key, blob))

    def commit(self) -> None:
        """Write what this batch added, in one transaction (dropped if the file is damaged)."""
        if not self.pending:
            return
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                for table, key, blob in self.pending:
                    self.db.execute(f"INSERT OR REPLACE INTO {table} VALUES (?, ?)", (key, blob))
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and not _damaged(exc):
                raise  # disk full, read-only, locked: the machine's problem, reported as such
            self._reset(exc)
        self.pending.clear()

    def close(self) -> None:
        self.commit()
        self.db.close()


_HEADER = struct.Struct("<4I")


def _ints(values: Iterator[int] | list[int]) -> bytes:
    """Unsigned 32-bit little-endian integers."""
    a = array("I", values)
    if sys.byteorder == "big":
        a.byteswap()
    return a.tobytes()


def _read_ints(data: bytes) -> list[int]:
    a = array("I")
    a.frombytes(data)
    if sys.byteorder == "big":
        a.byteswap()
    return a.tolist()


def pack_tokens(sentences: list[TokenColumns]) -> bytes:
    """An article's token columns as one checksummed, compressed blob.

    What restore_columns needs of each token: lemma and part of speech (neither holds a
    tab), each joined by tabs over the whole article, and its end offset; with the tokens
    per sentence. Columns as joined strings and integer arrays, not JSON lists: cheaper
    to write and to read, and smaller.
    """
    lemmas = "\t".join(chain.from_iterable(s.lemmas for s in sentences)).encode()
    pos = "\t".join(chain.from_iterable(s.pos for s in sentences)).encode()
    counts = _ints([len(s.lemmas) for s in sentences])
    ends = _ints(chain.from_iterable(s.ends for s in sentences))
    head = _HEADER.pack(len(lemmas), len(pos), len(counts), len(ends))
    return seal(b"".join((head, lemmas, pos, counts, ends)))


def unpack_tokens(blob: object) -> tuple[list[int], list[str], list[str], list[int]]:
    """What ``pack_tokens`` stored (tokens per sentence, lemmas, parts of speech, ends);
    raise CorruptEntry when the bytes are not that."""
    payload = unseal(blob)
    try:
        sizes = _HEADER.unpack_from(payload)
    except struct.error as exc:
        raise CorruptEntry(str(exc)) from None
    if _HEADER.size + sum(sizes) != len(payload) or sizes[2] % 4 or sizes[3] % 4:
        raise CorruptEntry("column sizes do not add up")
    cuts = list(accumulate(sizes, initial=_HEADER.size))
    counts, ends = _read_ints(payload[cuts[2] : cuts[3]]), _read_ints(payload[cuts[3] :])
    n = len(ends)
    try:
        lemmas = payload[cuts[0] : cuts[1]].decode().split("\t") if n else []
        pos = payload[cuts[1] : cuts[2]].decode().split("\t") if n else []
    except UnicodeDecodeError as exc:
        raise CorruptEntry(str(exc)) from None
    if sum(counts) != n or len(lemmas) != n or len(pos) != n:
        raise CorruptEntry("columns of different lengths")
    return counts, lemmas, pos, ends


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite says the file itself is bad (rather than the disk or a lock)."""
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text
