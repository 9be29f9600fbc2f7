"""What every cache key is built from: the code that computes the cached thing, hashed as
whole packages, and the versions of the libraries it runs on.

A package stands for every ``.py`` file under it, sorted by path, so a module added to it,
or moved into it, is hashed without anyone keeping a list. Lexicon bytes enter the keys
through the lexicons' hashes, which the callers pass.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path

from pipeline.analyze import tokens as tokens_mod

SCHEMA_VERSION = "6"

# The packages (or single modules) whose code can change each cached thing; each level
# includes the one below it. tests/test_cache_keys.py checks that every pipeline module a
# cached computation imports lies in its packages.
TOKENS_CODE = ("pipeline.ingest", "pipeline.analyze")
HITS_CODE = TOKENS_CODE
BATCH_CODE = (*HITS_CODE, "pipeline.cache", "pipeline.runfolder")
AGGREGATE_CODE = (*BATCH_CODE, "pipeline.aggregate", "pipeline.settings")
NUMERIC_LIBRARIES = ("numpy", "pandas", "pyarrow", "scipy", "scikit-learn")


def source_files(name: str) -> list[Path]:
    """The source files of a module, or of every module of a package, sorted by path."""
    spec = find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(name)
    origin = Path(spec.origin)
    return sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]


@cache
def code_hash(*names: str) -> str:
    """Hash of the source files of the named packages (and modules), and the key schema."""
    h = hashlib.sha256(SCHEMA_VERSION.encode())
    root = Path(source_files("pipeline")[0]).parent.parent
    for name in names:
        for path in source_files(name):
            h.update(path.relative_to(root).as_posix().encode() + b"\x00" + path.read_bytes())
    return h.hexdigest()


@cache
def token_key_prefix() -> bytes:
    """What every tokens key starts from, computed once: reading the tokenizer's versions
    parses package metadata files, which cost more than hashing an article."""
    versions = json.dumps(tokens_mod.versions(), sort_keys=True)
    return code_hash(*TOKENS_CODE).encode() + versions.encode()


def token_key(raw: str) -> str:
    h = hashlib.sha256(token_key_prefix())
    h.update(raw.encode("utf-8", errors="surrogatepass"))
    return h.hexdigest()


def hits_key(tkey: str, lexicons_sha: str) -> str:
    return hashlib.sha256(f"{tkey}:{lexicons_sha}:{code_hash(*HITS_CODE)}".encode()).hexdigest()


@cache
def batch_key_prefix() -> bytes:
    """The analysis code (as for articles, plus the code that builds a batch's tables) and
    the tokenizer's versions."""
    h = hashlib.sha256(token_key_prefix())
    h.update(code_hash(*BATCH_CODE).encode())
    return h.digest()


@cache
def aggregate_key_prefix() -> bytes:
    """The aggregation's code (not the report's: rewording a chart keeps the cache) and the
    versions of the libraries that compute its numbers."""
    h = hashlib.sha256(code_hash(*AGGREGATE_CODE).encode())
    for lib in NUMERIC_LIBRARIES:
        h.update(f"{lib}={version(lib)}".encode())
    return h.digest()
