"""Comparing sources: Holm, log-odds, differences, keyness, the frame map, similarity."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.aggregate.compare import (
    DIFF_COLUMNS,
    SimilarityAccumulator,
    differences,
    frame_map,
    holm,
    keyness,
    log_odds_dirichlet,
)
from pipeline.aggregate.scores import MIN_TOKENS, SourceAccumulator

SENTENCES, TOKENS = 5, 20  # per synthetic article: 5 sentences of 20 content tokens


def synthetic(spec: dict[str, tuple[int, dict[str, float]]], seed: int):
    """Articles, sentences and hits: per source, n articles whose sentences each carry one
    hit of a frame with the given probability."""
    rng = np.random.default_rng(seed)
    arts, sents, hits = [], [], []
    for source, (n, probs) in spec.items():
        for i in range(n):
            aid = f"{source}-{i:03d}"
            arts.append((aid, source))
            for s in range(SENTENCES):
                sents.append((aid, s, TOKENS))
                for frame, p in probs.items():
                    if rng.random() < p:
                        hits.append((aid, source, frame, s, "author", False, 1.0))
    return (
        pd.DataFrame(arts, columns=["article_id", "source"]),
        pd.DataFrame(sents, columns=["article_id", "sentence_id", "tokens"]),
        pd.DataFrame(
            hits,
            columns=["article_id", "source", "frame", "sentence_id", "voice", "negated", "weight"],
        ),
    )


def accumulate(spec, seed: int, frames: list[str], n_boot: int = 200):
    articles, sentences, hits = synthetic(spec, seed)
    acc = SourceAccumulator(frames, articles.groupby("source").size().to_dict())
    acc.add(articles, sentences, hits)
    return acc, acc.intervals(n_boot, 5, MIN_TOKENS, 1), hits


# --- Holm ----------------------------------------------------------------------------------


def test_holm_against_a_hand_computed_example() -> None:
    # sorted: 0.005×4 = 0.02, 0.01×3 = 0.03, 0.03×2 = 0.06, 0.04×1 = 0.04 → max so far 0.06
    got = holm(np.array([0.01, 0.04, 0.03, 0.005]))
    assert got == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_handles_edges() -> None:
    assert holm(np.array([0.5, 0.6, 0.01])) == pytest.approx([1.0, 1.0, 0.03])
    assert holm(np.array([0.2])) == pytest.approx([0.2])
    assert len(holm(np.array([]))) == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=12))
def test_holm_is_monotone_and_between_p_and_bonferroni(ps: list[float]) -> None:
    p = np.array(ps)
    adj = holm(p)
    assert (adj >= p - 1e-12).all()
    assert (adj <= np.minimum(p * len(p), 1.0) + 1e-12).all()
    order = np.argsort(p, kind="stable")
    assert (np.diff(adj[order]) >= -1e-12).all()


# --- log-odds ------------------------------------------------------------------------------


def test_log_odds_matches_the_formula_by_hand() -> None:
    y_a, n_a, y_b, n_b, a, a0 = 30.0, 10_000.0, 3.0, 10_000.0, 33.0, 20_000.0
    delta, z = log_odds_dirichlet(np.array([y_a]), n_a, np.array([y_b]), n_b, np.array([a]), a0)
    d = math.log(63 / (10_000 + 20_000 - 63)) - math.log(36 / (10_000 + 20_000 - 36))
    assert delta[0] == pytest.approx(d)
    assert z[0] == pytest.approx(d / math.sqrt(1 / 63 + 1 / 36))


def test_log_odds_is_antisymmetric_and_zero_for_identical_rates() -> None:
    y_a, y_b = np.array([30.0, 5.0, 0.0]), np.array([3.0, 5.0, 4.0])
    prior = y_a + y_b
    d_ab, z_ab = log_odds_dirichlet(y_a, 1000.0, y_b, 2000.0, prior, 3000.0)
    d_ba, z_ba = log_odds_dirichlet(y_b, 2000.0, y_a, 1000.0, prior, 3000.0)
    assert d_ab == pytest.approx(-d_ba)
    assert z_ab == pytest.approx(-z_ba)
    assert d_ab[0] > 0 and d_ab[2] < 0
    # The same rate (10 and 20 per 1,000) with a prior in proportion: exactly no difference.
    d, z = log_odds_dirichlet(np.array([10.0]), 1000.0, np.array([20.0]), 2000.0, [30.0], 3000.0)
    assert d[0] == pytest.approx(0.0, abs=1e-12) and z[0] == pytest.approx(0.0, abs=1e-12)
    d, z = log_odds_dirichlet(np.array([7.0]), 500.0, np.array([7.0]), 500.0, [1.0], 100.0)
    assert d[0] == 0.0 and z[0] == 0.0


def test_log_odds_z_grows_with_the_counts() -> None:
    zs = []
    for k in (1, 4, 16, 64):
        y_a, y_b = np.array([2.0 * k]), np.array([1.0 * k])
        _, z = log_odds_dirichlet(y_a, 1000.0 * k, y_b, 1000.0 * k, y_a + y_b, 2000.0 * k)
        zs.append(float(z[0]))
    assert all(z > 0 for z in zs)
    assert zs == sorted(zs) and zs[-1] > 6 * zs[0]


# --- differences ---------------------------------------------------------------------------


def test_a_source_that_uses_a_frame_more_differs_significantly() -> None:
    spec = {"A": (20, {"f": 0.6, "g": 0.3}), "B": (20, {"f": 0.1, "g": 0.3})}
    acc, sources, hits = accumulate(spec, 1, ["f", "g"])
    d = differences(acc, sources, n_perm=200, seed=3)
    assert list(d.columns) == DIFF_COLUMNS
    assert list(zip(d["source_a"], d["source_b"], d["frame"], strict=True)) == [
        ("A", "B", "f"),
        ("A", "B", "g"),
    ]
    f = d.set_index("frame").loc["f"]
    tokens = 20 * SENTENCES * TOKENS
    n_a = ((hits["source"] == "A") & (hits["frame"] == "f")).sum()
    n_b = ((hits["source"] == "B") & (hits["frame"] == "f")).sum()
    assert f["diff"] == pytest.approx((n_a - n_b) * 1000 / tokens)
    assert f["diff"] > 0 and 0 < f["ci_low"] <= f["diff"] <= f["ci_high"]
    assert f["p_adjusted"] < 0.05 and bool(f["significant"])
    assert f["unit"] == "articles"
    assert f["p_value"] <= f["p_adjusted"] <= 1


def test_swapping_names_flips_the_difference() -> None:
    spec = {"A": (8, {"f": 0.6}), "B": (8, {"f": 0.1})}
    acc, sources, _ = accumulate(spec, 2, ["f"])
    d = differences(acc, sources, n_perm=100, seed=3).iloc[0]
    flipped = {"Z": (8, {"f": 0.6}), "B": (8, {"f": 0.1})}
    acc2, sources2, _ = accumulate(flipped, 2, ["f"])
    e = differences(acc2, sources2, n_perm=100, seed=3).iloc[0]
    assert (e["source_a"], e["source_b"]) == ("B", "Z")
    assert e["diff"] == pytest.approx(-d["diff"])
    assert e["diff"] < 0 and e["ci_high"] < 0


def test_sources_from_one_distribution_are_mostly_not_significant() -> None:
    adjusted = []
    for k in range(15):
        spec = {"A": (12, {"f": 0.3, "g": 0.2}), "B": (12, {"f": 0.3, "g": 0.2})}
        acc, sources, _ = accumulate(spec, 100 + k, ["f", "g"], n_boot=100)
        adjusted.extend(differences(acc, sources, n_perm=100, seed=k)["p_adjusted"])
    adjusted = np.array(adjusted)
    assert len(adjusted) == 30
    assert (adjusted > 0.05).mean() >= 0.85


def test_differences_are_reproducible_with_a_seed() -> None:
    spec = {
        "A": (6, {"f": 0.4, "g": 0.1}),
        "B": (5, {"f": 0.2, "g": 0.2}),
        "C": (1, {"f": 0.5, "g": 0.5}),
    }
    acc, sources, _ = accumulate(spec, 9, ["f", "g"])
    one = differences(acc, sources, n_perm=150, seed=4)
    two = differences(acc, sources, n_perm=150, seed=4)
    pd.testing.assert_frame_equal(one, two)
    assert len(one) == 3 * 2
    units = one.drop_duplicates(["source_a", "source_b"]).set_index(["source_a", "source_b"])
    assert units.loc[("A", "B"), "unit"] == "articles"
    assert units.loc[("A", "C"), "unit"] == "tokens", "one article: matches re-assigned by tokens"
    acc2, sources2, _ = accumulate(spec, 9, ["f", "g"])
    pd.testing.assert_frame_equal(one, differences(acc2, sources2, n_perm=150, seed=4))


# --- keyness -------------------------------------------------------------------------------


def test_keyness_gives_the_positive_z_to_the_source_that_over_uses_a_term() -> None:
    terms = pd.DataFrame(
        [
            ("A", "f", "c", "挑発", 30),
            ("B", "f", "c", "挑発", 3),
            ("A", "f", "c", "同盟", 10),
            ("B", "f", "c", "同盟", 10),
            ("B", "g", "c", "制裁", 12),
        ],
        columns=["source", "frame", "category", "term", "author_hits"],
    )
    sources = pd.DataFrame(
        [("A", "f", 10_000), ("A", "g", 10_000), ("B", "f", 10_000), ("B", "g", 10_000)],
        columns=["source", "frame", "tokens"],
    )
    k = keyness(terms, sources).set_index(["source", "term"])
    assert k.loc[("A", "挑発"), "z"] > 2 > 0 > -2 > k.loc[("B", "挑発"), "z"]
    assert k.loc[("A", "挑発"), "z"] == pytest.approx(-k.loc[("B", "挑発"), "z"])
    assert (k.loc[("A", "挑発"), "count"], k.loc[("A", "挑発"), "count_rest"]) == (30, 3)
    assert k.loc[("A", "同盟"), "z"] == pytest.approx(0.0, abs=1e-12)
    assert k.loc[("A", "制裁"), "count"] == 0 and k.loc[("A", "制裁"), "z"] < 0
    assert k.loc[("B", "制裁"), "z"] > 0
    d = math.log((30 + 33) / (10_000 + 20_000 - 63)) - math.log((3 + 33) / (30_000 - 36))
    assert k.loc[("A", "挑発"), "log_odds"] == pytest.approx(d)


# --- frame map ----------------------------------------------------------------------------


def test_frame_map_separates_the_outlier_on_pc1_and_intervals_hold_the_points() -> None:
    frames = ["f", "g", "h"]
    spec = {
        "X": (10, {"f": 0.8, "g": 0.1, "h": 0.1}),
        "Y": (10, {"f": 0.1, "g": 0.4, "h": 0.3}),
        "Z": (10, {"f": 0.1, "g": 0.3, "h": 0.4}),
    }
    acc, sources, _ = accumulate(spec, 3, frames, n_boot=300)
    s = frame_map(sources, acc.boots, frames).set_index("source")
    assert list(s.index) == ["X", "Y", "Z"]
    pc1 = s["pc1"]
    assert abs(pc1["X"]) > max(abs(pc1["Y"]), abs(pc1["Z"]))
    assert min(abs(pc1["X"] - pc1["Y"]), abs(pc1["X"] - pc1["Z"])) > 5 * abs(pc1["Y"] - pc1["Z"])
    assert np.sign(pc1["X"]) != np.sign(pc1["Y"]) and np.sign(pc1["X"]) != np.sign(pc1["Z"])
    assert pc1.sum() == pytest.approx(0.0, abs=1e-9), "PCA centres the points"
    for pc in ("pc1", "pc2"):
        assert (s[f"{pc}_low"] <= s[pc]).all() and (s[pc] <= s[f"{pc}_high"]).all()
    assert s["var1"].iloc[0] > s["var2"].iloc[0] > 0
    assert s["var1"].iloc[0] + s["var2"].iloc[0] == pytest.approx(1.0)
    # X's interval on PC1 does not reach the other two.
    assert min(s.loc["X", "pc1_low"], s.loc["X", "pc1_high"]) > max(pc1["Y"], pc1["Z"]) or max(
        s.loc["X", "pc1_low"], s.loc["X", "pc1_high"]
    ) < min(pc1["Y"], pc1["Z"])


def test_frame_map_needs_two_sources_and_two_frames() -> None:
    acc, sources, _ = accumulate({"X": (3, {"f": 0.5, "g": 0.2})}, 1, ["f", "g"])
    assert frame_map(sources, acc.boots, ["f", "g"]).empty


# --- similarity ----------------------------------------------------------------------------


def cosine(result: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {(r.source_a, r.source_b): r.cosine for r in result.itertuples()}


def test_similarity_identical_disjoint_and_diagonal() -> None:
    sim = SimilarityAccumulator(n_features=2**12)
    sim.add("A", [["ロシア", "北朝鮮", "会談"], ["弾薬", "供与"]])
    sim.add("B", [["弾薬", "供与", "ロシア", "北朝鮮", "会談"]])
    sim.add("C", [["米国", "同盟", "抑止"]])
    c = cosine(sim.result())
    assert len(c) == 9
    assert c[("A", "B")] == pytest.approx(1.0)
    assert c[("A", "C")] == pytest.approx(0.0, abs=1e-12)
    assert c[("B", "C")] == pytest.approx(0.0, abs=1e-12)
    for s in "ABC":
        assert c[(s, s)] == pytest.approx(1.0)
    for (a, b), v in c.items():
        assert v == pytest.approx(c[(b, a)])


def test_similarity_is_partial_for_overlap_and_batch_free() -> None:
    one = SimilarityAccumulator(n_features=2**12)
    one.add("A", [["ロシア", "会談", "会談"], ["制裁"]])
    one.add("B", [["ロシア", "同盟"]])
    two = SimilarityAccumulator(n_features=2**12)
    two.add("A", [["ロシア", "会談", "会談"]])
    two.add("B", [["ロシア", "同盟"]])
    two.add("A", [["制裁"]])
    two.add("A", [])
    a, b = one.result(), two.result()
    pd.testing.assert_frame_equal(a, b)
    assert 0.0 < cosine(a)[("A", "B")] < 1.0
    assert SimilarityAccumulator().result().empty


def test_exposure_permutation_does_not_reward_short_sentences() -> None:
    """Two matches in one short text against none in a longer one is weak evidence: the
    p-value must not depend on the texts having sentences of different lengths."""
    from pipeline.aggregate.compare import _exposure_permutation_p

    ta, wa = np.full(41, 25.0), np.zeros((41, 1))
    wa[21, 0], wa[39, 0] = 2.0, 0.5
    tb, wb = np.full(63, 35.0), np.zeros((63, 1))
    p = _exposure_permutation_p(ta, wa, tb, wb, 2000, np.random.default_rng(0))
    assert 0.05 < p[0] < 0.2, "about P(both matches fall in the shorter text) = 0.32 ** 2"
    wa[:30, 0] = 2.0
    strong = _exposure_permutation_p(ta, wa, tb, wb, 2000, np.random.default_rng(0))
    assert strong[0] < 0.001
