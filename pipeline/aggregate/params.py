"""What every accumulator of a run is built from: one immutable object, derived once from the
run's ``Settings`` and the loaded lexicons, with the settings' own names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.analyze.actors import ActorLexicon
from pipeline.analyze.lexicons import Lexicon
from pipeline.analyze.stance_lexicon import StanceLexicon
from pipeline.settings import Settings

# Batches are aggregated in groups of at least this many articles: pandas costs per call, not
# per row, so a 100-article batch at a time spent more on overhead than on the articles.
AGGREGATE_ARTICLES = 2000


@dataclass(frozen=True)
class FoldParams:
    """The parameters of a run's aggregation."""

    data_dir: Path
    lexicons: tuple[Lexicon, ...]
    actors: ActorLexicon
    stance: StanceLexicon | None
    source_counts: dict[str, int] | None
    bootstrap: int
    seed: int
    permutations: int
    min_tokens: int
    min_hits: int
    aggregate_articles: int

    @property
    def frames(self) -> list[str]:
        return [lex.frame for lex in self.lexicons]


def fold_params(
    settings: Settings,
    data_dir: Path,
    lexicons: list[Lexicon],
    actors: ActorLexicon,
    stance: StanceLexicon | None,
    source_counts: dict[str, int] | None,
) -> FoldParams:
    """The aggregation's parameters for a run with ``settings``."""
    return FoldParams(
        data_dir=data_dir,
        lexicons=tuple(lexicons),
        actors=actors,
        stance=stance,
        source_counts=source_counts,
        bootstrap=settings.bootstrap,
        seed=settings.seed,
        permutations=settings.permutations,
        min_tokens=settings.min_tokens,
        min_hits=settings.min_hits,
        aggregate_articles=AGGREGATE_ARTICLES,
    )
