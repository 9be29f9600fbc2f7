"""A run's settings, defined once: defaults, command-line options, validation, run.json.

Every field of ``Settings`` is one option of ``run`` and ``serve`` (``--field-name``; a ``bool``
is a flag, ``cache`` is ``--no-cache``), validated by ``check`` with a one-line reason (the CLI
exits 2 with it), and recorded as it is in the ``settings`` block of ``run.json``. Adding a
setting is one field here. No heavy import: the CLI parses its options before anything else.
"""

from __future__ import annotations

import argparse
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any


class SettingsError(ValueError):
    """A setting out of its range: the message is the one-line reason."""


def _opt(default: Any, help: str, minimum: int | None = None, flag: str = "") -> Any:
    return field(default=default, metadata={"help": help, "minimum": minimum, "flag": flag})


@dataclass(frozen=True)
class Settings:
    """Everything a run depends on besides its inputs; recorded in run.json."""

    corpus: str = _opt(
        "corpus", "corpus: a folder (manifest.csv + texts), a .jsonl or a .parquet file"
    )
    lexicons: str = _opt("lexicons", "folder of *.yaml lexicons, one per frame")
    out: str = _opt("outputs", "output folder (runs/, latest, history.csv)")
    batch_size: int = _opt(
        0, "articles per task (default 0: from the corpus size, 100 to 2,000)", minimum=0
    )
    workers: int = _opt(1, "processes for the batches (default 1)", minimum=1)
    bootstrap: int = _opt(1000, "bootstrap resamples (default 1000)", minimum=1)
    seed: int = _opt(20240618, "bootstrap seed (recorded)", minimum=0)
    max_bytes: int = _opt(5_000_000, "larger files are quarantined", minimum=1)
    keep: int = _opt(0, "keep only the newest N runs (0 = all)", minimum=0)
    cache: bool = _opt(True, "re-analyze every article", flag="--no-cache")
    min_tokens: int = _opt(
        100, "fewer content tokens: low evidence, no share (default 100)", minimum=0
    )
    min_hits: int = _opt(3, "fewer counted matches: low evidence, no share (default 3)", minimum=0)
    permutations: int = _opt(
        1000, "permutations per source pair and frame (default 1000)", minimum=1
    )
    dask: bool = _opt(False, "run batches on a local Dask cluster")
    dask_address: str | None = _opt(None, "run batches on this Dask scheduler (tcp://HOST:PORT)")

    def check(self) -> Settings:
        """Raise SettingsError (one line) for a value out of range; return self."""
        for f in fields(self):
            low = f.metadata.get("minimum")
            value = getattr(self, f.name)
            if low is not None and value < low:
                raise SettingsError(f"{flag_of(f.name)} must be at least {low}, not {value}")
        return self

    def record(self) -> dict[str, Any]:
        """The settings block of run.json."""
        return asdict(self)


def flag_of(name: str) -> str:
    """The command-line flag of a field."""
    f = next(f for f in fields(Settings) if f.name == name)
    return f.metadata.get("flag") or "--" + name.replace("_", "-")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One option per field of ``Settings``."""
    for f in fields(Settings):
        default = f.default if f.default is not MISSING else None
        flag, help = flag_of(f.name), f.metadata["help"]
        if isinstance(default, bool):
            action = "store_false" if default else "store_true"
            parser.add_argument(flag, dest=f.name, action=action, help=help)
        else:
            kind = int if isinstance(default, int) else str
            parser.add_argument(flag, dest=f.name, type=kind, default=default, help=help)


def from_args(args: argparse.Namespace) -> Settings:
    """Settings from parsed options, checked (SettingsError on a value out of range)."""
    return Settings(**{f.name: getattr(args, f.name) for f in fields(Settings)}).check()


DEFAULTS = Settings()
