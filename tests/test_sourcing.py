"""Attributions: each construction on hand-written sentences, speakers and their offsets."""

from __future__ import annotations

import pytest

from pipeline.analyze.article import clean_and_tokenize
from pipeline.analyze.sourcing import Attribution, cited_spans, find_attributions, quoted_flags


def attributions(text: str) -> tuple[str, list[Attribution]]:
    clean, sentences = clean_and_tokenize(text)
    return clean.text, find_attributions(clean, sentences)


def one(text: str) -> Attribution:
    cleaned, found = attributions(text)
    assert len(found) == 1, found
    a = found[0]
    assert cleaned[a.speaker_start : a.speaker_end] == a.speaker
    return a


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("ロイター通信によると、北朝鮮は砲弾をロシアに送った。", "ロイター通信"),
        ("韓国の国家情報院によれば、派兵は1万人規模に達した。", "韓国の国家情報院"),
        ("防衛省によりますと、ミサイルは日本海に落下しました。", "防衛省"),
        ("ロシアの国営タス通信によると、会談は3時間続いた。", "ロシアの国営タス通信"),
    ],
)
def test_according_to(text: str, speaker: str) -> None:
    a = one(text)
    assert (a.speaker, a.kind, a.verb) == (speaker, "according_to", "によると")


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("ペスコフ報道官は、両国の協力は主権的な問題だと述べた。", "述べる"),
        ("ペスコフ報道官は記者団に対し、協議は続くと語った。", "語る"),
        ("ペスコフ報道官は、関係は第三国を脅かさないと強調した。", "強調する"),
        ("ペスコフ報道官は、西側が緊張を高めていると指摘した。", "指摘する"),
        ("ペスコフ報道官は、訪問の日程が決まったことを明らかにした。", "明らかにする"),
        ("ペスコフ報道官は、首脳会談を来月開くと発表した。", "発表する"),
        ("ペスコフ報道官は、北朝鮮を訪れた代表団が帰国したと話した。", "話す"),
        ("ペスコフ報道官は、制裁は効果がないとの見方を示した。", "見方を示す"),
        ("ペスコフ報道官は、協議は順調だとしている。", "としている"),
    ],
)
def test_reporting_verbs(text: str, verb: str) -> None:
    a = one(text)
    assert (a.speaker, a.kind, a.verb) == ("ペスコフ報道官", "reporting_verb", verb)


def test_reported_by_a_paper() -> None:
    a = one("朝鮮中央通信は、金正恩総書記が工場を視察したと報じた。")
    assert (a.speaker, a.verb) == ("朝鮮中央通信", "報ずる")


def test_speaker_directly_before_the_verb() -> None:
    a = one("会談は平壌で行われた。ロシア外務省が発表した。")
    assert (a.speaker, a.kind, a.sentence_id) == ("ロシア外務省", "reporting_verb", 1)


def test_quoted_speech_and_its_speaker() -> None:
    a = one("カービー戦略広報調整官は「ロシアは北朝鮮の弾薬に頼っている」と語った。")
    assert (a.speaker, a.kind, a.verb) == ("カービー戦略広報調整官", "quote", "語る")


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("外交筋によると、代表団は来週モスクワを訪れる。", "外交筋"),
        ("消息筋は、兵士の一部が帰国したと明らかにした。", "消息筋"),
    ],
)
def test_anonymous_sources(text: str, speaker: str) -> None:
    a = one(text)
    assert (a.speaker, a.kind) == (speaker, "anonymous")


@pytest.mark.parametrize(
    "text",
    [
        "北朝鮮は東海上に弾道ミサイルを発射した。",
        "米国はこの組織をテロ組織としている。",
        "敵対勢力は、わが国の自主権を奪おうとしている。",
        "「タス通信によると、会談は成功した」という見出しが躍った。",
        "14日は、雨が降ると発表された。",
    ],
)
def test_no_attribution(text: str) -> None:
    assert attributions(text)[1] == []


def test_two_speakers_in_one_article_in_order() -> None:
    text = (
        "ロシアのペスコフ大統領報道官は、協力は合法だと述べた。"
        "一方、米国務省の報道官は、取引は安保理決議に違反すると指摘した。"
    )
    _, found = attributions(text)
    assert [a.speaker for a in found] == ["ロシアのペスコフ大統領報道官", "米国務省の報道官"]
    assert [a.sentence_id for a in found] == [0, 1]
    assert cited_spans(found) == sorted((a.speaker_start, a.speaker_end) for a in found)


@pytest.mark.parametrize(
    "text",
    [
        "首相は「制裁を続ける。効果は出ている」と述べた。次の文に引用はない。",
        "報道官は述べた。「支援は続く」。その後「協議する」とも語った。",
        "引用のない文。もう一つの文。",
        "「閉じない引用が段落の終わりまで続く。次の文も\n新しい段落に引用はない。",
        '“英語の引用符”と"直線の引用符"を含む文。',
    ],
)
def test_quoted_flags_agree_with_in_quote_token_by_token(text: str) -> None:
    clean, sentences = clean_and_tokenize(text)
    assert clean.quotes or "引用のない" in text
    for tokens in sentences:
        expected = [clean.in_quote(pos) for pos in tokens.starts]
        assert quoted_flags(clean, tokens) == expected
