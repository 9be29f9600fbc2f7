"""Read and write the run folder's tables: the one way, for every writer and reader.

Reading keeps text as text (``keep_default_na=False``: a source called "NA" or "None" stays
itself), parses the schema's numbers as floats (an empty cell is NaN) and its ``true``/``false``
columns as booleans. Writing rounds floats to ``schema.DECIMALS``, writes booleans as
``true``/``false`` and whole-number ``int`` columns without a decimal point, in UTF-8 with
``\\n`` line ends, through a temporary file renamed over the target (nothing half-written).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.runfolder.schema import DECIMALS, TABLES, Table

ENCODING = "utf-8"
CHUNK_ROWS = 50_000  # at most this many rows in memory at once
CHUNK_BYTES = 2_000_000  # about this much of the file at once (tables of long texts)
_BOOL_TEXT = {True: "true", False: "false"}


# --- writing ----------------------------------------------------------------------------------


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Write via a temporary file in the same folder, then rename it over ``path``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _format(df: pd.DataFrame, table: Table | None) -> pd.DataFrame:
    ints = set(table.of("int")) if table else set()
    df = df.copy()
    for col in df.columns:
        if df[col].dtype == bool:
            df[col] = df[col].map(_BOOL_TEXT)
        elif pd.api.types.is_float_dtype(df[col]):
            values = df[col].to_numpy()
            if col in ints and np.all(np.isnan(values) | (values == np.round(values))):
                df[col] = df[col].astype("Int64")
            else:
                df[col] = df[col].round(DECIMALS)
    return df


def _to_csv(df: pd.DataFrame, path: Path, **kw: Any) -> None:
    df.to_csv(path, index=False, lineterminator="\n", encoding=ENCODING, **kw)


def write_table(df: pd.DataFrame, path: Path, name: str | None = None) -> Path:
    """Write ``df`` as one table of the run folder (its schema columns first when named)."""
    table = TABLES.get(name or Path(path).stem)
    if table is not None and set(table.columns) <= set(df.columns):
        df = df[list(table.columns)]
    out = _format(df, table)
    return atomic_write(Path(path), lambda tmp: _to_csv(out, tmp))


class TableAppender:
    """Append DataFrames to one table, a batch at a time; ``close`` puts it in place.

    The header is written even for an empty table; until ``close`` the rows go to a temporary
    file beside the target.
    """

    def __init__(self, path: Path, name: str | None = None) -> None:
        self.path = Path(path)
        self.table = TABLES[name or self.path.stem]
        self.columns = list(self.table.columns)
        self.tmp = self.path.with_name(f".{self.path.name}.part")
        _to_csv(pd.DataFrame(columns=self.columns), self.tmp)

    def add(self, df: pd.DataFrame) -> None:
        if len(df):
            _to_csv(_format(df[self.columns], self.table), self.tmp, mode="a", header=False)

    def close(self) -> Path:
        os.replace(self.tmp, self.path)
        return self.path


# --- reading ----------------------------------------------------------------------------------


def table_path(run_dir: Path, name: str) -> Path:
    """Where a table of a run folder lives (``history`` is the output folder's)."""
    return Path(os.path.normpath(Path(run_dir) / TABLES[name].file))


def has_table(run_dir: Path, name: str) -> bool:
    """Whether the run folder has this table."""
    return table_path(run_dir, name).is_file()


def empty_table(name: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A table with no rows, its columns typed as a read would type them."""
    t = TABLES[name]
    kinds = dict(zip(t.columns, t.kinds, strict=True))
    dtype = {"int": float, "float": float, "bool": bool}
    cols = list(columns) if columns is not None else list(t.columns)
    return pd.DataFrame({c: pd.Series(dtype=dtype.get(kinds.get(c, "str"), object)) for c in cols})


def _header(path: Path) -> list[str] | None:
    """The CSV's column names; None when the file is missing or empty."""
    if not path.is_file():
        return None
    try:
        return list(pd.read_csv(path, nrows=0, dtype=str, encoding=ENCODING).columns)
    except pd.errors.EmptyDataError:
        return None


def _finish(df: pd.DataFrame, t: Table, wanted: Iterable[str]) -> pd.DataFrame:
    """Add the ``wanted`` columns the file lacks (empty) and parse the booleans."""
    numeric = set(t.numeric)
    for col in [c for c in wanted if c not in df.columns]:
        df[col] = np.nan if col in numeric else ""
    for col in t.booleans:
        if col in df.columns:
            df[col] = df[col].astype(str).str.strip().str.lower().isin(("true", "1", "yes"))
    return df


def _csv_options(t: Table, header: list[str], usecols: list[str] | None) -> dict[str, Any]:
    numeric = set(t.numeric)
    cols = header if usecols is None else usecols
    return {
        "usecols": usecols,
        "dtype": {c: ("float64" if c in numeric else str) for c in cols},
        "keep_default_na": False,
        "na_values": {c: ["", "nan", "NaN"] for c in cols if c in numeric},
        "encoding": ENCODING,
    }


def _text_options(usecols: list[str] | None) -> dict[str, Any]:
    return {"usecols": usecols, "dtype": str, "keep_default_na": False, "encoding": ENCODING}


def _as_numbers(df: pd.DataFrame, t: Table) -> pd.DataFrame:
    """Numeric columns read as text, converted one by one (a stray non-number becomes NaN
    rather than failing the whole table)."""
    for col in set(t.numeric) & set(df.columns):
        df[col] = pd.to_numeric(df[col].replace("", np.nan), errors="coerce").astype(float)
    return df


def read_table(run_dir: Path, name: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Read one table of a run folder (all its rows; see ``iter_table`` for the large ones).

    A missing file reads as an empty table with the schema's columns; ``columns`` reads only
    those.
    """
    return read_path(table_path(run_dir, name), name, columns)


def read_path(path: Path, name: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Read the file at ``path`` as table ``name`` of the schema (see ``read_table``)."""
    t = TABLES[name]
    header = _header(Path(path))
    wanted = list(columns) if columns is not None else list(t.columns)
    if header is None:
        return empty_table(name, wanted)
    usecols = None if columns is None else [c for c in header if c in set(wanted)]
    try:  # fast path: the C parser converts numbers itself
        df = pd.read_csv(path, **_csv_options(t, header, usecols))
    except (ValueError, TypeError):  # a stray non-number: convert column by column
        df = _as_numbers(pd.read_csv(path, **_text_options(usecols)), t)
    return _finish(df, t, wanted)


def _chunk_rows(path: Path) -> int:
    """Rows per chunk: ``CHUNK_BYTES`` of the file by its first lines' length, at most
    ``CHUNK_ROWS``. A pandas chunk takes many times its size in the file while it is parsed."""
    with open(path, "rb") as fh:
        head = fh.read(65_536)
    per_row = len(head) / max(head.count(b"\n"), 1)
    return int(max(1, min(CHUNK_ROWS, CHUNK_BYTES // max(per_row, 1.0))))


def iter_table(
    run_dir: Path, name: str, columns: Iterable[str], chunksize: int | None = None
) -> Iterator[pd.DataFrame]:
    """A table in chunks of ``chunksize`` rows (default: see ``_chunk_rows``), only
    ``columns``, converted as ``read_table`` does, so memory stays bounded by a chunk.

    A missing or empty file yields one empty chunk with those columns.
    """
    t = TABLES[name]
    path = table_path(run_dir, name)
    header = _header(path)
    wanted = list(columns)
    if header is None:
        yield empty_table(name, wanted)
        return
    usecols = [c for c in header if c in set(wanted)]
    size = chunksize or _chunk_rows(path)
    done = 0
    try:  # fast path, as read_table's
        with pd.read_csv(path, **_csv_options(t, header, usecols), chunksize=size) as reader:
            for chunk in reader:
                done += len(chunk)
                yield _finish(chunk, t, wanted)[wanted]
        return
    except (ValueError, TypeError):  # a stray non-number: the rest as text, column by column
        pass
    skip = done
    with pd.read_csv(path, **_text_options(usecols), chunksize=size) as reader:
        for chunk in reader:
            if skip >= len(chunk):
                skip -= len(chunk)
                continue
            chunk, skip = chunk.iloc[skip:], 0
            yield _finish(_as_numbers(chunk.copy(), t), t, wanted)[wanted]
