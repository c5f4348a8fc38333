"""The command line's surface: help, exit codes and one-line errors."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from cakupan.cli import main
from tests.conftest import cakupan


def test_help_explains_every_option():
    for command in (["--help"], ["run", "--help"], ["demo", "--help"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 0
    text = CliRunner().invoke(main, ["run", "--help"]).output
    for option in ("--boundaries", "--interviews", "--units", "--prelist", "--population",
                   "--buildings", "--config", "--audience", "--lang", "--out"):
        assert option in text
    assert "cakupan demo" in CliRunner().invoke(main, ["--help"]).output


def _one_line_error(done, *words):
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0]
    return lines[0]


@pytest.fixture
def boundary_file(tiny_world):
    return tiny_world[1]["boundaries"]


def test_missing_interview_file(tmp_path, boundary_file):
    missing = tmp_path / "tidak_ada.csv"
    done = cakupan("run", "--boundaries", boundary_file, "--interviews", missing,
                   "--out", tmp_path / "out")
    line = _one_line_error(done, str(missing), "file not found")
    assert line == f"cakupan: {missing}: file not found; check the path"


@pytest.mark.slow
def test_empty_interview_file(tmp_path, boundary_file):
    empty = tmp_path / "kosong.csv"
    empty.write_text("")
    done = cakupan("run", "--boundaries", boundary_file, "--interviews", empty,
                   "--out", tmp_path / "out")
    assert _one_line_error(done) == f"cakupan: {empty}: is empty"


@pytest.mark.slow
def test_header_without_rows(tmp_path, boundary_file):
    header = tmp_path / "header.csv"
    header.write_text("interview_id,lon,lat\n")
    done = cakupan("run", "--boundaries", boundary_file, "--interviews", header,
                   "--out", tmp_path / "out")
    _one_line_error(done, str(header), "no rows")


@pytest.mark.slow
def test_file_without_coordinate_columns(tmp_path, boundary_file):
    table = tmp_path / "tanpa_koordinat.csv"
    table.write_text("interview_id,rt,rw\nA1,001,002\n")
    done = cakupan("run", "--boundaries", boundary_file, "--interviews", table,
                   "--out", tmp_path / "out")
    _one_line_error(done, str(table), "no coordinate columns", "[interviews]")


@pytest.mark.slow
def test_missing_boundary_file(tmp_path, tiny_world):
    missing = tmp_path / "batas.geojson"
    done = cakupan("run", "--boundaries", missing, "--interviews",
                   tiny_world[1]["interviews"], "--out", tmp_path / "out")
    _one_line_error(done, str(missing), "file not found")


def test_bad_config_key(tmp_path, tiny_world):
    config = tmp_path / "cakupan.toml"
    config.write_text("[coverage]\nunder = 0.8\n")
    done = cakupan("run", "--boundaries", tiny_world[1]["boundaries"], "--interviews",
                   tiny_world[1]["interviews"], "--config", config, "--out", tmp_path / "out")
    _one_line_error(done, str(config), "under_ratio")


def test_bad_usage_exits_2(tmp_path):
    done = cakupan("run", "--out", tmp_path)
    assert done.returncode == 2
    assert "--boundaries" in done.stderr


@pytest.mark.slow
def test_run_off_a_terminal_is_quiet_and_says_where_to_look(tmp_path, tiny_world):
    paths = tiny_world[1]
    out = tmp_path / "hasil"
    done = cakupan("run", "--boundaries", paths["boundaries"], "--interviews",
                   paths["interviews"], "--prelist", paths["prelist"], "--out", out,
                   "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress bar off a terminal, no warnings
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 4
    assert "interview rows read" in lines[0] and lines[0].endswith("(see interviews.csv).")
    assert lines[2].startswith("Data as of 14 Nov 2022 ")  # the latest interview
    assert lines[2].endswith("officers' RTs inferred from the interviews (no --assignments).")
    assert lines[3] == f"Outputs are in {out}: open {out / 'report.html'} and {out / 'map.html'}."


@pytest.mark.slow
def test_planner_summary_points_to_the_report(tmp_path, tiny_world):
    paths = tiny_world[1]
    done = cakupan("run", "--boundaries", paths["boundaries"], "--interviews",
                   paths["interviews"], "--out", tmp_path / "hasil", "--audience", "planner")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    # in Bahasa Indonesia by default, numbers grouped with dots
    assert lines[0].endswith("disisihkan (lihat laporan).")  # planners get no interviews.csv
    assert lines[1].endswith("tanpa target.")  # no prelist: nothing to compare
    assert not re.search(r"\d,\d{3}|_", "\n".join(lines[:2]))


@pytest.mark.slow
def test_progress_bar_on_a_terminal(tmp_path, tiny_world):
    """On a terminal (a pseudo-terminal of 100 columns here) each step shows in a bar."""
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import sys
    import termios

    paths = tiny_world[1]
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    child = subprocess.Popen(
        [sys.executable, "-m", "cakupan", "run", "--boundaries", str(paths["boundaries"]),
         "--interviews", str(paths["interviews"]), "--out", str(tmp_path / "out")],
        stdin=follower, stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    output = bytearray()
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        output.extend(data)
    os.close(leader)
    assert child.wait() == 0
    text = output.decode("utf-8", "replace")
    for step in ("read", "assign", "check", "measure", "write"):
        assert step in text
    assert "/6" in text
    assert "rows of interviews.csv written" in text  # after the bar, while writing


def test_long_steps_show_how_far_they_are_after_the_bar(capsys):
    """A large file's parts are counted after the bar, and cleared when the step ends."""
    from cakupan.cli import _progress

    step, close = _progress(True)
    step("check")
    step.detail("3/17 parts checked")
    shown = capsys.readouterr().err.split("\r")[-1]
    assert shown.startswith("check") and shown.endswith(", 3/17 parts checked")
    step("measure")
    close()
    assert "parts checked" not in capsys.readouterr().err


# ---- a fault in cakupan itself: one line, exit status 3, the traceback in a log -----------

@pytest.fixture
def small_run(tmp_path):
    """The polygon corpus's world, and a folder holding the outputs of a finished run."""
    from tests.corpus import polygons
    from tests.polygon_runs import run

    files = {"boundaries": polygons.write_layer(polygons.kelurahan_frame(),
                                                tmp_path / "kelurahan.geojson"),
             "units": polygons.write_layer(polygons.rts(), tmp_path / "rt.geojson")}
    files["interviews"], _ = polygons.interviews(tmp_path)
    out = tmp_path / "out"
    assert run(files, out).exit_code == 0
    assert (out / "manifest.json").exists()
    return files, out


def _boom(*args, **kwargs):
    raise RuntimeError("an unforeseen fault")


@pytest.mark.parametrize("where, step", [("cakupan.measure.coverage.measure", "measure"),
                                         ("cakupan.render.write.worklist_sheets", "write")])
def test_fault_in_a_step_is_one_line_exit_3_and_a_log(small_run, monkeypatch, where, step):
    from cakupan.render.write import OUTPUTS
    from tests.polygon_runs import run

    files, out = small_run
    monkeypatch.setattr(where, _boom)
    done = run(files, out)
    assert done.exit_code == 3, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    log = out / "cakupan-error.log"
    assert lines[0] == (
        f"cakupan: the {step} step failed on kelurahan.geojson, wawancara.csv, rt.geojson "
        "(RuntimeError: an unforeseen fault); this is a fault in cakupan, not in your files; "
        f"no outputs were kept; the traceback is in {log} (--debug shows it here)")
    text = log.read_text()
    assert "Traceback" in text and "an unforeseen fault" in text and "_boom" in text
    # nothing left that looks like a finished run, not even the earlier run's files
    assert not [name for name in OUTPUTS if (out / name).exists()]
    assert [p.name for p in out.iterdir()] == ["cakupan-error.log"]


@pytest.mark.slow
def test_debug_shows_the_traceback_on_the_terminal(small_run, monkeypatch):
    from tests.polygon_runs import run

    files, out = small_run
    monkeypatch.setattr("cakupan.measure.coverage.measure", _boom)
    done = run(files, out, "--debug")
    assert done.exit_code == 3
    assert "Traceback" in done.stderr and "_boom" in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("cakupan: the measure step failed")
