"""Write a small, internally consistent synthetic run folder for the chart and dashboard tests.

The texts are built from sentences that contain lexicon terms, and every table (hits, terms,
articles, sources, lexicon, corpus, removed, run.json) is derived from those texts, so offsets,
counts and scores agree with each other the way a real run's do.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SOURCES: tuple[str, ...] = (
    "Valdai Club",
    "Toda Peace Institute",
    "聯合ニュース日本語版（ソウル発の長い媒体名をここで折り返して表示する）",
    "沈黙新聞",
)
QUIET_SOURCES: tuple[str, ...] = ("沈黙新聞",)
HOSTILE_SOURCES: tuple[str, ...] = (
    "<script>alert(1)</script>",
    'x" onerror="alert(1)',
    "A & B's <b>報道</b>",
)
HOSTILE_LABEL = "<img src=x onerror=alert(1)>"


@dataclass(frozen=True)
class Entry:
    """One fake lexicon entry."""

    term: str
    category: str
    weight: float
    note: str


FRAMES: dict[str, tuple[str, list[Entry]]] = {
    "pro_moscow": (
        "親モスクワ (pro-Moscow)",
        [
            Entry("特別軍事作戦", "naming", 2.0, "The Kremlin's name for the invasion."),
            Entry("キエフ政権", "naming", 2.0, "Delegitimising name for Ukraine's government."),
            Entry("西側の圧力", "blame", 1.0, "Blames the West."),
            Entry("多極化", "order", 1.0, "Multipolar world order talk."),
            Entry("新植民地主義", "order", 1.0, "Never used in the fake texts."),
        ],
    ),
    "western_analytic": (
        "西側分析 (Western analytic)",
        [
            Entry("制裁違反", "legal", 1.0, "Frames cooperation as sanctions breach."),
            Entry("弾薬供給", "military", 1.0, "Arms transfers."),
            Entry("専門家によると", "sourcing", 0.5, "Analyst sourcing."),
            Entry("侵略", "naming", 2.0, "Names the war as aggression."),
            Entry("核拡散", "risk", 1.0, "Never used in the fake texts."),
        ],
    ),
    "korean_press": (
        "韓国報道 (Korean press)",
        [
            Entry("北朝鮮外務省", "sourcing", 1.0, "Cites the DPRK foreign ministry."),
            Entry("連帯", "alliance", 1.0, "Solidarity language."),
            Entry("軍事支援", "military", 1.0, "Military support."),
            Entry("訪露", "events", 1.0, "Visit to Russia."),
            Entry("南北統一", "events", 1.0, "Never used in the fake texts."),
        ],
    ),
}
FILLERS = (
    "会談は予定通り行われた。",
    "両国の関係は新たな段階に入った。",
    "首脳は共同声明に署名した。",
    "記者会見は午後に開かれた。",
    "詳細は明らかにされていない。",
    "次回の会合の日程は未定だ。",
)
CONTEXT = 40
TOOLS = {
    "python": "3.11.2",
    "pipeline": "0.1.0",
    "prefect": "3.8.8",
    "fugashi": "1.3.2",
    "unidic_lite": "1.0.8",
    "pandas": "2.2.3",
    "scikit_learn": "1.5.0",
}
# The run-folder contract's CSV columns, written out independently of pipeline.charts.
CONTRACT: dict[str, list[str]] = {
    "articles": [
        "article_id",
        "source",
        "published",
        "frame",
        "hits",
        "weighted",
        "tokens",
        "per_1k",
        "share",
        "quoted_hits",
        "negated_hits",
    ],
    "sources": [
        "source",
        "frame",
        "articles",
        "tokens",
        "hits",
        "per_1k",
        "ci_low",
        "ci_high",
        "share",
    ],
    "hits": [
        "article_id",
        "source",
        "frame",
        "category",
        "term",
        "matched",
        "sentence_id",
        "char_start",
        "char_end",
        "voice",
        "negated",
        "weight",
        "left",
        "right",
    ],
    "terms": ["source", "frame", "category", "term", "author_hits", "quoted_hits", "negated_hits"],
    "corpus": [
        "article_id",
        "source",
        "title",
        "author",
        "published",
        "url",
        "language",
        "perspective",
        "encoding",
        "chars",
        "sentences",
        "tokens",
        "removed_lines",
    ],
    "removed": ["article_id", "line", "kind", "text"],
    "lexicon": [
        "frame",
        "label",
        "term",
        "category",
        "weight",
        "note",
        "lemmas",
        "shared",
        "author_hits",
    ],
}


def _write_csv(path: Path, columns: Sequence[str], rows: Sequence[dict[str, object]]) -> None:
    def cell(v: object) -> object:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return "" if v != v else round(v, 4)
        return "" if v is None else v

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for row in rows:
            w.writerow([cell(row.get(c)) for c in columns])


def _sentence(rng: random.Random, term: str, voice: str, negated: bool) -> str:
    if voice == "quoted":
        inner = f"{term}ではない" if negated else f"{term}が問題だ"
        return f"ある当局者は「{inner}」と述べた。"
    if negated:
        return f"今回の動きは{term}ではない。"
    return rng.choice((f"{term}について政府は説明した。", f"記事は{term}を強調した。"))


def _find_hits(text: str, sentences: list[tuple[int, int]], frame: str) -> list[dict[str, object]]:
    """Longest-first, non-overlapping matches of one frame's terms, with voice and negation."""
    entries = sorted(FRAMES[frame][1], key=lambda e: -len(e.term))
    taken: list[tuple[int, int]] = []
    out = []
    for e in entries:
        start = text.find(e.term)
        while start != -1:
            end = start + len(e.term)
            if not any(a < end and start < b for a, b in taken):
                taken.append((start, end))
                sid = next(i for i, (a, b) in enumerate(sentences) if a <= start < b)
                a, b = sentences[sid]
                sent = text[a:b]
                quoted = "「" in text[a:start] and "」" in text[end:b]
                negated = text[end:].startswith("ではない")
                out.append(
                    {
                        "frame": frame,
                        "category": e.category,
                        "term": e.term,
                        "matched": e.term,
                        "sentence_id": sid,
                        "char_start": start,
                        "char_end": end,
                        "voice": "quoted" if quoted else "author",
                        "negated": negated,
                        "weight": e.weight,
                        "left": text[max(0, start - CONTEXT) : start].replace("\n", " "),
                        "right": text[end : end + CONTEXT].replace("\n", " "),
                        "_sentence": sent,
                    }
                )
            start = text.find(e.term, end)
    return out


def _bootstrap(
    per_article: list[tuple[float, int]], rng: random.Random, reps: int = 200
) -> tuple[float, float]:
    """A percentile interval of the pooled rate, resampling articles."""
    if not per_article:
        return float("nan"), float("nan")
    rates = []
    for _ in range(reps):
        draw = [rng.choice(per_article) for _ in per_article]
        tok = sum(t for _, t in draw)
        rates.append(sum(w for w, _ in draw) * 1000 / max(tok, 1))
    rates.sort()
    return rates[int(0.025 * (reps - 1))], rates[int(0.975 * (reps - 1))]


def make_fake_run(
    dir: Path,
    sources: Sequence[str] = DEFAULT_SOURCES,
    hostile: bool = False,
    frames: Sequence[str] | None = None,
    articles_per_source: int = 2,
    quiet: Sequence[str] = QUIET_SOURCES,
    seed: int = 7,
) -> Path:
    """Write a run folder under ``dir`` and return it.

    ``hostile`` adds sources, a frame label, a title, a URL and article text that try to inject
    markup. Sources in ``quiet`` get articles with no lexicon term at all (zero hits).
    """
    rng = random.Random(seed)
    frame_ids = list(frames) if frames is not None else list(FRAMES)
    labels = {f: FRAMES[f][0] for f in frame_ids}
    if hostile:
        sources = [*sources, *HOSTILE_SOURCES]
        labels[frame_ids[-1]] = HOSTILE_LABEL
    run = Path(dir)
    data = run / "data"
    (data / "texts").mkdir(parents=True, exist_ok=True)

    corpus, removed, hits, article_rows = [], [], [], []
    for s_idx, source in enumerate(sources):
        favourite = frame_ids[s_idx % len(frame_ids)]
        for a_idx in range(articles_per_source):
            article_id = f"s{s_idx:02d}-a{a_idx}"
            parts = [rng.choice(FILLERS) for _ in range(3)]
            if source not in quiet:
                for _ in range(rng.randint(4, 7)):
                    frame = favourite if rng.random() < 0.6 else rng.choice(frame_ids)
                    entry = rng.choice(FRAMES[frame][1][:-1])
                    voice = "quoted" if rng.random() < 0.25 else "author"
                    parts.append(_sentence(rng, entry.term, voice, rng.random() < 0.15))
                    parts.append(rng.choice(FILLERS))
            if hostile and a_idx == 0:
                parts.append("本文に<script>alert(3)</script>と書かれていた。")
                if source not in quiet:
                    parts.append(f"記事は{FRAMES[frame_ids[0]][1][0].term}を強調した。")
            rng.shuffle(parts)
            text = "".join(parts)
            sentences, pos = [], 0
            for p in parts:
                sentences.append((pos, pos + len(p)))
                pos += len(p)
            (data / "texts" / f"{article_id}.txt").write_text(text, encoding="utf-8")
            tokens = max(1, len(text) // 2)
            found = [h for f in frame_ids for h in _find_hits(text, sentences, f)]
            for h in found:
                h.pop("_sentence")
                hits.append({"article_id": article_id, "source": source, **h})
            kinds = ["byline", "advert", "related"][: 1 + a_idx % 3]
            for line, kind in enumerate(kinds):
                removed.append(
                    {"article_id": article_id, "line": line + 1, "kind": kind,
                     "text": f"{kind} の行 {source}"}
                )  # fmt: skip
            title = f"{source}の記事 {a_idx + 1}"
            if hostile and a_idx == 0:
                title = f'<i>{title}</i> & "引用"'
            corpus.append(
                {
                    "article_id": article_id,
                    "source": source,
                    "title": title,
                    "author": f"記者{a_idx + 1}",
                    "published": f"2024-0{1 + s_idx % 9}-{10 + a_idx:02d}",
                    "url": "javascript:alert(1)"
                    if hostile
                    else f"https://example.org/{article_id}",
                    "language": "ja",
                    "perspective": favourite if a_idx == 0 else "",
                    "encoding": "utf-8",
                    "chars": len(text),
                    "sentences": len(sentences),
                    "tokens": tokens,
                    "removed_lines": len(kinds),
                }
            )
            per = {}
            for f in frame_ids:
                own = [h for h in found if h["frame"] == f]
                counted = [h for h in own if h["voice"] == "author" and not h["negated"]]
                weighted = float(sum(float(h["weight"]) for h in counted))
                per[f] = {
                    "article_id": article_id,
                    "source": source,
                    "published": corpus[-1]["published"],
                    "frame": f,
                    "hits": len(counted),
                    "weighted": weighted,
                    "tokens": tokens,
                    "per_1k": weighted * 1000 / tokens,
                    "quoted_hits": sum(h["voice"] == "quoted" for h in own),
                    "negated_hits": sum(bool(h["negated"]) for h in own),
                }
            total = sum(r["per_1k"] for r in per.values())
            for r in per.values():
                r["share"] = r["per_1k"] / total if total > 0 else None
                article_rows.append(r)

    source_rows = []
    for source in sources:
        rows = [r for r in article_rows if r["source"] == source]
        tok = sum(r["tokens"] for r in rows) // len(frame_ids)
        block = []
        for f in frame_ids:
            fr = [r for r in rows if r["frame"] == f]
            weighted = sum(r["weighted"] for r in fr)
            low, high = _bootstrap([(r["weighted"], r["tokens"]) for r in fr], rng)
            block.append(
                {"source": source, "frame": f, "articles": len(fr), "tokens": tok,
                 "hits": sum(r["hits"] for r in fr), "per_1k": weighted * 1000 / tok,
                 "ci_low": low, "ci_high": high}
            )  # fmt: skip
        total = sum(b["per_1k"] for b in block)
        for b in block:
            b["share"] = b["per_1k"] / total if total > 0 else None
        source_rows.extend(block)

    term_rows: dict[tuple[str, str, str, str], dict[str, object]] = {}
    for h in hits:
        key = (h["source"], h["frame"], h["category"], h["term"])
        row = term_rows.setdefault(
            key,
            {"source": key[0], "frame": key[1], "category": key[2], "term": key[3],
             "author_hits": 0, "quoted_hits": 0, "negated_hits": 0},
        )  # fmt: skip
        row["author_hits"] += int(h["voice"] == "author" and not h["negated"])
        row["quoted_hits"] += int(h["voice"] == "quoted")
        row["negated_hits"] += int(bool(h["negated"]))

    lexicon_rows, lex_meta = [], []
    for f in frame_ids:
        for e in FRAMES[f][1]:
            lexicon_rows.append(
                {"frame": f, "label": labels[f], "term": e.term, "category": e.category,
                 "weight": e.weight, "note": e.note, "lemmas": " ".join(e.term),
                 "shared": "",
                 "author_hits": sum(1 for h in hits if h["frame"] == f and h["term"] == e.term
                                    and h["voice"] == "author" and not h["negated"])}
            )  # fmt: skip
        digest = hashlib.sha256(f"{f}{labels[f]}".encode()).hexdigest()
        lex_meta.append(
            {"frame": f, "label": labels[f], "file": f"lexicons/{f}.yaml",
             "entries": len(FRAMES[f][1]), "sha256": digest}
        )  # fmt: skip

    tables = {
        "articles": article_rows,
        "sources": source_rows,
        "hits": hits,
        "terms": list(term_rows.values()),
        "corpus": corpus,
        "removed": removed,
        "lexicon": lexicon_rows,
    }
    for name, rows in tables.items():
        _write_csv(data / f"{name}.csv", CONTRACT[name], rows)

    meta = {
        "run_id": "20240618T120000Z-abc123",
        "started": "2024-06-18T12:00:00Z",
        "finished": "2024-06-18T12:00:42Z",
        "duration_s": 42.0,
        "corpus": {
            "path": "corpus/manifest.csv",
            "sha256": hashlib.sha256(b"fake corpus").hexdigest(),
            "articles": len(corpus) + 1,
            "scored": len(corpus),
            "quarantined": 1,
        },
        "lexicons": lex_meta,
        "tools": TOOLS,
        "settings": {"bootstrap": 1000, "seed": 20240618, "min_tokens": 50, "min_hits": 1},
        "quarantined": [
            {
                "article_id": "broken-001" if not hostile else "<script>alert(4)</script>",
                "file": "articles/099_broken.txt",
                "reason": "undecodable bytes (tried utf-8, cp932, euc-jp)",
            }
        ],
        "warnings": ["1 article quarantined"] + (["<b>warning</b> & co"] if hostile else []),
    }
    (run / "run.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), "utf-8")
    return run
