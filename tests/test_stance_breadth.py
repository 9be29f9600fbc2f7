"""Stance classes of issue 22's fourth round: breadth that carries to unseen writers. Names
UniDic splits into symbols (北ロ), a quality a target has (Xには限界がある), a topic that is no
more than its predicate noun (…ものにとどまる), an adverbial noun splitting a phrase (扉を自ら
閉ざす). Each test pairs the class with a sentence of the same shape that must stay uncounted.
Every sentence is written for these tests."""

from __future__ import annotations

from stance_helpers import counted, mentions

from pipeline.analyze.stance_lexicon import StanceLexicon


def test_pair_names_tokenized_as_symbols_name_the_ties(stance: StanceLexicon) -> None:
    assert "russia_dprk_ties" in mentions("北ロ首脳会談が開かれた。", stance)
    assert ("russia_dprk_ties", -1) in counted("ロ北の結託は明らかだ。", stance)
    assert "russia_dprk_ties" not in mentions("船は北の海に向かった。", stance)


def test_what_a_target_has_is_said_of_it(stance: StanceLexicon) -> None:
    assert ("russia_dprk_ties", -1) in counted("露朝協力には限界がある。", stance)
    assert ("russia_dprk_ties", -1) in counted("露朝協力には亀裂が見える。", stance)
    # a target reached by に without a predicate of having is not the holder
    assert not counted("露朝協力に限界を設けた。", stance)
    assert not counted("露朝協力に反対する声がある。", stance)


def test_a_topic_no_more_than_its_predicate_noun_takes_it(stance: StanceLexicon) -> None:
    got = counted("ロシアと北朝鮮の関係は取引的なものにとどまる。", stance)
    assert ("russia_dprk_ties", -1) in got
    assert not counted("ロシアと北朝鮮の関係は首脳会談にとどまる。", stance)


def test_an_adverbial_noun_does_not_split_a_phrase(stance: StanceLexicon) -> None:
    assert ("south_korea", -1) in counted("韓国政府は対話の扉を自ら閉ざしてきた。", stance)
    assert not counted("韓国政府は自ら対話の扉を開いた。", stance)


def test_a_clause_denied_or_called_unlikely_asserts_nothing(stance: StanceLexicon) -> None:
    assert not counted("北朝鮮は孤立しているわけではない。", stance)
    assert not counted("ロシアは孤立しているとは言えない。", stance)
    assert not counted("北朝鮮の傍観は考えにくい。", stance)
    assert ("dprk", -1) in counted("北朝鮮は孤立している。", stance)


def test_an_evaluation_taken_as_a_pretext_is_denied(stance: StanceLexicon) -> None:
    got = counted("米国は北朝鮮の脅威を口実に軍備を増強している。", stance)
    assert ("dprk", -1) not in got
    assert ("united_states", -1) in got
    assert not counted("日本は北朝鮮の脅威を誇張している。", stance) & {("dprk", -1)}
    # the same threat given as a reason is asserted
    assert ("dprk", -1) in counted("米国は北朝鮮の脅威を理由に軍備を増強している。", stance)


def test_the_one_rescued_from_a_state_is_not_in_it(stance: StanceLexicon) -> None:
    assert not counted("ロシアは北朝鮮を国際的孤立から救い出した。", stance)
    assert ("dprk", -1) in counted("北朝鮮は国際的孤立を深めている。", stance)


def test_the_republic_reached_across_modifiers_is_the_dprk(stance: StanceLexicon) -> None:
    got = counted("共和国の強力な自衛的国防力は、地域の平和を守っている。", stance)
    assert ("dprk", 1) in got
    got = counted("米国は、共和国の合法的な自衛権行使を非難している。", stance)
    assert ("united_states", 1) not in got
    assert "dprk" not in mentions("チェコ共和国の軍は演習に参加した。", stance)
    assert "dprk" not in mentions("共和国の強力な支持者が集まった。", stance)


def test_a_nominalised_clause_a_named_speaker_says_is_reported(stance: StanceLexicon) -> None:
    text = (
        "ザハロワ氏は、ロシアと北朝鮮の協力は完全に合法的なものであり、"
        "第三国に向けられていないことを強調しました。"
    )
    assert not counted(text, stance)
    assert not counted("北朝鮮外務省は、露朝協力が合法的であることを強調した。", stance)
    # the author's own first-person remark stays the author's
    got = counted("露朝協力が違法であることを指摘しておきたい。", stance)
    assert ("russia_dprk_ties", -1) in got


def test_a_speaker_before_a_colon_owns_the_headline(stance: StanceLexicon) -> None:
    assert not counted("ザハロワ報道官：NATOのアジア進出は緊張を高めるものだ", stance)
    # a wire's label before a colon is no speaker
    assert ("west", -1) in counted("焦点：NATOのアジア進出は緊張を高めるものだ", stance)


def test_what_a_target_opposes_is_not_its_quality(stance: StanceLexicon) -> None:
    text = "帝国主義者の強権に反対する闘争の中で鍛えられた朝露の友誼は揺るがない。"
    assert ("russia_dprk_ties", -1) not in counted(text, stance)
    assert ("russia", -1) not in counted("米国の覇権に対抗するロシアは前進した。", stance)
    # the act a target carries on is still its own
    assert ("dprk", -1) in counted("挑発を続ける北朝鮮は孤立を深めている。", stance)


def test_kore_wa_points_back_to_the_sentence_before(stance: StanceLexicon) -> None:
    text = "北朝鮮はロシアに武器を売却した。これは安保理決議の明白な違反である。"
    assert ("dprk", -1) in counted(text, stance)
    # not when the sentence before reports someone's words, nor with nothing named before
    text = "米国務省は、北朝鮮がロシアに武器を売却したと発表した。これは明白な違反である。"
    assert not counted(text, stance)
    assert not counted("雨が続いた。これは明白な違反である。", stance)


def test_the_judge_of_a_concern_further_up_owns_it(stance: StanceLexicon) -> None:
    text = "日本政府は、露朝の軍事協力の動向を強い警戒感をもって注視している。"
    assert not counted(text, stance)
    assert ("russia_dprk_ties", -1) in counted("露朝の軍事協力は警戒すべき動きだ。", stance)


def test_a_headline_subject_set_off_by_a_comma_is_the_judge(stance: StanceLexicon) -> None:
    assert not counted("朝鮮外務省スポークスマン、G7外相会議の共同声明を糾弾", stance)
    # with a full stop it is a sentence whose opening phrase is no speaker
    assert ("dprk", -1) in counted("昨年、北朝鮮は挑発を繰り返した。", stance)


def test_the_genitive_of_a_reaction_drawn_is_its_judge(stance: StanceLexicon) -> None:
    assert ("china", -1) not in counted("この決定は中国の強い反発を招いた。", stance)
    assert ("russia", -1) in counted("ロシアの行動は国際的な反発を招いた。", stance)


def test_ryokoku_after_both_parties_names_the_ties(stance: StanceLexicon) -> None:
    text = "ロシアと北朝鮮は会談した。両国の姿勢は多くの国々の手本となっている。"
    assert ("russia_dprk_ties", 1) in counted(text, stance)
    text = "日本と韓国は会談した。両国の姿勢は多くの国々の手本となっている。"
    assert "russia_dprk_ties" not in {t for t, _ in counted(text, stance)}


def test_a_quality_of_what_a_target_keeps_making_is_its_own(stance: StanceLexicon) -> None:
    assert ("japan", -1) in counted("日本政府は不当な措置を続けている。", stance)
    assert not counted("日本政府は不当な措置を批判している。", stance)


def test_kono_and_a_noun_opening_a_sentence_point_back(stance: StanceLexicon) -> None:
    text = "ソウルは砲弾の供与を見送る道を選んだ。この判断は、理にかなったものだった。"
    assert ("south_korea", 1) in counted(text, stance)
    text = "ロシアは安保理決議に賛成してきた。その国が、国際法を踏みにじっている。"
    assert ("russia", -1) in counted(text, stance)
    # a relationship noun after この is the tie's, not the first target's
    got = counted("ロシアは北朝鮮に砲弾を送った。この取引は決議に違反する。", stance)
    assert ("russia_dprk_ties", -1) in got
    assert ("russia", -1) not in got


def test_a_dateline_is_not_the_sentence_before_s_subject(stance: StanceLexicon) -> None:
    text = "【朝鮮中央通信】南朝鮮軍部は合同演習を強行した。これは露骨な戦争挑発だ。"
    got = counted(text, stance)
    assert ("south_korea", -1) in got
    assert ("dprk", -1) not in got


def test_advice_to_act_well_is_no_praise(stance: StanceLexicon) -> None:
    text = "日本政府は、韓国や米国と足並みをそろえ、努力を重ねるべきだ。"
    assert ("japan", 1) not in counted(text, stance)
    assert ("west", 1) in counted("G7は足並みをそろえて輸出管理を締め上げてきた。", stance)


def test_a_topic_reaches_past_a_noun_with_a_case_particle(stance: StanceLexicon) -> None:
    text = "この判断は、ロシアに口実を与えないという点で、理にかなったものだった。"
    before = "ソウルは砲弾の供与を見送った。"
    assert ("south_korea", 1) in counted(before + text, stance)
    assert ("russia", 1) not in counted(before + text, stance)
