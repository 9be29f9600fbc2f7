"""Predicates that decide whom an evaluation they take is said of: a predicate of having
(露朝協力には限界がある says 限界 of the tie) and a verb of opposing (帝国主義者の強権に反対する
闘争: 強権 is the opponent's foe, not the opponent's quality)."""

from __future__ import annotations

from pipeline.analyze.bunsetsu import Parse
from pipeline.analyze.tokens import TokenColumns

HAVING = frozenset(
    {"有る", "見える", "残る", "生じる", "目立つ", "漂う", "付き纏う", "潜む", "伴う"}
)  # fmt: skip
OPPOSING = frozenset(
    {"反対", "抗する", "対抗", "立ち向かう", "打ち破る", "粉砕", "抵抗", "反発", "屈する", "戦う"}
)  # fmt: skip
CHAINING = frozenset({"adnominal", "coord", "linked"})


def _first_content(tokens: TokenColumns, p: Parse, k: int) -> str:
    for t in range(p.starts[k], p.ends[k]):
        if tokens.pos[t] in ("名詞", "動詞"):
            return tokens.lemmas[t]
    return ""


def had(tokens: TokenColumns, p: Parse, b: int) -> bool:
    """Whether the evaluation ending at token ``b`` is the subject of a predicate of having."""
    eb = p.at(b - 1)
    h = p.heads[eb]
    if h < 0 or tokens.lemmas[p.ends[eb] - 1] not in ("が", "も", "は"):
        return False
    return _first_content(tokens, p, h) in HAVING


def opposed(tokens: TokenColumns, p: Parse, b: int) -> bool:
    """Whether the evaluation ending at token ``b`` (with the nouns it is chained to) is what
    a verb of opposing takes with を or に."""
    y = p.at(b - 1)
    while p.kinds[y] in CHAINING and p.heads[y] >= 0:
        y = p.heads[y]
    h = p.heads[y]
    return (
        h >= 0
        and tokens.surfaces[p.ends[y] - 1] in ("を", "に")
        and (_first_content(tokens, p, h) in OPPOSING)
    )
