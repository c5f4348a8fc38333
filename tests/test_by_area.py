"""A run a part of the areas at a time (cakupan.by_area) gives the same files as one pass."""

from __future__ import annotations

import filecmp

import pandas as pd
import pytest

from cakupan import by_area, pipeline, read, write
from cakupan.pipeline import Inputs

FILES = ("coverage.csv", "interviews.csv", "gaps.geojson", "coverage.gpkg", "map.html",
         "report.html", "worklist.xlsx")


@pytest.fixture(scope="module")
def one_pass(tiny_inputs, tmp_path_factory):
    result = pipeline.analyse(pipeline.load(tiny_inputs))
    out = tmp_path_factory.mktemp("one")
    write.write_outputs(result, out, inputs=tiny_inputs)
    return result, out


@pytest.mark.parametrize("part_rows", [700, 4000])
def test_every_file_is_identical_to_one_pass(one_pass, tiny_inputs, tmp_path, part_rows,
                                             monkeypatch):
    result, one_out = one_pass
    parts = []
    real_read = by_area._read
    monkeypatch.setattr(by_area, "_read", lambda path: parts.append(path) or real_read(path))
    by_parts = pipeline.analyse_files(tiny_inputs, part_rows=part_rows)
    assert len(parts) > 1  # really split
    pd.testing.assert_frame_equal(by_parts.interviews, result.interviews)
    assert result.interviews["cluster_id"].notna().any()
    write.write_outputs(by_parts, tmp_path, inputs=tiny_inputs)
    for name in FILES:
        assert filecmp.cmp(one_out / name, tmp_path / name, shallow=False), name


def test_a_file_read_whole_is_split_the_same(one_pass, tiny_inputs, tmp_path):
    """Excel interviews cannot be read in batches: they are read whole, then in slices."""
    raw = pd.read_csv(tiny_inputs.interviews, dtype=str, keep_default_na=False)
    excel = tmp_path / "interviews.xlsx"
    raw.to_excel(excel, index=False)
    inputs = Inputs(tiny_inputs.boundaries, excel, tiny_inputs.units, tiny_inputs.prelist)
    assert read.count_rows(excel) > 1000
    by_parts = pipeline.analyse_files(inputs, part_rows=1000)
    expected = pipeline.analyse(pipeline.load(inputs))
    pd.testing.assert_frame_equal(by_parts.interviews, expected.interviews)
    pd.testing.assert_frame_equal(by_parts.coverage, expected.coverage)


def test_rows_are_keyed_by_the_kelurahan_they_are_counted_in():
    """A known declared code is the key; an unknown one is linked to where the row lies
    (the crosswalk may send it there); no code: where it lies."""
    import pyarrow as pa

    table = pa.table({"declared_kelurahan_code": ["A", "X", None, None],
                      "location_kelurahan_code": ["B", "C", "D", None]})
    keys = by_area._area_keys(table, pa.array(["A", "B", "C", "D"]))
    assert keys.column("a").to_pylist() == ["A", "X", "D", None]
    assert keys.column("b").to_pylist() == [None, "C", None, None]


def test_linked_keys_share_a_part_and_groups_fill_parts_in_code_order():
    links = pd.DataFrame({"a": ["A", "X", "C", "B", None, "D"],
                          "b": [None, "C", None, None, None, None]}, dtype="string")
    links["rows"] = [5, 5, 5, 5, 7, 5]
    part = by_area._parts(links, part_rows=10).column("part").to_pylist()
    # {A} and {B} fill part 0; {C, X}, linked, part 1; {D} part 2; no key: no group
    assert part == [0, 1, 1, 0, -1, 2]


def test_a_group_larger_than_a_part_is_a_part_of_its_own():
    links = pd.DataFrame({"a": ["A", "B"], "b": [None, None]}, dtype="string")
    links["rows"] = [50, 3]
    assert by_area._parts(links, part_rows=10).column("part").to_pylist() == [0, 1]


def test_count_rows_reads_no_table(tmp_path):
    text = tmp_path / "t.csv"
    text.write_text("a,b\n1,2\n3,4\n")
    assert read.count_rows(text) == 2


def test_merge_puts_rows_back_in_order_and_numbers_clusters_by_first_row():
    """Each part numbers its invented clusters from 1; merged, they count from the top."""
    def part(index, cluster, codes):
        frame = pd.DataFrame({"cluster_id": pd.array(cluster, dtype="Int64"),
                              "kelurahan_code": pd.Categorical(codes)}, index=index)
        return frame

    merged = by_area._merge([part([1, 4, 5], [None, 1, 1], ["B", "B", "B"]),
                             part([0, 2, 3], [1, 1, 2], ["A", "C", "A"])])
    assert merged.index.equals(pd.RangeIndex(6))
    assert merged["cluster_id"].tolist() == [1, pd.NA, 1, 2, 3, 3]
    assert merged["kelurahan_code"].tolist() == ["A", "B", "C", "A", "B", "B"]
    assert list(merged["kelurahan_code"].cat.categories) == ["A", "B", "C"]
