"""Agreement of two independent codings of one gold split, and the pairs they agree on.

    python scripts/coder_agreement.py gold/stance/test/stance_gold.csv \
        gold/stance/test/stance_gold_coder2.csv --agreed /tmp/agreed.csv
    python -m pipeline stance-check RUN --gold /tmp/agreed.csv

Prints Cohen's κ (−1 / 0 / +1) between the codings per target and overall, over the pairs
both coded; ``--agreed`` writes the pairs where they agree as a gold file, so that the
pipeline is measured the way issue 22 measured the hidden set (against the agreed pairs).
Both files are read by the pipeline's own gold reader (same checks, same errors).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.aggregate.stance_check import kappa  # noqa: E402
from pipeline.analyze.stance_lexicon import STANCE_DIR, load_stance  # noqa: E402
from pipeline.ingest.stance_gold import (  # noqa: E402
    GOLD_COLUMNS,
    StanceGoldError,
    manifest_ids,
    read_stance_gold,
)


def read(path: Path, lexicons: Path) -> pd.DataFrame:
    stance = load_stance(lexicons / STANCE_DIR)
    if stance is None:
        raise StanceGoldError(f"{lexicons}: no stance lexicons")
    return read_stance_gold(path, manifest_ids(path.parent), stance.target_ids)


def agreement(a: pd.DataFrame, b: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-target table: pairs both coded, signed in either, raw agreement, κ; the pairs
    both coded, with both codings)."""
    both = a.merge(b, on=["id", "target"], suffixes=("_1", "_2"))
    rows = []
    for target, g in [*both.groupby("target", sort=False), ("all", both)]:
        rows.append(
            {
                "target": target,
                "pairs": len(g),
                "signed_1": int((g["stance_1"] != 0).sum()),
                "signed_2": int((g["stance_2"] != 0).sum()),
                "agree": float((g["stance_1"] == g["stance_2"]).mean()),
                "kappa": kappa(g["stance_1"], g["stance_2"]),
            }
        )
    return pd.DataFrame(rows), both


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("first", type=Path)
    p.add_argument("second", type=Path)
    p.add_argument("--lexicons", type=Path, default=ROOT / "lexicons")
    p.add_argument("--agreed", type=Path, help="write the agreed pairs here as a gold file")
    a = p.parse_args()
    try:
        first, second = read(a.first, a.lexicons), read(a.second, a.lexicons)
    except StanceGoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    table, both = agreement(first, second)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    only = len(first) + len(second) - 2 * len(both)
    print(f"pairs coded by one coding only (left out): {only}")
    if a.agreed:
        agreed = both[both["stance_1"] == both["stance_2"]]
        out = agreed.rename(columns={"stance_1": "stance", "note_1": "note"})[list(GOLD_COLUMNS)]
        out.to_csv(a.agreed, index=False)
        print(f"{len(out)} agreed pairs written to {a.agreed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
