"""Dashboard: content from every table, escaping of hostile names, offline, atomic write."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import pytest
from fakerun import HOSTILE_LABEL, HOSTILE_SOURCES, THIN_SOURCES, make_fake_run

from pipeline.report import scan, sections
from pipeline.report.charts.make import make_charts
from pipeline.report.dashboard import (
    build_context,
    fmt_p,
    fmt_signed,
    render_dashboard,
    render_html,
)
from pipeline.report.scan import MAX_ARTICLE_ROWS
from pipeline.runfolder import tables
from pipeline.runfolder.tables import read_table


class Page(HTMLParser):
    """Every element (tag, attributes), the visible text, and script/style bodies."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self._raw: str | None = None
        self._attrs: dict[str, str | None] = {}
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._raw, self._attrs = tag, dict(attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data: str) -> None:
        if self._raw == "script":
            self.scripts.append((self._attrs, data))
        elif self._raw == "style":
            self.styles.append(data)
        else:
            self.text.append(data)

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())

    def by_id(self) -> dict[str, tuple[str, dict[str, str | None]]]:
        return {a["id"]: (t, a) for t, a in self.elements if a.get("id")}


def _nested(base: Path, **kw) -> Path:
    """A fake run at out/runs/<id>, so out/history.csv is the output folder's history."""
    return make_fake_run(base / "out" / "runs" / "20240618T120000Z-abc123", **kw)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Page]:
    run = _nested(tmp_path_factory.mktemp("hostile"), hostile=True, history_runs=2)
    make_charts(run)
    html = render_dashboard(run).read_text("utf-8")
    return run, html, Page(html)


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Page]:
    run = _nested(tmp_path_factory.mktemp("plain"), history_runs=1)
    make_charts(run)
    html = render_dashboard(run).read_text("utf-8")
    return run, html, Page(html)


def _norm(s: str) -> str:
    return " ".join(s.split())


def _flat(s: str) -> str:
    """Text without any white space (the parser adds some between inline elements)."""
    return "".join(s.split())


def _part(html: str, start: str, end: str) -> Page:
    """The page from the first ``start`` to the next ``end`` after it, parsed."""
    i = html.index(start)
    return Page(html[i : html.index(end, i)])


def _section(html: str, section: str) -> Page:
    return _part(html, f'<section id="{section}"', "</section>")


def _table(html: str, table: str) -> Page:
    return _part(html, f'<table id="{table}"', "</table>")


def test_every_source_and_frame_is_shown(plain_run) -> None:
    run, _, page = plain_run
    text = page.all_text
    for source in set(read_table(run, "sources")["source"]):
        assert _norm(source) in text
    for label in set(read_table(run, "lexicon")["label"]):
        assert label in text
    for section in ("summary", "comparison", "differences", "charts", "validation", "articles",
                    "passages", "terms", "lexicons", "cleaning", "quarantine", "run"):  # fmt: skip
        assert section in page.by_id()
        assert any(a.get("href") == f"#{section}" for t, a in page.elements if t == "a")


def test_lang_scope_and_alt(plain_run) -> None:
    run, _, page = plain_run
    assert ("html", {"lang": "ja"}) in page.elements
    ths = [a for t, a in page.elements if t == "th"]
    assert ths and all(a.get("scope") in ("col", "row") for a in ths)
    imgs = [a for t, a in page.elements if t == "img"]
    assert len(imgs) == len(list((run / "charts").glob("*.png")))
    assert all((a.get("alt") or "").strip() for a in imgs)


def test_summary_names_each_sources_leading_frame(plain_run) -> None:
    run, html, _ = plain_run
    sources = read_table(run, "sources")
    lexicon = read_table(run, "lexicon")
    labels = dict(zip(lexicon["frame"], lexicon["label"], strict=True))
    summary = html[html.index('id="summary"') : html.index('id="comparison"')]
    chunks = re.split(r"<li[ >]", summary)[1:]
    items = [Page("<li " + chunk.split("</li>")[0]).all_text for chunk in chunks]
    assert len(items) == sources["source"].nunique()
    for source, group in sources.groupby("source"):
        best = group.sort_values("per_1k", ascending=False).iloc[0]
        (item,) = [t for t in items if t.startswith(source)]
        if group["low_evidence"].any():
            assert "low evidence" in item and "100%" not in item
            assert "of its framing vocabulary" not in item
            if best["per_1k"] > 0:
                assert "too little evidence to call its framing" in item
                assert f"{best['per_1k']:.2f}" in item
            else:
                assert "no framing vocabulary matched" in item
        elif best["per_1k"] > 0:
            assert f"mostly as {labels[best['frame']]}" in item
            assert f"{best['per_1k']:.2f}" in item
            assert f"95% interval {best['ci_low']:.2f}–{best['ci_high']:.2f}" in item
        else:
            assert "no framing vocabulary matched" in item


def test_hostile_names_are_escaped(hostile_run) -> None:
    _, html, page = hostile_run
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>報道</b>" not in html and "<i>" not in html
    assert 'x" onerror' not in html
    for tag, attrs in page.elements:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        assert tag not in ("b", "i", "iframe", "object", "embed")
    scripts = [a for t, a in page.elements if t == "script"]
    assert len(scripts) == 2
    assert {a.get("type") for a in scripts} == {"application/json", None}
    text = page.all_text
    for name in (*HOSTILE_SOURCES, HOSTILE_LABEL, "javascript:alert(1)"):
        assert name in text  # shown as text, not dropped
    for _tag, attrs in page.elements:
        for value in attrs.values():
            assert "javascript:" not in (value or "")


def test_embedded_json_is_escaped(hostile_run) -> None:
    _, _, page = hostile_run
    raw = next(body for attrs, body in page.scripts if attrs.get("type") == "application/json")
    assert "<" not in raw and ">" not in raw and "&" not in raw and "'" not in raw
    data = json.loads(raw)
    assert set(HOSTILE_SOURCES) <= set(data["sources"])
    assert HOSTILE_LABEL in [f["label"] for f in data["frames"]]


def test_no_external_urls(hostile_run) -> None:
    _, _, page = hostile_run
    for tag, attrs in page.elements:
        for key in ("src", "href", "action", "srcset", "poster", "data"):
            value = attrs.get(key)
            if value is None:
                continue
            assert value.startswith("#") or value.startswith("data:image/png;base64,"), (
                tag,
                key,
                value[:80],
            )
    assert not [t for t, _ in page.elements if t in ("link", "iframe", "base")]
    for css in page.styles:  # the one url() is the embedded font, a data URI
        urls = re.findall(r"url\(([^)]*)\)", css)
        assert all(u.startswith("data:font/woff;base64,") for u in urls), urls[:1]
        assert "@import" not in css
    csp = next(a for t, a in page.elements if a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp["content"]
    nonce = re.search(r"'nonce-([^']+)'", csp["content"]).group(1)
    inline = [a for t, a in page.elements if t == "script" and a.get("type") is None]
    assert [a.get("nonce") for a in inline] == [nonce]
    for _attrs, body in page.scripts:
        assert "http:" not in body and "https:" not in body and "fetch(" not in body


def test_drill_down_links_have_targets(hostile_run) -> None:
    run, _, page = hostile_run
    ids = page.by_id()
    drills = [a for t, a in page.elements if t == "a" and "drill" in (a.get("class") or "")]
    assert drills
    for a in drills:
        target = a["data-target"]
        assert a["href"] == f"#{target}"
        assert ids[target][0] == "details"
        assert re.fullmatch(r"cell-\d+-\d+", target)
    hits = read_table(run, "hits")
    groups = [a for t, a in page.elements if t == "details" and "group" in (a.get("class") or "")]
    assert len(groups) == len(hits.groupby(["source", "frame"]))
    passages = [a for t, a in page.elements if t == "li" and a.get("class") == "passage"]
    assert len(passages) == len(hits)
    assert {a["data-voice"] for a in passages} <= {"author", "quoted"}
    marks = [t for t, _ in page.elements if t == "mark"]
    assert len(marks) == len(hits)


def test_sort_keys_are_numbers(hostile_run) -> None:
    _, _, page = hostile_run
    keys = [a["data-sort"] for t, a in page.elements if "data-sort" in a]
    assert keys
    for k in keys:
        if k != "":
            float(k)


def test_lexicon_cleaning_quarantine_and_run_metadata(hostile_run) -> None:
    run, _, page = hostile_run
    text = page.all_text
    meta = json.loads((run / "run.json").read_text("utf-8"))
    for term in ("新植民地主義", "核拡散", "南北統一"):  # never matched in the fake texts
        assert term in text
    assert meta["run_id"] in text
    assert meta["corpus"]["sha256"] in text
    for lex in meta["lexicons"]:
        assert lex["sha256"] in text
    for tool, version in meta["tools"].items():
        assert tool in text and version in text
    assert meta["quarantined"][0]["reason"] in text
    assert meta["quarantined"][0]["article_id"] in text
    removed = read_table(run, "removed")
    for line in removed["text"]:
        assert _norm(line) in text


def test_one_source_one_frame_and_no_charts(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run", sources=["単一"], frames=["korean_press"], quiet=())
    html = render_dashboard(run).read_text("utf-8")  # charts were never drawn
    page = Page(html)
    assert "単一" in page.all_text and "韓国報道 (Korean press)" in page.all_text
    assert "No charts in this run folder" in page.all_text
    assert not [t for t, _ in page.elements if t == "img"]


def test_missing_tables_still_render(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run")
    for name in ("hits", "terms", "removed", "corpus"):
        (run / "data" / f"{name}.csv").unlink()
    page = Page(render_dashboard(run).read_text("utf-8"))
    assert "Missing from this run folder: data/hits.csv" in page.all_text


def _leftovers(run: Path) -> list[str]:
    return sorted(p.name for p in run.iterdir() if p.name.startswith(".") or "tmp" in p.name)


def test_crash_during_render_keeps_the_old_page(tmp_path: Path, monkeypatch) -> None:
    run = make_fake_run(tmp_path / "run")
    target = render_dashboard(run)
    before = target.read_bytes()
    mtime = target.stat().st_mtime_ns

    def boom(self, *args, **kwargs):
        raise RuntimeError("simulated crash mid-render")

    monkeypatch.setattr(jinja2.Template, "render", boom)
    with pytest.raises(RuntimeError, match="simulated crash"):
        render_dashboard(run)
    assert target.read_bytes() == before
    assert target.stat().st_mtime_ns == mtime
    assert _leftovers(run) == []


def test_crash_while_writing_leaves_no_temp_file(tmp_path: Path, monkeypatch) -> None:
    run = make_fake_run(tmp_path / "run")
    target = render_dashboard(run)
    before = target.read_bytes()
    seen: list[str] = []

    def failing_replace(src, dst):
        seen.append(os.fspath(src))
        assert Path(src).is_file() and Path(src).parent == run  # same folder: rename is atomic
        raise OSError("simulated crash before rename")

    monkeypatch.setattr("pipeline.report.dashboard.os.replace", failing_replace)
    with pytest.raises(OSError, match="simulated crash"):
        render_dashboard(run)
    assert seen
    assert target.read_bytes() == before
    assert _leftovers(run) == []


def test_first_render_crash_creates_nothing(tmp_path: Path, monkeypatch) -> None:
    run = make_fake_run(tmp_path / "run")
    monkeypatch.setattr(jinja2.Template, "render", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        render_dashboard(run)
    assert not (run / "dashboard.html").exists()
    assert _leftovers(run) == []


def test_passages_are_capped_per_cell(tmp_path: Path, monkeypatch) -> None:
    run = make_fake_run(tmp_path / "run")
    monkeypatch.setattr("pipeline.report.dashboard.PASSAGES_PER_CELL", 2)
    html = render_dashboard(run).read_text("utf-8")
    sizes = [len(re.findall(r'<li class="passage"', g)) for g in html.split("<details")[1:]]
    assert max(sizes) == 2
    assert "Showing the first 2 of" in Page(html).all_text


# --- the comparison files: differences, validation, coverage, low evidence, scale ------------


def _labels(run: Path) -> dict[str, str]:
    lexicon = read_table(run, "lexicon")
    return dict(zip(lexicon["frame"], lexicon["label"], strict=True))


def test_differences_in_words_and_table(plain_run) -> None:
    run, html, _ = plain_run
    diffs = read_table(run, "differences")
    labels = _labels(run)
    text = _flat(_section(html, "differences").all_text)
    holds = int(diffs["significant"].sum())
    assert holds and holds < len(diffs)  # the fake has both kinds
    assert _flat(f"{holds} of {len(diffs)} comparisons") in text
    for r in diffs.itertuples():
        label = labels[r.frame]
        if r.significant:
            more, less = (r.source_a, r.source_b) if r.diff >= 0 else (r.source_b, r.source_a)
            lo, hi = (
                sorted((abs(r.ci_low), abs(r.ci_high))) if r.diff < 0 else (r.ci_low, r.ci_high)
            )
            assert (
                _flat(
                    f"{more} uses {label} framing more than {less}: {fmt_signed(abs(r.diff))} per "
                    f"1,000 tokens [{fmt_signed(lo).lstrip('+')}, {fmt_signed(hi).lstrip('+')}], "
                    f"{fmt_p(r.p_adjusted)} (Holm)"
                )
                in text
            )
        else:
            assert (
                _flat(
                    f"No reliable difference between {r.source_a} and {r.source_b} on {label} "
                    f"({fmt_p(r.p_adjusted)}, Holm)"
                )
                in text
            )
    rows = [a for t, a in _table(html, "t-diff").elements if t == "tr" and "data-flag" in a]
    assert len(rows) == len(diffs)
    flags = [a["data-flag"] for a in rows]
    assert flags == sorted(flags, reverse=True)  # differences that hold come first
    assert flags.count("1") == holds


def test_validation_section(plain_run) -> None:
    run, html, _ = plain_run
    val = read_table(run, "validation")
    decided = val[val["evidence"] == "ok"]
    matched = int((decided["match"].str.lower() == "true").sum())
    meta = json.loads((run / "run.json").read_text("utf-8"))
    text = _section(html, "validation").all_text
    accuracy = f"{meta['validation']['accuracy'] * 100:.0f}%"
    assert f"for {matched} of {len(decided)} ({accuracy}) the dominant frame" in text
    assert f"{len(val)} articles name a perspective" in text
    reversals = [w.removeprefix("reversal:").strip() for w in meta["warnings"]
                 if w.startswith("reversal:")]  # fmt: skip
    assert reversals
    for w in reversals:
        assert _norm(w) in text
    confusion = read_table(run, "confusion")
    cells = [t for t, _ in _table(html, "t-confusion").elements if t == "td"]
    assert len(cells) == confusion["perspective"].nunique() * len(
        set(confusion["perspective"]) | set(confusion["predicted"])
    )
    assert "mismatch" in _table(html, "t-validation").all_text
    agreement = read_table(run, "agreement")
    rows = [t for t, _ in _table(html, "t-agreement").elements if t == "tr"]
    assert len(rows) == len(agreement) + 1
    metrics = _table(html, "t-metrics").all_text
    for f in set(read_table(run, "validation_metrics")["frame"]) - {""}:
        assert labels_in(run, f) in metrics


def labels_in(run: Path, frame: str) -> str:
    return _labels(run).get(frame, frame)


def test_coverage_and_never_matched_entries(plain_run) -> None:
    run, html, _ = plain_run
    coverage = read_table(run, "coverage")
    text = _table(html, "t-coverage").all_text
    for r in coverage.itertuples():
        assert (
            f"{labels_in(run, r.frame)} {r.articles:.0f} {r.covered:.0f} {r.share * 100:.0f}%"
            in text
        )
    lexicons = _section(html, "lexicons")
    never = html[html.index('<details class="never-list">') : html.index("<h3>All entries</h3>")]
    never_text = Page(never).all_text
    for term in ("新植民地主義", "核拡散", "南北統一"):
        assert term in never_text
    assert "特別軍事作戦" not in never_text  # it matched
    lexicon, terms = read_table(run, "lexicon"), read_table(run, "terms")
    other = terms.groupby(["frame", "term"])[["quoted_hits", "negated_hits"]].sum().sum(axis=1)
    for frame, group in lexicon.groupby("frame"):
        never = [
            t for t, n in zip(group["term"], group["author_hits"], strict=True)
            if n == 0 and other.get((frame, t), 0) == 0
        ]  # fmt: skip
        assert f"{labels_in(run, frame)} — {len(never)} of {len(group)} entries never matched" in (
            lexicons.all_text
        )


def test_new_tables_escape_hostile_names(hostile_run) -> None:
    _, html, _ = hostile_run
    for table in ("t-diff", "t-agreement", "t-validation", "t-compare"):
        part = html[html.index(f'<table id="{table}"') :]
        part = part[: part.index("</table>")]
        assert "<script>" not in part and "<b>" not in part and 'x" onerror' not in part
        text = Page(part).all_text
        assert any(name in text for name in HOSTILE_SOURCES), table
    diff_text = _table(html, "t-diff").all_text
    for name in HOSTILE_SOURCES:
        assert name in diff_text
    assert HOSTILE_LABEL in diff_text
    words = _section(html, "differences").all_text
    assert HOSTILE_SOURCES[0] in words


def _fill_low_shares(run: Path) -> None:
    """What a careless writer might do: give low-evidence rows a share of 1 (100%)."""
    for name in ("sources", "articles"):
        path = run / "data" / f"{name}.csv"
        lines = path.read_text("utf-8").splitlines()
        lines = [lines[0]] + [
            line[: -len(",,TRUE")] + ",1.0,TRUE" if line.endswith(",,TRUE") else line
            for line in lines[1:]
        ]
        path.write_text("\n".join(lines) + "\n", "utf-8")


def test_low_evidence_is_never_a_full_share(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run")
    _fill_low_shares(run)
    sources = read_table(run, "sources")
    low = sorted(set(sources.loc[sources["low_evidence"], "source"]))
    assert set(THIN_SOURCES) <= set(low)
    assert (sources.loc[sources["low_evidence"], "share"] == 1.0).all()
    html = render_dashboard(run).read_text("utf-8")
    compare = html[html.index('<table id="t-compare"') :]
    compare = compare[: compare.index("</table>")]
    rows = [Page(r.split("</tr>")[0]).all_text for r in compare.split('<tr class="low">')[1:]]
    assert len(rows) == len(low)
    for row in rows:
        assert "100%" not in row and "no share" in row and "low evidence" in row
    summary = _section(html, "summary").all_text
    for name in low:
        item = summary[summary.index(name) :][:400]
        assert "100%" not in item.split("Sources")[0]
    article_rows = [
        a for t, a in _table(html, "t-articles").elements if t == "tr" and a.get("class") == "low"
    ]
    low_articles = read_table(run, "articles")
    assert (
        len(article_rows) == low_articles.loc[low_articles["low_evidence"], "article_id"].nunique()
    )


@pytest.fixture(scope="module")
def big_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """5,000 articles: more than every cap of the page."""
    return make_fake_run(tmp_path_factory.mktemp("big") / "run", articles_per_source=1000,
                         texts=False)  # fmt: skip


def test_big_run_is_capped(big_run: Path) -> None:
    run = big_run
    articles = read_table(run, "articles")
    n = articles["article_id"].nunique()
    assert n == 5000
    html = render_dashboard(run).read_text("utf-8")
    page = Page(html)
    rows = [a for t, a in _table(html, "t-articles").elements if t == "tr" and a.get("id")]
    assert len(rows) == MAX_ARTICLE_ROWS
    strong = articles.groupby("article_id")["low_evidence"].any()
    if (~strong).sum() >= MAX_ARTICLE_ROWS:  # enough well-evidenced articles: no weak one shown
        assert not [a for a in rows if a.get("class") == "low"]
    assert f"Showing the {MAX_ARTICLE_ROWS} articles with the most evidence" in page.all_text
    assert f"of {n}; data/articles.csv" in page.all_text
    clean = [t for t, _ in _table(html, "t-clean-sum").elements if t == "tr"]
    assert len(clean) <= MAX_ARTICLE_ROWS + 1
    removed = [t for t, _ in _table(html, "t-removed").elements if t == "tr"]
    assert len(removed) <= 2_001
    passages = read_table(run, "passages")
    shown = [a for t, a in page.elements if t == "li" and a.get("class") == "passage"]
    assert len(shown) == len(passages) < len(read_table(run, "hits"))
    assert len(html) < 12_000_000


def test_passages_come_from_the_sample(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run", passages_per_cell=1)
    terms = read_table(run, "terms")
    (run / "data" / "hits.csv").unlink()  # the page must not need the full list
    html = render_dashboard(run).read_text("utf-8")
    page = Page(html)
    totals = terms.groupby(["source", "frame"])["all_hits"].sum()
    groups = html.split('<details class="group"')[1:]
    assert len(groups) == (totals > 0).sum()
    for g in groups:
        assert len(re.findall(r'<li class="passage"', g)) == 1
    text = page.all_text
    for total in totals[totals > 1]:
        assert (
            f"Showing the first 1 of {total:.0f} passages; {total - 1:.0f} more in data/hits.csv"
            in text
        )
    assert "A sample of the matches" in text
    facts = _part(html, '<dl class="facts">', "</dl>").all_text
    assert f"Matches (all voices) {terms['all_hits'].sum():.0f}" in facts


def test_p_values_never_round_across_the_line() -> None:
    assert fmt_p(0.41) == "p = 0.41"
    assert fmt_p(0.002) == "p = 0.002"
    assert fmt_p(0.0004) == "p < 0.001"
    assert fmt_p(0.0499) == "p = 0.0499"
    assert fmt_p(0.0501) == "p = 0.05" and fmt_p(0.04995) == "p = 0.04995"
    assert fmt_p(None) == "p = –"
    assert fmt_signed(-4.04) == "−4.0" and fmt_signed(12.34) == "+12.3"


def _without_nonce(html: str) -> str:
    return re.sub(r"nonce-[A-Za-z0-9_=-]+|nonce=\"[^\"]+\"", "nonce", html)


def test_same_run_same_bytes_whatever_the_chunk_size(big_run: Path, monkeypatch) -> None:
    first = render_html(big_run)
    assert render_html(big_run) == first  # the nonce too is derived from the page
    monkeypatch.setattr(tables, "CHUNK_ROWS", 997)  # every big table read in many chunks
    assert render_html(big_run) == first


def test_nonce_follows_the_content(tmp_path: Path) -> None:
    a = render_html(make_fake_run(tmp_path / "a"))
    b = render_html(make_fake_run(tmp_path / "b", sources=["甲", "乙"]))
    nonce = re.compile(r"'nonce-([^']+)'")
    assert nonce.search(a).group(1) != nonce.search(b).group(1)
    assert len(nonce.search(a).group(1)) >= 16
    assert _without_nonce(a).count("nonce") == 2  # the CSP and the one inline script


def _evidence_order(run: Path, limit: int) -> list[str]:
    """The articles the table should list, computed on whole tables (the reference)."""
    corpus, articles = read_table(run, "corpus"), read_table(run, "articles")
    ids = pd.Index(pd.unique(pd.concat([corpus["article_id"], articles["article_id"]])))
    if len(ids) <= limit:
        return list(ids)
    ev = pd.DataFrame({"order": np.arange(len(ids))}, index=ids).join(
        articles.groupby("article_id", sort=False).agg(
            hits=("hits", "sum"), tokens=("tokens", "first"), low=("low_evidence", "any")
        )
    )
    ev = ev.fillna({"hits": 0.0, "tokens": 0.0, "low": False}).astype({"low": bool})
    ev = ev.sort_values(["low", "hits", "tokens", "order"], ascending=[True, False, False, True])
    return list(ev.index[:limit])


@pytest.mark.parametrize(("limit", "chunk"), [(37, 299), (37, 10**9), (500, 1000), (6000, 1001)])
def test_articles_are_ranked_a_chunk_at_a_time(big_run: Path, limit: int, chunk: int) -> None:
    index = scan.index_articles(big_run, limit=limit, chunksize=chunk)
    expected = _evidence_order(big_run, limit)
    assert index.ids == expected
    assert index.total == 5000
    # Only the rows of the listed articles are kept, never the whole tables.
    assert set(index.rows["article_id"]) == set(index.meta["article_id"]) == set(expected)
    assert len(index.meta) == len(expected)


def test_chunked_scans_equal_whole_table_reads(big_run: Path) -> None:
    ids = scan.index_articles(big_run).ids[:50]
    whole = sections.cleaning_view(big_run, ids, chunksize=10**9)
    assert sections.cleaning_view(big_run, ids, chunksize=301) == whole
    assert whole["n_lines"] == len(read_table(big_run, "removed"))
    assert len(whole["lines"]) == min(whole["n_lines"], sections.MAX_REMOVED_ROWS)
    a = scan.scan_passages(big_run, 3, chunksize=10**9)
    b = scan.scan_passages(big_run, 3, chunksize=997)
    assert a.counts == b.counts and a.n == b.n == len(read_table(big_run, "passages"))
    pd.testing.assert_frame_equal(a.rows.reset_index(drop=True), b.rows.reset_index(drop=True))
    assert a.rows.groupby(["source", "frame"]).size().max() <= 3
    v = read_table(big_run, "validation")
    n, decided, matched, first = scan.scan_validation(big_run, chunksize=2, limit=4)
    assert n == len(v)
    assert decided == int((v["evidence"] == "ok").sum())
    rank = v["match"].str.lower().map({"false": 0, "true": 1}).fillna(2)
    expected = v.assign(rank=rank).sort_values("rank", kind="stable").head(4)
    assert list(first["article_id"]) == list(expected["article_id"])
    assert matched == int(((v["evidence"] == "ok") & (v["match"].str.lower() == "true")).sum())


def test_membership_through_arrow_equals_isin() -> None:
    ids = pd.Series(["a", "NA", "", "b", "a", "ソウル"], dtype="str")
    for of in (["a", "ソウル", ""], [], ["zz"], {"NA"}):
        assert list(scan.member(ids, of)) == list(ids.astype(object).isin(list(of)))
    assert list(scan.member(pd.Series(["x", "y"], dtype=object), ["y"])) == [False, True]


def test_who_speaks_and_the_families_of_categories(tmp_path: Path) -> None:
    """The sourcing section lists every source with its groups' shares; the validation
    section shows the per-family rows of validation_metrics.csv."""
    run = make_fake_run(tmp_path / "run")
    metrics = read_table(run, "validation_metrics")
    fam = pd.DataFrame(
        {
            "family": ["argument", "argument", "naming"],
            "metric": ["accuracy", "decided", "decided"],
            "frame": ["", "", ""],
            "value": [0.9, 0.75, 0.25],
        }
    )
    tables.write_table(pd.concat([metrics, fam]), run / "data" / "validation_metrics.csv")
    ctx = build_context(run)
    shares = read_table(run, "sourcing")
    assert sorted(r["source"] for r in ctx["sourcing"]["rows"]) == sorted(set(shares["source"]))
    groups = ctx["sourcing"]["groups"]
    assert [g["id"] for g in groups] == list(pd.unique(shares["speaker_group"]))
    assert "Russian government" in [g["short"] for g in groups]  # the actor lexicon's label
    assert ctx["sourcing"]["examples"]
    rows = {r["family"].split()[0]: r for r in ctx["validation"]["families"]["rows"]}
    assert (rows["Argument"]["accuracy"], rows["Argument"]["decided"]) == ("90%", "75%")
    assert rows["Naming"]["decided"] == "25%"
    # The overall figures stay those of family "all".
    overall = metrics.loc[metrics["metric"] == "accuracy", "value"].iloc[0]
    assert ctx["validation"]["accuracy"] == f"{overall * 100:.0f}%"
    html = render_html(run)
    assert 'id="t-sourcing"' in html and 'id="t-families"' in html
