"""Run ``cakupan run`` in this process and judge the outcome the way a user would.

Shared by the polygon corpus, the generative test and the runs on real polygons: a run ends
in exit 0 with every contract file and every interview row, or in exit 2 with one line that
names the file; never in a traceback or exit 3.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from cakupan.cli import main
from cakupan.render.write import output_names


def run(files: dict, out: Path, *extra: str):
    """Run the command line on ``files`` (``boundaries``, ``interviews``, ``units``, ...)."""
    args = ["run", "--out", str(out), "--quiet", *extra]
    for name, path in files.items():
        args += [f"--{name}", str(path)]
    return CliRunner().invoke(main, args)


def assert_sound(done, out: Path, rows: int, audience: str = "supervisor") -> int:
    """Assert that a run ended well, either way; return its exit status.

    Exit 0: every file of the contract is there and ``interviews.csv`` (for supervisors)
    has every input row, none lost in the accounting. Exit 2: one line starting
    ``cakupan: `` and no finished-looking folder.
    """
    assert done.exception is None or isinstance(done.exception, SystemExit), (
        done.exc_info and "".join(__import__("traceback").format_exception(*done.exc_info)))
    assert done.exit_code in (0, 2), (done.exit_code, done.stderr)
    assert "Traceback" not in done.stderr
    if done.exit_code == 2:
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("cakupan: "), done.stderr
        assert not (out / "manifest.json").exists()
        return 2
    names = output_names(audience)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(names)
    manifest = json.loads((out / "manifest.json").read_text())
    account = manifest["row_accounting"]["interviews"]
    assert account["rows_read"] == rows
    assert account["rows_counted"] + account["rows_set_aside"] == rows
    for name in names:  # temporary names never reach a file's content
        assert b".part" not in (out / name).read_bytes(), name
    if "interviews.csv" in names:
        assert len(pd.read_csv(out / "interviews.csv")) == rows
    return 0
