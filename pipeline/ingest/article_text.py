"""An article's bytes to its text: the encoding (a BOM, UTF-8, the Japanese legacy encodings,
then detection, each checked for mojibake), and an HTML page stripped to its paragraphs.

Every failure is an ``ArticleError`` with a reason: one article is quarantined, the run goes
on.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

from charset_normalizer import from_bytes

from pipeline.ingest.clean import normalize


class ArticleError(ValueError):
    """One article cannot be read; the run goes on without it."""


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


def strict_decode(raw: bytes, encoding: str) -> str | None:
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
    text = strict_decode(raw, encoding) if encoding else None
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
    bom = _bom_decode(raw)
    if bom is not None:
        return bom
    if b"\x00" in raw:
        utf16 = _utf16_without_bom(raw)
        if utf16 is not None:
            return utf16
        raise ArticleError("binary file (NUL bytes)")
    if _ISO2022_ESC.search(raw):
        text = strict_decode(raw, "iso2022_jp")
        if text is not None:
            return text, "iso2022_jp"
    utf8 = strict_decode(raw, "utf-8")
    if utf8 is not None and (_JAPANESE.search(utf8) or not _FOREIGN.search(utf8)):
        return utf8, "utf-8"
    decoded = [(e, t) for e in JAPANESE_CANDIDATES if (t := strict_decode(raw, e)) is not None]
    clean = [(e, t) for e, t in decoded if not _BAD.search(t)]
    if clean:
        encoding, text = max(clean, key=lambda et: _score(et[1]))
        if utf8 is None or _score(text) > 0:
            return text, encoding
    if utf8 is not None:
        return utf8, "utf-8"
    return _last_resort(raw)


def _bom_decode(raw: bytes) -> tuple[str, str] | None:
    """Text and encoding of bytes that start with a BOM; None without one."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise ArticleError(
                    f"undecodable bytes: starts with a {encoding} BOM but byte {exc.start} "
                    "is not valid"
                ) from None
    return None


def _last_resort(raw: bytes) -> tuple[str, str]:
    """charset-normalizer's guess when no strict decoding read as text."""
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
