"""Assignment rules on a hand-built world of three kelurahan in UTM 48S."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyproj
import pytest
import shapely

from cakupan._text import fingerprints
from cakupan.assign import locate as assign
from cakupan.assign.repeats import repeated
from cakupan.errors import CRSMismatchError
from cakupan.normalise import tables

CRS = "EPSG:32748"
X0, Y0 = 680_000.0, 9_315_000.0
TO_LONLAT = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


def _kelurahan():
    # A: [0, 1000] x [0, 1000]; B overlaps A by 10 m; C leaves a 20 m sliver after B.
    boxes = [shapely.box(X0, Y0, X0 + 1000, Y0 + 1000),
             shapely.box(X0 + 990, Y0, X0 + 2000, Y0 + 1000),
             shapely.box(X0 + 2020, Y0, X0 + 3000, Y0 + 1000)]
    return gpd.GeoDataFrame({"kelurahan_code": ["3671010001", "3671010002", "3671010003"]},
                            geometry=boxes, crs=CRS)


def _interviews(points, declared=None, lonlat=None):
    lon, lat = TO_LONLAT.transform(*np.array(points, dtype=float).T)
    if lonlat is not None:
        lon, lat = np.array(lonlat, dtype=float).T
    raw = pd.DataFrame({"lon": lon.astype(str), "lat": lat.astype(str),
                        "kelurahan_code": declared or [None] * len(points),
                        "rw": "001", "rt": "001"})
    raw.insert(0, "source_row", range(2, len(raw) + 2))
    return tables.interviews(raw.astype({"lon": "string", "lat": "string",
                                            "kelurahan_code": "string"}), {})


def _run(points, declared=None, lonlat=None, units=None):
    return assign.place_interviews(_interviews(points, declared, lonlat), _kelurahan(), units)


def test_inside_and_overlap_rules():
    points = [(X0 + 500, Y0 + 500), (X0 + 995, Y0 + 500), (X0 + 995, Y0 + 500)]
    out = _run(points, declared=[None, None, "3671010002"])
    assert out["location_kelurahan_code"].tolist() == ["3671010001", "3671010001", "3671010002"]
    assert out["status"].tolist() == ["counted"] * 3


def test_point_on_shared_edge_goes_to_lowest_code():
    edge = shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)
    frame = gpd.GeoDataFrame({"kelurahan_code": ["3671010001", "3671010002"]},
                             geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000), edge], crs=CRS)
    where = assign.first_per_point(*assign.locate(np.array([X0 + 1000.0]), np.array([Y0 + 10.0]),
                                                  frame.geometry.to_numpy()), 1)
    assert where.tolist() == [0]


def test_sliver_goes_to_nearest_within_tolerance():
    out = _run([(X0 + 2005, Y0 + 500), (X0 + 1500, Y0 + 1100), (X0 + 1500, Y0 + 1020)])
    assert out["location_kelurahan_code"].tolist()[0] == "3671010002"
    assert out["status"].tolist() == ["counted", "outside_area", "counted"]


def test_swapped_and_utm_coordinates_are_repaired():
    lon, lat = TO_LONLAT.transform(X0 + 500, Y0 + 500)
    out = _run([(0, 0)] * 3, lonlat=[(lat, lon), (X0 + 500, Y0 + 500), (lon, lat)])
    assert out["repairs"].tolist() == ["swapped_lat_lon", "utm_coordinates", ""]
    assert out["location_kelurahan_code"].tolist() == ["3671010001"] * 3
    np.testing.assert_allclose(out["lon"], lon)
    np.testing.assert_allclose(out["lat"], lat)


@pytest.mark.parametrize("lonlat, status", [
    ((106.0, -6.9), "outside_area"),
    ((500.0, 500.0), "invalid_coordinates"),
])
def test_points_that_cannot_be_placed(lonlat, status):
    out = _run([(0, 0)], lonlat=[lonlat])
    assert out["status"].tolist() == [status]
    assert out["location_kelurahan_code"].isna().all()
    # a valid fix elsewhere keeps its metric position for the checks
    assert np.isfinite(out["x"].iloc[0]) == (status == "outside_area")


def test_unknown_declared_code_is_matched_by_location():
    points = [(X0 + 100, Y0 + 100), (X0 + 200, Y0 + 100), (X0 + 1500, Y0 + 100)]
    out = _run(points, declared=["3671010101", "3671010101", "3671010101"])
    assert out.attrs["crosswalk"].to_dict() == {"3671010101": "3671010001"}
    assert out["kelurahan_code"].tolist() == ["3671010001"] * 3
    assert out["location_kelurahan_code"].tolist()[2] == "3671010002"


def test_rt_by_location_when_undeclared():
    units = gpd.GeoDataFrame(
        {"kelurahan_code": ["3671010001"] * 2, "rw": ["001", "001"], "rt": ["001", "002"]},
        geometry=[shapely.box(X0, Y0, X0 + 500, Y0 + 1000),
                  shapely.box(X0 + 500, Y0, X0 + 1000, Y0 + 1000)], crs=CRS)
    frame = _interviews([(X0 + 700, Y0 + 500), (X0 + 700, Y0 + 500)],
                        declared=["3671010001"] * 2)
    frame.loc[0, "rt"] = pd.NA
    out = assign.place_interviews(frame, _kelurahan(), units)
    assert out["rt"].tolist() == ["002", "001"]
    assert out["location_rt"].tolist() == ["002", "002"]


def test_crs_mismatch_names_both():
    units = _kelurahan().to_crs(4326)
    with pytest.raises(CRSMismatchError, match="EPSG:4326.*to_crs"):
        assign.place_interviews(_interviews([(X0, Y0)]), _kelurahan(), units)


def _ids(seed: int) -> pa.ChunkedArray:
    """IDs of mixed widths (and one width), with repeats, empty and missing values."""
    rng = np.random.default_rng(seed)
    pool = [f"W{n:08d}" for n in range(300)] + ["", "x", "ü-1", "a b", "ab", "ba"]
    values = [None if rng.random() < 0.02 else pool[rng.integers(len(pool))]
              for _ in range(3000)]
    return pa.chunked_array([values[:1000], values[1000:1001], values[1001:]], pa.large_string())


@pytest.mark.parametrize("seed", [0, 1])
def test_fingerprints_equal_for_equal_values(seed):
    ids = _ids(seed)
    prints = fingerprints(ids)
    codes = pd.factorize(ids.to_pandas())[0]  # missing values: -1, as one value
    assert len(prints) == len(ids)
    assert pd.Series(prints).groupby(codes).nunique().eq(1).all()  # equal values, equal prints
    filled = pc.binary_length(ids).to_numpy(zero_copy_only=False) > 0  # "" and None: 0
    assert (prints[~filled] == 0).all()
    assert pd.Series(codes[filled]).groupby(prints[filled]).nunique().eq(1).all()  # none shared
    one_width = pa.array([f"W{n:08d}" for n in range(50)] * 2)
    same = fingerprints(one_width)  # IDs of one width take a quicker path: the same numbers
    assert (same == fingerprints(pa.array(one_width.to_pylist() + ["x"]))[:-1]).all()
    assert (same == fingerprints(one_width.cast(pa.large_string()))).all()
    assert (same[:50] == same[50:]).all()


@pytest.mark.parametrize("prints", ["real", "all one", "few"])
def test_repeated_with_fingerprints_is_exact_whatever_they_are(prints):
    """Fingerprints only say which values to compare: shared ones never make a repeat."""
    ids = _ids(2)
    given = {"real": fingerprints(ids), "all one": np.zeros(len(ids), dtype=np.uint64),
             "few": np.arange(len(ids), dtype=np.uint64) % 3}[prints]
    expected = ids.to_pandas().duplicated().to_numpy()
    assert repeated(ids, given).tolist() == expected.tolist()
    assert repeated(ids).tolist() == expected.tolist()
