"""Rewrite the README's Outputs table from the run folder's schema (pipeline/runfolder/schema.py).

    python scripts/outputs_table.py [README.md]

Only the lines between ``<!-- outputs:begin -->`` and ``<!-- outputs:end -->`` are replaced;
tests/test_schema.py fails when the README and the schema differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.runfolder.schema import outputs_markdown  # noqa: E402

BEGIN, END = "<!-- outputs:begin -->", "<!-- outputs:end -->"


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "README.md"
    text = path.read_text("utf-8")
    if BEGIN not in text or END not in text:
        print(f"{path}: no {BEGIN} … {END} block", file=sys.stderr)
        return 2
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{outputs_markdown()}\n{END}{tail}", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
