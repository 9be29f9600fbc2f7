"""Charts: PNG files per run, Japanese glyphs present, odd runs (1 source, 1 frame, no hits)."""

from __future__ import annotations

import json
import logging
import re
import unicodedata
import warnings
from pathlib import Path

import matplotlib as mpl
import pytest
from fakerun import HOSTILE_SOURCES, make_fake_run
from fontTools.ttLib import TTFont
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib import font_manager
from matplotlib.figure import Figure

from pipeline import charts
from pipeline.charts import display_label, make_charts, read_notes, read_table

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
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


def test_make_charts_writes_pngs_and_notes(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run")
    paths, records = _charts_with_warnings(run)
    assert _glyph_problems(records) == []
    names = [p.name for p in paths]
    assert names[:5] == [
        "heatmap_per1k.png",
        "per1k_intervals.png",
        "frame_shares.png",
        "articles_per1k.png",
        "voices.png",
    ]
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


def test_no_missing_glyph_warnings_for_japanese_labels(tmp_path: Path, caplog) -> None:
    run = make_fake_run(tmp_path / "run")
    with caplog.at_level(logging.WARNING, logger="matplotlib"):
        _, records = _charts_with_warnings(run)
    assert _glyph_problems(records) == []
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]

    # A figure drawn the way make_charts draws them, with Japanese in every text element.
    with warnings.catch_warnings(record=True) as records, mpl.rc_context(charts._rc()):
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
    with mpl.rc_context(charts._rc()):
        family = mpl.rcParams["font.family"]
        assert family[0] == charts.FONT_FAMILY
        path = font_manager.findfont(
            font_manager.FontProperties(family=family[0]), fallback_to_default=False
        )
    assert Path(path).resolve() == Path(charts.font_path()).resolve()
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
    assert len(paths) == 5 + len(frames)
    for p in paths:
        _png_size(p)
    if set(quiet) == set(sources):
        assert "No source has any counted match" in read_notes(run)["heatmap_per1k.png"].alt


def test_dollar_signs_and_emoji_in_names(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "run", sources=["$5 a $day", "Budget $ news 📰"])
    paths, records = _charts_with_warnings(run)
    assert len(paths) == 8
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
