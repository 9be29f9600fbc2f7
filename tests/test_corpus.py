"""Reading the corpus: encodings, broken files, HTML pages and manifest problems."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.analyze.article import analyze_article, analyze_text
from pipeline.analyze.lexicons import load_lexicon
from pipeline.ingest.article_text import (
    ArticleError,
    article_text,
    decode,
    html_to_text,
    looks_like_html,
)
from pipeline.ingest.clean import normalize
from pipeline.ingest.corpus import ArticleRef, CorpusError, read_article, read_manifest, safe_name

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "corpus" / "articles"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The two seeds made only of JIS X 0208 characters, so every Japanese encoding can hold them.
ENCODABLE = ("000_519a2c083e35e509.txt", "003_8ca8b2cce4400af0.txt")
HEADER = "id,file,source,title,author,published,url,language"

LEXICON = """\
frame: probe
entries:
  - term: 特別軍事作戦
    category: naming
    weight: 2
    note: Kremlin name for the war.
  - term: 軍事協力
    category: alliance
    note: military cooperation.
  - term: 支持
    category: support
    note: support.
  - term: 侵攻
    category: naming
    note: invasion.
  - term: 孤立
    category: isolation
    note: isolation.
"""


def seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def ref_for(path: Path) -> ArticleRef:
    return ArticleRef(id=path.stem, source="test", file=path.name, path=path, line=2)


def write_corpus(root: Path, rows: list[str], files: dict[str, bytes] | None = None) -> Path:
    """A corpus folder with ``manifest.csv`` made of ``rows`` and the given article files."""
    (root / "articles").mkdir(parents=True, exist_ok=True)
    for name, data in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def lexicons(tmp_path_factory: pytest.TempPathFactory) -> list:
    path = tmp_path_factory.mktemp("lex") / "probe.yaml"
    path.write_text(LEXICON, encoding="utf-8")
    return [load_lexicon(path)]


# --- encodings -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENCODABLE)
@pytest.mark.parametrize(
    ("codec", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("shift_jis", "shift_jis"),
        ("euc_jp", "euc_jp"),
        ("iso2022_jp", "iso2022_jp"),
    ],
)
def test_seed_decodes_to_the_utf8_original(name: str, codec: str, expected: str) -> None:
    original = seed_text(name)
    text, encoding = decode(original.encode(codec))
    assert text == original
    assert encoding == expected


@pytest.mark.parametrize("codec", ["shift_jis", "euc_jp"])
@pytest.mark.parametrize("name", ENCODABLE)
def test_legacy_copy_read_from_disk_gives_identical_hits(
    tmp_path: Path, lexicons: list, name: str, codec: str
) -> None:
    original = seed_text(name)
    path = tmp_path / f"{codec}.txt"
    path.write_bytes(original.encode(codec))
    text, encoding = read_article(ref_for(path))
    assert (text, encoding) == (original, codec)
    _, _, expected = analyze_text(original, lexicons)
    _, _, got = analyze_text(text, lexicons)
    assert expected, "the probe lexicon should match something in the seed"
    assert got == expected


SHORT = ["日本", "挑発", "ロシア", "北朝鮮", "こんにちは", "特別軍事作戦", "金正恩氏", "Putin訪朝"]


@pytest.mark.parametrize("codec", ["shift_jis", "euc_jp", "iso2022_jp", "utf-8", "utf-16"])
@pytest.mark.parametrize("text", SHORT)
def test_short_texts_are_not_misread(text: str, codec: str) -> None:
    decoded, encoding = decode(text.encode(codec))
    assert decoded == text
    assert encoding.replace("-", "_").startswith(codec.replace("-", "_"))


def test_cp932_only_characters_are_read_as_cp932() -> None:
    text = "①北朝鮮と㈱ロシア商事が合意した。"
    assert decode(text.encode("cp932")) == (text, "cp932")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_text_not_binary(codec: str) -> None:
    original = seed_text(ENCODABLE[1])
    assert decode(original.encode(codec)) == (original, codec)


def test_latin_text_in_utf8_stays_utf8() -> None:
    assert decode("Müller, café, naïve".encode()) == ("Müller, café, naïve", "utf-8")


# --- broken files ----------------------------------------------------------------------

BROKEN = {
    "empty": (b"", "empty file"),
    "whitespace": (b" \n\t\r\n  \n", "empty file"),
    "invisible": ("\ufeff\u200b\u3000\n".encode(), "empty file"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    "undecodable": (b"\xfd\xfe\xff" * 40, "undecodable"),
    "undecodable_pairs": (b"\x81\x7f" * 40, "undecodable"),
    "bad_utf8_after_bom": (b"\xef\xbb\xbf\xe3\x81\x82\xff\xfe", "undecodable"),
    "html_chrome_only": (
        b"<html><body><nav><p>menu</p></nav><footer><p>(c)</p></footer></body></html>",
        "HTML",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_raises_article_error_with_reason(tmp_path: Path, case: str) -> None:
    data, reason = BROKEN[case]
    path = tmp_path / f"{case}.txt"
    path.write_bytes(data)
    with pytest.raises(ArticleError, match=reason):
        read_article(ref_for(path))


def test_corrupt_byte_in_shift_jis_names_where_decoding_fails() -> None:
    raw = seed_text(ENCODABLE[1]).encode("shift_jis")
    with pytest.raises(ArticleError, match=r"CP932 at byte 500"):
        decode(raw[:500] + b"\x81\x7f" + raw[500:])


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes("北朝鮮".encode() * 100)
    with pytest.raises(ArticleError, match="900 bytes, over the 899-byte limit"):
        read_article(ref_for(path), max_bytes=899)
    assert read_article(ref_for(path), max_bytes=900)[0] == "北朝鮮" * 100


def test_missing_file_is_an_article_error(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="cannot read"):
        read_article(ref_for(tmp_path / "gone.txt"))


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_stops_analysis_with_article_error_only(
    tmp_path: Path, lexicons: list, case: str
) -> None:
    path = tmp_path / f"{case}.txt"
    path.write_bytes(BROKEN[case][0])
    with pytest.raises(ArticleError):
        analyze_article(ref_for(path), lexicons, 1_000_000)


def test_legacy_encoding_is_recorded_by_the_analysis(tmp_path: Path, lexicons: list) -> None:
    path = tmp_path / "good.txt"
    path.write_bytes(seed_text(ENCODABLE[0]).encode("euc_jp"))
    assert analyze_article(ref_for(path), lexicons, 1_000_000).encoding == "euc_jp"


# --- HTML ------------------------------------------------------------------------------


def test_saved_html_page_keeps_article_paragraphs_only(tmp_path: Path) -> None:
    page = (FIXTURES / "saved_page.html").read_bytes()
    path = tmp_path / "page.txt"
    path.write_bytes(page)
    text, encoding = read_article(ref_for(path))
    assert encoding == "utf-8+html"
    lines = text.split("\n")
    assert "プーチン氏、北朝鮮を訪問" in lines
    assert (
        "ロシアのプーチン大統領は18日から北朝鮮を訪問する。ウクライナ侵略が長期化し"
        "欧米諸国からの制裁が強まる中、外交面での孤立を回避する狙いがある。" in lines
    )
    assert "北朝鮮外務省は「ロシアの特別軍事作戦を全面的に支持する」と表明した。" in lines
    assert "米国&韓国は強く反発している。" in lines
    assert "われわれは常に同じ塹壕に立つ。" in lines
    assert "共同声明が焦点となる。" in lines
    for chrome in (
        "トップ",
        "サンプル新聞デジタル",
        "スクリプト",
        "広告テキスト",
        "握手する両首脳",
        "あわせて読みたい",
        "Copyright",
        "JavaScript",
        "dataLayer",
    ):
        assert chrome not in text
    assert not re.search(r"[<>]", text)


def test_html_markup_never_reaches_the_tokenizer(lexicons: list) -> None:
    page = (FIXTURES / "saved_page.html").read_text(encoding="utf-8")
    text, encoding = article_text(page.replace("©", "(c)").encode("shift_jis"))
    assert encoding == "shift_jis+html"
    _, sentence_tokens, hits = analyze_text(text, lexicons)
    surfaces = [t.surface for s in sentence_tokens for t in s]
    assert surfaces
    assert not any(ch in s for s in surfaces for ch in "<>")
    assert not {"html", "div", "script", "href", "nbsp", "amp"} & {s.lower() for s in surfaces}
    assert any(h.term == "特別軍事作戦" and h.voice == "quoted" for h in hits)


def test_html_detected_in_legacy_encoding_records_both() -> None:
    page = "<html><body><p>北朝鮮はロシアを支持する。</p></body></html>"
    assert article_text(page.encode("euc_jp")) == ("北朝鮮はロシアを支持する。", "euc_jp+html")


def test_html_without_paragraph_tags_keeps_visible_text() -> None:
    page = "<div>第一行です。<br>第二行です。</div><script>x()</script><div>第三行。</div>"
    assert html_to_text(page) == "第一行です。\n第二行です。\n第三行。"


def test_unclosed_paragraphs_and_entities() -> None:
    page = "<body><p>一つ目&lt;注&gt;<p>二つ目&nbsp;です<div>囲み</div></body>"
    assert html_to_text(page).split("\n")[:2] == ["一つ目<注>", "二つ目 です"]


@pytest.mark.parametrize(
    ("text", "is_html"),
    [
        ("<!DOCTYPE html><title>x</title>", True),
        ("本文。<p>段落</p>", True),
        ("<DIV class='a'>x</DIV>", True),
        ("<br/>改行", True),
        ("1 < 2 かつ 3 > 2 である。", False),
        ("<参考資料>北朝鮮", False),
        ("a<b and c>d", False),
    ],
)
def test_looks_like_html(text: str, is_html: bool) -> None:
    assert looks_like_html(text) is is_html


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_html_to_text_never_raises_and_leaves_no_tags(text: str) -> None:
    out = html_to_text("<html><body><p>" + text + "</p></body></html>")
    assert "<p>" not in out.lower()


# --- manifest --------------------------------------------------------------------------


def good_row(aid: str, file: str, published: str = "2024-06-19") -> str:
    return f"{aid},{file},Source,Title,Author,{published},,ja"


def seed_files(*names: str) -> dict[str, bytes]:
    return {f"articles/{n}": "北朝鮮の記事。".encode() for n in names}


def test_good_manifest_reads_every_row(tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path,
        [HEADER, good_row("a", "articles/a.txt"), good_row("b", "articles/b.txt")],
        seed_files("a.txt", "b.txt"),
    )
    m = read_manifest(corpus)
    assert [(a.id, a.line, a.published) for a in m.articles] == [
        ("a", 2, "2024-06-19"),
        ("b", 3, "2024-06-19"),
    ]
    assert m.quarantined == [] and m.warnings == []


def only_quarantined(corpus: Path):
    m = read_manifest(corpus)
    assert len(m.quarantined) == 1, m.quarantined
    return m, m.quarantined[0]


def test_missing_file(tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path,
        [HEADER, good_row("a", "articles/a.txt"), good_row("b", "articles/nope.txt")],
        seed_files("a.txt"),
    )
    m, q = only_quarantined(corpus)
    assert (q.article_id, q.line) == ("b", 3)
    assert "manifest line 3" in q.reason and "not found" in q.reason and "nope.txt" in q.reason
    assert [a.id for a in m.articles] == ["a"]


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path,
        [HEADER, good_row("a", "articles/a.txt"), good_row("a", "articles/b.txt")],
        seed_files("a.txt", "b.txt"),
    )
    m, q = only_quarantined(corpus)
    assert q.line == 3
    assert "manifest line 3" in q.reason and "duplicate id" in q.reason and "line 2" in q.reason
    assert [a.file for a in m.articles] == ["articles/a.txt"]


def test_missing_source(tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path, [HEADER, "a,articles/a.txt,,Title,,2024-06-19,,ja"], seed_files("a.txt")
    )
    m, q = only_quarantined(corpus)
    assert "manifest line 2" in q.reason and "source" in q.reason
    assert m.articles == []


def test_empty_id(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path, [HEADER, good_row("", "articles/a.txt")], seed_files("a.txt"))
    _, q = only_quarantined(corpus)
    assert q.article_id == "line-2"
    assert "manifest line 2" in q.reason and "empty id" in q.reason


def test_unparseable_date_is_a_warning_and_left_empty(tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path,
        [
            HEADER,
            good_row("a", "articles/a.txt", "next Tuesday"),
            good_row("b", "articles/b.txt", "2024-02-30"),
            good_row("c", "articles/c.txt", "2024年6月9日"),
            good_row("d", "articles/d.txt", "2024/06/19 10:00"),
        ],
        seed_files("a.txt", "b.txt", "c.txt", "d.txt"),
    )
    m = read_manifest(corpus)
    assert [(a.id, a.published) for a in m.articles] == [
        ("a", ""),
        ("b", ""),
        ("c", "2024-06-09"),
        ("d", "2024-06-19"),
    ]
    assert len(m.warnings) == 2
    assert "manifest.csv:2:" in m.warnings[0] and "next Tuesday" in m.warnings[0]
    assert "manifest.csv:3:" in m.warnings[1] and "2024-02-30" in m.warnings[1]


def test_misspelt_column_is_a_warning_other_extra_columns_are_meta(tmp_path: Path) -> None:
    header = "id,file,source,title,author,publshed,url,language,perspective"
    corpus = write_corpus(
        tmp_path, [header, "a,articles/a.txt,S,T,A,2024-06-19,,ja,pro_moscow"], seed_files("a.txt")
    )
    m = read_manifest(corpus)
    assert len(m.warnings) == 1
    assert "manifest.csv:1:" in m.warnings[0]
    assert "'publshed'" in m.warnings[0] and "'published'" in m.warnings[0]
    assert m.articles[0].meta == {"publshed": "2024-06-19", "perspective": "pro_moscow"}
    assert m.articles[0].published == ""


def test_file_on_disk_but_not_in_manifest_is_a_warning(tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path, [HEADER, good_row("a", "articles/a.txt")], seed_files("a.txt", "stray.txt")
    )
    m = read_manifest(corpus)
    assert len(m.warnings) == 1
    assert "stray.txt" in m.warnings[0] and "not in the manifest" in m.warnings[0]


@pytest.mark.parametrize("file", ["../../etc/passwd", "/etc/passwd", "articles/../../outside.txt"])
def test_path_escaping_the_corpus_is_quarantined(tmp_path: Path, file: str) -> None:
    (tmp_path / "outside.txt").write_text("外の記事。", encoding="utf-8")
    corpus = write_corpus(tmp_path / "corpus", [HEADER, good_row("evil", file)])
    m, q = only_quarantined(corpus)
    assert "manifest line 2" in q.reason and "not inside the corpus folder" in q.reason
    assert m.articles == []


def test_symlink_out_of_the_corpus_is_quarantined(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("秘密", encoding="utf-8")
    corpus = write_corpus(tmp_path / "corpus", [HEADER, good_row("link", "articles/link.txt")])
    (corpus / "articles" / "link.txt").symlink_to(secret)
    _, q = only_quarantined(corpus)
    assert "not inside the corpus folder" in q.reason


def test_same_file_twice_is_quarantined(tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path,
        [HEADER, good_row("a", "articles/a.txt"), good_row("b", "articles/./a.txt")],
        seed_files("a.txt"),
    )
    _, q = only_quarantined(corpus)
    assert q.article_id == "b" and "same file as line 2" in q.reason


def test_blank_and_multiline_rows_keep_true_line_numbers(tmp_path: Path) -> None:
    rows = [
        HEADER,
        "",
        'a,articles/a.txt,Source,"a title',
        'on two lines",Author,2024-06-19,,ja',
        "",
        good_row("b", "articles/missing.txt"),
    ]
    corpus = write_corpus(tmp_path, rows, seed_files("a.txt"))
    m, q = only_quarantined(corpus)
    assert (m.articles[0].line, m.articles[0].title) == (3, "a title\non two lines")
    assert q.line == 6 and "manifest line 6" in q.reason


def test_header_after_blank_lines_and_crlf(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.txt").write_text("記事。", encoding="utf-8")
    text = "\r\n\r\n" + HEADER + "\r\n" + good_row("a", "articles/a.txt") + "\r\n"
    (tmp_path / "manifest.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    m = read_manifest(tmp_path)
    assert [(a.id, a.line, a.language) for a in m.articles] == [("a", 4, "ja")]


def test_row_with_more_fields_than_header_is_a_warning(tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path,
        [HEADER, "a,articles/a.txt,Source,Hello, world,Author,2024-06-19,,ja"],
        seed_files("a.txt"),
    )
    m = read_manifest(corpus)
    assert any("manifest.csv:2:" in w and "more than the header" in w for w in m.warnings)


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("file,source,title", "'id'"),
        ("id,file,title", "'source'"),
        ("ID,File,source", "'id' (found 'ID'?)"),
    ],
)
def test_missing_required_columns_stop_the_run(tmp_path: Path, header: str, missing: str) -> None:
    corpus = write_corpus(tmp_path, [header, "x,articles/a.txt,S"], seed_files("a.txt"))
    with pytest.raises(CorpusError, match=re.escape(missing)) as err:
        read_manifest(corpus)
    assert "manifest.csv:1:" in str(err.value)


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xef\xbb\xbf"])
def test_empty_manifest_stops_the_run(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "manifest.csv").write_bytes(content)
    with pytest.raises(CorpusError, match="lacks column"):
        read_manifest(tmp_path)


def test_no_manifest_or_no_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        read_manifest(tmp_path / "nothing")
    with pytest.raises(CorpusError, match=r"no manifest\.csv"):
        read_manifest(tmp_path)


def test_manifest_saved_as_cp932_is_read_with_a_warning(tmp_path: Path) -> None:
    corpus = tmp_path
    (corpus / "articles").mkdir()
    (corpus / "articles" / "a.txt").write_text("記事。", encoding="utf-8")
    manifest = f"{HEADER}\na,articles/a.txt,日本経済新聞,北朝鮮の記事,甲原潤之介,2024-06-17,,ja\n"
    (corpus / "manifest.csv").write_bytes(manifest.encode("cp932"))
    m = read_manifest(corpus)
    assert (m.articles[0].source, m.articles[0].author) == ("日本経済新聞", "甲原潤之介")
    assert any("save it as UTF-8" in w for w in m.warnings)


def test_the_seed_manifest_is_clean() -> None:
    m = read_manifest(ROOT / "corpus")
    assert len(m.articles) == len(list(SEEDS.glob("*.txt")))
    assert m.quarantined == [] and m.warnings == []


# --- safe names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "aid", ["../../etc", "..", ".", "a/b", "/abs", "a\\..\\b", "x..y", "記事1"]
)
def test_safe_name_cannot_leave_its_folder(aid: str) -> None:
    name = safe_name(aid)
    assert "/" not in name and "\\" not in name and ".." not in name
    assert name and not name.startswith((".", "-"))


def test_safe_name_keeps_plain_ids_and_separates_others() -> None:
    assert safe_name("valdai-2024-03-26") == "valdai-2024-03-26"
    assert safe_name("../../etc") != safe_name("etc")
    assert safe_name("a/b") != safe_name("a-b")


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_safe_name_is_always_a_plain_file_name(aid: str) -> None:
    name = safe_name(aid)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name), name
    assert ".." not in name and len(name) <= 100


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_decode_or_raise_article_error(raw: bytes) -> None:
    try:
        text, encoding = article_text(raw)
    except ArticleError as exc:
        assert str(exc)
    else:
        assert encoding and normalize(text).strip()


@pytest.mark.parametrize(
    "pair",
    [
        ("a/b", "a-b"),
        ("A1", "a1"),
        ("Report-1", "report-1"),
        ("x y", "x-y"),
        ("記事1", "記事2"),
        ("a..b", "a.b"),
        ("nul", "NUL"),
        ("abc.", "abc"),
    ],
)
def test_distinct_ids_never_share_a_text_file_even_case_folded(pair: tuple[str, str]) -> None:
    a, b = (safe_name(x) for x in pair)
    assert a.lower() != b.lower()


def test_an_id_in_the_shape_of_a_hashed_name_cannot_take_its_file() -> None:
    hashed = safe_name("x y")
    assert hashed.startswith("x-y--")
    assert safe_name(hashed) != hashed, "the forged id is hashed in turn"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30))
def test_safe_names_are_injective_case_insensitively(a: str, b: str) -> None:
    if a != b:
        assert safe_name(a).lower() != safe_name(b).lower()
