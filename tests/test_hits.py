"""Matching: longest match, inflection, quoted voice, negation, and arbitrary input."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.analyze.hits import Hit, Matcher, find_hits, match_sentence, matcher
from pipeline.analyze.lexicons import Entry, Lexicon, LexiconError, load_lexicon, load_lexicons
from pipeline.analyze.tokens import tokenize_columns
from pipeline.ingest.clean import CleanText, clean_article

NAMING = """\
frame: naming
entries:
  - term: 特別軍事作戦
    category: naming
    weight: 2
    note: The Kremlin's name for the war.
  - term: 軍事作戦
    category: naming
    note: Shorter, overlapping entry.
  - term: 挑発する
    category: blame
    note: Provocation, as a verb.
  - term: 支持
    category: support
    note: Support.
"""
WAR = """\
frame: war
entries:
  - term: 軍事作戦
    category: naming
    note: The same words seen from another frame.
"""


def write_lexicon(directory: Path, name: str, text: str) -> Lexicon:
    path = directory / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return load_lexicon(path)


@pytest.fixture(scope="module")
def lexicons(tmp_path_factory: pytest.TempPathFactory) -> list[Lexicon]:
    folder = tmp_path_factory.mktemp("lexicons")
    return [write_lexicon(folder, "naming", NAMING), write_lexicon(folder, "war", WAR)]


def hits_of(text: str, lexicons: list[Lexicon]) -> tuple[CleanText, list[Hit]]:
    clean = clean_article(text)
    sentence_tokens = [tokenize_columns(clean.text[a:b], a) for a, b in clean.sentences]
    return clean, find_hits(clean, sentence_tokens, lexicons)


def frame_hits(text: str, lexicons: list[Lexicon], frame: str = "naming") -> list[Hit]:
    return [h for h in hits_of(text, lexicons)[1] if h.frame == frame]


# --- longest match ---------------------------------------------------------------------


def test_longest_entry_wins_and_is_counted_once(lexicons: list[Lexicon]) -> None:
    hits = frame_hits("ロシアは特別軍事作戦を始めた。", lexicons)
    assert [(h.term, h.matched) for h in hits] == [("特別軍事作戦", "特別軍事作戦")]
    assert hits[0].weight == 2.0


def test_shorter_entry_matches_on_its_own(lexicons: list[Lexicon]) -> None:
    hits = frame_hits("大規模な軍事作戦が続く。", lexicons)
    assert [h.term for h in hits] == ["軍事作戦"]


def test_frames_match_independently(lexicons: list[Lexicon]) -> None:
    _, hits = hits_of("ロシアは特別軍事作戦を始めた。", lexicons)
    assert sorted((h.frame, h.term) for h in hits) == [
        ("naming", "特別軍事作戦"),
        ("war", "軍事作戦"),
    ]


def test_matches_never_overlap_within_a_frame(lexicons: list[Lexicon]) -> None:
    text = "特別軍事作戦と軍事作戦、また特別軍事作戦軍事作戦。"
    hits = frame_hits(text, lexicons)
    assert [h.term for h in hits] == ["特別軍事作戦", "軍事作戦", "特別軍事作戦", "軍事作戦"]
    spans = sorted((h.char_start, h.char_end) for h in hits)
    assert all(b <= c for (_, b), (c, _) in pairwise(spans))


def test_white_space_inside_a_term_still_matches(lexicons: list[Lexicon]) -> None:
    text = "特別\u3000軍事作戦"
    clean = CleanText(text=text, sentences=[(0, len(text))])
    hits = find_hits(clean, [tokenize_columns(text)], lexicons[:1])
    assert [(h.term, h.matched) for h in hits] == [("特別軍事作戦", text)]


# --- inflection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("北朝鮮が挑発する。", "挑発する"),
        ("北朝鮮が挑発した。", "挑発し"),
        ("北朝鮮が挑発して", "挑発し"),
        ("北朝鮮は挑発せず", "挑発せ"),
    ],
)
def test_inflected_forms_match(lexicons: list[Lexicon], text: str, matched: str) -> None:
    hits = frame_hits(text, lexicons)
    assert [(h.term, h.matched) for h in hits] == [("挑発する", matched)]


def test_noun_alone_does_not_match_the_verb_entry(lexicons: list[Lexicon]) -> None:
    assert frame_hits("挑発の意図。", lexicons) == []


# --- voice -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "西側はこれを「特別軍事作戦」と呼ぶ。",
        "いわゆる『特別軍事作戦』だ。",
        "彼らは“特別軍事作戦”と言う。",
        '彼らは"特別軍事作戦"と言う。',
        "「我々は「特別軍事作戦」を続ける」と述べた。",
        "「閉じられない特別軍事作戦の話",
    ],
)
def test_quoted_voice(lexicons: list[Lexicon], text: str) -> None:
    (hit,) = frame_hits(text, lexicons)
    assert hit.term == "特別軍事作戦" and hit.voice == "quoted"


def test_author_voice_after_a_quote_closes(lexicons: list[Lexicon]) -> None:
    hits = frame_hits("「支持する」と述べたが、特別軍事作戦は続く。", lexicons)
    assert [(h.term, h.voice) for h in hits] == [("支持", "quoted"), ("特別軍事作戦", "author")]


def test_open_quote_does_not_reach_the_next_paragraph(lexicons: list[Lexicon]) -> None:
    hits = frame_hits("彼は「と言いかけた。\n特別軍事作戦が続く。", lexicons)
    assert [(h.term, h.voice) for h in hits] == [("特別軍事作戦", "author")]


# --- negation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "北朝鮮は挑発しない。",
        "北朝鮮は挑発せず、沈黙した。",
        "北朝鮮は挑発せぬ。",
        "北朝鮮は挑発しません。",
        "北朝鮮は挑発しなかった。",
        "これは支持ではない。",
        "全面的に支持するわけではない。",
        "支持しておらず",
        "特別軍事作戦ではなく戦争だ。",
    ],
)
def test_negated(lexicons: list[Lexicon], text: str) -> None:
    hits = frame_hits(text, lexicons)
    assert hits and all(h.negated for h in hits)


@pytest.mark.parametrize(
    "text",
    [
        "北朝鮮は挑発した。",
        "ロシアを支持しなければならない。",
        "ロシアを支持しなくてはいけない。",
        "ロシアを支持しないといけない。",
        "ロシアを支持せざるを得なかった。",
        "ロシアを支持した、だが戦争は終わらない。",
        "支持は、ない。",
    ],
)
def test_not_negated(lexicons: list[Lexicon], text: str) -> None:
    hits = frame_hits(text, lexicons)
    assert hits and not any(h.negated for h in hits)


def test_hit_context_is_single_line(lexicons: list[Lexicon]) -> None:
    (hit,) = frame_hits(
        "前の段落です。\n北朝鮮は特別軍事作戦を支援した。\n次の段落です。", lexicons, "war"
    )
    assert "\n" not in hit.left + hit.right
    assert hit.left.endswith("北朝鮮は特別") and hit.right.startswith("を支援した。")


# --- any input -------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "特別軍事作戦",
        "軍事作戦",
        "挑発した",
        "挑発しない",
        "支持ではない",
        "しなければならない",
        "「",
        "」",
        "『",
        "』",
        "“",
        "”",
        '"',
        "。",
        "、",
        "\n",
        "\r\n",
        " ",
        "\t",
        "\u3000",
        "\x00",
        "\x1b",
        "\u200b",
        "\ufeff",
        "😀",
        "ｶﾀｶﾅ",
        "【ソウル=記者】",
        "コメントを残す",
    ]
)
ANY_TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(st.text(max_size=15), FRAGMENTS), max_size=80).map("".join),
    st.builds(
        lambda a, n: a * n, st.sampled_from(["特別軍事作戦を。", "あ", "x"]), st.integers(1, 400)
    ),
)


@settings(max_examples=100, deadline=None)
@given(ANY_TEXT)
def test_any_text_runs_through_with_exact_spans(lexicons: list[Lexicon], text: str) -> None:
    clean = clean_article(text)
    sentence_tokens = [tokenize_columns(clean.text[a:b], a) for a, b in clean.sentences]
    for tokens in sentence_tokens:
        for t in tokens:
            assert clean.text[t.start : t.end] == t.surface
    hits = find_hits(clean, sentence_tokens, lexicons)
    for h in hits:
        assert clean.text[h.char_start : h.char_end] == h.matched
        a, b = clean.sentences[h.sentence_id]
        assert a <= h.char_start < h.char_end <= b
        assert h.voice in ("author", "quoted")
    for frame in {h.frame for h in hits}:
        spans = sorted((h.char_start, h.char_end) for h in hits if h.frame == frame)
        assert all(b <= c for (_, b), (c, _) in pairwise(spans))


# --- the matcher against a plain reading of the rules -----------------------------------


def reference_matches(lemmas: list[str], lexicon: Lexicon) -> list[tuple[Entry, int, int]]:
    """Left to right, at each position the longest entry (then the earliest line) that fits."""
    ranked = sorted(
        ((seq, e) for e in lexicon.entries for seq in (e.variants or (e.lemmas,))),
        key=lambda item: (-len(item[0]), item[1].line),
    )
    found, i = [], 0
    while i < len(lemmas):
        for seq, entry in ranked:
            if tuple(lemmas[i : i + len(seq)]) == seq:
                found.append((entry, i, i + len(seq)))
                i += len(seq)
                break
        else:
            i += 1
    return found


@pytest.fixture(scope="module")
def shipped(lexicon_dir: Path) -> list[Lexicon]:
    return load_lexicons(lexicon_dir)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_matcher_finds_what_the_rules_say(shipped: list[Lexicon], data: st.DataObject) -> None:
    pool = sorted({lemma for lex in shipped for e in lex.entries for lemma in e.lemmas})
    words = st.one_of(st.sampled_from(pool), st.sampled_from(["は", "を", "、", "x"]))
    entries = st.sampled_from([e for lex in shipped for e in lex.entries])
    pieces = st.lists(st.one_of(words.map(lambda w: [w]), entries.map(lambda e: list(e.lemmas))))
    lemmas = [lemma for piece in data.draw(pieces) for lemma in piece]
    got = match_sentence(lemmas, Matcher(shipped))
    for f, lex in enumerate(shipped):
        mine = [(e, a, b) for g, e, a, b in got if g == f]
        assert mine == reference_matches(lemmas, lex)
    assert [a for _, _, a, _ in got] == sorted(a for _, _, a, _ in got)


def test_matcher_is_built_once_per_set_of_lexicons(shipped: list[Lexicon]) -> None:
    assert matcher(shipped) is matcher(list(shipped))
    assert matcher(shipped[:1]) is not matcher(shipped)
    assert matcher(shipped[:1]).frames == 1


def test_two_entries_with_the_same_lemmas_stop_the_run_at_the_later_line(tmp_path: Path) -> None:
    """Run and lint agree: the second entry would never match, so the lexicon is refused."""
    with pytest.raises(LexiconError, match=r"twice.yaml:4: 軍事作戦: duplicate .*same lemmas"):
        write_lexicon(
            tmp_path,
            "twice",
            "entries:\n"
            "  - {term: 軍事作戦, category: first, note: n}\n"
            "  - {term: 特別軍事作戦, category: longer, note: n}\n"
            "  - {term: 軍事作戦, category: second, note: n}\n",
        )


SOURCES = """\
frame: sources
entries:
  - term: タス通信
    category: institutions_sources
    note: Russian state agency.
  - term: ペスコフ報道官
    category: institutions_sources
    note: Kremlin spokesman.
"""


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> list[Lexicon]:
    return [write_lexicon(tmp_path_factory.mktemp("sources"), "sources", SOURCES)]


@pytest.mark.parametrize(
    "text",
    [
        "タス通信によると、会談は3時間続いた。",
        "ペスコフ報道官は、協力は合法だと述べた。",
        "ペスコフ報道官は記者団に「誰も脅かさない」と語った。",
    ],
)
def test_a_cited_source_is_not_framing(sources: list[Lexicon], text: str) -> None:
    """A name that attributes a statement is sourcing: voice ``cited``, outside the score."""
    _, hits = hits_of(text, sources)
    assert [h.voice for h in hits] == ["cited"]


@pytest.mark.parametrize(
    "text",
    [
        "タス通信はクレムリンの宣伝機関にすぎない。",
        "ペスコフ報道官の発言は、いつものように事実をねじ曲げている。",
        "西側の記者は、タス通信の記事をそのまま信じてはならないと述べた。",
    ],
)
def test_the_same_name_in_the_authors_framing_counts(sources: list[Lexicon], text: str) -> None:
    """The same institution named by the author (not as a speaker) is the author's framing."""
    _, hits = hits_of(text, sources)
    assert [h.voice for h in hits] == ["author"]


# --- glob entries (傷つ*): surface prefixes from a token boundary ------------------------------

GLOBS = """\
frame: harm
entries:
  - {term: 傷つ*, category: harm, note: UniDic splits the stem alone into 傷 and つ}
  - {term: 苦し*, category: harm, note: adjective and verb stems}
  - {term: 北朝*, category: place, note: a stem ending inside a token}
  - {term: 保護, category: care, note: plain}
  - {term: 保護*, category: care, note: glob with the same lemma as a plain entry}
  - {term: 保護者会, category: care, note: a longer plain entry}
"""


def _glob_hits(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    lex = write_lexicon(tmp_path, "harm", GLOBS)
    clean = clean_article(text)
    sentences = [tokenize_columns(clean.text[a:b], a) for a, b in clean.sentences]
    return [(h.term, h.matched) for h in find_hits(clean, sentences, [lex])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("彼を傷つけた。", [("傷つ*", "傷つけ")]),
        ("心が傷ついた。", [("傷つ*", "傷つい")]),
        ("傷つく人もいる。", [("傷つ*", "傷つく")]),
        ("人々は苦しんだが、苦しい日々だった。", [("苦し*", "苦しん"), ("苦し*", "苦しい")]),
        ("北朝鮮が発射した。", [("北朝*", "北朝鮮")]),
        ("自傷行為は傷付けたとは書かない。", []),  # inside a word; another spelling
        (
            "保護した。保護者会と保護主義。",
            [("保護", "保護"), ("保護者会", "保護者会"), ("保護", "保護")],
        ),
    ],
)
def test_glob_entries_match_inflected_forms_from_a_token_start(
    tmp_path: Path, text: str, expected: list[tuple[str, str]]
) -> None:
    assert _glob_hits(tmp_path, text) == expected


def test_a_glob_ending_beyond_a_plain_entry_wins(tmp_path: Path) -> None:
    lex = write_lexicon(
        tmp_path,
        "g",
        "entries:\n"
        "  - {term: 北, category: plain, note: n}\n"
        "  - {term: 北朝*, category: glob, note: n}\n",
    )
    text = "北朝鮮と北の国。"
    clean = CleanText(text=text, sentences=[(0, len(text))])
    hits = find_hits(clean, [tokenize_columns(text)], [lex])
    assert [(h.category, h.matched) for h in hits] == [("glob", "北朝鮮"), ("plain", "北")]


def reference_glob_matches(surfaces: list[str], stem: str) -> list[tuple[int, int]]:
    """Left to right: from each token start whose joined surfaces begin with the stem, the
    tokens up to the one in which it ends."""
    found, i = [], 0
    while i < len(surfaces):
        run = "".join(surfaces[i:])
        if run.startswith(stem):
            j, length = i, 0
            while length < len(stem):
                length += len(surfaces[j])
                j += 1
            found.append((i, j))
            i = j
        else:
            i += 1
    return found


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(
        st.sampled_from(["傷", "つ", "傷つ", "けた", "傷つけ", "い", "た", "自", "北朝鮮"])
    ),
    stem=st.sampled_from(["傷つ", "傷", "傷つけ", "つけ", "北朝", "傷つけた"]),
)
def test_glob_matcher_finds_what_the_rule_says(
    tmp_path_factory: pytest.TempPathFactory, pieces: list[str], stem: str
) -> None:
    lex = write_lexicon(
        tmp_path_factory.mktemp("g"),
        "g",
        f"entries:\n  - {{term: {stem}*, category: g, note: n}}\n",
    )
    text = "".join(pieces) + "。"
    cols = tokenize_columns(text)
    got = [(a, b) for _, _, a, b in match_sentence(cols.lemmas, Matcher([lex]), cols.surfaces)]
    assert got == reference_glob_matches(cols.surfaces, stem)
