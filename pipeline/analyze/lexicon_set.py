"""Load a lexicon folder as one object: frames, stance, actors, the files read and one hash.

A run reads its lexicon folder once per process: the set is kept by folder and content hash,
so the command line's check, the flow and the tasks of one process share one set, and a
worker process loads it once, on its first task (tasks get the folder and the hash, never
the set). Every file goes through the one strict reader of ``lexicon_yaml``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from threading import Lock

from pipeline.analyze.actors import ACTORS_IN_FOLDER, ActorLexicon, actors_path, load_actors
from pipeline.analyze.lexicon_yaml import LexiconError
from pipeline.analyze.lexicons import Lexicon, bundle_hash, load_lexicons
from pipeline.analyze.stance_lexicon import FILES, STANCE_DIR, StanceLexicon, load_stance

KEEP = 4  # sets kept per process: a served deployment may see a few lexicon versions


@dataclass(frozen=True, slots=True)
class LexiconFile:
    """One file of the set: its name in the folder (``stance/targets.yaml``), where it was
    read and the SHA-256 of its bytes."""

    name: str
    path: Path
    sha256: str


@dataclass(frozen=True, slots=True)
class LexiconSet:
    """Everything a run reads from its lexicon folder, compiled, with one hash over it."""

    directory: Path
    frames: list[Lexicon]
    stance: StanceLexicon | None
    actors: ActorLexicon
    files: tuple[LexiconFile, ...]
    sha256: str

    @property
    def analysis_sha256(self) -> str:
        """The hash of what the analysis of an article reads (frames and stance, not the
        actors, which only the aggregation uses): the analysis caches' key."""
        frames = bundle_hash(self.frames)
        if self.stance is None:
            return frames
        return hashlib.sha256(f"{frames}\0stance\0{self.stance.sha256}".encode()).hexdigest()


def set_hash(files: tuple[LexiconFile, ...]) -> str:
    """One SHA-256 over the files' names and contents."""
    h = hashlib.sha256()
    for f in files:
        h.update(f"{f.name}\0{f.sha256}\n".encode())
    return h.hexdigest()


def file_paths(directory: Path) -> list[tuple[str, Path]]:
    """The files a set reads from ``directory``, named as in the folder: the frames
    (``*.yaml``), the stance files when ``stance/targets.yaml`` is there, and the actors
    (the folder's ``sourcing/actors.yaml``, else the shipped one)."""
    directory = Path(directory)
    found = [(p.name, p) for p in sorted(directory.glob("*.yaml")) if p.is_file()]
    stance = directory / STANCE_DIR
    if (stance / FILES[0]).is_file():
        found += [(f"{STANCE_DIR}/{name}", stance / name) for name in FILES]
    found.append((ACTORS_IN_FOLDER.as_posix(), actors_path(directory)))
    return found


def fingerprint(directory: Path) -> str:
    """The hash a set of ``directory`` would have, from the files' bytes alone (no parse);
    "" when a file cannot be read (loading then says why)."""
    try:
        files = tuple(
            LexiconFile(name, path, hashlib.sha256(path.read_bytes()).hexdigest())
            for name, path in file_paths(directory)
        )
    except OSError:
        return ""
    return set_hash(files)


def load_lexicon_set(directory: Path) -> LexiconSet:
    """Read, check and compile every lexicon in ``directory``; LexiconError (with file and
    line) on the first problem."""
    directory = Path(directory).resolve()
    frames = load_lexicons(directory)
    stance = load_stance(directory / STANCE_DIR)
    actors = load_actors(actors_path(directory))
    files = [LexiconFile(lx.path.name, lx.path, lx.sha256) for lx in frames]
    if stance is not None:
        files += [
            LexiconFile(f"{STANCE_DIR}/{name}", directory / STANCE_DIR / name, sha)
            for name, sha in ((n, stance.files[n]) for n in FILES)
        ]
    files.append(LexiconFile(ACTORS_IN_FOLDER.as_posix(), Path(actors.path), actors.sha256))
    return LexiconSet(directory, frames, stance, actors, tuple(files), set_hash(tuple(files)))


_loaded: dict[tuple[Path, str], LexiconSet] = {}
_lock = Lock()


def lexicon_set(directory: Path | str, sha256: str = "") -> LexiconSet:
    """The set of ``directory``, loaded at most once per process and content.

    ``sha256``: the hash the run recorded (what tasks get); the set is then not even
    fingerprinted when this process has it, and a folder whose files changed since is an
    error rather than a run that mixes two versions.
    """
    folder = Path(directory).resolve()
    with _lock:
        if sha256 and (found := _loaded.get((folder, sha256))):
            return found
        sha = fingerprint(folder)
        if sha and (found := _loaded.get((folder, sha))):
            return _expected(found, sha256)
        loaded = load_lexicon_set(folder)
        _loaded[(folder, loaded.sha256)] = loaded
        while len(_loaded) > KEEP:
            del _loaded[next(iter(_loaded))]
        return _expected(loaded, sha256)


def _expected(found: LexiconSet, sha256: str) -> LexiconSet:
    if sha256 and found.sha256 != sha256:
        raise LexiconError(found.directory, None, "the lexicons changed while the run read them")
    return found
