"""Synthesise a Japanese news corpus from the five seed articles, reproducibly.

Sentences of the seeds are reshuffled into new paragraphs and articles with a fixed seed;
each article gets a source drawn from the seeds' sources and mostly its own seed's sentences.

    python bench/synth.py blob --mb 10                 # bench/out/blob-10mb.txt
    python bench/synth.py jsonl --n 1000000            # bench/out/corpus-1000000.jsonl
    python bench/synth.py folder --n 2000              # bench/out/corpus-2000/ (manifest.csv)
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from _common import OUT, ROOT, table, write_section

SEED_CORPUS = ROOT / "corpus"
DEFAULT_SEED = 20240618
OWN_SOURCE_SHARE = 0.6  # share of an article's sentences taken from its own source's seed
_OPEN, _CLOSE = "「『“(（", "」』”)）"
_ENDS = "。！？!?"


def split_sentences(line: str) -> list[str]:
    """Split after 。！？ outside brackets and quotes, so quotes stay whole."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(line):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in _ENDS and depth == 0:
            out.append(line[start : i + 1])
            start = i + 1
    if line[start:].strip():
        out.append(line[start:])
    return [s for s in out if s.strip()]


@dataclass(slots=True)
class Seeds:
    """The seed articles cut into sentences, and paragraph shapes to imitate."""

    sources: list[str]
    sentences: list[list[str]]  # per seed
    shapes: list[list[int]]  # per seed: sentences per paragraph
    mean_chars: float


def load_seeds(corpus: Path = SEED_CORPUS) -> Seeds:
    """Read the manifest and the seed texts."""
    sources, sentences, shapes, lengths = [], [], [], []
    with (corpus / "manifest.csv").open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            text = (corpus / row["file"]).read_text(encoding="utf-8")
            paras = [split_sentences(ln.strip()) for ln in text.splitlines() if ln.strip()]
            sources.append(row["source"])
            sentences.append([s for p in paras for s in p])
            shapes.append([len(p) for p in paras])
            lengths.append(len(text))
    return Seeds(sources, sentences, shapes, sum(lengths) / len(lengths))


def articles(
    n: int | None, seed: int = DEFAULT_SEED, mean_chars: float | None = None
) -> Iterator[dict[str, str]]:
    """``n`` synthetic articles (endless if None): ``id, source, published, text``.

    Lengths vary uniformly from 0.5 to 1.5 times ``mean_chars`` (default: the seeds' mean).
    """
    seeds = load_seeds()
    rng = random.Random(seed)
    k = len(seeds.sources)
    mean = mean_chars or seeds.mean_chars
    first = date(2022, 1, 1)
    i = 0
    while n is None or i < n:
        s = rng.randrange(k)
        target = mean * rng.uniform(0.5, 1.5)
        shape = seeds.shapes[rng.randrange(k)]
        paras: list[str] = []
        size, p = 0, 0
        while size < target:
            sents = []
            for _ in range(shape[p % len(shape)]):
                pool = seeds.sentences[s if rng.random() < OWN_SOURCE_SHARE else rng.randrange(k)]
                sents.append(pool[rng.randrange(len(pool))])
            para = "".join(sents)
            paras.append(para)
            size += len(para) + 1
            p += 1
        yield {
            "id": f"syn-{i:07d}",
            "source": seeds.sources[s],
            "published": (first + timedelta(days=rng.randrange(1096))).isoformat(),
            "text": "\n".join(paras),
        }
        i += 1


def take_mb(mb: float, seed: int = DEFAULT_SEED) -> list[dict[str, str]]:
    """Articles until their UTF-8 text reaches ``mb`` × 10^6 bytes."""
    out, size, limit = [], 0, mb * 1e6
    for art in articles(None, seed):
        out.append(art)
        size += len(art["text"].encode()) + 1
        if size >= limit:
            break
    return out


def write_blob(path: Path, arts: list[dict[str, str]]) -> tuple[int, int]:
    """One text file of the articles, one per block of lines; return (chars, bytes)."""
    text = "\n".join(a["text"] for a in arts) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return len(text), len(text.encode())


def write_jsonl(
    path: Path, n: int, seed: int = DEFAULT_SEED, mean_chars: float | None = None
) -> int:
    """Stream ``n`` articles to a JSON Lines file (one at a time); return bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    size = 0
    with tmp.open("w", encoding="utf-8", buffering=1 << 20) as f:
        for art in articles(n, seed, mean_chars):
            line = json.dumps(art, ensure_ascii=False) + "\n"
            f.write(line)
            size += len(line.encode())
    tmp.replace(path)
    return size


def write_folder(
    folder: Path, n: int, seed: int = DEFAULT_SEED, mean_chars: float | None = None
) -> int:
    """A corpus folder the pipeline reads as it is: manifest.csv + articles/*.txt."""
    (folder / "articles").mkdir(parents=True, exist_ok=True)
    size = 0
    with (folder / "manifest.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "file", "source", "published"])
        for art in articles(n, seed, mean_chars):
            name = f"articles/{art['id']}.txt"
            data = art["text"].encode()
            (folder / name).write_bytes(data)
            size += len(data)
            w.writerow([art["id"], name, art["source"], art["published"]])
    return size


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("kind", choices=["blob", "jsonl", "folder"])
    p.add_argument("--mb", type=float, default=10, help="blob size in MB of UTF-8 (10^6 bytes)")
    p.add_argument("--n", type=int, default=10_000, help="articles (jsonl, folder)")
    p.add_argument("--mean-chars", type=float, default=None, help="mean article length")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--write", action="store_true", help="add the figures to bench/RESULTS.md")
    a = p.parse_args()
    t0 = time.perf_counter()
    if a.kind == "blob":
        out = a.out or OUT / f"blob-{a.mb:g}mb.txt"
        arts = take_mb(a.mb, a.seed)
        _, size = write_blob(out, arts)
        n = len(arts)
    elif a.kind == "jsonl":
        out = a.out or OUT / f"corpus-{a.n}.jsonl"
        size, n = write_jsonl(out, a.n, a.seed, a.mean_chars), a.n
    else:
        out = a.out or OUT / f"corpus-{a.n}"
        size, n = write_folder(out, a.n, a.seed, a.mean_chars), a.n
    dt = time.perf_counter() - t0
    rows = [[a.kind, f"{n:,}", f"{size / 1e6:,.1f}", f"{dt:.1f}", f"{size / 1e6 / dt:.1f}", out]]
    text = table(["kind", "articles", "MB", "seconds", "MB/s", "path"], rows)
    print(text)
    if a.write:
        write_section(f"synth-{a.kind}", f"Synthetic corpus ({a.kind})", text)


if __name__ == "__main__":
    main()
