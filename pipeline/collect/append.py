"""Append collected articles to a corpus folder: ``articles/<id>.txt`` plus a
``manifest.csv`` row, without ever leaving a half-written manifest or an orphan file.

Each append: (1) name the file in a journal, ``.collect-pending``; (2) write the text to
``.collect-tmp/`` and rename it into ``articles/``; (3) append the manifest row in one
``write``; (4) remove the journal. A crash or kill at any point leaves the manifest as it
was before or after the row; the next collect (or the end of this one) removes a file the
journal names that no row lists. The manifest is only rewritten (to a temporary file
renamed over it) to add missing columns. Titles and authors are escaped as the run folder's
tables are (a leading ``=`` gets a ``'``); the corpus reader takes it off again.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from pipeline.collect.ids import canonical_url, text_hash
from pipeline.collect.log import SURROGATE, safe_cell
from pipeline.ingest.article_text import ArticleError, article_text
from pipeline.ingest.corpus import COLUMNS
from pipeline.ingest.sources import SourceNames
from pipeline.runfolder.cells import restore

EXTRA_COLUMNS = ("perspective", "text_sha256")
JOURNAL = ".collect-pending"
LOCK = ".collect.lock"
TMP_DIR = ".collect-tmp"


class AppendError(OSError):
    """The corpus folder cannot be appended to (unreadable manifest, no permission, another
    collect appending to it)."""


@dataclass(frozen=True, slots=True)
class NewArticle:
    id: str
    source: str
    title: str
    author: str
    published: str
    url: str
    language: str
    perspective: str
    text: str
    sha: str


def _fsync_write(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _csv_line(header: list[str], row: dict[str, str]) -> str:
    buf = io.StringIO()
    csv.DictWriter(buf, fieldnames=header, lineterminator="\n").writerow(
        {k: row.get(k, "") for k in header}
    )
    return buf.getvalue()


class CorpusAppender:
    """A corpus folder open for appending, with the index that deduplicates against it.

    It holds the folder's lock (``.collect.lock``) until ``close``: two collects appending
    to one manifest at once (a scheduled run overlapping a manual one) would lose rows.
    """

    def __init__(self, corpus: Path) -> None:
        self.corpus = Path(corpus)
        self.manifest = self.corpus / "manifest.csv"
        self.by_url: dict[str, str] = {}
        self.by_hash: dict[str, str] = {}
        self.ids: set[str] = set()
        self.names = SourceNames()  # an outlet keeps the corpus's first spelling
        try:
            (self.corpus / "articles").mkdir(parents=True, exist_ok=True)
            self._lock = (self.corpus / LOCK).open("a+")
        except OSError as exc:
            raise AppendError(f"{self.corpus}: cannot append: {exc}") from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise AppendError(f"another collect is appending to {self.corpus}") from None
        try:
            self.recover()
            self.header = self._open_manifest()
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            self.close()
            raise AppendError(f"{self.manifest}: cannot append: {exc}") from None

    def close(self) -> None:
        """Remove what an interrupted append left, and release the folder's lock."""
        if self._lock.closed:
            return
        try:
            self.recover()
        finally:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()

    def __enter__(self) -> CorpusAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def recover(self) -> list[str]:
        """Remove what an interrupted append left: the file its journal names, unless a
        manifest row lists it, and temporary files. Return the removed paths."""
        removed = []
        journal = self.corpus / JOURNAL
        if journal.exists():
            listed = set()
            if self.manifest.exists():
                with self.manifest.open(encoding="utf-8-sig", newline="") as fh:
                    listed = {row.get("file", "") for row in csv.DictReader(fh)}
            for name in journal.read_text(encoding="utf-8").split("\n"):
                target = self.corpus / name
                if name and name not in listed and target.is_file():
                    target.unlink()
                    removed.append(str(target))
            journal.unlink()
        shutil.rmtree(self.corpus / TMP_DIR, ignore_errors=True)
        return removed

    def _open_manifest(self) -> list[str]:
        wanted = [*COLUMNS, *EXTRA_COLUMNS]
        if not self.manifest.exists():
            self._replace_manifest(wanted, [])
            return wanted
        with self.manifest.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = list(reader.fieldnames or [])
            rows = list(reader)
        missing = [c for c in wanted if c not in header]
        if missing:
            header += missing
            self._replace_manifest(header, rows)
        for row in rows:
            self._index(row)
        return header

    def _index(self, row: dict[str, str]) -> None:
        aid = (row.get("id") or "").strip()
        if (row.get("source") or "").strip():
            self.names.first(row["source"].strip())
        self.ids.add(aid)
        if row.get("url"):
            self.by_url.setdefault(canonical_url(row["url"]), aid)
        sha = (row.get("text_sha256") or "").strip()
        if not sha and row.get("file"):
            try:
                text = article_text((self.corpus / row["file"]).read_bytes())[0]
                sha = text_hash(text, str(restore(row.get("title", ""))))
            except (OSError, ArticleError):
                sha = ""
        if sha:
            self.by_hash.setdefault(sha, aid)

    def _replace_manifest(self, header: list[str], rows: list[dict[str, str]]) -> None:
        tmp = self.corpus / f".manifest.csv.{os.getpid()}.tmp"
        text = _csv_line(header, dict(zip(header, header, strict=True)))
        text += "".join(_csv_line(header, row) for row in rows)
        _fsync_write(tmp, text.encode("utf-8"))
        os.replace(tmp, self.manifest)

    def add(self, article: NewArticle) -> str:
        """Write the article's file and manifest row; return the file's relative path."""
        name = f"articles/{article.id}.txt"
        journal = self.corpus / JOURNAL
        _fsync_write(journal, name.encode("utf-8"))
        tmp_dir = self.corpus / TMP_DIR
        tmp_dir.mkdir(exist_ok=True)
        tmp = tmp_dir / f"{article.id}.txt"
        text = SURROGATE.sub("\ufffd", article.text.rstrip("\n")) + "\n"
        _fsync_write(tmp, text.encode("utf-8"))
        os.replace(tmp, self.corpus / name)
        row = {
            "id": article.id,
            "file": name,
            "source": self.names.first(article.source),
            "title": safe_cell(article.title),
            "author": safe_cell(article.author),
            "published": article.published,
            "url": article.url,
            "language": article.language,
            "perspective": article.perspective,
            "text_sha256": article.sha,
        }
        self._append_line(_csv_line(self.header, row))
        journal.unlink()
        self.ids.add(article.id)
        self.by_url.setdefault(article.url, article.id)
        self.by_hash.setdefault(article.sha, article.id)
        return name

    def _append_line(self, line: str) -> None:
        fd = os.open(self.manifest, os.O_WRONLY | os.O_APPEND)
        try:
            if os.fstat(fd).st_size:
                with self.manifest.open("rb") as fh:
                    fh.seek(-1, os.SEEK_END)
                    if fh.read(1) != b"\n":
                        line = "\n" + line
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
