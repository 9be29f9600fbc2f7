"""The analysis phase alone, as the flow's task runs it, against ``mecab`` on the same text.

``analyze_batch`` (clean, tokenize, frames, stance with its phrase parse, sourcing, cache
write; every lexicon kind of ``lexicons/`` on, a fresh analysis cache) over a synthetic
corpus of ``--mb`` MB in one process, in batches of the run's automatic size for one worker.
Reports characters per CPU second of this process (best of ``--repeat``) against the
``mecab`` binary's on the same blob (best of ``--repeat``, the two alternating), the cores
other processes kept busy meanwhile, and with ``--profile`` the top entries of a cProfile of
one more pass; with ``--parts`` each part's CPU seconds, timed one by one.

    python bench/analysis_cost.py --mb 3 --repeat 3 [--parts] [--profile 25] [--write]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import OUT, ROOT, Background, table, write_section
from synth import take_mb, write_blob

sys.path.insert(0, str(ROOT))

import unidic_lite

from pipeline.analyze.article import (
    Caching,
    analyze_batch,
    clean_and_tokenize,
    content_counts,
    doc_lemmas,
)
from pipeline.analyze.cache import AnalysisCache
from pipeline.analyze.hits import find_hits, match_sentence, matcher
from pipeline.analyze.lexicon_set import LexiconSet, lexicon_set
from pipeline.analyze.sourcing import cited_spans, find_attributions
from pipeline.analyze.stance import find_stance
from pipeline.ingest.batches import MAX_BATCH, MIN_BATCH, TASKS_PER_WORKER
from pipeline.ingest.clean import clean_article
from pipeline.ingest.corpus import ArticleRef

DICDIR = unidic_lite.DICDIR
Items = list[tuple[ArticleRef, str | None]]


def corpus(mb: float) -> tuple[Items, Path, int]:
    """The articles of ``mb`` MB as batch items (inline texts), the blob of the same text for
    mecab, and its characters."""
    arts = take_mb(mb)
    items: Items = [
        (ArticleRef(a["id"], a["source"], "", None, i + 1, published=a["published"]), a["text"])
        for i, a in enumerate(arts)
    ]
    blob = OUT / f"analysis-{mb:g}mb.txt"
    chars, _ = write_blob(blob, arts)
    return items, blob, chars


def analyze_all(items: Items, lexset: LexiconSet, folder: Path) -> None:
    """Every batch through ``analyze_batch`` with a fresh analysis cache, as one worker's
    tasks run them."""
    size = min(MAX_BATCH, max(MIN_BATCH, -(-len(items) // TASKS_PER_WORKER)))
    cache = AnalysisCache(folder / "cache.sqlite")
    try:
        for i in range(0, len(items), size):
            analyze_batch(
                items[i : i + size],
                lexset.frames,
                folder / "texts",
                10**7,
                Caching(cache, lexset.analysis_sha256, {}),
                lexset.stance,
            )
    finally:
        cache.close()


def analysis_seconds(items: Items, lexset: LexiconSet) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.process_time()
        analyze_all(items, lexset, Path(tmp))
        return time.process_time() - t0


def mecab_seconds(blob: Path) -> float:
    """CPU seconds of ``mecab`` on ``blob`` (the child's user + system time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cmd = ["mecab", "-d", DICDIR, "-r", f"{DICDIR}/mecabrc", str(blob), "-o", "/dev/null"]
    subprocess.run(cmd, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def parts(items: Items, lexset: LexiconSet, repeat: int) -> str:
    """CPU seconds of each part of the analysis, timed one by one over the whole corpus
    (best of ``repeat``): where the time goes, without a profiler's overhead."""
    texts = [t or "" for _, t in items]
    frames, stance = lexset.frames, lexset.stance
    tokenized = [clean_and_tokenize(t) for t in texts]
    bare = [[s.without("空白") if "空白" in s.pos else s for s in ss] for _, ss in tokenized]
    m = matcher([*frames, *(stance.lexicons() if stance else [])])
    found = [[match_sentence(s.lemmas, m, s.surfaces) for s in ss] for ss in bare]
    cited = [cited_spans(find_attributions(c, ss)) for c, ss in tokenized]
    cache = AnalysisCache(Path(tempfile.mkdtemp()) / "cache.sqlite")

    def put_tokens() -> None:
        for i, (c, ss) in enumerate(tokenized):
            cache.put_tokens(str(i), c, content_counts(ss), doc_lemmas(ss), ss)
        cache.pending.clear()

    cases: dict[str, Callable[[], object]] = {
        "clean": lambda: [clean_article(t) for t in texts],
        "clean + tokenize": lambda: [clean_and_tokenize(t) for t in texts],
        "sourcing": lambda: [find_attributions(c, ss) for c, ss in tokenized],
        "match (frames + stance lexicons)": lambda: [
            [match_sentence(s.lemmas, m, s.surfaces) for s in ss] for ss in bare
        ],
        "frame hits": lambda: [
            find_hits(c, b, frames, k, f)
            for (c, _), b, f, k in zip(tokenized, bare, found, cited, strict=True)
        ],
        "stance": lambda: (
            [
                find_stance(c, b, stance, f, offset=len(frames))
                for (c, _), b, f in zip(tokenized, bare, found, strict=True)
            ]
            if stance
            else []
        ),
        "cache: put_tokens": put_tokens,
    }
    rows = []
    for name, fn in cases.items():
        best = float("inf")
        for _ in range(repeat):
            t0 = time.process_time()
            fn()
            best = min(best, time.process_time() - t0)
        rows.append([name, f"{best:.3f}"])
    cache.close()
    return table(["part", "CPU s"], rows)


def profile(items: Items, lexset: LexiconSet, top: int) -> str:
    prof = cProfile.Profile()
    with tempfile.TemporaryDirectory() as tmp:
        prof.runcall(analyze_all, items, lexset, Path(tmp))
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mb", type=float, default=3, help="corpus size in MB of UTF-8")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--profile", type=int, default=0, help="print this many profile entries")
    p.add_argument("--parts", action="store_true", help="time each part of the analysis")
    p.add_argument("--write", action="store_true", help="add the figures to bench/RESULTS.md")
    a = p.parse_args()
    items, blob, chars = corpus(a.mb)
    lexset = lexicon_set(ROOT / "lexicons")
    analyze_all(items[:20], lexset, Path(tempfile.mkdtemp()))  # tagger, dictionary pages
    ours, theirs = [], []
    with Background() as bg:
        for _ in range(a.repeat):
            theirs.append(mecab_seconds(blob))
            ours.append(analysis_seconds(items, lexset))
    best, base = min(ours), min(theirs)
    rows = [
        ["analysis (one process)", f"{best:.2f}", f"{chars / best:,.0f}", f"{base / best:.2f}"],
        ["mecab binary", f"{base:.2f}", f"{chars / base:,.0f}", "1.00"],
    ]
    text = table(["case", "CPU s", "chars / CPU s", "× mecab"], rows)
    text += (
        f"\n\n- {len(items):,} synthetic articles, {chars:,} characters (`bench/synth.py`); "
        "stance and sourcing on, analysis cache written; best of "
        f"{a.repeat} (each: analysis {' / '.join(f'{x:.2f}' for x in ours)} s, "
        f"mecab {' / '.join(f'{x:.2f}' for x in theirs)} s); other processes kept "
        f"{bg.cores:.2f} cores busy meanwhile."
    )
    print(text)
    if a.parts:
        print(parts(items, lexset, a.repeat))
    if a.profile:
        print(profile(items, lexset, a.profile))
    if a.write:
        write_section("analysis_cost", "The analysis phase against mecab", text)


if __name__ == "__main__":
    main()
