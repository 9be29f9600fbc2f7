"""The dashboard's embedded font: the glyphs the page uses, the same bytes as fontTools' own
subset of the chart font (which recompiles every kept glyph)."""

from __future__ import annotations

import base64
import io
import re

import pytest
from fontTools import subset
from fontTools.ttLib import TTFont

from pipeline.report.webfont import font_face, font_file, needed

TEXT = "親モスクワ・西側分析 聯合ニュース「沈黙新聞」（社説）… ＡＢＣ ｶﾅ 北朝鮮 Valdai Club"


def _reference(points: list[int]) -> bytes:
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.notdef_outline = True
    path = font_file()
    assert path is not None
    font = TTFont(str(path), recalcTimestamp=False)
    sub = subset.Subsetter(options)
    sub.populate(unicodes=points)
    sub.subset(font)
    buf = io.BytesIO()
    font.flavor = "woff"
    font.save(buf)
    return buf.getvalue()


def _embedded(rule: str) -> bytes:
    match = re.search(r"base64,([A-Za-z0-9+/=]+)", rule)
    assert match, rule[:200]
    return base64.b64decode(match.group(1))


@pytest.mark.parametrize("text", [TEXT, "。", TEXT[:7]])
def test_embedded_font_is_the_subset_fonttools_writes(text: str) -> None:
    points = needed(text)
    assert points and all(p > 0x2E7F for p in points)
    woff = _embedded(font_face(text))
    assert woff == _reference(points)
    cmap = TTFont(io.BytesIO(woff)).getBestCmap()
    assert set(points) <= set(cmap)


def test_no_font_for_a_page_without_japanese() -> None:
    assert font_face("Latin only, 123 – — “quotes”") == ""
