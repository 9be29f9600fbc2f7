"""Text for matplotlib: the Japanese chart font, its metrics (to lay charts out without asking
matplotlib to measure), labels made safe and short, and the style every chart is drawn in."""

from __future__ import annotations

import unicodedata
from functools import cache

import matplotlib_fontja  # registers IPAexGothic with matplotlib's font manager
import seaborn as sns
from fontTools.ttLib import TTFont
from matplotlib import font_manager

FONT_FAMILY = "IPAexGothic"
FALLBACK_FAMILY = "DejaVu Sans"
DPI = 110


@cache
def _advances() -> dict[int, float]:
    """Advance width (in ems) of every code point the chart fonts can draw, first font first."""
    widths: dict[int, float] = {}
    for path in (font_path(), font_manager.findfont(FALLBACK_FAMILY, fallback_to_default=False)):
        with TTFont(path, lazy=True) as font:
            hmtx, em = font["hmtx"].metrics, font["head"].unitsPerEm
            for point, glyph in font.getBestCmap().items():
                widths.setdefault(point, hmtx[glyph][0] / em)
    return widths


def text_width(text: str, size: float) -> float:
    """Width in points of a (possibly multi-line) label at ``size`` points, from the fonts'
    advance widths: enough to lay a chart out without asking matplotlib to measure it."""
    adv = _advances()
    lines = text.replace(r"\$", "$").split("\n")
    return max(sum(adv.get(ord(ch), 1.0) for ch in line) for line in lines) * size


def font_path() -> str:
    """The TrueType file of the Japanese chart font."""
    return matplotlib_fontja.get_font_ttf_path()


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def display_label(text: object, width: int = 20, max_lines: int = 2) -> str:
    """Wrap and truncate a label for a chart; make it safe for matplotlib.

    Widths count East Asian wide characters as 2. Characters no chart font can draw become
    "?", and ``$`` is escaped so a name never switches matplotlib into mathtext.
    """
    raw = " ".join(str(text).split())
    known = _advances()
    raw = "".join(ch if ord(ch) in known else "?" for ch in raw)
    lines: list[str] = []
    line, used = "", 0
    for word in raw.split(" "):
        w = sum(_width(c) for c in word)
        if line and used + 1 + w <= width:
            line, used = f"{line} {word}", used + 1 + w
            continue
        if line:
            lines.append(line)
        line, used = "", 0
        for ch in word:
            if used + _width(ch) > width:
                lines.append(line)
                line, used = "", 0
            line, used = line + ch, used + _width(ch)
    lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and sum(_width(c) for c in last) + 1 > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return "\n".join(lines).replace("$", r"\$")


def style() -> dict[str, object]:
    """seaborn's whitegrid look with the Japanese font on every text element."""
    rc: dict[str, object] = {**sns.axes_style("whitegrid"), **sns.plotting_context("notebook")}
    rc.update(
        {
            "font.family": [FONT_FAMILY, FALLBACK_FAMILY],
            "font.sans-serif": [FONT_FAMILY, FALLBACK_FAMILY],
            "axes.unicode_minus": True,
            "axes.titlesize": 13,
            "axes.titleweight": "normal",
            "axes.labelsize": 11,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "legend.fontsize": 9,
            "axes.titley": 1.0,
            "text.hinting": "no_hinting",
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
        }
    )
    return rc
