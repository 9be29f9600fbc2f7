"""Time a run's aggregation alone (``write_tables``) on a corpus, stance and sourcing on.

The corpus is analyzed once into batch folders (kept under ``--work``); each repeat then folds
them into a fresh data folder. Run it from two checkouts on the same ``--work`` to compare.

    PYTHONPATH=. python bench/aggregate_cost.py --corpus /tmp/c.jsonl --work /tmp/aggwork
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from pathlib import Path

from pipeline.aggregate.params import fold_params
from pipeline.aggregate.tables import write_tables
from pipeline.analyze.actors import actors_path, load_actors
from pipeline.analyze.article import analyze_batch, write_batch
from pipeline.analyze.lexicons import load_lexicons
from pipeline.analyze.stance_lexicon import load_stance
from pipeline.ingest.batches import plan_batches, read_batch
from pipeline.settings import Settings

LEXICONS = Path(__file__).resolve().parent.parent / "lexicons"


def batches(corpus: Path, work: Path, lexicons: list, stance: object) -> tuple[list[Path], dict]:
    """The corpus's analyzed batch folders (made once), and the sources' article counts."""
    plan = plan_batches(corpus, work / "plan", 100)
    dirs = [Path(b).with_suffix("") for b in plan.batch_files]
    if not all((d / "articles.parquet").is_file() for d in dirs):
        for b, d in zip(plan.batch_files, dirs, strict=True):
            tables = analyze_batch(read_batch(Path(b)), lexicons, work / "texts", 5_000_000,
                                   stance=stance)  # fmt: skip
            write_batch(tables, d)
    return dirs, plan.source_counts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--bootstrap", type=int, default=1000)
    a = p.parse_args()
    lexicons = load_lexicons(LEXICONS)
    stance = load_stance(LEXICONS / "stance")
    dirs, counts = batches(a.corpus, a.work, lexicons, stance)
    settings = Settings(bootstrap=a.bootstrap, permutations=a.bootstrap)
    times = []
    for _ in range(a.repeats):
        data = a.work / "data"
        shutil.rmtree(data, ignore_errors=True)
        params = fold_params(settings, data, lexicons, load_actors(actors_path(LEXICONS)),
                             stance, counts)  # fmt: skip
        start = time.process_time()
        write_tables(params, dirs)
        times.append(time.process_time() - start)
    print(f"write_tables CPU s: median {statistics.median(times):.2f}, runs {times}")


if __name__ == "__main__":
    main()
