"""Stance attribution through phrase structure, one test per class of issue 22 and the stance
items of issue 20. Every sentence is written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.analyze.article import clean_and_tokenize
from pipeline.analyze.bunsetsu import parse
from pipeline.analyze.lexicons import LexiconError
from pipeline.analyze.stance import StanceHit, find_stance
from pipeline.analyze.stance_lexicon import StanceLexicon, load_stance
from pipeline.analyze.tokens import tokenize_columns

ROOT = Path(__file__).resolve().parent.parent


def run(text: str, stance: StanceLexicon) -> list[StanceHit]:
    clean, sentences = clean_and_tokenize(text)
    return find_stance(clean, sentences, stance)[0]


def counted(text: str, stance: StanceLexicon) -> set[tuple[str, int]]:
    return {(h.target, h.polarity) for h in run(text, stance) if h.counted}


def mentions(text: str, stance: StanceLexicon) -> dict[str, int]:
    clean, sentences = clean_and_tokenize(text)
    return find_stance(clean, sentences, stance)[1]


# --- the parser ----------------------------------------------------------------------------


def test_every_bunsetsu_depends_on_a_later_one() -> None:
    tokens = tokenize_columns("国務省は、A国がB国に弾薬を売却し、地域の安定を脅かしたと批判した。")
    p = parse(tokens)
    assert p.heads[-1] == -1
    assert all(k < h for k, h in enumerate(p.heads[:-1]))
    assert p.starts[0] == 0 and p.ends[-1] == len(tokens.lemmas)


def test_a_reporting_verb_owns_its_complement_across_commas() -> None:
    tokens = tokenize_columns("国務省は、A国がB国に弾薬を売却し、地域の安定を脅かしたと批判した。")
    p = parse(tokens)
    quote = p.kinds.index("quote")
    sold = p.at(tokens.lemmas.index("売却"))
    assert p.dominates(quote, sold)
    assert not p.dominates(quote, 0)  # the speaker stands outside
    assert p.heads[0] == p.heads[quote]


def test_of_two_topics_before_a_quotation_the_first_is_the_speaker() -> None:
    tokens = tokenize_columns("報道官は両国の協力は地域の安定に資するとの立場を示した。")
    p = parse(tokens)
    quote = p.kinds.index("quote")
    second = p.at(tokens.lemmas.index("協力"))
    assert p.dominates(quote, second) and not p.dominates(quote, 0)


# --- class 1: reported evaluation without quotation marks ----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "米国務省は、北朝鮮が砲弾を供与し、北朝鮮が地域の平和を脅かしたと非難した。",
        "ロシア外務省の報道官は、ロシアと北朝鮮の協力は地域の安定に貢献するとの立場を示した。",
        "露朝の軍事協力は国際法違反だという。",
        "北朝鮮の行動は挑発的だとされる。",
        "韓国政府は、ロシアの対応は無責任だとしている。",
        "同氏は書簡で、ロシアと北朝鮮の伝統的な友好を振り返った。",
        "韓国政府は北朝鮮の挑発に深い遺憾を表明した。",
        "北朝鮮は米国を強く非難した。",
    ],
)
def test_reported_evaluations_are_not_counted(text: str, stance: StanceLexicon) -> None:
    hits = run(text, stance)
    assert hits and not any(h.counted for h in hits)
    assert {h.voice for h in hits} == {"reported"}


def test_the_speaker_is_named_and_never_the_target(stance: StanceLexicon) -> None:
    hits = run("韓国政府は、北朝鮮の挑発に深い遺憾を表明した。", stance)
    assert "south_korea" not in {h.target for h in hits}
    hits = run("北朝鮮は米国を強く非難した。", stance)
    assert [(h.target, h.speaker) for h in hits] == [("united_states", "北朝鮮は")]


def test_the_authors_own_inference_counts(stance: StanceLexicon) -> None:
    assert counted("露朝の武器取引は違法だと言える。", stance) == {("russia_dprk_ties", -1)}


# --- class 2: the evaluation is about another noun -----------------------------------------


def test_support_for_sanctions_is_no_evaluation_of_their_target(stance: StanceLexicon) -> None:
    assert counted("日本は北朝鮮に対する制裁を支持した。", stance) == set()


def test_a_quality_of_the_bond_is_not_the_observers(stance: StanceLexicon) -> None:
    hits = run("米国が指摘してきた露朝の強固な結束は揺るがない。", stance)
    assert "united_states" not in {h.target for h in hits if h.counted}


def test_an_evaluation_modifying_a_target_reaches_it(stance: StanceLexicon) -> None:
    hits = run("露朝の危険な接近が続いている。", stance)
    assert [(h.target, h.attached) for h in hits if h.counted] == [
        ("russia_dprk_ties", "危険な ← 露朝の")
    ]


def test_a_manner_adverb_qualifies_the_doer_not_the_object(stance: StanceLexicon) -> None:
    assert counted("ロシアはウクライナの領土を一方的に併合した。", stance) == {("russia", -1)}


def test_partial_compliance_is_no_praise(stance: StanceLexicon) -> None:
    hits = run("ロシアと中国は国際制裁を部分的に遵守している。", stance)
    assert hits and not any(h.counted for h in hits)


def test_a_quality_said_of_both_parties_is_the_ties(stance: StanceLexicon) -> None:
    assert counted("ロシアと北朝鮮の友好は新たな段階に入った。", stance) == {
        ("russia_dprk_ties", 1)
    }


def test_a_relational_word_is_about_the_relationship_only(stance: StanceLexicon) -> None:
    assert counted("モスクワの重要なパートナーは制裁に加わった。", stance) == set()
    assert counted("ロシアと北朝鮮の対立が深まった。", stance) == {("russia_dprk_ties", -1)}


# --- class 3: distance and irony ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "米国は架空の北朝鮮の脅威をでっち上げている。",
        "いわゆる北朝鮮の脅威が語られる。",
        "ロシアと北朝鮮は会談し、両国の「友好」を演出した。",
        "露朝の友好は見せかけに過ぎない。",
    ],
)
def test_distanced_evaluations_are_not_counted(text: str, stance: StanceLexicon) -> None:
    hits = run(text, stance)
    distanced = [h for h in hits if h.term in ("脅威", "友好")]
    assert distanced and not any(h.counted for h in distanced)


def test_what_an_actor_calls_itself_is_kept_at_a_distance(stance: StanceLexicon) -> None:
    assert counted("ロシアと北朝鮮は友好と称する取引を続けている。", stance) == set()


# --- class 4: repeated text -------------------------------------------------------------------


def test_a_repeated_sentence_counts_once(stance: StanceLexicon) -> None:
    sentence = "北朝鮮の挑発行為が続いている。"
    assert len(run(sentence + "\n" + sentence, stance)) == len(run(sentence, stance)) == 1


# --- class 5: recall through modifiers, predicates, loaded nouns and acts -------------------


def test_the_evaluation_of_an_act_is_about_its_actor(stance: StanceLexicon) -> None:
    assert counted("北朝鮮の派兵は国際法違反だ。", stance) == {
        ("dprk", -1),
        ("russia_dprk_ties", -1),
    }


def test_a_topic_governs_the_clauses_it_continues_into(stance: StanceLexicon) -> None:
    assert counted("北朝鮮は開発を加速させ、周辺国への威嚇を繰り返している。", stance) == {
        ("dprk", -1)
    }


def test_a_quality_of_the_predicate_noun_is_the_topics(stance: StanceLexicon) -> None:
    text = "ロシアと北朝鮮の接近は、互いの必要から生まれた便宜的な関係である。"
    assert ("russia_dprk_ties", -1) in counted(text, stance)


def test_both_countries_with_a_modifier_name_the_tie(stance: StanceLexicon) -> None:
    text = "ロシアと北朝鮮が会談した。両国の露骨な接近は周辺国を不安にさせている。"
    assert counted(text, stance) == {("russia_dprk_ties", -1)}


def test_a_loaded_name_evaluates_its_target(stance: StanceLexicon) -> None:
    assert counted("キエフ政権は声明を出した。", stance) == {("ukraine", -1)}
    assert counted("ウクライナ政府は声明を出した。", stance) == set()


def test_a_neutral_report_stays_neutral(stance: StanceLexicon) -> None:
    assert counted("ロシアと北朝鮮の両首脳は会談し、条約に署名した。", stance) == set()
    assert counted("北朝鮮は弾道ミサイル1発を発射した。", stance) == set()


# --- class 6: names as each camp writes them ----------------------------------------------


def test_names_of_each_camp(stance: StanceLexicon) -> None:
    assert set(mentions("北韓の軍事挑発が続く。", stance)) == {"dprk"}
    assert set(mentions("朝鮮は声明を出した。", stance)) == {"dprk"}
    assert set(mentions("総書記は演説した。", stance)) == {"dprk"}
    assert "dprk" not in mentions("習近平総書記は演説した。", stance)
    assert "dprk" not in mentions("朝鮮半島の情勢と朝鮮戦争の記憶。", stance)


def test_rice_is_not_the_united_states(stance: StanceLexicon) -> None:
    assert mentions("米農家が米の価格の高騰に悩んでいる。", stance) == {}
    assert set(mentions("米政府と米軍は対米批判に反発した。", stance)) == {"united_states"}
    assert set(mentions("日本と米は協議した。", stance)) == {"japan", "united_states"}


# --- issue 20: affirmation is no negation -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "露朝の接近が地域の脅威であることは間違いない。",
        "露朝の軍事協力は地域の脅威にほかならない。",
        "北朝鮮の行動は挑発的であるに違いない。",
    ],
)
def test_affirming_idioms_are_not_negations(text: str, stance: StanceLexicon) -> None:
    hits = [h for h in run(text, stance) if h.polarity < 0]
    assert hits and all(h.counted and not h.negated for h in hits)


def test_not_yielding_to_pressure_negates_nothing_evaluative(stance: StanceLexicon) -> None:
    hits = run("北朝鮮は西側の挑発に屈せず、自主路線を貫いた。", stance)
    provocation = [h for h in hits if h.term == "挑発"]
    assert [(h.target, h.negated, h.counted) for h in provocation] == [("west", False, True)]


def test_negation_still_neutralises(stance: StanceLexicon) -> None:
    hits = run("北朝鮮は地域の脅威にならない。", stance)
    assert hits and all(h.negated and not h.counted for h in hits)


def test_a_common_word_must_be_an_alias(tmp_path: Path) -> None:
    folder = tmp_path / "stance"
    folder.mkdir()
    for name in ("evaluations.yaml", "expectations.yaml"):
        (folder / name).write_text(
            (ROOT / "lexicons" / "stance" / name).read_text("utf-8"), "utf-8"
        )
    (folder / "targets.yaml").write_text(
        "targets:\n  - {id: russia, names: [ロシア]}\n"
        "common_words:\n  - {alias: 米, needs: [政府]}\n",
        "utf-8",
    )
    with pytest.raises(LexiconError, match="no target alias"):
        load_stance(folder)


# --- recall through structure (second pass) ------------------------------------------------


def test_both_countries_points_back_past_a_target_named_after_it(stance: StanceLexicon) -> None:
    text = (
        "A国の代表団が到着した。ロシアは北朝鮮と条約を結んだ。"
        "両国の危険な接近は、ウクライナでの戦闘を長引かせる。"
    )
    assert ("russia_dprk_ties", -1) in counted(text, stance)
    # a third country named before 両国 competes for it: no tie is read
    text = "ロシアは北朝鮮と条約を結んだ。ウクライナの隣で、両国の危険な接近が続く。"
    assert "russia_dprk_ties" not in {t for t, _ in counted(text, stance)}


def test_a_topic_governs_a_copular_clause_and_the_predicate_after_it(
    stance: StanceLexicon,
) -> None:
    text = "ロシアの越境攻撃は国際法に反する作戦であり、地域を不安にさせた。"
    assert ("russia", -1) in counted(text, stance)


def test_cannot_be_justified_is_a_verdict_not_a_negated_rationalisation(
    stance: StanceLexicon,
) -> None:
    assert ("dprk", -1) in counted("北朝鮮の核実験は正当化できない。", stance)
    assert ("russia", -1) in counted("ロシアの行為は容認できない。", stance)
    # a verdict inside a reporting verb's complement stays the speaker's
    assert not counted("日本政府は、ロシアの行為は容認できないと述べた。", stance)


def test_the_subject_of_a_nominalised_topic_is_what_its_predicate_evaluates(
    stance: StanceLexicon,
) -> None:
    text = "韓国が同盟国との演習を続けるのは、主権国家として当然の権利である。"
    assert ("south_korea", 1) in counted(text, stance)
    assert ("dprk", -1) in counted("北朝鮮が砲弾を売ったのは違法だ。", stance)
    # the subject of a clause that is not the topic is not evaluated through it
    assert not counted("北朝鮮が発表した声明は長文だった。", stance)


def test_an_earlier_topic_is_not_carried_into_a_clause_with_its_own_topic(
    stance: StanceLexicon,
) -> None:
    text = "ワシントンは露朝の協力を「脅威」と呼ぶが、危険なのはむしろ軍事ブロックの拡大である。"
    assert ("united_states", -1) not in counted(text, stance)
    # without a topic of its own the clause still carries the earlier one
    assert ("russia", -1) in counted("ロシアは自らの違反を隠すために、記録を破壊した。", stance)


def test_general_condemnation_words_count_for_their_doer(stance: StanceLexicon) -> None:
    assert ("japan", -1) in counted("日本政府は朝鮮学校への差別を続けている。", stance)
    assert ("west", -1) in counted("西側は一方的な制裁を乱発してきた。", stance)
    # the condemned act reported with a speaker stays the speaker's
    assert ("west", -1) not in counted("ロシア外務省は、西側が制裁を乱発したと批判した。", stance)


@pytest.mark.parametrize("verb", ["脅かす", "招く", "阻む", "揺るがす"])
def test_a_verb_of_any_ending_modifies_the_noun_after_it(verb: str) -> None:
    tokens = tokenize_columns(f"両国の協力は秩序を{verb}ものではなく、友好の証である。")
    p = parse(tokens)
    k = p.at(tokens.surfaces.index(verb))
    assert p.kinds[k] == "adnominal" and p.heads[k] == k + 1
    # the topic then reaches the sentence's last predicate, not the relative clause
    topic = p.at(tokens.surfaces.index("協力"))
    assert p.kinds[topic] == "topic" and p.heads[topic] == len(p.heads) - 1


def test_settlement_through_dialogue_in_its_common_wordings(stance: StanceLexicon) -> None:
    for text in ("ロシアは対話による問題解決を呼びかけた。", "ロシアは対話を通じた解決を求めた。"):
        assert ("russia", 1) in counted(text, stance)


def test_in_disregard_of_others_counts_against_the_doer(stance: StanceLexicon) -> None:
    assert ("russia", -1) in counted("周辺国の懸念をよそに、ロシアは演習を続けた。", stance)
    reported = "中国外務省は、ロシアが周辺国の懸念をよそに演習を続けたと述べた。"
    assert ("russia", -1) not in counted(reported, stance)


@pytest.mark.parametrize("verb", ["続ける", "繰り返す", "強める", "招く"])
def test_a_target_after_a_relative_clause_heads_it_whatever_the_verb_ends_in(
    verb: str, stance: StanceLexicon
) -> None:
    hits = run(f"周辺国への威嚇を{verb}北朝鮮が発射した。", stance)
    assert [(h.target, h.role, h.counted) for h in hits] == [("dprk", "head", True)]


def test_opportunism_is_said_of_the_one_whose_conduct_it_names(stance: StanceLexicon) -> None:
    assert counted("ロシアの対応はご都合主義だ。", stance) == {("russia", -1)}
