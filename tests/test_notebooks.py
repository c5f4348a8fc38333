"""The analyst notebooks: stored without outputs, and each runs top to bottom, offline."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: Notebooks whose map must show inline.
WITH_MAP = {"01_supervisor_tonight.ipynb", "02_planner_coverage.ipynb"}
KERNEL = "cakupan-tests"

# Run first, in the kernel: any attempt to open a network connection fails the cell.
NO_NETWORK = """\
import socket

def _no_network(*args, **kwargs):
    raise OSError("the notebooks must not use the network")

socket.socket.connect = _no_network
socket.socket.connect_ex = _no_network
socket.create_connection = _no_network
"""


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS] == ["01_supervisor_tonight.ipynb",
                                           "02_planner_coverage.ipynb",
                                           "03_your_own_odk_export.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], (path.name, cell.source[:60])
            assert cell.execution_count is None, (path.name, cell.source[:60])
    assert set(nb.metadata) <= {"kernelspec", "language_info"}, path.name


@pytest.fixture(scope="module")
def kernel_path(tmp_path_factory):
    """A kernelspec folder whose kernel is this interpreter (where cakupan is installed)."""
    folder = tmp_path_factory.mktemp("jupyter")
    spec = folder / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "cakupan tests", "language": "python"}))
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_offline(path, kernel_path, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_path))
    # the notebooks write to tempfile folders: keep them where pytest cleans up
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(NO_NETWORK))
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=120,
                            resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    seconds = time.perf_counter() - start
    assert seconds < 60, f"{path.name} took {seconds:.0f} s"

    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    stderr = [out.text for out in outputs if out.output_type == "stream"
              and out.name == "stderr"]
    assert not stderr, stderr
    if path.name in WITH_MAP:
        pages = [out.data["text/html"] for out in outputs
                 if "text/html" in out.get("data", {})]
        assert any("leaflet" in page.lower() and "<iframe" in page for page in pages)
