"""The dashboard in a real headless Chromium: no errors, drill-down, sorting, filters, images,
the stance matrix on the first screen at desktop and phone width, and Japanese text drawn with
the page's embedded font alone.

Uses Debian's chromium (scripts/install-browser.sh) through Playwright; never a downloaded
browser build. Chromium runs with a fontconfig that offers only matplotlib's DejaVu fonts (no
Japanese glyphs), so the page must bring its own. Without playwright or chromium the test is
skipped, except under CI=true, where it fails so a missing browser cannot pass unnoticed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from fakerun import make_fake_run

from pipeline.report.charts.make import make_charts
from pipeline.report.dashboard import render_dashboard

pytestmark = pytest.mark.browser


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"browser test cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _chromium() -> str:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    _unavailable("chromium not found (run scripts/install-browser.sh as root)")
    raise AssertionError("unreachable")


def _fonts_without_japanese(folder: Path) -> Path:
    """A fontconfig file whose only fonts are matplotlib's DejaVu set (no CJK glyph)."""
    import matplotlib

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{fonts}</dir>\n  <cachedir>{folder / 'cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return conf


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    executable = _chromium()
    conf = _fonts_without_japanese(tmp_path_factory.mktemp("fontconfig"))
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True, env=env)
        yield b
        b.close()


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("browser")
    run = make_fake_run(base / "out" / "runs" / "20240618T120000Z-abc123", hostile=True,
                        history_runs=2, stance=True)  # fmt: skip
    make_charts(run)
    return render_dashboard(run)


def _open(browser, path: Path, width: int = 1280, height: int = 900):
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith(("file:", "data:")) else problems.append(f"request: {r.url}")
        ),
    )
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems


def _column(page, table: str, col: int) -> list[str]:
    script = "(rows, col) => rows.map(r => r.cells[col].getAttribute('data-sort'))"
    return page.eval_on_selector_all(f"#{table} tbody tr", script, col)


def _check_charts_decode(page) -> None:
    """Charts decode: every embedded PNG has pixels."""
    widths = page.eval_on_selector_all("figure.chart img", "imgs => imgs.map(i => i.naturalWidth)")
    assert widths and all(w > 0 for w in widths)


def _check_drilldown(page, tmp_path: Path) -> None:
    """Drill-down: a comparison cell opens its source × frame passages and shows them."""
    link = page.locator("#t-compare a.drill").nth(1)
    target = link.get_attribute("data-target")
    group = page.locator(f"details#{target}")
    assert group.evaluate("d => d.open") is False
    link.click()
    assert group.evaluate("d => d.open") is True
    first = group.locator("li.passage").first
    first.wait_for(state="visible")
    assert first.is_visible() and first.locator("mark").is_visible()
    assert page.evaluate("location.hash") == f"#{target}"
    box = group.bounding_box()
    assert box is not None and 0 <= box["y"] < 900  # scrolled into view
    others = page.locator("details.group:visible").count()
    assert others == 1  # the passage list is filtered to that cell
    page.screenshot(path=str(tmp_path / "drilldown.png"))


def _check_sorting(page) -> None:
    """Sorting: a header click reorders rows, numerically, and a second click reverses them."""
    tokens_col = 5
    before = _column(page, "t-articles", tokens_col)
    page.locator("#t-articles thead th").nth(tokens_col).locator("button").click()
    asc = _column(page, "t-articles", tokens_col)
    assert asc != before
    assert [float(x) for x in asc] == sorted(float(x) for x in before)
    page.locator("#t-articles thead th").nth(tokens_col).locator("button").click()
    desc = _column(page, "t-articles", tokens_col)
    assert [float(x) for x in desc] == sorted((float(x) for x in before), reverse=True)
    sort_state = page.locator("#t-articles thead th").nth(tokens_col).get_attribute("aria-sort")
    assert sort_state == "descending"


def _check_filtering(page) -> None:
    """Filtering: the text box hides rows that do not match."""
    total = page.locator("#t-terms tbody tr").count()
    page.fill('input[data-filter="t-terms"]', "侵略")
    shown = page.locator("#t-terms tbody tr:visible").count()
    assert 0 < shown < total
    assert page.locator('[data-count="t-terms"]').inner_text().startswith(f"{shown} of {total}")


def _check_differences(page) -> None:
    """Differences: sorting by A − B orders rows numerically; "only differences that hold"
    leaves the flagged rows."""
    diff_col = 3
    head = page.locator("#t-diff thead th").nth(diff_col)
    head.locator("button").click()
    keys = [float(x) for x in _column(page, "t-diff", diff_col)]
    assert len(keys) > 2 and keys == sorted(keys)
    head.locator("button").click()
    assert [float(x) for x in _column(page, "t-diff", diff_col)] == sorted(keys, reverse=True)
    rows = page.locator("#t-diff tbody tr").count()
    page.check('input.only[data-only="t-diff"]')
    flags = page.eval_on_selector_all(
        "#t-diff tbody tr", "rs => rs.filter(r => !r.hidden).map(r => r.dataset.flag)"
    )
    assert flags and set(flags) == {"1"} and len(flags) < rows
    page.uncheck('input.only[data-only="t-diff"]')
    assert page.locator("#t-diff tbody tr:visible").count() == rows


def _check_validation(page, tmp_path: Path) -> None:
    """Validation: the section, its verdict and its confusion matrix are on screen when visited."""
    page.locator('nav a[href="#validation"]').click()
    section = page.locator("#validation")
    assert section.is_visible()
    assert page.locator("#validation .verdict").is_visible()
    assert page.locator("#t-confusion").is_visible()
    vbox = page.locator("#h-validation").bounding_box()
    assert vbox is not None and 0 <= vbox["y"] < 900
    page.screenshot(path=str(tmp_path / "validation.png"))


def _check_passage_filters(page) -> None:
    """Passage filters: voice = quoted leaves only quoted passages."""
    page.click("#pf-reset")
    page.select_option("#pf-voice", "quoted")
    voices = page.eval_on_selector_all(
        "#passages li.passage",
        "ls => ls.filter(l => l.offsetParent !== null).map(l => l.dataset.voice)",
    )
    assert voices and set(voices) == {"quoted"}
    page.click("#pf-reset")


def test_dashboard_in_chromium(browser, dashboard: Path, tmp_path: Path) -> None:
    page, problems = _open(browser, dashboard)
    _check_charts_decode(page)
    _check_drilldown(page, tmp_path)
    _check_sorting(page)
    _check_filtering(page)
    _check_differences(page)
    _check_validation(page, tmp_path)
    _check_passage_filters(page)

    page.evaluate("window.scrollTo(0, 0)")
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if os.environ.get("DASHBOARD_SCREENSHOT"):
        out = Path(os.environ["DASHBOARD_SCREENSHOT"])
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
    page.close()
    assert problems == []


def test_dashboard_on_a_phone(browser, dashboard: Path, tmp_path: Path) -> None:
    page, problems = _open(browser, dashboard, width=390, height=844)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, "the page scrolls sideways on a phone; tables should scroll instead"
    page.screenshot(path=str(tmp_path / "phone.png"))
    page.close()
    assert problems == []


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_first_screen_is_the_stance_matrix(browser, dashboard: Path, width: int, height: int,
                                           tmp_path: Path) -> None:  # fmt: skip
    page, problems = _open(browser, dashboard, width=width, height=height)
    assert "How does each outlet portray" in page.locator("h1").inner_text()
    matrix = page.locator("#t-stance")
    heads = matrix.locator("thead th").all_inner_texts()
    assert any("Russia" in h for h in heads) and any("North Korea" in h for h in heads)
    first = matrix.locator("tbody tr").first
    box = first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= height, "the first row is below the fold"
    assert "Valdai Club" in first.locator("th").inner_text()
    cell = first.locator("td").first
    assert cell.is_visible() and "n = 4" in cell.inner_text()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    page.screenshot(path=str(tmp_path / f"first-screen-{width}.png"))
    page.close()
    assert problems == []


def test_no_thin_cell_is_coloured(browser, dashboard: Path) -> None:
    page, problems = _open(browser, dashboard)
    script = """cells => cells.map(c => {
        const s = getComputedStyle(c);
        return [c.className, s.backgroundColor, s.backgroundImage];
    })"""
    cells = page.eval_on_selector_all("#t-stance td.st", script)
    thin = [c for c in cells if "k-thin" in c[0]]
    strong = [c for c in cells if " pos" in c[0] or " neg" in c[0]]
    assert thin and strong
    for _, colour, image in thin:
        assert colour in ("rgba(0, 0, 0, 0)", "transparent") and "gradient" in image
    for _, colour, _ in strong:
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
    page.close()
    assert problems == []


def test_a_matrix_cell_opens_its_evidence(browser, dashboard: Path) -> None:
    page, problems = _open(browser, dashboard, width=390, height=844)
    link = page.locator("#t-stance a.ev").first
    target = link.get_attribute("data-ev")
    link.click()
    evidence = page.locator(f"details#{target}")
    assert evidence.evaluate("d => d.open") is True
    passage = evidence.locator("li.passage").first
    passage.wait_for(state="visible")
    assert passage.locator("mark.target").is_visible()
    box = evidence.bounding_box()
    assert box is not None and 0 <= box["y"] < 844
    page.close()
    assert problems == []


GLYPHS = """([font, a, b]) => {
    const draw = (ch) => {
        const c = document.createElement("canvas");
        c.width = 64; c.height = 64;
        const x = c.getContext("2d");
        x.font = "48px " + font;
        x.fillText(ch, 4, 52);
        return Array.from(x.getImageData(0, 0, 64, 64).data).join(",");
    };
    return draw(a) === draw(b);
}"""


def test_japanese_renders_with_the_embedded_font_only(browser, dashboard: Path) -> None:
    page, problems = _open(browser, dashboard)
    assert page.evaluate("""async () => {
        await document.fonts.load('48px "Dashboard JP"', "露朝");
        return document.fonts.check('48px "Dashboard JP"', "露朝");
    }""")
    # Without the page's font the system has none: two different kanji draw the same box.
    assert page.evaluate(GLYPHS, ["sans-serif", "露", "朝"]) is True
    # With it they differ, and the page's own font stack draws them.
    assert page.evaluate(GLYPHS, ['"Dashboard JP"', "露", "朝"]) is False
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert family.startswith('"Dashboard JP"')
    assert page.evaluate(GLYPHS, [family, "露", "朝"]) is False
    page.close()
    assert problems == []
