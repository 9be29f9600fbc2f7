"""Same input, same bytes, whatever the batching: batches of one, groups of batches, batches
made only of quarantined articles."""

from __future__ import annotations

from pathlib import Path

import pytest
from fold_params import params_for

from pipeline.aggregate.tables import write_tables
from pipeline.analyze.article import analyze_batch, write_batch
from pipeline.ingest.corpus import ArticleRef


@pytest.fixture(scope="module")
def items(refs) -> list[tuple[ArticleRef, str | None]]:
    """The seed articles with broken ones between them (a batch of one of them is empty)."""
    broken = [
        ArticleRef(id=f"broken-{i}", source=refs[0].source, file="x", path=None, line=90 + i)
        for i in range(2)
    ]
    out: list[tuple[ArticleRef, str | None]] = [(broken[0], None)]
    for k, ref in enumerate(refs):
        out.append((ref, None))
        if k == 1:
            out.append((broken[1], None))
    return out


def _csvs(tmp: Path, items, lexicons, size: int, group: int) -> dict[str, bytes]:
    dirs = [
        write_batch(analyze_batch(items[i : i + size], lexicons, tmp / "texts", 5_000_000),
                    tmp / f"batch-{size}-{i}")
        for i in range(0, len(items), size)
    ]  # fmt: skip
    out = tmp / f"data-{size}-{group}"
    params = params_for(out, lexicons, bootstrap=50, seed=7, permutations=20,
                        aggregate_articles=group)  # fmt: skip
    write_tables(params, dirs)
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.csv"))}


def test_csv_bytes_do_not_depend_on_batch_size_or_grouping(tmp_path: Path, items, lexicons):
    reference = _csvs(tmp_path, items, lexicons, size=len(items), group=2000)
    assert b"e+" not in reference["articles.csv"]
    for size, group in [(1, 2000), (1, 1), (2, 1), (3, 2), (4, 3)]:
        got = _csvs(tmp_path, items, lexicons, size, group)
        changed = [name for name in reference if got.get(name) != reference[name]]
        assert not changed, (size, group, changed)
