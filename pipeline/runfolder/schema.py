"""The run folder's tables, each defined once: name, file, columns with their types, meaning.

Writers (``aggregate``), readers (``report``, ``lexicon suggest``, ``history``), the test
fixtures (``tests/fakerun.py``) and the README's Outputs table all take their columns from
here (``tests/test_schema.py`` fails when the README drifts). To add a table: one ``table(...)``
call below, then ``python scripts/outputs_table.py`` to refresh the README.

Column types: ``str`` (text, kept verbatim: a source called "NA" stays "NA"), ``int``,
``float`` (rounded to ``DECIMALS`` when written) and ``bool`` (written ``TRUE``/``FALSE``: R's
and Excel's logicals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["str", "int", "float", "bool"]
KINDS: tuple[Kind, ...] = ("str", "int", "float", "bool")
DECIMALS = 4
# Matches kept per source × frame in passages.csv: what the dashboard lists (hits.csv has all).
PASSAGES_PER_CELL = 200
# Significance level: differences.csv's ``significant`` is ``p_adjusted < ALPHA``.
ALPHA = 0.05


@dataclass(frozen=True)
class Table:
    """One table of the run folder."""

    name: str
    file: str  # relative to the run folder; history.csv lives in the output folder
    columns: tuple[str, ...]
    kinds: tuple[Kind, ...]
    description: str
    grows: bool = False  # grows with the corpus: read it a chunk at a time (``iter_table``)

    def of(self, kind: Kind) -> tuple[str, ...]:
        """The columns of one type."""
        return tuple(c for c, k in zip(self.columns, self.kinds, strict=True) if k == kind)

    @property
    def numeric(self) -> tuple[str, ...]:
        return tuple(c for c, k in zip(self.columns, self.kinds, strict=True) if k in NUMBERS)

    @property
    def booleans(self) -> tuple[str, ...]:
        return self.of("bool")


NUMBERS = ("int", "float")
TABLES: dict[str, Table] = {}


def table(name: str, spec: str, description: str, grows: bool = False, file: str = "") -> Table:
    """Define a table: ``spec`` lists its columns as ``name`` (text) or ``name:type``."""
    cols: list[str] = []
    kinds: list[Kind] = []
    for item in spec.split():
        col, _, given = item.partition(":")
        kind = next((k for k in KINDS if k == (given or "str")), None)
        if kind is None:
            raise ValueError(f"{name}.{col}: unknown type {given!r}")
        cols.append(col)
        kinds.append(kind)
    if name in TABLES:
        raise ValueError(f"table {name!r} is defined twice")
    t = Table(name, file or f"data/{name}.csv", tuple(cols), tuple(kinds), description, grows)
    TABLES[name] = t
    return t


def columns(name: str) -> list[str]:
    """A table's column names, in file order."""
    return list(TABLES[name].columns)


_HIT = (
    "article_id source frame category term matched sentence_id:int char_start:int char_end:int "
    "voice negated:bool weight:float left right"
)

# fmt: off
table("articles",
      "article_id source published frame hits:int weighted:float tokens:int per_1k:float "
      "share:float quoted_hits:int negated_hits:int low_evidence:bool",
      "per article × frame: counted hits, weighted hits, content tokens, rate, share", grows=True)
table("sources",
      "source frame articles:int tokens:int hits:int per_1k:float ci_low:float ci_high:float "
      "share:float low_evidence:bool",
      "per source × frame: pooled rate with its 95% bootstrap interval, share")
table("hits", _HIT,
      "per match; `char_start:char_end` index the article's `text_file` (corpus.csv)", grows=True)
table("passages", _HIT,
      f"the same columns, the first {PASSAGES_PER_CELL} matches per source × frame: what the "
      "dashboard shows")
table("terms",
      "source frame category term author_hits:int quoted_hits:int negated_hits:int all_hits:int",
      "per source × frame × entry (a quoted, negated match counts in both quoted and negated)")
table("corpus",
      "article_id source title author published url language perspective encoding chars:int "
      "sentences:int tokens:int removed_lines:int text_file",
      "per article: metadata, encoding, characters, sentences, content tokens, text file",
      grows=True)
table("removed", "article_id line:int kind text",
      "what cleaning removed, with its line and kind", grows=True)
table("lexicon",
      "frame label term category weight:float note lemmas shared author_hits:int",
      "the entries used (`shared`: space-separated frame ids), their lemma sequences and "
      "author hits (0 = never matched)")
table("differences",
      "source_a source_b frame diff:float ci_low:float ci_high:float p_value:float "
      "p_adjusted:float unit significant:bool",
      "per pair of sources × frame: difference of rates, 95% interval, permutation p, Holm")
table("keyness",
      "source frame term count:int count_rest:int log_odds:float z:float",
      "per source × entry: log-odds with an informative Dirichlet prior against the rest")
table("frame_map",
      "source pc1:float pc2:float pc1_low:float pc1_high:float pc2_low:float pc2_high:float "
      "var1:float var2:float",
      "PCA of the sources' frame profiles, with 95% intervals")
table("stance_hits",
      "article_id source target target_matched term polarity:int weight:float category voice "
      "negated:bool sentence_id:int target_start:int target_end:int char_start:int char_end:int "
      "left right about role counted:bool attached speaker",
      "per evaluation attributed to a target (the evidence of stance); `target_start:target_end` "
      "and `char_start:char_end` index `data/texts/<article_id>.txt`; `counted`: author's voice, "
      "not negated, not a victim; `attached`: the evaluation's phrase, how it reached the "
      "target's phrase (= same, ← the target depends on it, → it modifies the target, ~ both "
      "depend on one predicate, ⇒ it modifies the noun predicated of the target, ⇐ the topic's "
      "scope) and that phrase; `speaker`: whose words "
      "they are when not the author's (the reporting verb's topic or subject, or the cue)",
      grows=True)
table("stance_articles",
      "article_id source published target mentions:int evaluated:int positive:float "
      "negative:float stance:float",
      "per article × target it names or evaluates: counted evaluations and smoothed stance",
      grows=True)
table("stance",
      "source target articles:int mentions:int evaluated:int positive:float negative:float "
      "stance:float ci_low:float ci_high:float low_evidence:bool",
      "per source × target: stance in [-1, 1] with its 95% nested bootstrap interval")
table("stance_differences",
      "source_a source_b target diff:float ci_low:float ci_high:float p_value:float "
      "p_adjusted:float unit significant:bool",
      "per pair of sources × target: difference of stance, 95% interval, permutation p, Holm")
table("stance_timeline",
      "source target month articles:int evaluated:int positive:float negative:float stance:float",
      "per source × target × publication month: pooled stance")
table("stance_expectations",
      "source perspective target expected stance:float ci_low:float ci_high:float evaluated:int "
      "verdict",
      "expected signs per known perspective (`lexicons/stance/expectations.yaml`) and verdict")
table("stance_validation",
      "target pairs:int gold_signed:int predicted_signed:int agreement:float kappa:float "
      "coverage:float precision:float",
      "when the corpus folder has `stance_gold.csv`: per target and `all`, the gold article × "
      "target pairs the run scored, those coded ±1, the pipeline's ±1 classes (sign of positive "
      "− negative in `stance_articles.csv`, 0 with no counted evaluation), share equal, Cohen's "
      "κ over −1/0/+1, coverage (gold ±1 pairs with any counted evaluation) and precision "
      "(pipeline ±1 equal to gold)")
table("similarity", "source_a source_b cosine:float",
      "cosine similarity of the sources' TF-IDF lemma vectors")
table("positions", "source frame decile:int hits:int weighted:float",
      "counted matches by tenth of the article's sentences")
table("timeline",
      "source month frame articles:int tokens:int weighted:float per_1k:float",
      "per source × publication month × frame: rate")
table("coverage", "frame articles:int covered:int share:float",
      "share of articles with at least `--min-hits` counted matches per frame")
table("validation", "article_id source perspective dominant match evidence",
      "known-groups check per article (`match`: TRUE, FALSE or empty when low evidence)",
      grows=True)
table("confusion", "perspective predicted count:int",
      "known perspective × dominant frame")
table("validation_metrics", "family metric frame value:float",
      "accuracy, per-frame precision, recall and support, over all matches (`family` = `all`) "
      "and per family of categories (`naming`, `argument`, `other`, each with `decided`: the "
      "share of known articles with enough evidence in that family alone)")
table("sourcing_hits",
      "article_id source sentence_id:int speaker speaker_group anaphor:bool kind verb "
      "speaker_start:int speaker_end:int cue_start:int cue_end:int sentence",
      "per attribution (によると, は…と述べた, 「…」と語った, 〜筋): the speaker, its actor group "
      "(`anaphor`: 同氏 and the like, resolved to the previous speaker), the construction "
      "and its cue; offsets index `data/texts/<article_id>.txt`", grows=True)
table("sourcing",
      "source speaker_group attributions:int share:float ci_low:float ci_high:float",
      "per source × actor group: attributions, share of the source's attributions, 95% "
      "bootstrap interval (articles resampled)")
table("agreement", "source frame_a frame_b articles:int spearman:float",
      "per source: Spearman correlation of two frames' article rates")
table("history",
      "run_id finished lexicons_sha256 source frame articles:int tokens:int hits:int "
      "per_1k:float ci_low:float ci_high:float share:float "
      "corpus_sha256 corpus_path settings_sha256",
      "every run's per-source scores, with the corpus (hash, path) and settings (hash) that "
      "produced them (in the output folder, beside `runs/`)",
      file="../../history.csv")
# fmt: on

# The run folder's other files, for the README's Outputs table.
FILES: dict[str, str] = {
    "data/lemmas.parquet": "per article its content lemmas (a document-term matrix away; used "
    "by `lexicon suggest`)",
    "data/texts/*.txt": "the cleaned texts that offsets refer to",
    "charts/*.png, charts/charts.json": "seaborn charts (Japanese font shipped by "
    "`matplotlib-fontja`) with titles, alt text and a one-line reading guide",
    "dashboard.html": "one self-contained page: summary, comparison with intervals, differences "
    "in words, charts, validation, sortable and filterable tables, drill-down to the matched "
    "passages",
    "run.json": "run id, times and the seconds of each phase (`phases_s`: start, lexicons, "
    "analysis, aggregation, charts, dashboard), corpus hash, per lexicon its file, entry count "
    "and SHA-256, tool versions, settings, task runner, quarantined articles with reasons, "
    "warnings, validation summary",
}


def outputs_markdown() -> str:
    """The README's Outputs table, from the schema."""
    lines = ["| file | content |", "|---|---|"]
    for t in TABLES.values():
        where = "`history.csv` (output folder)" if t.name == "history" else f"`{t.file}`"
        lines.append(f"| {where} | {t.description}: `{', '.join(t.columns)}` |")
    lines += [f"| `{name}` | {text} |" for name, text in FILES.items()]
    return "\n".join(lines)
