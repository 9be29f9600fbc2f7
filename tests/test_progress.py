"""Progress: done of total, rate and time left; log lines off a terminal; none with -q."""

from __future__ import annotations

import logging
import os
import pty
import subprocess
import sys

import pytest

from pipeline.orchestration import progress
from pipeline.orchestration.progress import Progress, describe


def test_describe_gives_done_total_rate_and_time_left():
    assert describe(400, 2000, 2.0) == "analyzed 400/2,000 articles (20%), 200/s, 8 s left"
    assert describe(2000, 2000, 4.0).endswith("500/s, done")
    assert describe(0, 10, 1.0).endswith("time left unknown")


@pytest.fixture
def records(caplog):
    caplog.set_level(logging.INFO, logger="progress-test")
    yield caplog
    progress.set_mode("auto")


def test_off_a_terminal_progress_goes_to_the_log_and_quiet_silences_it(records, monkeypatch):
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)
    monkeypatch.setattr(sys, "stderr", open(os.devnull, "w"))  # noqa: SIM115
    logger = logging.getLogger("progress-test")
    shown = Progress(10, logger)
    shown.advance(4)
    shown.advance(6)
    shown.close()
    lines = [r.getMessage() for r in records.records]
    assert lines[0].startswith("analyzed 4/10 articles (40%)")
    assert lines[-1].startswith("analyzed 10/10 articles (100%)") and lines[-1].endswith("done")
    records.clear()
    progress.set_mode("quiet")
    quiet = Progress(10, logger)
    quiet.advance(10)
    quiet.close()
    assert not records.records


def test_on_a_terminal_a_bar_is_drawn():
    script = (
        "import logging, time\n"
        "from pipeline.orchestration.progress import Progress\n"
        "p = Progress(8, logging.getLogger('x'))\n"
        "p.advance(3); time.sleep(0.3); p.advance(5); p.close()\n"
    )
    leader, follower = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-c", script], stdin=follower, stdout=follower, stderr=follower,
        env={**os.environ, "COLUMNS": "120", "TERM": "xterm"}, timeout=60,
    )  # fmt: skip
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    assert proc.returncode == 0
    assert "8/8" in out.decode("utf-8", "replace") and "articles" in out.decode()
