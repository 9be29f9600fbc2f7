"""SIGTERM ends a command the way Ctrl-C (SIGINT) does: by unwinding, not by dying.

Python's default SIGTERM kills the process on the spot: no ``finally``, no ``atexit``, so
Prefect's embedded server (a process of its own, stopped at exit) and the run's worker
processes were left behind. Raised as ``KeyboardInterrupt`` instead (Prefect's flow engine
raises its own ``TerminationSignal`` while a flow runs, then hands the signal on), the flow
is marked crashed, worker pools and Dask clusters are shut down by their context managers,
the run's lock is released and Prefect stops its server; ``latest`` and ``history.csv`` are
only ever replaced atomically, so they stay as they were. A second signal is ignored.

An exception raised by a signal handler can surface inside any code, which may wrap it in
an error of its own; which signal arrived is therefore read from a wake-up pipe that the
interpreter writes for every handled signal, whoever's handler ran.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The signal that ended the command."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _interrupt(signum: int, frame: FrameType | None) -> None:
    for sig in SIGNALS:  # unwinding must not be cut short by a second Ctrl-C
        signal.signal(sig, signal.SIG_IGN)
    raise Interrupted(signum)


@contextmanager
def interruptible() -> Iterator[Callable[[], signal.Signals | None]]:
    """While inside, SIGINT and SIGTERM raise ``Interrupted`` in the main thread. Yields a
    function that returns the first of them received so far (None if none)."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return
    read, write = os.pipe()
    os.set_blocking(read, False)
    os.set_blocking(write, False)
    seen: list[signal.Signals] = []

    def received() -> signal.Signals | None:
        try:
            data = os.read(read, 512)
        except BlockingIOError:
            data = b""
        seen.extend(signal.Signals(b) for b in data if b in SIGNALS)
        return seen[0] if seen else None

    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    old_fd = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    for sig in SIGNALS:
        signal.signal(sig, _interrupt)
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(old_fd)
        os.close(read)
        os.close(write)


def _repeat(done: threading.Event, every: float) -> None:
    main = threading.main_thread().ident
    assert main is not None
    while not done.wait(every):  # to the main thread: a blocked system call there wakes up
        signal.pthread_kill(main, signal.SIGINT)


@contextmanager
def insistent_interrupt(every: float = 20.0) -> Iterator[None]:
    """While inside (``serve``), SIGINT raises ``KeyboardInterrupt`` at once and again every
    ``every`` seconds until the command has unwound.

    Left to asyncio, a Ctrl-C only cancels the served runner's main task, and Prefect's runner
    was seen (in full suite runs) to swallow that cancellation and poll on for good. Raised as
    ``KeyboardInterrupt`` (asyncio then leaves SIGINT alone), it unwinds the event loop, whose
    tasks are cancelled so that the runner still pauses its deployment; repeated, as a user
    presses Ctrl-C again, nothing can swallow it for long.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    again = threading.Event()
    repeater = threading.Thread(target=_repeat, args=(again, every), daemon=True)

    def _handler(signum: int, frame: FrameType | None) -> None:
        if not repeater.is_alive() and not again.is_set():
            repeater.start()
        raise KeyboardInterrupt

    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, _handler)
    try:
        yield
    finally:
        again.set()
        signal.signal(signal.SIGINT, previous)
