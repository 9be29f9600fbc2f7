"""The dashboard's stance-validation block: the run's agreement with the corpus's gold stance
labels (``data/stance_validation.csv``), shown under Validation."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from pipeline.runfolder.tables import has_table, read_table, records


def _fixed(v: Any) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{float(v):.2f}"


def stance_check_view(run_dir: Path) -> dict[str, Any]:
    """Rows per target then ``all``; ``available`` is False without gold labels."""
    if not has_table(run_dir, "stance_validation"):
        return {"available": False}
    table = read_table(run_dir, "stance_validation")
    if table.empty:
        return {"available": False}
    rows = [
        {
            "target": str(r["target"]),
            "pairs": int(r["pairs"]),
            "gold_signed": int(r["gold_signed"]),
            "predicted_signed": int(r["predicted_signed"]),
            "agreement": _fixed(r["agreement"]),
            "kappa": _fixed(r["kappa"]),
            "coverage": _fixed(r["coverage"]),
            "precision": _fixed(r["precision"]),
        }
        for r in records(table)
    ]
    return {"available": True, "rows": rows}
