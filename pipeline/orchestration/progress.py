"""Progress of a run's analysis: articles done of total, rate and estimated time left.

On a terminal (standard error is a TTY) a rich progress bar; otherwise a line in the flow's
Prefect log at most every ``LOG_EVERY`` seconds and at the end; nothing with ``-q``.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress

Mode = Literal["auto", "quiet"]
LOG_EVERY = 5.0
# In the environment, so that the flow-run processes ``serve`` starts are quiet too.
MODE_VARIABLE = "FRAMING_PROGRESS"


def set_mode(mode: Mode) -> None:
    """``quiet`` (``-q``) silences progress; ``auto`` picks a bar or log lines."""
    os.environ[MODE_VARIABLE] = mode


def articles_in(batch_file: str) -> int:
    """Articles in a planned batch, from its Parquet footer (nothing else is read)."""
    import pyarrow.parquet as pq

    return pq.ParquetFile(batch_file).metadata.num_rows


def describe(done: int, total: int, elapsed: float) -> str:
    """``analyzed 400/2,000 articles (20%), 150/s, 11 s left``."""
    rate = done / elapsed if elapsed > 0 else 0.0
    pct = 100 * done // total if total else 100
    left = f"{(total - done) / rate:.0f} s left" if rate > 0 and done < total else "done"
    if done < total and rate == 0:
        left = "time left unknown"
    return f"analyzed {done:,}/{total:,} articles ({pct}%), {rate:,.0f}/s, {left}"


class Progress:
    """Counts analyzed articles against ``total`` and shows it as the mode says."""

    def __init__(self, total: int, logger: logging.Logger | logging.LoggerAdapter) -> None:
        self.total, self.done, self.logger = total, 0, logger
        self.started = self._last = time.monotonic()
        self._bar: RichProgress | None = None
        if os.environ.get(MODE_VARIABLE) == "quiet":
            self._show = "off"
        elif sys.stderr.isatty():
            self._show = "bar"
            self._start_bar()
        else:
            self._show = "log"

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("analyzing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("articles, {task.fields[rate]}/s"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._bar.start()
        self._task = self._bar.add_task("analyze", total=self.total, rate="0")

    def set_total(self, total: int) -> None:
        """The exact total, once the corpus has been planned (the first was a count)."""
        self.total = total
        if self._bar is not None:
            self._bar.update(self._task, total=total)

    def advance(self, articles: int) -> None:
        self.done += articles
        now = time.monotonic()
        elapsed = now - self.started
        if self._bar is not None:
            rate = f"{self.done / elapsed:,.0f}" if elapsed > 0 else "0"
            self._bar.update(self._task, completed=self.done, rate=rate)
        elif self._show == "log" and (now - self._last >= LOG_EVERY or self.done >= self.total):
            self._last = now
            self.logger.info(describe(self.done, self.total, elapsed))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
