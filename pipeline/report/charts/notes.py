"""What the dashboard shows beside a chart (``charts/charts.json``): title, alt text, guide and
the group the chart belongs to. No plotting library is imported here."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.runfolder.tables import atomic_write

CHARTS_JSON = "charts.json"


@dataclass(frozen=True)
class ChartNote:
    """What the dashboard shows beside a chart."""

    title: str
    alt: str
    guide: str
    group: str = ""


def plain_name(name: str) -> bool:
    """Whether ``name`` is a chart file name the dashboard may embed (``*.png``, no path)."""
    return re.fullmatch(r"[A-Za-z0-9_-]+\.png", name) is not None


def write_notes(run_dir: Path, notes: dict[str, ChartNote]) -> Path:
    """Write ``charts/charts.json`` atomically."""
    payload = json.dumps({k: asdict(v) for k, v in notes.items()}, ensure_ascii=False, indent=2)
    path = Path(run_dir) / "charts" / CHARTS_JSON
    return atomic_write(path, lambda tmp: tmp.write_text(payload, encoding="utf-8"))


def read_notes(run_dir: Path) -> dict[str, ChartNote]:
    """``charts/charts.json`` as file name → note; only plain ``*.png`` names are kept."""
    path = Path(run_dir) / "charts" / CHARTS_JSON
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {
        str(k): ChartNote(*(str(v.get(f, "")) for f in ("title", "alt", "guide", "group")))
        for k, v in raw.items()
        if isinstance(v, dict) and plain_name(str(k))
    }
