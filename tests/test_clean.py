"""Cleaning: what is removed from the five seed articles, quotes, sentences, normalisation."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ingest.clean import (
    _BIO,
    _BIO_TRIGGER,
    _CONTROL,
    _LINE_RULES,
    _LINE_TRIGGER,
    CleanText,
    classify_line,
    clean_article,
    find_quotes,
    normalize,
    split_sentences,
)

SEEDS = Path(__file__).resolve().parents[1] / "corpus" / "articles"
SEED_LINES = [
    [line.strip() for line in normalize(p.read_text(encoding="utf-8")).split("\n")]
    for p in sorted(SEEDS.glob("*.txt"))
]


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


# Lines a reader marks as not the article, by kind, read off the seed files themselves.
EXPECTED_REMOVED: dict[str, dict[int, str]] = {
    "000": {2: "byline", 3: "byline", 4: "dateline"},
    "001": {3: "caption", 47: "byline", 51: "comment_form", 53: "comment_form"},
    "002": {1: "byline", 6: "caption", 34: "bio"},
    "003": {
        1: "header",
        5: "byline",
        6: "caption",
        10: "related",
        34: "related",
        36: "byline",
        38: "bio",
        42: "advert",
        46: "advert",
        48: "advert",
        50: "related",
    },
    "004": {
        1: "caption",
        3: "byline",
        5: "related",
        45: "related",
        47: "related",
        48: "related",
        50: "disclaimer",
    },
}
# Lines removed whatever kind they are given (a caption in English, a bio in quotes, a
# newsletter pitch): each sits inside page furniture.
ALSO_REMOVED = {"000": set(), "001": {49}, "002": {5}, "003": {40, 44}, "004": set()}

# Sentences of the authors' own text that cleaning must keep.
KEPT = {
    "000": [
        "2023年9月13日にボストーチヌイ宇宙基地で行われた首脳会談で、北朝鮮の金正恩委員長は"
        "プーチン大統領を平壌に招待し、プーチン大統領はそれを受け入れた。",
        "私は、これらの重要な問題が、今後平壌で行われるハイレベル交渉でも注目されると確信している。",
        "一方、モスクワと北京は、前向きな国際的アジェンダを推進している。",
    ],
    "001": [
        "金氏は9月10日、馴染みの電車で出発した。",
        "プーチン氏は「この地域を保全するだけでなく、ロシアの利益のために開発し、"
        "その資源を活用する」ことを強調した。",
    ],
    "002": [
        "ロシア軍は、ウクライナに対する戦争で通常砲弾とミサイルを非常に必要としている。",
        "しかし、国際的に隔離された北朝鮮がロシアの政治的孤立を和らげることはまずできないだろう。",
    ],
    "003": [
        "北朝鮮外務省は金正恩(キム・ジョンウン)総書記訪露3周年(4月24日)の今日、"
        "ホームページにロシアとの関係を強化する記事を載せていた。",
        "米国やNATOがウクライナへの軍事的なテコ入れを強めている状況下にあって"
        "北朝鮮の静観、傍観は考えにくい。",
    ],
    "004": [
        "ロシアのプーチン大統領は18日から北朝鮮を訪問する。",
        "戦争が終われば北朝鮮との軍事協力より韓国との経済協力がロシアの国益に資すると訴え、"
        "北朝鮮に過度に接近しないよう働きかける。",
    ],
}


@pytest.fixture(scope="module")
def cleaned() -> dict[str, tuple[str, CleanText]]:
    return {p: (seed(p), clean_article(seed(p))) for p in EXPECTED_REMOVED}


@pytest.mark.parametrize("prefix", sorted(EXPECTED_REMOVED))
def test_boilerplate_is_removed_with_kind_and_line(cleaned: dict, prefix: str) -> None:
    _, clean = cleaned[prefix]
    by_line = {r.line: r.kind for r in clean.removed}
    for line, kind in EXPECTED_REMOVED[prefix].items():
        assert by_line.get(line) == kind, (line, by_line.get(line))
    assert ALSO_REMOVED[prefix] <= set(by_line)
    assert set(by_line) == set(EXPECTED_REMOVED[prefix]) | ALSO_REMOVED[prefix]


@pytest.mark.parametrize("prefix", sorted(KEPT))
def test_key_sentences_are_kept(cleaned: dict, prefix: str) -> None:
    _, clean = cleaned[prefix]
    for sentence in KEPT[prefix]:
        assert normalize(sentence) in clean.text


@pytest.mark.parametrize("prefix", sorted(EXPECTED_REMOVED))
def test_every_line_is_either_kept_or_recorded(cleaned: dict, prefix: str) -> None:
    raw, clean = cleaned[prefix]
    kept = clean.text.split("\n")
    removed = {r.line: r for r in clean.removed}
    for number, line in enumerate(normalize(raw).split("\n"), start=1):
        if not line.strip():
            continue
        if number in removed:
            assert removed[number].text in line.strip()
            if removed[number].text == line.strip():
                assert line.strip() not in kept
        else:
            assert line.strip() in kept


@pytest.mark.parametrize("prefix", sorted(EXPECTED_REMOVED))
def test_seed_texts_carry_no_page_furniture(cleaned: dict, prefix: str) -> None:
    _, clean = cleaned[prefix]
    for marker in (
        "コメントを残す",
        "税込",
        "関連記事",
        "鄭重声明",
        "Image credit",
        "写真:",
        "参考資料",
        "【ソウル=",
    ):
        assert marker not in clean.text


def test_inline_byline_is_cut_from_its_paragraph() -> None:
    clean = clean_article("【ソウル=甲原潤之介】ロシアの大統領は北朝鮮を訪問する。\n次の段落。")
    assert clean.text == "ロシアの大統領は北朝鮮を訪問する。\n次の段落。"
    assert [(r.line, r.kind, r.text) for r in clean.removed] == [
        (1, "byline", "【ソウル=甲原潤之介】")
    ]


def test_inline_byline_alone_leaves_no_empty_paragraph() -> None:
    clean = clean_article("【ソウル=甲原潤之介】\n本文です。")
    assert clean.text == "本文です。"


def test_tail_lines_keep_their_own_kind_when_they_have_one() -> None:
    body = "\n".join(f"本文の{i}番目の文です。" for i in range(10))
    tail = "\n".join(["コメントを残す", "ここは何かの文章です。", "無断転載を禁じます。"])
    clean = clean_article(body + "\n" + tail)
    assert [(r.line, r.kind) for r in clean.removed] == [
        (11, "comment_form"),
        (12, "tail"),
        (13, "disclaimer"),
    ]
    assert "ここは何か" not in clean.text


# --- quotes ----------------------------------------------------------------------------


def quoted(text: str) -> list[str]:
    return [text[a:b] for a, b in find_quotes(text)]


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("彼は「支持する」と述べた。", ["「支持する」"]),
        ("いわゆる『太平洋連合』が", ["『太平洋連合』"]),
        ("“特別軍事作戦”と呼ぶ", ["“特別軍事作戦”"]),
        ('宣言した: "ロシアに相手が現れた"。', ['"ロシアに相手が現れた"']),
        ("「a」と「b」", ["「a」", "「b」"]),
        ("「外『内』外」の後", ["「外『内』外」"]),
        ("「外“内『深い』内”外」", ["「外“内『深い』内”外」"]),
        ("閉じない「引用が続く\n次の段落", ["「引用が続く"]),
        ("閉じない『内「二重\n次", ["『内「二重"]),
        ("余分な」閉じ括弧", []),
        ("「a」b」c", ["「a」"]),
        ("「外『内」外", ["「外『内」"]),
    ],
)
def test_find_quotes(text: str, spans: list[str]) -> None:
    assert quoted(text) == spans


def test_unbalanced_opener_stops_at_its_paragraph() -> None:
    text = "彼は「と言いかけた。\n地の文で特別軍事作戦と書く。"
    clean = clean_article(text)
    second = clean.text.index("特別軍事作戦")
    assert clean.in_quote(clean.text.index("言いかけた"))
    assert not clean.in_quote(second)


def test_seed_quote_spans_hold_the_quoted_words(cleaned: dict) -> None:
    _, clean = cleaned["004"]
    spans = [clean.text[a:b] for a, b in clean.quotes]
    assert "「北朝鮮は我々にとって友好的な国だ。2国間関係の発展の可能性は非常に深い」" in spans
    start = clean.text.index("北朝鮮は我々にとって")
    assert clean.in_quote(start)
    assert not clean.in_quote(clean.text.index("と記者団に述べた"))


# --- sentences -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("本当か?そうだ!\n次の段落 ", ["本当か?", "そうだ!", "次の段落"]),
        ("彼は「行く。」と言った。次だ。", ["彼は「行く。」と言った。", "次だ。"]),
        ("「行く。」って。", ["「行く。」って。"]),
        ("「行く。」\n次。", ["「行く。」", "次。"]),
        ("行った。とても良い。", ["行った。", "とても良い。"]),
        ("終わり。」次の文。", ["終わり。」", "次の文。"]),
    ],
)
def test_sentences_split_after_terminators_and_keep_closing_quotes(
    text: str, sentences: list[str]
) -> None:
    assert [text[a:b] for a, b in split_sentences(text)] == sentences


def assert_sentence_spans_tile(text: str, spans: list[tuple[int, int]]) -> None:
    pos = 0
    for a, b in spans:
        assert pos <= a < b <= len(text)
        assert not text[pos:a].strip()
        assert "\n" not in text[a:b]
        assert text[a:b] == text[a:b].strip()
        pos = b
    assert not text[pos:].strip()


@pytest.mark.parametrize("prefix", sorted(EXPECTED_REMOVED))
def test_seed_sentences_cover_the_text_in_order(cleaned: dict, prefix: str) -> None:
    _, clean = cleaned[prefix]
    assert len(clean.sentences) > 10
    assert_sentence_spans_tile(clean.text, clean.sentences)


# --- normalisation ---------------------------------------------------------------------


def test_normalize_nfkc_newlines_and_invisible_characters() -> None:
    raw = "ｶﾀｶﾅ\r\nＡＢＣ１２３\r（注）\u200b\ufeff\x00\x9b\u00ad\u202e\u3000終\u2028次\x85"
    assert normalize(raw) == "カタカナ\nABC123\n(注) 終\n次\n"


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_normalize_is_idempotent_and_leaves_only_newline_breaks(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert not set(once) & {"\r", "\x85", "\u2028", "\u2029", "\x00", "\x0b", "\x0c"}


TRICKY = st.sampled_from(["「", "」", "『", "』", "“", "”", '"', "。", "!", "?", "\n", " ", "\t"])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=20), TRICKY), max_size=60).map("".join))
def test_clean_article_spans_are_well_formed(raw: str) -> None:
    clean = clean_article(raw)
    assert_sentence_spans_tile(clean.text, clean.sentences)
    previous_end = 0
    for a, b in clean.quotes:
        assert previous_end <= a < b <= len(clean.text)
        assert "\n" not in clean.text[a:b]
        previous_end = b
    lines = normalize(raw).split("\n")
    for r in clean.removed:
        assert r.text and r.text in lines[r.line - 1]


# Pieces of what the line rules look for, in several cases and forms.
RULE_PIECES = st.sampled_from(
    [
        "コメントを残す", "コメント", "名前", "サイト", " *", "メールアドレス", "は必須項目です",
        "鄭重声明", "免責事項", "著作権は", "帰属", "転載は", "目的", "無断転載",
        "All rights reserved", "Copyright ©", "侵害行為があれば", "税込 100", "500 円 / 月",
        "初月無料", "購入済みの方", "ご購入", "有料記事", "会員登録", "購読はこちら",
        "ログインしてください", "メルマガ", "ニュースレター登録", "・", "● ", "【関連記事】",
        "(参考資料:", "参考資料:", "あわせて読みたい", "続きを読む", "おすすめ記事", "Related",
        "の最近の記事", "写真:", "画像 =", "撮影:", "PHOTO=", "Photo :", "image CREDIT:",
        "Creative Commons", "WIKICOMMONS", "wıkıcommonſ", "=", "＝", "ロイター", "共同", "AFP",
        "(", ")", "から", "記者", "特派員", "編集委員", "ジャーナリスト", "|", "2024年6月17日",
        "。", " ", "ſ", "\u212a", "İ", "ı",
    ]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(RULE_PIECES, st.text(max_size=4)), max_size=10).map("".join))
def test_a_line_that_a_rule_matches_has_a_trigger(line: str) -> None:
    """classify_line tries the rules only on lines with a trigger: it must lose none."""
    kinds = [kind for kind, pattern, _ in _LINE_RULES if pattern.search(line)]
    assert not kinds or _LINE_TRIGGER.search(line), kinds


# For every trigger, a line its rule matches that holds no other trigger.
TRIGGERED = [
    ("comment_form", "コメントを投稿"),
    ("comment_form", "メールアドレスが公開されることはありません"),
    ("comment_form", "この欄は必須項目です"),
    ("comment_form", "名前 *"),
    ("comment_form", "サイト"),
    ("disclaimer", "鄭重声明"),
    ("disclaimer", "免責事項"),
    ("disclaimer", "本文の著作権は作者に帰属します"),
    ("disclaimer", "無断転載を禁じます"),
    ("disclaimer", "All rights reserved"),
    ("disclaimer", "Copyright © 2024"),
    ("disclaimer", "侵害行為があれば連絡を"),
    ("advert", "税込 1000"),
    ("advert", "880円/月"),
    ("advert", "初月無料"),
    ("advert", "購入済みの方"),
    ("advert", "有料会員限定"),
    ("advert", "会員登録"),
    ("advert", "購読はこちら"),
    ("advert", "ログインしてください"),
    ("advert", "メルマガ"),
    ("advert", "ニュースレター登録"),
    ("related", "・関連記事"),
    ("related", "参考資料:北朝鮮の核"),
    ("related", "あわせて読みたい"),
    ("related", "続きを読む"),
    ("related", "おすすめ記事"),
    ("related", "Related"),
    ("related", "田中の最近の記事"),
    ("caption", "写真:北朝鮮"),
    ("caption", "画像:北朝鮮"),
    ("caption", "撮影:北朝鮮"),
    ("caption", "photo:"),
    ("caption", "pHoto:"),
    ("caption", "Photo:"),
    ("caption", "PHOTO:"),
    ("caption", "image credit:"),
    ("caption", "imAge credit:"),
    ("caption", "iMage credit:"),
    ("caption", "IMAGE CREDIT:"),
    ("caption", "creative commons"),
    ("caption", "wikicoMmons"),
    ("caption", "wikicomMons"),
    ("caption", "CREATIVE COMMONS"),
    ("caption", "平壌=ロイター"),
    ("caption", "平壌＝共同"),
    ("caption", "首脳会談(共同)"),
    ("byline", "田中記者"),
    ("byline", "東京特派員"),
    ("byline", "編集長"),
    ("byline", "編集委員"),
    ("byline", "論説委員"),
    ("byline", "ジャーナリスト"),
    ("byline", "| 2024年6月17日"),
]


@pytest.mark.parametrize(("kind", "line"), TRIGGERED)
def test_each_trigger_lets_its_rule_run(kind: str, line: str) -> None:
    (pattern,) = [p for k, p, _ in _LINE_RULES if k == kind]
    assert pattern.search(line)
    assert _LINE_TRIGGER.search(line)
    assert classify_line(line, 0, 10) is not None


BIO_TRIGGERED = [
    "東京生まれ。",
    "大阪出身。",
    "山田氏は大学の教授",
    "山田氏は研究所所長",
    "山田氏は研究員",
    "山田氏はフェロー",
    "山田氏は編集長を務める",
    "山田氏は記者。",
    "山田氏は特派員として",
    "山田氏はアナリスト",
    "山田氏は研究者",
    "山田氏は代表",
    "著書3冊",
    "要職を歴任",
    "学会会員。",
]


@pytest.mark.parametrize("line", BIO_TRIGGERED)
def test_each_bio_trigger_lets_the_bio_rule_run(line: str) -> None:
    assert _BIO.search(line) and _BIO_TRIGGER.search(line)
    assert classify_line(line, 9, 10) == "bio"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from([*BIO_TRIGGERED, "は", "、", "。", "「"]), st.text(max_size=4)),
        max_size=8,
    ).map("".join)
)
def test_a_line_that_the_bio_rule_matches_has_a_trigger(line: str) -> None:
    assert not _BIO.search(line) or _BIO_TRIGGER.search(line)


def test_seed_lines_with_a_rule_have_a_trigger() -> None:
    matched = [
        line
        for lines in SEED_LINES
        for line in lines
        if any(pattern.search(line) for _, pattern, _ in _LINE_RULES)
    ]
    assert len(matched) >= 15
    assert all(_LINE_TRIGGER.search(line) for line in matched)


def test_caption_trigger_letters_have_no_other_case_forms() -> None:
    """The caption trigger stands for Photo, Image, Commons in any case by ph, ma, mm."""
    letters = re.compile("[phma]", re.IGNORECASE)
    found = {chr(c) for c in range(0x110000) if letters.fullmatch(chr(c))}
    assert found == set("phmaPHMA")


MARKS = st.sampled_from(
    ["\n", "\r", "\r\n", "\x85", "\u2028", "\u2029", "e", "\u0301", "\u3099", "ｶ", "ﾞ", "가",
     "\u11a8", "\xa0", "㊨", "ﬁ", "Å", "\u212b", "\x00", "\u200b", "ﾛｼｱ"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(MARKS, st.text(max_size=4)), max_size=30).map("".join))
def test_normalize_is_nfkc_of_the_whole_text(text: str) -> None:
    """normalize() composes line by line; that must be NFKC of the text as one string."""
    whole = unicodedata.normalize("NFKC", _CONTROL.sub("", text))
    expected = re.sub(r"\r\n?|[\x85\u2028\u2029]", "\n", whole)
    assert normalize(text) == expected
