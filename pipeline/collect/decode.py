"""Decode a fetched HTML page: the HTTP charset, then the page's own ``<meta>`` charset,
then detection. Japanese outlets still serve Shift_JIS and EUC-JP pages.

A declared charset wins only when the bytes decode under it without error: servers and
templates do lie, and a wrong label would turn every article into mojibake.
"""

from __future__ import annotations

import codecs
import re

from pipeline.ingest.corpus import decode

_META = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE | re.DOTALL
)
_HEADER = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# The labels browsers treat as these encodings decode with their Windows supersets, which
# hold the vendor characters (①, ㈱, 髙) Japanese pages use.
_SUPERSETS = {
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "euc-jp": "euc_jis_2004",
    "x-euc-jp": "euc_jis_2004",
    "iso-8859-1": "cp1252",
    "us-ascii": "cp1252",
}


def _codec(label: str) -> str | None:
    label = label.strip().lower()
    label = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charsets(raw: bytes, content_type: str) -> list[str]:
    """The charsets the response declares, HTTP header first, as Python codec names."""
    found = []
    header = _HEADER.search(content_type or "")
    if header:
        found.append(header[1])
    meta = _META.search(raw[:8192])
    if meta:
        found.append(meta[1].decode("ascii", "replace"))
    codecs_ = [_codec(label) for label in found]
    return [c for i, c in enumerate(codecs_) if c and c not in codecs_[:i]]


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
