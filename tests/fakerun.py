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
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fake_tables
import fakestance
import numpy as np
import pandas as pd

from pipeline.aggregate.sourcing import group_shares
from pipeline.runfolder.record import BatchRecord, CorpusRecord, RunRecord, write_record
from pipeline.runfolder.schema import PASSAGES_PER_CELL, TABLES

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


@dataclass(frozen=True)
class FakeRun:
    """What a fake run holds (``make_fake_run``'s options).

    ``hostile`` adds sources, a frame label, a title, a URL and article text that try to inject
    markup. Sources in ``quiet`` get articles with no lexicon term at all (zero hits); sources
    in ``thin`` get very short articles with one counted match (low evidence).
    ``history_runs`` earlier runs are written to ``dir.parent.parent / "history.csv"`` (the
    output folder's, for ``out/runs/<id>``).
    ``texts=False`` skips ``data/texts`` (for very large fake runs).
    ``stance`` ends every article with stance sentences and writes the stance tables
    (``fakestance``); with ``history_runs`` too, a previous run folder beside this one.
    """

    sources: Sequence[str] = DEFAULT_SOURCES
    hostile: bool = False
    frames: Sequence[str] | None = None
    articles_per_source: int = 2
    quiet: Sequence[str] = QUIET_SOURCES
    seed: int = 7
    thin: Sequence[str] = THIN_SOURCES
    history_runs: int = 0
    texts: bool = True
    passages_per_cell: int = PASSAGES_PER_CELL
    stance: bool = False


# Tables the schema declares that a fake run writes elsewhere or not at all: history.csv in the
# output folder (``history_runs``), the stance tables with ``stance`` (``fakestance``), and
# those it does not fake: stance_validation (only a gold file gives it) and stance_articles.
STANCE_TABLES = frozenset(
    {"stance", "stance_differences", "stance_expectations", "stance_hits", "stance_timeline"}
)
NOT_FAKED = frozenset({"stance_validation", "stance_articles"})
NOT_IN_EVERY_RUN = frozenset({"history"}) | STANCE_TABLES | NOT_FAKED


@dataclass
class _Corpus:
    """The fake articles as the analysis would have seen them: per-article rows of each table,
    and per source the lemma bag and the positions of its counted matches."""

    corpus: list[dict[str, object]] = field(default_factory=list)
    removed: list[dict[str, object]] = field(default_factory=list)
    hits: list[dict[str, object]] = field(default_factory=list)
    articles: list[dict[str, object]] = field(default_factory=list)
    stance_hits: list[dict[str, object]] = field(default_factory=list)
    stance_mentions: list[dict[str, object]] = field(default_factory=list)
    lemmas: dict[str, Counter[str]] = field(default_factory=dict)
    positions: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    position_weight: Counter[tuple[str, str, int]] = field(default_factory=Counter)


def make_fake_run(dir: Path, **options: Any) -> Path:
    """Write a run folder under ``dir`` (options: ``FakeRun``'s fields) and return it."""
    spec = FakeRun(**options)
    frame_ids = list(spec.frames) if spec.frames is not None else list(FRAMES)
    labels = {f: FRAMES[f][0] for f in frame_ids}
    sources = list(spec.sources)
    if spec.hostile:
        sources = [*sources, *HOSTILE_SOURCES]
        labels[frame_ids[-1]] = HOSTILE_LABEL
    run = Path(dir)
    data = run / "data"
    (data / "texts").mkdir(parents=True, exist_ok=True)
    fake = _Corpus()
    rng = random.Random(spec.seed)
    for s_idx, source in enumerate(sources):
        fake.lemmas.setdefault(source, Counter())
        for a_idx in range(spec.articles_per_source):
            _add_article(fake, spec, rng, (s_idx, source, a_idx), frame_ids, data)
    art = _frame_df(fake.articles, fake_tables.CONTRACT["articles"])
    nrng = np.random.default_rng(spec.seed)
    source_rows, boots, unit_data = _source_rows(art, sources, frame_ids, nrng)
    src = _frame_df(source_rows, fake_tables.CONTRACT["sources"])
    terms = _term_rows(fake.hits)
    lexicon, lex_meta = _lexicon_rows(frame_ids, labels, fake.hits)
    corp = pd.DataFrame(fake.corpus)
    val = fake_tables.validation(art, corp)
    metrics = fake_tables.metrics(val, frame_ids)
    speakers = fake_tables.sourcing_hits(art)
    _write_run_tables(data, {
        "articles": fake.articles, "sources": source_rows, "hits": fake.hits, "terms": terms,
        "corpus": fake.corpus, "removed": fake.removed, "lexicon": lexicon,
        "passages": _passages(fake.hits, spec.passages_per_cell),
        "differences": fake_tables.differences(sources, frame_ids, src, boots, unit_data, nrng),
        "keyness": fake_tables.keyness(_frame_df(terms, fake_tables.CONTRACT["terms"]), src),
        "similarity": fake_tables.similarity(sources, fake.lemmas),
        "frame_map": fake_tables.frame_map(src, boots, frame_ids),
        "positions": _positions(fake),
        "timeline": fake_tables.timeline(art),
        "coverage": fake_tables.coverage(art, frame_ids, fake_tables.SETTINGS["min_hits"]),
        "validation": val,
        "confusion": fake_tables.confusion(val),
        "validation_metrics": metrics,
        "agreement": fake_tables.agreement(art, frame_ids),
        "sourcing_hits": speakers,
        "sourcing": group_shares(speakers, list(fake_tables.SPEAKER_GROUPS), 50, spec.seed),
    })  # fmt: skip
    if spec.history_runs:
        fake_tables.history(run.parent.parent / "history.csv", src, spec.history_runs)
    acc = metrics.loc[metrics["metric"] == "accuracy", "value"]
    validation = {"articles": len(val), "accuracy": float(acc.iloc[0]) if len(acc) else None}
    meta = _run_record(spec, fake.corpus, lex_meta, fake_tables.reversals(src, corp), validation)
    if spec.stance:
        published = {str(c["article_id"]): str(c["published"]) for c in fake.corpus}
        meta.stance_lexicons = fakestance.write_stance(
            run, fake.stance_hits, fake.stance_mentions, published
        )
        if spec.history_runs:
            n = spec.history_runs
            fakestance.write_previous(run, f"2024050{n}T090000Z-old{n - 1}",
                                      str(fake.corpus[0]["article_id"]))  # fmt: skip
    write_record(run, meta)
    return run


def _write_run_tables(data: Path, built: dict[str, pd.DataFrame | list[dict[str, object]]]) -> None:
    """Write each table as the schema declares it (its columns, in its order, as its types);
    a table the schema does not declare, or one it declares that was not built, is an error."""
    unknown = sorted(set(built) - set(TABLES))
    missing = sorted(set(TABLES) - set(built) - NOT_IN_EVERY_RUN)
    if unknown or missing:
        raise ValueError(f"fake run: tables not in the schema {unknown}, not built {missing}")
    for name, rows in built.items():
        records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else rows
        fake_tables.write_csv(
            data / Path(TABLES[name].file).name, fake_tables.CONTRACT[name], records
        )


def _article_parts(
    spec: FakeRun, rng: random.Random, where: tuple[int, str, int], frame_ids: list[str]
) -> list[str]:
    """The sentences of one article: fillers and lexicon terms (none for a quiet source, one
    for a thin one), markup when hostile, stance sentences when ``stance``."""
    s_idx, source, a_idx = where
    favourite = frame_ids[s_idx % len(frame_ids)]
    if source in spec.thin:
        entry = FRAMES[favourite][1][0]
        parts = [rng.choice(FILLERS), _sentence(rng, entry.term, "author", False)]
    else:
        parts = [rng.choice(FILLERS) for _ in range(3)]
    if source not in spec.quiet and source not in spec.thin:
        for _ in range(rng.randint(4, 7)):
            frame = favourite if rng.random() < 0.6 else rng.choice(frame_ids)
            entry = rng.choice(FRAMES[frame][1][:-1])
            voice = "quoted" if rng.random() < 0.25 else "author"
            parts.append(_sentence(rng, entry.term, voice, rng.random() < 0.15))
            parts.append(rng.choice(FILLERS))
    if spec.hostile and a_idx == 0:
        parts.append("本文に<script>alert(3)</script>と書かれていた。")
        if source not in spec.quiet:
            parts.append(f"記事は{FRAMES[frame_ids[0]][1][0].term}を強調した。")
    rng.shuffle(parts)
    return parts


def _add_article(
    fake: _Corpus,
    spec: FakeRun,
    rng: random.Random,
    where: tuple[int, str, int],
    frame_ids: list[str],
    data: Path,
) -> None:
    """Write one article's text and add its rows: corpus, removed lines, hits, per-frame
    scores, stance evidence and the positions of its counted matches."""
    s_idx, source, a_idx = where
    article_id = f"s{s_idx:02d}-a{a_idx}"
    parts = _article_parts(spec, rng, where, frame_ids)
    chosen = (
        fakestance.specs(s_idx, source, tuple(spec.quiet), tuple(spec.thin)) if spec.stance else []
    )
    parts.extend(c[0] for c in chosen)
    fake.lemmas.setdefault(source, Counter()).update(parts)
    text = "".join(parts)
    sentences, pos = [], 0
    for p in parts:
        sentences.append((pos, pos + len(p)))
        pos += len(p)
    if spec.texts:
        (data / "texts" / f"{article_id}.txt").write_text(text, encoding="utf-8")
    if chosen:
        ev, named = fakestance.evidence(article_id, source, text, sentences, chosen)
        fake.stance_hits.extend(ev)
        fake.stance_mentions.extend(named)
    found = [h for f in frame_ids for h in _find_hits(text, sentences, f)]
    for h in found:
        h.pop("_sentence")
        fake.hits.append({"article_id": article_id, "source": source, **h})
        if h["voice"] == "author" and not h["negated"]:
            key = (
                source,
                str(h["frame"]),
                min(9, int(10 * int(h["sentence_id"]) / len(sentences))),
            )
            fake.positions[key] += 1
            fake.position_weight[key] += float(h["weight"])
    kinds = ["byline", "advert", "related"][: 1 + a_idx % 3]
    for line, kind in enumerate(kinds):
        fake.removed.append({"article_id": article_id, "line": line + 1, "kind": kind,
                             "text": f"{kind} の行 {source}"})  # fmt: skip
    fake.corpus.append(_corpus_row(spec, where, frame_ids, text, len(sentences), len(kinds)))
    fake.articles.extend(_article_rows(fake.corpus[-1], found, frame_ids))


def _corpus_row(
    spec: FakeRun,
    where: tuple[int, str, int],
    frame_ids: list[str],
    text: str,
    n_sentences: int,
    n_removed: int,
) -> dict[str, object]:
    """One article's corpus.csv row: metadata, a known-groups perspective and its counts."""
    s_idx, source, a_idx = where
    article_id = f"s{s_idx:02d}-a{a_idx}"
    title = f"{source}の記事 {a_idx + 1}"
    if spec.hostile and a_idx == 0:
        title = f'<i>{title}</i> & "引用"'
    published = f"2024-{1 + (s_idx + a_idx) % 12:02d}-{1 + a_idx % 28:02d}"
    perspective = frame_ids[s_idx % len(frame_ids)] if a_idx < 2 else ""
    if s_idx == 1 and a_idx == 1:  # a known-groups article that the lexicons miss
        perspective = frame_ids[(s_idx + 1) % len(frame_ids)]
    return {
        "article_id": article_id,
        "source": source,
        "title": title,
        "author": f"記者{a_idx + 1}",
        "published": "" if a_idx % 9 == 8 else published,
        "url": "javascript:alert(1)" if spec.hostile else f"https://example.org/{article_id}",
        "language": "ja",
        "perspective": perspective,
        "encoding": "utf-8",
        "chars": len(text),
        "sentences": n_sentences,
        "tokens": max(1, len(text) // 2),
        "removed_lines": n_removed,
        "text_file": f"texts/{article_id}.txt" if spec.texts else "",
    }


def _article_rows(
    corpus_row: dict[str, object], found: list[dict[str, object]], frame_ids: list[str]
) -> list[dict[str, object]]:
    """One article's articles.csv rows, one per frame: its counted matches, rate and share."""
    tokens = int(corpus_row["tokens"])
    per = {}
    for f in frame_ids:
        own = [h for h in found if h["frame"] == f]
        counted = [h for h in own if h["voice"] == "author" and not h["negated"]]
        weighted = float(sum(float(h["weight"]) for h in counted))
        per[f] = {
            "article_id": corpus_row["article_id"],
            "source": corpus_row["source"],
            "published": corpus_row["published"],
            "frame": f,
            "hits": len(counted),
            "weighted": weighted,
            "tokens": tokens,
            "per_1k": weighted * 1000 / tokens,
            "quoted_hits": sum(h["voice"] == "quoted" for h in own),
            "negated_hits": sum(bool(h["negated"]) for h in own),
        }
    total = sum(r["per_1k"] for r in per.values())
    low = (
        tokens < fake_tables.SETTINGS["min_tokens"]
        or sum(r["hits"] for r in per.values()) < fake_tables.SETTINGS["min_hits"]
    )
    for r in per.values():
        r["low_evidence"] = low
        r["share"] = r["per_1k"] / total if total > 0 and not low else None
    return list(per.values())


def _source_rows(
    art: pd.DataFrame, sources: list[str], frame_ids: list[str], nrng: np.random.Generator
) -> tuple[list[dict[str, Any]], dict[str, np.ndarray], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """sources.csv's rows from the article rows, with each source's bootstrap rates and its
    (weights, tokens) per article for the differences."""
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
        boots[source] = fake_tables.boot_rates(weights, tokens, nrng)
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
        low = (
            tok < fake_tables.SETTINGS["min_tokens"]
            or sum(b["hits"] for b in block) < fake_tables.SETTINGS["min_hits"]
        )
        for b in block:
            b["low_evidence"] = low
            b["share"] = b["per_1k"] / total if total > 0 and not low else None
        source_rows.extend(block)
    return source_rows, boots, unit_data


def _term_rows(hits: list[dict[str, object]]) -> list[dict[str, object]]:
    """terms.csv: per source, frame, category and term, its matches by voice."""
    term_rows: dict[tuple[object, ...], dict[str, Any]] = {}
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
    return list(term_rows.values())


def _lexicon_rows(
    frame_ids: list[str], labels: dict[str, str], hits: list[dict[str, object]]
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """lexicon.csv's rows, and run.json's ``lexicons`` (one per frame file)."""
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
    return lexicon_rows, lex_meta


def _passages(hits: list[dict[str, object]], per_cell: int) -> list[dict[str, object]]:
    """passages.csv: the first ``per_cell`` matches of each source × frame."""
    kept: Counter[tuple[str, str]] = Counter()
    passages = []
    for h in hits:
        key = (str(h["source"]), str(h["frame"]))
        if kept[key] < per_cell:
            kept[key] += 1
            passages.append(h)
    return passages


def _positions(fake: _Corpus) -> pd.DataFrame:
    return pd.DataFrame(
        [{"source": s, "frame": f, "decile": d, "hits": n,
          "weighted": fake.position_weight[(s, f, d)]}
         for (s, f, d), n in sorted(fake.positions.items(), key=lambda kv: kv[0][2])]
    )  # fmt: skip


def _run_record(
    spec: FakeRun,
    corpus: list[dict[str, object]],
    lex_meta: list[dict[str, object]],
    reversals: list[str],
    validation: dict[str, object],
) -> RunRecord:
    """run.json's record of the fake run, typed as a real run's."""
    return RunRecord(
        run_id="20240618T120000Z-abc123",
        started="2024-06-18T12:00:00Z",
        finished="2024-06-18T12:00:42Z",
        duration_s=42.0,
        corpus=CorpusRecord(
            path="corpus/manifest.csv",
            sha256=hashlib.sha256(b"fake corpus").hexdigest(),
            articles=len(corpus) + 1,
            scored=len(corpus),
            quarantined=1,
        ),
        lexicons=lex_meta,
        lexicon_files=[
            {"name": f"{m['frame']}.yaml", "file": str(m["file"]), "sha256": str(m["sha256"])}
            for m in lex_meta
        ],
        lexicons_sha256=hashlib.sha256(
            "".join(str(m["sha256"]) for m in lex_meta).encode()
        ).hexdigest(),
        tools=TOOLS,
        settings=dict(fake_tables.SETTINGS),
        batches=BatchRecord(size=max(len(corpus), 1), count=1, task_runner="ThreadPoolTaskRunner"),
        quarantined=[
            {
                "article_id": "broken-001" if not spec.hostile else "<script>alert(4)</script>",
                "file": "articles/099_broken.txt",
                "reason": "undecodable bytes (tried utf-8, cp932, euc-jp)",
            }
        ],
        warnings=["1 article quarantined"]
        + (["<b>warning</b> & co"] if spec.hostile else [])
        + reversals,
        validation=validation,
        stance_lexicons=[],
    )
