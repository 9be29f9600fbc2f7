"""The dashboard in a real headless Chromium: no errors, drill-down, sorting, filters, images.

Uses Debian's chromium (scripts/install-browser.sh) through Playwright; never a downloaded
browser build. Without playwright or chromium the test is skipped, except under CI=true, where
it fails so a missing browser cannot pass unnoticed.
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


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    executable = _chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("browser")
    run = make_fake_run(base / "out" / "runs" / "20240618T120000Z-abc123", hostile=True,
                        history_runs=2)  # fmt: skip
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


def test_dashboard_in_chromium(browser, dashboard: Path, tmp_path: Path) -> None:
    page, problems = _open(browser, dashboard)

    # Charts decode: every embedded PNG has pixels.
    widths = page.eval_on_selector_all("figure.chart img", "imgs => imgs.map(i => i.naturalWidth)")
    assert widths and all(w > 0 for w in widths)

    # Drill-down: a comparison cell opens its source × frame passages and shows them.
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

    # Sorting: a header click reorders rows, numerically, and a second click reverses them.
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

    # Filtering: the text box hides rows that do not match.
    total = page.locator("#t-terms tbody tr").count()
    page.fill('input[data-filter="t-terms"]', "侵略")
    shown = page.locator("#t-terms tbody tr:visible").count()
    assert 0 < shown < total
    assert page.locator('[data-count="t-terms"]').inner_text().startswith(f"{shown} of {total}")

    # Differences: sorting by A − B orders rows numerically; "only differences that hold"
    # leaves the flagged rows.
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

    # Validation: the section, its verdict and its confusion matrix are on screen when visited.
    page.locator('nav a[href="#validation"]').click()
    section = page.locator("#validation")
    assert section.is_visible()
    assert page.locator("#validation .verdict").is_visible()
    assert page.locator("#t-confusion").is_visible()
    vbox = page.locator("#h-validation").bounding_box()
    assert vbox is not None and 0 <= vbox["y"] < 900
    page.screenshot(path=str(tmp_path / "validation.png"))

    # Passage filters: voice = quoted leaves only quoted passages.
    page.click("#pf-reset")
    page.select_option("#pf-voice", "quoted")
    voices = page.eval_on_selector_all(
        "li.passage", "ls => ls.filter(l => l.offsetParent !== null).map(l => l.dataset.voice)"
    )
    assert voices and set(voices) == {"quoted"}
    page.click("#pf-reset")

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
