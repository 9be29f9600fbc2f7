"""Cache each article's analysis across runs, keyed by everything that could change it.

Two levels, in one SQLite file per output folder:
- tokens: the cleaned text and its tokens, keyed by the article's text, the cleaning and
  tokenizing code, and the tokenizer's versions;
- hits: the matches, keyed by the tokens key, the lexicons' hashes and the matching code.
Editing a lexicon therefore re-matches from cached tokens but does not re-tokenize, and an
unchanged article is neither tokenized nor matched again. Above them, ``BatchCache`` keeps
whole batches' tables, so that a batch whose articles are all unchanged is read back in one
piece instead of article by article, and ``AggregateCache`` keeps the run's aggregated
tables, so that a rerun on the same batches and settings does not aggregate again.
Prefect's own cache keys look at a task's source, not at lexicon files, which is why the
keys are built here.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.analyze import tokens as tokens_mod
from pipeline.analyze.hits import Hit
from pipeline.analyze.sourcing import Attribution
from pipeline.analyze.stance import StanceHit
from pipeline.analyze.tokens import TokenColumns, restore_columns
from pipeline.ingest.batches import file_sha256
from pipeline.ingest.clean import CleanText, Removed
from pipeline.ingest.corpus import ArticleRef

SCHEMA_VERSION = "5"
log = logging.getLogger(__name__)


# What each cached thing is computed by: the modules (a package stands for all its modules)
# whose source is hashed into its key, one scheme for every level. tests/test_cache.py checks
# that each list covers every pipeline module the computation imports.
TOKENS_CODE = ("pipeline.ingest.clean", "pipeline.analyze.tokens")
HITS_CODE = (
    "pipeline.analyze.hits",
    "pipeline.analyze.lexicon_schemas",
    "pipeline.analyze.lexicon_yaml",
    "pipeline.analyze.lexicons",
    "pipeline.analyze.sourcing",
    "pipeline.analyze.bunsetsu",
    "pipeline.analyze.stance",
    "pipeline.analyze.stance_attribute",
    "pipeline.analyze.stance_lexicon",
    "pipeline.analyze.stance_mentions",
    "pipeline.analyze.stance_names",
    "pipeline.analyze.stance_negation",
    "pipeline.analyze.voice",
)
BATCH_CODE = (
    *TOKENS_CODE,
    *HITS_CODE,
    "pipeline.analyze.article",
    "pipeline.ingest.batches",
    "pipeline.ingest.corpus",
    "pipeline.ingest.sources",
    "pipeline.runfolder.cells",
)
AGGREGATE_CODE = (
    "pipeline.aggregate",
    "pipeline.analyze.actors",
    "pipeline.analyze.article",
    "pipeline.runfolder.cells",
    "pipeline.runfolder.schema",
    "pipeline.runfolder.tables",
    "pipeline.settings",
)
NUMERIC_LIBRARIES = ("numpy", "pandas", "pyarrow", "scipy", "scikit-learn")


def _sources(module: str) -> list[Path]:
    """The source files of a module, or of every module of a package, in a fixed order."""
    spec = find_spec(module)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(module)
    origin = Path(spec.origin)
    return sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]


@cache
def code_hash(*modules: str) -> str:
    """Hash of the source files of the named modules (and packages), and the cache schema."""
    h = hashlib.sha256(SCHEMA_VERSION.encode())
    for module in modules:
        for path in _sources(module):
            h.update(module.encode() + b"\x00" + path.name.encode() + b"\x00" + path.read_bytes())
    return h.hexdigest()


@cache
def _token_key_prefix() -> bytes:
    """What every tokens key starts from, computed once: reading the tokenizer's versions
    parses package metadata files, which cost more than hashing an article."""
    versions = json.dumps(tokens_mod.versions(), sort_keys=True)
    return code_hash(*TOKENS_CODE).encode() + versions.encode()


def token_key(raw: str) -> str:
    h = hashlib.sha256(_token_key_prefix())
    h.update(raw.encode("utf-8", errors="surrogatepass"))
    return h.hexdigest()


def hits_key(tkey: str, lexicons_sha: str) -> str:
    return hashlib.sha256(f"{tkey}:{lexicons_sha}:{code_hash(*HITS_CODE)}".encode()).hexdigest()


_DIGEST = 16  # bytes of BLAKE2b in front of every stored blob


class CorruptEntry(ValueError):
    """A cache entry whose bytes are not what was stored."""


def _pack(obj: object) -> bytes:
    """JSON, compressed, behind a checksum of the compressed bytes."""
    data = zlib.compress(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode(), 1)
    return hashlib.blake2b(data, digest_size=_DIGEST).digest() + data


def _unpack(blob: object) -> object:
    """What ``_pack`` stored; raise CorruptEntry when the bytes are not that."""
    if not isinstance(blob, bytes) or len(blob) < _DIGEST:
        raise CorruptEntry("not a cache blob")
    digest, data = blob[:_DIGEST], blob[_DIGEST:]
    if hashlib.blake2b(data, digest_size=_DIGEST).digest() != digest:
        raise CorruptEntry("checksum mismatch")
    try:
        return json.loads(zlib.decompress(data))
    except (zlib.error, ValueError) as exc:
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
            return _unpack(row[0])
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
        self.pending.append(("summaries", key, _pack(summary)))
        self.pending.append(("token_lists", key, _pack(tokens)))

    def get_hits(self, key: str) -> list[Hit] | None:
        data = self._get("hits", key)
        if data is None:
            return None
        self.hits_found += 1
        return [Hit(*h) for h in data]

    def put_hits(self, key: str, hits: list[Hit]) -> None:
        self.pending.append(("hits", key, _pack([tuple(h) for h in hits])))

    def get_attributions(self, key: str) -> list[Attribution] | None:
        """The attributions stored with the hits of ``key`` (a hits key), or None."""
        data = self._get("attributions", key)
        return None if data is None else [Attribution(*a) for a in data]

    def put_attributions(self, key: str, attributions: list[Attribution]) -> None:
        blob = _pack([tuple(a) for a in attributions])
        self.pending.append(("attributions", key, blob))

    def get_stance(self, key: str) -> tuple[list[StanceHit], dict[str, int]] | None:
        """An article's stance evidence and target mentions, kept under its hits key."""
        data = self._get("stance", key)
        if data is None:
            return None
        return [StanceHit(*h) for h in data["hits"]], data["mentions"]

    def put_stance(self, key: str, hits: list[StanceHit], mentions: dict[str, int]) -> None:
        blob = _pack({"hits": [tuple(h) for h in hits], "mentions": mentions})
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


@cache
def _batch_key_prefix() -> bytes:
    """The analysis code (as for articles, plus the modules that build a batch's tables) and
    the tokenizer's versions."""
    h = hashlib.sha256(_token_key_prefix())
    h.update(code_hash(*BATCH_CODE).encode())
    return h.digest()


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
        h = hashlib.sha256(_batch_key_prefix())
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


@cache
def _aggregate_key_prefix() -> bytes:
    """The aggregation's code (not the report's: rewording a chart keeps the cache) and the
    versions of the libraries that compute its numbers."""
    from importlib.metadata import version

    h = hashlib.sha256(code_hash(*AGGREGATE_CODE).encode())
    for lib in NUMERIC_LIBRARIES:
        h.update(f"{lib}={version(lib)}".encode())
    return h.digest()


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
        h = hashlib.sha256(_aggregate_key_prefix())
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
