"""The code keeps the style set once in pyproject.toml (ruff: lint and numpy docstrings)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is in the test extra")
def test_ruff_finds_nothing():
    done = subprocess.run(["ruff", "check", "cakupan", "tests", "benchmarks", "notebooks"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
