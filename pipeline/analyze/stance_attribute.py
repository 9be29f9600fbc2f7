"""Attach an evaluation to the target it is about: through the phrase structure of the
sentence (bunsetsu.py), then by the relation each linked target has to it (README, "Stance",
rules 4-6)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.analyze.bunsetsu import Parse
from pipeline.analyze.stance_mentions import (
    ATTRIBUTIVE_ENDINGS,
    PASSIVE,
    PASSIVE_WINDOW,
    PREDICATE_POS,
    Clauses,
    Mention,
)
from pipeline.analyze.stance_verbs import had, opposed
from pipeline.analyze.tokens import TokenColumns

# Ranks of the relations a target can have to an evaluation, by what the evaluation is about
# and whether it is passive: lower is preferred; a relation not listed is not a candidate.
_HOLDER = {
    "maker": 0,
    "genitive": 0,
    "compound": 0,
    "agent_by": 0,
    "head": 0,
    "topic": 1,
    "subject": 1,
    "object": 2,
    "apposition": 1,
    "bare": 3,
    "source": 3,
    "modified": 0,
    "origin": 1,
}
RANKS: dict[tuple[str, bool], dict[str, int]] = {
    ("holder", False): _HOLDER,
    ("holder", True): _HOLDER,
    ("relation", False): _HOLDER,
    ("relation", True): _HOLDER,
    ("agent", False): {
        "maker": 0,
        "modified": 1,
        "genitive": 0,
        "agent_by": 0,
        "subject": 1,
        "apposition": 1,
        "head": 1,
        "topic": 2,
        "bare": 3,
    },
    ("agent", True): {"agent_by": 0, "genitive": 1, "maker": 1},
    ("patient", False): {"object": 0, "compound": 0, "dative": 1},
    ("patient", True): {
        "subject": 0,
        "topic": 0,
        "head": 0,
        "object": 1,
        "compound": 1,
        "dative": 2,
    },
    ("harm", False): {"agent_by": 0, "source": 1},
    ("harm", True): {"agent_by": 0, "source": 1},
    ("mutual", False): {**_HOLDER, "with": 1},
    ("mutual", True): {**_HOLDER, "with": 1},
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
CARRY = frozenset({"holder", "agent", "mutual"})


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


CHAINING = frozenset({"adnominal", "coord", "linked"})
# Relations through which a co-argument of the evaluation's predicate is its target.
ARGUMENTS = frozenset({"topic", "subject", "object", "dative", "agent_by", "apposition"})


def link(p: Parse, m: Mention, a: int, b: int, tokens: TokenColumns) -> str:
    """How a mention stands to the evaluation at ``a:b`` in the phrase structure: in the
    same phrase, depending on it (its genitive, subject, object …), modified by it (英雄的な
    ロシア軍, 孤立を深めるロシア), the topic of the predicate noun it modifies, a co-argument
    of the predicate it depends on, or ''."""
    eb, mb = p.at(b - 1), p.at(m.b - 1)
    if eb == mb or p.at(a) == mb:
        return "same"
    x = _chain_top(p, mb, eb)
    if x < 0:
        return "dependent"
    modified = _modified_chain(p, eb, mb)
    if modified is None:
        return "modifies"
    y, noun = modified
    return _link_across(p, tokens, x, y, noun, eb)


def _chain_top(p: Parse, mb: int, eb: int) -> int:
    """Where the chain of modifiers from bunsetsu ``mb`` ends, or -1 when it reaches ``eb``."""
    x, conjunct = mb, True
    while True:
        if p.heads[x] == eb:
            return -1
        kind = p.kinds[x]
        if kind not in CHAINING or p.heads[x] < 0 or (kind == "coord" and not conjunct):
            return x
        conjunct = conjunct and kind == "coord"
        x = p.heads[x]


def _modified_chain(p: Parse, eb: int, mb: int) -> tuple[int, int] | None:
    """Where the chain of what ``eb`` modifies ends and the first noun in it (-1 if none);
    None when it reaches bunsetsu ``mb``."""
    noun = -1
    y = eb
    while p.heads[y] >= 0:
        h = p.heads[y]
        if not (
            p.kinds[y] in CHAINING or (p.kinds[h] in ("adnominal", "linked") and p.predicate[h])
        ):
            break
        if h == mb and p.kinds[y] in CHAINING:
            return None
        if noun < 0 and p.kinds[y] in ("adnominal", "linked"):
            noun = h
        y = h
    return y, noun


def _link_across(p: Parse, tokens: TokenColumns, x: int, y: int, noun: int, eb: int) -> str:
    """The link between a mention's chain ending at ``x`` and the evaluation's ending at
    ``y``: through a source, a predicate noun, a nominalised topic, a shared head, or ''."""
    verb = p.heads[x]
    if (
        noun >= 0
        and verb >= 0
        and p.kinds[x] == "case"
        and p.kinds[verb] == "adnominal"
        and p.predicate[verb]
        and p.heads[verb] == noun
    ):
        return "source"  # 西側で流布された根拠のない推測: the speculation is the West's
    if y != eb and p.kinds[x] == "topic" and _predicate_noun(p, tokens, x, y):
        return "predicate"  # 接近は便宜的な関係である: said of the topic through its predicate noun
    t = _nominal_topic(p, tokens, x)
    if t >= 0 and p.heads[t] == eb and p.kinds[eb] == "predicate":
        return "dependent"  # 朝鮮が…強化するのは正当だ: the subject of the nominalised topic
    if t >= 0 and y != eb and _predicate_noun(p, tokens, t, y):
        return "predicate"  # 朝鮮が…強化するのは当然の権利である
    if p.kinds[y] != "quote" and p.heads[x] >= 0 and p.heads[x] == p.heads[y]:
        return "sibling" if y == eb else "sibling_far"
    return ""


# Verbs whose subject makes, leads or carries out what they modify (米国が主導する制裁,
# 西側がつくり出した騒ぎ): an evaluation of that thing is about its maker. Verbs of saying,
# judging or helping are not among them (米国が指摘する結束, 米国が支援する政府).
MAKING = frozenset(
    {
        "主導", "率いる", "推進", "進める", "実施", "行う", "強行", "仕掛ける", "課す", "科す",
        "発動", "作る", "作り出す", "作り上げる", "捏ち上げる", "捏造", "展開", "主催", "組織",
        "構築", "企てる", "企む", "画策", "引き起こす", "招く", "広める", "流布", "拡散", "強いる",
        "押し付ける", "繰り返す", "続ける", "開発", "発射", "配備", "強化",
    }
)  # fmt: skip


def _made(tokens: TokenColumns, p: Parse, mb: int) -> int:
    """The noun bunsetsu that the subject at ``mb`` makes through a relative clause (Xが
    主導する制裁: 制裁), or -1."""
    verb = p.heads[mb]
    if p.kinds[mb] != "case" or verb < 0 or tokens.lemmas[p.ends[mb] - 1] != "が":
        return -1
    if p.kinds[verb] != "adnominal" or not p.predicate[verb] or p.heads[verb] < 0:
        return -1
    if _first_content(tokens, p, verb) not in MAKING:
        return -1
    return p.heads[verb]


def _particle(tokens: TokenColumns, p: Parse, k: int) -> str:
    """The relation that the particle closing bunsetsu ``k`` marks (topic, subject, object)."""
    end = p.ends[k]
    while end > p.starts[k] + 1 and tokens.pos[end - 1] == "補助記号":
        end -= 1
    return {"は": "topic", "も": "topic", "が": "subject", "を": "object"}.get(
        tokens.lemmas[end - 1], ""
    )


def _first_content(tokens: TokenColumns, p: Parse, k: int) -> str:
    for t in range(p.starts[k], p.ends[k]):
        if tokens.pos[t] in ("名詞", "動詞"):
            return tokens.lemmas[t]
    return ""


# Nouns through which a quality is the subject's own (防衛的な性格を持つ).
PROPERTY = frozenset({"性格", "性質", "側面", "特徴", "本質", "意味", "傾向", "色彩", "意図"})


def _nominal_topic(p: Parse, tokens: TokenColumns, x: int) -> int:
    """The topic bunsetsu whose nominalised clause (…するのは) has ``x`` as its subject (Xが),
    or -1: what is said of that topic is said of what X does."""
    h = p.heads[x]
    if p.kinds[x] != "case" or h < 0 or p.kinds[h] != "topic":
        return -1
    if tokens.lemmas[p.ends[x] - 1] != "が":
        return -1
    end = p.ends[h]
    while end > p.starts[h] and tokens.pos[end - 1] == "補助記号":
        end -= 1
    tail = tokens.lemmas[max(p.starts[h], end - 2) : end]
    return h if tail == ["の", "は"] and tokens.pos[end - 2] == "助詞" else -1


def _far_sibling(tokens: TokenColumns, p: Parse, a: int, b: int, about: str, rel: str) -> bool:
    """Whether an evaluation that modifies the object of the target's predicate is the
    target's: an act it commits (制裁逃れの網を広げる) or a quality it has (防衛的な性格を持つ)."""
    if rel not in ("topic", "subject", "agent_by"):
        return False
    y = p.at(b - 1)
    while p.kinds[y] in CHAINING and p.heads[y] >= 0:
        y = p.heads[y]
    if tokens.lemmas[p.ends[y] - 1] != "を":
        return False
    if about == "agent":
        return True
    if about != "holder":
        return False
    made = p.heads[y] >= 0 and _first_content(tokens, p, p.heads[y]) in MAKING
    return made or tokens.lemmas[p.starts[y]] in PROPERTY  # 不当な措置を続ける


def _conjunct_genitive(lemmas: list[str], m: Mention, a: int) -> bool:
    """Whether the mention is the first conjunct of a genitive (ロシア軍と人民の正義)."""
    between = lemmas[m.chain_end : a]
    return between[1:2] != ["の"] and "の" in between and between.count("と") == 1


def _owned(tokens: TokenColumns, p: Parse, b: int) -> bool:
    """Whether the evaluation's phrase has a genitive of its own (加盟の合法性)."""
    eb = p.at(b - 1)
    if tokens.lemmas[p.ends[eb] - 1] not in ("を", "が"):
        return False
    return any(
        p.heads[k] == eb and p.kinds[k] == "adnominal" and _possessor(tokens, p, k)
        for k in range(max(0, eb - 3), eb)
    )


def _own_head(tokens: TokenColumns, p: Parse, eb: int) -> bool:
    """Whether the evaluation's phrase modifies a noun or has a modifier of its own (一方的な
    路線, 加盟の合法性): then it is about that noun, and no topic stands in for it."""
    if p.kinds[eb] in CHAINING:
        return True
    h = p.heads[eb]
    if h >= 0 and p.kinds[h] in ("adnominal", "linked") and p.predicate[h]:
        return True
    return any(
        p.heads[k] == eb and p.kinds[k] == "adnominal" and _possessor(tokens, p, k)
        for k in range(max(0, eb - 3), eb)
    )


# Possessors that point back to the topic (自らの違反, 自国の安全): no noun of their own.
REFLEXIVE = frozenset({"自ら", "自国", "自身", "其の", "同国", "自分"})


def _possessor(tokens: TokenColumns, p: Parse, k: int) -> bool:
    """Whether bunsetsu ``k`` is a plain genitive (Xの, not Xへの or 自らの)."""
    lemmas = tokens.lemmas
    a, end = p.starts[k], p.ends[k]
    while end > a + 1 and tokens.pos[end - 1] == "補助記号":
        end -= 1
    if end - a < 2 or lemmas[end - 1] != "の" or tokens.pos[end - 2] == "助詞":
        return False
    return lemmas[a] not in REFLEXIVE


def _predicate_noun(p: Parse, tokens: TokenColumns, x: int, y: int) -> bool:
    """Whether bunsetsu ``y`` is the noun predicated of topic ``x`` (Yだ, Yである, Yではある)."""
    if p.heads[x] == y and p.kinds[y] in ("predicate", "clause"):
        return True
    if _copular_clause(p, tokens, x, y):
        return True
    tail = tokens.lemmas[max(p.starts[y], p.ends[y] - 2) : p.ends[y]]
    if tail[-1:] == ["、"]:
        tail = tokens.lemmas[max(p.starts[y], p.ends[y] - 3) : p.ends[y] - 1]
    h = p.heads[y]
    copula = tail in (["だ", "は"], ["だ", "も"], ["で", "は"], ["で", "も"]) and h >= 0
    if copula and p.heads[x] == h and tokens.lemmas[p.starts[h]] in ("有る", "無い"):
        return True
    # Yにとどまる, Yに過ぎない: the topic is no more than Y
    return (
        tail[-1:] == ["に"]
        and h >= 0
        and p.heads[x] == h
        and _first_content(tokens, p, h) in LIMITING
    )


HAD = frozenset({"holder", "relation"})
# Judgements a phrase says someone draws (反発を招く, 非難を浴びる): their genitive is the judge.
JUDGEMENTS = frozenset({"反発", "非難", "批判", "懸念", "反感", "怒り"})
LIMITING = frozenset({"留まる", "過ぎる"})


def _copular_clause(p: Parse, tokens: TokenColumns, x: int, y: int) -> bool:
    """Whether ``y`` is a noun clause (Yであり、 Yで、) that the topic ``x`` governs with a later
    predicate (派兵は違法な行為であり、正当化できない): the topic is the subject of both."""
    if p.kinds[y] != "clause" or not x < y < p.heads[x]:
        return False
    end = p.ends[y]
    while end > p.starts[y] and tokens.pos[end - 1] == "補助記号":
        end -= 1
    tail, last = tokens.lemmas[p.starts[y] : end][-2:], tokens.surfaces[end - 1]
    if tail != ["だ", "有る"] and not (tail[-1:] == ["だ"] and last == "で"):
        return False
    h = y
    while h >= 0 and h != p.heads[x] and p.kinds[h] == "clause":
        h = p.heads[h]
    return h == p.heads[x]


def _own_topic(p: Parse, tokens: TokenColumns, mb: int, eb: int) -> bool:
    """Whether a later topic (Yは) than the mention's, in a clause of its own, governs ``eb``
    (ワシントンは…と呼ぶが、危険なのは同盟の拡大だ): the earlier topic is not carried there."""
    return any(
        p.kinds[t] == "topic"
        and tokens.lemmas[p.starts[t]] not in REFLEXIVE
        and (t == eb or (p.heads[t] >= 0 and p.dominates(p.heads[t], eb)))
        and not p.dominates(t, mb)
        for t in range(mb + 1, eb + 1)
    )


def _scope(p: Parse, m: Mention, eb: int) -> bool:
    """Whether a topic mention's predicate, or a clause it continues into, holds ``eb``."""
    k = p.at(m.b - 1)
    while p.kinds[k] in CHAINING and p.heads[k] >= 0:
        k = p.heads[k]
    if p.kinds[k] != "topic":
        return False
    verb = p.heads[k]
    while verb >= 0:
        if p.dominates(verb, eb):
            return True
        if p.kinds[verb] != "clause":
            return False
        verb = p.heads[verb]
    return False


def _partners(
    mentions: list[Mention],
    best: list[tuple[int, int, int, int, str, str]],
    chosen: list[tuple[int, str, str]],
) -> list[tuple[int, str, str]]:
    """The other party of a mutual act: the one it is done with (米国と結託して: 米国 colludes
    too), or the doer when the partner came first."""
    taken = {k for k, _, _ in chosen}
    partner = "subject" if chosen[0][1] == "with" else "with"
    out: list[tuple[int, str, str]] = []
    for *_, k, rel, how in sorted(best):
        if k not in taken and (rel == partner or (partner == "subject" and rel == "topic")):
            group = [i for i in _group(mentions, k) if i not in taken]
            out += [(i, rel, how) for i in group]
            taken |= set(group)
    return out


def _owns_subject(tokens: TokenColumns, p: Parse, mb: int, b: int) -> bool:
    """Whether phrase ``mb`` is the genitive of the subject of the passive evaluation ending
    at ``b`` (ロシアの懸念は無視された: the owner of what is done to suffers it), not of the act
    itself (北朝鮮の挑発が繰り返された)."""
    h, eb = p.heads[mb], p.at(b - 1)
    for _ in range(4):  # across the adnominals between (ロシアの安全保障上の正当な懸念は)
        if h < 0 or h == eb or p.heads[h] == eb:
            break
        h = p.heads[h]
    return (
        0 <= h != eb
        and p.heads[h] == eb
        and tokens.lemmas[p.ends[h] - 1] in ("は", "が", "も")
        and tokens.pos[p.ends[h] - 1] == "助詞"
    )


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence as attribution reads it: its tokens, clauses and phrase structure."""

    tokens: TokenColumns
    clauses: Clauses
    parse: Parse


@dataclass(frozen=True, slots=True)
class _Evaluation:
    """An evaluation at tokens ``a:b`` of ``sentence``, said of ``about``."""

    a: int
    b: int
    about: str
    passive: bool
    sentence: Sentence


def attribute(
    mentions: list[Mention],
    a: int,
    b: int,
    about: str,
    sentence: Sentence,
    exclude: tuple[int, int] = (-1, -1),
) -> list[tuple[int, str, str]]:
    """(mention index, role, link) for an evaluation at tokens ``a:b`` (rules 4–6); roles of
    victims start with ``victim_``. Only mentions linked to it in the phrase structure are
    candidates; ``exclude`` is (the speaker's bunsetsu, the quotation holding the
    evaluation): the speaker is never the target, and a quoted evaluation stays inside."""
    for k, m in enumerate(mentions):
        if m.a < b and a < m.b:  # a harm named with its victim (ロシア嫌悪) spares it
            return [(k, "victim_in_name" if about == "harm" else "in_name", "same")]
    parse = sentence.parse
    speaker, inside = exclude
    if about == "holder" and parse.kinds[parse.at(b - 1)] == "adverb":
        about = "agent"  # 一方的に併合した: a manner qualifies the act, hence its doer
    ev = _Evaluation(a, b, about, _passive(sentence.tokens, b, sentence.clauses), sentence)
    best: list[tuple[int, int, int, int, str, str]] = []
    hurt: list[tuple[int, str, str]] = []
    live: list[int] = []
    for k, m in enumerate(mentions):
        mb = parse.at(m.b - 1)
        if m.absorbed or mb == speaker or (inside >= 0 and not parse.dominates(inside, mb)):
            continue
        live.append(k)
        _candidate(ev, mentions, k, best, hurt)
    return _choose(ev, mentions, best, hurt, live)


def _candidate(
    ev: _Evaluation,
    mentions: list[Mention],
    k: int,
    best: list[tuple[int, int, int, int, str, str]],
    hurt: list[tuple[int, str, str]],
) -> None:
    """Rank mention ``k`` as a target of the evaluation (into ``best``) or as its victim
    (into ``hurt``), when the phrase structure links them."""
    tokens, parse = ev.sentence.tokens, ev.sentence.parse
    a, b, about, passive = ev.a, ev.b, ev.about, ev.passive
    m = mentions[k]
    mb = parse.at(m.b - 1)
    how = link(parse, m, a, b, tokens)
    made = _made(tokens, parse, mb) if not how else -1
    if made >= 0:
        how = link(
            parse, Mention(m.targets, parse.starts[made], parse.starts[made] + 1), a, b, tokens
        )
    if not how:
        return
    rel = _linked_relation(ev, mentions, k, how, made)
    if rel == "dative" and how == "sibling" and about in HAD and had(tokens, parse, b):
        rel = "topic"  # 露朝協力には限界がある
    if rel == "genitive" and b - a > 2 and tokens.lemmas[a] in JUDGEMENTS:
        return  # 中国の反発を招く: the genitive is the one who reacts
    if rel in ("head", "topic", "subject") and opposed(tokens, parse, b):
        return  # 強権に反対する闘争で鍛えられた友誼: the opponent is not what it opposes
    if passive and about == "agent" and rel == "genitive" and _owns_subject(tokens, parse, mb, b):
        hurt.append((k, "victim_genitive", how))
        return
    if rel == "bare" and about == "agent" and m.a > a:
        return
    own = _particle(tokens, parse, made) if made >= 0 else rel
    if how == "sibling" and (own not in ARGUMENTS or _owned(tokens, parse, b)):
        return
    if how == "sibling_far" and not _far_sibling(tokens, parse, a, b, about, rel):
        return
    ranks = RANKS[(about, passive)]
    if rel in ranks:
        far = 2 if how == "sibling_far" else int(how == "sibling")
        best.append((ranks[rel], far, abs(m.a - a), k, rel, how))
    elif rel in VICTIMS.get((about, passive), set()):
        hurt.append((k, f"victim_{rel}", how))


def _linked_relation(ev: _Evaluation, mentions: list[Mention], k: int, how: str, made: int) -> str:
    """The relation of mention ``k``, linked to the evaluation by ``how``, to its predicate."""
    tokens, parse = ev.sentence.tokens, ev.sentence.parse
    m = mentions[k]
    mb = parse.at(m.b - 1)
    if made >= 0:
        rel = "maker"
    elif how == "source":
        rel = "origin"
    else:
        rel = _relation(mentions, k, ev.a, tokens)
    if rel == "bare" and how == "dependent" and _possessor(tokens, parse, mb):
        rel = "genitive"  # 北朝鮮の度重なる挑発: a genitive across a relative clause
    if rel == "with" and how == "dependent" and _conjunct_genitive(tokens.lemmas, m, ev.a):
        rel = "genitive"  # ロシア軍と人民の正義: a conjunct of the genitive
    if how == "modifies" and rel != "head":
        rel = "modified"
    return rel


def _choose(
    ev: _Evaluation,
    mentions: list[Mention],
    best: list[tuple[int, int, int, int, str, str]],
    hurt: list[tuple[int, str, str]],
    live: list[int],
) -> list[tuple[int, str, str]]:
    """The best-ranked target (with its group and partners) and the victims; without one, a
    topic whose scope carries to the evaluation."""
    tokens, parse, about = ev.sentence.tokens, ev.sentence.parse, ev.about
    if about == "agent" and any(x[4] == "agent_by" for x in best):
        hurt += [(x[3], "victim_genitive", x[5]) for x in best if x[4] == "genitive"]
        best = [x for x in best if x[4] != "genitive"]
    if best:
        *_, k, rel, how = min(best)
        out = [(i, rel, how) for i in _group(mentions, k)]
        if about == "mutual":
            out += _partners(mentions, best, out)
        return out + hurt
    eb = parse.at(ev.b - 1)
    if about in CARRY and not ev.passive and not _own_head(tokens, parse, eb):
        for k in live:
            if (
                mentions[k].a < ev.a
                and mentions[k].role == "topic"
                and _scope(parse, mentions[k], eb)
                and not _own_topic(parse, tokens, parse.at(mentions[k].b - 1), eb)
            ):
                return [(i, "carried_topic", "scope") for i in _group(mentions, k)] + hurt
    return hurt
