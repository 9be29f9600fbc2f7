"""Dashboard: content from every table, escaping of hostile names, offline, atomic write."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from fakerun import HOSTILE_LABEL, HOSTILE_SOURCES, make_fake_run

from pipeline.charts import make_charts, read_table
from pipeline.dashboard import render_dashboard


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


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Page]:
    run = make_fake_run(tmp_path_factory.mktemp("hostile") / "run", hostile=True)
    make_charts(run)
    html = render_dashboard(run).read_text("utf-8")
    return run, html, Page(html)


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Page]:
    run = make_fake_run(tmp_path_factory.mktemp("plain") / "run")
    make_charts(run)
    html = render_dashboard(run).read_text("utf-8")
    return run, html, Page(html)


def _norm(s: str) -> str:
    return " ".join(s.split())


def test_every_source_and_frame_is_shown(plain_run) -> None:
    run, _, page = plain_run
    text = page.all_text
    for source in set(read_table(run, "sources")["source"]):
        assert _norm(source) in text
    for label in set(read_table(run, "lexicon")["label"]):
        assert label in text
    for section in ("summary", "comparison", "charts", "articles", "passages", "terms",
                    "lexicons", "cleaning", "quarantine", "run"):  # fmt: skip
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
    items = [Page(chunk.split("</li>")[0]).all_text for chunk in summary.split("<li>")[1:]]
    assert len(items) == sources["source"].nunique()
    for source, group in sources.groupby("source"):
        best = group.sort_values("per_1k", ascending=False).iloc[0]
        (item,) = [t for t in items if t.startswith(source)]
        if best["per_1k"] > 0:
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
    for css in page.styles:
        assert "url(" not in css and "@import" not in css
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

    monkeypatch.setattr("pipeline.dashboard.os.replace", failing_replace)
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
    monkeypatch.setattr("pipeline.dashboard.MAX_PASSAGES_PER_CELL", 2)
    html = render_dashboard(run).read_text("utf-8")
    sizes = [len(re.findall(r'<li class="passage"', g)) for g in html.split("<details")[1:]]
    assert max(sizes) == 2
    assert "Showing the first 2 of" in Page(html).all_text
