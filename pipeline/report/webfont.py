"""The Japanese font the dashboard embeds: the chart font (IPAexGothic, shipped with
matplotlib-fontja) cut down to the characters the page uses, as a base64 WOFF ``@font-face``, so
the page reads on a machine without any Japanese font and still makes no network request."""

from __future__ import annotations

import base64
import importlib.util
import io
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FAMILY = "Dashboard JP"
# CJK punctuation, kana, ideographs, compatibility ideographs, full- and half-width forms: the
# characters the page's Latin fonts may lack. Everything else keeps the system font.
RANGES = ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF))
UNICODE_RANGE = ", ".join(f"U+{a:X}-{b:X}" for a, b in RANGES)


def font_file() -> Path | None:
    """IPAexGothic's TrueType file, found without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib_fontja")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "fonts" / "ipaexg.ttf"
    return path if path.is_file() else None


def needed(text: str) -> list[int]:
    """The code points of ``text`` in the embedded ranges, sorted."""
    points = map(ord, set(text))
    return sorted(p for p in points if any(a <= p <= b for a, b in RANGES))


def _recalc_keeping_outlines(font: TTFont) -> None:
    """Recalculate what fontTools recalculates from the outlines on save (the font's box in
    ``head``, ``maxp``'s maxima, ``hhea``/``vhea``'s extents), then put every glyph back as the
    bytes it was read from and save without recalculating. fontTools would otherwise compile
    every kept glyph again, to the same bytes, at most of the subset's cost."""
    glyf = font["glyf"]
    raw = {name: g.data for name, g in glyf.glyphs.items() if hasattr(g, "data")}
    done: set[str] = set()
    for name, glyph in glyf.glyphs.items():  # glyphs the subsetter built or changed
        if name not in raw and (glyph.numberOfContours or getattr(glyph, "program", None)):
            glyph.recalcBounds(glyf, boundsDone=done)
    font["maxp"].recalc(font)
    for tag in ("hhea", "vhea"):
        if tag in font:
            font[tag].recalc(font)
    for name, data in raw.items():
        glyph = glyf.glyphs[name]
        glyph.__dict__.clear()
        glyph.data = data
    font.recalcBBoxes = False


def font_face(text: str) -> str:
    """A ``@font-face`` rule with the glyphs ``text`` needs (empty when it needs none, or when
    the font is not installed: the page then falls back to system fonts)."""
    points = needed(text)
    path = font_file()
    if not points or path is None:
        return ""
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]  # keep the copyright and licence names
    options.notdef_outline = True
    # Loaded lazily: only the kept glyphs are ever decompiled.
    font = TTFont(str(path), recalcTimestamp=False)
    sub = subset.Subsetter(options)
    sub.populate(unicodes=points)
    sub.subset(font)
    _recalc_keeping_outlines(font)
    buf = io.BytesIO()
    font.flavor = "woff"
    font.save(buf)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (
        f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: 400 700; '
        f"font-display: block; unicode-range: {UNICODE_RANGE}; "
        f'src: url(data:font/woff;base64,{data}) format("woff"); }}'
    )
