"""The stance-first dashboard: the question, the source × target matrix with intervals, n and
evidence links, display names from the lexicon labels, sentences per source, what changed
since the previous run, and the embedded Japanese font."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from fakerun import make_fake_run
from fontTools.ttLib import TTFont
from test_dashboard import Page, _section, _table

from pipeline.analyze.actors import load_actors
from pipeline.analyze.stance_lexicon import load_stance
from pipeline.report.changes import changes_view
from pipeline.report.dashboard import render_dashboard
from pipeline.report.labels import group_names, label_name, target_names
from pipeline.report.stance_words import source_sentence
from pipeline.report.webfont import needed
from pipeline.runfolder.tables import read_table

LEXICONS = Path(__file__).resolve().parents[1] / "lexicons"


@pytest.fixture(scope="module")
def stance_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    base = tmp_path_factory.mktemp("stance")
    run = make_fake_run(base / "out" / "runs" / "20240618T120000Z-abc123", hostile=True,
                        history_runs=2, stance=True)  # fmt: skip
    return run, render_dashboard(run).read_text("utf-8")


def test_the_page_opens_on_the_question_and_the_stance_matrix(stance_run) -> None:
    _, html = stance_run
    page = Page(html)
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title and "How does each outlet portray Russia, North Korea" in title.group(1)
    h1 = html.index("<h1>")
    assert html.index('id="t-stance"') < html.index('<section id="summary"')
    assert h1 < html.index('<section id="stance"') < html.index('<section id="summary"')
    assert html.index('<section id="summary"') < html.index('<section id="sourcing"')
    assert "Framing comparison" not in page.all_text


def test_matrix_cells_show_stance_interval_n_share_and_link_to_evidence(stance_run) -> None:
    run, html = stance_run
    st = read_table(run, "stance")
    matrix = _table(html, "t-stance")
    heads = " ".join(matrix.text)
    for name in ("Russia", "North Korea", "Russia–DPRK ties", "ロシア", "露朝関係"):
        assert name in heads
    assert "russia_dprk_ties" not in heads
    valdai = st[(st["source"] == "Valdai Club") & (st["target"] == "russia")].iloc[0]
    cell = _flat(_part_after(html, "Valdai Club", "</tr>"))
    assert f"{valdai['stance']:+.2f}" in cell and f"n={int(valdai['evaluated'])}" in cell
    assert "100%of4mentions" in cell  # every mention of Russia carries an evaluation
    ids = Page(html).by_id()
    links = [a for t, a in matrix.elements if t == "a" and "ev" in (a.get("class") or "")]
    assert links
    for a in links:
        target = ids[a["href"][1:]]
        assert target[0] == "details" and "stance-evidence" in (target[1].get("class") or "")


def test_low_evidence_cells_are_hatched_not_coloured(stance_run) -> None:
    run, html = stance_run
    st = read_table(run, "stance")
    cells = [a for t, a in _table(html, "t-stance").elements if t == "td"]
    assert len(cells) == len(st[st["target"].isin(["russia", "dprk", "russia_dprk_ties", "west"])])
    thin = [a for a in cells if "k-thin" in (a.get("class") or "")]
    strong = [a for a in cells if re.search(r"\b(pos|neg)\b", a.get("class") or "")]
    assert thin and strong
    for a in thin:  # colour is only ever given by pos/neg, and its strength is zero
        assert not re.search(r"\b(pos|neg)\b", a["class"]) and a["style"] == "--s:0"
    crossing = st[(st["ci_low"] < 0) & (st["ci_high"] > 0) & ~st["low_evidence"]]
    assert len(crossing) and html.count('title="the interval includes zero"') >= len(crossing)


def test_one_sentence_per_source_from_the_numbers(stance_run) -> None:
    _, html = stance_run
    text = " ".join(_section(html, "stance").text)
    assert (
        "Valdai Club portrays Russia favourably (+0.67, 4 evaluations, interval +0.26 to +1.00)"
        in _norm(text)
    )
    assert "too little evidence on North Korea" in _norm(text)
    assert "leans unfavourably towards Russia, but the interval includes zero" in _norm(text)


def test_sentence_words_follow_the_interval() -> None:
    names = {"russia": label_name("russia", {"ja": "ロシア", "en": "Russia"})}
    row = {"target": "russia", "mentions": 9, "evaluated": 3, "stance": 0.75, "ci_low": 0.0,
           "ci_high": 0.88, "low_evidence": False}  # fmt: skip
    assert source_sentence("V", [row], names) == (
        "V portrays Russia favourably (+0.75, 3 evaluations, interval 0.00 to +0.88)."
    )
    assert "too little evidence on Russia" in source_sentence(
        "V", [{**row, "low_evidence": True}], names
    )
    assert "interval includes zero" in source_sentence("V", [{**row, "ci_low": -0.1}], names)
    undefined = {**row, "ci_low": float("nan"), "ci_high": float("nan")}
    assert "too little evidence on Russia" in source_sentence("V", [undefined], names)
    assert source_sentence("V", [{**row, "evaluated": 0, "mentions": 0}], names).endswith(
        "evaluates none of the targets in its own voice."
    )


def test_what_changed_lists_the_cell_that_moved_with_new_passages(stance_run) -> None:
    _, html = stance_run
    section = _section(html, "changes")
    text = _norm(" ".join(section.text))
    assert "20240502T090000Z-old1" in text
    assert "ValdaiClubonRussia:−0.60" in _flat(text) and "→+0.67" in _flat(text)
    assert "new passage" in text and "s00-a1" in text and "s00-a0" not in text


def test_no_changes_section_without_a_previous_run(tmp_path: Path) -> None:
    run = make_fake_run(tmp_path / "out" / "runs" / "20240618T120000Z-abc123", stance=True)
    html = render_dashboard(run).read_text("utf-8")
    assert '<section id="changes"' not in html and 'href="#changes"' not in html


def test_the_page_embeds_every_japanese_character_it_uses(stance_run) -> None:
    _, html = stance_run
    css = "".join(Page(html).styles)
    m = re.search(r'font-family: "Dashboard JP".*?base64,([A-Za-z0-9+/=]+)', css)
    assert m is not None
    font = TTFont(io.BytesIO(base64.b64decode(m.group(1))))
    cmap = font.getBestCmap()
    used = needed(html)
    assert ord("露") in used and ord("ニ") in used
    assert not [chr(c) for c in used if c not in cmap]
    assert len(cmap) < len(used) + 300  # a subset, not the whole font


def test_display_names_come_from_the_lexicon_labels() -> None:
    run = {"settings": {"lexicons": str(LEXICONS)}}
    targets, groups = target_names(run), group_names(run)
    assert targets["russia_dprk_ties"].en == "Russia–DPRK ties"
    assert targets["russia"].ja == "ロシア"
    assert groups["russian_state_media"].short == "Russian state media"
    assert label_name("x", "親モスクワ (pro-Moscow)").short == "親モスクワ (pro-Moscow)"
    assert target_names({"settings": {"lexicons": "/nonexistent"}}) == {}


def test_the_lexicon_loaders_accept_the_label_mappings() -> None:
    lex = load_stance(LEXICONS / "stance")
    assert lex is not None
    assert "russia_dprk_ties" in lex.target_ids
    actors = load_actors(LEXICONS / "sourcing" / "actors.yaml")
    assert "russian_state_media" in actors.groups


def _norm(s: str) -> str:
    return " ".join(s.split())


def _flat(s: str) -> str:
    return "".join(re.sub(r"<[^>]+>", " ", s).split())


def _part_after(html: str, start: str, end: str) -> str:
    table = html[html.index('id="t-stance"') :]
    i = table.index(start)
    return table[i : table.index(end, i)]


def test_the_unit_legend_explains_the_units_the_rows_use(stance_run) -> None:
    run, html = stance_run
    used = set(read_table(run, "differences")["unit"])
    legend = _norm(re.search(r"Unit: what the p-value permutes\.(.*?)</p>", html, re.S).group(1))
    explained = set(re.findall(r"<em>([^<]+)</em>", legend))
    assert explained == used
    assert "sentences" not in explained


def test_what_changed_through_the_latest_link(stance_run, tmp_path: Path) -> None:
    run, _ = stance_run
    latest = run.parent.parent / "latest"
    latest.symlink_to(run.relative_to(latest.parent), target_is_directory=True)
    try:
        assert changes_view(latest, {"run_id": run.name}, {})["available"] is True
    finally:
        latest.unlink()
