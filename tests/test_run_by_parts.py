"""A run a part of the areas at a time (cakupan.scale.by_parts) gives the same files as one pass."""

from __future__ import annotations

import filecmp
from dataclasses import replace

import pandas as pd
import pytest

from cakupan import _flow, read
from cakupan._flow import Inputs
from cakupan.render import write
from cakupan.sample import make_world, write_world
from cakupan.scale import by_parts as by_area
from cakupan.scale import parts, spill
from cakupan.scale.files import analyse_files
from tests.conftest import ProgressSpy

FILES = ("coverage.csv", "interviews.csv", "gaps.geojson", "coverage.gpkg", "map.html",
         "report.html", "worklist.xlsx")


@pytest.fixture(scope="module")
def one_pass(tiny_inputs, tmp_path_factory):
    result = _flow.one_pass(_flow.read_files(tiny_inputs))
    out = tmp_path_factory.mktemp("one")
    write.write_outputs(result, out, inputs=tiny_inputs)
    return result, out


@pytest.mark.slow
@pytest.mark.parametrize(("part_rows", "processes"), [(700, 1), (700, 2), (4000, 2)])
def test_every_file_is_identical_to_one_pass(one_pass, tiny_inputs, tmp_path, part_rows,
                                             processes, monkeypatch):
    """Two enumerators of the sample work in two kelurahan: counted by area, then checked
    by enumerator, in one process or several."""
    result, one_out = one_pass
    routes = spy_on_routes(monkeypatch)
    monkeypatch.setattr(spill, "SLICE_ROWS", 300)  # interviews.csv from many slices
    monkeypatch.setattr(read.batches, "BATCH_ROWS", 5000)  # located a batch at a time
    by_parts = analyse_files(tiny_inputs, part_rows=part_rows, processes=processes)
    assert routes == [["a", "b"], ["e"]]
    assert len(by_parts.rows.files) > 1  # really split: the rows wait on disk
    assert by_parts.rows.rows == len(result.interviews)
    # the result's shape does not depend on the way: every row, read back from disk
    columns = by_parts.interviews.columns.tolist()
    assert columns == [c for c in write.INTERVIEW_COLUMNS if c in result.interviews]
    pd.testing.assert_frame_equal(by_parts.interviews, result.interviews[columns],
                                  check_dtype=False, check_categorical=False)
    assert_same_tally(by_parts.tally, result.tally)
    assert result.interviews["cluster_id"].notna().any()
    write.write_outputs(by_parts, tmp_path, inputs=tiny_inputs)
    assert_same_files(one_out, tmp_path)


@pytest.mark.slow
def test_nested_enumerators_are_counted_and_checked_in_one_pass(tmp_path, monkeypatch):
    """Enumerators who each work in one kelurahan (as assigned): one part holds whole
    kelurahan and whole enumerators, counted and checked at once."""
    world = make_world("tiny")
    nested = world.interviews.assign(enumerator_id=world.interviews["enumerator_id"]
                                     + "-" + world.interviews["kelurahan_code"].str[-3:])
    # rows with no key at all (no code, no place, no enumerator) fill parts of their own
    loose = nested.index[::700]
    nested.loc[loose, ["kelurahan_code", "sls_code", "lon", "lat", "enumerator_id"]] = None
    paths = write_world(replace(world, interviews=nested), tmp_path / "in")
    inputs = Inputs(paths["boundaries"], paths["interviews"], paths["units"], paths["prelist"])
    write.write_outputs(_flow.one_pass(_flow.read_files(inputs)), tmp_path / "one", inputs=inputs)
    routes = spy_on_routes(monkeypatch)
    by_parts = analyse_files(inputs, part_rows=2000, processes=2)
    assert routes == [["a", "b", "e"]]
    # each kelurahan with its enumerators, then the rows of no key by input row
    assert len(by_parts.rows.files) == 3 + len(set(loose // 2000))
    write.write_outputs(by_parts, tmp_path / "parts", inputs=inputs)
    assert_same_files(tmp_path / "one", tmp_path / "parts")


@pytest.mark.slow
def test_parquet_row_groups_are_located_in_parallel(tiny_inputs, tmp_path):
    raw = pd.read_csv(tiny_inputs.interviews, dtype=str, keep_default_na=False)
    parquet = tmp_path / "interviews.parquet"
    raw.to_parquet(parquet, row_group_size=2200)
    assert read.row_groups(parquet) == 6
    inputs = Inputs(tiny_inputs.boundaries, parquet, tiny_inputs.units, tiny_inputs.prelist)
    write.write_outputs(_flow.one_pass(_flow.read_files(inputs)), tmp_path / "one", inputs=inputs)
    by_parts = analyse_files(inputs, part_rows=4000, processes=2)
    write.write_outputs(by_parts, tmp_path / "parts", inputs=inputs)
    assert_same_files(tmp_path / "one", tmp_path / "parts")


@pytest.mark.slow
@pytest.mark.parametrize("processes", [1, 2])
def test_long_steps_tell_how_far_they_are(tiny_inputs, processes, monkeypatch, tmp_path):
    """Each pass over the parts counts its tasks up to their number, in its step; writing
    counts the rows of interviews.csv."""
    monkeypatch.setattr(read.batches, "BATCH_ROWS", 2500)
    monkeypatch.setattr(spill, "SLICE_ROWS", 5000)
    progress = ProgressSpy()
    result = analyse_files(tiny_inputs, progress=progress, part_rows=4000, processes=processes)
    written = []
    write.write_outputs(result, tmp_path, inputs=tiny_inputs, html=False, detail=written.append)
    rows = result.accounting["interviews"]["rows_read"]
    assert written == [f"{min(n, rows):,}/{rows:,} rows of interviews.csv written"
                       for n in range(5000, rows + 5000, 5000)]
    assert progress.steps == ["assign", "check", "measure", "gaps"]
    located = [text for step, text in progress.details if step == "assign"]
    assert located == [f"{n} batches located" for n in range(1, len(located) + 1)]
    assert len(located) == 5  # 12,xxx rows in batches of 2,500
    passes = []  # (what, [done, ...]) per pass, in order
    for step, text in progress.details:
        done, what = text.split(" ", 1)
        if step == "check" and (not passes or passes[-1][0] != what):
            passes.append((what, []))
        if step == "check":
            passes[-1][1].append(done)
    assert [what for what, _ in passes] == ["files sorted into parts", "parts counted",
                                            "files sorted into parts", "parts checked"]
    for what, done in passes:
        total = int(done[0].split("/")[1])
        counted = [f"{n}/{total}" for n in range(1, total + 1)]
        # a pass during which this process builds the indexes says first that it began
        assert done in (counted, [f"0/{total}", *counted]), what


def assert_same_files(one, other):
    for name in FILES:
        assert filecmp.cmp(one / name, other / name, shallow=False), name


def spy_on_routes(monkeypatch) -> list:
    """Record the keys rows are routed by, route after route."""
    routes, real = [], by_area._route
    monkeypatch.setattr(by_area, "_route", lambda job, spills, names, *rest: routes.append(
        names) or real(job, spills, names, *rest))
    return routes


@pytest.mark.slow
def test_a_file_read_whole_is_split_the_same(one_pass, tiny_inputs, tmp_path):
    """Excel interviews cannot be read in batches: they are read whole, then in slices."""
    raw = pd.read_csv(tiny_inputs.interviews, dtype=str, keep_default_na=False)
    excel = tmp_path / "interviews.xlsx"
    raw.to_excel(excel, index=False)
    inputs = Inputs(tiny_inputs.boundaries, excel, tiny_inputs.units, tiny_inputs.prelist)
    assert read.count_rows(excel) > 1000
    by_parts = analyse_files(inputs, part_rows=1000)
    expected = _flow.one_pass(_flow.read_files(inputs))
    assert_same_tally(by_parts.tally, expected.tally)
    pd.testing.assert_frame_equal(by_parts.coverage, expected.coverage)
    pd.testing.assert_frame_equal(
        pd.concat(write.interview_rows(by_parts), ignore_index=True),
        write.interview_rows(expected).reset_index(drop=True), check_dtype=False,
        check_categorical=False)


def assert_same_tally(got, expected):
    assert got.rows == expected.rows
    for name in ("status", "days"):
        pd.testing.assert_series_equal(getattr(got, name), getattr(expected, name))
    for name in ("by_rt", "enumerators", "officers", "pairs", "flagged"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name))
    assert (got.points is None) == (expected.points is None)


def test_rows_are_keyed_by_the_kelurahan_they_are_counted_in():
    """A known declared code is the key; an unknown one is linked to where the row lies
    (the crosswalk may send it there); no code: where it lies."""
    import pyarrow as pa

    table = pa.table({"declared_kelurahan_code": ["A", "X", None, None],
                      "location_kelurahan_code": ["B", "C", "D", None],
                      "enumerator_id": ["A", "E1", None, "E2"]})
    keys = parts.keys(table, pa.array(["A", "B", "C", "D"]))
    assert keys.column("a").to_pylist() == ["A", "X", "D", None]
    assert keys.column("b").to_pylist() == [None, "C", None, None]
    assert keys.column("e").to_pylist() == ["A", "E1", None, "E2"]
    counted = parts.count_keys(pa.concat_tables([keys, keys.slice(1, 1)]))
    assert sorted(counted.to_pylist(), key=str) == sorted([
        {"a": "A", "b": None, "e": "A", "rows": 1}, {"a": "X", "b": "C", "e": "E1", "rows": 2},
        {"a": "D", "b": None, "e": None, "rows": 1},
        {"a": None, "b": None, "e": "E2", "rows": 1}], key=str)


def _parts_of_rows(declared, located, enumerators, rows, names, part_rows):
    """Return each interview's part, and the rows of the largest group, as a run plans them."""
    import pyarrow as pa

    table = pa.table({"declared_kelurahan_code": pa.array(declared, pa.string()),
                      "location_kelurahan_code": pa.array(located, pa.string()),
                      "enumerator_id": pa.array(enumerators, pa.string())})
    links = parts.keys(table, pa.array(["A", "B", "C", "D"])).to_pandas()
    planned = parts.plan(links.assign(rows=rows), names, part_rows)
    return parts.part_of(table, names, planned).tolist(), planned.largest


def test_linked_keys_share_a_part_and_groups_fill_parts_in_code_order():
    none = [None] * 6
    got = _parts_of_rows(["A", "X", "C", "B", None, "D"], ["A", "C", "C", "B", None, "D"],
                         none, [5, 5, 5, 5, 7, 5], ["a", "b"], part_rows=10)
    # {A} and {B} fill part 0; {C, X}, linked, part 1; {D} part 2; no key: no group
    assert got == ([0, 1, 1, 0, -1, 2], 10)


def test_an_enumerator_links_the_kelurahan_he_worked_in():
    rows = (["A", "B", "C", None], ["A", "B", "C", None], ["1", "1", "2", "2"], [5, 5, 5, 1])
    assert _parts_of_rows(*rows, ["a", "b"], part_rows=5) == ([0, 1, 2, -1], 5)
    # the last row, of no kelurahan, goes where its enumerator works
    assert _parts_of_rows(*rows, ["a", "b", "e"], part_rows=5) == ([0, 0, 1, 1], 10)
    assert _parts_of_rows(*rows, ["e"], part_rows=5) == ([0, 0, 1, 1], 10)


def test_a_group_larger_than_a_part_is_a_part_of_its_own():
    got = _parts_of_rows(["A", "B"], [None, None], [None, None], [50, 3], ["a", "b"], 10)
    assert got == ([0, 1], 50)


def test_count_rows_reads_no_table(tmp_path):
    text = tmp_path / "t.csv"
    text.write_text("a,b\n1,2\n3,4\n")
    assert read.count_rows(text) == 2


def test_spilled_parts_come_back_in_input_order(tmp_path):
    """Each part holds its rows in input order; read back, slices interleave them."""
    spilled = spill.Spilled()
    for number, part in enumerate([
            pd.DataFrame({"interview_id": ["b", "e", "f"],
                          "status": pd.Categorical(["x", "x", "y"])}, index=[1, 4, 5]),
            pd.DataFrame({"interview_id": ["a", "c", "d"],
                          "status": pd.Categorical(["y", "x", "y"])}, index=[0, 2, 3])]):
        path = spilled.next_path(number)
        spilled.keep([(None, path, spill.spill_rows(part, path))])
    slices = list(spilled.select(["interview_id", "status"], rows=4))
    assert [len(frame) for frame in slices] == [4, 2]
    whole = pd.concat(slices, ignore_index=True)
    assert whole["interview_id"].tolist() == list("abcdef")
    assert whole["status"].tolist() == ["y", "x", "x", "y", "x", "y"]


def test_processes_are_one_per_core_unless_set(monkeypatch):
    import os

    from cakupan import _processes

    monkeypatch.delenv("CAKUPAN_PROCESSES", raising=False)
    assert _processes.available() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("CAKUPAN_PROCESSES", "3")
    assert _processes.available() == 3
    monkeypatch.setenv("CAKUPAN_PROCESSES", "none")  # not a number: the default
    assert _processes.available() == len(os.sched_getaffinity(0))
