"""Normalise: columns found, values cleaned, rows set aside with a reason and never dropped."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box

from cakupan.columns import INTERVIEWS
from cakupan.errors import InputError
from cakupan.normalise import headers, sls, tables, vector
from cakupan.normalise.times import parse_time

#: A metric CRS in which shapes a few metres from the origin lie on the earth (near 0°, 0°):
#: polygons far beyond the latitudes UTM zones reach are refused.
LOCAL = 3857


def _raw(**columns):
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame({k: pd.Series(v, dtype="string") for k, v in columns.items()})
    frame.insert(0, "source_row", np.arange(2, n + 2))
    return frame


def test_odk_central_group_prefixed_columns():
    raw = pd.DataFrame(columns=["SubmissionDate", "grp-identitas-idsls", "grp-identitas-nurt",
                                "grp-lokasi-Latitude", "grp-lokasi-Longitude",
                                "grp-lokasi-Altitude", "grp-lokasi-Accuracy", "KEY",
                                "SubmitterID", "SubmitterName"])
    found = headers.find_columns(raw, INTERVIEWS, {})
    assert found == {"interview_id": "KEY", "lon": "grp-lokasi-Longitude",
                     "lat": "grp-lokasi-Latitude", "gps_accuracy_m": "grp-lokasi-Accuracy",
                     "interviewed_at": "SubmissionDate", "enumerator_id": "SubmitterID",
                     "sls_code": "grp-identitas-idsls", "household_id": "grp-identitas-nurt"}


def test_kobo_columns_with_leading_underscores():
    raw = pd.DataFrame(columns=["_uuid", "_submission_time", "_submitted_by",
                                "_lokasi_latitude", "_lokasi_longitude", "_lokasi_precision",
                                "identitas/idsls"])
    found = headers.find_columns(raw, INTERVIEWS, {})
    assert found["interview_id"] == "_uuid"
    assert found["interviewed_at"] == "_submission_time"
    assert found["enumerator_id"] == "_submitted_by"
    assert found["gps_accuracy_m"] == "_lokasi_precision"
    assert found["sls_code"] == "identitas/idsls"


def test_config_names_win_and_a_missing_one_lists_the_columns():
    raw = _raw(lat=["1"], Y=["2"])
    assert headers.find_columns(raw, ("lat",), {"lat": "Y"}) == {"lat": "Y"}
    with pytest.raises(InputError) as error:
        headers.find_columns(raw, ("lat",), {"lat": "GPS"}, path="w.csv")
    assert str(error.value) == ("w.csv, column GPS: config names column 'GPS' for lat, but "
                                "the file has lat, Y")


def test_rows_are_kept_in_order_with_reasons():
    raw = _raw(id=["a", "b", "c", "d", "e", "f"],
               lon=["106,6", "", "x", "0", "106.6", "106.6"],
               lat=["-6,2", "-6.2", "-6.2", "0", "-6.2", "-6.2"],
               waktu=["2022-10-16 09:00", None, None, None, "kemarin", "2022-10-16T02:00Z"])
    raw["source_problem"] = pd.Series([None, None, None, None, None, "extra_cells"],
                                      dtype="string")
    out = tables.interviews(raw, {})
    assert out["source_row"].tolist() == [2, 3, 4, 5, 6, 7]
    assert out["status"].tolist() == ["counted", "no_coordinates", "invalid_coordinates",
                                      "invalid_coordinates", "counted", "extra_cells"]
    assert out["repairs"].tolist() == ["decimal_comma", "", "", "", "unreadable_time_dropped",
                                       ""]
    assert str(out["interviewed_at"].iloc[5]) == "2022-10-16 09:00:00"


@pytest.mark.parametrize("text", ["-2", "0", "99999", "12-0530", "2022-13-45"])
def test_impossible_times_are_not_read(text):
    assert parse_time(pd.Series([text])).isna().all()


def test_polygon_z_is_flattened_and_collections_keep_their_polygons():
    raw = gpd.GeoDataFrame(
        {"source_row": [1, 2], "kode": ["1", "2"]},
        geometry=[shapely.force_3d(box(0, 0, 1, 1)),
                  shapely.GeometryCollection([box(1, 0, 2, 1), Point(5, 5)])], crs=LOCAL)
    out = vector.boundaries(raw, {})
    assert not shapely.has_z(out.geometry.to_numpy()).any()
    assert out["repairs"].tolist() == ["", "make_valid"]
    assert out.geometry.iloc[1].equals(box(1, 0, 2, 1))


def test_bowtie_becomes_two_triangles():
    raw = gpd.GeoDataFrame({"source_row": [1], "kode": ["1"]}, crs=LOCAL,
                           geometry=[Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])])
    out = vector.boundaries(raw, {})
    assert out["repairs"].tolist() == ["make_valid"]
    assert out.geometry.iloc[0].area == pytest.approx(2.0)


def test_missing_geometry_names_its_row():
    raw = gpd.GeoDataFrame({"source_row": [1, 2], "kode": ["1", "2"]}, crs=LOCAL,
                           geometry=[box(0, 0, 1, 1), None])
    with pytest.raises(InputError, match="no geometry") as error:
        vector.boundaries(raw, {}, path="k.gpkg")
    assert error.value.row == 2


def test_units_labels_in_every_style():
    raw = gpd.GeoDataFrame(
        {"source_row": [1, 2, 3, 4], "KDEPUM": ["3172041003"] * 4,
         "WADMRW": ["RW 003", "003", "3", "003.0"], "RT": ["RT 001", "1", "001.0", None]},
        geometry=[box(i, 0, i + 1, 1) for i in range(4)], crs=LOCAL)
    out = vector.units(raw, {})
    assert out[["rw", "rt"]].astype(object).values.tolist() == [["003", "001"],
                                                                 ["003", pd.NA]]
    assert out["repairs"].tolist() == ["merged_pieces", "no_rt_label"]


COUNTS = st.one_of(st.integers(-3, 200).map(str), st.sampled_from(
    ["", "2.5", "abc", "7,0", "1e3", "-", " 12 ", "NaN", "inf"]), st.text(max_size=4))
LABELS = st.one_of(st.integers(0, 12).map(str), st.sampled_from(
    ["RT 001", "001.0", "", "x", "RT", "RT 02", " 3 "]), st.none())


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["36.71.01.1001", "3671011002", "", "x",
                                                "3671011001.0"]), LABELS, LABELS, COUNTS),
                     min_size=1, max_size=40))
def test_random_prelist_rows_are_all_accounted_for(rows):
    raw = _raw(kode_desa=[r[0] for r in rows], rw=[r[1] for r in rows],
               rt=[r[2] for r in rows], jumlah_ruta=[r[3] for r in rows])
    out = tables.prelist(raw, {})
    assert len(out) == len(rows)
    assert out["source_row"].tolist() == raw["source_row"].tolist()
    assert set(out["status"]) <= {"counted", "no_code", "invalid_count", "duplicate"}
    counted = out[out["status"].eq("counted")]
    # every RT is counted once, by its first usable row, with a whole count of zero or more
    assert not counted.duplicated(["kelurahan_code", "rw", "rt"]).any()
    assert (counted["expected_households"] >= 0).all()
    assert (counted["expected_households"] % 1 == 0).all()
    usable = out[out["status"].isin(["counted", "duplicate"])]
    first = usable.drop_duplicates(["kelurahan_code", "rw", "rt"])
    assert first.index.tolist() == counted.index.tolist()
    accounted = out["status"].value_counts()
    assert int(accounted.sum()) == len(rows)


def test_codes_met_in_an_earlier_batch_are_not_worked_out_again():
    """A file read in batches meets the same SLS codes in each: the batches share what
    they parsed (one Parsed per file), so each code is parsed once."""
    seen = []

    def parts(values: pd.Series) -> pd.DataFrame:
        seen.extend(values.tolist())
        return sls.sls_parts(values)

    first = pd.Series(["36710110010103", "3671011001001003", None, "36710110010103"],
                      dtype="string")
    second = pd.Series(["3671011001001003", "x", None, "36710110020204"], dtype="string",
                       index=[7, 8, 9, 10])
    parsed = sls.Parsed()
    got = [sls.each_distinct(parts, batch, parsed=parsed) for batch in (first, second)]
    assert seen == ["36710110010103", "3671011001001003", pd.NA, "x", "36710110020204"]
    for batch, frame in zip((first, second), got, strict=True):
        pd.testing.assert_frame_equal(frame, sls.sls_parts(batch))
    assert got[1]["rt"].tolist() == ["003", pd.NA, pd.NA, "004"]
    # without one, nothing is kept between calls: each parses its own distinct values
    seen.clear()
    alone = sls.each_distinct(parts, second)
    assert seen == ["3671011001001003", "x", "36710110020204", pd.NA]
    pd.testing.assert_frame_equal(alone, got[1])


@pytest.mark.parametrize("own_codes", [False, True])
def test_sls_codes_resolved_while_normalising_as_after(own_codes):
    """Given the SLS table, the codes it lists take its kelurahan, RW and RT: the same
    whether a batch is resolved as it is normalised (once per distinct code) or after."""
    units = pd.DataFrame({"sls_code": ["36710110010103", "36710110010104", None],
                          "kelurahan_code": ["3671011001", "3671011002", "3671011001"],
                          "rw": ["007", "001", "002"], "rt": ["009", "004", "001"]},
                         dtype="string")
    columns = {"sls_code": ["36710110010104", "36710110010103", "36710110010105", None,
                            "36710110010103"],
               "lon": ["106.6"] * 5, "lat": ["-6.2"] * 5}
    if own_codes:
        columns |= {"kelurahan_code": [None, "3671011009", None, "3671011001", None],
                    "rw": [None, None, "3", "2", None], "rt": [None] * 4 + ["5"]}
    for batch in (columns, {k: v[::-1] for k, v in columns.items()}):
        raw = _raw(**batch)
        got = tables.interviews(raw, {}, units=units)
        pd.testing.assert_frame_equal(got, sls.resolve_sls(tables.interviews(raw, {}),
                                                                 units))
    first = tables.interviews(_raw(**columns), {}, units=units)
    assert first[["kelurahan_code", "rw", "rt"]].iloc[:3].values.tolist() == [
        ["3671011002", "001", "004"], ["3671011001", "007", "009"],
        ["3671011001", "003" if own_codes else "001", "005"]]


def test_polygon_off_the_map_is_refused_naming_the_feature():
    raw = gpd.GeoDataFrame({"source_row": [1], "kode": ["1"]}, crs=32748,
                           geometry=[box(0, 0, 1, 1)])  # 10,000 km south of the equator
    with pytest.raises(InputError, match="feature 1 .* lands off the map .* EPSG:32748"):
        vector.boundaries(raw, {}, path="k.gpkg")


def test_swapped_features_are_swapped_back_and_named():
    raw = gpd.GeoDataFrame({"source_row": [1, 2], "kode": ["1", "2"]}, crs=4326,
                           geometry=[box(-6.2, 106.6, -6.19, 106.61),
                                     box(106.61, -6.2, 106.62, -6.19)])
    out = vector.boundaries(raw, {})
    assert out["repairs"].tolist() == ["swapped_lat_lon", ""]
    assert out.geometry.iloc[0].equals(box(106.6, -6.2, 106.61, -6.19))


def test_units_without_a_polygon_are_set_aside_with_the_reason():
    raw = gpd.GeoDataFrame(
        {"source_row": [1, 2, 3, 4], "kode_desa": ["3671011001"] * 4, "rw": ["1"] * 4,
         "rt": ["1", "2", "3", "4"]}, crs=LOCAL,
        geometry=[box(0, 0, 1, 1), None, Point(3, 3), Polygon([(0, 0), (1, 0), (0, 0)])])
    out = vector.units(raw, {})
    assert vector.polygon_status(out).tolist() == ["counted", "no_geometry", "not_a_polygon",
                                                   "no_area"]
    assert out["rt"].isna().tolist() == [False, True, True, True]
    assert not vector.repaired(out).any()
