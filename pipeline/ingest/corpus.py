"""Read a corpus folder: its manifest (one row per article) and each article's bytes as text.

Problems with one article (missing file, unreadable bytes, duplicate id) quarantine that
article with a reason and a manifest line number; only a missing or unusable manifest stops
the run.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.ingest.article_text import ArticleError, article_text, decode, strict_decode
from pipeline.ingest.sources import SourceNames
from pipeline.runfolder.cells import restore

COLUMNS = ("id", "file", "source", "title", "author", "published", "url", "language")
REQUIRED = ("id", "file", "source")
MAX_BYTES = 5_000_000
# Ids kept as their own file names: lower case (distinct on case-insensitive file systems
# too), ending with a letter or digit, not in the shape of a hashed name, not reserved.
_SAFE_ID = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$")
_HASHED = re.compile(r"--[0-9a-f]{24}$")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$")


class CorpusError(ValueError):
    """The corpus as a whole cannot be read (no folder, no manifest, missing columns)."""


@dataclass(slots=True)
class ArticleRef:
    """One manifest row: where an article is and what is known about it."""

    id: str
    source: str
    file: str
    path: Path | None
    line: int
    title: str = ""
    author: str = ""
    published: str = ""
    url: str = ""
    language: str = "ja"
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def text_name(self) -> str:
        return safe_name(self.id)


@dataclass(slots=True)
class Quarantined:
    """An article left out of the scores, and why."""

    article_id: str
    file: str
    reason: str
    line: int | None = None


@dataclass(slots=True)
class Manifest:
    """The readable articles, the quarantined ones and warnings about the manifest."""

    articles: list[ArticleRef]
    quarantined: list[Quarantined]
    warnings: list[str]
    sha256: str


def safe_name(article_id: str) -> str:
    """A file name for ``article_id``, distinct for distinct ids by construction.

    A plain lower-case id is its own name; any other id gets a readable slug, ``--`` and 24
    hex digits of its SHA-256 (``../x`` cannot leave the folder, ``A1`` and ``a1`` do not
    meet on a case-insensitive disk). No plain name has that ending, so the two kinds never
    collide, and two hashed names differ by their hashes.
    """
    if (
        _SAFE_ID.fullmatch(article_id)
        and ".." not in article_id
        and not _HASHED.search(article_id)
        and not _RESERVED.match(article_id)
    ):
        return article_id
    slug = re.sub(r"[^A-Za-z0-9]+", "-", article_id).strip("-")[:40].strip("-") or "article"
    digest = hashlib.sha256(article_id.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return f"{slug}--{digest}"


_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[T ].*)?")


def iso_date(value: str) -> str | None:
    """``YYYY-MM-DD`` for ISO dates (with or without a time), ``2024/6/19`` or ``2024年6月19日``."""
    m = _DATE.fullmatch(value.strip())
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def _header(path: Path, line: int, row: list[str], warnings: list[str]) -> list[str]:
    """Column names of the manifest's header row; raise CorpusError when required ones lack."""
    header = [h.strip() for h in row]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        hints = []
        for col in missing:
            close = difflib.get_close_matches(col, [h.lower() for h in header], n=1, cutoff=0.6)
            if close:
                hints.append(
                    f"{col!r} (found {header[[h.lower() for h in header].index(close[0])]!r}?)"
                )
            else:
                hints.append(repr(col))
        raise CorpusError(f"{path}:{line}: manifest lacks column(s) {', '.join(hints)}")
    for i, col in enumerate(header):
        if col in header[:i]:
            warnings.append(f"{path}:{line}: column {col!r} appears twice; the first is used")
        elif col not in COLUMNS:
            close = difflib.get_close_matches(col.lower(), COLUMNS, n=1, cutoff=0.75)
            if close and close[0] not in header:
                warnings.append(
                    f"{path}:{line}: unknown column {col!r} (did you mean {close[0]!r}?)"
                )
    return header


def _rows(text: str) -> list[tuple[int, list[str] | str]]:
    """CSV rows with the manifest line each starts on; blank rows are left out. A row the
    CSV reader cannot parse (a cell over its size limit) is its error message instead."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str] | str]] = []
    end = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return rows
        except csv.Error as exc:
            start, end = end + 1, reader.line_num
            rows.append((start, f"malformed CSV row ({exc})"))
            continue
        start, end = end + 1, reader.line_num
        if any(cell.strip() for cell in row):
            rows.append((start, row))


def read_manifest(corpus: Path) -> Manifest:
    """Read ``corpus/manifest.csv``; per-row problems quarantine that row or add a warning."""
    corpus = Path(corpus)
    if not corpus.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus}")
    path = corpus / "manifest.csv"
    if not path.is_file():
        raise CorpusError(f"no manifest.csv in {corpus}")
    raw = path.read_bytes()
    warnings: list[str] = []
    first, head, rows = _manifest_rows(path, raw, warnings)
    walk = _ManifestWalk(corpus, path, _header(path, first, head, warnings), warnings)
    for number, cells in rows:
        walk.read(number, cells)
    listed = set(walk.seen_files) | _quarantined_paths(corpus, walk.quarantined)
    warnings.extend(_unlisted(corpus, listed))
    return Manifest(walk.articles, walk.quarantined, warnings, hashlib.sha256(raw).hexdigest())


def _manifest_rows(
    path: Path, raw: bytes, warnings: list[str]
) -> tuple[int, list[str], list[tuple[int, list[str] | str]]]:
    """The header's line and cells, then the other rows; raise CorpusError when unreadable."""
    try:
        text, encoding = decode(raw)
    except ArticleError as exc:
        # A stray NUL byte in one row is that row's problem (its file cannot be opened).
        utf8 = strict_decode(raw, "utf-8-sig") if raw.count(b"\x00") < len(raw) // 100 + 1 else None
        if utf8 is None:
            raise CorpusError(f"{path}: manifest is not readable text ({exc})") from None
        text, encoding = utf8, "utf-8"
    if encoding not in ("utf-8", "utf-8-sig"):
        warnings.append(f"{path}: manifest read as {encoding}; please save it as UTF-8")
    try:
        rows = _rows(text)
    except csv.Error as exc:
        raise CorpusError(f"{path}: malformed CSV: {exc}") from None
    if not rows:
        raise CorpusError(f"{path}:1: manifest lacks column(s) {', '.join(REQUIRED)}")
    first, head = rows[0]
    if isinstance(head, str):
        raise CorpusError(f"{path}:{first}: {head}")
    return first, head, rows[1:]


@dataclass
class _ManifestWalk:
    """One pass over the manifest's rows: the ids and files seen so far, and what came of each."""

    corpus: Path
    path: Path
    header: list[str]
    warnings: list[str]
    articles: list[ArticleRef] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    seen_ids: dict[str, int] = field(default_factory=dict)
    seen_files: dict[Path, int] = field(default_factory=dict)
    names: SourceNames = field(default_factory=SourceNames)

    def __post_init__(self) -> None:
        self.root = self.corpus.resolve()

    def read(self, number: int, cells: list[str] | str) -> None:
        """Add the row on manifest line ``number`` as an article or a quarantined one."""
        if isinstance(cells, str):
            self._reject(number, "", "", cells)
            return
        row = self._cells(number, cells)
        aid, file = row.get("id", ""), row.get("file", "")
        target, reason = self._target(number, aid, file, row.get("source", ""))
        if target is None:
            self._reject(number, aid, file, reason)
            return
        self.articles.append(self._article(number, row, target))

    def _reject(self, number: int, aid: str, file: str, reason: str) -> None:
        self.quarantined.append(
            Quarantined(aid or f"line-{number}", file, f"manifest line {number}: {reason}", number)
        )

    def _cells(self, number: int, cells: list[str]) -> dict[str, str]:
        if len(cells) > len(self.header):
            extra = len(cells) - len(self.header)
            self.warnings.append(
                f"{self.path}:{number}: {extra} field(s) more than the header has "
                "(an unquoted comma?); the extra ones are ignored"
            )
        row: dict[str, str] = {}
        for col, cell in zip(self.header, cells, strict=False):
            row.setdefault(col, cell.strip())
        return row

    def _target(self, number: int, aid: str, file: str, source: str) -> tuple[Path | None, str]:
        """The row's article file, or None and why the row is quarantined."""
        if not aid:
            return None, "empty id"
        if aid in self.seen_ids:
            return None, f"duplicate id {aid!r} (first on line {self.seen_ids[aid]})"
        self.seen_ids[aid] = number
        if not source:
            return None, f"{aid}: missing source"
        if not file:
            return None, f"{aid}: no file given"
        target, problem = _article_path(self.corpus, self.root, file)
        if target is None:
            return None, f"{aid}: {problem}"
        if target in self.seen_files:
            return None, f"{aid}: same file as line {self.seen_files[target]} ({file})"
        self.seen_files[target] = number
        return target, ""

    def _article(self, number: int, row: dict[str, str], target: Path) -> ArticleRef:
        aid, where = row["id"], f"{self.path}:{number}: {row['id']}"
        published = row.get("published", "")
        if published:
            iso = iso_date(published)
            if iso is None:
                self.warnings.append(f"{where}: unparseable date {published!r} (left empty)")
            published = iso or ""
        return ArticleRef(
            id=aid,
            source=self.names.first(row["source"], self.warnings, where),
            file=row["file"],
            path=target,
            line=number,
            title=str(restore(row.get("title", ""))),  # the collector escapes them
            author=str(restore(row.get("author", ""))),
            published=published,
            url=row.get("url", ""),
            language=row.get("language") or "ja",
            meta={k: v for k, v in row.items() if k not in COLUMNS},
        )


def _article_path(corpus: Path, root: Path, file: str) -> tuple[Path | None, str]:
    """The resolved path of a manifest row's file, or None and why it cannot be used: any
    file-system error (a name too long, a symlink loop, a NUL byte, no permission) is that
    row's problem, not the run's."""
    try:
        target = (corpus / file).resolve()
        if not target.is_relative_to(root):
            return None, f"file {file!r} is not inside the corpus folder"
        if not target.exists():
            return None, f"file not found: {file}"
        if not target.is_file():
            return None, f"{file} is not a regular file"
        return target, ""
    except (OSError, ValueError, RuntimeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return None, f"cannot use file {file[:200]!r}: {reason}"


def _quarantined_paths(corpus: Path, quarantined: list[Quarantined]) -> set[Path]:
    paths: set[Path] = set()
    for q in quarantined:
        if q.file:
            try:
                paths.add((corpus / q.file).resolve())
            except (OSError, ValueError, RuntimeError):
                continue
    return paths


def _unlisted(corpus: Path, listed: set[Path]) -> list[str]:
    """Warnings for files under ``corpus/articles`` that no manifest row names."""
    folder = corpus / "articles"
    if not folder.is_dir():
        return []
    try:
        return [
            f"{extra}: file is not in the manifest (not scored)"
            for extra in sorted(folder.rglob("*"))
            if extra.is_file() and not extra.name.startswith(".") and extra.resolve() not in listed
        ]
    except (OSError, RuntimeError) as exc:
        return [f"{folder}: cannot list unlisted files ({exc})"]


def read_article(ref: ArticleRef, max_bytes: int = MAX_BYTES) -> tuple[str, str]:
    """The article's text and its encoding; raise ArticleError with a reason."""
    if ref.path is None:
        raise ArticleError("no file for this article")
    try:
        size = ref.path.stat().st_size
        if size > max_bytes:
            raise ArticleError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
        with ref.path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ArticleError(f"cannot read file: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise ArticleError(f"file is over the {max_bytes:,}-byte limit")
    return article_text(raw)
