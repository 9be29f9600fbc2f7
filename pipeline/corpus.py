"""Read a corpus folder: its manifest (one row per article) and each article's bytes as text.

Problems with one article (missing file, unreadable bytes, duplicate id) quarantine that
article with a reason and a manifest line number; only a missing or unusable manifest stops
the run.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from charset_normalizer import from_bytes

COLUMNS = ("id", "file", "source", "title", "author", "published", "url", "language")
REQUIRED = ("id", "file", "source")
MAX_BYTES = 5_000_000
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class CorpusError(ValueError):
    """The corpus as a whole cannot be read (no folder, no manifest, missing columns)."""


class ArticleError(ValueError):
    """One article cannot be read; the run goes on without it."""


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
    """A file name for ``article_id`` that cannot leave its folder (``../x`` gets a hash)."""
    if _SAFE_ID.match(article_id) and ".." not in article_id:
        return article_id
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", article_id).strip("-")[:40] or "article"
    return f"{slug}-{hashlib.sha256(article_id.encode()).hexdigest()[:12]}"


def _iso_date(value: str) -> str | None:
    try:
        return date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        return None


def read_manifest(corpus: Path) -> Manifest:
    """Read ``corpus/manifest.csv``; per-row problems quarantine that row."""
    corpus = Path(corpus)
    if not corpus.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus}")
    path = corpus / "manifest.csv"
    if not path.is_file():
        raise CorpusError(f"no manifest.csv in {corpus}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CorpusError(f"{path}: manifest is not UTF-8") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CorpusError(f"{path}:1: manifest lacks column(s) {', '.join(missing)}")
    warnings: list[str] = []
    for col in header:
        if col not in COLUMNS:
            close = difflib.get_close_matches(col, COLUMNS, n=1, cutoff=0.75)
            if close and close[0] not in header:
                warnings.append(f"{path}:1: unknown column {col!r} (did you mean {close[0]!r}?)")
    articles: list[ArticleRef] = []
    quarantined: list[Quarantined] = []
    seen: dict[str, int] = {}
    root = corpus.resolve()
    for number, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
        aid, file, source = row.get("id", ""), row.get("file", ""), row.get("source", "")

        def reject(reason: str, aid: str = aid, file: str = file, number: int = number) -> None:
            quarantined.append(Quarantined(aid or f"line-{number}", file, reason, number))

        if not aid:
            reject(f"manifest line {number}: empty id")
            continue
        if aid in seen:
            reject(f"manifest line {number}: duplicate id (first on line {seen[aid]})")
            continue
        seen[aid] = number
        if not source:
            reject(f"manifest line {number}: empty source")
            continue
        target = (corpus / file).resolve() if file else None
        if target is None or not target.is_relative_to(root):
            reject(f"manifest line {number}: file {file!r} is not inside the corpus folder")
            continue
        if not target.is_file():
            reject(f"manifest line {number}: file not found: {file}")
            continue
        published = row.get("published", "")
        if published and _iso_date(published) is None:
            warnings.append(f"{path}:{number}: {aid}: unparseable date {published!r} (left empty)")
            published = ""
        elif published:
            published = _iso_date(published) or ""
        meta = {k: v for k, v in row.items() if k not in COLUMNS}
        articles.append(
            ArticleRef(
                id=aid,
                source=source,
                file=file,
                path=target,
                line=number,
                title=row.get("title", ""),
                author=row.get("author", ""),
                published=published,
                url=row.get("url", ""),
                language=row.get("language") or "ja",
                meta=meta,
            )
        )
    listed = {a.path for a in articles} | {
        (corpus / q.file).resolve() for q in quarantined if q.file
    }
    for extra in sorted((corpus / "articles").glob("*")) if (corpus / "articles").is_dir() else []:
        if extra.is_file() and extra.resolve() not in listed:
            warnings.append(f"{extra}: file is not in the manifest (not scored)")
    return Manifest(articles, quarantined, warnings, hashlib.sha256(raw).hexdigest())


def decode(raw: bytes) -> tuple[str, str]:
    """Text and encoding name of an article's bytes; raise ArticleError when it is not text."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ArticleError("undecodable UTF-16") from None
    if b"\x00" in raw:
        raise ArticleError("binary file (NUL bytes)")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw, cp_isolation=["cp932", "shift_jis", "euc_jp", "iso2022_jp"]).best()
    if best is None:
        best = from_bytes(raw).best()
    if best is None:
        raise ArticleError("undecodable bytes (no encoding fits)")
    return str(best), best.encoding


def read_article(ref: ArticleRef, max_bytes: int = MAX_BYTES) -> tuple[str, str]:
    """The article's text and its encoding; raise ArticleError with a reason."""
    assert ref.path is not None
    size = ref.path.stat().st_size
    if size > max_bytes:
        raise ArticleError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
    text, encoding = decode(ref.path.read_bytes())
    if not text.strip():
        raise ArticleError("empty file")
    return text, encoding
