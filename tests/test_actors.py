"""Actor lexicon: names, country × role, anaphora, user edits and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.analyze.actors import ActorLexicon, ActorLexiconError, load_actors
from pipeline.analyze.article import clean_and_tokenize
from pipeline.analyze.sourcing import find_attributions


@pytest.mark.parametrize(
    ("speaker", "group"),
    [
        ("ロシア大統領府(クレムリン)のペスコフ報道官", "russian_government"),
        ("ロシアの国営タス通信", "russian_state_media"),
        ("朝鮮中央通信", "dprk_state"),
        ("米国防総省のオースティン長官", "us_government"),
        ("北大西洋条約機構(NATO)のルッテ事務総長", "western_government"),
        ("英BBC放送", "western_media"),
        ("王立防衛安全保障研究所(RUSI)の研究員", "experts"),
        ("韓国軍合同参謀本部", "rok_government"),
        ("韓国の国家情報院", "rok_government"),
        ("聯合ニュース", "korean_media"),
        ("林官房長官", "japanese_government"),
        ("共同通信", "japanese_media"),
        ("国連安保理の専門家パネル", "un"),
        ("捕虜の一人", "other"),
    ],
)
def test_named_actors(actors: ActorLexicon, speaker: str, group: str) -> None:
    assert actors.classify(speaker) == group


@pytest.mark.parametrize(
    ("speaker", "group"),
    [
        ("ロシア外務省報道官", "russian_government"),
        ("露国防省", "russian_government"),
        ("ロシアの国営メディア", "russian_state_media"),
        ("米紙", "western_media"),
        ("韓国政府関係者", "rok_government"),
        ("韓国紙", "korean_media"),
        ("北朝鮮外務省", "dprk_state"),
        ("モスクワ国際関係大学の研究者", "experts"),
        ("ロシア", "russian_government"),
    ],
)
def test_country_and_role_combine(actors: ActorLexicon, speaker: str, group: str) -> None:
    """Speakers not listed by name are classified by their country and head role."""
    assert actors.classify(speaker) == group


def test_anaphors_take_the_previous_speaker(actors: ActorLexicon) -> None:
    clean, sentences = clean_and_tokenize(
        "ロシアのペスコフ報道官は、協力は合法だと述べた。"
        "ロシアの国営タス通信によると、同氏は「誰も脅かさない」と強調した。"
        "外務省報道官は、協議は続くと語った。"
    )
    found = find_attributions(clean, sentences)
    groups = actors.classify_all(found)
    speakers = [a.speaker for a in found][:3]
    assert speakers == ["ロシアのペスコフ報道官", "ロシアの国営タス通信", "同氏"]
    # 同氏 is a person: it skips the news agency and refers back to the spokesman.
    assert groups[:3] == [
        ("russian_government", False),
        ("russian_state_media", False),
        ("russian_government", True),
    ]


def test_bare_experts_are_not_an_anaphor(actors: ActorLexicon) -> None:
    clean, sentences = clean_and_tokenize(
        "ロシアのラブロフ外相は、協力は続くと述べた。専門家は、制裁違反だと指摘した。"
    )
    groups = actors.classify_all(find_attributions(clean, sentences))
    assert groups == [("russian_government", False), ("experts", False)]


def test_a_user_edit_changes_the_group(tmp_path: Path) -> None:
    path = tmp_path / "actors.yaml"
    path.write_text(
        "groups: {ngo: NGO, experts: experts}\n"
        "actors:\n  - {term: ヒューマン・ライツ・ウォッチ, group: ngo, note: rights NGO}\n"
        "roles:\n  - {term: 専門家, role: experts}\n"
        'combine: {"*": {experts: experts}}\n',
        encoding="utf-8",
    )
    lex = load_actors(path)
    assert lex.classify("国際人権団体ヒューマン・ライツ・ウォッチ") == "ngo"
    assert lex.classify("日本の専門家") == "experts"
    assert lex.classify("外交筋") == "other"
    assert "other" in lex.groups


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("groups: [a, b]\n", r"actors.yaml:1: `groups` must be a mapping, got a list"),
        ("groups: {a: A}\nactors:\n  - {term: X, group: b}\n", "group 'b' is used"),
        ("groups: {a: A}\nactors:\n  - {term: X}\n", r"actors.yaml:3: .*`group` is required"),
        ("groups: {a: A}\nactors:\n  - {term: X, group: a, weight: 2}\n", "unknown key"),
        ("groups: {a: A}\nactorz: []\n", "unknown key 'actorz' \\(did you mean 'actors'"),
        ("groups: {a: A\n", "malformed YAML"),
        ("groups: {a: A}\nactors:\n  - {term: 017, group: a}\n", ":3: .*got the number 017"),
        ("groups: {a: A}\nanaphora: [[同氏]]\n", ":2: `anaphora` item 1 must be text"),
        ("groups: {a: A}\ngroups: {b: B}\n", ":2: duplicate key 'groups' \\(first on line 1\\)"),
        ("groups: {a: {ja: エー, en: A}}\ncombine: {x: {government: b}}\n", ":2: group 'b'"),
    ],
)
def test_bad_actor_lexicons_say_why(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "actors.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ActorLexiconError, match=reason):
        load_actors(path)


def test_missing_file_says_why(tmp_path: Path) -> None:
    with pytest.raises(ActorLexiconError, match="cannot read"):
        load_actors(tmp_path / "none.yaml")
