"""Tokens: lemma clean-up, offsets that always point at the surface, content tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean import clean_article, normalize
from pipeline.tokens import Token, clean_lemma, lemmas, tokenize, versions

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
