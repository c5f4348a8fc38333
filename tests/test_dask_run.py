"""The dask run (cakupan.scale.cluster): the same bytes as one process, on a real cluster.

A scheduler and two workers are started here as separate processes on 127.0.0.1, the way
BPS would start them on a cluster; the run reaches them only through ``--scheduler``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pandas as pd
import pytest

from cakupan import _flow
from cakupan._flow import Inputs
from cakupan.errors import CakupanError
from cakupan.render import write
from cakupan.scale import by_parts as by_area
from cakupan.scale.cluster import Cluster
from cakupan.scale.files import analyse_files, run_files
from cakupan.scale.runner import Runner
from tests.conftest import ProgressSpy, cakupan


def _wait_for_workers(scheduler_file, n, timeout=40.0):
    deadline = time.monotonic() + timeout
    from distributed import Client

    while not scheduler_file.exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the scheduler wrote no scheduler file")
        time.sleep(0.1)
    with Client(scheduler_file=str(scheduler_file), timeout=timeout) as client:
        client.wait_for_workers(n, timeout=timeout)
    return json.loads(scheduler_file.read_text())["address"]


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """Address of a dask scheduler with two single-thread workers, all separate processes."""
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env,
             "cwd": folder}
    processes = [subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)], **quiet)]
    try:
        for _ in range(2):
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file",
                 str(scheduler_file), "--host", "127.0.0.1", "--nthreads", "1",
                 "--no-dashboard", "--local-directory", str(folder)], **quiet))
        yield _wait_for_workers(scheduler_file, 2)
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _args(inputs):
    return ["run", "--boundaries", inputs.boundaries, "--interviews", inputs.interviews,
            "--units", inputs.units, "--prelist", inputs.prelist, "--quiet"]


@pytest.mark.dask
@pytest.mark.slow
def test_scheduler_run_is_byte_identical(scheduler, tiny_inputs, tmp_path):
    alone, spread = tmp_path / "alone", tmp_path / "spread"
    done = cakupan(*_args(tiny_inputs), "--out", alone, "--no-html")
    assert done.returncode == 0, done.stderr
    done = cakupan(*_args(tiny_inputs), "--out", spread, "--no-html", "--scheduler", scheduler)
    assert done.returncode == 0, done.stderr
    for name in ("coverage.csv", "interviews.csv", "gaps.geojson", "coverage.gpkg",
                 "worklist.xlsx"):
        assert (alone / name).read_bytes() == (spread / name).read_bytes(), name
    assert not (spread / "map.html").exists() and not (spread / "report.html").exists()


@pytest.mark.dask
@pytest.mark.slow
def test_a_run_by_parts_is_worked_on_by_both_workers(scheduler, tiny_inputs, tmp_path,
                                                      monkeypatch):
    """The row groups are located, and the parts counted and checked, on the workers, and
    every file is the same as one pass."""
    from distributed import Client, get_task_stream

    monkeypatch.chdir(tmp_path)  # named from here: the workers are elsewhere
    pd.read_csv(tiny_inputs.interviews, dtype=str, keep_default_na=False).to_parquet(
        "interviews.parquet", row_group_size=2200)
    inputs = Inputs(tiny_inputs.boundaries, "interviews.parquet", tiny_inputs.units,
                    tiny_inputs.prelist)
    write.write_outputs(_flow.one_pass(_flow.read_files(inputs)), tmp_path / "one",
                        inputs=inputs)
    monkeypatch.setattr(Runner, "here", lambda *_: pytest.fail("not on the workers"))
    progress = ProgressSpy()
    with Client(scheduler) as client, get_task_stream(client) as stream:
        result = analyse_files(inputs, progress=progress, part_rows=700,
                               cluster=Cluster(client))
    assert len(result.rows.files) > 1  # really by parts
    told = [text for _, text in progress.details]
    assert told[:6] == [f"{n}/6 row groups located" for n in range(1, 7)]
    assert told[-1].endswith(" parts checked") and told[-1].split()[0] == "{0}/{0}".format(
        len(result.rows.files))
    ran = [task for task in stream.data if str(task["key"]).startswith("_task")]
    assert len(ran) > 6 and len({task["worker"] for task in ran}) == 2
    write.write_outputs(result, tmp_path / "spread", inputs=inputs)
    for name in ("coverage.csv", "interviews.csv", "gaps.geojson", "coverage.gpkg",
                 "worklist.xlsx", "map.html", "report.html"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "spread" / name
                                                          ).read_bytes(), name


@pytest.mark.dask
@pytest.mark.slow
def test_a_worker_that_cannot_reach_the_files_says_what_to_do(scheduler, tmp_path):
    from distributed import Client

    with Client(scheduler) as client, pytest.raises(CakupanError, match="set TMPDIR"):
        Cluster(client).run(None, [(by_area._checked_only, [tmp_path / "gone"], None)])


@pytest.mark.dask
@pytest.mark.slow
def test_a_crosswalk_on_the_workers_is_the_one_of_one_pass(scheduler, tiny_world, tmp_path):
    """Rows declaring a code the boundaries do not know are matched where most of them lie,
    on the workers as in one process."""
    from distributed import Client

    _, paths = tiny_world
    interviews = pd.read_csv(paths["interviews"], dtype=str, keep_default_na=False)
    first = interviews["kelurahan_code"].iloc[0]
    renamed = interviews["kelurahan_code"].eq(first) & (interviews.index % 3 == 0)
    interviews.loc[renamed, "sls_code"] = "9999999001" + interviews.loc[renamed, "sls_code"
                                                                        ].str[10:]
    interviews.loc[renamed, "kelurahan_code"] = "9999999001"
    interviews.to_csv(tmp_path / "interviews.csv", index=False)
    inputs = Inputs(paths["boundaries"], (tmp_path / "interviews.csv").absolute(),
                    paths["units"], paths["prelist"])
    one = _flow.one_pass(_flow.read_files(inputs))
    assert one.crosswalk == {"9999999001": first}
    with Client(scheduler) as client:
        spread = analyse_files(inputs, cluster=Cluster(client))
    assert spread.crosswalk == one.crosswalk
    write.write_outputs(one, tmp_path / "one", inputs=inputs, html=False)
    write.write_outputs(spread, tmp_path / "spread", inputs=inputs, html=False)
    for name in ("coverage.csv", "interviews.csv", "gaps.geojson", "worklist.xlsx"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "spread" / name
                                                          ).read_bytes(), name


def test_in_process_run_without_html(tiny_inputs, tmp_path):
    result = run_files(tiny_inputs, tmp_path, html=False)
    assert (tmp_path / "coverage.csv").exists() and not (tmp_path / "map.html").exists()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert "map.html" not in manifest["outputs"]
    assert result.accounting["interviews"]["rows_read"] == len(result.interviews)
