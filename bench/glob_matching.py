"""The matcher's time on tokenized synthetic articles, with and without glob entries.

Times ``find_hits`` alone (articles cleaned and tokenized beforehand) for the shipped
lexicons, plus, with ``--copy plain|glob``, a frame holding every entry again, as it is or
as a glob (``term*``: 516 stems, about as many as J-MFD brings), in CPU seconds, best of
``--repeat``. ``plain`` and ``glob`` find about as many matches, so they differ by the cost of
matching globs. Run it from another checkout (``PYTHONPATH=...``) to compare code versions.

    python bench/glob_matching.py --mb 2 --repeat 5 [--copy plain|glob]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml
from synth import take_mb

from pipeline.analyze.article import clean_and_tokenize
from pipeline.analyze.hits import find_hits
from pipeline.analyze.lexicons import load_lexicons

ROOT = Path(__file__).resolve().parent.parent


def copy_lexicon(directory: Path, lexicons: list, glob: bool) -> None:
    """A frame with every entry of ``lexicons`` again, as a glob (``term*``) or as it is."""
    entries = [
        {"term": f"{e.term}*" if glob else e.term, "category": "copy", "note": "bench"}
        for lex in lexicons
        for e in lex.entries
    ]
    doc = {"frame": "copy", "entries": entries}
    (directory / "copy.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mb", type=float, default=2)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument(
        "--copy",
        choices=("none", "plain", "glob"),
        default="none",
        help="add a frame with every entry again, as it is or as a glob (term*)",
    )
    a = p.parse_args()
    lexicons = load_lexicons(ROOT / "lexicons")
    if a.copy != "none":
        with tempfile.TemporaryDirectory() as tmp:
            for lex in lexicons:
                (Path(tmp) / lex.path.name).write_bytes(lex.path.read_bytes())
            copy_lexicon(Path(tmp), lexicons, glob=a.copy == "glob")
            lexicons = load_lexicons(Path(tmp))
    arts = [clean_and_tokenize(art["text"]) for art in take_mb(a.mb)]
    chars = sum(len(clean.text) for clean, _ in arts)
    best, hits = float("inf"), 0
    for _ in range(a.repeat):
        start = time.process_time()
        hits = sum(len(find_hits(clean, sentences, lexicons)) for clean, sentences in arts)
        best = min(best, time.process_time() - start)
    entries = sum(len(lex.entries) for lex in lexicons)
    print(
        f"{len(arts):,} articles, {chars:,} chars, {entries} entries: {hits:,} hits, "
        f"matching {best:.3f} CPU-s ({chars / best:,.0f} chars/CPU-s)",
        file=sys.stdout,
    )


if __name__ == "__main__":
    main()
