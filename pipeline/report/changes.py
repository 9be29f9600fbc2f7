"""The dashboard's What changed section: which source × target stance cells moved beyond their
intervals since the previous run, and the passages of the articles that run did not have.

The previous run is the latest earlier run in the output folder's ``history.csv`` whose run
folder is still beside this one; without one (a first run, or pruned runs) there is no section.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.report.fmt import records
from pipeline.report.labels import Name, name_of
from pipeline.report.stance_view import EVIDENCE_COLUMNS, article_texts, passage
from pipeline.report.stance_words import interval, signed
from pipeline.runfolder.tables import has_table, iter_table, read_path, read_table

PASSAGES_PER_CHANGE = 5
HISTORY = Path("..") / ".." / "history.csv"


def previous_run(run_dir: Path, run: dict[str, Any]) -> tuple[Path, str] | None:
    """The previous run's folder and its finish time, or None (``run_dir`` may be the
    ``latest`` link: the output folder is its target's)."""
    run_dir = run_dir.resolve()
    history = run_dir / HISTORY
    if not history.is_file():
        return None
    h = read_path(history, "history")
    if h.empty:
        return None
    this = str(run.get("run_id", run_dir.name))
    runs = h.drop_duplicates("run_id").sort_values(["finished", "run_id"], kind="stable")
    earlier = [r for r in records(runs) if str(r["run_id"]) < this]
    for r in reversed(earlier):
        folder = run_dir.parent / str(r["run_id"])
        if has_table(folder, "stance"):
            return folder, str(r["finished"])
    return None


def _moved(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Both cells measured, and each value lies outside the other's interval."""
    if int(old["evaluated"]) == 0 or int(new["evaluated"]) == 0:
        return False
    a, b = float(old["stance"]), float(new["stance"])
    outside_old = not float(old["ci_low"]) <= b <= float(old["ci_high"])
    outside_new = not float(new["ci_low"]) <= a <= float(new["ci_high"])
    return outside_old and outside_new


def _articles(run_dir: Path, cells: set[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
    seen: dict[tuple[str, str], set[str]] = {}
    for chunk in iter_table(run_dir, "stance_hits", ["source", "target", "article_id"]):
        for s, t, a in zip(chunk["source"], chunk["target"], chunk["article_id"], strict=True):
            if (str(s), str(t)) in cells:
                seen.setdefault((str(s), str(t)), set()).add(str(a))
    return seen


def _new_passages(
    run_dir: Path, cells: set[tuple[str, str]], old: dict[tuple[str, str], set[str]]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Per moved cell, the first passages (counted first) of articles the old run lacked."""
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    files = article_texts(run_dir)
    for chunk in iter_table(run_dir, "stance_hits", EVIDENCE_COLUMNS):
        for r in records(chunk.sort_values("counted", ascending=False, kind="stable")):
            key = (str(r["source"]), str(r["target"]))
            if key not in cells or str(r["article_id"]) in old.get(key, set()):
                continue
            cell = found.setdefault(key, [])
            if len(cell) < PASSAGES_PER_CHANGE:
                path = files.get(str(r["article_id"]))
                text = path.read_text("utf-8") if path and path.is_file() else ""
                cell.append(passage(r, text))
    return found


def changes_view(run_dir: Path, run: dict[str, Any], targets: dict[str, Name]) -> dict[str, Any]:
    """What the What changed section shows; ``available`` is false without a previous run."""
    prev = previous_run(Path(run_dir), run)
    if prev is None or not has_table(run_dir, "stance"):
        return {"available": False}
    folder, finished = prev
    old = records(read_table(folder, "stance"))
    before = {(str(r["source"]), str(r["target"])): r for r in old}
    now = read_table(run_dir, "stance")
    pairs = [(r, before.get((str(r["source"]), str(r["target"])))) for r in records(now)]
    moved = [(o, n) for n, o in pairs if o is not None and _moved(o, n)]
    cells = {(str(n["source"]), str(n["target"])) for _, n in moved}
    passages = _new_passages(Path(run_dir), cells, _articles(folder, cells))
    rows = [
        {
            "source": str(n["source"]),
            "target": name_of(targets, n["target"]).short,
            "before": signed(float(o["stance"])),
            "before_ci": interval(float(o["ci_low"]), float(o["ci_high"])),
            "before_n": int(o["evaluated"]),
            "after": signed(float(n["stance"])),
            "after_ci": interval(float(n["ci_low"]), float(n["ci_high"])),
            "after_n": int(n["evaluated"]),
            "passages": passages.get((str(n["source"]), str(n["target"])), []),
        }
        for o, n in moved
    ]
    compared = sum(1 for _, o in pairs if o is not None)
    return {"available": True, "previous": folder.name, "previous_finished": finished,
            "moved": rows, "compared": compared}  # fmt: skip
