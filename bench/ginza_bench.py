"""GiNZA side of bench/throughput.py (e): run with bench/out/ginza-venv/bin/python.

Prints one JSON line: seconds for ``nlp.tokenizer`` (+ PhraseMatcher on LEMMA) and for the
full ``nlp`` pipeline (+ PhraseMatcher) on samples of the blob.
"""

from __future__ import annotations

import argparse
import json
import time
from importlib.metadata import version
from pathlib import Path

import spacy
from spacy.matcher import PhraseMatcher


def sample(lines: list[str], chars: int) -> list[str]:
    out, n = [], 0
    for line in lines:
        if n >= chars:
            break
        out.append(line)
        n += len(line)
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("blob", type=Path)
    p.add_argument("terms", type=Path)
    p.add_argument("--tok-chars", type=int, default=1_000_000)
    p.add_argument("--full-chars", type=int, default=60_000)
    a = p.parse_args()
    lines = [ln for ln in a.blob.read_text(encoding="utf-8").splitlines() if ln.strip()]
    nlp = spacy.load("ja_ginza")
    matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
    n_patterns = 0
    for frame, terms in json.loads(a.terms.read_text(encoding="utf-8")).items():
        docs = [nlp.make_doc(t) for t in terms]
        matcher.add(frame, docs)
        n_patterns += len(docs)
    nlp.tokenizer("ウォームアップ")

    nlp("ウォームアップの文です。")

    tok = sample(lines, a.tok_chars)
    t0, c0 = time.perf_counter(), time.process_time()
    docs = [nlp.tokenizer(line) for line in tok]
    tok_s, tok_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    n_tok_hits = sum(len(matcher(d)) for d in docs)
    match_s, match_cpu = time.perf_counter() - t0, time.process_time() - c0

    full = sample(lines, a.full_chars)
    t0, c0 = time.perf_counter(), time.process_time()
    n_full_hits = sum(len(matcher(d)) for d in nlp.pipe(full, batch_size=32))
    full_s, full_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        json.dumps(
            {
                "tok_chars": sum(map(len, tok)),
                "tok_s": tok_s,
                "tok_cpu": tok_cpu,
                "tok_match_s": tok_s + match_s,
                "tok_match_cpu": tok_cpu + match_cpu,
                "full_cpu": full_cpu,
                "tok_hits": n_tok_hits,
                "full_chars": sum(map(len, full)),
                "full_s": full_s,
                "full_hits": n_full_hits,
                "patterns": n_patterns,
                "versions": f"ginza {version('ginza')}, ja-ginza {version('ja-ginza')}, "
                f"spaCy {version('spacy')}, SudachiPy {version('sudachipy')}",
            }
        )
    )


if __name__ == "__main__":
    main()
