"""Hidden characters made visible where names are shown: in names, frames and rendered pages."""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from pipeline.report.dashboard import _environment
from pipeline.runfolder.cells import display_frame, display_name, display_value

BIDI = "通信\u202e24.15\u202c"
SHOWN = "通信[U+202E]24.15[U+202C]"


def test_display_name_shows_format_characters_but_keeps_emoji_joiners() -> None:
    assert display_name(BIDI) == SHOWN
    assert display_name("tag\U000e0041") == "tag[U+E0041]"
    assert display_name("soft\xadhyphen") == "soft[U+00AD]hyphen"
    assert display_name("👩\u200d💻") == "👩\u200d💻"
    assert display_name(None) == "" and display_name(12) == "12"


def test_display_value_keeps_the_type_of_what_it_is_given() -> None:
    shown = display_value(Markup("<b>") + BIDI)
    assert isinstance(shown, Markup) and shown == Markup("<b>") + SHOWN
    assert display_value(3.5) == 3.5 and display_value(None) is None
    plain = "ウクライナ"
    assert display_value(plain) is plain


def test_display_frame_changes_only_the_cells_that_need_it() -> None:
    df = pd.DataFrame({"source": [BIDI, "聯合", None], "n": [1, 2, 3]})
    out = display_frame(df.copy())
    assert out["source"].tolist()[:2] == [SHOWN, "聯合"] and pd.isna(out["source"].iloc[2])
    assert out["n"].tolist() == [1, 2, 3]


def test_the_page_template_shows_every_rendered_value_and_its_json() -> None:
    env = _environment()
    page = env.from_string(
        '<p title="{{ name }}">{{ name }} {{ names|join(", ") }} {{ n }}</p>{{ data|tojson }}'
    ).render(name=BIDI, names=[BIDI, "x"], n=3, data={"sources": [BIDI]})
    assert "\u202e" not in page and "\\u202e" not in page.lower()
    assert page.count("[U+202E]24.15[U+202C]") == 4  # the JSON escapes the kanji
