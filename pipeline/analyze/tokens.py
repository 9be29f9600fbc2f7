"""Tokenize Japanese text with fugashi + unidic-lite: surface, lemma, part of speech, offsets.

MeCab is asked for exactly the fields used, through a node format (reading fugashi's
29-field ``word.feature`` tuple costs about 2.8× the time). Its output is split into one
piece per token; each distinct piece is taken apart once per process, and the columns that
the analysis reads (TokenColumns) come out of ``map`` calls, with no Python code run per
token. One tagger per process, created on first use (a tagger does not pickle).
"""

from __future__ import annotations

import ctypes
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from importlib.metadata import version
from itertools import accumulate, repeat
from operator import sub
from typing import NamedTuple

import fugashi
import unidic_lite

# Punctuation, symbols and white space are not counted as content tokens: the denominator
# of every rate is the number of tokens whose part of speech is none of these.
NON_CONTENT_POS = frozenset({"補助記号", "記号", "空白"})
# Parts of speech that carry no content of their own (used to reject function-word entries).
FUNCTION_POS = frozenset({"助詞", "助動詞", "接続詞", "補助記号", "記号", "空白"})

# MeCab skips exactly these characters between tokens (checked over every code point with
# unidic-lite) and never puts them in a surface. The vertical tab separates tokens in its
# output, so in the text it is handed a space instead: the same white space to MeCab.
MECAB_SPACE = " \t\n\x0b"
_SEP = "\x0b"
# One piece per token: %M, the surface with the white space MeCab skipped before it (their
# lengths add up to each token's end offset), the lemma (unknown words have none: their
# surface stands in) and the part of speech. Only the white space in %M can hold a tab. The
# part of speech comes last: fugashi strips trailing white space from the output, and a
# surface may end in what Python calls white space (\r, \x1c) but MeCab does not.
_FORMAT = r'-O "" -F "%M\t%f[7]\t%f[0]\v" -U "%M\t%m\t%f[0]\v" -E ""'
_tagger: fugashi.GenericTagger | None = None
_tagger_pid: int | None = None


class Token(NamedTuple):
    """One morpheme: its text, lemma, coarse part of speech and span in the source text.

    A named tuple: cheap to create, for the callers that want one object per token.
    """

    surface: str
    lemma: str
    pos: str
    start: int
    end: int

    @property
    def is_content(self) -> bool:
        return self.pos not in NON_CONTENT_POS


_new_token = partial(tuple.__new__, Token)  # skips the named tuple's Python-level __new__


@dataclass(slots=True)
class TokenColumns:
    """The tokens of one text as parallel lists, one per field.

    What the analysis reads: counting, matching and caching work on whole lists at C speed
    instead of on one object per token.
    """

    surfaces: list[str]
    lemmas: list[str]
    pos: list[str]
    starts: list[int]
    ends: list[int]

    def __len__(self) -> int:
        return len(self.lemmas)

    def __iter__(self) -> Iterator[Token]:
        return iter(self.tokens())

    def tokens(self) -> list[Token]:
        """One Token per row."""
        return list(
            map(
                _new_token,
                zip(self.surfaces, self.lemmas, self.pos, self.starts, self.ends, strict=True),
            )
        )

    def without(self, pos: str) -> TokenColumns:
        """The rows whose part of speech is not ``pos``."""
        keep = [i for i, p in enumerate(self.pos) if p != pos]
        return TokenColumns(
            [self.surfaces[i] for i in keep],
            [self.lemmas[i] for i in keep],
            [self.pos[i] for i in keep],
            [self.starts[i] for i in keep],
            [self.ends[i] for i in keep],
        )

    @classmethod
    def from_tokens(cls, tokens: list[Token]) -> TokenColumns:
        """Columns of a list of tokens."""
        if not tokens:
            return cls([], [], [], [], [])
        surfaces, lemmas, pos, starts, ends = map(list, zip(*tokens, strict=True))
        return cls(surfaces, lemmas, pos, starts, ends)


def tagger() -> fugashi.GenericTagger:
    """This process's tagger, created on first use (and again after a fork)."""
    global _tagger, _tagger_pid
    if _tagger is None or _tagger_pid != os.getpid():
        d = unidic_lite.DICDIR
        _tagger = fugashi.GenericTagger(f'-d "{d}" -r "{d}/mecabrc" {_FORMAT}')
        _tagger_pid = os.getpid()
    return _tagger


_MADV_DONTNEED = 4


def release_dictionary() -> int:
    """Give back this process's resident pages of MeCab's dictionary; return the size of the
    mappings given back.

    MeCab maps its dictionary files (260 MB; ~115 MB of them resident after 100k articles)
    and never unmaps them, even when fugashi's tagger is dropped. After the analysis a run
    reads them no more: the mappings are read-only, so dropping their pages loses nothing,
    and a later parse faults them back in from the page cache. Linux only; elsewhere 0.
    """
    try:
        madvise = ctypes.CDLL(None, use_errno=True).madvise
        with open("/proc/self/maps", encoding="utf-8") as fh:
            maps = fh.read().splitlines()
    except (OSError, AttributeError):
        return 0
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    released = 0
    for line in maps:
        fields = line.split(maxsplit=5)
        if len(fields) < 6 or "w" in fields[1] or not fields[5].startswith(unidic_lite.DICDIR):
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        if madvise(start, end - start, _MADV_DONTNEED) == 0:
            released += end - start
    return released


def clean_lemma(lemma: str) -> str:
    """Strip UniDic's sub-class from a lemma: ``コンピューター-computer`` → ``コンピューター``.

    UniDic writes ``lemma-subclass`` (an English gloss, or 外国, 代名詞, …) and the sub-class
    can differ between two readings of the same word (``ウルフ-wolf``, ``ウルフ-Wolfe``), so
    a term would miss its own word. Dictionary lemma heads are never ASCII; an ASCII head is
    an unknown word's own surface (``F-16``) and is left alone.
    """
    head, sep, tail = lemma.partition("-")
    if sep and head and tail and not head.isascii():
        return head
    return lemma


class _Piece(NamedTuple):
    width: int  # of the surface and the white space before it
    surface: str
    lemma: str
    pos: str


class _Pieces(dict[str, _Piece]):
    """MeCab's piece of output for a token → its parts, worked out once per distinct piece
    per process (pieces repeat: common words).

    Looked up through ``map``, so a known piece costs no Python call, and the same strings
    come back every time, their hashes cached for the sets they are looked up in next.
    """

    def __missing__(self, piece: str) -> _Piece:
        marked, lemma, pos = piece.rsplit("\t", 2)
        surface = marked.lstrip(MECAB_SPACE)
        value = _Piece(len(marked), surface, clean_lemma(lemma) or surface, pos)
        if len(self) < _PIECES_MAX:
            self[piece] = value
        return value


_PIECES = _Pieces()
# Unknown words bring new pieces without end; an entry costs about 430 bytes, so the cap
# keeps the cache under ~90 MB (a news archive's common vocabulary fits in it).
_PIECES_MAX = 200_000
# MeCab reads a C string: a NUL ends the text, a lone surrogate cannot be encoded; a
# vertical tab would pass for a token separator. Each becomes a space of the same length,
# so offsets into the caller's text still hold.
_UNPARSABLE = re.compile(r"[\x00\x0b\ud800-\udfff]")


def tokenize_columns(text: str, offset: int = 0) -> TokenColumns:
    """The tokens of ``text`` as columns, with character offsets (plus ``offset``)."""
    if not text.strip():
        return TokenColumns([], [], [], [], [])
    return _tokenize(tagger().parse, _UNPARSABLE.sub(" ", text), offset)


def tokenize_spans(text: str, spans: list[tuple[int, int]]) -> list[TokenColumns]:
    """The tokens of each span of ``text``, as tokenize_columns(text[a:b], a) gives them.

    MeCab still reads one span at a time; the text is prepared for it once.
    """
    parse, safe = tagger().parse, _UNPARSABLE.sub(" ", text)
    return [
        _tokenize(parse, piece, a)
        if (piece := safe[a:b]).strip() or text[a:b].strip()
        else TokenColumns([], [], [], [], [])
        for a, b in spans
    ]


def _tokenize(parse: Callable[[str], str], safe: str, offset: int) -> TokenColumns:
    pieces = parse(safe).split(_SEP)
    if not pieces[-1]:  # no token at all, or a separator that fugashi did not strip
        pieces.pop()
        if not pieces:
            return TokenColumns([], [], [], [], [])
    widths, surfaces, lemmas, pos = zip(*map(_PIECES.__getitem__, pieces), strict=True)
    bounds = list(accumulate(widths, initial=offset))
    return _columns(safe, list(surfaces), list(lemmas), list(pos), bounds)


def restore_columns(
    text: str, offset: int, ends: list[int], lemmas: list[str], pos: list[str]
) -> TokenColumns:
    """The columns that tokenize_columns(text, offset) gave, from their ends, lemmas and
    parts of speech (what the analysis cache keeps of them)."""
    safe = _UNPARSABLE.sub(" ", text)
    cuts = [0, *map(sub, ends, repeat(offset))]
    marked = map(safe.__getitem__, map(slice, cuts, cuts[1:]))
    surfaces = list(map(str.lstrip, marked, repeat(MECAB_SPACE)))
    return _columns(safe, surfaces, lemmas, pos, [offset, *ends])


def _columns(
    safe: str, surfaces: list[str], lemmas: list[str], pos: list[str], bounds: list[int]
) -> TokenColumns:
    """Columns from ``bounds``, where each token's white space and surface start and end:
    in ``safe`` (its text as MeCab saw it) a token starts where its white space ends."""
    ends = bounds[1:]
    if " " in safe or "\t" in safe or "\n" in safe:
        starts = list(map(sub, ends, map(len, surfaces)))
    else:
        starts = bounds[:-1]
    return TokenColumns(surfaces, lemmas, pos, starts, ends)


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Tokens of ``text`` with character offsets (plus ``offset``) into the caller's text."""
    return tokenize_columns(text, offset).tokens()


def lemmas(text: str) -> tuple[str, ...]:
    """The lemma sequence of ``text``, white space left out: how lexicon terms are compiled."""
    columns = tokenize_columns(text)
    return tuple(lemma for lemma, p in zip(columns.lemmas, columns.pos, strict=True) if p != "空白")


def versions() -> dict[str, str]:
    """Versions of the tokenizer parts, for run metadata and cache keys."""
    return {
        "fugashi": version("fugashi"),
        "unidic_lite": version("unidic-lite"),
        "mecab_format": _FORMAT,
    }
