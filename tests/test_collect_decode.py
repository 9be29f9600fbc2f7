"""pipeline/collect/decode.py: HTTP charset, then <meta>, then detection."""

from __future__ import annotations

import pytest

from pipeline.collect.decode import declared_charsets, decode_page

TEXT = "ロシアと北朝鮮の首脳会談について、高橋記者が順に伝える。〜終〜"
VENDOR = "①から順に伝える。"  # not in JIS X 0208: in Windows' cp932 and in EUC-JIS-2004


def _page(charset_meta: str = "", text: str = TEXT) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}">'
    return f"<html><head>{meta if charset_meta else ''}</head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize(
    ("encoding", "header", "meta"),
    [
        ("shift_jis", "text/html; charset=Shift_JIS", ""),
        ("shift_jis", "text/html", "Shift_JIS"),
        ("euc_jp", "text/html; charset=EUC-JP", ""),
        ("euc_jp", "text/html", "euc-jp"),
        ("utf-8", "text/html; charset=utf-8", "Shift_JIS"),  # the HTTP header wins
    ],
)
def test_declared_charsets_decode_japanese_pages(encoding, header, meta):
    text, used = decode_page(_page(meta).encode(encoding), header)
    assert TEXT in text  # 〜 stays the wave dash
    assert used.replace("-", "_") == encoding.replace("-", "_")


@pytest.mark.parametrize(
    ("encoding", "label"), [("cp932", "Shift_JIS"), ("euc_jis_2004", "EUC-JP")]
)
def test_vendor_characters_decode_with_the_superset(encoding, label):
    raw = _page(label, VENDOR).encode(encoding)
    assert VENDOR in decode_page(raw, "text/html")[0]


def test_a_wrong_label_falls_back_to_detection():
    text, used = decode_page(_page().encode("shift_jis"), "text/html; charset=utf-8")
    assert TEXT in text and used == "shift_jis"


def test_no_label_is_detected():
    assert TEXT in decode_page(_page().encode("euc_jp"), "text/html")[0]


def test_declared_charsets_order_and_unknown_labels():
    raw = b'<meta charset="euc-jp">'
    assert declared_charsets(raw, "text/html; charset=x-unknown") == ["euc_jp", "euc_jis_2004"]
    assert declared_charsets(raw, 'text/html; charset="Shift_JIS"') == [
        "shift_jis",
        "cp932",
        "euc_jp",
        "euc_jis_2004",
    ]
