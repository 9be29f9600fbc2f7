"""Write an internally consistent synthetic run folder for the chart and dashboard tests.

The texts are built from sentences that contain lexicon terms, and every table (hits, passages,
terms, articles, sources, lexicon, corpus, removed, differences, keyness, similarity, frame_map,
positions, timeline, coverage, validation, confusion, validation_metrics, agreement, run.json
and, on request, the output folder's history.csv) is derived from those texts, so offsets,
counts and scores agree with each other the way a real run's do. Columns come from the run
folder's schema and every table is written by its one writer (``pipeline.runfolder.tables``).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import fakestance
import numpy as np
import pandas as pd

from pipeline.aggregate.compare import holm
from pipeline.aggregate.sourcing import group_shares
from pipeline.runfolder.schema import PASSAGES_PER_CELL, TABLES, columns
from pipeline.runfolder.tables import write_table

DEFAULT_SOURCES: tuple[str, ...] = (
    "Valdai Club",
    "Toda Peace Institute",
    "聯合ニュース日本語版（ソウル発の長い媒体名をここで折り返して表示する）",
    "沈黙新聞",
    "ミニ通信",
)
QUIET_SOURCES: tuple[str, ...] = ("沈黙新聞",)
# Sources whose articles are too short to be scored with confidence (low evidence), but that
# have one counted match: a naive share would read 100%.
THIN_SOURCES: tuple[str, ...] = ("ミニ通信",)
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
# fmt: off
CONTRACT: dict[str, list[str]] = {name: columns(name) for name in TABLES}
HISTORY = columns("history")
SETTINGS = {"bootstrap": 1000, "seed": 20240618, "min_tokens": 50, "min_hits": 2,
            "permutations": 200}

BOOT = 200  # resamples for the fake intervals
# fmt: on


def _write_csv(path: Path, columns: Sequence[str], rows: Sequence[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_table(pd.DataFrame(list(rows), columns=list(columns)), path)


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


def _frame_df(rows: list[dict[str, object]], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def _write_df(path: Path, columns: Sequence[str], df: pd.DataFrame) -> None:
    _write_csv(path, columns, df.to_dict("records") if len(df) else [])


def _boot_rates(weights: np.ndarray, tokens: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(BOOT, frames) resampled pooled rates of one source, resampling its articles."""
    n = len(tokens)
    picks = rng.multinomial(n, np.full(n, 1.0 / n), size=BOOT).astype(float)
    return (picks @ weights) * 1000 / np.maximum(picks @ tokens, 1.0)[:, None]


def _permutation_p(
    wa: np.ndarray, ta: np.ndarray, wb: np.ndarray, tb: np.ndarray, n_perm: int, rng
) -> np.ndarray:
    """Two-sided permutation p-value per frame, permuting articles between two sources."""
    w, t = np.vstack([wa, wb]), np.concatenate([ta, tb])
    n_a = len(ta)

    def diff(idx: np.ndarray) -> np.ndarray:
        ia, ib = idx[:n_a], idx[n_a:]
        return w[ia].sum(0) * 1000 / max(t[ia].sum(), 1) - w[ib].sum(0) * 1000 / max(t[ib].sum(), 1)

    observed = np.abs(diff(np.arange(len(t))))
    extreme = np.zeros(w.shape[1])
    for _ in range(n_perm):
        extreme += np.abs(diff(rng.permutation(len(t)))) >= observed - 1e-12
    return (extreme + 1) / (n_perm + 1)


def make_fake_run(
    dir: Path,
    sources: Sequence[str] = DEFAULT_SOURCES,
    hostile: bool = False,
    frames: Sequence[str] | None = None,
    articles_per_source: int = 2,
    quiet: Sequence[str] = QUIET_SOURCES,
    seed: int = 7,
    thin: Sequence[str] = THIN_SOURCES,
    history_runs: int = 0,
    texts: bool = True,
    passages_per_cell: int = PASSAGES_PER_CELL,
    stance: bool = False,
) -> Path:
    """Write a run folder under ``dir`` and return it.

    ``hostile`` adds sources, a frame label, a title, a URL and article text that try to inject
    markup. Sources in ``quiet`` get articles with no lexicon term at all (zero hits); sources
    in ``thin`` get very short articles with one counted match (low evidence).
    ``history_runs`` earlier runs are written to ``dir.parent.parent / "history.csv"`` (the
    output folder's, for ``out/runs/<id>``).
    ``texts=False`` skips ``data/texts`` (for very large fake runs).
    ``stance`` ends every article with stance sentences and writes the stance tables
    (``fakestance``); with ``history_runs`` too, a previous run folder beside this one.
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
    min_tokens, min_hits = SETTINGS["min_tokens"], SETTINGS["min_hits"]

    corpus, removed, hits, article_rows = [], [], [], []
    stance_hits: list[dict[str, object]] = []
    stance_mentions: list[dict[str, object]] = []
    lemmas: dict[str, Counter[str]] = {}
    positions: Counter[tuple[str, str, int]] = Counter()
    position_weight: Counter[tuple[str, str, int]] = Counter()
    for s_idx, source in enumerate(sources):
        favourite = frame_ids[s_idx % len(frame_ids)]
        bag = lemmas.setdefault(source, Counter())
        for a_idx in range(articles_per_source):
            article_id = f"s{s_idx:02d}-a{a_idx}"
            if source in thin:
                entry = FRAMES[favourite][1][0]
                parts = [rng.choice(FILLERS), _sentence(rng, entry.term, "author", False)]
            else:
                parts = [rng.choice(FILLERS) for _ in range(3)]
            if source not in quiet and source not in thin:
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
            chosen = fakestance.specs(s_idx, source, tuple(quiet), tuple(thin)) if stance else []
            parts.extend(spec[0] for spec in chosen)
            bag.update(parts)
            text = "".join(parts)
            sentences, pos = [], 0
            for p in parts:
                sentences.append((pos, pos + len(p)))
                pos += len(p)
            if texts:
                (data / "texts" / f"{article_id}.txt").write_text(text, encoding="utf-8")
            if chosen:
                ev, named = fakestance.evidence(article_id, source, text, sentences, chosen)
                stance_hits.extend(ev)
                stance_mentions.extend(named)
            tokens = max(1, len(text) // 2)
            found = [h for f in frame_ids for h in _find_hits(text, sentences, f)]
            for h in found:
                h.pop("_sentence")
                hits.append({"article_id": article_id, "source": source, **h})
                if h["voice"] == "author" and not h["negated"]:
                    decile = min(9, int(10 * int(h["sentence_id"]) / len(sentences)))
                    positions[(source, str(h["frame"]), decile)] += 1
                    position_weight[(source, str(h["frame"]), decile)] += float(h["weight"])
            kinds = ["byline", "advert", "related"][: 1 + a_idx % 3]
            for line, kind in enumerate(kinds):
                removed.append(
                    {"article_id": article_id, "line": line + 1, "kind": kind,
                     "text": f"{kind} の行 {source}"}
                )  # fmt: skip
            title = f"{source}の記事 {a_idx + 1}"
            if hostile and a_idx == 0:
                title = f'<i>{title}</i> & "引用"'
            published = f"2024-{1 + (s_idx + a_idx) % 12:02d}-{1 + a_idx % 28:02d}"
            perspective = favourite if a_idx < 2 else ""
            if s_idx == 1 and a_idx == 1:  # a known-groups article that the lexicons miss
                perspective = frame_ids[(s_idx + 1) % len(frame_ids)]
            corpus.append(
                {
                    "article_id": article_id,
                    "source": source,
                    "title": title,
                    "author": f"記者{a_idx + 1}",
                    "published": "" if a_idx % 9 == 8 else published,
                    "url": "javascript:alert(1)"
                    if hostile
                    else f"https://example.org/{article_id}",
                    "language": "ja",
                    "perspective": perspective,
                    "encoding": "utf-8",
                    "chars": len(text),
                    "sentences": len(sentences),
                    "tokens": tokens,
                    "removed_lines": len(kinds),
                    "text_file": f"texts/{article_id}.txt" if texts else "",
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
            low = tokens < min_tokens or sum(r["hits"] for r in per.values()) < min_hits
            for r in per.values():
                r["low_evidence"] = low
                r["share"] = r["per_1k"] / total if total > 0 and not low else None
                article_rows.append(r)

    art = _frame_df(article_rows, CONTRACT["articles"])
    nrng = np.random.default_rng(seed)
    source_rows, boots, unit_data = [], {}, {}
    for source in sources:
        rows = art[art["source"] == source]
        wide = rows.pivot_table(
            index="article_id", columns="frame", values="weighted", sort=False
        ).reindex(columns=frame_ids, fill_value=0.0)
        tokens = rows.drop_duplicates("article_id").set_index("article_id")["tokens"]
        tokens = tokens.reindex(wide.index).to_numpy(dtype=float)
        weights = wide.to_numpy(dtype=float)
        unit_data[source] = (weights, tokens)
        boots[source] = _boot_rates(weights, tokens, nrng)
        low_b, high_b = np.percentile(boots[source], [2.5, 97.5], axis=0)
        tok = float(tokens.sum())
        block = []
        for k, f in enumerate(frame_ids):
            fr = rows[rows["frame"] == f]
            block.append(
                {"source": source, "frame": f, "articles": len(fr), "tokens": int(tok),
                 "hits": int(fr["hits"].sum()), "per_1k": weights[:, k].sum() * 1000 / tok,
                 "ci_low": low_b[k], "ci_high": high_b[k]}
            )  # fmt: skip
        total = sum(b["per_1k"] for b in block)
        low = tok < min_tokens or sum(b["hits"] for b in block) < min_hits
        for b in block:
            b["low_evidence"] = low
            b["share"] = b["per_1k"] / total if total > 0 and not low else None
        source_rows.extend(block)
    src = _frame_df(source_rows, CONTRACT["sources"])

    term_rows: dict[tuple[str, str, str, str], dict[str, object]] = {}
    for h in hits:
        key = (h["source"], h["frame"], h["category"], h["term"])
        row = term_rows.setdefault(
            key,
            {"source": key[0], "frame": key[1], "category": key[2], "term": key[3],
             "author_hits": 0, "quoted_hits": 0, "negated_hits": 0, "all_hits": 0},
        )  # fmt: skip
        row["author_hits"] += int(h["voice"] == "author" and not h["negated"])
        row["quoted_hits"] += int(h["voice"] == "quoted")
        row["negated_hits"] += int(bool(h["negated"]))
        row["all_hits"] += 1

    author = Counter(
        (h["frame"], h["term"]) for h in hits if h["voice"] == "author" and not h["negated"]
    )
    lexicon_rows, lex_meta = [], []
    for f in frame_ids:
        for e in FRAMES[f][1]:
            lexicon_rows.append(
                {"frame": f, "label": labels[f], "term": e.term, "category": e.category,
                 "weight": e.weight, "note": e.note, "lemmas": " ".join(e.term),
                 "shared": "", "author_hits": author.get((f, e.term), 0)}
            )  # fmt: skip
        digest = hashlib.sha256(f"{f}{labels[f]}".encode()).hexdigest()
        lex_meta.append(
            {"frame": f, "label": labels[f], "file": f"lexicons/{f}.yaml",
             "entries": len(FRAMES[f][1]), "sha256": digest}
        )  # fmt: skip

    kept: Counter[tuple[str, str]] = Counter()
    passages = []
    for h in hits:
        key = (str(h["source"]), str(h["frame"]))
        if kept[key] < passages_per_cell:
            kept[key] += 1
            passages.append(h)

    columns = CONTRACT
    tables = {
        "articles": article_rows,
        "sources": source_rows,
        "hits": hits,
        "terms": list(term_rows.values()),
        "corpus": corpus,
        "removed": removed,
        "lexicon": lexicon_rows,
        "passages": passages,
    }
    for name, rows in tables.items():
        _write_csv(data / f"{name}.csv", columns[name], rows)

    names = list(sources)
    _write_df(data / "differences.csv", CONTRACT["differences"],
              _differences(names, frame_ids, src, boots, unit_data, nrng))  # fmt: skip
    term_df = _frame_df(list(term_rows.values()), CONTRACT["terms"])
    _write_df(data / "keyness.csv", CONTRACT["keyness"], _keyness(term_df, src))
    _write_df(data / "similarity.csv", CONTRACT["similarity"], _similarity(names, lemmas))
    _write_df(data / "frame_map.csv", CONTRACT["frame_map"], _frame_map(src, boots, frame_ids))
    _write_df(data / "positions.csv", CONTRACT["positions"], pd.DataFrame(
        [{"source": s, "frame": f, "decile": d, "hits": n,
          "weighted": position_weight[(s, f, d)]}
         for (s, f, d), n in sorted(positions.items(), key=lambda kv: kv[0][2])]
    ))  # fmt: skip
    _write_df(data / "timeline.csv", CONTRACT["timeline"], _timeline(art))
    _write_df(data / "coverage.csv", CONTRACT["coverage"], _coverage(art, frame_ids, min_hits))
    corp = pd.DataFrame(corpus)
    val = _validation(art, corp)
    _write_df(data / "validation.csv", CONTRACT["validation"], val)
    _write_df(data / "confusion.csv", CONTRACT["confusion"], _confusion(val))
    metrics = _metrics(val, frame_ids)
    _write_df(data / "validation_metrics.csv", CONTRACT["validation_metrics"], metrics)
    _write_df(data / "agreement.csv", CONTRACT["agreement"], _agreement(art, frame_ids))
    speakers = _sourcing_hits(art)
    _write_df(data / "sourcing_hits.csv", CONTRACT["sourcing_hits"], speakers)
    _write_df(data / "sourcing.csv", CONTRACT["sourcing"],
              group_shares(speakers, list(SPEAKER_GROUPS), 50, seed))  # fmt: skip
    warnings = _reversals(src, corp)
    acc = metrics.loc[metrics["metric"] == "accuracy", "value"]
    validation = {"articles": len(val), "accuracy": float(acc.iloc[0]) if len(acc) else None}
    if history_runs:
        _history(run.parent.parent / "history.csv", src, history_runs)

    settings = dict(SETTINGS)
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
        "lexicons_sha256": hashlib.sha256(
            "".join(m["sha256"] for m in lex_meta).encode()
        ).hexdigest(),
        "tools": TOOLS,
        "settings": settings,
        "quarantined": [
            {
                "article_id": "broken-001" if not hostile else "<script>alert(4)</script>",
                "file": "articles/099_broken.txt",
                "reason": "undecodable bytes (tried utf-8, cp932, euc-jp)",
            }
        ],
        "warnings": ["1 article quarantined"]
        + (["<b>warning</b> & co"] if hostile else [])
        + warnings,
        "validation": validation,
    }
    if stance:
        published = {str(c["article_id"]): str(c["published"]) for c in corpus}
        meta.update(fakestance.write_stance(run, stance_hits, stance_mentions, published))
        if history_runs:
            fakestance.write_previous(run, f"2024050{history_runs}T090000Z-old{history_runs - 1}",
                                      str(corpus[0]["article_id"]))  # fmt: skip
    (run / "run.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), "utf-8")
    return run


def _differences(
    names: list[str],
    frames: list[str],
    src: pd.DataFrame,
    boots: dict[str, np.ndarray],
    units: dict[str, tuple[np.ndarray, np.ndarray]],
    rng: np.random.Generator,
) -> pd.DataFrame:
    rate = src.set_index(["source", "frame"])["per_1k"]
    rows = []
    for a, b in combinations(names, 2):
        (wa, ta), (wb, tb) = units[a], units[b]
        boot = boots[a] - boots[b]
        low, high = np.percentile(boot, [2.5, 97.5], axis=0)
        diff = np.array([rate[(a, f)] - rate[(b, f)] for f in frames])
        if min(len(ta), len(tb)) >= 5 and len(ta) + len(tb) <= 2000:
            p = _permutation_p(wa, ta, wb, tb, SETTINGS["permutations"], rng)
            unit = "articles"
        else:
            se = boot.std(axis=0, ddof=1)
            p = np.array([math.erfc(abs(d) / s / math.sqrt(2)) if s > 0 else float(d == 0)
                          for d, s in zip(diff, se, strict=True)])  # fmt: skip
            unit = "tokens" if min(len(ta), len(tb)) < 2 else "bootstrap-z"
        for k, f in enumerate(frames):
            rows.append(
                {"source_a": a, "source_b": b, "frame": f, "diff": diff[k], "ci_low": low[k],
                 "ci_high": high[k], "p_value": float(p[k]), "unit": unit}
            )  # fmt: skip
    out = pd.DataFrame(
        rows, columns=[c for c in CONTRACT["differences"] if c not in ("p_adjusted", "significant")]
    )
    out["p_adjusted"] = holm(out["p_value"].to_numpy(dtype=float)) if len(out) else []
    out["significant"] = out["p_adjusted"] < 0.05
    return out[CONTRACT["differences"]]


def _keyness(terms: pd.DataFrame, src: pd.DataFrame) -> pd.DataFrame:
    """Monroe et al. (2008) log-odds with the whole corpus as informative Dirichlet prior."""
    cols = CONTRACT["keyness"]
    if terms.empty:
        return pd.DataFrame(columns=cols)
    tokens = src.drop_duplicates("source").set_index("source")["tokens"].astype(float)
    total = float(tokens.sum())
    counts = terms.pivot_table(
        index=["frame", "term"], columns="source", values="author_hits", aggfunc="sum",
        fill_value=0,
    ).reindex(columns=tokens.index, fill_value=0)  # fmt: skip
    prior = counts.sum(axis=1).to_numpy(dtype=float)
    rows = []
    for source in tokens.index:
        y = counts[source].to_numpy(dtype=float)
        rest, n_a = prior - y, tokens[source]
        with np.errstate(divide="ignore", invalid="ignore"):
            la = np.log(y + prior) - np.log(n_a + total - y - prior)
            lb = np.log(rest + prior) - np.log(total - n_a + total - rest - prior)
            delta = la - lb
            z = delta / np.sqrt(1 / (y + prior) + 1 / (rest + prior))
        for (frame, term), c, r, d, zz in zip(counts.index, y, rest, delta, z, strict=True):
            if c + r > 0:
                rows.append((source, frame, term, int(c), int(r), d, zz))
    return pd.DataFrame(rows, columns=cols)


def _similarity(names: list[str], bags: dict[str, Counter[str]]) -> pd.DataFrame:
    vocab = sorted({w for b in bags.values() for w in b})
    index = {w: i for i, w in enumerate(vocab)}
    m = np.zeros((len(names), len(vocab)))
    for i, s in enumerate(names):
        for w, n in bags.get(s, {}).items():
            m[i, index[w]] = 1 + math.log(n)
    df = (m > 0).sum(axis=0)
    m *= np.log((1 + len(names)) / (1 + df)) + 1
    norm = np.linalg.norm(m, axis=1, keepdims=True)
    m = np.divide(m, norm, out=np.zeros_like(m), where=norm > 0)
    sim = m @ m.T
    return pd.DataFrame(
        [(a, b, float(sim[i, j])) for i, a in enumerate(names) for j, b in enumerate(names)],
        columns=CONTRACT["similarity"],
    )


def _frame_map(src: pd.DataFrame, boots: dict[str, np.ndarray], frames: list[str]) -> pd.DataFrame:
    cols = CONTRACT["frame_map"]
    profile = src.pivot(index="source", columns="frame", values="per_1k").reindex(columns=frames)
    profile = profile.reindex(list(dict.fromkeys(src["source"])))
    if len(profile) < 2 or len(frames) < 2:
        return pd.DataFrame(columns=cols)
    x = profile.to_numpy(dtype=float)
    mean = x.mean(axis=0)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
    k = min(2, len(s))
    comp = vt[:k]
    var = list((s**2 / max((s**2).sum(), 1e-12))[:k]) + [0.0] * (2 - k)
    rows = []
    for i, source in enumerate(profile.index):
        point = list((x[i] - mean) @ comp.T) + [0.0] * (2 - k)
        proj = (boots[source] - mean) @ comp.T
        lo, hi = np.percentile(proj, [2.5, 97.5], axis=0)
        lo, hi = list(lo) + [0.0] * (2 - k), list(hi) + [0.0] * (2 - k)
        rows.append((source, point[0], point[1], lo[0], hi[0], lo[1], hi[1], var[0], var[1]))
    return pd.DataFrame(rows, columns=cols)


def _timeline(art: pd.DataFrame) -> pd.DataFrame:
    dated = art[art["published"].astype(str).str.len() >= 7].copy()
    dated["month"] = dated["published"].str.slice(0, 7)
    out = (
        dated.groupby(["source", "month", "frame"], sort=False)
        .agg(articles=("article_id", "nunique"), tokens=("tokens", "sum"),
             weighted=("weighted", "sum"))
        .reset_index()
    )  # fmt: skip
    out["per_1k"] = out["weighted"] * 1000 / out["tokens"].clip(lower=1)
    return out.sort_values(["source", "month", "frame"], kind="stable")


def _coverage(art: pd.DataFrame, frames: list[str], min_hits: int) -> pd.DataFrame:
    n = art["article_id"].nunique()
    rows = []
    for f in frames:
        covered = int((art.loc[art["frame"] == f, "hits"] >= min_hits).sum())
        rows.append({"frame": f, "articles": n, "covered": covered, "share": covered / max(n, 1)})
    return pd.DataFrame(rows)


def _validation(art: pd.DataFrame, corpus: pd.DataFrame) -> pd.DataFrame:
    known = corpus[corpus["perspective"] != ""].set_index("article_id")["perspective"]
    rows = []
    for aid, want in known.items():
        g = art[art["article_id"] == aid].sort_values(
            ["per_1k", "frame"], ascending=[False, True], kind="stable"
        )
        low = bool(g["low_evidence"].iloc[0]) or float(g["per_1k"].iloc[0]) == 0.0
        dominant = "" if low else str(g["frame"].iloc[0])
        rows.append(
            {"article_id": aid, "source": g["source"].iloc[0], "perspective": want,
             "dominant": dominant, "match": "" if low else str(dominant == want).lower(),
             "evidence": "low" if low else "ok"}
        )  # fmt: skip
    return pd.DataFrame(rows, columns=CONTRACT["validation"])


def _confusion(val: pd.DataFrame) -> pd.DataFrame:
    ok = val[val["evidence"] == "ok"]
    if ok.empty:
        return pd.DataFrame(columns=CONTRACT["confusion"])
    out = ok.groupby(["perspective", "dominant"]).size().reset_index(name="count")
    return out.rename(columns={"dominant": "predicted"})


def _metrics(val: pd.DataFrame, frames: list[str]) -> pd.DataFrame:
    ok = val[val["evidence"] == "ok"]
    rows: list[tuple[str, str, float]] = []
    if len(ok):
        rows.append(("accuracy", "", float((ok["dominant"] == ok["perspective"]).mean())))
    for f in frames:
        predicted, actual = ok["dominant"] == f, ok["perspective"] == f
        tp = float((predicted & actual).sum())
        if actual.any() or predicted.any():
            rows.append(("precision", f, tp / predicted.sum() if predicted.any() else math.nan))
            rows.append(("recall", f, tp / actual.sum() if actual.any() else math.nan))
            rows.append(("support", f, float(actual.sum())))
    out = pd.DataFrame(rows, columns=["metric", "frame", "value"]).assign(family="all")
    return out[CONTRACT["validation_metrics"]]


SPEAKER_GROUPS = ("russian_government", "us_government", "experts", "other")


def _sourcing_hits(art: pd.DataFrame) -> pd.DataFrame:
    """One or two attributions per article, their groups in turn."""
    ids = art[["article_id", "source"]].drop_duplicates()
    rows = []
    for k, (aid, src) in enumerate(zip(ids["article_id"], ids["source"], strict=True)):
        for j in range(1 + k % 2):
            group = SPEAKER_GROUPS[(k + j) % len(SPEAKER_GROUPS)]
            rows.append((aid, src, 0, "報道官", group, False, "reporting_verb", "述べる",
                         0, 3, 4, 7, "報道官は協力は続くと述べた。"))  # fmt: skip
    return pd.DataFrame(rows, columns=CONTRACT["sourcing_hits"])


def _agreement(art: pd.DataFrame, frames: list[str]) -> pd.DataFrame:
    wide = art.pivot_table(index=["source", "article_id"], columns="frame", values="per_1k")
    rows = []
    for source, g in wide.groupby(level="source", sort=False):
        for i, fa in enumerate(frames):
            for fb in frames[i + 1 :]:
                rho = None
                if len(g) >= 3:
                    value = g[fa].rank().corr(g[fb].rank())
                    rho = None if pd.isna(value) else float(value)
                rows.append((source, fa, fb, len(g), rho))
    return pd.DataFrame(rows, columns=CONTRACT["agreement"])


def _reversals(src: pd.DataFrame, corpus: pd.DataFrame) -> list[str]:
    known: dict[str, str] = {}
    for source, g in corpus[corpus["perspective"] != ""].groupby("source", sort=False):
        values = g["perspective"].unique()
        if len(values) == 1:
            known[str(source)] = str(values[0])
    rate = src.set_index(["source", "frame"])
    out = []
    for a, pa in known.items():
        for b, pb in known.items():
            if pb == pa or (b, pa) not in rate.index or (a, pa) not in rate.index:
                continue
            ra, rb = rate.loc[(a, pa)], rate.loc[(b, pa)]
            if rb["per_1k"] > ra["per_1k"]:
                out.append(
                    f"reversal: {b} (known {pb}) scores higher on {pa} than {a} (known {pa}): "
                    f"{rb['per_1k']:.2f} vs {ra['per_1k']:.2f} per 1,000 tokens"
                )
    return out


def _history(path: Path, src: pd.DataFrame, runs: int) -> None:
    """Earlier runs' per-source scores, drifting towards this run's."""
    rows = []
    for k in range(runs):
        factor = 0.7 + 0.3 * (k + 1) / (runs + 1)
        for r in src.to_dict("records"):
            rows.append(
                {**{c: r.get(c) for c in HISTORY}, "run_id": f"2024050{k + 1}T090000Z-old{k}",
                 "finished": f"2024-05-0{k + 1}T09:00:{k:02d}+00:00",
                 "lexicons_sha256": "0" * 64, "per_1k": r["per_1k"] * factor,
                 "ci_low": r["ci_low"] * factor, "ci_high": r["ci_high"] * factor}
            )  # fmt: skip
    _write_csv(path, HISTORY, rows)
