"""Whose evaluation it is: the author's, a quoted or reported speaker's, or one the author
keeps at a distance (README, "Stance", voice).

A reporting verb owns its whole complement (bunsetsu.py's quotation and its subtree, across
、 and clause breaks): an evaluation inside is the speaker's, who is the topic or subject of
the reporting verb. So is what a source named with によると says, what a document named with
で (書簡で, 声明で) relates, the object of a speech act (連帯を表明) or of a named judge's verb
of judging (米国の敵視政策を非難した), and a judgement (非難, 支持: ``patient``) that has a
judge of its own. いわゆる, と称する, a single word in quotation
marks, に過ぎない after a favourable word, and a danger that is fabricated, hyped or invented
(脅威をでっち上げる, 架空の脅威, 脅威論) are the author's distance from the evaluation.
"""

from __future__ import annotations

from typing import NamedTuple

from pipeline.analyze.bunsetsu import Parse
from pipeline.analyze.tokens import TokenColumns
from pipeline.ingest.clean import CleanText

# Objects of these verbs are someone's expressed attitude (連帯を表明, 遺憾を表する, 理解を示す).
SPEECH_ACT = frozenset(
    {
        "表明",
        "強調",
        "主張",
        "誇示",
        "表する",
        "訴える",
        "示す",
        "寄せる",
        "述べる",
        "言明",
        "伝える",
    }
)
# Documents and occasions whose content is related (書簡で振り返った, 声明で称えた).
DOCUMENTS = frozenset(
    {
        "書簡", "声明", "談話", "演説", "会見", "祝電", "電報", "メッセージ", "書面", "論評",
        "社説", "インタビュー", "報告書", "記者会見", "演説会", "発言", "投稿", "回顧録", "手紙",
    }
)  # fmt: skip
# と + these (passive or potential) is the author's own inference: 脅威と言える, と見られる.
INFERENCE = frozenset({"言える", "見る", "考える", "思う", "思える", "考えられる", "見られる"})
NAMING = frozenset({"称する", "自称", "名乗る"})
# Words that say the danger or charge is made up or inflated: the author disputes it.
FABRICATING = frozenset(
    {
        "捏ち上げる",
        "捏造",
        "誇張",
        "煽る",
        "作り出す",
        "作り上げる",
        "でっち上げ",
        "吹聴",
        "喧伝",
        "拵える",
    }
)
UNREAL = frozenset({"架空", "虚構", "偽り", "虚偽", "幻想", "所謂", "作り話", "神話", "偽装"})
THEORY = frozenset({"論", "説", "論者"})
PASSIVE = frozenset({"れる", "られる"})


class Voice(NamedTuple):
    """Whose evaluation: ``voice`` (author, quoted, reported, distanced), the phrase that
    says so (the speaker, or the cue when none is named) and the speaker's bunsetsu (-1)."""

    voice: str
    speaker: str
    speaker_at: int
    complement: int  # the quotation bunsetsu whose subtree holds the evaluation, or -1


AUTHOR = Voice("author", "", -1, -1)


def phrase(tokens: TokenColumns, p: Parse, k: int) -> str:
    """The text of bunsetsu ``k`` without trailing punctuation."""
    return "".join(tokens.surfaces[p.starts[k] : p.ends[k]]).rstrip("、。,，")


def _first_content(tokens: TokenColumns, p: Parse, k: int) -> str:
    for t in range(p.starts[k], p.ends[k]):
        if tokens.pos[t] not in ("補助記号", "記号", "助詞", "接頭辞"):
            return tokens.lemmas[t]
    return tokens.lemmas[p.starts[k]]


def _speaker(tokens: TokenColumns, p: Parse, verb: int, inside: int) -> tuple[str, int]:
    """The topic or subject (が) of ``verb``, outside the subtree of ``inside``."""
    for k in range(verb):
        if p.heads[k] != verb or (inside >= 0 and p.dominates(inside, k)):
            continue
        last = tokens.lemmas[
            p.ends[k] - 1 if tokens.pos[p.ends[k] - 1] != "補助記号" else p.ends[k] - 2
        ]
        if p.kinds[k] == "topic" or last == "が":
            return phrase(tokens, p, k), k
    if verb > 0 and _headline_subject(tokens, p):
        return phrase(tokens, p, 0), 0
    return "", -1


def _headline_subject(tokens: TokenColumns, p: Parse) -> bool:
    """Whether the first phrase is a headline's subject set off by 、 (朝鮮外務省スポークス
    マン、共同声明を糾弾): a noun and a comma opening a sentence with no full stop."""
    end = p.ends[0]
    return (
        tokens.surfaces[-1] not in ("。", "．")
        and end >= 2
        and tokens.surfaces[end - 1] == "、"
        and tokens.pos[end - 2] in ("名詞", "接尾辞")
    )


def quotation(p: Parse, eb: int) -> int:
    """The outermost quotation bunsetsu whose subtree holds bunsetsu ``eb``, or -1."""
    found = -1
    for k in p.chain(eb):
        if p.kinds[k] == "quote":
            found = k
    return found


def voice_of(
    clean: CleanText,
    tokens: TokenColumns,
    p: Parse,
    span: tuple[int, int, str],
    passive: bool,
) -> Voice:
    """The voice of the evaluation at tokens ``a:b`` said of ``about``, ``span`` being
    (a, b, about) (module docstring)."""
    a, b, about = span
    start, end = tokens.starts[a], tokens.ends[b - 1]
    if clean.in_quote(start):
        text = clean.text
        if start > 0 and text[start - 1] in "「『“" and text[end : end + 1] in "」』”":
            return Voice("distanced", text[start - 1 : end + 1], -1, -1)
        return Voice("quoted", "「」", -1, -1)
    eb = p.at(b - 1)
    found = _source(tokens, p, a) or _headline_speaker(tokens, a)
    if found:
        return found
    q = quotation(p, eb)
    if q >= 0:
        verb = p.heads[q]
        if verb < 0:
            last = phrase(tokens, p, q)
            if last.endswith(("言える", "いえる")):
                return AUTHOR
            return Voice("reported", last, -1, -1)
        head = _first_content(tokens, p, verb)
        if head in NAMING:
            return Voice("distanced", phrase(tokens, p, verb), -1, q)
        if head in INFERENCE and _passive_or_potential(tokens, p, verb, head):
            return AUTHOR
        if _passive_or_potential(tokens, p, verb, head) or head == "言う":
            return Voice("reported", phrase(tokens, p, verb), -1, -1)  # hearsay: とされる
        who, at = _speaker(tokens, p, verb, q)
        return Voice("reported", who or phrase(tokens, p, verb), at, q)
    held = _position(tokens, p, eb) or _said_clause(tokens, p, eb)
    if held is not None:
        return held
    distance = _distanced(tokens, p, a, b, eb)
    if distance:
        return Voice("distanced", distance, -1, -1)
    return _document_or_act(tokens, p, eb, about, passive)


# Nouns of a held position: …することが北朝鮮の立場だ puts the clause in its holder's words.
POSITIONS = frozenset(
    {"立場", "方針", "主張", "考え", "見解", "姿勢", "認識", "見方", "意向", "持論"}
)
NOMINALISED = (["事", "が"], ["事", "は"], ["の", "は"], ["の", "が"])


def _position(tokens: TokenColumns, p: Parse, eb: int) -> Voice | None:
    """A nominalised clause (…こと / …の) that is the subject of a position noun (立場だ) is
    the position's holder's: the genitive before that noun (北朝鮮の), or the noun itself."""
    chain = p.chain(eb)
    lemmas = tokens.lemmas
    for i, k in enumerate(chain[1:], start=1):
        if _first_content(tokens, p, k) not in POSITIONS or p.kinds[k] not in (
            "predicate",
            "clause",
        ):
            continue
        subject = [
            x
            for x in chain[:i]
            if lemmas[max(p.starts[x], p.ends[x] - 2) : p.ends[x]] in NOMINALISED
        ]
        if not subject:
            return None
        for j in range(subject[-1] + 1, k):
            if p.kinds[j] == "adnominal" and lemmas[p.ends[j] - 1] == "の" and p.dominates(k, j):
                return Voice("reported", phrase(tokens, p, j), j, -1)
        return Voice("reported", phrase(tokens, p, k), -1, -1)
    return None


# Verbs whose nominalised object (…ことを強調した) is what their subject says.
SAYING = SPEECH_ACT | {"明らか", "発表", "指摘", "説明", "報告", "確認", "言及", "示唆"}


def _said_clause(tokens: TokenColumns, p: Parse, eb: int) -> Voice | None:
    """A nominalised clause (…ことを) that a named speaker's verb of saying takes as its
    object, with the clauses joined to it by 、 (ザハロワ氏は、…合法的なものであり、…向けられて
    いないことを強調しました). Without a named speaker (…ことを指摘したい) it is the author's."""
    for k in p.chain(eb):
        head = p.heads[k]
        if head < 0 or _first_content(tokens, p, head) not in SAYING:
            continue
        joined = p.kinds[k] == "clause" and any(
            p.heads[j] == head and _nominal_object(tokens, p, j) for j in range(k, head)
        )
        if not (joined or _nominal_object(tokens, p, k)):
            return None
        who, at = _comma_topic(tokens, p, k) if joined else ("", -1)
        if not who:
            who, at = _speaker(tokens, p, head, k)
        return Voice("reported", who, at, k) if who else None
    return None


def _comma_topic(tokens: TokenColumns, p: Parse, k: int) -> tuple[str, int]:
    """The first topic set off by 、 (ザハロワ氏は、) that depends on clause ``k``."""
    for j in range(k):
        if p.heads[j] == k and p.kinds[j] == "topic" and tokens.surfaces[p.ends[j] - 1] == "、":
            return phrase(tokens, p, j), j
    return "", -1


def _nominal_object(tokens: TokenColumns, p: Parse, k: int) -> bool:
    return tokens.lemmas[max(p.starts[k], p.ends[k] - 2) : p.ends[k]] == ["事", "を"]


def _passive_or_potential(tokens: TokenColumns, p: Parse, verb: int, head: str) -> bool:
    if head in ("言える", "思える", "考えられる", "見られる"):
        return True
    return any(tokens.lemmas[t] in PASSIVE for t in range(p.starts[verb], p.ends[verb]))


def _source(tokens: TokenColumns, p: Parse, a: int) -> Voice | None:
    """A source named with によると / によれば before the evaluation."""
    lemmas = tokens.lemmas
    for j in range(max(1, p.starts[0] + 1), a):
        if lemmas[j] == "因る" and lemmas[j - 1] == "に" and j + 1 < len(lemmas):
            nxt = lemmas[j + 1 : j + 3]
            if nxt[:1] in (["と"], ["ば"]) or nxt == ["ます", "と"]:
                k = p.at(j)
                return Voice("reported", phrase(tokens, p, k), k, -1)
    return None


# Titles that make a name before a colon a speaker (ザハロワ報道官：…), unlike the labels of
# wire copy (焦点：, 解説：, コラム：).
SPEAKER_TITLES = frozenset(
    {
        "報道官", "官", "氏", "大統領", "外相", "長官", "首相", "大使", "委員長", "総書記", "代表",
        "議員", "局長", "次官", "スポークスマン", "書記", "高官", "大臣", "相", "主席", "司令官",
    }
)  # fmt: skip
COLON_REACH = 8


def _headline_speaker(tokens: TokenColumns, a: int) -> Voice | None:
    """A speaker named before a colon near the start (ザハロワ報道官：NATOの拡大は…): what
    follows is the speaker's statement."""
    for j in range(1, min(a, COLON_REACH)):
        if tokens.lemmas[j] in ("：", ":") and tokens.lemmas[j - 1] in SPEAKER_TITLES:
            return Voice("reported", "".join(tokens.surfaces[:j]), -1, -1)
    return None


def _distanced(tokens: TokenColumns, p: Parse, a: int, b: int, eb: int) -> str:
    """The cue that keeps the evaluation at a distance, or ''."""
    lemmas, pos = tokens.lemmas, tokens.pos
    for t in range(max(p.starts[0], a - 4), a):
        if lemmas[t] in UNREAL:
            return tokens.surfaces[t]
    if b < len(lemmas) and lemmas[b] in THEORY and pos[b] in ("名詞", "接尾辞"):
        return tokens.surfaces[b]
    for k in range(eb):
        if p.heads[k] == eb and any(lemmas[t] in UNREAL for t in range(p.starts[k], p.ends[k])):
            return phrase(tokens, p, k)
    head = p.heads[eb]
    if (
        head >= 0
        and p.kinds[eb] == "case"
        and lemmas[p.ends[eb] - 1] == "を"
        and any(lemmas[t] in FABRICATING for t in range(p.starts[head], p.ends[head]))
    ):
        return phrase(tokens, p, head)
    return ""


# Verbs of judging: what a named judge condemns (北朝鮮は米国の敵視政策を非難した) is put in
# the judge's words, not the author's.
JUDGING = frozenset({"非難", "批判", "糾弾", "断罪", "抗議", "告発", "弾劾", "責める", "咎める"})
AGREEING = frozenset({"合意", "一致", "確認", "約束", "誓う", "署名"})


def _agreed(lemmas: list[str], p: Parse, k: int) -> bool:
    """Whether bunsetsu ``k`` ends in ことで / ことを / と (what was agreed)."""
    tail = [x for x in lemmas[p.starts[k] : p.ends[k]] if x not in ("、", "，")][-2:]
    return tail in (["事", "で"], ["事", "を"]) or (len(tail) == 2 and tail[-1] == "と")


def _document_or_act(tokens: TokenColumns, p: Parse, eb: int, about: str, passive: bool) -> Voice:
    """A document's content, a speech act's object, or a judgement with its own judge."""
    found = _document(tokens, p, eb) or _agreement(tokens, p, eb)
    if found:
        return found
    top = eb
    while p.heads[top] >= 0 and (
        p.kinds[top] in ("adnominal", "coord", "linked")
        or (p.kinds[p.heads[top]] in ("adnominal", "linked") and p.predicate[p.heads[top]])
    ):
        top = p.heads[top]
    head = p.heads[top]
    found = _act_or_judgement(tokens, p, top, head)
    if found:
        return found
    if about == "patient" and not passive:
        who, at = _speaker(tokens, p, eb, -1)
        if not who and head >= 0:
            who, at = _speaker(tokens, p, head, -1)
        if not who and p.kinds[eb] == "adnominal" and p.predicate[eb] and p.heads[eb] >= 0:
            at = p.heads[eb]
            who = phrase(tokens, p, at)
        for verb in p.chain(eb)[2:] if not who else []:
            who, at = _speaker(tokens, p, verb, -1)  # 日本政府は…を警戒感をもって注視している
            if who:
                break
        if who:
            return Voice("reported", who, at, -1)
    return AUTHOR


def _document(tokens: TokenColumns, p: Parse, eb: int) -> Voice | None:
    """The content of a document named with で by a verb over the evaluation, in its voice."""
    for verb in p.chain(eb)[1:]:
        for k in range(verb):
            if (
                p.heads[k] == verb
                and k != eb
                and not p.dominates(k, eb)
                and _first_content(tokens, p, k) in DOCUMENTS
                and phrase(tokens, p, k).endswith("で")
            ):
                who, at = _speaker(tokens, p, verb, -1)
                return Voice("reported", who or phrase(tokens, p, k), at, -1)
    return None


def _agreement(tokens: TokenColumns, p: Parse, eb: int) -> Voice | None:
    """What a verb of agreeing over the evaluation agreed on, in its speaker's voice."""
    lemmas = tokens.lemmas
    for verb in p.chain(eb)[1:]:
        if _first_content(tokens, p, verb) in AGREEING and any(
            p.heads[k] == verb and p.dominates(k, eb) and _agreed(lemmas, p, k)
            for k in range(eb, verb)
        ):
            who, at = _speaker(tokens, p, verb, -1)
            return Voice("reported", who or phrase(tokens, p, verb), at, -1)
    return None


def _act_or_judgement(tokens: TokenColumns, p: Parse, top: int, head: int) -> Voice | None:
    """The object of a speech act, or of a judgement with a named judge, that the phrase
    ``top`` holding the evaluation depends on at ``head``."""
    lemmas = tokens.lemmas
    if (
        head >= 0
        and p.kinds[top] == "case"
        and lemmas[p.ends[top] - 1] in ("を", "の", "に")
        and _first_content(tokens, p, head) in SPEECH_ACT | {"明らか", "発表"}
    ):
        who, at = _speaker(tokens, p, head, -1)
        return Voice("reported", who or phrase(tokens, p, head), at, -1)
    if (
        head >= 0
        and p.kinds[top] == "case"
        and lemmas[p.ends[top] - 1] == "を"
        and _first_content(tokens, p, head) in JUDGING
    ):
        who, at = _speaker(tokens, p, head, -1)
        if who:
            return Voice("reported", who, at, -1)
    return None
