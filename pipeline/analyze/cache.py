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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.analyze.hits import Hit
from pipeline.analyze.sourcing import Attribution
from pipeline.analyze.stance import StanceHit
from pipeline.analyze.tokens import TokenColumns, restore_columns
from pipeline.cache.store import CorruptEntry, pack, unpack
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

    def _get(self, table: str, key: str) -> Any:
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
            return unpack(row[0])
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
        data = self._get("token_lists", key)
        if data is None:
            return None
        text = clean.text
        return [
            restore_columns(text[a:b], a, ends, lemmas.split("\t"), pos.split("\t"))
            if ends
            else TokenColumns([], [], [], [], [])
            for (a, b), (lemmas, pos, ends) in zip(clean.sentences, data, strict=True)
        ]

    def put_tokens(
        self,
        key: str,
        clean: CleanText,
        counts: list[int],
        doc: list[str],
        sentences: list[TokenColumns],
    ) -> None:
        """Queue an article's summary and tokens.

        Lemmas (which never contain a tab) are stored joined by tabs; per sentence so are
        the parts of speech, with the tokens' ends: restore_columns gets the rest back from
        the text.
        """
        summary = {
            "text": clean.text,
            "sentences": clean.sentences,
            "quotes": clean.quotes,
            "removed": [(r.line, r.kind, r.text) for r in clean.removed],
            "counts": counts,
            "doc": "\t".join(doc),
        }
        tokens = [("\t".join(s.lemmas), "\t".join(s.pos), s.ends) for s in sentences]
        self.pending.append(("summaries", key, pack(summary)))
        self.pending.append(("token_lists", key, pack(tokens)))

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


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite says the file itself is bad (rather than the disk or a lock)."""
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text
