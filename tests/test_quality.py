"""The code stays as clean as the day it was written: lint, format and types are part of the suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ["src", "tests", "benchmarks"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing() -> None:
    lint = _run("ruff", "check", *CHECKED)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    formatting = _run("ruff", "format", "--check", *CHECKED)
    assert formatting.returncode == 0, formatting.stdout + formatting.stderr


def test_mypy_finds_nothing() -> None:
    result = _run("mypy")  # the files and settings are in pyproject.toml
    assert result.returncode == 0, result.stdout + result.stderr
