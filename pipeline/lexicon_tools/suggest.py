"""Suggest new lexicon entries for a frame from a finished run.

Articles (or sources) whose manifest ``perspective`` is the frame are compared with the rest:
a document-term matrix of the pipeline's own lemmas (unigrams and bigrams) is built with
scikit-learn's ``CountVectorizer``, and terms are ranked by the log-odds ratio with an
informative Dirichlet prior (Monroe, Colaresi & Quinn 2008). Terms that are already entries
of any lexicon are left out; each candidate comes with a few passages from the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer

from pipeline.aggregate.compare import log_odds_dirichlet
from pipeline.analyze.lexicons import Lexicon
from pipeline.analyze.tokens import tokenize
from pipeline.runfolder.tables import read_table

CONTEXT_CHARS = 25


class SuggestError(ValueError):
    """Suggestions cannot be made (no run, no article of that perspective, …)."""


@dataclass(slots=True)
class Candidate:
    """A term more typical of the frame's articles than of the rest."""

    lemmas: tuple[str, ...]
    z: float
    log_odds: float
    count: int
    count_rest: int
    contexts: list[str] = field(default_factory=list)
    surface: str = ""

    @property
    def term(self) -> str:
        """The term as first seen in the corpus (its lemmas joined when never seen)."""
        return self.surface or "".join(self.lemmas)


def grams(doc: str) -> list[str]:
    """Unigrams and bigrams of a space-separated lemma document (bigram parts joined by ' ')."""
    toks = doc.split()
    return toks + [f"{a} {b}" for a, b in pairwise(toks)]


# A candidate occurs at least MIN_COUNT times in the frame's articles; CONTEXTS passages each.
MIN_COUNT = 2
CONTEXTS = 3


def _groups(corpus: pd.DataFrame, frame: str, by: str) -> pd.Series:
    perspective = corpus["perspective"].fillna("").astype(str)
    if by == "sources":
        tagged = corpus[perspective == frame]["source"].unique()
        return corpus["source"].isin(tagged)
    return perspective == frame


def suggest(
    run_dir: Path,
    frame: str,
    lexicons: list[Lexicon],
    top: int = 30,
    by: str = "articles",
) -> list[Candidate]:
    """The ``top`` candidate entries for ``frame`` from the run in ``run_dir``."""
    data = Path(run_dir) / "data"
    if not (data / "lemmas.parquet").is_file():
        raise SuggestError(f"{run_dir}: no data/lemmas.parquet (run the pipeline first)")
    corpus = read_table(run_dir, "corpus", ["article_id", "perspective", "text_file"])
    docs = pd.read_parquet(data / "lemmas.parquet").merge(
        corpus[["article_id", "perspective", "text_file"]], on="article_id", how="left"
    )
    in_group = _groups(docs, frame, by).to_numpy()
    if not in_group.any():
        raise SuggestError(f"no article has perspective {frame!r} in the manifest")
    if in_group.all():
        raise SuggestError(f"every article has perspective {frame!r}: nothing to compare with")
    vectorizer = CountVectorizer(analyzer=grams, lowercase=False)
    dtm = vectorizer.fit_transform(docs["lemmas"].fillna(""))
    y_a = np.asarray(dtm[in_group].sum(axis=0)).ravel().astype(float)
    y_b = np.asarray(dtm[~in_group].sum(axis=0)).ravel().astype(float)
    prior = y_a + y_b
    delta, z = log_odds_dirichlet(y_a, y_a.sum(), y_b, y_b.sum(), prior, prior.sum())
    vocab = vectorizer.get_feature_names_out()
    known = {seq for lex in lexicons for e in lex.entries for seq in (e.variants or (e.lemmas,))}
    ranked: list[Candidate] = []
    for k in np.argsort(-z, kind="stable"):
        if len(ranked) >= top or z[k] <= 0:
            break
        seq = tuple(vocab[k].split(" "))
        if y_a[k] < MIN_COUNT or seq in known:
            continue
        ranked.append(Candidate(seq, float(z[k]), float(delta[k]), int(y_a[k]), int(y_b[k])))
    texts = [data / f for f in docs.loc[in_group, "text_file"].head(200) if f]
    _add_contexts(ranked, texts, CONTEXTS)
    return ranked


def _add_contexts(candidates: list[Candidate], texts: list[Path], per: int) -> None:
    """A few passages for each candidate, from the frame's own articles."""
    wanted = {c.lemmas: c for c in candidates}
    longest = max((len(s) for s in wanted), default=0)
    for path in texts:
        if not path.is_file() or all(len(c.contexts) >= per for c in candidates):
            continue
        text = path.read_text(encoding="utf-8")
        toks = [t for t in tokenize(text) if t.pos != "空白"]
        for i in range(len(toks)):
            for n in range(1, longest + 1):
                c = wanted.get(tuple(t.lemma for t in toks[i : i + n]))
                if c is not None and len(c.contexts) < per:
                    a, b = toks[i].start, toks[i + n - 1].end
                    left = text[max(0, a - CONTEXT_CHARS) : a].replace("\n", " ")
                    right = text[b : b + CONTEXT_CHARS].replace("\n", " ")
                    c.surface = c.surface or text[a:b]
                    c.contexts.append(f"{left}【{text[a:b]}】{right}")


def format_candidates(candidates: list[Candidate], frame: str) -> str:
    """A plain-text report: rank, term, z, counts and passages."""
    lines = [f"Candidate entries for {frame} (log-odds z, informative Dirichlet prior):"]
    for rank, c in enumerate(candidates, start=1):
        lines.append(
            f"{rank:3d}. {c.term}  z={c.z:.2f}  in frame: {c.count}  rest: {c.count_rest}"
            f"  lemmas: {' '.join(c.lemmas)}"
        )
        lines.extend(f"       … {ctx}" for ctx in c.contexts)
    return "\n".join(lines)
