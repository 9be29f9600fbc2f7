"""Match compiled lexicons against an article's tokens: longest match, voice and negation.

Matching runs sentence by sentence on lemma sequences. Within a frame the longest entry at a
position wins and matches never overlap; frames are matched independently.
"""

from __future__ import annotations

from typing import NamedTuple

from pipeline.clean import CleanText
from pipeline.lexicons import Entry, Lexicon
from pipeline.tokens import Token

# Lemmas that negate the predicate they attach to: ない/なかった (ない), ません/ぬ (ず), 無い.
NEGATORS = frozenset({"ない", "無い", "ず", "ぬ"})
NEGATOR_POS = frozenset({"助動詞", "形容詞"})
# A negator followed by ば/て/と and one of these is an obligation (なければならない,
# なくてはいけない, ないといけない), which affirms the predicate.
_OBLIGATION_LINK = frozenset({"ば", "て", "と"})
_OBLIGATION_VERB = frozenset({"成る", "行く", "行ける", "駄目"})
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


def _is_obligation(tokens: list[Token], j: int) -> bool:
    """Whether the negator at ``j`` is part of a double negative that affirms.

    なければならない, なくてはいけない, ないといけない and ざるを得ない all say the
    predicate must or does happen.
    """
    follow = [t.lemma for t in tokens[j + 1 : j + 4]]
    if follow[:2] == ["を", "得る"] and tokens[j].lemma == "ず":
        return True
    return bool(follow) and follow[0] in _OBLIGATION_LINK and bool(_OBLIGATION_VERB & set(follow))


def is_negated(tokens: list[Token], end: int) -> bool:
    """Whether a negator closes the clause that the match ending at token ``end`` opens."""
    for j in range(end, min(end + NEGATION_WINDOW, len(tokens))):
        tok = tokens[j]
        if tok.surface in CLAUSE_BREAKS:
            return False
        if tok.lemma in NEGATORS and tok.pos in NEGATOR_POS:
            return not _is_obligation(tokens, j)
    return False


def match_sentence(
    tokens: list[Token],
    index: dict[str, list[tuple[tuple[str, ...], Entry]]],
    lemmas: list[str] | None = None,
) -> list[tuple[Entry, int, int]]:
    """Non-overlapping longest matches in one sentence: (entry, first token, end token)."""
    found: list[tuple[Entry, int, int]] = []
    if lemmas is None:
        lemmas = [t.lemma for t in tokens]
    n = len(lemmas)
    free = 0
    for i in [i for i, lemma in enumerate(lemmas) if lemma in index]:
        if i < free:
            continue
        for seq, entry in index[lemmas[i]]:
            k = len(seq)
            if i + k <= n and (k == 1 or tuple(lemmas[i : i + k]) == seq):
                found.append((entry, i, i + k))
                free = i + k
                break
    return found


def find_hits(
    clean: CleanText, sentence_tokens: list[list[Token]], lexicons: list[Lexicon]
) -> list[Hit]:
    """All matches of all frames in one article, in text order per frame."""
    text = clean.text
    indexes = [lex.index() for lex in lexicons]
    # Terms are compiled without white space (pipeline.tokens.lemmas); match the same way.
    sentences = [[t for t in tokens if t.pos != "空白"] for tokens in sentence_tokens]
    sentence_lemmas = [[t.lemma for t in tokens] for tokens in sentences]
    hits: list[Hit] = []
    for index in indexes:
        for sid, tokens in enumerate(sentences):
            for entry, a, b in match_sentence(tokens, index, sentence_lemmas[sid]):
                start, end = tokens[a].start, tokens[b - 1].end
                hits.append(
                    Hit(
                        frame=entry.frame,
                        category=entry.category,
                        term=entry.term,
                        matched=text[start:end],
                        sentence_id=sid,
                        char_start=start,
                        char_end=end,
                        voice="quoted" if clean.in_quote(start) else "author",
                        negated=is_negated(tokens, b),
                        weight=entry.weight,
                        left=text[max(0, start - CONTEXT_CHARS) : start].replace("\n", " "),
                        right=text[end : end + CONTEXT_CHARS].replace("\n", " "),
                    )
                )
    return hits
