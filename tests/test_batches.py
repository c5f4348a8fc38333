"""Interviews read in batches (cakupan._flow.read_files) give the frame of the file read whole.

The whole-file path is :func:`cakupan.read.read_table` (every value as text) followed by
:func:`cakupan.normalise.tables.interviews`; ``read_files`` reads Parquet and plain CSV batch
by batch, only the columns used, Parquet numbers and times as they are. The two must give the same
frame, dtypes and index included, and the same personal columns.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cakupan import read
from cakupan._flow import Inputs, read_files
from cakupan.config import Config, load_config
from cakupan.errors import InputError
from cakupan.normalise import headers, tables
from cakupan.normalise.times import parse_time
from cakupan.normalise.values import parse_number
from cakupan.read import batches
from cakupan.read.tables import read_table
from tests import corpus as c
from tests.test_corpus import CASES, _inputs


def whole(path, config=Config()):
    """The whole-file path: read_table, then normalise (the interviews and personal columns)."""
    raw = read_table(path, config.input.sheet, config.input.interviews_layer)
    return (tables.interviews(raw, config.interviews, path, config.checks.timezone),
            headers.personal_columns(raw))


@pytest.fixture
def both_ways(tmp_path, monkeypatch):
    """Check that read_files() gives the whole-file frame; return whether it read in batches."""
    boundaries = c.write_boundaries(tmp_path)
    whole_reads = []

    def read_whole(path, *args, **kwargs):
        whole_reads.append(Path(path))
        return read_table(path, *args, **kwargs)

    monkeypatch.setattr(read, "read_table", read_whole)

    def check(path, config=Config(), inputs=None):
        whole_reads.clear()
        loaded = read_files(inputs or Inputs(boundaries, path), config)
        expected, personal = whole(path, config)
        pd.testing.assert_frame_equal(loaded.interviews, expected, check_exact=True,
                                      check_index_type=True, check_column_type=True)
        assert loaded.personal_columns == tuple(personal)
        return Path(path) not in whole_reads
    return check


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 3 rows and CSV blocks of 256 bytes: boundaries fall inside the data."""
    monkeypatch.setattr(batches, "BATCH_ROWS", 3)
    monkeypatch.setattr(batches, "CSV_BLOCK_BYTES", 256)


def _timestamps(unit="us", tz=None):
    """Six times: with microseconds, missing, midnight, implausible (1850), ..."""
    times = [dt.datetime(2022, 10, 16, 9, 0, 0, 123456), None, dt.datetime(2022, 10, 16),
             dt.datetime(1850, 1, 1), dt.datetime(2022, 10, 16, 23, 59, 59),
             dt.datetime(2022, 11, 1, 7)]
    return pa.array(times, pa.timestamp(unit, tz=tz))


def _parquet_table(**columns) -> pa.Table:
    """Six interviews; ``columns`` replace (None: drop) the base ones."""
    base = {
        "interview_id": pa.array(["A1", " A2 ", None, "", "A5", "A6"]),
        "lon": pa.array([106.605, 106.1234567, None, 0.0, float("nan"), 106.615]),
        "lat": pa.array([-6.195, -6.1234567, -6.2, 0.0, -6.195, float("inf")]),
        "accuracy": pa.array([4.9, -1.0, None, 1e20, 5e-324, 12.0]),
        "idsls": pa.array(["36710110010103", "36.71.01.1001.0102", None, "3671011001010300",
                           "123", " 36710110010101 "]),
        "waktu": pa.array(["2022-10-16 09:00", "16/10/2022 09:00", "kemarin", None,
                           "2022-10-16T02:00:00Z", "2022-10-16T09:00:00+07:00"]),
        "jumlah_art": pa.array([3, 4, None, 1, 2, 9], pa.int64()),
        "nama": pa.array(["Budi", "Siti", None, "Eko", "Nur", "Ani"]),
    }
    base.update(columns)
    return pa.table({k: v for k, v in base.items() if v is not None})


PARQUET = {
    "numbers-and-text": {},
    "zoned-times-us": {"waktu": _timestamps("us", "UTC")},
    "zoned-times-ms-offset": {"waktu": _timestamps("ms", "+07:00")},
    "zoned-times-jakarta-ns": {"waktu": _timestamps("ns", "Asia/Jakarta")},
    "naive-times-s": {"waktu": _timestamps("s")},
    "naive-times-ns": {"waktu": _timestamps("ns")},
    "dates": {"waktu": pa.array([dt.date(2022, 10, 16)] * 5 + [None])},
    "int-codes": {"idsls": pa.array([36710110010103, 36710110010204, 36710110010101, None,
                                     3671011001010300, 123], pa.int64()),
                  "kode_desa": pa.array([3671011001] * 6, pa.int64()),
                  "rw": pa.array([1, 2, 3, 10, 100, 7], pa.int32()),
                  "rt": pa.array([1, None, 3, 10, 5, 7], pa.int64()),
                  "interview_id": pa.array([1, 2, None, 4, 5, 6], pa.int64())},
    "whole-numbers": {"lon": pa.array([106, 107, 0, 0, None, 2**53 + 1], pa.int64()),
                      "lat": pa.array([-6, -6, 0, 1, 1, -7], pa.int8()),
                      "accuracy": pa.array([1, 2, 3, 4, 5, 2**64 - 1], pa.uint64()),
                      "jumlah_art": pa.array([3.0, 4.5, None, float("nan"), 2.0, 1e300])},
    "odd-types": {"lon": pa.array([106.605, 106.1234567, None, 0, 1.5, 2.5], pa.float32()),
                  "lat": pa.array(["-6,195", "-6.2", "x", None, "", "-6,1"]),
                  "accuracy": pa.array([True, False, None, True, True, False]),
                  "interview_id": pa.array(["a", "b", None, "a", "c", "b"]).dictionary_encode(),
                  "jumlah_art": pa.array([1, 2, 3, 4, 5, 6], pa.int16())},
    "no-time-no-code": {"waktu": None, "idsls": None, "jumlah_art": None, "nama": None},
}


@pytest.mark.parametrize("name", PARQUET)
@pytest.mark.parametrize("tiny", [False, True], ids=["one-batch", "batches-of-3"])
def test_parquet_in_batches_is_the_whole_file(name, tiny, tmp_path, both_ways, monkeypatch):
    if tiny:
        monkeypatch.setattr(batches, "BATCH_ROWS", 3)
    path = tmp_path / "wawancara.parquet"
    pq.write_table(_parquet_table(**PARQUET[name]), path, row_group_size=4)
    assert both_ways(path)


def test_parquet_written_by_pandas(tmp_path, both_ways, small_batches):
    # pandas metadata: nullable integers and floats, categories, the pandas string dtype
    frame = pd.DataFrame({
        "id": pd.array(["A1", "A2", None, "A4", "A5", "A6", "A7"], dtype="string"),
        "lon": pd.array([106.605, None, 106.61, 0, 106.6, 106.61, 1.5], dtype="Float64"),
        "lat": [-6.195, np.nan, -6.19, 0, -6.195, -6.199, 2.0],
        "akurasi": pd.array([4, None, 5, 6, 7, 8, 9], dtype="Int64"),
        "petugas": pd.Categorical(["p1", "p2", "p1", None, "p3", "p1", "p2"]),
        "timestamp": pd.to_datetime(["2022-10-16 09:00", None, "2022-10-16 10:00",
                                     "2022-10-17 00:00", "2022-10-18 08:00", "1890-01-01 08:00",
                                     "2022-10-19 07:00"]).tz_localize("Asia/Jakarta"),
        "jumlah_art": pd.array([1, 2, None, 4, 5, 6, 7], dtype="Int64"),
        "ppl": pd.array([17, 18, 19, None, 21, 22, 23], dtype="Int64"),
        "pml": [1.0, 2.0, np.nan, 4.0, 5.0, 6.0, 7.0],
    })
    path = tmp_path / "wawancara.parquet"
    frame.to_parquet(path, index=False)
    assert both_ways(path)


def test_parquet_with_a_stored_index_is_read_whole(tmp_path, both_ways):
    frame = pd.DataFrame({"lon": [106.605, 106.615], "lat": [-6.195, -6.195]}, index=[7, 9])
    path = tmp_path / "wawancara.parquet"
    frame.to_parquet(path)
    assert not both_ways(path)


def test_sample_world_interviews(tiny_world, tmp_path, both_ways, monkeypatch):
    world, paths = tiny_world
    monkeypatch.setattr(batches, "BATCH_ROWS", 5000)
    monkeypatch.setattr(batches, "CSV_BLOCK_BYTES", 1 << 16)
    assert both_ways(paths["interviews"])
    parquet = tmp_path / "interviews.parquet"
    frame = world.interviews.assign(
        lon=pd.to_numeric(world.interviews["lon"], errors="coerce"),
        interviewed_at=pd.to_datetime(world.interviews["interviewed_at"], errors="coerce"))
    frame.to_parquet(parquet, index=False, row_group_size=7000)
    assert both_ways(parquet)


def test_sample_world_whole_load(tiny_world, tiny_inputs, both_ways):
    assert both_ways(tiny_inputs.interviews, inputs=tiny_inputs)


CSV = {
    "plain": c.HEADER + "\n" + "\n".join([*c.GOOD_ROWS, *c.GOOD_ROWS]) + "\n",
    "decimal-commas-and-gaps":
        "id,lon,lat,akurasi,idsls,waktu,nama\n"
        'A1,"106,605","-6,195",4.5,36710110010103,2022-10-16 09:00,Budi\n'
        "A2,,-6.195,,36.71.01.1001.0102,16/10/2022 09:00,\n"
        ",,,,,,\n"
        " A3 , 106.61 , -6.19 ,x, ,kemarin,Siti\n"
        "A4,0,0,-1,3671011001010300,2022-10-16T02:00:00Z,\n"
        ",106.6,-6.19,,,,\n"
        "A6,abc,1e400,NaN,123,2022-10-16T09:00:00+07:00,Eko\n",
    "semicolons": "id;lon;lat;kode_desa;rw;rt\nA1;106,605;-6,195;36.71.01.1001;1;RT 01\n"
                  "A2;106,615;-6,195;3671011001.0;002.0;2\n;;;;;\n"
                  "A3;106.61;-6.19;;;\nA4;106,6;-6,19;3671011002;3;3\n",
    "bom-crlf-and-odd-header": "\ufeffid,lon,lat,,lon, nama \r\nA1,106.605,-6.195,x,1,Budi\r\n"
                               "A2,106.615,-6.195,,2,Siti\r\nA3,106.61,-6.19,,,\r\n",
    "no-final-newline": c.HEADER + "\n" + "\n".join(c.GOOD_ROWS),
}


@pytest.mark.parametrize("name", CSV)
def test_csv_in_batches_is_the_whole_file(name, tmp_path, both_ways, small_batches):
    path = tmp_path / "wawancara.csv"
    path.write_bytes(CSV[name].encode())
    assert both_ways(path)


IRREGULAR = {
    "blank-line": c.HEADER + "\n" + c.GOOD_ROWS[0] + "\n\n" + c.GOOD_ROWS[1] + "\n",
    "trailing-blank-lines": c.HEADER + "\n" + "\n".join(c.GOOD_ROWS) + "\n\n\n",
    "value-over-two-lines": c.HEADER + "\n" + c.GOOD_ROWS[0] + '\nA2,106.615,-6.195,"36.71.01\n'
                            '.1002",001,001,h2,\n' + c.GOOD_ROWS[1] + "\n",
    "extra-cells": c.HEADER + "\n" + c.GOOD_ROWS[0] + "\n" + c.GOOD_ROWS[1] + ",x,y\n",
    "short-row": c.HEADER + "\n" + c.GOOD_ROWS[0] + "\nA2,106.615\n",
    "stray-carriage-return": c.HEADER + "\n" + c.GOOD_ROWS[0].replace("A1,", "A1\r,") + "\n"
                             + c.GOOD_ROWS[1] + "\n",
    "spaces-only-line": c.HEADER + "\n" + c.GOOD_ROWS[0] + "\n   \n" + c.GOOD_ROWS[1] + "\n",
}


@pytest.mark.parametrize("name", IRREGULAR)
def test_irregular_csv_is_read_whole_with_the_same_result(name, tmp_path, both_ways,
                                                           small_batches):
    path = tmp_path / "wawancara.csv"
    path.write_bytes(IRREGULAR[name].encode())
    assert not both_ways(path)
    with pytest.raises(batches.WholeFileNeeded):
        list(batches.iter_batches(path))


@pytest.mark.parametrize("content", [
    "id;lat;lon;petugas\nA1;-6,195;106,605;Andrés\nA2;-6,195;106,615;Budi\n".encode(
        "cp1252"),  # not UTF-8
    b'_id,_geolocation\n1,"[-6.195, 106.605]"\n',  # coordinates in one geopoint column
])
def test_other_files_are_read_whole(content, tmp_path, both_ways):
    path = tmp_path / "wawancara.csv"
    path.write_bytes(content)
    assert not both_ways(path)


@pytest.mark.slow
@pytest.mark.parametrize("case", [k for k in CASES if k.check], ids=lambda k: k.id)
def test_corpus_interviews(case, tmp_path, both_ways):
    files = _inputs(case, tmp_path)
    config = load_config(files.pop("config", None))
    both_ways(files["interviews"], config, Inputs(**files))


def test_source_rows_continue_across_batches(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("id,lon\n" + "".join(f"R{i},{i}\n" if i % 4 else ",\n" for i in range(1, 12)))
    parts = list(batches.iter_batches(path, ["lon"], batch_rows=3))
    frame = pd.concat(parts)
    assert [len(p) for p in parts] == [3, 2, 2, 2]  # blank rows (every 4th) dropped
    assert frame["source_row"].tolist() == [2, 3, 4, 6, 7, 8, 10, 11, 12]
    assert list(frame.columns) == ["source_row", "lon"]
    assert isinstance(frame.index, pd.RangeIndex) and frame.index.equals(pd.RangeIndex(9))
    pq.write_table(pa.table({"lon": range(10)}), tmp_path / "w.parquet", row_group_size=4)
    frame = pd.concat(batches.iter_batches(tmp_path / "w.parquet", batch_rows=3))
    assert frame["source_row"].tolist() == list(range(1, 11))
    assert frame.index.equals(pd.RangeIndex(10))
    # a row group read on its own (cakupan.scale.by_parts) is numbered as in the whole file
    assert batches.row_groups(tmp_path / "w.parquet") == 3
    group = pd.concat(batches.iter_batches(tmp_path / "w.parquet", batch_rows=3, row_group=1))
    assert group["source_row"].tolist() == [5, 6, 7, 8]
    assert group.index.equals(pd.RangeIndex(4, 8))
    assert batches.row_groups(path) == 0


def test_parquet_numbers_stay_numbers(tmp_path):
    path = tmp_path / "w.parquet"
    pq.write_table(pa.table({"lon": [106.6, None], "code": [3671011001, 3671011002],
                             "id": pa.array([1, None], pa.int64())}), path)
    (frame,) = batches.iter_batches(path, numbers={"lon"})
    assert frame["lon"].dtype == np.float64
    assert frame["code"].tolist() == ["3671011001", "3671011002"]  # digits, cast in Arrow
    assert frame["id"].tolist() == ["1.0", pd.NA]  # as pandas reads and prints it


def test_csv_without_rows_is_the_same_error(tmp_path, both_ways):
    path = tmp_path / "w.csv"
    path.write_text("id,lon,lat\n,,\n")
    with pytest.raises(InputError, match="has a header but no rows"):
        list(batches.iter_batches(path))
    with pytest.raises(InputError, match="has a header but no rows"):
        both_ways(path)


# --- the fast paths of parse_number and parse_time -------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-2**53, 2**53),
                min_size=1, max_size=20))
def test_parse_number_of_numbers_is_the_text_result(values):
    numbers = pd.Series(values, dtype="float64")
    fast = parse_number(numbers)
    slow = parse_number(numbers.astype("string"))
    pd.testing.assert_series_equal(fast[0], slow[0], check_exact=True)
    pd.testing.assert_series_equal(fast[1], slow[1])


@pytest.mark.parametrize("dtype", ["int8", "int64", "uint64"])
def test_parse_number_of_whole_numbers_is_the_text_result(dtype):
    info = np.iinfo(dtype)
    numbers = pd.Series([info.min, info.max, 0, 7, 2**53 + 1 if info.max > 2**53 else 1],
                        dtype=dtype)
    fast, _ = parse_number(numbers)
    pd.testing.assert_series_equal(fast, parse_number(numbers.astype("string"))[0],
                                   check_exact=True)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.datetimes(min_value=dt.datetime(1700, 1, 1),
                             max_value=dt.datetime(2300, 1, 1)) | st.none(),
                min_size=1, max_size=10),
       st.sampled_from(["s", "ms", "us", "ns"]),
       st.sampled_from([None, "UTC", "+07:00", "Asia/Jakarta", "America/New_York"]))
def test_parse_time_of_times_is_the_text_result(values, unit, zone):
    if unit == "ns":
        values = [v if v is None or 1678 < v.year < 2262 else None for v in values]
    times = pd.Series(pa.array(values, pa.timestamp(unit, tz=zone)).to_pandas())
    fast = parse_time(times)
    slow = parse_time(times.astype("string"))
    pd.testing.assert_series_equal(fast, slow, check_exact=True)


def test_batch_columns_says_which_files(tmp_path):
    path = tmp_path / "w.parquet"
    pq.write_table(pa.table({"lon": [1.0], "geometry": [b"\x00"]}), path)
    assert batches.batch_columns(path) == ["lon"]
    pq.write_table(pa.table({"lon": pa.array([], pa.float64())}), path)
    assert batches.batch_columns(path) is None  # no rows: read_table says so
    for name, content in {"w.csv": b"a;b\n1;2\n", "x.csv": b"", "y.xlsx": b"PK\x03\x04"}.items():
        (tmp_path / name).write_bytes(content)
    assert batches.batch_columns(tmp_path / "w.csv") == ["a", "b"]
    assert batches.batch_columns(tmp_path / "x.csv") is None
    assert batches.batch_columns(tmp_path / "y.xlsx") is None
    assert batches.batch_columns(tmp_path / "missing.csv") is None
    assert batches.batch_columns(Path(tmp_path)) is None
