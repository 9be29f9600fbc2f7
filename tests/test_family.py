"""Families as declarations: the shipped ones are consistent with the schema and the batch
registry, and a new family is one declaration plus one registration (a toy one here)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fakerun import make_fake_run
from fold_params import params_for

from pipeline.aggregate.batch import Batch
from pipeline.aggregate.family import Family, Section, Tables, families, register, unregister
from pipeline.aggregate.params import FoldParams
from pipeline.aggregate.tables import write_tables
from pipeline.analyze.article import TABLES as BATCH_TABLES
from pipeline.analyze.article import analyze_batch, write_batch
from pipeline.report import dashboard
from pipeline.report.dashboard import render_html
from pipeline.report.outline import PAGE_SECTIONS, sections
from pipeline.runfolder import schema

# Run-folder tables written outside the fold: history by the flow, stance_validation by the
# stance check against a corpus's gold file.
WRITTEN_ELSEWHERE = {"history", "stance_validation"}


def test_every_run_folder_table_has_exactly_one_family() -> None:
    owners: dict[str, str] = {}
    for family in families():
        for name in family.tables:
            assert name in schema.TABLES, f"{family.name}: {name} is not in the schema"
            assert name not in owners, f"{name}: written by {owners[name]} and {family.name}"
            owners[name] = family.name
        assert set(family.batch_tables) <= set(BATCH_TABLES), family.name
    assert set(owners) | WRITTEN_ELSEWHERE == set(schema.TABLES)


def test_the_dashboard_sections_come_from_the_page_and_the_families() -> None:
    ids = [section_id for section_id, _ in sections()]
    assert ids[:3] == ["stance", "changes", "summary"]
    assert ids[ids.index("differences") + 1] == "sourcing"
    assert ids[ids.index("lexicons") + 1] == "cleaning"
    assert len(ids) == len(set(ids)) == len(PAGE_SECTIONS) + len(families())
    for family in families():
        if not family.section.template:
            partial = Path(dashboard.TEMPLATES, "sections", f"{family.section.id}.html.j2")
            assert partial.is_file(), family.name


def test_a_section_that_follows_no_page_section_is_refused(toy_family: Family) -> None:
    unregister("toy")
    register(Family("toy", ("docs",), ArticlesPerSource, ("toy_sources",),
                    Section("toy", "Toy", after="nowhere")))  # fmt: skip
    with pytest.raises(ValueError, match="section 'toy' follows 'nowhere', not on the page"):
        sections()


class ArticlesPerSource:
    """The toy family's accumulator: articles and content tokens per source."""

    def __init__(self, params: FoldParams) -> None:
        self.minimum = params.min_tokens
        self.parts: list[pd.DataFrame] = []

    def add(self, batch: Batch) -> None:
        docs = batch.docs.assign(tokens=batch.articles["tokens"].to_numpy(), articles=1)
        self.parts.append(docs.groupby("source", as_index=False)[["articles", "tokens"]].sum())

    def result(self) -> Tables:
        total = pd.concat(self.parts).groupby("source", as_index=False).sum()
        return {"toy_sources": total.assign(enough=total["tokens"] >= self.minimum)}


def few_tokens(tables: Tables, params: FoldParams, known: dict[str, str]) -> list[str]:
    t = tables["toy_sources"]
    return [f"toy: {s} has few tokens" for s in t.loc[~t["enough"], "source"]]


TOY_TEMPLATE = """<ul class="toy">
{% for row in toy %}  <li>{{ row.source }}: {{ row.tokens }} tokens</li>
{% endfor %}</ul>
"""


def toy_view(run_dir: Path) -> list[dict[str, object]]:
    """The toy section's rows, read from the table the toy family wrote."""
    path = run_dir / "data" / "toy_sources.csv"
    return pd.read_csv(path).to_dict("records") if path.is_file() else []


@pytest.fixture
def toy_family(monkeypatch: pytest.MonkeyPatch) -> Iterator[Family]:
    """A family declared here: its table in the schema, its accumulator, its check."""
    monkeypatch.delitem(schema.TABLES, "toy_sources", raising=False)
    schema.table("toy_sources", "source articles:int tokens:int enough:bool", "toy: per source")
    family = register(
        Family(
            name="toy",
            batch_tables=("articles", "docs"),
            accumulator=ArticlesPerSource,
            tables=("toy_sources",),
            section=Section(
                "toy",
                "Toy counts",
                after="sourcing",
                view=toy_view,
                template=TOY_TEMPLATE,
            ),
            check=few_tokens,
        )
    )
    yield family
    unregister("toy")
    del schema.TABLES["toy_sources"]


def test_a_toy_family_flows_through_a_run(toy_family, tmp_path: Path, refs, lexicons) -> None:
    dirs = [
        write_batch(
            analyze_batch([(r, None) for r in part], lexicons, tmp_path / "texts", 5_000_000),
            tmp_path / f"batch-{k}",
        )
        for k, part in enumerate((refs[:2], refs[2:]))
    ]
    data = tmp_path / "data"
    params = params_for(data, lexicons, bootstrap=20, seed=3, permutations=20,
                        min_tokens=10**6, aggregate_articles=1)  # fmt: skip
    summary = write_tables(params, dirs)
    written = (data / "toy_sources.csv").read_text("utf-8").splitlines()
    assert written[0] == "source,articles,tokens,enough"
    corpus = pd.read_csv(data / "corpus.csv", keep_default_na=False)
    expected = corpus.groupby("source")["tokens"].agg(["size", "sum"])
    assert written[1:] == [f"{s},{n},{t},FALSE" for s, (n, t) in expected.iterrows()]
    assert [w for w in summary["warnings"] if w.startswith("toy:")] == [
        f"toy: {s} has few tokens" for s in expected.index
    ]
    assert (data / "sources.csv").is_file(), "the shipped families still run beside it"


def test_a_toy_family_adds_its_dashboard_section(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    run_dir = make_fake_run(tmp_path / "run")  # a fake run has every declared table: not yet toy's
    request.getfixturevalue("toy_family")
    (run_dir / "data" / "toy_sources.csv").write_text(
        "source,articles,tokens,enough\n沈黙新聞,2,40,FALSE\n", "utf-8"
    )
    page = render_html(run_dir)
    nav = re.findall(r'<li><a href="#(\w+)">', page)
    assert nav[nav.index("sourcing") + 1] == "toy"
    assert '<h2 id="h-toy">Toy counts</h2>' in page
    assert "<li>沈黙新聞: 40 tokens</li>" in page


def test_a_family_returning_an_undeclared_table_is_refused(
    toy_family, tmp_path: Path, refs, lexicons
) -> None:
    unregister("toy")
    register(
        Family("toy", ("docs",), ArticlesPerSource, ("sources_toy_typo",), Section("toy", "T", ""))
    )
    batch = write_batch(
        analyze_batch([(refs[0], None)], lexicons, tmp_path / "texts", 5_000_000),
        tmp_path / "batch",
    )
    params = params_for(tmp_path / "data", lexicons, bootstrap=5, seed=3, permutations=5)
    with pytest.raises(
        ValueError, match="family toy returned toy_sources, which it does not declare"
    ):
        write_tables(params, [batch])
