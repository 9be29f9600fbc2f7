"""Attribute evaluations to targets, clause by clause: the evidence behind every stance score.

The rule (documented in README.md, "Stance"), with morphology alone:

1. A sentence is cut into clauses at 、。!?;: and quotation marks, at the conjunctive
   particles ので のに けれど(も) けど ながら つつ ものの ば, and at が and し after a
   predicate (a verb, adjective or auxiliary: だが, したが, であり…し).
2. Targets are found by their aliases (longest match). A relationship noun (関係, 協力,
   軍事協力 …) becomes a mention of the relationship target when the sentence names its
   parties, unless another target stands right before it; the parties named right before
   it (ロシアと北朝鮮の協力) are part of its name and are not candidates of their own.
3. Each target mention gets a grammatical relation from what follows it: its noun chain
   (nouns, suffixes, の + noun) ends in は/も (topic), が (subject), を (object), に/へ/に対する
   /にとって (dative), による/によって (agent_by), と (with; or coordination when another
   target follows: ロシアと北朝鮮は), or nothing (bare). A target whose chain runs into the
   evaluation is its genitive (北朝鮮の挑発) or, without の, its compound modifier (ウクライナ
   侵略). 対 right before a target (対ロ) makes it an object.
4. An evaluation attaches to the best-ranked target of its own clause (ranks below, nearest
   first on ties), and to every target coordinated with it. A holder word (脅威, 友好)
   prefers its genitive, then the topic or subject, then an object, then any other; it is
   never about a dative (日本にとって脅威). An act (侵略, 挑発: ``agent``) is about its doer
   (genitive, による, subject, topic); a target it is done to (object, dative, compound
   modifier) is its **victim**: recorded, never counted. A judgement (非難, 称賛:
   ``patient``) is about its object or dative, never about the one who judges. A harm (犠牲:
   ``harm``) is only about a cause named with による; whoever suffers it is a victim. In the
   passive (れる/られる after the term) subject and topic become the one acted upon.
5. A clause without a candidate takes the topic (は/も) of an earlier clause of the same
   sentence, for holder and agent words (ロシアは、北朝鮮を挑発した).
6. An evaluation inside a target's own name (友好関係 as a relationship noun, 米帝) is about
   that target.
7. Negation within the clause (hits.is_negated) **neutralises**: the row is kept, flagged
   and not counted (脅威ではない is not praise, 違反することなく is not compliance).
8. Inside quotation marks the evaluation is the quoted speaker's (voice ``quoted``):
   reported, never counted as the author's.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from itertools import compress
from typing import NamedTuple

from pipeline.analyze.hits import CLAUSE_BREAKS, CONTEXT_CHARS, is_negated, match_sentence, matcher
from pipeline.analyze.lexicons import Entry
from pipeline.analyze.stance_lexicon import StanceLexicon
from pipeline.analyze.tokens import TokenColumns
from pipeline.ingest.clean import CleanText

STANCE_BREAKS = CLAUSE_BREAKS | {"」", "』", "”"}
CONJUNCTIVE = frozenset(
    {"ので", "のに", "けれど", "けれども", "けど", "ながら", "つつ", "ものの", "ば"}
)
PREDICATE_POS = frozenset({"動詞", "助動詞", "形容詞"})
_CONJUNCTION_LEMMAS = CONJUNCTIVE | {"が", "し"}
CHAIN_POS = frozenset({"名詞", "接尾辞", "形状詞", "接頭辞"})
PASSIVE = frozenset({"れる", "られる"})
# Last kana of a predicate in the attributive (or plain) form, which can head a relative
# clause (深める, 続いた, ない); a continuative form (長期化し, 続け) cannot.
ATTRIBUTIVE_ENDINGS = frozenset("るただいうぬ")
PASSIVE_WINDOW = 4
# Verbs that take back the act they govern (違反を自制する, 孤立を打開する): they neutralise an
# evaluation as a negator does, when they follow it within its clause.
REVERSERS = frozenset(
    {
        "自制",
        "控える",
        "避ける",
        "回避",
        "防ぐ",
        "阻止",
        "否定",
        "否認",
        "打開",
        "脱却",
        "克服",
        "和らげる",
        "解消",
        "脱する",
        "撤回",
        "抑止",
        "免れる",
    }
)
REVERSE_WINDOW = 10
# A question particle after the predicate (発展するかどうか, 脅威か) asserts nothing.
# Reported speech without quotation marks: と + a verb of saying after the evaluation, a
# speech-act verb taking it as object (連帯を表明), or a source named with によると/によれば.
SPEECH = frozenset(
    {
        "述べる",
        "語る",
        "話す",
        "強調",
        "主張",
        "指摘",
        "表明",
        "発表",
        "説明",
        "訴える",
        "報ずる",
        "報じる",
        "伝える",
        "明かす",
        "明らか",
        "書く",
        "宣言",
        "声明",
        "答える",
        "断言",
        "明言",
        "力説",
        "分析",
        "呼ぶ",
        "見なす",
        "批判",
        "非難",
        "反発",
        "警告",
        "誇示",
        "表する",
    }
)
SPEECH_ACT = frozenset({"表明", "強調", "主張", "誇示", "表する", "訴える"})
# Ranks of the relations a target can have to an evaluation, by what the evaluation is about
# and whether it is passive: lower is preferred; a relation not listed is not a candidate.
_HOLDER = {
    "genitive": 0,
    "compound": 0,
    "agent_by": 0,
    "head": 0,
    "topic": 1,
    "subject": 1,
    "object": 2,
    "apposition": 1,
    "bare": 3,
    "with": 3,
    "source": 3,
}
RANKS: dict[tuple[str, bool], dict[str, int]] = {
    ("holder", False): _HOLDER,
    ("holder", True): _HOLDER,
    ("agent", False): {
        "genitive": 0,
        "agent_by": 0,
        "subject": 1,
        "apposition": 1,
        "head": 1,
        "topic": 2,
        "bare": 3,
    },
    ("agent", True): {"agent_by": 0, "genitive": 1},
    ("patient", False): {"object": 0, "compound": 0, "dative": 1},
    ("patient", True): {
        "subject": 0,
        "topic": 0,
        "head": 0,
        "object": 1,
        "compound": 1,
        "dative": 2,
    },
    ("harm", False): {"agent_by": 0},
    ("harm", True): {"agent_by": 0},
}
_ALL = {"genitive", "compound", "topic", "subject", "object", "dative", "bare", "head"}
VICTIMS: dict[tuple[str, bool], set[str]] = {
    ("agent", False): {"compound", "object", "dative"},
    ("agent", True): {"subject", "topic", "object", "compound", "dative", "head"},
    ("harm", False): _ALL,
    ("harm", True): _ALL,
}
# Roles of a target that an act is done to: never the evaluated party.
NOT_COUNTED = ("victim_", "recipient_")
# Relations that the topic of an earlier clause may stand in for.
CARRY = frozenset({"holder", "agent"})


class StanceHit(NamedTuple):
    """One evaluation attributed to one target: a row of ``stance_hits``."""

    target: str
    target_matched: str
    term: str
    polarity: int
    weight: float
    category: str
    about: str
    role: str
    counted: bool
    voice: str
    negated: bool
    sentence_id: int
    target_start: int
    target_end: int
    char_start: int
    char_end: int
    left: str
    right: str


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
LINKS = frozenset({"の", "と", "間", "・"})
# Modifiers that may follow the link (ロシアと北朝鮮の伝統的な友好関係, 露朝の軍事技術協力).
MODIFIER_POS = frozenset({"名詞", "形状詞", "接尾辞", "接頭辞"})
MAX_GAP = 5
BOTH = frozenset({"両国", "二国間", "両国間", "双方"})


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
    named here or in ``recent``.
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
        if kind == "mutual":
            ok = parties <= named | recent
        elif kind == "specific":
            ok = bool(parties & (named | recent))
        else:
            ok = parties <= named
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
                and not BOTH.intersection(lemmas[max(0, a - 2) : a])
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
        or (x == "だ" and k > b and pos[k - 1] in ("形状詞", "接尾辞"))
        for k, (x, p) in enumerate(zip(lemmas[b:a], pos[b:a], strict=True), start=b)
    )


def _roles(mentions: list[Mention], tokens: TokenColumns) -> None:
    """Each mention's relation to its clause (rule 3), set in place."""
    lemmas, pos, surfaces = tokens.lemmas, tokens.pos, tokens.surfaces
    n = len(lemmas)
    starts = {m.a: k for k, m in enumerate(mentions)}
    for k, m in enumerate(mentions):
        j = m.b
        role = ""
        while j < n and j not in starts:
            if pos[j] in CHAIN_POS:
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
            role = _particle_role(lemmas, pos, surfaces, j, starts, k, m)
        if m.a > 0 and lemmas[m.a - 1] == "対":
            role = "object"
        m.role = role or "bare"
    for k in range(len(mentions) - 1, -1, -1):
        m = mentions[k]
        if m.coord >= 0:
            m.role = mentions[m.coord].role


def _particle_role(
    lemmas: list[str],
    pos: list[str],
    surfaces: list[str],
    j: int,
    starts: dict[int, int],
    k: int,
    m: Mention,
) -> str:
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
        return "with" if lemma == "と" else "bare"
    if pos[j] != "助詞":
        return "bare"
    if lemma in ("は", "も"):
        return "topic"
    if lemma == "が":
        return "subject"
    if lemma == "を":
        return "object"
    if lemma == "に" and nxt == "因る":
        return "agent_by"
    if lemma == "に" and nxt == "於く":
        return "locative"
    if lemma == "から":
        return "source"
    if lemma in ("に", "へ"):
        return "dative"
    return "bare"


def _relation(mentions: list[Mention], k: int, a: int, tokens: TokenColumns) -> str:
    """How mention ``k`` relates to an evaluation starting at token ``a``: a target right
    after a predicate that follows the evaluation heads the relative clause it is in
    (孤立が続いた北朝鮮, 挑発を続ける北朝鮮)."""
    m = mentions[k]
    if (
        m.a > a
        and tokens.pos[m.a - 1] in PREDICATE_POS
        and tokens.surfaces[m.a - 1][-1:] in ATTRIBUTIVE_ENDINGS
    ):
        return "head"
    if m.b <= a < m.chain_end:
        return "genitive" if "の" in tokens.lemmas[m.b : a] else "compound"
    if m.possessed >= 0:
        owned = mentions[m.possessed]
        if owned.b <= a < owned.chain_end:
            return "genitive"
    return m.role


def _passive(tokens: TokenColumns, b: int, clauses: Clauses) -> bool:
    lemmas, pos = tokens.lemmas, tokens.pos
    for j in range(b, min(b + PASSIVE_WINDOW, clauses.end(b - 1) + 1, len(lemmas))):
        if lemmas[j] in PASSIVE and pos[j] == "助動詞":
            return True
    return False


def _group(mentions: list[Mention], k: int) -> list[int]:
    """Mention ``k`` and every mention coordinated with it."""
    group = {k}
    changed = True
    while changed:
        changed = False
        for i, m in enumerate(mentions):
            if m.coord >= 0 and (i in group) != (m.coord in group):
                group |= {i, m.coord}
                changed = True
    return sorted(group)


def attribute(
    mentions: list[Mention],
    a: int,
    b: int,
    about: str,
    clauses: Clauses,
    tokens: TokenColumns,
) -> list[tuple[int, str]]:
    """(mention index, role) pairs for an evaluation at tokens ``a:b`` (rules 4–6); roles of
    victims start with ``victim_``."""
    for k, m in enumerate(mentions):
        if m.a < b and a < m.b:
            return [(k, "in_name")]
    clause = clauses[a]
    topic = _sentence_topic(mentions)
    if topic < 0 and not any(m.clause == clause and not m.absorbed for m in mentions):
        return []
    passive = _passive(tokens, b, clauses)
    ranks = RANKS[(about, passive)]
    victims = VICTIMS.get((about, passive), set())
    best: list[tuple[int, int, int]] = []
    hurt: list[tuple[int, str]] = []
    for k, m in enumerate(mentions):
        if m.absorbed or m.clause != clause:
            continue
        rel = _relation(mentions, k, a, tokens)
        if rel == "bare" and about == "agent" and m.a > a:
            continue  # a doer named after the act is a relative clause's head: its own role
        if rel in ranks:
            best.append((ranks[rel], abs(m.a - a), k))
        elif rel in victims:
            hurt.append((k, f"victim_{rel}"))
    if best:
        _, _, k = min(best)
        rel = _relation(mentions, k, a, tokens)
        return [(i, rel) for i in _group(mentions, k)] + hurt
    if about in CARRY and not passive and topic >= 0 and mentions[topic].clause < clause:
        return [(i, "carried_topic") for i in _group(mentions, topic)] + hurt
    return hurt


def _sentence_topic(mentions: list[Mention]) -> int:
    """The mention marked as topic in the first clause that names a target, or -1: a topic
    further on belongs to an embedded clause (…中国は…という推測)."""
    live = [k for k, m in enumerate(mentions) if not m.absorbed]
    if not live:
        return -1
    first_clause = mentions[live[0]].clause
    return next(
        (k for k in live if mentions[k].clause == first_clause and mentions[k].role == "topic"),
        -1,
    )


def reversed_by_verb(tokens: TokenColumns, b: int, clauses: Clauses) -> bool:
    """Whether a verb that takes back the act (自制, 打開, 克服 …) or a question particle
    follows in the clause."""
    lemmas, pos = tokens.lemmas, tokens.pos
    for j in range(b, min(b + REVERSE_WINDOW, clauses.end(b - 1) + 1, len(lemmas))):
        if lemmas[j] in REVERSERS or (lemmas[j] == "か" and pos[j] == "助詞"):
            return True
    return False


def reported(tokens: TokenColumns, a: int, b: int) -> bool:
    """Whether the evaluation at ``a:b`` is reported speech without quotation marks."""
    lemmas, pos = tokens.lemmas, tokens.pos
    n = len(lemmas)
    for j in range(1, a):
        if (
            lemmas[j] == "因る"
            and lemmas[j - 1] == "に"
            and j + 1 < n
            and lemmas[j + 1] in ("と", "ば")
        ):
            return True
    if b + 1 < n and lemmas[b] == "を" and lemmas[b + 1] in SPEECH_ACT:
        return True
    for j in range(b, n - 1):
        if lemmas[j] == "と" and pos[j] == "助詞":
            follow = lemmas[j + 1 : j + 3]
            if follow and follow[0] == "の":
                follow = follow[1:]
            if follow and follow[0] in SPEECH:
                return True
    return False


def find_stance(
    clean: CleanText,
    sentences: list[TokenColumns],
    stance: StanceLexicon,
    matches: list[list[tuple[int, Entry, int, int]]] | None = None,
    offset: int = 0,
) -> tuple[list[StanceHit], dict[str, int]]:
    """Evidence rows of one article, and how often it names each target.

    ``matches``: per sentence, what match_sentence gave for a matcher in which the stance
    lexicons come at position ``offset`` (earlier lexicons' matches are ignored), so that one
    pass over the text serves frames and stance.
    """
    text = clean.text
    m = matcher(stance.lexicons()) if matches is None else None
    hits: list[StanceHit] = []
    counts: dict[str, int] = {}
    history: list[set[str]] = [set(), set()]
    owners = stance.owners
    for sid, tokens in enumerate(sentences):
        if matches is None:
            if "空白" in tokens.pos:
                tokens = tokens.without("空白")
            assert m is not None  # built above whenever matches is None
            found = match_sentence(tokens.lemmas, m)
        else:
            found = matches[sid]  # of the sentences as given: the caller removed white space
        named: set[str] = set()
        if not found:
            history.append(named)
            continue
        targets: list[tuple[int, Entry, int, int]] = []
        relations: list[tuple[int, Entry, int, int]] = []
        evaluations: list[tuple[int, Entry, int, int]] = []
        groups = (targets, relations, evaluations)
        for x in found:
            if x[0] >= offset:
                groups[x[0] - offset].append(x)
        for x in targets:
            for t in owners[id(x[1])]:
                named.add(t)
                counts[t] = counts.get(t, 0) + 1
        history.append(named)
        if not evaluations and not relations:  # only names, counted above
            continue
        recent = history[-2] | history[-3] if relations else named
        if not named and not any(x[1].category != "general" for x in relations):
            continue
        mentions = _mentions(targets, relations, stance, tokens, named, recent)
        if len(mentions) > len(targets):  # relationship nouns that became mentions
            tie = stance.relation_target
            counts[tie] = counts.get(tie, 0) + len(mentions) - len(targets)
        if not evaluations or not mentions:
            continue
        _roles(mentions, tokens)
        lo = min(mentions[0].a, evaluations[0][2])
        hi = max(mentions[-1].b, evaluations[-1][3]) + REVERSE_WINDOW
        clauses = clause_ids(tokens, mentions, lo, hi)
        for mention in mentions:
            mention.clause = clauses[mention.a]
        for _, entry, a, b in evaluations:
            about = stance.about[entry.term]
            pairs = attribute(mentions, a, b, about, clauses, tokens)
            if not pairs:
                continue
            start, end = tokens.starts[a], tokens.ends[b - 1]
            voice = (
                "quoted"
                if clean.in_quote(start)
                else "reported"
                if reported(tokens, a, b)
                else "author"
            )
            negated = is_negated(tokens, b) or reversed_by_verb(tokens, b, clauses)
            left = text[max(0, start - CONTEXT_CHARS) : start].replace("\n", " ")
            right = text[end : end + CONTEXT_CHARS].replace("\n", " ")
            for k, role in pairs:
                mention = mentions[k]
                t_start, t_end = tokens.starts[mention.a], tokens.ends[mention.b - 1]
                if role.startswith("victim_") and stance.polarity[entry.term] > 0:
                    role = "recipient_" + role[7:]  # done to it, but a favourable act
                counted = voice == "author" and not negated and not role.startswith(NOT_COUNTED)
                for target in mention.targets:
                    hits.append(
                        StanceHit(
                            target,
                            text[t_start:t_end],
                            entry.term,
                            stance.polarity[entry.term],
                            entry.weight,
                            entry.category,
                            about,
                            role,
                            counted,
                            voice,
                            negated,
                            sid,
                            t_start,
                            t_end,
                            start,
                            end,
                            left,
                            right,
                        )
                    )
    return hits, counts
