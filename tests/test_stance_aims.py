"""Precision classes of issue 22's third round, from pro-Moscow phrasing: a state that is only
aimed at (孤立させる試み) is not asserted of its target, and a harm named with its victim inside
the word (ロシア嫌悪) spares the victim. Each test pairs the class with the asserted form.
Every sentence is written for these tests."""

from __future__ import annotations

from pipeline.analyze.article import clean_and_tokenize
from pipeline.analyze.stance import find_stance
from pipeline.analyze.stance_lexicon import StanceLexicon


def counted(text: str, stance: StanceLexicon) -> set[tuple[str, int]]:
    clean, sentences = clean_and_tokenize(text)
    return {(h.target, h.polarity) for h in find_stance(clean, sentences, stance)[0] if h.counted}


def test_a_state_only_aimed_at_is_not_asserted(stance: StanceLexicon) -> None:
    assert not counted("ロシアを孤立させる試みは続いている。", stance)
    assert not counted("欧米は北朝鮮を孤立させようとしている。", stance)
    # asserted, it counts
    assert ("russia", -1) in counted("ロシアは国際的に孤立している。", stance)
    # an act (not a state) that is attempted is still the doer's
    assert ("dprk", -1) in counted("北朝鮮は韓国を威嚇しようとしている。", stance)


def test_a_harm_named_with_its_victim_spares_the_victim(stance: StanceLexicon) -> None:
    assert ("russia", -1) not in counted("ロシア嫌悪が欧州を覆っている。", stance)
    # the same target evaluated outside the word still counts
    assert ("russia", -1) in counted("ロシアの侵略は続いている。", stance)


def test_the_owner_of_what_a_passive_act_is_done_to_suffers_it(stance: StanceLexicon) -> None:
    got = counted("ロシアの安全保障上の正当な懸念は無視されてきた。", stance)
    assert ("russia", -1) not in got
    assert ("russia", 1) in got
    # the owner of the act itself is its doer, passive or not
    assert ("dprk", -1) in counted("北朝鮮の度重なる挑発が繰り返された。", stance)
