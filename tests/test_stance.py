"""Stance attribution on the shipped stance lexicons: clause scope, several targets, victims,
negation, quoted and reported voice, relationship nouns, and arbitrary input."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.analyze.article import clean_and_tokenize
from pipeline.analyze.stance import StanceHit, clause_ids, find_stance
from pipeline.analyze.stance_lexicon import StanceLexicon, load_stance
from pipeline.analyze.tokens import tokenize_columns

ROOT = Path(__file__).resolve().parent.parent


@cache
def shipped() -> StanceLexicon:
    lex = load_stance(ROOT / "lexicons" / "stance")
    assert lex is not None
    return lex


def run(text: str, stance: StanceLexicon) -> tuple[list[StanceHit], dict[str, int]]:
    clean, sentences = clean_and_tokenize(text)
    return find_stance(clean, sentences, stance)


def by_target(hits: list[StanceHit]) -> dict[str, list[StanceHit]]:
    out: dict[str, list[StanceHit]] = {}
    for h in hits:
        out.setdefault(h.target, []).append(h)
    return out


def test_an_evaluation_stays_in_its_clause(stance: StanceLexicon) -> None:
    hits, counts = run("ロシアは演習を行ったが、米国は挑発的だ。", stance)
    assert set(counts) == {"russia", "united_states"}
    assert [(h.target, h.term, h.role) for h in hits] == [("united_states", "挑発的", "topic")]


def test_a_conjunctive_particle_closes_a_clause(stance: StanceLexicon) -> None:
    hits, _ = run("北朝鮮が協議に応じるので日本は孤立している。", stance)
    assert [(h.target, h.term) for h in hits] == [("japan", "孤立")]


def test_coordinated_targets_share_the_evaluation(stance: StanceLexicon) -> None:
    hits, _ = run("米国と韓国は挑発を続けている。", stance)
    assert sorted(h.target for h in hits if h.counted) == ["south_korea", "united_states"]


def test_an_enumeration_with_commas_is_one_clause(stance: StanceLexicon) -> None:
    hits, _ = run("ロシア、中国、北朝鮮という3つの友好国が集まった。", stance)
    assert sorted(h.target for h in hits if h.term == "友好国") == ["china", "dprk", "russia"]


def test_the_victim_of_an_act_is_not_its_culprit(stance: StanceLexicon) -> None:
    hits, _ = run("ロシアによるウクライナ侵略は続いている。", stance)
    roles = {h.target: (h.role, h.counted, h.polarity) for h in hits}
    assert roles["russia"] == ("agent_by", True, -1)
    assert roles["ukraine"] == ("victim_compound", False, -1)


def test_the_object_of_an_act_is_its_victim_and_the_topic_carries(
    stance: StanceLexicon,
) -> None:
    hits = by_target(run("ロシアは、北朝鮮を挑発した。", stance)[0])
    assert [(h.role, h.counted) for h in hits["russia"]] == [("topic", True)]
    assert [(h.role, h.counted) for h in hits["dprk"]] == [("victim_object", False)]


def test_a_passive_turns_the_subject_into_the_victim(stance: StanceLexicon) -> None:
    hits, _ = run("ウクライナが侵略された。", stance)
    assert [(h.target, h.role, h.counted) for h in hits] == [("ukraine", "victim_subject", False)]


def test_a_judgement_is_about_its_object_not_its_speaker(stance: StanceLexicon) -> None:
    hits, _ = run("北朝鮮は米国を非難した。", stance)
    assert [(h.target, h.role, h.polarity) for h in hits] == [("united_states", "object", -1)]


def test_a_dative_experiencer_is_not_the_threat(stance: StanceLexicon) -> None:
    hits, _ = run("日本にとって北朝鮮は重大な脅威だ。", stance)
    assert [h.target for h in hits] == ["dprk"]


def test_the_head_of_a_relative_clause_holds_the_evaluation(stance: StanceLexicon) -> None:
    hits, _ = run("国際的な孤立を深めるロシアにとって、北朝鮮は重要だ。", stance)
    assert [(h.target, h.role) for h in hits] == [("russia", "head")]


def test_negation_neutralises(stance: StanceLexicon) -> None:
    hits, _ = run("北朝鮮は脅威ではない。", stance)
    assert [(h.target, h.negated, h.counted) for h in hits] == [("dprk", True, False)]
    hits, _ = run("中国は制裁違反を自制している。", stance)
    assert [(h.target, h.negated, h.counted) for h in hits] == [("china", True, False)]


def test_quoted_and_reported_evaluations_are_not_the_authors(stance: StanceLexicon) -> None:
    hits, _ = run("彼は「米国は脅威だ」と述べた。", stance)
    assert [(h.target, h.voice, h.counted) for h in hits] == [("united_states", "quoted", False)]
    hits, _ = run("北朝鮮は米国が脅威だと主張した。", stance)
    assert [(h.target, h.voice, h.counted) for h in hits] == [("united_states", "reported", False)]
    hits, _ = run("米当局によると、北朝鮮は脅威だ。", stance)
    assert {h.voice for h in hits} == {"reported"}


def test_relationship_nouns_name_the_tie_only_between_its_parties(
    stance: StanceLexicon,
) -> None:
    hits, counts = run("ロシアと北朝鮮の軍事協力は重大な脅威だ。", stance)
    assert [(h.target, h.target_matched, h.role) for h in hits] == [
        ("russia_dprk_ties", "軍事協力", "topic")
    ]
    assert counts["russia_dprk_ties"] == 1
    hits, counts = run("ロシアは中国との関係を重視し、中国との関係は良好だ。", stance)
    assert "russia_dprk_ties" not in set(counts)
    hits, _ = run("ロシアと北朝鮮の伝統的な友好関係は新たな高みに達した。", stance)
    assert {(h.target, h.polarity) for h in hits} == {("russia_dprk_ties", 1)}


def test_mutual_nouns_refer_back_to_both_parties(stance: StanceLexicon) -> None:
    hits, _ = run("プーチン氏は平壌を訪れた。両国関係は良好だ。", stance)
    assert [(h.target, h.term, h.sentence_id) for h in hits] == [("russia_dprk_ties", "良好", 1)]
    hits, _ = run("両国関係は良好だ。", stance)
    assert hits == []


def test_an_article_without_targets_has_no_evidence(stance: StanceLexicon) -> None:
    assert run("今日は晴れて、脅威も懸念もない穏やかな一日だった。", stance) == ([], {})
    assert run("", stance) == ([], {})


def test_spans_index_the_text(stance: StanceLexicon) -> None:
    text = "前文です。\n北朝鮮の挑発は、米国にとって重大な脅威だ。"
    clean, sentences = clean_and_tokenize(text)
    hits, _ = find_stance(clean, sentences, stance)
    assert hits
    for h in hits:
        assert clean.text[h.char_start : h.char_end] == h.term
        assert clean.text[h.target_start : h.target_end] == h.target_matched
        assert h.left == clean.text[max(0, h.char_start - 40) : h.char_start].replace("\n", " ")


def test_clause_ids_do_not_decrease() -> None:
    tokens = tokenize_columns("ロシアは演習を行い、米国は反発したが韓国も懸念するので緊張が続く。")
    clauses = clause_ids(tokens)
    ids = [clauses[i] for i in range(len(tokens))]
    assert ids == sorted(ids) and ids[-1] == 3  # 、 が ので
    comma = tokens.surfaces.index("、")
    assert clauses[comma] == clauses[comma - 1] < clauses[comma + 1]


PIECES = [
    "ロシア",
    "北朝鮮",
    "米国",
    "露朝",
    "ウクライナ",
    "日本",
    "は",
    "が",
    "を",
    "に",
    "の",
    "と",
    "、",
    "。",
    "「",
    "」",
    "脅威",
    "挑発",
    "友好",
    "非難",
    "侵略",
    "された",
    "ではない",
    "関係",
    "によって",
    "だ",
    "した",
    "両国",
    "軍事協力",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
@example(["。", "脅威", "ロシア"])  # cleaning once removed the 「。 that opens the quotation
def test_arbitrary_sequences_give_consistent_rows(pieces: list[str]) -> None:
    stance = shipped()
    text = "".join(pieces)
    clean, sentences = clean_and_tokenize(text)
    hits, counts = find_stance(clean, sentences, stance)
    for h in hits:
        assert 0 <= h.char_start < h.char_end <= len(clean.text)
        assert 0 <= h.target_start < h.target_end <= len(clean.text)
        assert h.counted == (
            h.voice == "author" and not h.negated and not h.role.startswith(("victim", "recipient"))
        )
        assert h.target in stance.labels
        assert h.polarity in (1, -1)
    assert all(n > 0 and t in stance.labels for t, n in counts.items())
    if "「" in text or "」" in text:
        return
    quoted, quoted_sentences = clean_and_tokenize(f"「{text}」")
    assert not any(h.counted for h in find_stance(quoted, quoted_sentences, stance)[0])
