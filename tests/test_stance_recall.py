"""Stance recall classes of issue 22's second round: mutual acts, a named source of pressure,
the maker of a relative clause, a bare 政府 pointing back, an attempt that is no quotation.
Each test pairs the class with a sentence of the same shape that must stay uncounted. Every
sentence is written for these tests."""

from __future__ import annotations

from stance_helpers import counted, mentions

from pipeline.analyze.article import clean_and_tokenize
from pipeline.analyze.bunsetsu import parse
from pipeline.analyze.stance import find_stance
from pipeline.analyze.stance_lexicon import StanceLexicon
from pipeline.analyze.tokens import tokenize_columns


def test_a_mutual_act_reaches_the_partner_named_with_to(stance: StanceLexicon) -> None:
    got = counted("南朝鮮の軍部は、米国と結託して合同演習を強行した。", stance)
    assert {("united_states", -1), ("south_korea", -1)} <= got


def test_a_mutual_act_of_the_two_parties_is_the_ties_and_each_party(
    stance: StanceLexicon,
) -> None:
    got = counted("ロシアは北朝鮮と結託し、制裁を骨抜きにしてきた。", stance)
    assert {("russia_dprk_ties", -1), ("russia", -1), ("dprk", -1)} <= got
    got = counted("ロシアと北朝鮮の密約が明るみに出た。", stance)
    assert {("russia_dprk_ties", -1), ("russia", -1), ("dprk", -1)} <= got


def test_pressure_evaluates_its_named_source_only(stance: StanceLexicon) -> None:
    got = counted("西側による前例のない圧力の下でも、両国の協力は続いている。", stance)
    assert ("west", -1) in got
    # whoever applies it as a policy, or is under it, is not evaluated
    assert not counted("米国は北朝鮮への圧力を強めている。", stance)


def test_a_linked_phrase_shares_the_head_of_the_relative_clause_after_it() -> None:
    tokens = tokenize_columns("西側による前例のない圧力の下で")
    p = parse(tokens)
    by = p.at(tokens.lemmas.index("因る"))
    assert p.heads[by] == p.at(tokens.lemmas.index("圧力"))


def test_what_a_named_judge_condemns_is_the_judges(stance: StanceLexicon) -> None:
    assert not counted("北朝鮮は米国の敵視政策を非難した。", stance)
    assert not counted("北朝鮮は米国による圧力を非難した。", stance)
    # without a judge the loaded noun is the author's
    assert ("united_states", -1) in counted("米国の敵視政策は続いている。", stance)


def test_the_maker_of_a_relative_clause_owns_what_it_makes(stance: StanceLexicon) -> None:
    assert ("united_states", -1) in counted("米国が主導する制裁は違法だ。", stance)
    text = "西側がつくり出した騒ぎは、武器供与のための口実に過ぎない。"
    assert ("west", -1) in counted(text, stance)
    # one who only points something out or judges it does not make it
    assert ("united_states", -1) not in counted("米国が指摘する制裁の抜け穴は違法だ。", stance)
    assert ("dprk", -1) not in counted("北朝鮮が非難する米国の敵視政策", stance)


def test_a_bare_government_points_back_to_the_one_last_named(stance: StanceLexicon) -> None:
    text = "韓国政府は新たな方針を発表した。政府の対応は無責任だ。"
    assert ("south_korea", -1) in counted(text, stance)
    # none named before: 政府 stays nobody's
    assert not counted("北朝鮮がミサイルを発射した。政府の対応は無責任だ。", stance)
    # too far back: the reach ends
    far = "韓国政府は方針を発表した。会見は短かった。質問は出なかった。雨だった。風も強かった。"
    assert ("south_korea", -1) not in counted(far + "政府の対応は無責任だ。", stance)


def test_an_attempt_is_no_quotation(stance: StanceLexicon) -> None:
    text = "平壌が自らの安全保障を強化しようとするのは当然のことだ。"
    assert ("dprk", 1) in counted(text, stance)
    # the adverb 当然のことながら evaluates nobody
    assert not counted("当然のことながら、米国は反発した。", stance)


def test_sono_points_back_to_the_topic_of_the_sentence(stance: StanceLexicon) -> None:
    text = "欧米諸国は監視体制を早急に立ち上げるべきだが、その動きは鈍い。"
    assert ("west", -1) in counted(text, stance)
    # その as a connective (その結果, その後) points at nobody
    assert not counted("米国は制裁を強化したが、その結果、挑発的な行動が増えた。", stance)
    # nothing named before その: nobody's
    assert not counted("監視体制を立ち上げるべきだが、その動きは鈍い。", stance)


def test_a_guarded_alias_counts_with_its_actor_word_after_no(stance: StanceLexicon) -> None:
    assert mentions("共和国の武力は万全の態勢を整えている。", stance) == {"dprk": 1}
    assert mentions("その共和国の首都は美しい。", stance) == {}


def test_an_adverb_does_not_split_an_evaluation(stance: StanceLexicon) -> None:
    assert ("russia", -1) in counted("クレムリンは自ら賛成した制裁を公然と破った。", stance)
    clean, sentences = clean_and_tokenize("北朝鮮は国際法を平然と無視している。")
    terms = [h.term for h in find_stance(clean, sentences, stance)[0]]
    assert terms == ["国際法を無視"]  # the longer match, once
    # an adjective before the noun splits nothing
    assert not counted("ロシアは制裁を重要な手段と見なしている。", stance)


def test_an_act_whose_doer_is_named_with_niyoru_is_the_ties_too(stance: StanceLexicon) -> None:
    got = counted("北朝鮮によるロシアへの派兵は国際法違反だ。", stance)
    assert {("dprk", -1), ("russia_dprk_ties", -1)} <= got
    assert ("russia", -1) not in got  # the one it is sent to is not its doer
    # another pair's act is not the ties
    assert not {t for t, _ in counted("中国による米国への輸出は違法だ。", stance)} & {
        "russia_dprk_ties"
    }


def test_a_clause_stated_as_a_held_position_is_the_holders(stance: StanceLexicon) -> None:
    text = "ロシアとの友好関係を全面的に拡大させることが北朝鮮の一貫した立場だ。"
    assert not counted(text, stance)
    # the same evaluation without a position noun is the author's
    assert ("russia_dprk_ties", 1) in counted("ロシアと北朝鮮の友好関係は拡大している。", stance)


def test_transfers_between_the_parties_name_the_ties(stance: StanceLexicon) -> None:
    text = "北朝鮮からロシアへの武器移転は安保理決議に違反している。"
    assert ("russia_dprk_ties", -1) in counted(text, stance)
    assert mentions("中国は北朝鮮への派遣を検討している。", stance).get("russia_dprk_ties") is None
