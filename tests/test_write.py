"""The writers: CSV with pandas' bytes, a million rows at a time; GeoPackages; the fork."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from cakupan.render import write

texts = st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_characters="\r",
                                                            blacklist_categories=("Cs",)),
                                     max_size=8))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(texts, st.integers(-10**12, 10**12), st.booleans(),
                          st.one_of(st.none(), st.floats(allow_nan=False, width=64)),
                          st.one_of(st.none(), st.integers(0, 99))), max_size=30))
def test_csv_bytes_equal_pandas(tmp_path_factory, rows):
    frame = pd.DataFrame(rows, columns=["text, quoted", "n", "flag", "x", "maybe"])
    frame = frame.astype({"text, quoted": "string", "n": "int64", "flag": "bool",
                          "x": "float64", "maybe": "Int64"})
    frame["code"] = pd.Categorical(frame["text, quoted"].astype(object))
    path = tmp_path_factory.mktemp("csv") / "out.csv"
    write.write_csv(path, frame)
    assert path.read_bytes() == frame.to_csv(index=False, lineterminator="\n").encode()


def test_csv_in_parts(tmp_path, monkeypatch):
    monkeypatch.setattr(write, "_CSV_ROWS", 3)
    halves = [pd.DataFrame({"id": pd.array([f"W{i}" for i in part], dtype="string"),
                            "n": part}) for part in (np.arange(5), np.arange(5, 10))]
    frame = pd.concat(halves, ignore_index=True)  # Arrow columns in two chunks
    write.write_csv(tmp_path / "out.csv", frame)
    assert (tmp_path / "out.csv").read_text() == frame.to_csv(index=False, lineterminator="\n")


def test_csv_quotes_a_carriage_return(tmp_path):
    write.write_csv(tmp_path / "out.csv", pd.DataFrame({"a": ["x\ry", "z"], "b": [1, 2]}))
    assert (tmp_path / "out.csv").read_bytes() == b'a,b\n"x\ry",1\nz,2\n'


def test_other_columns_use_pandas(tmp_path):
    frame = pd.DataFrame({"when": pd.to_datetime(["2022-10-15 08:00", None]), "n": [1, 2]})
    write.write_csv(tmp_path / "out.csv", frame)
    assert (tmp_path / "out.csv").read_text() == frame.to_csv(index=False, lineterminator="\n")


@pytest.mark.slow
def test_files_written_beside_each_other_are_the_files_written_in_turn(tiny_inputs, tmp_path):
    """interviews.csv here and the other files in a forked process, or all here: same bytes."""
    import filecmp

    from cakupan import _flow as pipeline

    result = pipeline.one_pass(pipeline.read_files(tiny_inputs))
    one = write.write_outputs(result, tmp_path / "one", inputs=tiny_inputs, processes=1)
    two = write.write_outputs(result, tmp_path / "two", inputs=tiny_inputs, processes=2)
    assert one.keys() == two.keys()
    for name, path in one.items():
        if name != "manifest.json":  # holds the time of writing
            assert filecmp.cmp(path, two[name], shallow=False), name


def test_a_failure_in_the_forked_writer_reaches_the_caller(tiny_inputs, tmp_path, monkeypatch):
    from cakupan import _flow as pipeline

    def broken(path, sheets):
        raise ValueError("no room for the worklist")

    monkeypatch.setattr(write, "write_xlsx", broken)  # the forked process inherits it
    result = pipeline.one_pass(pipeline.read_files(tiny_inputs))
    with pytest.raises(ValueError, match="no room") as raised:
        write.write_outputs(result, tmp_path, processes=2, html=False)
    assert "broken" in str(raised.value.__cause__)  # the forked process's traceback


def test_geopackage_date_is_fixed_only_while_writing(tmp_path):
    frame = gpd.GeoDataFrame({"code": ["a"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326)
    before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    write.write_geopackage(tmp_path / "one.gpkg", {"layer": frame})
    assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") == before
    write.write_geopackage(tmp_path / "two.gpkg", {"layer": frame})
    assert (tmp_path / "one.gpkg").read_bytes() == (tmp_path / "two.gpkg").read_bytes()
    frame.to_file(tmp_path / "own.gpkg", layer="layer", driver="GPKG", engine="pyogrio")
    contents = pyogrio.read_dataframe(tmp_path / "own.gpkg", sql="SELECT last_change FROM "
                                      "gpkg_contents", read_geometry=False)
    assert not contents["last_change"].astype(str).str.startswith("2000-01-01").any()
