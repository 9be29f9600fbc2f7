"""Target mentions of a sentence: aliases and relationship nouns, each mention's grammatical
relation from the particles after its noun chain, and the sentence's clauses (README, "Stance",
rules 1-3)."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from itertools import compress, pairwise

from pipeline.analyze.bunsetsu import ATTRIBUTIVE_ENDS
from pipeline.analyze.hits import CLAUSE_BREAKS
from pipeline.analyze.lexicons import Entry
from pipeline.analyze.stance_lexicon import StanceLexicon
from pipeline.analyze.tokens import TokenColumns

STANCE_BREAKS = CLAUSE_BREAKS | {"」", "』", "”"}
CONJUNCTIVE = frozenset(
    {"ので", "のに", "けれど", "けれども", "けど", "ながら", "つつ", "ものの", "ば"}
)
PREDICATE_POS = frozenset({"動詞", "助動詞", "形容詞"})
_CONJUNCTION_LEMMAS = CONJUNCTIVE | {"が", "し"}
CHAIN_POS = frozenset({"名詞", "接尾辞", "形状詞", "接頭辞"})
PASSIVE = frozenset({"れる", "られる"})
# Last kana of a predicate in the attributive (or plain) form, which can head a relative
# clause (深める, 続いた, ない, 繰り返す); a continuative form (長期化し, 続け) cannot.
ATTRIBUTIVE_ENDINGS = ATTRIBUTIVE_ENDS
PASSIVE_WINDOW = 4


@dataclass(slots=True)
class Mention:
    """A target named in a sentence: tokens ``a:b`` (of the sentence without white space)."""

    targets: tuple[str, ...]
    a: int
    b: int
    absorbed: bool = False
    role: str = "bare"
    chain_end: int = 0
    coord: int = -1  # the next mention it is coordinated with (X と Y は), or -1
    possessed: int = -1  # the mention it is the genitive of (ロシアのウクライナ侵攻), or -1
    clause: int = 0


class Clauses:
    """Clause numbers of a sentence's tokens, from the positions of its breaks (a break
    belongs to the clause it closes); looked up by binary search, so only the tokens asked
    about cost anything."""

    __slots__ = ("breaks",)

    def __init__(self, breaks: list[int]) -> None:
        self.breaks = breaks

    def __getitem__(self, i: int) -> int:
        return bisect_left(self.breaks, i)

    def end(self, i: int) -> int:
        """The last token of the clause of token ``i`` (its break), or a large number."""
        c = bisect_left(self.breaks, i)
        return self.breaks[c] if c < len(self.breaks) else 1 << 30


def clause_ids(
    tokens: TokenColumns, mentions: list[Mention] | None = None, lo: int = 0, hi: int | None = None
) -> Clauses:
    """The clauses of a sentence (rule 1), or of its tokens ``lo:hi`` (clause numbers then
    count from ``lo``: only compared with each other). A 、 that separates two targets
    (ロシア、中国、北朝鮮) enumerates them and is no break."""
    surfaces, lemmas, pos = tokens.surfaces, tokens.lemmas, tokens.pos
    hi = len(lemmas) if hi is None else min(hi, len(lemmas))
    span = range(lo, hi)
    breaks = set(compress(span, map(STANCE_BREAKS.__contains__, surfaces[lo:hi])))
    for i in compress(span, map(_CONJUNCTION_LEMMAS.__contains__, lemmas[lo:hi])):
        if pos[i] == "助詞" and (
            lemmas[i] in CONJUNCTIVE or (i > 0 and pos[i - 1] in PREDICATE_POS)
        ):
            breaks.add(i)
    for i in compress(span, map("で".__eq__, surfaces[lo:hi])):
        if i > 0 and lemmas[i - 1] == "の":  # ので: の + the copula's で
            breaks.add(i)
    if mentions and "、" in surfaces:
        starts = {m.a for m in mentions}
        breaks -= {m.b for m in mentions if m.b in breaks and m.b + 1 in starts}
    return Clauses(sorted(breaks))


# What may stand between a relationship noun and the parties that name it (ロシアと北朝鮮の
# 協力, 北朝鮮との関係, 露朝間の取引), and the words that name both parties at once.
LINKS = frozenset({"の", "と", "間", "・", "へ"})
# Modifiers that may follow the link (ロシアと北朝鮮の伝統的な友好関係, 露朝の軍事技術協力).
MODIFIER_POS = frozenset({"名詞", "形状詞", "接尾辞", "接頭辞"})
MAX_GAP = 5
BOTH = frozenset({"両国", "二国間", "両国間", "双方"})
# Demonstratives that point a relationship noun back to the pair of the sentences before
# (こうした取引, この協力, そうした接近).
DEMONSTRATIVES = ("この", "こうした", "こういった", "このような", "そうした", "そういった")
POINTERS = frozenset({"此の", "こう", "そう"})  # the lemmas they start with


def _mentions(
    targets: list[tuple[int, Entry, int, int]],
    relations: list[tuple[int, Entry, int, int]],
    stance: StanceLexicon,
    tokens: TokenColumns,
    named: set[str],
    recent: set[str],
) -> list[Mention]:
    """Target mentions of a sentence, relationship nouns resolved (rule 2), in text order.

    A ``specific`` relationship noun needs one party named here or in ``recent`` (the two
    sentences before), a ``general`` one both named here and a party (or 両国) right before
    it; neither may follow another target directly. A ``mutual`` one (両国関係) needs both
    named here or in ``recent``. When both parties are only in ``recent``, no other target may
    stand before the noun (it would compete for 両国); one named after it does not.
    """
    owners = stance.owners
    mentions = [Mention(owners[id(e)], a, b) for _, e, a, b in targets]
    if not relations:
        return mentions
    lemmas, pos = tokens.lemmas, tokens.pos
    parties = set(stance.parties)
    tie = stance.relation_target
    allowed = parties | {tie}
    added = False
    for _, e, a, b in relations:
        kind = e.category
        others = {t for m in mentions if m.b <= a for t in m.targets} - parties - {tie}
        if kind == "mutual":
            ok = parties <= named | recent and not others
        elif kind == "specific":
            ok = bool(parties & (named | recent))
        else:
            ok = parties <= named or (
                parties <= recent
                and (_after_both(lemmas, pos, a) or _after_demonstrative(tokens, a))
                and not others
            )
            ok = ok or (
                not others
                and parties <= named | recent
                and _of_one_party(mentions, tokens, parties, a)
            )
        if not ok or any(m.a < b and a < m.b for m in mentions):
            continue
        if kind != "mutual":
            before = [
                m
                for m in mentions
                if m.b <= a and a - m.b <= MAX_GAP and _linked(lemmas, pos, m.b, a)
            ]
            if before and not set(before[-1].targets) <= allowed:
                continue
            if (
                kind == "general"
                and not before
                and not _after_both(lemmas, pos, a)
                and not _after_demonstrative(tokens, a)
                and not _pair_topic(mentions, lemmas, parties, a)
            ):
                continue
            for m in before:
                if set(m.targets) <= allowed:
                    m.absorbed = True
            _absorb_coordinated(mentions, lemmas, allowed)
        mentions.append(Mention((tie,), a, b))
        added = True
    if added:
        mentions.sort(key=lambda m: m.a)
    return mentions


def _pair_topic(mentions: list[Mention], lemmas: list[str], parties: set[str], a: int) -> bool:
    """Whether the two parties, coordinated, are the topic or subject before the noun at
    ``a`` (ロシアと朝鮮は…協力を続けている)."""
    for m, n in pairwise(mentions):
        if (
            n.b <= a
            and {*m.targets, *n.targets} == parties
            and lemmas[m.b : n.a] in (["と"], ["・"], ["、"])
            and lemmas[n.b : n.b + 1] in (["は"], ["が"], ["も"])
        ):
            return True
    return False


def _after_both(lemmas: list[str], pos: list[str], a: int) -> bool:
    """Whether 両国 (or 双方 …) names both parties right before the noun at ``a`` (両国の危険な
    接近)."""
    return any(
        lemmas[j] in BOTH and _linked(lemmas, pos, j + 1, a)
        for j in range(max(0, a - MAX_GAP - 1), a)
    )


def _after_demonstrative(tokens: TokenColumns, a: int) -> bool:
    """Whether a demonstrative, then only modifiers, stands right before the noun at ``a``
    (こうした取引, この危険な接近): the noun points back to the act just told."""
    surfaces, pos = tokens.surfaces, tokens.pos
    j = a
    while (
        j > 0
        and a - j < MAX_GAP
        and (pos[j - 1] in MODIFIER_POS or (surfaces[j - 1] == "な" and pos[j - 2] in MODIFIER_POS))
    ):
        j -= 1
    head = "".join(surfaces[max(0, j - 3) : j])
    return head.endswith(DEMONSTRATIVES)


def _of_one_party(mentions: list[Mention], tokens: TokenColumns, parties: set[str], a: int) -> bool:
    """Whether one party is the genitive right before the noun at ``a`` (北朝鮮兵の派遣, ロシアの
    接近): with the other party named here or just before, it is the pair's act."""
    lemmas = tokens.lemmas
    before = [m for m in mentions if m.b <= a]
    if not before:
        return False
    m = before[-1]
    return (
        len(m.targets) == 1
        and m.targets[0] in parties
        and lemmas[m.b : m.b + 1] == ["の"]
        and _linked(lemmas, tokens.pos, m.b, a)
    )


def _absorb_coordinated(mentions: list[Mention], lemmas: list[str], allowed: set[str]) -> None:
    """A party coordinated with an absorbed one (ロシア in ロシアと北朝鮮の関係) is part of the
    relationship's name too."""
    for k in range(len(mentions) - 2, -1, -1):
        m, nxt = mentions[k], mentions[k + 1]
        if (
            nxt.absorbed
            and not m.absorbed
            and set(m.targets) <= allowed
            and lemmas[m.b : nxt.a] in (["と"], ["・"], ["、"], ["及び"])
        ):
            m.absorbed = True


def _linked(lemmas: list[str], pos: list[str], b: int, a: int) -> bool:
    """Whether tokens ``b:a`` join a target to the noun after them: nothing (a compound), or
    a link (の, と, 間, ・) then links and modifiers (伝統的な, 軍事技術)."""
    if a - b > MAX_GAP:
        return False
    if a == b:
        return True
    if lemmas[b] not in LINKS:
        return False
    return all(
        x in LINKS
        or p in MODIFIER_POS
        or (x == "だ" and k > b and pos[k - 1] in ("形状詞", "接尾辞", "名詞"))
        for k, (x, p) in enumerate(zip(lemmas[b:a], pos[b:a], strict=True), start=b)
    )


def _roles(mentions: list[Mention], tokens: TokenColumns) -> None:
    """Each mention's relation to its clause (rule 3), set in place."""
    lemmas, pos, surfaces = tokens.lemmas, tokens.pos, tokens.surfaces
    n = len(lemmas)
    starts = {m.a: k for k, m in enumerate(mentions)}
    for m in mentions:
        j = m.b
        role = ""
        while j < n and j not in starts:
            if pos[j] in CHAIN_POS or (
                surfaces[j] == "・"
                and j > m.b
                and j + 1 < n
                and j + 1 not in starts
                and pos[j + 1] in CHAIN_POS
            ):  # 核・ミサイル能力 is one noun chain
                j += 1
            elif lemmas[j] == "の" and pos[j] == "助詞" and j + 1 < n:
                if j + 1 in starts:
                    role, m.possessed = "possessor", starts[j + 1]
                    break
                j += 1
            elif surfaces[j] == "な" and pos[j - 1] == "形状詞":
                j += 1
            else:
                break
        m.chain_end = j
        if not role and j < n:
            role = _particle_role(lemmas, pos, surfaces, j, starts, m)
        if m.a > 0 and lemmas[m.a - 1] == "対":
            role = "object"
        m.role = role or "bare"
    for k in range(len(mentions) - 1, -1, -1):
        m = mentions[k]
        if m.coord >= 0:
            m.role = mentions[m.coord].role


def _conjoined(lemmas: list[str], pos: list[str], j: int) -> str:
    """The role of a noun chain that a target is coordinated with (米国とその追随勢力は):
    topic or subject, or '' (ロシアとの関係, ロシアと協議した)."""
    while j < len(lemmas) and (pos[j] in CHAIN_POS or lemmas[j] in ("其の", "同")):
        j += 1
    nxt = lemmas[j] if j < len(lemmas) else ""
    return "topic" if nxt in ("は", "も") else "subject" if nxt == "が" else ""


def _particle_role(
    lemmas: list[str],
    pos: list[str],
    surfaces: list[str],
    j: int,
    starts: dict[int, int],
    m: Mention,
) -> str:
    """The role that the token at ``j`` after mention ``m`` gives it (``starts``: the
    mention starting at each token)."""
    lemma, nxt = lemmas[j], lemmas[j + 1] if j + 1 < len(lemmas) else ""
    if (
        (surfaces[j] == "、" and j == m.b)
        or surfaces[j] == "・"
        or (pos[j] == "助詞" and lemma in ("と", "や"))
    ):
        if j + 1 in starts:
            m.coord = starts[j + 1]
            return "coord"
        if lemma == "と" and nxt == "言う":
            return "apposition"
        if lemma == "と":
            return _conjoined(lemmas, pos, j + 1) or "with"
        return "bare"
    if pos[j] != "助詞":
        return "bare"
    return _PAIR_ROLES.get((lemma, nxt)) or _PARTICLE_ROLES.get(lemma, "bare")


# Roles that a case particle gives by itself, and with the word after it (によって, において).
_PARTICLE_ROLES = {
    "は": "topic", "も": "topic", "が": "subject", "を": "object", "から": "source",
    "に": "dative", "へ": "dative",
}  # fmt: skip
_PAIR_ROLES = {("に", "因る"): "agent_by", ("に", "於く"): "locative"}


# Nouns that make その a connective (その後, その結果, その一方で), not a possessive.
CONNECTIVE_NOUNS = frozenset(
    {
        "後", "結果", "一方", "上", "中", "際", "為", "場合", "時", "反面", "間", "他", "外", "点",
        "頃", "前", "日", "年", "直後", "背景", "理由", "通り", "うち", "内", "まま", "都度",
    }
)  # fmt: skip


def pointing_back(mentions: list[Mention], tokens: TokenColumns) -> list[Mention]:
    """Mentions with one added for each その before a noun that points back to the nearest
    earlier topic or subject of the sentence (欧米諸国は…べきだが、その動きは鈍い: the West's
    moves); roles set anew when one was added."""
    lemmas, pos = tokens.lemmas, tokens.pos
    out = list(mentions)
    for j in range(1, len(lemmas) - 1):
        if lemmas[j] != "其の" or pos[j] != "連体詞" or pos[j + 1] != "名詞":
            continue
        if lemmas[j + 1] in CONNECTIVE_NOUNS:
            continue
        earlier = [
            m for m in mentions if m.b <= j and not m.absorbed and m.role in ("topic", "subject")
        ]
        if earlier:
            out.append(Mention(earlier[-1].targets, j, j + 1))
    if len(out) > len(mentions):
        out.sort(key=lambda m: m.a)
        _roles(out, tokens)
    return out
