"""The project as users get it: a wheel built by pip, installed in a fresh virtual
environment, run from another directory. The dependencies come from the project's own
environment (added to the new one's path), so that no package index is needed."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from pipeline import __version__

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, str]:
    """The fresh environment's bin folder, and pip's build output."""
    base = tmp_path_factory.mktemp("install")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", str(ROOT), "-w", str(base)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    wheel = next(base.glob("framing_pipeline-*.whl"))
    env_dir = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return env_dir / "bin", build.stdout + build.stderr


def _framing(installed, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(installed[0] / "framing"), *args], cwd=cwd, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip


def test_the_build_gives_no_deprecation_warning(installed):
    assert "deprecat" not in installed[1].lower(), installed[1]


def test_the_console_script_names_itself_and_its_version(installed, tmp_path):
    version = _framing(installed, "--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.strip() == f"framing {__version__}"
    usage = _framing(installed, "run", "--help", cwd=tmp_path)
    assert usage.stdout.startswith("usage: framing run"), usage.stdout
    assert "python -m pipeline" not in usage.stdout


def test_the_installed_lexicons_are_the_default_anywhere(installed, tmp_path):
    lint = _framing(installed, "lexicon", "lint", "--json", cwd=tmp_path)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert not (tmp_path / "lexicons").exists()
    assert {"pro_moscow", "western_analytic"} <= set(json.loads(lint.stdout)), lint.stdout
    exported = _framing(installed, "lexicon", "export", cwd=tmp_path)
    assert exported.returncode == 0 and "pro_moscow" in exported.stdout
