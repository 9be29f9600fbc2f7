"""Classify speakers into actor groups with a user-editable actor lexicon (YAML).

The lexicon (schema in lexicons/README.md, default lexicons/sourcing/actors.yaml) names
groups, and three lists that classify a speaker phrase, tried in this order:

1. an anaphor (同氏, 同報道官, a bare role such as 外相) takes the group of the article's
   previous attribution;
2. ``actors``: names and institutions (ペスコフ, タス, 国家情報院); the longest one found in
   the speaker wins;
3. ``countries`` × ``roles`` through ``combine``: the country at the start of the speaker
   (or of one of its の-parts) and the role at its head (the last role word), so that
   ロシア外務省報道官 is ``russian_government`` and 米紙 ``western_media`` without listing
   either. ``combine`` key ``"*"`` applies to any country or none (experts).

Anything else is ``other``. Terms are compared after the same NFKC normalisation as texts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.analyze.lexicon_schemas import ACTORS
from pipeline.analyze.lexicon_yaml import LexiconError, label_text, read, show
from pipeline.analyze.sourcing import Attribution
from pipeline.ingest.clean import normalize

# The shipped actor lexicon (pipeline/lexicons is lexicons/ in a checkout and its copy in an
# installed package); a lexicon folder may carry its own (``actors_path``).
DEFAULT_ACTORS = Path(__file__).resolve().parents[1] / "lexicons" / "sourcing" / "actors.yaml"
ACTORS_IN_FOLDER = Path("sourcing") / "actors.yaml"
OTHER = "other"


class ActorLexiconError(LexiconError):
    """An actor lexicon that cannot be used; the message names the file, line and problem."""


@dataclass(slots=True)
class ActorLexicon:
    """Groups with labels, and the lists that map a speaker phrase to a group."""

    path: Path
    sha256: str
    groups: dict[str, str]
    actors: dict[str, str] = field(default_factory=dict)
    countries: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    combine: dict[str, dict[str, str]] = field(default_factory=dict)
    anaphora: tuple[str, ...] = ()

    def _actor(self, speaker: str) -> str | None:
        found = [t for t in self.actors if t in speaker]
        return self.actors[max(found, key=len)] if found else None

    def _country(self, speaker: str) -> str | None:
        for part in speaker.replace("(", "の").replace(")", "の").split("の"):
            starts = [t for t in self.countries if part.startswith(t)]
            if starts:
                return self.countries[max(starts, key=len)]
        return None

    def _role(self, speaker: str) -> str | None:
        best: tuple[int, int, str] | None = None
        for term, role in self.roles.items():
            at = speaker.rfind(term)
            if at >= 0 and (best is None or (at + len(term), len(term)) > best[:2]):
                best = (at + len(term), len(term), role)
        return best[2] if best else None

    def is_anaphor(self, speaker: str) -> bool:
        """Whether the speaker refers back (同氏, 彼) or is a bare role word that needs a
        country to mean anything (外相, 報道官; not 専門家, which is a group of its own)."""
        if speaker in self.anaphora or speaker.startswith("同"):
            return True
        role = self.roles.get(speaker)
        return role is not None and role not in self.combine.get("*", {})

    def is_person(self, speaker: str) -> bool:
        """Whether an anaphor refers to a person (同氏, 彼), who is never a news outlet."""
        return speaker.endswith("氏") or speaker in {"彼", "彼女"}

    def classify(self, speaker: str) -> str:
        """The group of one speaker phrase, without context."""
        speaker = normalize(speaker)
        actor = self._actor(speaker)
        if actor:
            return actor
        role = self._role(speaker)
        if role is None and speaker in self.countries:
            role = "government"  # a country as speaker: ロシアは…と述べた
        if role is None:
            return OTHER
        country = self._country(speaker) or ""
        group = self.combine.get(country, {}).get(role) or self.combine.get("*", {}).get(role)
        return group or OTHER

    def classify_all(self, attributions: list[Attribution]) -> list[tuple[str, bool]]:
        """Per attribution of one article, in order: (group, resolved as an anaphor)."""
        out: list[tuple[str, bool]] = []
        previous: str | None = None
        person: str | None = None
        for a in attributions:
            speaker = normalize(a.speaker)
            if self.is_anaphor(speaker):
                back = person if self.is_person(speaker) else previous
                if back is not None:
                    out.append((back, True))
                    continue
            group = self.classify(speaker)
            out.append((group, False))
            if group != OTHER:
                previous = group
                if self._role(speaker) != "media" and group not in self.media_groups():
                    person = group
        return out

    def media_groups(self) -> set[str]:
        """The groups that ``combine`` gives to news organisations."""
        return {m["media"] for m in self.combine.values() if "media" in m}


def _mapping(data: dict[str, Any], key: str, value_key: str) -> dict[str, str]:
    """A list of ``{term, <value_key>, note}`` items as {normalised term: value}."""
    return {normalize(item["term"]): item[value_key] for item in data.get(key) or []}


def load_actors(path: Path = DEFAULT_ACTORS) -> ActorLexicon:
    """Read and check an actor lexicon; raise ActorLexiconError with the file, line and
    reason."""
    try:
        doc = read(Path(path), ACTORS)
        doc.settle(None)
    except LexiconError as exc:
        raise ActorLexiconError(exc.path, exc.line, exc.message) from None
    data = doc.data
    groups = {k: label_text(v, k) for k, v in data["groups"].items()}
    groups.setdefault(OTHER, "その他 (other)")
    lex = ActorLexicon(
        path,
        hashlib.sha256(doc.raw).hexdigest(),
        groups,
        _mapping(data, "actors", "group"),
        _mapping(data, "countries", "country"),
        _mapping(data, "roles", "role"),
        {k: dict(v or {}) for k, v in (data.get("combine") or {}).items()},
        tuple(normalize(a) for a in data.get("anaphora") or []),
    )
    for i, item in enumerate(data.get("actors") or []):
        if item["group"] not in groups:
            line = doc.line("actors", i, "group")
            raise ActorLexiconError(
                path, line, f"group {show(item['group'])!r} is used but not in 'groups'"
            )
    for country, roles in lex.combine.items():
        for role, group in roles.items():
            if group not in groups:
                line = doc.line("combine", country, role)
                raise ActorLexiconError(
                    path, line, f"group {show(group)!r} is used but not in 'groups'"
                )
    return lex


def actors_path(lexicon_dir: Path) -> Path:
    """The actor lexicon a run uses: ``sourcing/actors.yaml`` in its lexicon folder, or the
    shipped one when the folder has none."""
    own = Path(lexicon_dir) / ACTORS_IN_FOLDER
    return own if own.is_file() else DEFAULT_ACTORS
