"""Publish a run's Prefect artifacts: the per-source table and a link to its dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact


def publish_artifacts(sources: list[dict[str, Any]], run_dir: Path) -> None:
    """The per-source scores as a table artifact and the dashboard as a markdown link."""
    create_table_artifact(
        key="framing-sources",
        table=sources,
        description="Per source and frame: matches per 1,000 content tokens with 95% intervals.",
    )
    dashboard = (run_dir / "dashboard.html").resolve()
    create_markdown_artifact(
        key="framing-dashboard",
        markdown=f"# Framing dashboard\n\n[{dashboard}]({dashboard.as_uri()})\n",
        description="The run's self-contained HTML dashboard.",
    )
