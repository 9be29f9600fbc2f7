"""Attribute evaluations to targets through phrase structure: the evidence behind every
stance score (README.md, "Stance"; docs/stance-codebook.md).

1. Targets are found by their aliases (longest match; common words and titles only in
   their context: stance_names.py). Relationship nouns become mentions of the relationship
   target when the sentence (or, for 両国, the sentences before) names its parties
   (stance_mentions.py); each mention gets a relation from the particles after its noun chain
   (topic, subject, object, dative, agent_by, genitive, compound …).
2. Only a sentence that names a target and holds an evaluation is parsed (bunsetsu.py): a
   light dependency parse, each phrase depending on a later one.
3. An evaluation reaches the targets linked to it in that parse (stance_attribute.py): same
   phrase, dependent, modified, topic of its predicate noun, co-argument, or the topic whose
   clauses hold it; among them its relation and kind decide (a quality, an act and its
   victim, a judgement, a harm).
4. Its voice (voice.py): the author's, quoted, reported (a reporting verb owns its whole
   complement; its speaker is never the target) or distanced.
5. Negation, reversal, hedges and に過ぎない neutralise it (stance_negation.py); affirming
   idioms do not. A neutralised or non-author row is kept and not counted.
6. A sentence repeating an earlier one of the article is counted once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

from pipeline.analyze.bunsetsu import Parse, parse
from pipeline.analyze.hits import CONTEXT_CHARS, match_sentence, matcher
from pipeline.analyze.lexicons import Entry
from pipeline.analyze.stance_attribute import NOT_COUNTED, Sentence, _passive, attribute
from pipeline.analyze.stance_lexicon import StanceLexicon
from pipeline.analyze.stance_mentions import (
    BOTH,
    POINTERS,
    Mention,
    _mentions,
    _roles,
    clause_ids,
    pointing_back,
)
from pipeline.analyze.stance_names import (
    GOVERNMENT_REACH,
    Match,
    after_dateline,
    bare_governments,
    government_named,
    guard_targets,
    reports_speech,
    sentence_anaphor,
)
from pipeline.analyze.stance_negation import REVERSE_WINDOW, neutralised, unrealised
from pipeline.analyze.tokens import TokenColumns
from pipeline.analyze.voice import phrase, voice_of
from pipeline.ingest.clean import CleanText

__all__ = ["StanceHit", "clause_ids", "find_stance"]


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
    attached: str
    speaker: str


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
    pass over the text serves frames and stance. A sentence whose text repeats an earlier
    one of the article (a headline repeated as the lead, a caption) is counted once.
    """
    m = matcher(stance.lexicons()) if matches is None else None
    hits: list[StanceHit] = []
    counts: dict[str, int] = {}
    history: list[set[str]] = [set(), set()]
    seen: set[str] = set()
    owners = stance.owners
    government: tuple[int, Match] | None = None  # the sentence and match last naming one
    before: tuple[list[Match], bool] = ([], False)  # the sentence before: targets, said
    for sid, tokens in enumerate(sentences):
        if matches is None:
            if "空白" in tokens.pos:
                tokens = tokens.without("空白")
            assert m is not None  # built above whenever matches is None
            found = match_sentence(tokens.lemmas, m)
        else:
            found = matches[sid]  # of the sentences as given: the caller removed white space
        if any(x[0] == offset for x in found) and (
            _ADVERB_POS.intersection(tokens.pos) or _ADVERBIAL_NOUNS.intersection(tokens.lemmas)
        ):
            found = _with_split(found, _across_adverbs(tokens, stance, offset + 2))
        named: set[str] = set()
        current: list[Match] = []
        if found and not _repeated(tokens, seen):
            targets, relations, evaluations = _split_groups(found, offset)
            targets = guard_targets(targets, tokens, stance)
            if not any(x[2] <= 1 for x in relations + targets):  # この協力: the tie's own
                targets += sentence_anaphor(tokens, *before)
            targets, government = _with_government(targets, tokens, sid, government)
            current = targets
            for x in targets:
                for t in owners[id(x[1])]:
                    named.add(t)
                    counts[t] = counts.get(t, 0) + 1
            if evaluations or relations:
                recent = history[-1] | history[-2] if relations else named
                matched = _Matched(targets, relations, evaluations, named, recent)
                hits += _sentence(clean, tokens, sid, stance, matched, counts)
        history.append(named)
        before = (after_dateline(tokens, current), reports_speech(tokens))
    return hits, counts


def _split_groups(
    found: list[tuple[int, Entry, int, int]], offset: int
) -> tuple[list[tuple[int, Entry, int, int]], ...]:
    """The matches of the stance lexicons at ``offset``: targets, relations, evaluations."""
    groups: tuple[list[tuple[int, Entry, int, int]], ...] = ([], [], [])
    for x in found:
        if x[0] >= offset:
            groups[x[0] - offset].append(x)
    return groups


def _with_government(
    targets: list[tuple[int, Entry, int, int]],
    tokens: TokenColumns,
    sid: int,
    government: tuple[int, Match] | None,
) -> tuple[list[tuple[int, Entry, int, int]], tuple[int, Match] | None]:
    """The targets with bare mentions of the government last named (within reach) added, and
    the sentence and match that last name one after this sentence."""
    named_here = government_named(targets, tokens)
    if government is not None and sid - government[0] <= GOVERNMENT_REACH:
        bare = bare_governments(targets, tokens, government[1])
        if bare:
            targets = sorted(targets + bare, key=lambda x: x[2])
            government = (sid, government[1])
    if named_here is not None:
        government = (sid, named_here)
    return targets, government


@dataclass(frozen=True, slots=True)
class _Matched:
    """One sentence's stance matches, the targets it names and those named just before."""

    targets: list[tuple[int, Entry, int, int]]
    relations: list[tuple[int, Entry, int, int]]
    evaluations: list[tuple[int, Entry, int, int]]
    named: set[str]
    recent: set[str]


_ADVERB_POS = frozenset({"副詞", "形状詞"})
# Nouns UniDic tags as nouns that stand as adverbs before a verb (扉を自ら閉ざす).
_ADVERBIAL_NOUNS = frozenset({"自ら", "事実上", "再度", "一斉"})


def _across_adverbs(
    tokens: TokenColumns, stance: StanceLexicon, frame: int
) -> list[tuple[int, Entry, int, int]]:
    """Evaluations that an adverb splits after their object's particle (制裁を公然と破る,
    国際法を平然と無視, 国際法に完全に合致): matched with the adverb (and its と or に) left
    out, as frame ``frame``."""
    lemmas, pos = tokens.lemmas, tokens.pos
    keep = list(range(len(lemmas)))
    for j in range(1, len(lemmas) - 1):
        if lemmas[j - 1] not in ("を", "に") or pos[j - 1] != "助詞":
            continue
        if pos[j] in _ADVERB_POS or lemmas[j] in _ADVERBIAL_NOUNS:
            k = j + 1 if _adverbial(tokens, j + 1) else j
            if (
                k > j or pos[j] == "副詞" or lemmas[j] in _ADVERBIAL_NOUNS
            ):  # 公然と, 完全に, 次々と, また; not 重要な
                keep = [i for i in keep if not j <= i <= k]
    if len(keep) == len(lemmas):
        return []
    m = matcher([stance.evaluations])
    out = []
    for _, entry, a, b in match_sentence([lemmas[i] for i in keep], m):
        start, end = keep[a], keep[b - 1] + 1
        if end - start > b - a:  # it spans a left-out adverb
            out.append((frame, entry, start, end))
    return out


def _adverbial(tokens: TokenColumns, i: int) -> bool:
    """Whether token ``i`` makes the word before it an adverb: と (公然と) or the copula's
    に (完全に, 明白に)."""
    lemma, surface = tokens.lemmas[i], tokens.surfaces[i]
    return (lemma == "と" and tokens.pos[i] == "助詞") or (surface == "に" and lemma == "だ")


def _with_split(
    found: list[tuple[int, Entry, int, int]], split: list[tuple[int, Entry, int, int]]
) -> list[tuple[int, Entry, int, int]]:
    """The matches with the split evaluations added; an evaluation inside one (無視 in 国際法を
    平然と無視) gives way to it, as the longer match."""
    if not split:
        return found
    frame = split[0][0]
    kept = [
        x for x in found if x[0] != frame or not any(a < x[3] and x[2] < b for _, _, a, b in split)
    ]
    return sorted(kept + split, key=lambda x: (x[2], x[0]))


def _repeated(tokens: TokenColumns, seen: set[str]) -> bool:
    """Whether this sentence's text (of five tokens or more) was seen before; records it."""
    if len(tokens.surfaces) < 5:
        return False
    key = "".join(tokens.surfaces).rstrip("。．.!?！？")
    if key in seen:
        return True
    seen.add(key)
    return False


def _sentence(
    clean: CleanText,
    tokens: TokenColumns,
    sid: int,
    stance: StanceLexicon,
    matched: _Matched,
    counts: dict[str, int],
) -> list[StanceHit]:
    """The evidence rows of one sentence; counts relationship nouns that became mentions."""
    targets, relations, evaluations = matched.targets, matched.relations, matched.evaluations
    named, recent = matched.named, matched.recent
    general_only = not any(x[1].category != "general" for x in relations)
    if not named and general_only and not (BOTH | POINTERS).intersection(tokens.lemmas):
        return []
    mentions = _mentions(targets, relations, stance, tokens, named, recent)
    if len(mentions) > len(targets):
        tie = stance.relation_target
        counts[tie] = counts.get(tie, 0) + len(mentions) - len(targets)
    if not evaluations or not mentions:
        return []
    _roles(mentions, tokens)
    if "其の" in tokens.lemmas:
        mentions = pointing_back(mentions, tokens)
    lo = min(mentions[0].a, evaluations[0][2])
    hi = max(mentions[-1].b, evaluations[-1][3]) + REVERSE_WINDOW
    clauses = clause_ids(tokens, mentions, lo, hi)
    for mention in mentions:
        mention.clause = clauses[mention.a]
    structure = parse(tokens)
    sentence = Sentence(tokens, clauses, structure)
    out: list[StanceHit] = []
    for _, entry, a, b in evaluations:
        about = stance.about[entry.term]
        polarity = stance.polarity[entry.term]
        passive = _passive(tokens, b, clauses)
        span = (a, b, about)
        voice = voice_of(clean, tokens, structure, span, passive)
        exclude = (voice.speaker_at, voice.complement)
        pairs = _attribute_typed(mentions, span, sentence, exclude, stance)
        if not pairs:
            continue
        if about in ("agent", "holder", "mutual"):
            pairs += _actors(mentions, pairs, tokens, stance.relation_target)
            pairs += _acts(mentions, pairs, structure, stance.relation_target)
        negated = bool(
            neutralised(tokens, structure, a, b, clauses, polarity)
            or (about == "holder" and unrealised(tokens, b, clauses))
        )
        evaluated = phrase(tokens, structure, structure.at(b - 1))
        start, end = tokens.starts[a], tokens.ends[b - 1]
        left = clean.text[max(0, start - CONTEXT_CHARS) : start].replace("\n", " ")
        right = clean.text[end : end + CONTEXT_CHARS].replace("\n", " ")
        for mention, role, how in _pair_as_tie(mentions, pairs, about, stance):
            if role.startswith("victim_") and polarity > 0:
                role = "recipient_" + role[7:]  # done to it, but a favourable act
            counted = voice.voice == "author" and not negated and not role.startswith(NOT_COUNTED)
            t_start, t_end = tokens.starts[mention.a], tokens.ends[mention.b - 1]
            target_phrase = phrase(tokens, structure, structure.at(mention.b - 1))
            attached = f"{evaluated} {ARROWS[how]} {target_phrase}"
            for target in mention.targets:
                out.append(
                    StanceHit(
                        target, clean.text[t_start:t_end], entry.term, polarity, entry.weight,
                        entry.category, about, role, counted, voice.voice, negated, sid,
                        t_start, t_end, start, end, left, right, attached, voice.speaker,
                    )
                )  # fmt: skip
    return out


def _attribute_typed(
    mentions: list[Mention],
    span: tuple[int, int, str],
    sentence: Sentence,
    exclude: tuple[int, int],
    stance: StanceLexicon,
) -> list[tuple[int, str, str]]:
    """``attribute`` over the mentions the word can be said of: a ``relation`` word (着実に
    深まる, 友好関係) only of the relationship or its parties, so that another target nearer
    in the phrase structure (集団的西側による圧力の下でも、両国の協力は着実に深まっている) does
    not take it and then drop it."""
    a, b, about = span
    if about != "relation":
        return attribute(mentions, a, b, about, sentence, exclude)
    allowed = {stance.relation_target, *stance.parties}
    only = [m if set(m.targets) <= allowed else replace(m, absorbed=True) for m in mentions]
    return attribute(only, a, b, about, sentence, exclude)


def _pair_as_tie(
    mentions: list[Mention], pairs: list[tuple[int, str, str]], about: str, stance: StanceLexicon
) -> list[tuple[Mention, str, str]]:
    """The pairs as mentions; a quality said of both parties coordinated (朝鮮とロシアの友好,
    ロシアと北朝鮮は蜜月にある) is said of their relationship; a mutual act (ロシアが北朝鮮と
    結託) of the relationship and of each party."""
    out = [(mentions[k], role, how) for k, role, how in pairs]
    both = [x for x in out if not x[1].startswith(NOT_COUNTED) and x[1] != "actor"]
    targets = {t for m, _, _ in both for t in m.targets}
    if about not in ABOUT_BOTH or len(both) != 2 or targets != set(stance.parties):
        return _relation_only(out, about, stance.relation_target)
    (m, role, how), (n, _, _) = sorted(both, key=lambda x: x[0].a)
    if about == "mutual":
        return [(Mention((stance.relation_target,), m.a, n.b), "pair_" + role, how), *out]
    if m.coord < 0:
        return out
    tie = Mention((stance.relation_target,), m.a, n.b)
    return [(tie, "pair_" + role, how)] + [x for x in out if x not in both]


# What may be said of both parties at once: a quality, a relationship, a mutual act.
ABOUT_BOTH = frozenset({"holder", "relation", "mutual"})


def _relation_only(
    rows: list[tuple[Mention, str, str]], about: str, tie: str
) -> list[tuple[Mention, str, str]]:
    """A word that evaluates a relationship (対立, 友好関係, 重要なパートナー: ``relation``) is
    about the relationship target only, never about one party (モスクワの重要なパートナー)."""
    if about != "relation":
        return rows
    return [x for x in rows if x[0].targets == (tie,)]


def _actors(
    mentions: list[Mention], pairs: list[tuple[int, str, str]], tokens: TokenColumns, tie: str
) -> list[tuple[int, str, str]]:
    """The party whose act a relationship noun names (北朝鮮の派兵: one party, then の, then
    the noun): an evaluation of the act is also about it (README, "Stance", rule 6)."""
    out = []
    for k, role, how in pairs:
        if mentions[k].targets != (tie,) or role.startswith(NOT_COUNTED):
            continue
        a = mentions[k].a
        for j, m in enumerate(mentions):
            if (
                m.absorbed
                and (m.b + 1 == a or _across_tai(mentions, tokens, m.b + 1, a))
                and tokens.lemmas[m.b] == "の"
                and not (j > 0 and mentions[j - 1].absorbed and mentions[j - 1].b >= m.a - 2)
            ):
                out.append((j, "actor", how))
    return out


def _across_tai(mentions: list[Mention], tokens: TokenColumns, i: int, a: int) -> bool:
    """Whether tokens ``i:a`` are 対 and the other party (北韓の対ロ武器支援)."""
    return tokens.lemmas[i : i + 1] == ["対"] and any(
        m.absorbed and m.a == i + 1 and m.b == a for m in mentions
    )


def _acts(
    mentions: list[Mention], pairs: list[tuple[int, str, str]], p: Parse, tie: str
) -> list[tuple[int, str, str]]:
    """The relationship noun whose doer was evaluated through it (北朝鮮によるロシアへの派兵は
    違法だ: the doer modifies 派兵): the act is evaluated too, as its doer is through it."""
    taken = {k for k, _, _ in pairs}
    out = []
    for k, role, how in pairs:
        if role not in ("agent_by", "genitive") or tie in mentions[k].targets:
            continue
        head = p.heads[p.at(mentions[k].b - 1)]
        for j, m in enumerate(mentions):
            if j not in taken and m.targets == (tie,) and head >= 0 and p.at(m.b - 1) == head:
                out.append((j, "act", how))
                taken.add(j)
    return out


# How the evaluation reached its target, as the evidence shows it (``attached``).
ARROWS = {
    "same": "=",
    "dependent": "←",
    "modifies": "→",
    "sibling": "~",
    "sibling_far": "~",
    "predicate": "⇒",
    "source": "↔",
    "scope": "⇐",
}
