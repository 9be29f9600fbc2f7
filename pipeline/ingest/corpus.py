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
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from charset_normalizer import from_bytes

from pipeline.ingest.clean import normalize
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
    try:
        text, encoding = decode(raw)
    except ArticleError as exc:
        # A stray NUL byte in one row is that row's problem (its file cannot be opened).
        utf8 = _strict(raw, "utf-8-sig") if raw.count(b"\x00") < len(raw) // 100 + 1 else None
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
    if isinstance(rows[0][1], str):
        raise CorpusError(f"{path}:{rows[0][0]}: {rows[0][1]}")
    header = _header(path, rows[0][0], rows[0][1], warnings)
    articles: list[ArticleRef] = []
    quarantined: list[Quarantined] = []
    seen_ids: dict[str, int] = {}
    seen_files: dict[Path, int] = {}
    names = SourceNames()
    root = corpus.resolve()
    for number, cells in rows[1:]:
        if isinstance(cells, str):
            quarantined.append(
                Quarantined(f"line-{number}", "", f"manifest line {number}: {cells}", number)
            )
            continue
        if len(cells) > len(header):
            extra = len(cells) - len(header)
            warnings.append(
                f"{path}:{number}: {extra} field(s) more than the header has "
                "(an unquoted comma?); the extra ones are ignored"
            )
        row: dict[str, str] = {}
        for col, cell in zip(header, cells, strict=False):
            row.setdefault(col, cell.strip())
        aid, file, source = row.get("id", ""), row.get("file", ""), row.get("source", "")

        def reject(reason: str, aid: str = aid, file: str = file, number: int = number) -> None:
            quarantined.append(
                Quarantined(
                    aid or f"line-{number}", file, f"manifest line {number}: {reason}", number
                )
            )

        if not aid:
            reject("empty id")
            continue
        if aid in seen_ids:
            reject(f"duplicate id {aid!r} (first on line {seen_ids[aid]})")
            continue
        seen_ids[aid] = number
        if not source:
            reject(f"{aid}: missing source")
            continue
        if not file:
            reject(f"{aid}: no file given")
            continue
        target, problem = _article_path(corpus, root, file)
        if target is None:
            reject(f"{aid}: {problem}")
            continue
        if target in seen_files:
            reject(f"{aid}: same file as line {seen_files[target]} ({file})")
            continue
        seen_files[target] = number
        published = row.get("published", "")
        if published:
            iso = iso_date(published)
            if iso is None:
                warnings.append(
                    f"{path}:{number}: {aid}: unparseable date {published!r} (left empty)"
                )
            published = iso or ""
        articles.append(
            ArticleRef(
                id=aid,
                source=names.first(source, warnings, f"{path}:{number}: {aid}"),
                file=file,
                path=target,
                line=number,
                title=str(restore(row.get("title", ""))),  # the collector escapes them
                author=str(restore(row.get("author", ""))),
                published=published,
                url=row.get("url", ""),
                language=row.get("language") or "ja",
                meta={k: v for k, v in row.items() if k not in COLUMNS},
            )
        )
    warnings.extend(_unlisted(corpus, set(seen_files) | _quarantined_paths(corpus, quarantined)))
    return Manifest(articles, quarantined, warnings, hashlib.sha256(raw).hexdigest())


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


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_ISO2022_ESC = re.compile(rb"\x1b(\$[@B]|\$\(D|\([BJI])")
# Tried in this order when the bytes are not UTF-8; ties go to the earlier one. shift_jis
# before cp932 so that a Shift_JIS file round-trips (the two map 〜 and − differently).
JAPANESE_CANDIDATES = ("shift_jis", "cp932", "euc_jp")
# Other encodings a news corpus may plausibly hold, for charset-normalizer to choose from;
# left to itself it reads junk as EBCDIC or BOM-less UTF-16.
FALLBACK_CANDIDATES = ("gb18030", "big5", "euc_kr", "cp949", "cp1252", "cp1251", "latin_1")
_JAPANESE = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u4e00-\u9fff\uff01-\uff5e]")
# Where a legacy two-byte pair misread as UTF-8 lands (Latin-1 letters like é do not count).
_FOREIGN = re.compile(r"[\u0100-\u07ff]")
# What no real text holds but a wrong guess produces: private-use, C1 and C0 controls.
_BAD_CHARS = r"\ue000-\uf8ff\x7f-\x9f\x00-\x08\x0b\x0e-\x1a\x1c-\x1f"
_BAD = re.compile(f"[{_BAD_CHARS}]")
# ... and half-width kana, rare in real text and common in EUC-JP misread as Shift_JIS.
_MOJIBAKE = re.compile(f"[\uff61-\uff9f{_BAD_CHARS}]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")

_SCORE_CHARS = 50_000  # enough to tell encodings apart; keeps a 5 MB file fast


def _char_score(ch: str) -> int:
    """How much one character speaks for a Japanese decoding: kana most, rare kanji least."""
    if "\u3041" <= ch <= "\u309f":
        return 3
    if "\u30a0" <= ch <= "\u30ff":
        return 2
    if "\u4e00" <= ch <= "\u9fff":
        try:
            lead = ch.encode("euc_jp")[0]
        except UnicodeEncodeError:
            return 0
        return 2 if 0xB0 <= lead <= 0xCF else 1  # JIS level 1 (common) or level 2 kanji
    if _JAPANESE.match(ch):
        return 1
    if _MOJIBAKE.match(ch):
        return -2
    return 0


def _score(text: str) -> int:
    """How Japanese a decoding looks; the marks of a wrong guess subtract."""
    return sum(_char_score(ch) for ch in text[:_SCORE_CHARS] if ch > "\x7f")


def _strict(raw: bytes, encoding: str) -> str | None:
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _utf16_without_bom(raw: bytes) -> tuple[str, str] | None:
    """UTF-16 text saved without a BOM: NUL bytes all on one side of each code unit."""
    if len(raw) % 2:
        return None
    odd = raw[1::2].count(0)
    even = raw[0::2].count(0)
    encoding = "utf-16-le" if odd > 9 * even else "utf-16-be" if even > 9 * odd else None
    text = _strict(raw, encoding) if encoding else None
    if text is None or _BAD.search(text):
        return None
    if any(unicodedata.category(c) in ("Cn", "Co", "Cs") for c in text):
        return None
    return text, encoding or ""


def _failures(raw: bytes) -> str:
    """Where each encoding stops making sense of ``raw``: ``UTF-8 at byte 6, CP932 at …``."""
    where = []
    for encoding, name in (("utf-8", "UTF-8"), ("cp932", "CP932"), ("euc_jp", "EUC-JP")):
        try:
            raw.decode(encoding)
        except UnicodeDecodeError as exc:
            where.append(f"{name} at byte {exc.start}")
        else:
            where.append(f"{name} gives control or private-use characters")
    return ", ".join(where)


def decode(raw: bytes) -> tuple[str, str]:
    """Text and encoding name of an article's bytes; raise ArticleError when it is not text.

    BOMs decide first; then ISO-2022-JP (7-bit, so it would pass as UTF-8), UTF-8 (unless it
    reads as stray Latin-extended letters, as a short EUC-JP text can), and the Japanese
    legacy encodings by strict decoding, keeping the one that reads most like Japanese.
    charset-normalizer is the last resort: it often guesses wrong on short texts.
    """
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise ArticleError(
                    f"undecodable bytes: starts with a {encoding} BOM but byte {exc.start} "
                    "is not valid"
                ) from None
    if b"\x00" in raw:
        utf16 = _utf16_without_bom(raw)
        if utf16 is not None:
            return utf16
        raise ArticleError("binary file (NUL bytes)")
    if _ISO2022_ESC.search(raw):
        text = _strict(raw, "iso2022_jp")
        if text is not None:
            return text, "iso2022_jp"
    utf8 = _strict(raw, "utf-8")
    if utf8 is not None and (_JAPANESE.search(utf8) or not _FOREIGN.search(utf8)):
        return utf8, "utf-8"
    decoded = [(e, t) for e in JAPANESE_CANDIDATES if (t := _strict(raw, e)) is not None]
    clean = [(e, t) for e, t in decoded if not _BAD.search(t)]
    if clean:
        encoding, text = max(clean, key=lambda et: _score(et[1]))
        if utf8 is None or _score(text) > 0:
            return text, encoding
    if utf8 is not None:
        return utf8, "utf-8"
    best = from_bytes(raw, cp_isolation=list(FALLBACK_CANDIDATES)).best()
    if best is not None:
        text = str(best)
        if not _BAD.search(text):
            return text, best.encoding
    raise ArticleError(
        f"undecodable bytes: not UTF-8, Shift_JIS, CP932, EUC-JP or ISO-2022-JP ({_failures(raw)})"
    )


_HTML_NAMES = (
    r"html|head|body|title|meta|link|script|style|p|div|span|br|hr|a|img|article|section|main|"
    r"h[1-6]|ul|ol|li|dl|dt|dd|table|thead|tbody|tr|td|th|nav|header|footer|aside|blockquote|"
    r"em|strong|b|i|u|small|figure|figcaption|iframe|noscript|form|input|button|time|pre|code"
)
_ATTRS = r"""(?:\s+[\w:-]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+))*\s*/?>"""
_HTML = re.compile(
    rf"<!doctype\s+html|<!--|<(?:{_HTML_NAMES}){_ATTRS}|</(?:{_HTML_NAMES})\s*>",
    re.IGNORECASE,
)
# Elements whose text is never article text.
_SKIP = frozenset(
    {"script", "style", "nav", "header", "footer", "aside", "noscript", "template", "svg",
     "form", "button", "select", "iframe", "head", "figcaption", "object"}
)  # fmt: skip
# Elements whose text is article text, one paragraph each.
_KEEP = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote"})
# Elements that end a paragraph; all but <br> also close an open <p>, as in HTML.
_BLOCK = frozenset(
    {"div", "section", "article", "main", "ul", "ol", "dl", "dt", "dd", "table", "tr", "td",
     "th", "pre", "hr", "br", "title", "figure", "figcaption", "address", "body", "html",
     "nav", "header", "footer", "aside", "form", "head"}
) | _KEEP  # fmt: skip
_KEPT_SHARE = 0.3  # below this share of the visible text, paragraphs are not the article
_CJK_CHAR = r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff01-\uff9f]"
_CJK_WRAP = re.compile(rf"(?<={_CJK_CHAR})[ \t]*\n\s*(?={_CJK_CHAR})")


def looks_like_html(text: str) -> bool:
    """Whether ``text`` is an HTML page (or carries HTML tags) rather than plain text."""
    return _HTML.search(text) is not None


class _Stack(list[str]):
    """A stack of open tags that knows in O(1) whether a tag is open: a page of 100k
    unmatched end tags would otherwise cost a scan of the stack each (minutes, not ms)."""

    def __init__(self) -> None:
        super().__init__()
        self.open: dict[str, int] = {}

    def push(self, tag: str) -> None:
        self.append(tag)
        self.open[tag] = self.open.get(tag, 0) + 1

    def pop_tag(self) -> str:
        tag = self.pop()
        self.open[tag] -= 1
        return tag

    def close(self, tag: str) -> None:
        """Pop up to and including the innermost open ``tag``, if any is open."""
        if self.open.get(tag):
            while self.pop_tag() != tag:
                pass


class _ArticleHTML(HTMLParser):
    """Collect the paragraphs of an HTML page: text of p/h1-h6/li/blockquote, nothing hidden."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = _Stack()
        self.keep = _Stack()
        self.kept: list[str] = []
        self.visible: list[str] = []
        self._kept_buf: list[str] = []
        self._visible_buf: list[str] = []

    def _flush(self) -> None:
        for buf, out in ((self._kept_buf, self.kept), (self._visible_buf, self.visible)):
            para = "".join(buf)
            buf.clear()
            if para.strip():
                out.append(para)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self._flush()
            top = self.keep[-1] if self.keep else None
            if tag != "br" and (top == "p" or (top == "li" and tag == "li")):
                self.keep.pop_tag()
        if tag == "body" and self.skip.open.get("head"):
            self.handle_endtag("head")
        if tag in _SKIP:
            self.skip.push(tag)
        elif tag in _KEEP:
            self.keep.push(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK:
            self._flush()
        self.skip.close(tag)
        self.keep.close(tag)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self._visible_buf.append(data)
        if self.keep:
            self._kept_buf.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def _paragraph(text: str) -> str:
    text = _CJK_WRAP.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def html_to_text(html: str) -> str:
    """The article text of an HTML page, one paragraph a line; markup and page chrome dropped.

    Text inside p/h1-h6/li/blockquote is kept; when a page has little or none, all visible
    text outside script/style/nav/header/footer/aside is kept, line breaks and all.
    """
    parser = _ArticleHTML()
    parser.feed(html)
    parser.close()
    kept, visible = (sum(len(p.strip()) for p in paras) for paras in (parser.kept, parser.visible))
    if kept and kept >= _KEPT_SHARE * visible:
        paragraphs = [_paragraph(p) for p in parser.kept]
    else:
        paragraphs = [
            re.sub(r"[ \t\f\v]+", " ", line).strip()
            for para in parser.visible
            for line in para.split("\n")
        ]
    return "\n".join(p for p in paragraphs if p)


def article_text(raw: bytes) -> tuple[str, str]:
    """Decode an article's bytes and extract its text; raise ArticleError.

    The encoding returned gets ``+html`` when the file was an HTML page.
    """
    if not raw:
        raise ArticleError("empty file (0 bytes)")
    return extract_text(*decode(raw))


def extract_text(text: str, encoding: str = "utf-8") -> tuple[str, str]:
    """Check decoded text and strip an HTML page down to its paragraphs; raise ArticleError.

    Separate from :func:`article_text` so text that arrives already decoded gets the same
    checks.
    """
    controls = len(_CONTROL.findall(text))
    if controls > 0.05 * len(text):
        raise ArticleError(f"binary file ({controls} control characters in {len(text)})")
    if looks_like_html(text):
        text = html_to_text(text)
        encoding += "+html"
        if not normalize(text).strip():
            raise ArticleError("HTML page with no article text (no paragraphs outside page chrome)")
    if not normalize(text).strip():
        raise ArticleError("empty file (only white space or invisible characters)")
    return text, encoding


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
