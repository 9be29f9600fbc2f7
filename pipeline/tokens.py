"""Tokenize Japanese text with fugashi + unidic-lite: surface, lemma, part of speech, offsets.

MeCab is asked for exactly the three fields used, through a node format, and the output is
split in Python: reading fugashi's 29-field ``word.feature`` tuple costs about 2.8× the time.
One tagger per process, created on first use (a tagger does not pickle).
"""

from __future__ import annotations

import os
import re
from importlib.metadata import version
from typing import NamedTuple

import fugashi
import unidic_lite

# Punctuation, symbols and white space are not counted as content tokens: the denominator
# of every rate is the number of tokens whose part of speech is none of these.
NON_CONTENT_POS = frozenset({"補助記号", "記号", "空白"})
# Parts of speech that carry no content of their own (used to reject function-word entries).
FUNCTION_POS = frozenset({"助詞", "助動詞", "接続詞", "補助記号", "記号", "空白"})

_FORMAT = r'-O "" -F "%m\t%f[7]\t%f[0]\n" -U "%m\t%m\t%f[0]\n" -E "EOS\n"'
_tagger: fugashi.GenericTagger | None = None
_tagger_pid: int | None = None


class Token(NamedTuple):
    """One morpheme: its text, lemma, coarse part of speech and span in the source text.

    A named tuple: millions are made per corpus, and tuples are the cheapest to create.
    """

    surface: str
    lemma: str
    pos: str
    start: int
    end: int

    @property
    def is_content(self) -> bool:
        return self.pos not in NON_CONTENT_POS


def tagger() -> fugashi.GenericTagger:
    """This process's tagger, created on first use (and again after a fork)."""
    global _tagger, _tagger_pid
    if _tagger is None or _tagger_pid != os.getpid():
        d = unidic_lite.DICDIR
        _tagger = fugashi.GenericTagger(f'-d "{d}" -r "{d}/mecabrc" {_FORMAT}')
        _tagger_pid = os.getpid()
    return _tagger


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


# MeCab reads a C string: a NUL ends the text, a lone surrogate cannot be encoded. Both are
# replaced by a space of the same length, so offsets into the caller's text still hold.
_UNPARSABLE = re.compile(r"[\x00\ud800-\udfff]")


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Tokens of ``text`` with character offsets (plus ``offset``) into the caller's text.

    MeCab skips white space and reports no offsets of its own, so each surface is found in
    ``text`` from where the previous one ended; a surface that is not there (never seen, but
    MeCab is C code) is dropped rather than given a wrong span.
    """
    if not text.strip():
        return []
    out: list[Token] = []
    append, find, known = out.append, text.find, _LINES
    cursor = 0
    for line in tagger().parse(_UNPARSABLE.sub(" ", text)).split("\n"):
        entry = known.get(line, _NEW)
        if entry is None:
            continue
        if entry is _NEW:
            entry = _parse_line(line)
            if len(known) < _LINES_MAX:
                known[line] = entry
            if entry is None:
                continue
        surface, lemma, pos = entry
        start = find(surface, cursor)
        if start < 0:
            continue
        cursor = start + len(surface)
        append(_new(Token, (surface, lemma, pos, start + offset, cursor + offset)))
    return out


# MeCab's output lines repeat (common words), so each distinct line is split and its lemma
# cleaned once per process; EOS and malformed lines map to None.
_NEW = object()
_new = tuple.__new__  # builds a Token without the named tuple's Python-level __new__
_LINES: dict[str, tuple[str, str, str] | None] = {"": None, "EOS": None}
_LINES_MAX = 1_000_000


def _parse_line(line: str) -> tuple[str, str, str] | None:
    parts = line.split("\t")
    if len(parts) != 3 or not parts[0]:
        return None
    surface, lemma, pos = parts
    return surface, clean_lemma(lemma) or surface, pos


def lemmas(text: str) -> tuple[str, ...]:
    """The lemma sequence of ``text``, white space left out: how lexicon terms are compiled."""
    return tuple(t.lemma for t in tokenize(text) if t.pos != "空白")


def versions() -> dict[str, str]:
    """Versions of the tokenizer parts, for run metadata and cache keys."""
    return {
        "fugashi": version("fugashi"),
        "unidic_lite": version("unidic-lite"),
        "mecab_format": _FORMAT,
    }
