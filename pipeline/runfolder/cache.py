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

import hashlib
import json
import os
import shutil
import sqlite3
import zlib
from collections.abc import Iterable
from dataclasses import asdict
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.analyze import tokens as tokens_mod
from pipeline.analyze.hits import Hit
from pipeline.analyze.stance import StanceHit
from pipeline.analyze.tokens import TokenColumns, restore_columns
from pipeline.ingest.clean import CleanText, Removed
from pipeline.ingest.corpus import ArticleRef

SCHEMA_VERSION = "3"


# What each cached thing is computed by: the modules (a package stands for all its modules)
# whose source is hashed into its key, one scheme for every level. tests/test_cache.py checks
# that each list covers every pipeline module the computation imports.
TOKENS_CODE = ("pipeline.ingest.clean", "pipeline.analyze.tokens")
HITS_CODE = (
    "pipeline.analyze.hits",
    "pipeline.analyze.lexicons",
    "pipeline.analyze.stance",
    "pipeline.analyze.stance_lexicon",
)
BATCH_CODE = (
    *TOKENS_CODE,
    *HITS_CODE,
    "pipeline.analyze.article",
    "pipeline.ingest.batches",
    "pipeline.ingest.corpus",
)
AGGREGATE_CODE = (
    "pipeline.aggregate",
    "pipeline.analyze.article",
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


def _pack(obj: object) -> bytes:
    return zlib.compress(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode(), 1)


def _unpack(blob: bytes) -> object:
    return json.loads(zlib.decompress(blob))


class AnalysisCache:
    """A SQLite-backed store for article analyses; safe for several worker processes.

    Per tokens key it keeps a small summary (cleaned text, sentences, quotes, removals,
    content tokens per sentence, content lemmas) and, apart, the tokens themselves, which
    are read back only when the article has to be matched again.
    """

    TABLES = ("summaries", "token_lists", "hits", "stance")

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        for table in self.TABLES:
            self.db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, data BLOB)")
        self.pending: list[tuple[str, str, bytes]] = []
        self.hits_found = self.tokens_found = 0

    def _get(self, table: str, key: str) -> Any:
        row = self.db.execute(f"SELECT data FROM {table} WHERE key = ?", (key,)).fetchone()
        return _unpack(row[0]) if row else None

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
        """Write what this batch added, in one transaction."""
        if not self.pending:
            return
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for table, key, blob in self.pending:
                self.db.execute(f"INSERT OR REPLACE INTO {table} VALUES (?, ?)", (key, blob))
        self.pending.clear()

    def close(self) -> None:
        self.commit()
        self.db.close()


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
    a run publishes. An entry is complete once its ``complete`` file exists."""

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
            elif ref.path is not None and ref.path.is_file():
                h.update(b"\x00file\x00" + ref.path.read_bytes())
            else:
                h.update(b"\x00missing\x00")
        return h.hexdigest()

    def get(self, key: str) -> Path | None:
        """The folder of a complete entry, or None."""
        entry = self.root / key
        return entry if (entry / "complete").exists() else None

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
        (tmp / "complete").touch()
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
        """The summary of a complete entry, or None."""
        path = self.root / key / self.SUMMARY
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

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
        text = json.dumps(summary, ensure_ascii=False, allow_nan=True)
        (tmp / self.SUMMARY).write_text(text, encoding="utf-8")
        shutil.rmtree(entry, ignore_errors=True)
        tmp.rename(entry)

    def restore(self, key: str, data_dir: Path) -> None:
        """Copy an entry's files into ``data_dir``, as aggregating would have written them
        (copies, not links: a published file edited in place must not change the cache)."""
        data_dir.mkdir(parents=True, exist_ok=True)
        for path in (self.root / key).iterdir():
            if path.name != self.SUMMARY:
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
