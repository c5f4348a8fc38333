"""Shared fixtures: sample worlds written to disk and run through the real command line.

Markers (registered in pyproject.toml): ``slow`` for tests that run whole analyses again and
again, the full-city demo, the corpus of odd inputs, notebooks, a browser, LibreOffice or a
dask cluster (``python -m pytest -m "not slow"`` leaves them out); ``browser`` for tests that
drive Debian's Chromium, skipped here when it is missing; ``dask`` for tests that start a dask
scheduler and workers.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cakupan._flow import Inputs
from cakupan.sample import make_world, write_world
from tests import browser

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config, items):
    """Refuse a test that uses the full-city demo unless it is marked ``slow``."""
    unmarked = [item.nodeid for item in items if "city_demo" in getattr(item, "fixturenames", ())
                and item.get_closest_marker("slow") is None]
    if unmarked:
        raise pytest.UsageError("the city demo takes about 18 s; mark these tests slow: "
                                + ", ".join(unmarked))


def pytest_runtest_setup(item):
    if item.get_closest_marker("browser") and not browser.available():
        pytest.skip(f"needs playwright and {browser.CHROMIUM}: sh tests/install-system-packages.sh")


def cakupan(*args, cwd=None) -> subprocess.CompletedProcess:
    """Run the installed command line as a user would, capturing its output."""
    return subprocess.run([sys.executable, "-m", "cakupan", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


def libreoffice_convert(path: Path, to: str, out: Path) -> Path:
    """Convert ``path`` with headless LibreOffice into ``out``; return the new file.

    Skips the test when LibreOffice is not installed.
    """
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: "
                    "apt-get install -y --no-install-recommends libreoffice-calc-nogui")
    done = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{out}/lo", "--headless", "--convert-to", to,
         "--outdir", str(out), str(path)],
        capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return out / f"{Path(path).stem}.{to}"


def libreoffice_sheets(path: Path, out: Path) -> dict[str, pd.DataFrame]:
    """Return every sheet of a workbook as LibreOffice shows its cells, as text.

    LibreOffice's CSV export with "save cell contents as shown" and every sheet (its filter
    options' 9th and 12th fields), one file per sheet named ``<stem>-<sheet>.csv``.
    """
    options = "44,34,76,1,,0,false,true,true,false,false,-1"
    libreoffice_convert(path, f"csv:Text - txt - csv (StarCalc):{options}", out)
    stem = Path(path).stem
    return {csv.stem[len(stem) + 1:]: pd.read_csv(csv, dtype=str, keep_default_na=False)
            for csv in sorted(out.glob(f"{stem}-*.csv"))}


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory):
    """The 3-kelurahan sample world and the paths of its files."""
    world = make_world("tiny")
    paths = write_world(world, tmp_path_factory.mktemp("tiny"))
    return world, paths


@pytest.fixture(scope="session")
def tiny_inputs(tiny_world) -> Inputs:
    _, paths = tiny_world
    return Inputs(boundaries=paths["boundaries"], interviews=paths["interviews"],
                  units=paths["units"], prelist=paths["prelist"])


@pytest.fixture(scope="session")
def city_demo(tmp_path_factory) -> Path:
    """The README's demo, full city size, run once through the command line."""
    out = tmp_path_factory.mktemp("demo") / "demo"
    done = cakupan("demo", "--out", out)
    assert done.returncode == 0, done.stderr
    return out


class ProgressSpy:
    """A progress callback that keeps the steps and the details it is told."""

    def __init__(self):
        self.steps, self.details = [], []

    def __call__(self, name):
        self.steps.append(name)

    def detail(self, text):
        self.details.append((self.steps[-1], text))
