"""Split a corpus into batch files for the tasks, streaming: a folder, JSON Lines or Parquet.

A folder corpus (``manifest.csv`` + text files) gives batches of references that the tasks
read from disk. A ``.jsonl`` or ``.parquet`` corpus (``id, source, published, text`` plus any
metadata) is streamed in chunks and never loaded whole; its texts travel in the batch files.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.ingest.corpus import (
    COLUMNS,
    MAX_BYTES,
    ArticleRef,
    CorpusError,
    Quarantined,
    iso_date,
    read_manifest,
)
from pipeline.ingest.sources import SourceNames

BULK_SUFFIXES = (".jsonl", ".parquet")
# Automatic batch size: about TASKS_PER_WORKER tasks per worker, within these bounds. Small
# batches balance load; big ones keep Prefect's per-task cost (~30 ms) and the per-batch
# files of a million-article corpus few.
MIN_BATCH, MAX_BATCH, TASKS_PER_WORKER = 100, 2000, 4
_BATCH_SCHEMA = pa.schema(
    [
        (c, pa.string())
        for c in (
            "id",
            "source",
            "file",
            "path",
            "title",
            "author",
            "published",
            "url",
            "language",
            "meta",
            "text",
        )
    ]
    + [("line", pa.int64())]
)


@dataclass(slots=True)
class Plan:
    """Batch files to analyze and what planning learned about the corpus."""

    batch_files: list[str]
    articles: int
    sha256: str
    quarantined: list[Quarantined] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    source_counts: dict[str, int] = field(default_factory=dict)


def file_sha256(path: Path) -> str:
    """A file's SHA-256, read in chunks (also what the caches check their entries by)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _content_id(path: Path) -> str:
    """What identifies a file's content in the corpus hash: its SHA-256, or why it has none
    (the article is then quarantined when it is read)."""
    try:
        return file_sha256(path)
    except OSError as exc:
        return f"unreadable:{exc.errno}"


def count_articles(corpus: Path) -> int:
    """About how many articles ``corpus`` holds, cheaply: lines of a .jsonl file or of the
    manifest, rows in the Parquet metadata. Only used to size batches."""
    corpus = Path(corpus)
    if corpus.suffix == ".parquet":
        try:
            return pq.ParquetFile(corpus).metadata.num_rows
        except (pa.ArrowInvalid, OSError):
            return 0
    path = corpus if corpus.is_file() else corpus / "manifest.csv"
    try:
        with open(path, "rb") as fh:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b""))
    except OSError:
        return 0
    return lines if corpus.is_file() else max(0, lines - 1)


def check_bulk(path: Path) -> None:
    """Raise CorpusError now if a bulk corpus cannot be opened (a truncated Parquet file has
    no footer), rather than in the middle of the run."""
    try:
        if path.suffix == ".parquet":
            pq.ParquetFile(path).close()
        else:
            with open(path, "rb") as fh:
                fh.read(1)
    except (pa.ArrowException, OSError) as exc:
        raise CorpusError(f"{path}: not a readable {path.suffix[1:]} file ({exc})") from None


def auto_batch_size(articles: int, workers: int) -> int:
    """Articles per task: ``TASKS_PER_WORKER`` tasks per worker, within MIN/MAX_BATCH."""
    per_task = -(-articles // (TASKS_PER_WORKER * max(1, workers)))
    return min(MAX_BATCH, max(MIN_BATCH, per_task))


# A JSON line longer than this is quarantined unread: its text would be over --max-bytes
# even if every character were escaped (``\\uXXXX``, 6 bytes for 3).
MAX_LINE_BYTES = 2 * MAX_BYTES + 65_536


def _lines(fh: BinaryIO, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) of a binary file, never holding more than ``limit`` bytes of one
    line: a longer line is yielded as None and skipped to its end in chunks."""
    number = 0
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) <= limit or line.endswith(b"\n"):
            yield number, line
            continue
        while line and not line.endswith(b"\n"):
            line = fh.readline(1 << 20)
        yield number, None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _scrubbed(record: dict[str, Any]) -> dict[str, Any]:
    """A JSON record with every lone surrogate (``"\\ud800"`` is valid JSON but not text,
    and Arrow refuses it) replaced by U+FFFD, in keys and string values."""

    def fix(v: Any) -> Any:
        return _SURROGATE.sub("\ufffd", v) if isinstance(v, str) and _SURROGATE.search(v) else v

    return {fix(k): fix(v) for k, v in record.items()}


def iter_bulk(
    path: Path, chunk_rows: int = 10_000, max_line: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line or row number, record) for each article; a string record is a parse error."""
    if path.suffix == ".jsonl":
        with open(path, "rb") as fh:
            for number, raw in _lines(fh, max_line):
                if raw is None:
                    yield number, f"line {number}: over {max_line:,} bytes (not read)"
                    continue
                line = raw.decode("utf-8", errors="replace")
                if number == 1:
                    line = line.removeprefix("\ufeff")
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except (json.JSONDecodeError, RecursionError) as exc:
                    msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
                    yield number, f"line {number}: not valid JSON ({msg})"
                    continue
                yield (
                    number,
                    _scrubbed(record)
                    if isinstance(record, dict)
                    else f"line {number}: not an object",
                )
        return
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise CorpusError(f"{path}: not a readable Parquet file ({exc})") from None
    row = 0
    batches = parquet.iter_batches(batch_size=chunk_rows)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as exc:
            raise CorpusError(f"{path}: unreadable Parquet data after row {row} ({exc})") from None
        for record in batch.to_pylist():
            row += 1
            yield row, record


def _bulk_ref(number: int, record: dict[str, Any]) -> tuple[ArticleRef, str]:
    def text_of(key: str) -> str:
        value = record.get(key)
        return "" if value is None else str(value).strip()

    meta = {
        k: ("" if v is None else str(v)) for k, v in record.items() if k not in (*COLUMNS, "text")
    }
    ref = ArticleRef(
        id=text_of("id"),
        source=text_of("source"),
        file="",
        path=None,
        line=number,
        title=text_of("title"),
        author=text_of("author"),
        published=iso_date(text_of("published")) or "",
        url=text_of("url"),
        language=text_of("language") or "ja",
        meta=meta,
    )
    text = record.get("text")
    return ref, text if isinstance(text, str) else ""


def _write_batch(rows: list[dict[str, Any]], path: Path) -> str:
    pq.write_table(pa.Table.from_pylist(rows, schema=_BATCH_SCHEMA), path)
    return str(path)


_REF_FIELDS = tuple(f.name for f in fields(ArticleRef))


def _row(ref: ArticleRef, text: str | None) -> dict[str, Any]:
    # a shallow copy: dataclasses.asdict deep-copies and was half of planning's time
    d = {name: getattr(ref, name) for name in _REF_FIELDS}
    d["path"] = str(ref.path) if ref.path else None
    d["meta"] = json.dumps(ref.meta, ensure_ascii=False, sort_keys=True)
    d["text"] = text
    return d


def plan_batches(
    corpus: Path, work: Path, batch_size: int, on_batch: Callable[[str], None] | None = None
) -> Plan:
    """Write ``work/batch-NNNNN.parquet`` files of at most ``batch_size`` articles each,
    calling ``on_batch`` with each file as soon as it is written (so analysis can start
    while a large corpus is still being planned)."""
    corpus = Path(corpus)
    work.mkdir(parents=True, exist_ok=True)
    batcher = _Batcher(work, max(1, batch_size), on_batch)
    if corpus.is_file() and corpus.suffix in BULK_SUFFIXES:
        plan = _plan_bulk(corpus, batcher)
    elif corpus.is_file():
        raise CorpusError(f"{corpus}: a corpus is a folder, a .jsonl or a .parquet file")
    else:
        plan = _plan_folder(corpus, batcher)
    batcher.flush()
    plan.batch_files = batcher.files
    plan.source_counts = dict(batcher.counts)
    return plan


@dataclass
class _Batcher:
    """Rows waiting for their batch file, and the files and source counts so far."""

    work: Path
    size: int
    on_batch: Callable[[str], None] | None
    files: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    pending: list[dict[str, Any]] = field(default_factory=list)

    def add(self, ref: ArticleRef, text: str | None) -> None:
        self.counts[ref.source] += 1
        self.pending.append(_row(ref, text))
        if len(self.pending) >= self.size:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.files.append(
                _write_batch(self.pending, self.work / f"batch-{len(self.files):05d}.parquet")
            )
            self.pending.clear()
            if self.on_batch:
                self.on_batch(self.files[-1])


def _plan_bulk(corpus: Path, batcher: _Batcher) -> Plan:
    """Batch a .jsonl or .parquet corpus, its texts inline; bad records are quarantined."""
    plan = Plan([], 0, file_sha256(corpus))
    seen: dict[str, int] = {}
    names = SourceNames()
    for number, record in iter_bulk(corpus):
        if isinstance(record, str):
            plan.quarantined.append(Quarantined(f"line-{number}", corpus.name, record, number))
            continue
        ref, text = _bulk_ref(number, record)
        raw_date = record.get("published")
        if raw_date not in (None, "") and not ref.published:
            plan.warnings.append(
                f"{corpus}:{number}: {ref.id}: unparseable date {raw_date!r} (left empty)"
            )
        problem = _bulk_problem(ref, text, seen)
        if problem:
            plan.quarantined.append(
                Quarantined(
                    ref.id or f"line-{number}", corpus.name, f"line {number}: {problem}", number
                )
            )
            continue
        seen[ref.id] = number
        source = names.first(ref.source, plan.warnings, f"{corpus}:{number}: {ref.id}")
        if source != ref.source:
            ref = replace(ref, source=source)
        batcher.add(ref, text)
        plan.articles += 1
    return plan


def _bulk_problem(ref: ArticleRef, text: str, seen: dict[str, int]) -> str | None:
    """Why a bulk record cannot be scored, or None."""
    if not ref.id:
        return "empty id"
    if ref.id in seen:
        return f"duplicate id (first on line {seen[ref.id]})"
    if not ref.source:
        return "empty source"
    if not text.strip():
        return "empty text"
    return None


def _plan_folder(corpus: Path, batcher: _Batcher) -> Plan:
    """Batch a corpus folder's manifest rows; the texts are read at analysis."""
    manifest = read_manifest(corpus)
    digest = hashlib.sha256(manifest.sha256.encode())
    for ref in manifest.articles:
        if ref.path is not None:
            digest.update(f"\0{ref.file}\0{_content_id(ref.path)}".encode())
    plan = Plan(
        [], len(manifest.articles), digest.hexdigest(), manifest.quarantined, manifest.warnings
    )
    for ref in manifest.articles:
        batcher.add(ref, None)
    return plan


def read_batch(path: Path) -> list[tuple[ArticleRef, str | None]]:
    """The references (and inline texts, for bulk corpora) of one batch file."""
    out = []
    for row in pq.read_table(path).to_pylist():
        text = row.pop("text")
        row["path"] = Path(row["path"]) if row["path"] else None
        row["meta"] = json.loads(row["meta"] or "{}")
        out.append((ArticleRef(**row), text))
    return out
