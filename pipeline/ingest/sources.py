"""Source names compared after Unicode normalisation: ＮＨＫ and NHK, or 東京　新聞 and
東京 新聞, are one outlet.

Two names are the same source when they are equal after NFKC (full-width letters and digits,
half-width katakana, compatibility forms) and with every run of white space folded to one
space and trimmed. Case is kept (a different case may be a different outlet). A corpus shows
each source with the first spelling it meets; every other spelling is a warning with its line.
"""

from __future__ import annotations

import unicodedata


def source_key(name: str) -> str:
    """What two spellings of one source have in common."""
    return " ".join(unicodedata.normalize("NFKC", name).split())


class SourceNames:
    """The first spelling of each source met so far."""

    def __init__(self) -> None:
        self._first: dict[str, str] = {}

    def first(self, name: str, warnings: list[str] | None = None, where: str = "") -> str:
        """``name`` as first spelt; a different spelling adds a warning at ``where``."""
        first = self._first.setdefault(source_key(name), name)
        if first != name and warnings is not None:
            warnings.append(
                f"{where}: source {name!r} counted as {first!r} "
                "(the same name after Unicode normalisation)"
            )
        return first
