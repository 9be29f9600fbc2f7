"""Charts: PNG files per run, Japanese glyphs present, odd runs (1 source, 1 frame, no hits)."""

from __future__ import annotations

import gc
import json
import logging
import re
import unicodedata
import warnings
from pathlib import Path

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from fakerun import HOSTILE_SOURCES, THIN_SOURCES, make_fake_run
from fontTools.ttLib import TTFont
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from pipeline.report import runinfo
from pipeline.report.charts import data, fonts, maps, panels, rates, registry, stance, terms
from pipeline.report.charts.fonts import display_label
from pipeline.report.charts.make import make_charts
from pipeline.report.charts.notes import read_notes
from pipeline.runfolder.schema import columns
from pipeline.runfolder.tables import iter_table, read_table

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BASE = ["heatmap_per1k.png", "per1k_intervals.png", "frame_shares.png", "articles_per1k.png",
        "voices.png"]  # fmt: skip
JAPANESE = "親モスクワ・西側分析・韓国報道 特別軍事作戦 聯合ニュース 沈黙新聞 ー「」（）…"


def _glyph_problems(records: list[warnings.WarningMessage]) -> list[str]:
    return [
        str(w.message)
        for w in records
        if "missing from" in str(w.message) or "Glyph" in str(w.message)
    ]


def _charts_with_warnings(run: Path) -> tuple[list[Path], list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        paths = make_charts(run)
    return paths, records


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_MAGIC, f"{path.name} is not a PNG"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _nested(tmp_path: Path, **kw) -> Path:
    """A fake run at out/runs/<id>, so out/history.csv is the output folder's history."""
    return make_fake_run(tmp_path / "out" / "runs" / "20240618T120000Z-abc123", **kw)


class _Logs(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory):
    """Every chart of a complete fake run (with two earlier runs in history.csv), drawn once;
    with the warnings and matplotlib log messages seen while drawing."""
    run = _nested(tmp_path_factory.mktemp("full"), history_runs=2, stance=True)
    logs = _Logs()
    logger = logging.getLogger("matplotlib")
    logger.addHandler(logs)
    try:
        paths, records = _charts_with_warnings(run)
    finally:
        logger.removeHandler(logs)
    return run, [p.name for p in paths], records, logs.messages


def test_make_charts_writes_pngs_and_notes(full_run) -> None:
    run, names, records, _ = full_run
    assert _glyph_problems(records) == []
    paths = [run / "charts" / n for n in names]
    stance_first = ["stance_heatmap.png", "stance_intervals.png", "stance_timeline.png",
                    "stance_mentions.png"]  # fmt: skip
    assert names[:4] == stance_first and names[4:9] == BASE
    frames = list(dict.fromkeys(read_table(run, "lexicon")["frame"]))
    assert len([n for n in names if n.startswith("top_terms_")]) == len(frames)
    for p in paths:
        assert p.parent == run / "charts"
        width, height = _png_size(p)
        assert width > 300 and height > 200
    notes = read_notes(run)
    assert list(notes) == names
    for note in notes.values():
        assert note.title and note.alt and note.guide
    raw = json.loads((run / "charts" / "charts.json").read_text("utf-8"))
    assert set(raw) == set(names)
    assert not list((run / "charts").glob(".*")), "temporary files left behind"


def test_no_missing_glyph_warnings_for_japanese_labels(full_run, tmp_path: Path) -> None:
    _, _, records, messages = full_run
    assert _glyph_problems(records) == []
    assert not [m for m in messages if "findfont" in m]

    # A figure drawn the way make_charts draws them, with Japanese in every text element.
    with warnings.catch_warnings(record=True) as records, mpl.rc_context(fonts.style()):
        warnings.simplefilter("always")
        fig = Figure()
        ax = fig.subplots()
        ax.set_title(JAPANESE)
        ax.set_xlabel("1,000語あたりの一致数")
        ax.set_ylabel("媒体")
        ax.set_xticks([0, 1], ["親モスクワ", "西側分析"])
        ax.plot([0, 1], [-1, 1], label="韓国報道")
        ax.legend(title="フレーム")
        fig.suptitle("見出し")
        fig.savefig(tmp_path / "ja.png")
    assert _glyph_problems(records) == []


def test_configured_font_has_the_glyphs() -> None:
    with mpl.rc_context(fonts.style()):
        family = mpl.rcParams["font.family"]
        assert family[0] == fonts.FONT_FAMILY
        path = font_manager.findfont(
            font_manager.FontProperties(family=family[0]), fallback_to_default=False
        )
    assert Path(path).resolve() == Path(fonts.font_path()).resolve()
    with TTFont(path) as font:
        cmap = font.getBestCmap()
    missing = [
        ch for ch in JAPANESE + "0123456789,.%−–" if not ch.isspace() and ord(ch) not in cmap
    ]
    assert missing == []


def test_hostile_names_chart_files_are_plain(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run", hostile=True)
    paths, records = _charts_with_warnings(run)
    assert _glyph_problems(records) == []
    for p in paths:
        assert re.fullmatch(r"[a-z0-9_]+\.png", p.name), p.name
    alts = " ".join(n.alt for n in read_notes(run).values())
    assert HOSTILE_SOURCES[0] in alts  # alt text is plain text; the dashboard escapes it


@pytest.mark.parametrize(
    ("sources", "frames", "quiet"),
    [
        (["単一の媒体"], ["pro_moscow"], ()),
        (["単一の媒体", "Other"], ["korean_press"], ()),
        (["Only"], ["pro_moscow", "western_analytic"], ()),
        (["静か", "黙る"], ["pro_moscow", "western_analytic"], ("静か", "黙る")),
        (["静か"], ["pro_moscow"], ("静か",)),
    ],
)
def test_small_and_empty_runs(tmp_path: Path, sources, frames, quiet) -> None:
    run = make_fake_run(tmp_path / "run", sources=sources, frames=frames, quiet=quiet)
    paths, records = _charts_with_warnings(run)
    assert _glyph_problems(records) == []
    for p in paths:
        _png_size(p)
    names = [p.name for p in paths]
    assert names[:5] == BASE
    assert len([n for n in names if n.startswith("top_terms_")]) == len(frames)
    assert ("shares_ternary.png" in names) == (len(frames) == 3)
    assert ("frame_map.png" in names) == (len(sources) >= 2 and len(frames) >= 2)
    assert "similarity.png" in names and "timeline_months.png" in names
    assert "timeline_runs.png" not in names  # no history.csv
    if set(quiet) == set(sources):
        assert "No source has any counted match" in read_notes(run)["heatmap_per1k.png"].alt
        assert "positions.png" not in names  # no counted match to place


def test_dollar_signs_and_emoji_in_names(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run", sources=["$5 a $day", "Budget $ news 📰"])
    paths, records = _charts_with_warnings(run)
    assert {p.name for p in paths} >= set(BASE) | {"frame_map.png", "similarity.png"}
    assert _glyph_problems(records) == []


def test_missing_optional_tables(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run")
    for name in ("hits", "terms", "articles", "lexicon"):
        (run / "data" / f"{name}.csv").unlink()
    paths, _ = _charts_with_warnings(run)
    assert all(p.is_file() for p in paths)


def test_stale_charts_are_removed(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run")
    first = {p.name for p in make_charts(run)}
    make_fake_run(tmp_path / "run", frames=["korean_press"])
    second = {p.name for p in make_charts(run)}
    on_disk = {p.name for p in (run / "charts").glob("*.png")}
    assert on_disk == second
    assert first - second  # the two dropped frames' top-term charts are gone


def test_charts_drawn_in_forked_processes_are_the_same_bytes(tmp_path: Path) -> None:
    runs = [make_fake_run(tmp_path / f"run{k}", hostile=True) for k in (1, 3)]
    one = make_charts(runs[0], processes=1)
    three = make_charts(runs[1], processes=3)
    assert [p.name for p in one] == [p.name for p in three] and len(one) > 6
    for a, b in zip(one, three, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert read_notes(runs[0]) == read_notes(runs[1])


def test_a_failure_in_a_forked_process_reaches_the_caller(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run")
    (run / "charts").mkdir()
    ((run / "charts") / "voices.png").mkdir()  # a folder where a chart goes: the save fails
    with pytest.raises(OSError):
        make_charts(run, processes=2)


def test_display_label_examples() -> None:
    assert display_label("Valdai Club") == "Valdai Club"
    long = display_label(
        "聯合ニュース日本語版（ソウル発の長い媒体名をここで折り返して表示する）", 24
    )
    lines = long.split("\n")
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert display_label("$x$") == r"\$x\$"
    assert display_label("a\U0001f4f0b") == "a?b"


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(min_size=0, max_size=120),
    width=st.integers(min_value=4, max_value=40),
    max_lines=st.integers(min_value=1, max_value=4),
)
def test_display_label_fits(text: str, width: int, max_lines: int) -> None:
    out = display_label(text, width, max_lines)
    lines = out.split("\n")
    assert len(lines) <= max_lines
    for line in lines:
        assert _width(line.replace(r"\$", "$")) <= width
    assert out.count("$") == out.count(r"\$")  # every dollar escaped: never mathtext


NEW_CHARTS = {
    "shares_ternary.png", "frame_map.png", "similarity.png", "positions.png",
    "timeline_months.png", "timeline_runs.png", "keyness_01_1.png", "keyness_02_2.png",
    "keyness_03_3.png",
}  # fmt: skip


def test_new_charts_are_drawn_with_notes(full_run) -> None:
    run, names, _, _ = full_run
    assert set(names) >= NEW_CHARTS
    notes = read_notes(run)
    for name in NEW_CHARTS:
        width, height = _png_size(run / "charts" / name)
        assert width > 300 and height > 200
        assert notes[name].title and notes[name].alt and notes[name].guide
    fmap = read_table(run, "frame_map")
    assert f"PC1 {fmap['var1'].iloc[0] * 100:.0f}%" in notes["frame_map.png"].alt
    assert "z > 1.96" in notes["keyness_01_1.png"].guide
    assert "3 runs" in notes["timeline_runs.png"].alt  # two earlier runs and this one
    assert not (run / "data" / "history.csv").exists()  # history is never copied in
    for name in names:
        assert re.fullmatch(r"[a-z0-9_]+\.png", name), name
    assert all(re.fullmatch(r"keyness_\d{2}_\d+\.png", n) for n in names if "keyness" in n)


def test_low_evidence_sources_get_no_share_in_charts(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run")
    # Even if a writer filled in the share of a low-evidence source, the charts ignore it.
    path = run / "data" / "sources.csv"
    sources = read_table(run, "sources")
    low = sources["low_evidence"]
    assert set(sources.loc[low, "source"]) >= set(THIN_SOURCES)
    raw = path.read_text("utf-8").splitlines()
    rows = [raw[0]] + [
        line.replace(",,TRUE", ",1.0,TRUE") if line.endswith(",,TRUE") else line for line in raw[1:]
    ]
    path.write_text("\n".join(rows) + "\n", "utf-8")
    d = data.ChartData(run)
    assert read_table(run, "sources").loc[low, "share"].eq(1.0).all()
    with mpl.rc_context(fonts.style()):
        shares, ternary_note = rates.shares(d)[1], rates.ternary(d)[1]
    thin = THIN_SOURCES[0]
    assert f"{thin}: low evidence, no share" in shares.alt
    assert "100%" not in shares.alt
    ternary = ternary_note.alt
    assert f"{thin}: " not in ternary.split("Left out")[0]
    assert thin in ternary.split("Left out")[1]


def _planned(run: Path) -> dict:
    """The charts make_charts would draw for a run: file name → drawing function."""
    return {name: draw for name, _, draw in registry.jobs(data.ChartData(run))}


def test_timeline_across_runs_needs_two_runs(tmp_path: Path) -> None:
    one = _nested(tmp_path / "a")
    assert "timeline_runs.png" not in _planned(one)
    two = _nested(tmp_path / "b", history_runs=1)
    with mpl.rc_context(fonts.style()):
        _, note = _planned(two)["timeline_runs.png"]()
    assert "2 runs" in note.alt


def test_keyness_pages_and_plain_names(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(terms, "KEYNESS_PER_PAGE", 2)
    run = make_fake_run(tmp_path / "run", hostile=True)  # 8 sources: 4 pages per frame
    jobs = _planned(run)
    names = [n for n in jobs if n.startswith("keyness_")]
    assert names == [f"keyness_{k + 1:02d}_{k // 4 + 1}.png" for k in range(12)]
    with mpl.rc_context(fonts.style()):
        fig, note = jobs["keyness_02_1.png"]()
    assert "(2 of 4)" in note.title
    d = data.ChartData(run)
    keyed = set(read_table(run, "keyness")["source"])
    page = [s for s in d.names if s in keyed][2:4]
    texts = {t.get_text() for ax in fig.axes for t in ax.texts}
    for s in page:  # one panel per source of this page, titled with its name
        assert display_label(s, 30 if s not in d.low else 18, 1) in " ".join(texts)


def test_article_points_are_sampled(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(data, "MAX_POINTS", 4)
    monkeypatch.setattr(rates, "MAX_POINTS", 4)
    run = make_fake_run(tmp_path / "run")
    with mpl.rc_context(fonts.style()):
        _, note = rates.article_rates(data.ChartData(run))
    assert "sample of 4 of 10" in note.title
    ids = read_table(run, "articles")["article_id"]
    assert runinfo.sample_ids(ids, 4) == runinfo.sample_ids(list(reversed(ids)), 4)


def test_voices_count_every_match_once(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run", hostile=True)
    counts, total = rates.voice_counts(data.ChartData(run))
    hits = read_table(run, "hits")
    assert total == len(hits) == int(counts.sum())
    author = hits[(hits["voice"] == "author") & ~hits["negated"]]
    assert counts.xs(rates.VOICES[0], level="kind").sum() == len(author)


def test_every_registered_chart_is_drawn_in_its_group(full_run) -> None:
    run, names, _, _ = full_run
    notes = read_notes(run)
    for c in registry.load():  # the full fake run has data for every chart
        drawn = [n for n in names if n == f"{c.name}.png" or n.startswith(f"{c.name}_")]
        assert drawn, c.name
        assert all(notes[n].group == c.group for n in drawn)
    assert [registry.GROUPS[notes[n].group] for n in names]


def test_similarity_without_clustering_for_two_sources(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run", sources=["甲", "乙"], quiet=(), thin=())
    with mpl.rc_context(fonts.style()):
        _, note = maps.similarity(data.ChartData(run))
    assert "clustered" not in note.title and "甲 and 乙" in note.alt


def test_article_points_are_the_sample_of_the_whole_table(tmp_path: Path, monkeypatch) -> None:
    run = make_fake_run(tmp_path / "run", articles_per_source=40, texts=False)
    whole = read_table(run, "articles").dropna(subset=["per_1k"])
    for limit in (7, 10_000):
        expected = whole[whole["article_id"].isin(runinfo.sample_ids(whole["article_id"], limit))]
        for chunk in (5, 37, 10**6):  # a chunk may end in the middle of an article's frames
            points = data.article_points(run, limit=limit, chunksize=chunk)
            assert points.n == whole["article_id"].nunique() == 200
            assert points.rows["article_id"].nunique() == min(limit, 200)
            pd.testing.assert_frame_equal(
                points.rows.reset_index(drop=True),
                expected[["article_id", "source", "frame", "per_1k"]].reset_index(drop=True),
            )
            assert points.sources == list(dict.fromkeys(whole["source"]))


@pytest.mark.parametrize("name", ["articles", "hits", "corpus", "removed", "validation"])
def test_chunks_read_like_the_whole_table(tmp_path: Path, name: str) -> None:
    run = make_fake_run(tmp_path / "run", hostile=True)
    whole = read_table(run, name)
    cols = columns(name)
    chunks = list(iter_table(run, name, cols, chunksize=3))
    assert len(chunks) == -(-len(whole) // 3)
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole[cols])


def test_chunks_survive_a_stray_non_number(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run")
    path = run / "data" / "articles.csv"
    lines = path.read_text("utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[8].split(",")
    row[header.index("tokens")] = "n/a"  # a hand edit, in the third chunk of three rows
    lines[8] = ",".join(row)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    whole = read_table(run, "articles")
    assert whole["tokens"].isna().sum() == 1
    chunked = pd.concat(iter_table(run, "articles", ["article_id", "tokens"], chunksize=3))
    pd.testing.assert_frame_equal(chunked.reset_index(drop=True), whole[["article_id", "tokens"]])


def test_missing_big_table_reads_as_one_empty_chunk(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run")
    (run / "data" / "hits.csv").unlink()
    (chunk,) = iter_table(run, "hits", ["frame", "negated"])
    assert chunk.empty and list(chunk.columns) == ["frame", "negated"]


def test_each_chart_is_drawn_once(tmp_path: Path, monkeypatch) -> None:
    run = make_fake_run(tmp_path / "run")
    draws = []
    real = Figure.draw

    def counted(self: Figure, renderer) -> None:
        draws.append(self)
        real(self, renderer)

    monkeypatch.setattr(Figure, "draw", counted)
    paths = make_charts(run, processes=1)  # counted here, not in forked processes
    assert len(draws) == len(paths)  # no layout pass re-drawing a figure before it is saved


@pytest.mark.parametrize("enabled", [True, False])
def test_garbage_collector_state_is_restored(tmp_path: Path, enabled: bool) -> None:
    run = make_fake_run(tmp_path / "run", sources=["甲", "乙"], frames=["pro_moscow"])
    (gc.enable if enabled else gc.disable)()
    try:
        make_charts(run)
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_text_width_is_what_matplotlib_draws() -> None:
    with mpl.rc_context(fonts.style()):
        fig = Figure()
        renderer = FigureCanvasAgg(fig).get_renderer()
        for text in ("ウクライナ侵略", "Valdai Club", "聯合ニュース (Yonhap)\n二行目", "z = 1.96"):
            drawn = fig.text(0, 0, text, fontsize=10).get_window_extent(renderer).width
            assert fonts.text_width(text, 10) == pytest.approx(drawn * 72 / fig.dpi, rel=0.06)


def test_frame_map_arrows_stay_inside_the_plot(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run")
    fmap = read_table(run, "frame_map")
    for col in ("pc2", "pc2_low", "pc2_high"):  # PC2 spans far less than PC1, as is usual
        fmap[col] = fmap[col] * 0.02
    fmap.to_csv(run / "data" / "frame_map.csv", index=False)
    with mpl.rc_context(fonts.style()):
        fig, _ = maps.frame_map(data.ChartData(run))
    ax = fig.axes[0]
    arrows = [a for a in ax.texts if isinstance(a, Annotation) and a.arrow_patch is not None]
    assert arrows
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    for a in arrows:
        x, y = a.xy
        assert x0 <= x <= x1 and y0 <= y <= y1


@pytest.mark.parametrize(
    ("top", "labels"),
    [(105.0, ["0", "20", "40", "60", "80", "100"]), (2.9, ["0.0", "0.5", "1.0", "1.5", "2.0",
     "2.5"]), (0.0105, ["0.000", "0.002", "0.004", "0.006", "0.008", "0.010"])],
)  # fmt: skip
def test_nice_ticks_share_their_decimals(top: float, labels: list[str]) -> None:
    ticks, shown = panels.nice_ticks(top)
    assert shown == labels
    assert ticks[0] == 0 and ticks[-1] <= top


def _stance_chart(run: Path, draw):
    with mpl.rc_context(fonts.style()):
        fig, note = draw(data.ChartData(run))
        FigureCanvasAgg(fig).draw()
    return fig, note


def test_stance_heatmap_leaves_thin_cells_uncoloured_and_hatched(full_run) -> None:
    run = full_run[0]
    st = read_table(run, "stance")
    fig, note = _stance_chart(run, stance.stance_heatmap)
    ax = fig.axes[0]
    values = ax.images[0].get_array()
    d = data.ChartData(run)
    sources, targets = stance._order(d, st)
    thin = 0
    for r in st.to_dict("records"):
        i, j = sources.index(r["source"]), targets.index(r["target"])
        blank = bool(r["low_evidence"]) or r["evaluated"] == 0
        assert bool(np.ma.getmaskarray(values)[i, j]) == blank, (r["source"], r["target"])
        thin += blank
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == thin > 0
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert "Russia–DPRK\nties" in ticks and not [t for t in ticks if "_" in t]
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert not [n for n in names if "…" in n]  # long names wrap, never cut
    assert f"n = {int(st['evaluated'].sum())}" in ax.get_title()
    assert "Hatched" in note.guide


def test_stance_intervals_draw_crossing_zero_dashed(full_run) -> None:
    run = full_run[0]
    st = read_table(run, "stance").dropna(subset=["stance"])
    fig, _ = _stance_chart(run, stance.stance_intervals)
    whiskers = [ln for ax in fig.axes for ln in ax.lines if len(ln.get_xdata()) == 2]
    styles = {(float(ln.get_xdata()[0]), float(ln.get_xdata()[1])): ln.get_linestyle()
              for ln in whiskers if ln.get_ydata()[0] == ln.get_ydata()[1]}  # fmt: skip
    for r in st.to_dict("records"):
        style = styles[(float(r["ci_low"]), float(r["ci_high"]))]
        if r["low_evidence"]:
            assert style == ":"
        elif r["ci_low"] < 0 < r["ci_high"]:
            assert style == "--"
        else:
            assert style == "-"
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "interval excludes 0",
        "interval includes 0",
        "too little evidence",
    ]


def test_stance_timeline_is_on_a_date_axis_with_one_legend(full_run) -> None:
    run = full_run[0]
    tl = read_table(run, "stance_timeline")
    fig, _ = _stance_chart(run, stance.stance_timeline)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert all(isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
               for ax in axes)  # fmt: skip
    xs = sorted({float(x) for ax in axes for c in ax.collections for x, _ in c.get_offsets()})
    months = sorted(set(tl["month"]))
    assert xs == [mdates.date2num(pd.Timestamp(f"{m}-15")) for m in months]
    assert len(fig.legends) == 1
    shown = [t.get_text().replace("\n", " ") for t in fig.legends[0].get_texts()]
    assert len(shown) == tl["source"].nunique()
    assert "Valdai Club" in shown
