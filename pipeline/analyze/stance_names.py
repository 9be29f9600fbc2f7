"""Target names that need their context: an alias that is also a common word (米 is rice in
米農家 and 米の価格) and a leader named by title alone (総書記, 同委員長).

``common_words`` in targets.yaml lists, per alias, the next words that make it the actor
(``needs``: 米 before 政府, 側, 大統領 …, also after の and its modifiers: 共和国の武力,
共和国の強力な国防力; never right after another noun: チェコ共和国) or that make it
something else (``unless``: 朝鮮 before 半島, 戦争, 日報 …). An alias with ``needs`` also
counts when it is coordinated with another target (米と韓国, 日本・米) or follows 対 (対米).
An alias of kind ``titles`` counts only when no noun stands right before it (習近平総書記 is
no mention of the DPRK's leader).
"""

from __future__ import annotations

from pipeline.analyze.lexicons import Entry
from pipeline.analyze.stance_lexicon import StanceLexicon
from pipeline.analyze.tokens import TokenColumns

NAME_POS = frozenset({"名詞", "接尾辞"})
# A government named without its country (政府は, 同政府, 当局が): the one last named.
BARE_GOVERNMENT = frozenset({"政府", "当局", "政権"})
CASE_AFTER = frozenset({"は", "が", "も", "の", "を", "に", "と", "へ"})
# Sentences after the last explicitly named government in which a bare one still points back.
GOVERNMENT_REACH = 3
COORDINATORS = frozenset({"と", "・", "、", "や", "及び"})


def guard_targets(
    targets: list[tuple[int, Entry, int, int]], tokens: TokenColumns, stance: StanceLexicon
) -> list[tuple[int, Entry, int, int]]:
    """The target matches of a sentence whose context makes them the target."""
    guards = stance.guards
    if not guards and not any(x[1].category == "titles" for x in targets):
        return targets
    lemmas, pos = tokens.lemmas, tokens.pos
    starts = {x[2] for x in targets}
    ends = {x[3] for x in targets}
    kept = []
    for x in targets:
        _, entry, a, b = x
        if entry.category == "titles" and a > 0 and pos[a - 1] in NAME_POS:
            continue
        guard = guards.get(entry.term)
        if guard is not None:
            nxt = lemmas[b] if b < len(lemmas) else ""
            if nxt in guard.unless:
                continue
            after = _phrase_after(tokens, b + 1) if nxt == "の" else frozenset()
            if a > 0 and pos[a - 1] == "名詞" and guard.needs:
                continue  # チェコ共和国, 人民共和国: part of another name
            if guard.needs and nxt not in guard.needs and not after & guard.needs:
                linked = (nxt in COORDINATORS and b + 1 in starts) or (
                    a > 0
                    and (lemmas[a - 1] == "対" or (lemmas[a - 1] in COORDINATORS and a - 1 in ends))
                )
                if not linked:
                    continue
        kept.append(x)
    return kept


Match = tuple[int, Entry, int, int]
# Modifiers between の and the noun it reaches (共和国の強力な自衛的国防力).
PHRASE_LENGTH = 8


def _phrase_after(tokens: TokenColumns, i: int) -> frozenset[str]:
    """The lemmas of the phrase starting at ``i`` up to its particle or punctuation."""
    out = []
    for j in range(i, min(i + PHRASE_LENGTH, len(tokens.lemmas))):
        if tokens.pos[j] in ("助詞", "補助記号") or tokens.lemmas[j] in ("の", "と"):
            break
        out.append(tokens.lemmas[j])
    return frozenset(out)


def government_named(targets: list[Match], tokens: TokenColumns) -> Match | None:
    """The last target of the sentence named as a government (韓国政府, 尹錫悦政権: an alias
    of kind ``governments``, or one right before 政府 / 政権 / 当局), or None."""
    lemmas = tokens.lemmas
    for x in reversed(targets):
        _, entry, _, b = x
        if entry.category == "governments" and lemmas[b - 1] in BARE_GOVERNMENT:
            return x
        if b < len(lemmas) and lemmas[b] in BARE_GOVERNMENT:
            return x
    return None


def bare_governments(targets: list[Match], tokens: TokenColumns, last: Match) -> list[Match]:
    """Mentions of a bare 政府 / 当局 / 政権 (no name before it, or 同) that point back to the
    government ``last`` named: Korean wire copy names its own government once, then 政府."""
    lemmas, pos = tokens.lemmas, tokens.pos
    taken = {t for _, _, a, b in targets for t in range(a, b)}
    found = []
    for j, lemma in enumerate(lemmas[:-1]):
        if lemma not in BARE_GOVERNMENT or j in taken or lemmas[j + 1] not in CASE_AFTER:
            continue
        if j > 0 and pos[j - 1] in NAME_POS | {"接頭辞"} and lemmas[j - 1] != "同":
            continue
        found.append((last[0], last[1], j - int(j > 0 and lemmas[j - 1] == "同"), j + 1))
    return found


# これは / それは opening a sentence points back to the whole sentence before: its first named
# target, the topic or subject of a Japanese sentence, unless that sentence reports speech.
DEMONSTRATIVES = frozenset({"此れ", "其れ"})
REPORTING = frozenset(
    {
        "述べる", "非難", "批判", "発表", "強調", "明らか", "伝える", "報じる", "指摘", "主張",
        "表明", "言う", "語る", "明かす", "示す", "糾弾", "反発",
    }
)  # fmt: skip


def sentence_anaphor(tokens: TokenColumns, before: list[Match], said: bool) -> list[Match]:
    """A mention for これは / それは (or この判断は, その国が) opening the sentence, standing
    for the first target of the sentence before (``before``; ``said``: that sentence reports
    speech): none else."""
    end = _opening_anaphor(tokens)
    if not end or not before or said:
        return []
    first = min(before, key=lambda x: x[2])
    return [(first[0], first[1], 0, end)]


def _opening_anaphor(tokens: TokenColumns) -> int:
    """Where an opening これ / それ, or この / その and a short noun (この判断, その国), ends
    when a topic or subject particle follows it (0 when the sentence opens otherwise)."""
    lemmas, pos = tokens.lemmas, tokens.pos
    if len(lemmas) < 3:
        return 0
    if lemmas[0] in DEMONSTRATIVES:
        return 1 if lemmas[1] in ("は", "が", "も") else 0
    if lemmas[0] not in ("此の", "其の") or pos[1] != "名詞":
        return 0
    j = 1
    while j < min(len(lemmas), 4) and pos[j] in ("名詞", "接尾辞"):
        j += 1
    return j if j < len(lemmas) and lemmas[j] in ("は", "が", "も") else 0


def after_dateline(tokens: TokenColumns, targets: list[Match]) -> list[Match]:
    """The targets after a leading 【…】 dateline (【朝鮮中央通信】 names the outlet, not the
    subject)."""
    if not tokens.surfaces or tokens.surfaces[0] != "【" or "】" not in tokens.surfaces:
        return targets
    close = tokens.surfaces.index("】")
    return [x for x in targets if x[2] > close]


def reports_speech(tokens: TokenColumns) -> bool:
    """Whether the sentence has a verb of saying (its content is someone's, not a fact)."""
    return not REPORTING.isdisjoint(tokens.lemmas)
