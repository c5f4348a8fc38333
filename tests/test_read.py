"""Readers: every format, the true row numbers, and a clear error for an unusable file."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cakupan._flow import Inputs, one_pass, read_files
from cakupan.errors import InputError, InputFileError
from cakupan.read import read_table, read_vector
from cakupan.read.vector import list_layers
from cakupan.scale.files import analyse_files, run_files
from tests import corpus as c
from tests.conftest import libreoffice_convert

# --- CSV row numbers ------------------------------------------------------------------------


def test_csv_rows_are_the_lines_an_editor_shows(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text('id,lon,lat\n\nA,1,2\n"B\nB",3,4\n  \nC,5,6\n,,\nD,7,8')
    frame = read_table(path)
    assert frame["id"].tolist() == ["A", "B\nB", "C", "D"]
    assert frame["source_row"].tolist() == [3, 4, 7, 9]


def test_clean_csv_takes_the_fast_path_with_the_same_numbers(tmp_path):
    path = c.interviews_csv(tmp_path, *c.GOOD_ROWS)
    frame = read_table(path)
    assert frame["source_row"].tolist() == [2, 3]
    assert "source_problem" not in frame


@settings(max_examples=40, deadline=None)
@given(layout=st.lists(st.sampled_from(["row", "blank", "spaces", "multiline"]), min_size=1,
                       max_size=30),
       newline=st.sampled_from(["\n", "\r\n"]))
def test_csv_row_numbers_survive_blank_lines_and_line_breaks(tmp_path_factory, layout, newline):
    lines, expected, number = ["id,note,lon"], [], 1
    for i, kind in enumerate(layout):
        if kind == "row":
            lines.append(f"R{i},x,{i}")
            expected.append((f"R{i}", number + 1))
        elif kind == "multiline":
            lines.append(f'R{i},"a{newline}b{newline}c",{i}')
            expected.append((f"R{i}", number + 1))
            number += 2
        else:
            lines.append("" if kind == "blank" else "   ")
        number += 1
    if not expected:
        return
    path = tmp_path_factory.mktemp("csv") / "w.csv"
    path.write_bytes(newline.join(lines).encode())
    frame = read_table(path)
    assert list(zip(frame["id"], frame["source_row"], strict=True)) == expected


@pytest.mark.parametrize("content", [b"id,lon\r\nA,1\r\nB\r,2\r\n", b"id,lon\nA,1\nB\r,2\n",
                                     b"id,lon\rA,1\rB,2\r"])
def test_carriage_returns(tmp_path, content):
    # a lone CR inside a line is a stray character (pandas writes it unquoted), not a new row;
    # a file whose lines all end in CR (old Mac) is read line by line
    path = tmp_path / "w.csv"
    path.write_bytes(content)
    frame = read_table(path)
    assert frame["source_row"].tolist() == [2, 3]
    assert frame["id"].str.strip().tolist() == ["A", "B"]
    assert frame["lon"].tolist() == ["1", "2"]


def test_row_with_more_cells_than_the_header_is_marked(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("id,lon,lat\nA,1,2\nB,3,4,5\nC,6,7,,\n")
    frame = read_table(path)
    assert frame["source_problem"].fillna("").tolist() == ["", "extra_cells", ""]


@pytest.mark.parametrize("encoding, delimiter", [("utf-8", ","), ("utf-8-sig", ";"),
                                                 ("cp1252", "\t"), ("utf-8", "|")])
def test_csv_encodings_and_delimiters(tmp_path, encoding, delimiter):
    path = tmp_path / "w.csv"
    lon = "106,6" if delimiter != "," else "106.6"
    path.write_bytes((delimiter.join(["id", "nama", "lon"]) + "\n"
                      + delimiter.join(["1", "Andrés", lon]) + "\n").encode(encoding))
    frame = read_table(path)
    assert frame.columns.tolist() == ["source_row", "id", "nama", "lon"]
    assert frame.iloc[0][["id", "nama", "lon"]].tolist() == ["1", "Andrés", lon]


# --- Excel -----------------------------------------------------------------------------------


def test_excel_rows_are_spreadsheet_rows(tmp_path):
    path = c.excel(tmp_path, {"Data": [["Judul"], [], ["id", "lon", "lat"], ["A", 1, 2], [],
                                       ["B", 3.5, None]]})
    frame = read_table(path)
    assert frame["source_row"].tolist() == [4, 6]
    assert frame["lon"].tolist() == ["1", "3.5"]


@pytest.mark.slow
def test_old_xls_reads_as_xlsx(tiny_world, tmp_path):
    """A workbook saved as Excel 97-2003 (.xls, here by LibreOffice) gives the same rows,
    and the same counts."""
    _, paths = tiny_world
    plain = pd.read_csv(paths["interviews"], dtype=str, keep_default_na=False)
    rows = [["REKAP WAWANCARA"], [], list(plain.columns), *plain.to_numpy().tolist()]
    xlsx = c.excel(tmp_path, {"Wawancara": rows})
    xls = libreoffice_convert(xlsx, "xls", tmp_path / "old")
    assert xls.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # the old binary format
    pd.testing.assert_frame_equal(read_table(xls), read_table(xlsx))
    inputs = Inputs(paths["boundaries"], xls, units=paths["units"], prelist=paths["prelist"])
    result = one_pass(read_files(inputs))
    assert result.accounting["interviews"]["rows_read"] == len(plain)


def test_excel_sheet_is_chosen_by_name(tmp_path):
    path = c.excel(tmp_path, {"A": [["x", "y"], [1, 2]], "B": [["id", "lon"], ["q", 3]]})
    assert read_table(path, "B")["id"].tolist() == ["q"]
    with pytest.raises(InputError, match="sheets: A, B"):
        read_table(path, "C")


# --- unusable files --------------------------------------------------------------------------


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"id,lon,lat\n", "has a header but no rows"),
    (b"id,lon,lat\n\n\n", "has a header but no rows"),
    (b"\x00\x01\x02garbage" * 50, "binary data"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "is not a readable Excel file"),
])
def test_unusable_tables(tmp_path, content, message):
    path = tmp_path / "w.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as error:
        read_table(path)
    assert error.value.path == str(path)


def test_folder_and_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="is a folder"):
        read_table(tmp_path)
    with pytest.raises(InputFileError, match="file not found"):
        read_table(tmp_path / "no.csv")
    with pytest.raises(InputFileError, match="is a folder"):
        read_vector(tmp_path)


# --- vectors ---------------------------------------------------------------------------------


def test_vector_without_crs_names_the_setting(tmp_path):
    path = c.zipped_shapefile(tmp_path, prj=False)
    with pytest.raises(InputError, match=r"\[input\] units_crs"):
        read_vector(path, kind="units")
    frame = read_vector(path, crs="EPSG:4326")
    assert frame.crs == "EPSG:4326"
    with pytest.raises(InputError, match="not one pyproj knows"):
        read_vector(path, crs="EPSG:999999")


def test_layers_are_listed(tmp_path):
    path = c.two_layer_geopackage(tmp_path)
    assert list_layers(path) == ["kelurahan", "kota"]
    with pytest.raises(InputError, match=r"has 2 layers \(kelurahan, kota\)"):
        read_vector(path)
    assert read_vector(path, "kota")["source_row"].tolist() == [1]


def test_zip_with_two_shapefiles_is_a_choice_of_layers(tmp_path):
    first = c.zipped_shapefile(tmp_path, prj=True)
    path = tmp_path / "dua.zip"
    with zipfile.ZipFile(first) as source, zipfile.ZipFile(path, "w") as archive:
        for name in source.namelist():
            archive.writestr(name, source.read(name))
            archive.writestr(name.replace("kelurahan", "lain"), source.read(name))
    with pytest.raises(InputError, match="has 2 layers"):
        read_vector(path)
    assert len(read_vector(path, "lain")) == 2


@pytest.mark.parametrize("name, options", [("k.geojson", {}), ("k.gpkg", {}),
                                           ("k.fgb", {}), ("k.kml", {"driver": "LIBKML"}),
                                           ("k.parquet", {}), ("k.shp", {})])
def test_every_polygon_format(tmp_path, name, options):
    path = c.write_boundaries(tmp_path, name, **options)
    frame = read_vector(path)
    # FlatGeobuf stores features in spatial-index order: the row number is the file's order
    assert sorted(frame["kode"]) == list(c.CODES)
    assert frame["source_row"].tolist() == [1, 2]
    assert frame.crs.to_epsg() == 4326


def test_points_layers_become_lon_lat(tmp_path):
    path = tmp_path / "w.gpkg"
    import geopandas as gpd
    from shapely.geometry import Point

    gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(*c.WEST), None],
                     crs="EPSG:4326").to_file(path)
    frame = read_table(path)
    assert frame["lon"].tolist() == [str(c.WEST[0]), pd.NA]
    assert frame["lat"].tolist()[0] == str(c.WEST[1])


# --- whole runs ------------------------------------------------------------------------------

BROKEN = st.sampled_from([None, "", "abc", 0, "106,62", "-6,17", 999, "-", 9325000, 680000,
                          "1e400", -6.17])


@pytest.mark.slow
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_broken_excel_rows_are_accounted_for(tiny_world, tmp_path_factory, data):
    world, paths = tiny_world
    rows = world.interviews.iloc[::151].reset_index(drop=True).astype(object)
    n = len(rows)
    for i in data.draw(st.lists(st.integers(0, n - 1), max_size=20)):
        column = data.draw(st.sampled_from(["lon", "lat", "interview_id", "household_id",
                                            "interviewed_at", "rt", "kelurahan_code"]))
        rows.loc[i, column] = data.draw(BROKEN) if column in ("lon", "lat") else data.draw(
            st.one_of(st.none(), st.integers(-5, 5), st.text(
                st.characters(blacklist_categories=("Cc", "Cs")), max_size=6)))
    rows = pd.concat([rows, rows.iloc[data.draw(st.lists(st.integers(0, n - 1),
                                                         max_size=5))]], ignore_index=True)
    titles = data.draw(st.integers(0, 2))
    blank = sorted(set(data.draw(st.lists(st.integers(0, len(rows) - 1), max_size=4))))
    sheet = [["Rekap wawancara"]] * titles + [list(rows.columns)]
    expected_rows = []
    for i, row in enumerate(rows.itertuples(index=False)):
        if i in blank:
            sheet.append([])
        sheet.append([None if isinstance(v, float) and np.isnan(v) else v for v in row])
        expected_rows.append(len(sheet))
    folder = tmp_path_factory.mktemp("excel")
    path = c.excel(folder, {"Wawancara": sheet})
    result = one_pass(read_files(Inputs(paths["boundaries"], path, prelist=paths["prelist"])))
    out = result.interviews
    # a row whose every cell was broken to empty is no row in a spreadsheet
    assert len(out) <= len(rows)
    assert set(out["source_row"]) <= set(expected_rows)
    assert out["source_row"].is_monotonic_increasing
    account = result.accounting["interviews"]
    assert account["rows_read"] == len(out)
    assert account["rows_counted"] + account["rows_set_aside"] == len(out)
    assert account["rows_counted"] == int(out["status"].eq("counted").sum())
    assert sum(account["set_aside_by_reason"].values()) == account["rows_set_aside"]


@pytest.mark.slow
def test_same_inputs_give_the_same_bytes(tiny_inputs, tmp_path):
    run_files(tiny_inputs, tmp_path / "one")
    run_files(tiny_inputs, tmp_path / "two")
    for name in ("coverage.csv", "interviews.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_stray_control_bytes_in_a_text_table_are_read(tmp_path):
    # a broken export with a NUL in one cell is a text table with one odd value, not binary
    path = tmp_path / "interviews.csv"
    path.write_bytes(b"interview_id,lon,lat\nA\x00,106.6,-6.17\nB,106.6,-6.17\n")
    frame = read_table(path)
    assert frame["interview_id"].tolist() == ["A\x00", "B"]
    assert frame["source_row"].tolist() == [2, 3]


def test_an_input_error_raised_in_a_worker_process_keeps_its_file_row_and_column():
    import pickle

    from cakupan.errors import InputError

    error = pickle.loads(pickle.dumps(InputError("is empty", path="a.csv", row=7, column="rt")))
    assert (type(error), error.path, error.row, error.column) == (InputError, "a.csv", 7, "rt")
    assert str(error) == "a.csv, row 7, column rt: is empty"


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_title_rows_above_the_header_are_skipped(tiny_world, tmp_path, delimiter):
    """An export with the survey's name and area above its header reads as the plain file,
    each row numbered by the line a text editor shows."""
    _, paths = tiny_world
    plain = pd.read_csv(paths["interviews"], dtype=str, keep_default_na=False)
    titled = tmp_path / "wawancara.csv"
    with open(titled, "w", encoding="utf-8", newline="") as handle:
        handle.write(f"REKAP WAWANCARA REGSOSEK 2022\nKOTA TANGERANG{delimiter} BANTEN\n\n")
        plain.to_csv(handle, index=False, sep=delimiter)
    before = read_table(paths["interviews"])
    after = read_table(titled)
    assert list(after.columns) == list(before.columns)
    assert (after["source_row"] == before["source_row"] + 3).all()
    pd.testing.assert_frame_equal(after.drop(columns="source_row"),
                                  before.drop(columns="source_row"))
    inputs = Inputs(paths["boundaries"], titled, units=paths["units"], prelist=paths["prelist"])
    whole = one_pass(read_files(inputs))
    assert whole.accounting["interviews"]["rows_read"] == len(plain)
    # a run by parts reads such a file whole too, and counts the same
    by_parts = analyse_files(inputs, part_rows=len(plain) // 3, processes=1)
    pd.testing.assert_frame_equal(by_parts.coverage, whole.coverage)
