"""Analysis cost of stance: ``analyze_batch`` on a synthetic corpus with and without it.

The corpus is bench/synth.py's (seed sentences reshuffled: nearly every sentence names Russia
or North Korea, so stance has more to do than on a general news archive). Frames are matched
either way; the stance run also matches the stance lexicons (in the same matcher pass) and
attributes evaluations. CPU time of this process, the two cases alternating, median of
``--repeat`` runs each.

    python bench/stance_cost.py --n 2000 --repeat 3 [--write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import OUT, ROOT, table, write_section
from synth import write_folder

sys.path.insert(0, str(ROOT))

from pipeline.analyze.article import analyze_batch
from pipeline.analyze.lexicons import load_lexicons
from pipeline.analyze.stance_lexicon import load_stance
from pipeline.ingest.corpus import read_manifest


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2000, help="synthetic articles")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--write", action="store_true", help="add the figures to bench/RESULTS.md")
    a = p.parse_args()
    corpus = OUT / f"corpus-{a.n}"
    if not (corpus / "manifest.csv").is_file():
        write_folder(corpus, a.n)
    lexicons = load_lexicons(ROOT / "lexicons")
    stance = load_stance(ROOT / "lexicons" / "stance")
    items = [(r, None) for r in read_manifest(corpus).articles]
    seconds: dict[str, list[float]] = {"frames only": [], "frames + stance": []}
    with tempfile.TemporaryDirectory() as tmp:
        analyze_batch(items[:50], lexicons, Path(tmp), 10**7, stance=stance)  # warm caches
        for _ in range(a.repeat):
            for case, st in (("frames only", None), ("frames + stance", stance)):
                t0 = time.process_time()
                analyze_batch(items, lexicons, Path(tmp), 10**7, stance=st)
                seconds[case].append(time.process_time() - t0)
    base = statistics.median(seconds["frames only"])
    ratios = [
        b / a for a, b in zip(seconds["frames only"], seconds["frames + stance"], strict=True)
    ]
    rows = []
    for case, xs in seconds.items():
        med = statistics.median(xs)
        each = " / ".join(f"{x:.2f}" for x in xs)
        per = f"{med * 1000 / len(items):.2f} ms"
        rows.append([case, f"{med:.2f} s", per, f"{(med / base - 1) * 100:+.1f}%", each])
    text = table(["case", "median CPU", "per article", "vs frames only", "each run (s)"], rows)
    text += (
        f"\n\n- {len(items):,} synthetic articles (`bench/synth.py`), `analyze_batch` without "
        "the analysis cache, CPU time of the process, cases alternating.\n"
        f"- Stance adds {(statistics.median(ratios) - 1) * 100:+.1f}% (median of the "
        "repetitions' back-to-back ratios: "
        + " / ".join(f"{(r - 1) * 100:+.0f}%" for r in ratios)
        + ")."
    )
    print(text)
    if a.write:
        write_section("stance", "Cost of stance in the analysis", text)


if __name__ == "__main__":
    main()
