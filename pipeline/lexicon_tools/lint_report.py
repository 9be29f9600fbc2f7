"""What lint reports per lexicon file, shared by the frame, stance and actor checks."""

from __future__ import annotations

from dataclasses import dataclass, field

# Entries are checked in isolation and inside this carrier sentence: a term whose
# segmentation changes with its neighbours will miss real text.
CARRIER = "昨日、{term}が話題になり、各紙が伝えた。"


@dataclass(slots=True)
class FrameReport:
    """What lint found in one lexicon file."""

    file: str
    frame: str
    entries: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
