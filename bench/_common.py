"""Shared helpers for the benchmarks: paths, machine description, tables, RESULTS.md sections."""

from __future__ import annotations

import os
import platform
import re
import statistics
import sys
import time
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
RESULTS = BENCH / "RESULTS.md"
PYTHON = sys.executable


def machine() -> str:
    """One line: cores, CPU model, memory, Python."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({model}){mem}, Python {platform.python_version()}"


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A Markdown table (also readable in a terminal)."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(vals: list[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(vals, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), sep, *(line(r) for r in cells)])


def fmt_rate(x: float) -> str:
    """Characters per second with thousands separators."""
    return f"{x:,.0f}"


def command_line() -> str:
    """How this script was invoked, relative to the repository root."""
    script = Path(sys.argv[0]).resolve()
    if script.is_relative_to(ROOT):
        script = script.relative_to(ROOT)
    return " ".join([".venv/bin/python", str(script), *sys.argv[1:]])


def write_section(name: str, title: str, body: str) -> None:
    """Add (or replace) this benchmark's section in bench/RESULTS.md."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = (
        f"{start}\n## {title}\n\n"
        f"{date.today().isoformat()}, {machine()}.\n\n"
        f"```sh\n{command_line()}\n```\n\n{body.strip()}\n{end}\n"
    )
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    RESULTS.write_text(text, encoding="utf-8")
    print(f"wrote section {name!r} to {RESULTS}")


def _busy_seconds() -> float:
    """CPU seconds spent busy on all cores since boot (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def cpu_seconds() -> float:
    """CPU seconds of this process and of the children it has waited for."""
    return _own_seconds()


class Background:
    """Measure how many cores other processes kept busy during a block (0 = a quiet machine).

    Our own CPU (this process and the children it waited for) is subtracted from the
    machine's busy time, so the figure flags benchmarks disturbed by other work.
    """

    def __enter__(self) -> Background:
        self._busy, self._own, self._t = _busy_seconds(), _own_seconds(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = max(time.perf_counter() - self._t, 1e-9)
        other = (_busy_seconds() - self._busy) - (_own_seconds() - self._own)
        self.cores = max(0.0, other / wall)


def wait_quiet(threshold: float = 0.25, max_wait: float = 30.0) -> float:
    """Wait until other processes use under ``threshold`` cores (1 s samples); return the last."""
    deadline = time.monotonic() + max_wait
    while True:
        b = _busy_seconds()
        time.sleep(1.0)
        load = _busy_seconds() - b
        if load < threshold or time.monotonic() > deadline:
            if load >= threshold:
                print(f"warning: machine still busy ({load:.2f} cores), measuring anyway")
            return load
