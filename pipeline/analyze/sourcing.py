"""Find attributions: who is made to speak in an article, and through which construction.

An attribution is a speaker (a noun phrase) joined to a statement by one of the constructions
Japanese news uses to source what it reports:

- ``according_to``: 〜によると, 〜によれば, 〜によりますと (the speaker is the phrase before に);
- ``reporting_verb``: 〜は…と述べた／語った／強調した／指摘した／明らかにした／発表した／報じた
  (and kin: 表明, 説明, 警告, 批判, 主張, 分析, 伝える, 〜としている, 〜との見方を示した);
  the speaker is the sentence's topic (the phrase before its first は outside quotes), or
  the phrase before が directly in front of the verb (〜が発表した);
- ``quote``: the same, where the statement is quoted speech (「…」と語った);
- ``anonymous``: any of these whose speaker is a 〜筋 (外交筋, 消息筋, 関係筋).

Detection works on the tokens of each sentence (lemmas and coarse parts of speech) and knows
nothing of the actors: ``pipeline.analyze.actors`` classifies the speakers. The speaker spans
also tell the matcher which institution names are cited sources rather than framing.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate, compress, repeat
from operator import lt
from typing import NamedTuple

from pipeline.analyze.tokens import TokenColumns
from pipeline.ingest.clean import CleanText

# Verbs that report speech directly (lemmas).
SPEECH_VERBS = frozenset(
    {"述べる", "語る", "話す", "報ずる", "報じる", "伝える", "明かす", "訴える", "答える", "書く"}
)
# Verbal nouns that report speech with する (強調した, 指摘した, 発表した ...).
SPEECH_NOUNS = frozenset(
    {
        "強調",
        "指摘",
        "発表",
        "表明",
        "説明",
        "批判",
        "非難",
        "警告",
        "主張",
        "分析",
        "言及",
        "発言",
        "糾弾",
        "断言",
        "報道",
        "示唆",
        "反論",
        "明言",
        "強弁",
        "言明",
        "声明",
        "論評",
        "引用",
    }
)
# Nouns of stance that a speaker "shows" (〜との見方を示した, 〜との立場を明らかにした).
STANCE_NOUNS = frozenset({"見方", "認識", "考え", "立場", "見解", "方針", "意向", "考え方"})
# 見方 and 考え方 are tokenized as a verb stem and the suffix 方.
_STANCE_PAIRS = frozenset({("見る", "方"), ("考える", "方")})
SHOW_VERBS = frozenset({"示す", "明らか"})
# What a speaker phrase is made of: nouns and their affixes, joined by の, ・ and brackets.
_NP_POS = frozenset({"名詞", "接尾辞", "接頭辞", "代名詞"})
_NP_GLUE = frozenset({"の", "・", "(", ")", "="})
_NP_MAX = 16
_NOT_A_SPEAKER = re.compile(r"^[\d年月日時分ごろ頃午前後今昨同年]+$")
_ANONYMOUS = "筋"
_CLOSE = {"」": "「", "』": "『"}
# Lemmas at which a construction can start (見方/考え方 start with 見る/考える; 〜としている
# with 為る, 〜によると with 因る): other tokens are skipped without a look.
_TRIGGERS = (
    SPEECH_VERBS | SPEECH_NOUNS | STANCE_NOUNS | {"因る", "明らか", "為る", "見る", "考える"}
)
_CLAUSE_END_POS = frozenset({"助動詞", "動詞", "形容詞"})


# One row per attribution in a batch's ``sourcing`` table (before speakers are classified).
ATTRIBUTION_COLUMNS = [
    "article_id",
    "source",
    "sentence_id",
    "speaker",
    "speaker_start",
    "speaker_end",
    "kind",
    "verb",
    "cue_start",
    "cue_end",
    "sentence",
]


class Attribution(NamedTuple):
    """One attribution: the speaker's span in the cleaned text, its construction and cue."""

    sentence_id: int
    speaker: str
    speaker_start: int
    speaker_end: int
    kind: str
    verb: str
    cue_start: int
    cue_end: int


def _speaker_start(tokens: TokenColumns, end: int) -> int:
    """First token of the noun phrase that ends just before token ``end`` (``end`` if none)."""
    pos, surfaces = tokens.pos, tokens.surfaces
    i = end
    while i > 0 and end - i < _NP_MAX:
        p, s = pos[i - 1], surfaces[i - 1]
        if p in _NP_POS or (s in _NP_GLUE and i < end):
            i -= 1
            continue
        if s in _CLOSE and i < end:  # a title in brackets: 「ニューヨーク・タイムズ」紙
            opening = _CLOSE[s]
            o = next(
                (k for k in range(i - 2, max(-1, i - _NP_MAX), -1) if surfaces[k] == opening), -1
            )
            if o >= 0:
                i = o
                continue
        break
    while i < end and (surfaces[i] in _NP_GLUE or pos[i] == "接尾辞"):
        i += 1
    return i


def _is_particle(tokens: TokenColumns, i: int, *surfaces: str) -> bool:
    return tokens.pos[i] == "助詞" and tokens.surfaces[i] in surfaces


def _predicate(tokens: TokenColumns, j: int) -> tuple[int, str] | None:
    """If a speech predicate starts at token ``j``: (its end, its verb as written)."""
    lemmas, n = tokens.lemmas, len(tokens.lemmas)
    lemma = lemmas[j]
    if lemma in SPEECH_VERBS and tokens.pos[j] == "動詞":
        return j + 1, lemma
    if lemma in SPEECH_NOUNS and j + 1 < n and lemmas[j + 1] == "為る":
        return j + 2, lemma + "する"
    if lemma == "明らか" and lemmas[j + 1 : j + 3] == ["だ", "為る"]:
        return j + 3, "明らかにする"
    if lemma == "為る" and lemmas[j + 1 : j + 3] == ["て", "居る"]:
        return j + 3, "としている"
    k = _stance_length(lemmas, j)
    if k and lemmas[j + k : j + k + 1] == ["を"] and j + k + 1 < n:
        if lemmas[j + k + 1] not in SHOW_VERBS:
            return None
        return j + k + 2, f"{tokens.surfaces[j]}{tokens.surfaces[j + 1] if k == 2 else ''}を示す"
    return None


def _stance_length(lemmas: list[str], j: int) -> int:
    """Tokens of the stance noun (見方, 立場 ...) starting at ``j``; 0 if there is none."""
    if tuple(lemmas[j : j + 2]) in _STANCE_PAIRS:
        return 2
    return 1 if lemmas[j] in STANCE_NOUNS else 0


def _introduced(tokens: TokenColumns, j: int, quoted: list[bool]) -> str | None:
    """How the statement before the predicate at ``j`` is joined to it: ``quote`` (「…」と),
    ``reporting_verb`` (…と, …との, …ことを, or a speaker directly before), or None."""
    if j == 0:
        return None
    if _stance_length(tokens.lemmas, j):
        if j >= 2 and tokens.surfaces[j - 1] == "の" and _is_particle(tokens, j - 2, "と"):
            return "quote" if j >= 3 and tokens.surfaces[j - 3] in '」』”"' else "reporting_verb"
        return None
    if _is_particle(tokens, j - 1, "と"):
        before = j - 2
        if tokens.lemmas[j] == "為る" and (
            before < 0
            or tokens.pos[before] not in _CLAUSE_END_POS
            or tokens.surfaces[before].endswith("う")
        ):
            return None  # 〜をXとしている names X, 〜ようとしている tries; 〜だとしている claims
        if j >= 2 and tokens.surfaces[j - 2] in '」』”"' and quoted[j - 2]:
            return "quote"
        return "reporting_verb"
    if tokens.lemmas[j] == "為る":
        return None
    if _is_particle(tokens, j - 1, "を") and j >= 2 and tokens.lemmas[j - 2] in {"事", "の"}:
        return "reporting_verb"
    if _is_particle(tokens, j - 1, "が", "は"):
        return "reporting_verb"
    return None


def _topic(tokens: TokenColumns, before: int, quoted: list[bool]) -> int | None:
    """Index of the particle after the speaker: が directly in front of ``before`` (…と、
    米高官が主張した) or followed by a comma (タス通信が、…と報じた), else the sentence's
    topic, its first は or も outside quotes."""
    k = before - 1
    if k > 0 and not quoted[k] and _is_particle(tokens, k, "が"):
        return k
    for k in range(1, before - 1):  # a subject set off by a comma: インタファクス通信が、…
        if not quoted[k] and _is_particle(tokens, k, "が") and tokens.surfaces[k + 1] == "、":
            return k
    for k in range(1, before):
        if quoted[k] or not _is_particle(tokens, k, "は", "も"):
            continue
        if tokens.pos[k - 1] == "助詞":
            continue
        return k
    return None


def _speaker(text: str, tokens: TokenColumns, end: int) -> tuple[str, int, int] | None:
    """The speaker phrase ending before token ``end``: (text, start, end offsets) or None."""
    first = _speaker_start(tokens, end)
    if first >= end:
        return None
    start, stop = tokens.starts[first], tokens.ends[end - 1]
    speaker = text[start:stop]
    if _NOT_A_SPEAKER.match(speaker):
        return None
    return speaker, start, stop


def sentence_attributions(
    text: str, sid: int, tokens: TokenColumns, quoted: list[bool]
) -> list[Attribution]:
    """The attributions in one sentence (its tokens without white space), in text order."""
    found: list[Attribution] = []
    seen: set[int] = set()
    lemmas, n = tokens.lemmas, len(tokens.lemmas)

    def add(np_end: int, kind: str, verb: str, cue: tuple[int, int]) -> None:
        spk = _speaker(text, tokens, np_end)
        if spk is None or spk[1] in seen:
            return
        seen.add(spk[1])
        if spk[0].endswith(_ANONYMOUS):
            kind = "anonymous"
        found.append(Attribution(sid, spk[0], spk[1], spk[2], kind, verb, *cue))

    for i in compress(range(n), map(_TRIGGERS.__contains__, lemmas)):
        if quoted[i]:
            continue
        if lemmas[i] == "因る":
            rest = lemmas[i + 1 : i + 3]
            if (
                i > 0
                and lemmas[i - 1] == "に"
                and (rest[:1] in (["と"], ["ば"]) or rest == ["ます", "と"])
            ):
                end = i + 1 + (2 if rest[:1] == ["ます"] else 1)
                add(i - 1, "according_to", "によると", (tokens.starts[i - 1], tokens.ends[end - 1]))
            continue
        if lemmas[i] == "為る" and (i == 0 or lemmas[i - 1] != "と"):
            continue
        pred = _predicate(tokens, i)
        if pred is None or lemmas[pred[0] : pred[0] + 1] in (["れる"], ["られる"]):
            continue  # not a predicate, or a passive one (…と発表された) without a speaker
        kind = _introduced(tokens, i, quoted)
        if kind is None:
            continue
        k = _topic(tokens, i, quoted)
        if k is not None:
            add(k, kind, pred[1], (tokens.starts[i], tokens.ends[pred[0] - 1]))
    return sorted(found, key=lambda a: a.speaker_start)


def find_attributions(clean: CleanText, sentences: list[TokenColumns]) -> list[Attribution]:
    """Every attribution in an article, sentence by sentence, in text order."""
    out: list[Attribution] = []
    for sid, tokens in enumerate(sentences):
        if "空白" in tokens.pos:
            tokens = tokens.without("空白")
        if _TRIGGERS.isdisjoint(tokens.lemmas):
            continue
        out.extend(sentence_attributions(clean.text, sid, tokens, quoted_flags(clean, tokens)))
    return out


def quoted_flags(clean: CleanText, tokens: TokenColumns) -> list[bool]:
    """Per token, whether it starts inside quoted speech (``clean.in_quote``, by bisection)."""
    at = tokens.starts
    if not clean.quotes or not at:
        return [False] * len(at)
    spans = sorted(clean.quotes)
    starts = [a for a, _ in spans]
    reach = [0, *accumulate((b for _, b in spans), max)]
    if reach[bisect_right(starts, at[-1])] <= at[0]:  # no quote reaches into the sentence
        return [False] * len(at)
    return list(map(lt, at, map(reach.__getitem__, map(bisect_right, repeat(starts), at))))


def cited_spans(attributions: list[Attribution]) -> list[tuple[int, int]]:
    """The speaker spans: where a name is a cited source, not the author's framing."""
    return sorted({(a.speaker_start, a.speaker_end) for a in attributions})
