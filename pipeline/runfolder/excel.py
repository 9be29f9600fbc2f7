"""Mark a run's CSV tables as UTF-8 for Excel, which reads a CSV without a byte-order mark
in the system's legacy code page (Japanese becomes mojibake); R, pandas and Python's
``utf-8-sig`` read the mark as what it is."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

BOM = "\ufeff".encode()


def add_bom(data_dir: Path) -> list[Path]:
    """Prefix every ``*.csv`` in ``data_dir`` with the UTF-8 byte-order mark (once), each
    rewritten to a temporary file and renamed, so that no table is ever half-written."""
    changed = []
    for path in sorted(data_dir.glob("*.csv")):
        with open(path, "rb") as src:
            if src.read(len(BOM)) == BOM:
                continue
        tmp = path.with_name(f".{path.name}.bom")
        with open(path, "rb") as src, open(tmp, "wb") as dst:
            dst.write(BOM)
            shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(tmp, path)
        changed.append(path)
    return changed
