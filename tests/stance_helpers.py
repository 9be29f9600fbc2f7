"""Helpers shared by the stance class tests: what a text's stance hits count, and mentions."""

from __future__ import annotations

from pipeline.analyze.article import clean_and_tokenize
from pipeline.analyze.stance import find_stance
from pipeline.analyze.stance_lexicon import StanceLexicon


def counted(text: str, stance: StanceLexicon) -> set[tuple[str, int]]:
    """(target, polarity) of the hits that count."""
    clean, sentences = clean_and_tokenize(text)
    return {(h.target, h.polarity) for h in find_stance(clean, sentences, stance)[0] if h.counted}


def mentions(text: str, stance: StanceLexicon) -> dict[str, int]:
    """Mentions per target."""
    clean, sentences = clean_and_tokenize(text)
    return find_stance(clean, sentences, stance)[1]
