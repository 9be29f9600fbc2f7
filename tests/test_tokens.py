"""Tokens: lemma clean-up, offsets that always point at the surface, content tokens."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.analyze import tokens as tokens_module
from pipeline.analyze.tokens import (
    MECAB_SPACE,
    Token,
    TokenColumns,
    clean_lemma,
    lemmas,
    release_dictionary,
    restore_columns,
    tokenize,
    tokenize_columns,
    tokenize_spans,
    versions,
)
from pipeline.ingest.clean import clean_article, normalize

SEEDS = Path(__file__).resolve().parents[1] / "corpus" / "articles"


@pytest.mark.parametrize(
    ("lemma", "expected"),
    [
        ("コンピューター-computer", "コンピューター"),
        ("ミサイル-missile", "ミサイル"),
        ("ベトナム-Viet Nam", "ベトナム"),
        ("エリツィン-El'tsin", "エリツィン"),
        ("プーチン-外国", "プーチン"),
        ("私-代名詞", "私"),
        ("ポスト-post（郵便）", "ポスト"),
        ("イスト--ist", "イスト"),
        ("為る", "為る"),
        ("-", "-"),
        ("F-16", "F-16"),
        ("COVID-19", "COVID-19"),
    ],
)
def test_clean_lemma(lemma: str, expected: str) -> None:
    assert clean_lemma(lemma) == expected


def test_loanword_lemma_has_no_gloss() -> None:
    tokens = tokenize("コンピューターを使う")
    assert tokens[0].surface == "コンピューター"
    assert tokens[0].lemma == "コンピューター"
    assert lemmas("ミサイルとパートナー") == ("ミサイル", "と", "パートナー")


def test_seed_lemmas_carry_no_unidic_subclass() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        for token in tokenize(normalize(path.read_text(encoding="utf-8"))):
            head, sep, _ = token.lemma.partition("-")
            assert not sep or not head or head.isascii(), token


def test_inflected_forms_share_a_lemma() -> None:
    assert lemmas("挑発した")[:2] == lemmas("挑発する")
    assert lemmas("挑発しない")[:2] == lemmas("挑発する")


def assert_spans(text: str, tokens: list[Token]) -> None:
    end = 0
    for t in tokens:
        assert text[t.start : t.end] == t.surface, t
        assert end <= t.start < t.end
        end = t.end


OFFSET_CASES = {
    "spaces": "ロシア は 北朝鮮 を  訪問 した 。",
    "tabs": "ロシア\tは\t\t北朝鮮を訪問した。",
    "ideographic_space": "ロシア\u3000北朝鮮\u3000訪問",
    "emoji": "北朝鮮😀を訪問👨\u200d👩\u200d👧した🇯🇵。",
    "halfwidth_after_nfkc": normalize("ﾛｼｱのﾌﾟｰﾁﾝ大統領がｷﾑ総書記と会談"),
    "halfwidth_raw": "ﾛｼｱのﾌﾟｰﾁﾝ大統領",
    "mixed_scripts": "NATOとCOVID-19、F-16戦闘機(米国製)と“特別軍事作戦”",
    "newlines": "一行目。\n二行目\r\n三行目",
    "nul_and_controls": "前\x00後\x07鐘\x1b[0m色",
    "lone_surrogate": "前\ud800後",
    "eos_word": "EOS EOS\tEOS",
    "long_line": "ロシアは特別軍事作戦を続けている、" * 2000,
    "long_latin": "a" * 5000,
}


@pytest.mark.parametrize("case", sorted(OFFSET_CASES))
def test_token_span_is_its_surface(case: str) -> None:
    text = OFFSET_CASES[case]
    tokens = tokenize(text)
    assert tokens
    assert_spans(text, tokens)


def test_offset_shifts_every_span() -> None:
    prefix = "前置きの文。"
    text = prefix + "ロシアは北朝鮮を訪問した。"
    tokens = tokenize(text[len(prefix) :], offset=len(prefix))
    assert_spans(text, tokens)
    assert tokens[0].start == len(prefix)


def test_surfaces_cover_ordinary_text_without_gaps() -> None:
    text = normalize((SEEDS / "004_477b8dd1b24ceb36.txt").read_text(encoding="utf-8"))
    tokens = tokenize(text)
    assert "".join(t.surface for t in tokens) == "".join(text.split())


def test_seed_sentences_tokenize_with_exact_spans() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        clean = clean_article(path.read_text(encoding="utf-8"))
        for a, b in clean.sentences:
            assert_spans(clean.text, tokenize(clean.text[a:b], offset=a))


def test_content_tokens_leave_out_punctuation_symbols_and_space() -> None:
    tokens = tokenize("ロシアは、「特別軍事作戦」を続けた!\u3000(注)…※")
    content = [t.surface for t in tokens if t.is_content]
    assert content == ["ロシア", "は", "特別", "軍事", "作戦", "を", "続け", "た", "注"]
    assert {t.pos for t in tokens if not t.is_content} <= {"補助記号", "記号", "空白"}
    assert any(t.pos == "空白" for t in tokens)


def test_blank_text_has_no_tokens() -> None:
    assert tokenize("") == [] and tokenize(" \n\t\u3000") == []


def test_versions_name_the_tokenizer_parts() -> None:
    v = versions()
    assert v["fugashi"] and v["unidic_lite"] and "%f[7]" in v["mecab_format"]


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_any_text_tokenizes_with_exact_spans(text: str) -> None:
    assert_spans(text, tokenize(text))
    normalized = normalize(text)
    assert_spans(normalized, tokenize(normalized))


# --- columns ----------------------------------------------------------------------------


def test_mecab_skips_exactly_its_white_space() -> None:
    """The offsets rest on MeCab skipping MECAB_SPACE and no other character."""
    probe = [chr(c) for c in range(1, 0x2100) if not 0xD800 <= c < 0xE000] + ["\u3000", "\ufeff"]
    skipped = {c for c in probe if [t.surface for t in tokenize(f"前{c}後")] == ["前", "後"]}
    assert skipped == set(MECAB_SPACE)


@pytest.mark.parametrize(
    ("text", "last"),
    [
        ("前\r", "\r"),
        ("前\ufeff\r", "\ufeff\r"),
        ("前\x1c", "\x1c"),
        ("前\x85", "\x85"),
        ("ロシア\u2028", "\u2028"),
        ("F-16\x0c", "\x0c"),
        (" 前 ", "前"),
        ("\x0b前\x0b後\x0b", "後"),
        ("前\x00", "前"),
    ],
)
def test_last_token_keeps_characters_python_calls_white_space(text: str, last: str) -> None:
    """MeCab makes tokens of \\r, \\x1c, …; fugashi strips white space off its output."""
    tokens = tokenize(text, 3)
    assert_spans("..." + text, tokens)
    assert (tokens[-1].surface, tokens[-1].lemma) == (last, last)


def test_vertical_tab_is_white_space_not_a_field_separator() -> None:
    tokens = tokenize("ロシア\x0bは\x0b\x0b北朝鮮を訪問")
    assert [t.surface for t in tokens] == ["ロシア", "は", "北朝鮮", "を", "訪問"]
    assert [t.lemma for t in tokens][:3] == ["ロシア", "は", "北朝鮮"]
    assert_spans("ロシア\x0bは\x0b\x0b北朝鮮を訪問", tokens)


def test_columns_hold_the_tokens() -> None:
    text = "ロシア は、「特別\u3000軍事作戦」をF-16で続けた。"
    columns = tokenize_columns(text, 5)
    tokens = tokenize(text, 5)
    assert len(columns) == len(tokens) > 10
    assert columns.tokens() == list(columns) == tokens
    assert TokenColumns.from_tokens(tokens) == columns
    without = columns.without("空白")
    assert without.tokens() == [t for t in tokens if t.pos != "空白"]
    assert len(without) == len(columns) - 1
    assert tokenize_columns(" \n") == TokenColumns([], [], [], [], [])


@settings(max_examples=200, deadline=None)
@given(st.text(), st.integers(0, 1000))
def test_restore_columns_gives_back_what_tokenize_gave(text: str, offset: int) -> None:
    columns = tokenize_columns(text, offset)
    restored = restore_columns(text, offset, columns.ends, columns.lemmas, columns.pos)
    assert restored == columns


@settings(max_examples=200, deadline=None)
@given(st.text(), st.lists(st.integers(0, 60), max_size=6))
def test_tokenize_spans_is_tokenize_columns_span_by_span(text: str, cuts: list[int]) -> None:
    bounds = sorted({min(c, len(text)) for c in cuts} | {0, len(text)})
    spans = list(pairwise(bounds))
    expected = [tokenize_columns(text[a:b], a) for a, b in spans]
    assert tokenize_spans(text, spans) == expected


def test_blank_is_python_white_space_even_next_to_unparsable_characters() -> None:
    assert tokenize("\u3000") == []
    assert tokenize_spans("x\u3000", [(1, 2)]) == [tokenize_columns("")]
    (token,) = tokenize("\u3000\ud800")
    assert (token.surface, token.pos) == ("\u3000", "空白")
    assert tokenize_spans("x\u3000\ud800", [(1, 3)])[0].tokens() == tokenize("\u3000\ud800", 1)


def test_a_full_piece_table_changes_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "ロシアは F-16 と\u3000コンピューターを使う。"
    expected = tokenize(text, 2)
    monkeypatch.setattr(tokens_module, "_PIECES", tokens_module._Pieces())
    monkeypatch.setattr(tokens_module, "_PIECES_MAX", 0)
    assert tokenize(text, 2) == expected
    assert len(tokens_module._PIECES) == 0


def _dictionary_resident_kb() -> int:
    """Resident kB of the unidic-lite files this process maps (from /proc/self/smaps)."""
    import unidic_lite

    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split(maxsplit=5)
        if len(head) == 6 and "-" in head[0] and ":" in head[3]:
            inside = head[5].startswith(unidic_lite.DICDIR)
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="reads Linux's /proc")
def test_release_dictionary_gives_back_its_pages_and_parsing_goes_on():
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    first = tokenize_columns(text)
    resident = _dictionary_resident_kb()
    assert resident > 1024  # the parse touched at least a MB of the dictionary
    assert release_dictionary() > 0
    assert _dictionary_resident_kb() < resident / 4
    assert tokenize_columns(text) == first
