"""Display names of targets and actor groups, read from the lexicon files a run used.

The run folder's tables keep ids (``russia_dprk_ties``, ``russian_state_media``); the page and
the charts show names. A lexicon ``label`` is either plain text or ``{ja: ..., en: ...}``. The
files are found from ``run.json`` (the stance lexicon files it lists, the ``--lexicons`` folder
in its settings); when a file is gone or unreadable, the id itself, spaced, stands in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.analyze.lexicon_schemas import ACTORS, TARGETS
from pipeline.analyze.lexicon_yaml import LexiconError, Spec, read
from pipeline.runfolder.cells import display_name

ACTORS_FILE = Path("sourcing") / "actors.yaml"
SHIPPED = Path(__file__).resolve().parents[1] / "lexicons"


@dataclass(frozen=True)
class Name:
    """One id's display name: English for sentences and charts, Japanese beside it."""

    id: str
    en: str
    ja: str

    @property
    def short(self) -> str:
        """The name the page and charts use: English, else Japanese, else the id."""
        return self.en or self.ja or self.id


def label_name(ident: str, label: Any) -> Name:
    """A ``Name`` from a lexicon ``label``: text, or a ``{ja, en}`` mapping."""
    if isinstance(label, dict):
        en, ja = label.get("en"), label.get("ja")
        return Name(ident, display_name(str(en or "")), display_name(str(ja or "")))
    text = display_name(str(label or ""))
    if text.isascii():
        return Name(ident, text, "")
    return Name(ident, "", text)


def fallback(ident: str) -> Name:
    """The name of an id no lexicon labels: the id with spaces for underscores."""
    return Name(ident, display_name(ident.replace("_", " ")), "")


def _read(path: Path, schema: Spec) -> Any:
    """The file's data through the lexicons' one strict reader (no alias is ever expanded),
    or None when it is gone or no longer reads."""
    try:
        return read(path, schema).data
    except (OSError, LexiconError):
        return None


def _lexicon_dir(run: dict[str, Any]) -> Path | None:
    settings = run.get("settings") if isinstance(run.get("settings"), dict) else {}
    folder = settings.get("lexicons") if settings else None
    return Path(str(folder)) if folder else None


def _targets(run: dict[str, Any]) -> dict[str, Any]:
    """The ``targets.yaml`` that ``run.json`` lists (else the one in its lexicon folder)."""
    files = [
        Path(str(r["file"]))
        for r in run.get("stance_lexicons") or []
        if isinstance(r, dict) and str(r.get("file", "")).endswith("targets.yaml")
    ]
    folder = _lexicon_dir(run)
    if folder is not None:
        files.append(folder / "stance" / "targets.yaml")
    for path in files:
        data = _read(path, TARGETS)
        if isinstance(data, dict) and isinstance(data.get("targets"), list):
            return data
    return {}


def target_names(run: dict[str, Any]) -> dict[str, Name]:
    """Each stance target's name, in the lexicon's order."""
    return {
        str(t["id"]): label_name(str(t["id"]), t.get("label"))
        for t in _targets(run).get("targets") or []
        if isinstance(t, dict) and t.get("id")
    }


def relation(run: dict[str, Any]) -> tuple[str, str, str] | None:
    """The relationship target and its two parties (``relations`` in targets.yaml), if any."""
    rel = _targets(run).get("relations")
    if not isinstance(rel, dict) or not rel.get("target"):
        return None
    parties = rel.get("parties")
    if not isinstance(parties, list) or len(parties) != 2:
        return None
    return str(rel["target"]), str(parties[0]), str(parties[1])


def group_names(run: dict[str, Any]) -> dict[str, Name]:
    """Each actor group's name, from the ``sourcing/actors.yaml`` the run read."""
    folder = _lexicon_dir(run)
    for path in ([folder / ACTORS_FILE] if folder else []) + [SHIPPED / ACTORS_FILE]:
        data = _read(path, ACTORS)
        groups = data.get("groups") if isinstance(data, dict) else None
        if isinstance(groups, dict):
            return {str(k): label_name(str(k), v) for k, v in groups.items()}
    return {}


def name_of(names: dict[str, Name], ident: object) -> Name:
    """``names``' entry for ``ident``, or its fallback."""
    key = str(ident)
    return names.get(key) or fallback(key)
