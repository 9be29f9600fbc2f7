"""Clean one article: normalise, drop what is not the article, split sentences, mark quotes.

Everything removed is returned with its line number and kind, so a reader can check that
cleaning took away bylines and adverts and not the author's words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import partial
from itertools import pairwise

# C0/C1 controls (but tab and line breaks), zero-width and bidi marks, soft hyphen, lone
# surrogates: invisible, and MeCab either chokes on them or makes tokens of them.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\xad\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff]"
)
# Line breaks other than \n, once each \r\n is one \n. A character class: the regex engine
# skips ahead to a match, where an alternation would be tried at every character.
_LINE_BREAK = re.compile("[\r\x85\u2028\u2029]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def normalize(text: str) -> str:
    """NFKC, every line break as ``\\n``, no control or zero-width characters.

    Lexicon terms go through the same function, so text and lexicons always agree.
    NFKC runs line by line: a line break composes with nothing, so the result is the same,
    and most lines pass the quick check that a whole text fails on its first odd character
    (composing Japanese text in CPython is slow).
    """
    lines = _CONTROL.sub("", text).split("\n")
    nfkc = "\n".join(map(partial(unicodedata.normalize, "NFKC"), lines))
    return _LINE_BREAK.sub("\n", nfkc.replace("\r\n", "\n"))


@dataclass(frozen=True, slots=True)
class Removed:
    """A line (or part of one) that cleaning took out, and why."""

    line: int
    kind: str
    text: str


@dataclass(slots=True)
class CleanText:
    """The article as scored: its text, sentence spans, quoted spans and what was removed."""

    text: str
    sentences: list[tuple[int, int]] = field(default_factory=list)
    quotes: list[tuple[int, int]] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)

    def in_quote(self, pos: int) -> bool:
        """Whether the character at ``pos`` lies inside quoted speech."""
        return any(start <= pos < end for start, end in self.quotes)


_AGENCIES = (
    r"ロイター|AP|AFP|共同|時事|聯合|朝鮮中央通信|労働新聞|KCNA|Reuters|タス|TASS|"
    r"スプートニク|Sputnik|ゲッティ|Getty|EPA|ブルームバーグ|Bloomberg|提供"
)

# Line patterns by kind, each with its trigger: literal text that every match of the pattern
# contains (cut to start with a character that is rare in news text: the regex engine tries
# a match wherever a trigger's first character occurs). They are tried in order; the first
# that matches names the line.
_LINE_RULES: list[tuple[str, re.Pattern[str], str]] = [
    (
        "comment_form",
        re.compile(
            r"^(コメントを(残す|書く|投稿)|メールアドレスが公開されることはありません"
            r"|.*は必須項目です|(名前|メールアドレス|サイト|コメント)\s*\*?$)"
        ),
        "コメント|メールアドレス|必須項目|名前|サイト",
    ),
    (
        "disclaimer",
        re.compile(
            r"(鄭重声明|免責事項|著作権は.{0,20}帰属|転載は.{0,30}目的|無断転載|"
            r"All rights reserved|Copyright\s*©|侵害行為があれば)"
        ),
        "鄭重声明|免責事項|著作権は|転載|All rights reserved|Copyright|害行為があれば",
    ),
    (
        "advert",
        re.compile(
            r"(税込\s*\d|\d+\s*円\s*/\s*月|初月無料|購入済みの方|ご購入|有料(会員|記事|版)|"
            r"会員登録|購読(する|はこちら|料)|ログインしてください|メルマガ|ニュースレター登録)"
        ),
        r"税込|円\s*/|無料|購入|有料|員登録|購読|グインしてください|メルマガ|ュースレター登録",
    ),
    (
        "related",
        re.compile(
            r"^([•・●■◆▶►\-]\s*)*(【関連記事】|関連記事|\(参考資料[::]|参考資料[::]|"
            r"あわせて読みたい|合わせて読みたい|続きを読む|おすすめ記事|Related)|の最近の記事$"
        ),
        "記事|考資料|読みたい|読む|Related",
    ),
    (
        "caption",
        re.compile(
            rf"((写真|画像|撮影|Photo|Image credit)\s*[::=]|Creative Commons|wikicommons|"
            rf"[=＝]\s*({_AGENCIES})[^。=＝]*$|\(({_AGENCIES})[^)]*\)$|\([^)]{{1,20}}から\)$)",
            re.IGNORECASE,
        ),
        # The Latin words in any case: Photo has ph, Image ma, Commons mm, and no other
        # characters than these letters match them under IGNORECASE.
        r"写真|画像|撮影|ph|pH|Ph|PH|ma|mA|Ma|MA|mm|mM|Mm|MM|=|＝|\)$",
    ),
    (
        "byline",
        re.compile(
            r"(^[^。]{0,40}(記者|特派員|編集長|編集委員|論説委員|ジャーナリスト)$|"
            r"\|\s*\d{4}年\d{1,2}月\d{1,2}日\s*$)"
        ),
        r"記者$|派員$|編集長$|編集委員$|論説委員$|ャーナリスト$|\|",
    ),
]
# All triggers in one search: alternatives that each start with a literal let the regex
# engine skip to their first characters, and most lines contain none of them.
_LINE_TRIGGER = re.compile("|".join(trigger for _, _, trigger in _LINE_RULES))
_DATELINE = re.compile(
    r"^(\d{4}[年/.-]\d{1,2}[月/.-]\d{1,2}日?(\s*[(（]?[月火水木金土日][)）]?)?(\s*\d{1,2}:\d{2})?"
    r"|\d{1,2}\s+[A-Z][a-z]+\.?\s+\d{4}|[A-Z][a-z]+\.?\s+\d{1,2},?\s+\d{4})$"
)
# A line of two to four capitalised Latin words: an author's or outlet's name.
_LATIN_NAME = re.compile(r"^[A-Z][a-z]+(?:[ -][A-Z][a-z]+){1,3}$")
_BIO = re.compile(
    r"(^\S{1,20}(生まれ|出身)。|^[^「。]{1,30}は、?[^。]{0,60}(教授|所長|研究員|フェロー|"
    r"編集長|記者|特派員|アナリスト|研究者|代表)[^。]*(。|$)|著書\d*冊|を歴任|会員。)"
)
# Text that every match of _BIO contains (one fast search before the slow one).
_BIO_TRIGGER = re.compile(
    "生まれ|身|教授|所長|研究員|ェロー|編集長|記者|派員|ナリスト|研究者|代表|著書|歴任|員。"
)
_INLINE_BYLINE = re.compile(r"^【[^】]{1,30}[=＝][^】]{1,30}】")
_BULLET = re.compile(r"^[•・●■◆▶►\-]")
_SITE_HEADER = re.compile(r"^[^。、]{1,20}(ニュース|News|NEWS|新聞|通信|Online|オンライン)$")
# Lines of these kinds near the end start the page's tail: nothing after them is article text.
_TAIL_KINDS = {"comment_form", "disclaimer", "advert", "related", "bio", "byline", "latin_only"}
_TAIL_FROM = 0.6  # the tail rule looks only at the last 40% of lines


# Boilerplate is short; longer text is article text (or judged by its sentences, see
# BIG_LINE_SHARE). It also bounds the patterns' work: one of them scans to the line's end
# from each "=" + agency, quadratic on a hostile line (100 kB took 27 s).
MAX_BOILERPLATE = 2_000


def classify_line(line: str, index: float, total: int) -> str | None:
    """Name the kind of boilerplate ``line`` is, or None when it is article text."""
    stripped = line.strip()
    if len(stripped) > MAX_BOILERPLATE:
        return None
    if _LINE_TRIGGER.search(stripped):
        for kind, pattern, _ in _LINE_RULES:
            if pattern.search(stripped):
                return kind
    if _DATELINE.match(stripped):
        return "dateline"
    if not _CJK.search(stripped):
        return "byline" if _LATIN_NAME.match(stripped) else "latin_only"
    if index >= total * _TAIL_FROM and _BIO_TRIGGER.search(stripped) and _BIO.search(stripped):
        return "bio"
    if index < 3 and _SITE_HEADER.match(stripped):
        return "header"
    return None


# A terminator and the closing brackets after it; not a sentence end when a quotative
# particle follows (「行く。」と言った is one sentence).
_SENTENCE_END = re.compile(r"[。!?！？]+[」』”\")）]*")
_QUOTATIVE = ("と", "っ")
_OPEN_CLOSE = {"「": "」", "『": "』", "“": "”"}
_CLOSERS = set(_OPEN_CLOSE.values())
_CLOSING = {*_CLOSERS, '"', ")", "）"}


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of sentences: split after 。!? (closing quotes stay attached) and at newlines.

    A quote closed after its own 。 and followed by と/って stays with the sentence it
    belongs to.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for para in text.split("\n"):
        start = pos
        end_of_para = pos + len(para)
        for m in _SENTENCE_END.finditer(para):
            if m.group()[-1] in _CLOSING and para[m.end() : m.end() + 1] in _QUOTATIVE:
                continue
            stop = pos + m.end()
            _add_span(spans, text, start, stop)
            start = stop
        _add_span(spans, text, start, end_of_para)
        pos = end_of_para + 1
    return spans


def _add_span(spans: list[tuple[int, int]], text: str, start: int, stop: int) -> None:
    while start < stop and text[start].isspace():
        start += 1
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    if stop > start:
        spans.append((start, stop))


_QUOTE_MARK = re.compile('[「」『』“”"]')


def find_quotes(text: str) -> list[tuple[int, int]]:
    """Spans of quoted speech: 「…」, 『…』, “…” and straight "…", nested ones merged.

    A quote left open runs to the end of its paragraph, never further, so one stray bracket
    cannot turn the rest of an article into someone else's words.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for para in text.split("\n"):
        _paragraph_quotes(para, pos, spans)
        pos += len(para) + 1
    return spans


def _paragraph_quotes(para: str, pos: int, spans: list[tuple[int, int]]) -> None:
    """Add to ``spans`` the quotes of one paragraph that starts at ``pos`` in the text."""
    stack: list[str] = []
    start = 0
    for m in _QUOTE_MARK.finditer(para):
        i, ch = m.start(), m.group()
        if ch == '"' and stack and stack[-1] == '"':
            stack.pop()
            if not stack:
                spans.append((pos + start, pos + i + 1))
            continue
        if ch == '"' or ch in _OPEN_CLOSE:
            if not stack:
                start = i
            stack.append('"' if ch == '"' else _OPEN_CLOSE[ch])
        elif ch in _CLOSERS and ch in stack:
            while stack and stack.pop() != ch:
                pass
            if not stack:
                spans.append((pos + start, pos + i + 1))
    if stack:
        spans.append((pos + start, pos + len(para)))


# A line holding more than this share of the article's characters (a whole article saved as
# one line, a page's text with no breaks) is never removed whole: it is judged sentence by
# sentence, and a tail found before it does not swallow it. A copyright notice at its end
# must not take the article with it.
BIG_LINE_SHARE = 0.5


def _pieces(line: str, chars: int) -> list[tuple[float, str]] | None:
    """(position within the line, 0-1; text) of the sentences of a line that holds most of
    the article (white space kept with the sentence before it); None for other lines."""
    if len(line) <= BIG_LINE_SHARE * chars:
        return None
    spans = split_sentences(line)
    if len(spans) < 2:
        return None
    cuts = [0, *(end for _, end in spans[:-1]), len(line)]
    return [(a / len(line), line[a:b]) for a, b in pairwise(cuts) if b > a]


_QUOTE_PAIRS = (("「", "」"), ("『", "』"), ("“", "”"))


def _opens_or_closes(piece: str) -> bool:
    """Whether a sentence of a long line opens or closes a quotation it does not finish:
    removing it would turn quoted speech into the author's, or the author's into quoted."""
    return any(piece.count(a) != piece.count(b) for a, b in _QUOTE_PAIRS)


def clean_article(raw: str) -> CleanText:
    """Normalise ``raw`` and keep only the article's own text."""
    lines = [line.strip() for line in normalize(raw).split("\n")]
    total, chars = len(lines), sum(map(len, lines))
    kept: list[str] = []
    removed: list[Removed] = []
    tail: list[str | None] = [None]  # the kind that started the page's tail, once found
    for index, line in enumerate(lines):
        if not line:
            continue
        pieces = _pieces(line, chars)
        if pieces is None:
            text = _judge(line, index + 1, index, total, tail, removed)
        else:
            tail[0] = None
            parts = (p.strip() if _opens_or_closes(p) else
                     _judge(p.strip(), index + 1, index + at, total, tail, removed)
                     for at, p in pieces if p.strip())  # fmt: skip
            text = "".join(parts)
        if text:
            kept.append(text)
    text = "\n".join(kept)
    return CleanText(
        text=text, sentences=split_sentences(text), quotes=find_quotes(text), removed=removed
    )


def _judge(
    piece: str,
    number: int,
    position: float,
    total: int,
    tail: list[str | None],
    removed: list[Removed],
) -> str:
    """What of ``piece`` (a line, or a sentence of a long one) is article text; what is not
    goes to ``removed``. ``tail[0]`` is set when the page's tail starts here."""
    kind = classify_line(piece, position, total)
    if tail[0] is not None:
        if kind is None:
            kind = "related" if tail[0] == "related" and _BULLET.match(piece) else "tail"
        removed.append(Removed(number, kind, piece))
        return ""
    if kind is None:
        m = _INLINE_BYLINE.match(piece)
        if m:
            removed.append(Removed(number, "byline", m.group(0)))
            piece = piece[m.end() :].strip()
        return piece
    removed.append(Removed(number, kind, piece))
    if kind in _TAIL_KINDS and position >= total * _TAIL_FROM:
        tail[0] = kind
    return ""
