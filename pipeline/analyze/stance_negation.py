"""Whether an evaluation is taken back: negated, reversed, questioned or hedged (README,
"Stance", negation). A row so neutralised is kept, flagged ``negated``, and not counted.

The negator must belong to the evaluation's own phrase or to the predicate it is the
subject, object or complement of (脅威ではない, 脅威を与えない, 脅威にならない); a verb that
merely takes the evaluated noun with に, で, から or と is negated on its own (圧力に屈せず
does not deny the pressure). Affirming idioms (間違いない, にほかならない, に違いない, 疑いない,
否めない, 過言ではない, 欠かせない) assert; a favourable word hedged by 部分的に, 一部, 形式的に
or 表面的に (部分的に遵守), or diminished by 〜に過ぎない, is no praise.
"""

from __future__ import annotations

from pipeline.analyze.bunsetsu import Parse
from pipeline.analyze.hits import CLAUSE_BREAKS, NEGATION_WINDOW, NEGATOR_POS, NEGATORS, is_negated
from pipeline.analyze.stance_mentions import Clauses
from pipeline.analyze.tokens import TokenColumns

# The word before a negator with which it affirms (間違い|ない, 違い|ない, 疑い|ない).
AFFIRMING = frozenset(
    {
        "間違い",
        "違い",
        "疑い",
        "否める",
        "過言",
        "欠く",
        "欠かす",
        "少ない",
        "禁ずる",
        "禁じる",
        "堪える",
    }
)
# Particles after which the governing verb's negation is its own (圧力に屈せず, 制裁で揺るがず).
BLOCKING = frozenset({"に", "で", "から", "と", "へ", "より", "まで"})
HEDGES = frozenset({"部分", "一部", "形式", "表面", "名目", "限定", "一応", "口先"})
REVERSERS = frozenset(
    {
        "自制", "控える", "避ける", "回避", "防ぐ", "阻止", "否定", "否認", "打開", "脱却", "克服",
        "和らげる", "解消", "脱する", "撤回", "抑止", "免れる", "救う", "救い出す", "抜け出す",
        "誇張", "喧伝",
    }
)  # fmt: skip
# Nouns that make what they take with を a pretext (北朝鮮の脅威を口実に): the author denies it.
PRETEXTS = frozenset({"口実", "名目", "言い訳", "大義名分"})
# A clause denied as a whole or called unlikely: 孤立しているわけではない, 孤立しているとは言えない,
# 傍観は考えにくい.
DENIALS = (
    ("訳", "で", "は", "無い"),
    ("訳", "で", "は", "ない"),
    ("と", "は", "言う", "ない"),
    ("考える", "難い"),
)
REVERSE_WINDOW = 10


def neutralised(
    tokens: TokenColumns, p: Parse, a: int, b: int, clauses: Clauses, polarity: int
) -> str:
    """Why the evaluation at ``a:b`` is not asserted ('' when it is)."""
    if is_negated(tokens, b):
        j = _negator(tokens, b)
        if j >= 0 and not _affirming(tokens, j) and not _blocked(tokens, p, b, j):
            return tokens.surfaces[j]
    lemmas, pos = tokens.lemmas, tokens.pos
    denied = _denial(tokens, b, clauses) or _pretext(tokens, p, b)
    if denied:
        return denied
    for j in range(b, min(b + REVERSE_WINDOW, clauses.end(b - 1) + 1, len(lemmas))):
        if lemmas[j] in REVERSERS or (lemmas[j] == "か" and pos[j] == "助詞"):
            return tokens.surfaces[j]
    if polarity > 0 and "べし" in lemmas[b:]:
        return "べき"  # 足並みをそろえ…努力を重ねるべきだ: advice, not praise
    if polarity > 0:
        for j in range(b, min(b + REVERSE_WINDOW, clauses.end(b - 1) + 1, len(lemmas) - 1)):
            if lemmas[j] == "過ぎる" and lemmas[j + 1] in NEGATORS:
                return "に過ぎない"
        return _hedge(tokens, p, a, b)
    return ""


def _denial(tokens: TokenColumns, b: int, clauses: Clauses) -> str:
    """A whole-clause denial (わけではない, とは言えない, 考えにくい) in the evaluation's clause."""
    lemmas = tokens.lemmas
    end = min(b + REVERSE_WINDOW, clauses.end(b - 1) + 1, len(lemmas))
    for j in range(b, end):
        for denial in DENIALS:
            if tuple(lemmas[j : j + len(denial)]) == denial:
                return "".join(tokens.surfaces[j : j + len(denial)])
    return ""


def _pretext(tokens: TokenColumns, p: Parse, b: int) -> str:
    """The pretext noun right after the evaluation's を (脅威を口実に), or ''."""
    eb = p.at(b - 1)
    if eb + 1 >= len(p.starts) or tokens.lemmas[p.ends[eb] - 1] != "を":
        return ""
    for t in range(p.starts[eb + 1], p.ends[eb + 1]):
        if tokens.lemmas[t] in PRETEXTS:
            return tokens.surfaces[t]
    return ""


def _negator(tokens: TokenColumns, b: int) -> int:
    lemmas, pos, surfaces = tokens.lemmas, tokens.pos, tokens.surfaces
    for j in range(b, min(b + NEGATION_WINDOW, len(lemmas))):
        if surfaces[j] in CLAUSE_BREAKS:
            return -1
        if lemmas[j] in NEGATORS and pos[j] in NEGATOR_POS:
            return j
    return -1


def _affirming(tokens: TokenColumns, j: int) -> bool:
    lemmas = tokens.lemmas
    prev = [x for x in lemmas[max(0, j - 3) : j] if x not in ("も", "は", "が", "で")]
    if prev and prev[-1] in AFFIRMING:
        return True
    if prev[-2:] == ["他", "成る"] or prev[-2:] == ["外", "成る"]:
        return True
    return len(prev) >= 2 and prev[-1] in ("出来る", "得る") and prev[-2] in ("否定", "否める")


def _blocked(tokens: TokenColumns, p: Parse, b: int, j: int) -> bool:
    """Whether the negator at ``j`` negates a verb that only takes the evaluation with a
    particle of BLOCKING (not 成る: 脅威にならない is negated)."""
    eb = p.at(b - 1)
    if p.at(j) == eb:
        return False
    last = b
    while last < p.ends[eb] and tokens.pos[last] in ("助詞",):
        last += 1
    particles = [
        x for x, q in zip(tokens.lemmas[b:last], tokens.pos[b:last], strict=True) if q == "助詞"
    ]
    if not particles or particles[-1] not in BLOCKING:
        return False
    return not (particles[-1] == "に" and _first_verb(tokens, p, p.at(j)) == "成る")


def _first_verb(tokens: TokenColumns, p: Parse, k: int) -> str:
    for t in range(p.starts[k], p.ends[k]):
        if tokens.pos[t] == "動詞":
            return tokens.lemmas[t]
    return ""


def _hedge(tokens: TokenColumns, p: Parse, a: int, b: int) -> str:
    """A hedging adverb (部分的に) among the phrases that depend on the evaluation's."""
    eb = p.at(b - 1)
    for k in range(max(0, p.at(a) - 3), p.at(a) + 1):
        if k != eb and p.heads[k] != eb and k < p.at(a):
            continue
        for t in range(p.starts[k], min(p.ends[k], a)):
            if tokens.lemmas[t] in HEDGES:
                return "".join(tokens.surfaces[p.starts[k] : p.ends[k]])
    return ""


# Nouns and verbs of aiming (孤立させる試み, 弱体化を狙う): the state they aim at is not asserted.
ATTEMPTS = frozenset(
    {"試み", "企て", "狙い", "思惑", "目論見", "目論む", "企む", "試みる", "企てる"}
)


def unrealised(tokens: TokenColumns, b: int, clauses: Clauses) -> str:
    """Why a state at ``b`` is only aimed at, not asserted of whom it would befall ('' when
    it is asserted): 孤立させる試み, 孤立させようとする (the attempt may fail; it says nothing yet
    of the one it targets)."""
    lemmas, surfaces, pos = tokens.lemmas, tokens.surfaces, tokens.pos
    end = min(b + REVERSE_WINDOW, clauses.end(b - 1) + 1, len(lemmas))
    for j in range(b, end):
        if lemmas[j] in ATTEMPTS:
            return surfaces[j]
        if surfaces[j].endswith("よう") and lemmas[j + 1 : j + 3] == ["と", "為る"]:
            return "ようとする"
        if pos[j] == "名詞" and j > b:
            break
    return ""
