"""Log every URL a collect tried: ``collected.csv`` in the corpus folder, one row each
(``url, source, status, reason, fetched_at``), appended as it goes, and a summary. Cells
that a spreadsheet would run as formulas are escaped as in the run folder's tables."""

from __future__ import annotations

import csv
import io
import os
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from pipeline.runfolder.cells import neutralize, restore

LOG_NAME = "collected.csv"
SURROGATE = re.compile("[\ud800-\udfff]")
LOG_COLUMNS = ("url", "source", "status", "reason", "fetched_at")
STATUSES = ("added", "duplicate", "filtered", "failed")
REPUBLICATION = "republication: same text as"


def safe_cell(text: str) -> str:
    """Text from the web as a CSV cell: lone surrogates (which no file can hold) made
    U+FFFD, and a leading ``=``, ``+``, ``-``, ``@`` escaped as in the run folder's tables
    (``runfolder.cells.neutralize``; ``restore`` takes it off)."""
    return str(neutralize(SURROGATE.sub("\ufffd", text)))


class CollectLog:
    """Appends rows to ``collected.csv`` (one ``write`` per row) and counts them."""

    def __init__(self, corpus: Path) -> None:
        self.path = Path(corpus) / LOG_NAME
        self.counts: Counter[str] = Counter()
        self.failures: list[tuple[str, str]] = []
        if not self.path.exists() or self.path.stat().st_size == 0:
            self._write(dict(zip(LOG_COLUMNS, LOG_COLUMNS, strict=True)))

    def _write(self, row: dict[str, str]) -> None:
        buf = io.StringIO()
        safe = {k: safe_cell(v) for k, v in row.items()}
        csv.DictWriter(buf, fieldnames=LOG_COLUMNS, lineterminator="\n").writerow(safe)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, buf.getvalue().encode("utf-8"))
        finally:
            os.close(fd)

    def known(self) -> dict[str, str]:
        """URLs earlier collects added (URL -> article id) or found to republish an article
        (URL -> the log's reason), so that a feed link that redirects, or a wire copy, is
        not fetched again."""
        found: dict[str, str] = {}
        with self.path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                reason = str(restore(row.get("reason") or ""))
                status = row.get("status")
                if status == "added" or (
                    status == "duplicate" and reason.startswith(REPUBLICATION)
                ):
                    found[str(restore(row.get("url") or ""))] = reason
        return found

    def record(self, url: str, source: str, status: str, reason: str = "") -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        self.counts[status] += 1
        if status == "failed":
            self.failures.append((url, reason))
        self._write(
            {
                "url": url,
                "source": source,
                "status": status,
                "reason": reason,
                "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )

    def summary(self) -> str:
        counts = ", ".join(f"{self.counts[s]} {s}" for s in STATUSES)
        return f"collect: {counts} (log: {self.path})"
