"""Speakers named as each camp writes them (issue 22, class 6): DPRK leaders by title alone,
〜側, a premier by surname and title, 北韓; a longer name keeps China's 総書記 apart."""

from __future__ import annotations

import pytest

from pipeline.analyze.actors import ActorLexicon


@pytest.mark.parametrize(
    ("speaker", "group"),
    [
        ("総書記", "dprk_state"),
        ("同委員長", "dprk_state"),
        ("朴泰成首相", "dprk_state"),
        ("北朝鮮側", "dprk_state"),
        ("北韓の国防省", "dprk_state"),
        ("ロシア側", "russian_government"),
        ("習近平総書記", "other"),
    ],
)
def test_speakers_of_each_camp(actors: ActorLexicon, speaker: str, group: str) -> None:
    assert actors.classify(speaker) == group
