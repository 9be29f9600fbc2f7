"""Bounds of the run's numeric options: a typo such as ``--bootstrap 1e9`` or ``--workers 0``
is a one-line usage error (exit 2), not hours of work, a crash or an out-of-memory kill."""

from __future__ import annotations

from typing import Any

# option: (lowest, highest) allowed
LIMITS: dict[str, tuple[int, int]] = {
    "workers": (1, 256),
    "batch_size": (0, 1_000_000),  # 0: automatic
    "bootstrap": (1, 100_000),
    "permutations": (0, 100_000),
    "seed": (0, 2**32 - 1),
    "max_bytes": (1, 1 << 30),
    "min_tokens": (0, 1_000_000),
    "min_hits": (0, 1_000_000),
    "keep": (0, 1_000_000),
}


def check_numbers(options: dict[str, Any]) -> str | None:
    """The first numeric option outside its bounds, as a message; None when all are fine."""
    for name, (low, high) in LIMITS.items():
        value = options.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            option = "--" + name.replace("_", "-")
            return f"{option} must be a whole number from {low:,} to {high:,}, got {value!r}"
    return None
