"""Match compiled lexicons against an article's tokens: longest match, voice and negation.

Matching runs sentence by sentence on lemma sequences (glob entries: on surfaces, below).
Within a frame the longest entry at a position wins and matches never overlap; frames are
matched independently.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress
from operator import add, itemgetter, or_
from typing import NamedTuple

from pipeline.analyze.lexicons import Entry, IndexGroups, Lexicon
from pipeline.analyze.sourcing import cited_spans, find_attributions
from pipeline.analyze.tokens import TokenColumns
from pipeline.ingest.clean import CleanText

# Lemmas that negate the predicate they attach to: ない/なかった (ない), ません/ぬ (ず), 無い.
NEGATORS = frozenset({"ない", "無い", "ず", "ぬ"})
NEGATOR_POS = frozenset({"助動詞", "形容詞"})
# A negator followed by ば/て/と and one of these is an obligation (なければならない,
# なくてはいけない, ないといけない), which affirms the predicate.
_OBLIGATION_LINK = frozenset({"ば", "て", "と"})
_OBLIGATION_VERB = frozenset({"成る", "行く", "行ける", "駄目"})
# Verbs whose ず forms a connective, not a negation: にもかかわらず (despite), を問わず
# (regardless of), に限らず and のみならず (not only), 相変わらず (as ever).
_IDIOMATIC_ZU = frozenset({"関わる", "問う", "限る", "なり", "変わる"})
CLAUSE_BREAKS = frozenset({"、", "。", "!", "?", ",", ";", ":", "「", "『", "“"})
NEGATION_WINDOW = 6  # tokens after a match in which a negator still belongs to its clause
CONTEXT_CHARS = 40


class Hit(NamedTuple):
    """One match of a lexicon entry in an article (a named tuple: cheap to make and store)."""

    frame: str
    category: str
    term: str
    matched: str
    sentence_id: int
    char_start: int
    char_end: int
    voice: str
    negated: bool
    weight: float
    left: str
    right: str


def _is_obligation(lemmas: list[str], j: int) -> bool:
    """Whether the negator at ``j`` is part of a double negative that affirms.

    なければならない, なくてはいけない, ないといけない and ざるを得ない all say the
    predicate must or does happen.
    """
    follow = lemmas[j + 1 : j + 4]
    if follow[:2] == ["を", "得る"] and lemmas[j] == "ず":
        return True
    return bool(follow) and follow[0] in _OBLIGATION_LINK and bool(_OBLIGATION_VERB & set(follow))


def is_negated(tokens: TokenColumns, end: int) -> bool:
    """Whether a negator closes the clause that the match ending at token ``end`` opens."""
    surfaces, lemmas, pos = tokens.surfaces, tokens.lemmas, tokens.pos
    for j in range(end, min(end + NEGATION_WINDOW, len(lemmas))):
        if surfaces[j] in CLAUSE_BREAKS:
            return False
        if lemmas[j] in NEGATORS and pos[j] in NEGATOR_POS:
            if lemmas[j] == "ず" and j > 0 and lemmas[j - 1] in _IDIOMATIC_ZU:
                continue
            return not _is_obligation(lemmas, j)
    return False


class Matcher:
    """The indexes of several frames merged by first lemma, so that one look-up per token
    finds every frame that has an entry starting there. Built once per set of lexicons."""

    __slots__ = ("by_first", "frames", "globs", "lexicons")

    def __init__(self, lexicons: list[Lexicon]) -> None:
        self.lexicons = tuple(lexicons)
        self.frames = len(lexicons)
        self.by_first: dict[str, list[tuple[int, IndexGroups]]] = {}
        for f, lex in enumerate(lexicons):
            for first, groups in lex.index().items():
                self.by_first.setdefault(first, []).append((f, groups))
        self.globs = glob_index(lexicons)


_MATCHERS: dict[tuple[int, ...], Matcher] = {}


def matcher(lexicons: list[Lexicon]) -> Matcher:
    """The Matcher of ``lexicons``, from a small cache by the lexicon objects' identity (a
    cached matcher keeps its lexicons alive, so their ids cannot pass to other objects)."""
    key = tuple(map(id, lexicons))
    m = _MATCHERS.get(key)
    if m is None:
        if len(_MATCHERS) >= 16:
            _MATCHERS.clear()
        m = _MATCHERS[key] = Matcher(lexicons)
    return m


def match_sentence(
    lemmas: Sequence[str], m: Matcher, surfaces: Sequence[str] | None = None
) -> list[tuple[int, Entry, int, int]]:
    """Non-overlapping longest matches in one sentence, each frame on its own, in text order:
    (frame number, entry, first token, end token). Glob entries need the ``surfaces``."""
    if m.globs is not None and surfaces is not None:
        return match_with_globs(lemmas, surfaces, m, m.globs)
    found: list[tuple[int, Entry, int, int]] = []
    by_first = m.by_first
    free = [0] * m.frames
    n = len(lemmas)
    for i in compress(range(n), map(by_first.__contains__, lemmas)):
        for f, groups in by_first[lemmas[i]]:
            if i < free[f]:
                continue
            for k, entries in groups:
                if i + k <= n:
                    entry = entries.get(tuple(lemmas[i : i + k]))
                    if entry is not None:
                        found.append((f, entry, i, i + k))
                        free[f] = i + k
                        break
    return found


def voice_of(clean: CleanText, cited: list[tuple[int, int]], start: int, end: int) -> str:
    """Whose words a match is: ``quoted`` speech, ``cited`` (the match lies within a speaker
    named as the source of a statement: タス通信によると, ペスコフ報道官は…と述べた; a cited
    source is sourcing, not framing) or the ``author``'s own. Only ``author`` counts."""
    if clean.in_quote(start):
        return "quoted"
    if any(a <= start and end <= b for a, b in cited):
        return "cited"
    return "author"


# --- Glob entries (``傷つ*``): prefix matches on the surface, from a token boundary ------------
# The stem is matched as written, on the text's surfaces joined from a token's start: UniDic
# splits many stems into other words (傷つ → 傷 + つ), so their lemmas would never match the
# inflected word (傷つけ|た). The match ends with the token in which the stem ends.


class GlobIndex(NamedTuple):
    """Glob entries by stem; every prefix of a stem (a walk along the text stops at the first
    that is none); the first two characters of every stem (a one-character stem: that
    character): a token whose surface, with the next one's, starts with none of them
    starts no glob match."""

    stems: dict[str, list[tuple[int, Entry]]]
    prefixes: frozenset[str]
    heads: frozenset[str]
    short: bool  # some stem is one character long


def glob_index(lexicons: list[Lexicon]) -> GlobIndex | None:
    """The glob entries of ``lexicons`` (None when there are none); of two entries of one
    frame with the same stem the earlier line wins."""
    stems: dict[str, list[tuple[int, Entry]]] = {}
    for f, lex in enumerate(lexicons):
        for entry in lex.entries:
            if entry.glob:
                group = stems.setdefault(entry.glob, [])
                if all(g != f for g, _ in group):
                    group.append((f, entry))
    if not stems:
        return None
    prefixes = frozenset(s[:k] for s in stems for k in range(1, len(s) + 1))
    short = any(len(s) == 1 for s in stems)
    return GlobIndex(stems, prefixes, frozenset(s[:2] for s in stems), short)


_first1 = itemgetter(slice(0, 1))
_first2 = itemgetter(slice(0, 2))


def glob_matches(
    surfaces: Sequence[str], i: int, index: GlobIndex
) -> list[tuple[list[tuple[int, Entry]], int]]:
    """The glob entries matching from token ``i``, longest stem first: (entries of one stem,
    end token), where the end token follows the one in which the stem ends."""
    found = []
    run, j, k, n = "", i, 0, len(surfaces)
    prefixes, stems = index.prefixes, index.stems
    while True:
        k += 1
        if len(run) < k:  # the stem goes on into the next token
            if j == n:
                break
            run += surfaces[j]
            j += 1
        head = run[:k]
        if head not in prefixes:
            break
        if group := stems.get(head):
            found.append((group, j))
    found.reverse()
    return found


def match_with_globs(
    lemmas: Sequence[str], surfaces: Sequence[str], m: Matcher, globs: GlobIndex
) -> list[tuple[int, Entry, int, int]]:
    """match_sentence for lexicons with glob entries: at each position and frame the match
    that ends last wins; of a glob and a plain entry ending together, the plain entry."""
    found: list[tuple[int, Entry, int, int]] = []
    by_first = m.by_first
    free = [0] * m.frames
    n = len(lemmas)
    pairs = map(_first2, map(add, surfaces, [*surfaces[1:], ""]))
    heads = map(globs.heads.__contains__, pairs)
    if globs.short:
        heads = map(or_, heads, map(globs.heads.__contains__, map(_first1, surfaces)))
    may_glob = list(heads)
    for i in compress(range(n), map(or_, map(by_first.__contains__, lemmas), may_glob)):
        best: dict[int, tuple[Entry, int]] = {}
        for f, groups in by_first.get(lemmas[i], ()):
            if i < free[f]:
                continue
            for k, entries in groups:
                if i + k <= n and (entry := entries.get(tuple(lemmas[i : i + k]))) is not None:
                    best[f] = (entry, i + k)
                    break
        if may_glob[i]:
            _glob_best(glob_matches(surfaces, i, globs), i, free, best)
        for f in sorted(best) if len(best) > 1 else best:
            entry, end = best[f]
            found.append((f, entry, i, end))
            free[f] = end
    return found


def _glob_best(
    matches: list[tuple[list[tuple[int, Entry]], int]],
    i: int,
    free: list[int],
    best: dict[int, tuple[Entry, int]],
) -> None:
    """Put in ``best`` the glob matches at ``i`` (longest first) of each free frame that end
    later than its plain match."""
    taken: set[int] = set()
    for group, end in matches:
        for f, entry in group:
            if i < free[f] or f in taken:
                continue
            taken.add(f)
            if f not in best or end > best[f][1]:
                best[f] = (entry, end)


def find_hits(
    clean: CleanText,
    sentences: list[TokenColumns],
    lexicons: list[Lexicon],
    cited: list[tuple[int, int]] | None = None,
    matches: list[list[tuple[int, Entry, int, int]]] | None = None,
) -> list[Hit]:
    """All matches of all frames in one article, frame by frame, in text order per frame.

    ``cited``: the article's speaker spans (``cited_spans``), found here when not given.
    ``matches``: per sentence, what match_sentence gave for a matcher whose first lexicons
    are ``lexicons`` (matches of later ones are ignored): one pass can serve other analyses.
    """
    text = clean.text
    m = matcher(lexicons)
    n_frames = len(lexicons)
    if cited is None:
        cited = cited_spans(find_attributions(clean, sentences))
    per_frame: list[list[Hit]] = [[] for _ in lexicons]
    for sid, tokens in enumerate(sentences):
        # Terms are compiled without white space (tokens.lemmas); match the same way.
        if "空白" in tokens.pos:
            tokens = tokens.without("空白")
        found = (
            match_sentence(tokens.lemmas, m, tokens.surfaces) if matches is None else matches[sid]
        )
        for f, entry, a, b in found:
            if f >= n_frames:
                continue
            start, end = tokens.starts[a], tokens.ends[b - 1]
            per_frame[f].append(
                Hit(
                    entry.frame,
                    entry.category,
                    entry.term,
                    text[start:end],
                    sid,
                    start,
                    end,
                    voice_of(clean, cited, start, end),
                    is_negated(tokens, b),
                    entry.weight,
                    text[max(0, start - CONTEXT_CHARS) : start].replace("\n", " "),
                    text[end : end + CONTEXT_CHARS].replace("\n", " "),
                )
            )
    return [hit for hits in per_frame for hit in hits]
