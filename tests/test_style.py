"""The code keeps the style set once in pyproject.toml (ruff: lint and numpy docstrings)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff() -> list[str]:
    """The command of the ruff installed for this interpreter, else the one on PATH."""
    if importlib.util.find_spec("ruff") is not None:
        return [sys.executable, "-m", "ruff"]  # the scripts folder need not be on PATH
    if shutil.which("ruff"):
        return ["ruff"]
    pytest.fail("ruff is not installed: it is in the test extra, pip install -e '.[test]'")


def test_ruff_finds_nothing():
    done = subprocess.run([*_ruff(), "check", "cakupan", "tests", "benchmarks", "notebooks"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
