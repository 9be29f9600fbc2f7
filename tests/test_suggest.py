"""Lexicon suggestions from a finished run: contrast, exclusion of entries, contexts."""

from __future__ import annotations

import pytest

from pipeline.analyze.lexicons import load_lexicon, load_lexicons
from pipeline.lexicon_tools.suggest import SuggestError, grams, suggest


def test_grams_are_unigrams_and_bigrams():
    assert grams("北 朝鮮 挑発") == ["北", "朝鮮", "挑発", "北 朝鮮", "朝鮮 挑発"]


def test_suggestions_favour_the_frames_own_articles(seed_run, lexicon_dir):
    run_dir = seed_run[0] / "latest"
    found = suggest(run_dir, "pro_moscow", load_lexicons(lexicon_dir), top=20)
    assert found and all(c.z > 0 for c in found)
    assert [c.z for c in found] == sorted((c.z for c in found), reverse=True)
    assert all(c.count >= 2 for c in found)
    known = {s for lex in load_lexicons(lexicon_dir) for e in lex.entries for s in e.variants}
    assert not any(c.lemmas in known for c in found), "existing entries are left out"
    with_context = [c for c in found if c.contexts]
    assert with_context and all("【" in ctx for c in with_context for ctx in c.contexts)
    assert any("朝鮮民主主義人民共和国" in ctx for c in found for ctx in c.contexts), (
        "the Valdai piece's formal DPRK name is its most distinctive wording"
    )


def test_an_entry_added_to_the_lexicon_is_no_longer_suggested(seed_run, lexicon_dir, tmp_path):
    run_dir = seed_run[0] / "latest"
    first = suggest(run_dir, "pro_moscow", load_lexicons(lexicon_dir), top=5)[0]
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        f"entries:\n  - term: {''.join(first.lemmas)}\n    category: t\n    note: n\n", "utf-8"
    )
    lexicons = [*load_lexicons(lexicon_dir), load_lexicon(extra)]
    again = suggest(run_dir, "pro_moscow", lexicons, top=5)
    assert first.lemmas not in [c.lemmas for c in again]


def test_unknown_perspective_is_a_clear_error(seed_run, lexicon_dir):
    with pytest.raises(SuggestError, match="no article has perspective 'nope'"):
        suggest(seed_run[0] / "latest", "nope", load_lexicons(lexicon_dir))
