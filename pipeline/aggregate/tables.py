"""Write a run's tables from its batches' Parquet files: fold the groups of batches into every
registered family's accumulator (``family``), then write what each returns.

Rows keep the corpus order and numbers are rounded the same way every time, so two runs on the
same inputs give byte-identical CSVs whatever the worker count.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypedDict

import pandas as pd

from pipeline.aggregate.batch import prepare
from pipeline.aggregate.family import Family, Tables, families
from pipeline.aggregate.fold import Perspectives, Quarantined
from pipeline.aggregate.params import FoldParams
from pipeline.aggregate.validate import source_perspectives
from pipeline.analyze.article import TABLES
from pipeline.runfolder.tables import write_table


class Summary(TypedDict):
    """What run.json and the artifacts need of the aggregation."""

    scored: int
    quarantined: list[dict[str, Any]]
    sources: pd.DataFrame
    warnings: list[str]
    validation: dict[str, Any]


def write_tables(params: FoldParams, batch_dirs: list[Path]) -> Summary:
    """Fold the batches (in plan order, ``params.aggregate_articles`` or more at a time) into
    ``params.data_dir``'s tables, family by family; return a summary."""
    params.data_dir.mkdir(parents=True, exist_ok=True)
    active = [f for f in families() if f.applies(params)]
    accs = {f.name: f.accumulator(params) for f in active}
    quarantined, perspectives = Quarantined(), Perspectives()
    scored = 0
    for t in _groups(batch_dirs, params.aggregate_articles, _batch_tables(active)):
        batch = prepare(t, params.frames, params.min_tokens, params.min_hits)
        quarantined.add(batch)
        perspectives.add(batch)
        scored += len(batch.articles)
        for acc in accs.values():
            acc.add(batch)
    known = source_perspectives(perspectives.result())
    tables: Tables = {}
    warnings: list[str] = []
    for family in active:
        out = accs[family.name].result()
        if undeclared := sorted(set(out) - set(family.tables)):
            raise ValueError(
                f"family {family.name} returned {', '.join(undeclared)}, which it does not declare"
            )
        for name, df in out.items():
            write_table(df, params.data_dir / f"{name}.csv")
        warnings += family.check(out, params, known)
        tables |= out
    return {
        "scored": scored,
        "quarantined": quarantined.result(),
        "sources": tables["sources"],
        "warnings": warnings,
        "validation": _validation(tables),
    }


def _validation(tables: Tables) -> dict[str, Any]:
    """Known articles with enough evidence, and the frames' accuracy on them."""
    confusion, metrics = tables["confusion"], tables["validation_metrics"]
    accuracy = metrics.loc[
        (metrics["family"] == "all") & (metrics["metric"] == "accuracy"), "value"
    ]
    return {
        "articles": int(confusion["count"].sum()),
        "accuracy": float(accuracy.iloc[0]) if len(accuracy) else None,
    }


def _batch_tables(active: list[Family]) -> tuple[str, ...]:
    """The batch registry's tables, and any other a family declares."""
    extra = [t for f in active for t in f.batch_tables if t not in TABLES]
    return (*TABLES, *dict.fromkeys(extra))


def _groups(batch_dirs: list[Path], at_least: int, names: tuple[str, ...]) -> Iterator[Tables]:
    """The batches' tables, concatenated in plan order into groups of at least ``at_least``
    articles (the last group may be smaller)."""
    pending: list[Tables] = []
    n = 0
    for d in batch_dirs:
        t = {name: pd.read_parquet(Path(d) / f"{name}.parquet") for name in names}
        pending.append(t)
        n += len(t["articles"])
        if n >= at_least:
            yield _concat(pending, names)
            pending, n = [], 0
    if pending:
        yield _concat(pending, names)


def _concat(parts: list[Tables], names: tuple[str, ...]) -> Tables:
    """The parts' tables, one per name. Empty tables are left out: an empty table's columns
    are untyped (object), and concatenated with typed ones they made the numbers objects,
    which were then written unrounded, so the bytes depended on how articles were batched."""
    if len(parts) == 1:
        return parts[0]
    out = {}
    for name in names:
        tables = [p[name] for p in parts if len(p[name])] or [parts[0][name]]
        out[name] = tables[0] if len(tables) == 1 else pd.concat(tables, ignore_index=True)
    return out
