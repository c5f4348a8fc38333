"""The two benchmark runners, run at their smallest size as a user runs them.

Other tools read the JSON line they end with, so its keys are part of the contract.
DuckDB is left out: its spatial extension comes from ``.[bench]``, not the test needs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _run(script: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), "--size", "small", *args],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_assignment_benchmark_agrees_with_sjoin():
    got = _run("run.py", "--steps", "io,cakupan,sjoin", "--json")
    assert {"cakupan_s", "duckdb_s", "sjoin_s", "io_floor_s", "identical"} <= got.keys()
    assert got["identical"] is True
    assert (got["n_units"], got["n_points"]) == (300, 40_000)
    assert 0 < got["n_outside"] < got["n_points"]
    assert got["cakupan_s"] > 0 and got["sjoin_s"] > 0 and got["duckdb_s"] is None
    assert got["ratio_vs_sjoin"] == got["sjoin_s"] / got["cakupan_s"]


def test_assignment_benchmark_without_cakupan_reports_no_ratio():
    got = _run("run.py", "--steps", "io,sjoin", "--json")
    assert got["cakupan_s"] is None and got["identical"] is False
    assert got["ratio_vs_fastest_peer"] is None and got["sjoin_s"] > 0


def test_whole_run_benchmark_reports_steps_budget_and_memory():
    got = _run("run_pipeline.py")
    assert got["rows"] == 40_000
    assert {"read", "assign", "check", "write"} <= got["steps_s"].keys()
    assert got["write_s"] == got["steps_s"]["write"] > 0
    assert got["within_budget"] == (got["run_s"] <= got["budget_s"])
    assert got["budget_s"] == round(2 * got["io_floor_s"] + got["write_s"], 2)
    assert got["peak_rss_mb"] > 0 and got["peak_total_mb"] > 0


def test_kernels_agree_with_the_libraries_they_stand_in_for():
    got = _run("kernels.py", "--repeat", "1")
    assert got["times"]["same_where_both_read"] is True
    assert got["edges"]["same"] is True
    assert got["times"]["kernel_s"] >= 0 and got["edges"]["shapely_s"] > 0
    assert set(got["fingerprints"]) == {"interview_id", "household_id"}
