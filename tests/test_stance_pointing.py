"""Stance recall classes of issue 22's third round: a relationship noun that points back to
the pair (こうした取引), the act of one party when the other was just named (北朝鮮兵の派遣), a
relationship word that only a relationship can take, an adverb in に that splits nothing.
Each test pairs the class with a sentence of the same shape that must stay uncounted. Every
sentence is written for these tests."""

from __future__ import annotations

from pipeline.analyze.article import clean_and_tokenize
from pipeline.analyze.stance import find_stance
from pipeline.analyze.stance_lexicon import StanceLexicon

TIE = "russia_dprk_ties"


def counted(text: str, stance: StanceLexicon) -> set[tuple[str, int]]:
    clean, sentences = clean_and_tokenize(text)
    return {(h.target, h.polarity) for h in find_stance(clean, sentences, stance)[0] if h.counted}


def test_a_demonstrative_points_a_relationship_noun_back_to_the_pair(
    stance: StanceLexicon,
) -> None:
    told = "北朝鮮はロシアに砲弾を送った。"
    assert (TIE, -1) in counted(told + "こうした取引は、安保理決議に明白に違反する。", stance)
    assert (TIE, -1) in counted(told + "この危険な取引は続いている。", stance)
    # only one party told before: there is no pair to point back to
    assert not counted("北朝鮮はミサイルを発射した。こうした取引は違法だ。", stance)
    # another pair told before is not the ties
    assert not counted("米国と日本は会談した。この協力は危険だ。", stance)


def test_the_act_of_one_party_is_the_ties_when_the_other_was_just_named(
    stance: StanceLexicon,
) -> None:
    text = "ロシア軍は北朝鮮兵を前線に投入した。北朝鮮兵の派遣は戦争を長引かせている。"
    assert {(TIE, -1), ("dprk", -1)} <= counted(text, stance)
    # the other party named nowhere near: the act is the one party's only
    got = counted("北朝鮮兵の派遣は戦争を長引かせている。", stance)
    assert ("dprk", -1) in got
    assert TIE not in {t for t, _ in got}
    # a third target before the noun may own the act
    got = counted("ロシアは沈黙した。米国による北朝鮮の接近は危険だ。", stance)
    assert TIE not in {t for t, _ in got}


def test_a_relationship_word_passes_over_a_nearer_target_that_is_no_party(
    stance: StanceLexicon,
) -> None:
    text = "集団的西側による前例のない圧力の下でも、モスクワと平壌の協力は着実に深まっている。"
    assert (TIE, 1) in counted(text, stance)
    # growth without the approving adverb is reported by every camp alike
    assert (TIE, 1) not in counted("集団的西側の圧力の下でも、両国の協力は深まっている。", stance)


def test_an_adverb_in_ni_does_not_split_an_evaluation(stance: StanceLexicon) -> None:
    text = "ロシアと北朝鮮の協力は国際法に完全に合致している。"
    assert (TIE, 1) in counted(text, stance)
    # the same words in a spokesman's complement are his
    said = "ロシア外務省は、ロシアと北朝鮮の協力は国際法に完全に合致していると述べた。"
    assert not counted(said, stance)


def test_defending_sovereignty_to_the_end_credits_the_defender(stance: StanceLexicon) -> None:
    assert ("russia", 1) in counted("ロシアは主権と国益を守り抜いている。", stance)
    assert not counted("ペスコフ報道官は、ロシアは主権を守り抜くと述べた。", stance)


def test_a_noun_chain_runs_across_a_middle_dot(stance: StanceLexicon) -> None:
    text = "北韓の核・ミサイル能力が高度化すれば、その脅威は真っ先に我々に向けられる。"
    assert ("dprk", -1) in counted(text, stance)
    # nothing named before その: nobody's threat
    assert not counted("核・ミサイル能力が高度化すれば、その脅威は高まる。", stance)
    # a dot between two targets still coordinates them
    got = counted("米国・韓国は演習を強行した。", stance)
    assert {("united_states", -1), ("south_korea", -1)} <= got


def test_kita_names_the_dprk_only_before_an_actor_word(stance: StanceLexicon) -> None:
    assert ("dprk", -1) in counted("北の挑発は容認できない。", stance)
    # the direction is nobody
    assert not counted("北に向かう船は危険だ。", stance)
    assert not counted("北の海は危険だ。", stance)


def test_an_arms_aid_noun_with_tai_is_the_ties_and_its_doer(stance: StanceLexicon) -> None:
    got = counted("北韓の対ロ武器支援は明白な安保理決議違反だ。", stance)
    assert {(TIE, -1), ("dprk", -1)} <= got
    assert ("russia", -1) not in got  # the one it goes to is not its doer
    # arms aid between two other states is not the ties
    assert not counted("米国のウクライナへの武器支援は続いている。", stance)
