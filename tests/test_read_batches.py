"""Reading large inputs in batches (cakupan.read.batches) and the fast path of clean_code."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cakupan import codes, read
from cakupan.read import batches


@pytest.fixture(scope="module")
def raw(tiny_world):
    _, paths = tiny_world
    return read.read_table(paths["interviews"])


@pytest.mark.parametrize("batch_rows", [1000, 1 << 20])
def test_parquet_batches_concatenate_to_read_table(raw, tmp_path, batch_rows):
    path = tmp_path / "interviews.parquet"
    pq.write_table(pa.Table.from_pandas(raw.drop(columns="source_row").astype(object)
                                        .astype("string"), preserve_index=False), path,
                   row_group_size=3000)
    whole = read.read_table(path)
    parts = list(batches.iter_batches(path, batch_rows=batch_rows))
    assert len(parts) == -(-len(whole) // batch_rows)
    pd.testing.assert_frame_equal(pd.concat(parts), whole, check_dtype=False)
    assert all(isinstance(p["lon"].dtype, pd.StringDtype) for p in parts)


def test_csv_batches_read_only_the_columns_asked(raw, tiny_world):
    _, paths = tiny_world
    parts = list(batches.iter_batches(paths["interviews"], columns=["lon", "interview_id"]))
    got = pd.concat(parts)
    assert list(got.columns) == ["source_row", "interview_id", "lon"]
    pd.testing.assert_frame_equal(got, raw[["source_row", "interview_id", "lon"]],
                                  check_dtype=False)


def test_numbers_stay_numbers_unless_text_is_asked(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"lon": [106.6, 106.7], "id": ["a", "b"]}), path)
    (frame,) = batches.iter_batches(path, as_text=False)
    assert frame["lon"].dtype == "float64" and frame["source_row"].tolist() == [1, 2]
    assert batches.read_columns(path, ["lon"])["lon"].tolist() == [106.6, 106.7]
    assert batches.columns_of(path) == ["lon", "id"]


@pytest.mark.parametrize("values", [
    ["3671011001", None, "3671011002"],          # the fast path
    ["36.71.01.1001", "3671011001.0", " 3671 ", None, "", "-", "null"],  # the regexes
    ["3671011001", "36 71"],                     # one odd value sends all the slow way
])
def test_clean_code_fast_path_gives_the_slow_result(values):
    series = pd.Series(values, dtype="string")
    slow = series.str.strip().str.replace(r"\.0$", "", regex=True).str.replace(
        r"[.\s\-/]", "", regex=True)
    slow = slow.mask(slow.str.lower().isin(codes._MISSING))
    pd.testing.assert_series_equal(codes.clean_code(series), slow)
