"""Decode a fetched HTML page: the HTTP charset, then the page's own ``<meta>`` charset,
then detection. Japanese outlets still serve Shift_JIS and EUC-JP pages.

A declared charset wins only when the bytes decode under it without error: servers and
templates do lie, and a wrong label would turn every article into mojibake.
"""

from __future__ import annotations

import codecs
import re

from pipeline.ingest.article_text import decode

_META = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE | re.DOTALL
)
_HEADER = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Japanese labels are read strictly first (Shift_JIS keeps 〜 as the wave dash, as browsers
# do), then with the Windows and JIS X 0213 supersets that hold the vendor and extra
# characters (①, ㈱, 髙) Japanese pages use.
_SUPERSETS = {
    "shift_jis": ("shift_jis", "cp932"),
    "x-sjis": ("shift_jis", "cp932"),
    "sjis": ("shift_jis", "cp932"),
    "ms_kanji": ("shift_jis", "cp932"),
    "windows-31j": ("cp932",),
    "euc-jp": ("euc_jp", "euc_jis_2004"),
    "x-euc-jp": ("euc_jp", "euc_jis_2004"),
    "iso-8859-1": ("cp1252",),
    "us-ascii": ("cp1252",),
}


def _codecs(label: str) -> list[str]:
    label = label.strip().lower()
    found = []
    for name in _SUPERSETS.get(label, (label,)):
        try:
            found.append(codecs.lookup(name).name)
        except LookupError:
            continue
    return found


def declared_charsets(raw: bytes, content_type: str) -> list[str]:
    """The charsets the response declares, HTTP header first, as Python codec names."""
    found = []
    header = _HEADER.search(content_type or "")
    if header:
        found.append(header[1])
    meta = _META.search(raw[:8192])
    if meta:
        found.append(meta[1].decode("ascii", "replace"))
    names = [name for label in found for name in _codecs(label)]
    return [c for i, c in enumerate(names) if c not in names[:i]]


def decode_page(raw: bytes, content_type: str = "") -> tuple[str, str]:
    """The page's text and the codec used; raise ArticleError if nothing reads it."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[3:].decode("utf-8", "replace"), "utf-8-sig"
    for name in declared_charsets(raw, content_type):
        try:
            return raw.decode(name), name
        except UnicodeDecodeError:
            continue
    return decode(raw)
