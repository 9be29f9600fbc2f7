"""Render a run folder as one self-contained HTML page (``dashboard.html``).

The page works offline from disk: charts are embedded as data URIs, CSS and JS are inline, and
a Content-Security-Policy forbids every network request. Jinja2 autoescapes all data; the
template only ever puts data into text, attribute values or ``|tojson``. Element ids and
``data-*`` hooks use row/column indices, never names from the data.

The tables that grow with the corpus (articles, corpus, hits, removed, validation) are read a
chunk at a time, keeping only the capped rows the page lists and running counts, so memory
stays flat from ten to a million articles; the same run folder always gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from pipeline.report.changes import changes_view
from pipeline.report.differences_view import differences_view
from pipeline.report.fmt import count_of, fmt_p, fmt_signed, scalar
from pipeline.report.labels import group_names, target_names
from pipeline.report.outline import family_sections, sections
from pipeline.report.runinfo import (
    UNIT,
    frame_labels,
    frame_order,
    low_evidence_sources,
    read_run,
    source_order,
)
from pipeline.report.scan import index_articles, scan_passages, seen
from pipeline.report.sections import (
    articles_view,
    charts_view,
    cleaning_view,
    coverage_view,
    lexicons_view,
    passage_groups,
    summary_and_cells,
    terms_view,
    validation_view,
)
from pipeline.report.sourcing_view import sourcing_view
from pipeline.report.stance_check_view import stance_check_view
from pipeline.report.stance_view import stance_view
from pipeline.report.webfont import font_face
from pipeline.runfolder.cells import display_all, display_value
from pipeline.runfolder.schema import ALPHA, PASSAGES_PER_CELL
from pipeline.runfolder.tables import atomic_write, read_table

__all__ = ["build_context", "fmt_p", "fmt_signed", "render_dashboard", "render_html"]

TEMPLATES = Path(__file__).parent / "templates"


def build_context(run_dir: Path, run: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the template shows, as plain strings, numbers and lists; ``run``: the
    run's record, when run.json is not written yet."""
    run_dir = Path(run_dir)
    run = read_run(run_dir) if run is None else run
    sources = read_table(run_dir, "sources")
    passages = scan_passages(run_dir, PASSAGES_PER_CELL)
    terms = read_table(run_dir, "terms")
    lexicon = read_table(run_dir, "lexicon")
    index = index_articles(run_dir)
    frames = frame_order(run, lexicon, sources, seen("frame", index.article_frames), terms,
                         seen("frame", passages.frames))  # fmt: skip
    labels = frame_labels(run, lexicon, frames)
    names = source_order(sources, seen("source", index.corpus_sources),
                         seen("source", index.article_sources), terms,
                         seen("source", passages.sources))  # fmt: skip
    low = low_evidence_sources(sources)
    article_rows, n_articles = articles_view(index, frames, labels)
    anchors = {a["id"]: a["anchor"] for a in article_rows}
    groups = passage_groups(passages, terms, names, frames, labels, anchors)
    summary, cells = summary_and_cells(sources, groups, names, frames, labels, low)
    missing = [
        f"data/{n}.csv"
        for n in ("sources", "articles", "hits", "terms", "corpus", "removed", "lexicon")
        if not (run_dir / "data" / f"{n}.csv").is_file()
    ]
    n_hits = int(terms["all_hits"].sum())
    settings = run.get("settings") or {}
    warnings = [str(w) for w in run.get("warnings") or []]
    charts = charts_view(run_dir)
    corpus_meta = run.get("corpus") or {}
    changes = changes_view(run_dir, run, target_names(run))
    return {
        "run": run,
        "run_id": str(run.get("run_id", run_dir.name)),
        "unit": UNIT,
        "alpha": ALPHA,
        "sections": [s for s in sections() if s[0] != "changes" or changes["available"]],
        "changes": changes,
        "frames": [{"id": f, "label": labels[f]} for f in frames],
        "frame_names": labels,
        "sources": names,
        "summary": summary,
        "cells": cells,
        "low": sorted(low, key=names.index) if low else [],
        "min_tokens": scalar(settings.get("min_tokens")),
        "min_hits": scalar(settings.get("min_hits")),
        "coverage": coverage_view(run_dir, labels),
        "differences": differences_view(run_dir, names, frames, labels, low),
        "validation": validation_view(run_dir, run, frames, labels),
        "sourcing": sourcing_view(run_dir, names, group_names(run)),
        "stance": stance_view(run_dir, names, warnings, run),
        "stance_check": stance_check_view(run_dir),
        "chart_groups": charts,
        "charts": [c for g in charts for c in g["charts"]],
        "articles": article_rows,
        "n_articles": n_articles,
        "groups": list(groups.values()),
        "n_hits": n_hits,
        "terms": terms_view(terms, labels),
        "lexicons": lexicons_view(run, lexicon, terms, frames, labels),
        "cleaning": cleaning_view(run_dir, [a["id"] for a in article_rows]),
        "quarantined": [q for q in run.get("quarantined") or [] if isinstance(q, dict)],
        "warnings": [w for w in warnings if not w.startswith(("reversal:", "stance reversal:"))],
        "missing": missing,
        "corpus": {k: scalar(v) for k, v in corpus_meta.items()},
        "tools": {k: scalar(v) for k, v in (run.get("tools") or {}).items()},
        "settings": {k: scalar(v) for k, v in settings.items()},
        "times": {k: scalar(run.get(k)) for k in ("started", "finished", "duration_s")},
        "lexicons_sha256": scalar(run.get("lexicons_sha256")),
        **{s.id: s.view(run_dir) for s in family_sections() if s.view is not None},
    }


# --- rendering --------------------------------------------------------------------------------


def _json(obj: Any, **kwargs: Any) -> str:
    """``|tojson``: the names in the page's embedded JSON shown as the page shows them."""
    return json.dumps(display_all(obj), **kwargs)


def _family_template(name: str) -> str | None:
    """The Jinja source of a family's section declared with its family, not as a file."""
    for section in family_sections():
        if section.template and name == f"sections/{section.id}.html.j2":
            return section.template
    return None


@cache
def _environment() -> jinja2.Environment:
    """The page's templates, compiled once per process. Every rendered value passes through
    ``display_value`` (``finalize``): hidden characters are made visible where a value is
    written, so the context is never walked for them."""
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(TEMPLATES), jinja2.FunctionLoader(_family_template)]
        ),
        autoescape=True,  # every template, whatever its file extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=display_value,
        auto_reload=False,
    )
    env.filters["count_of"] = count_of
    env.policies["json.dumps_function"] = _json
    return env


def _asset(name: str) -> Markup:
    """An inline CSS/JS file, verbatim (never a template, never data)."""
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    if "</script" in text.lower() or "</style" in text.lower():
        raise ValueError(f"{name} must not contain '</script'")
    return Markup(text)


NONCE = "{nonce}"
FONT = "/* embedded font */"


def render_html(run_dir: Path, run: dict[str, Any] | None = None) -> str:
    """The dashboard page of a run folder, as a string.

    The script nonce is a hash of the page itself: no data can guess it (the data is part of
    what is hashed), and the same run folder always gives the same bytes.
    """
    env = _environment()
    template = env.get_template("dashboard.html.j2")
    page = template.render(
        **build_context(run_dir, run),
        css=_asset("dashboard.css"),
        js=_asset("dashboard.js"),
        nonce=Markup(NONCE),
        font_css=Markup(FONT),
    )
    page = page.replace(FONT, font_face(page), 1)
    nonce = base64.urlsafe_b64encode(hashlib.sha256(page.encode()).digest()[:16]).decode()
    return page.replace(f"'nonce-{NONCE}'", f"'nonce-{nonce}'").replace(
        f'<script nonce="{NONCE}">', f'<script nonce="{nonce}">'
    )


def render_dashboard(run_dir: Path, run: dict[str, Any] | None = None) -> Path:
    """Write ``run_dir/dashboard.html`` atomically (temp file + ``os.replace``); return it.

    A failure at any point leaves an existing dashboard.html untouched and no temp file.
    """
    run_dir = Path(run_dir)
    target = run_dir / "dashboard.html"
    html = render_html(run_dir, run)

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(html)
            fh.flush()
            os.fsync(fh.fileno())

    return atomic_write(target, write)
