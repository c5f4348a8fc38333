import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import rasterio
import shapely
from affine import Affine

from cakupan.errors import CRSMismatchError, InputError, InputFileError
from cakupan.measure.expected import (
    combine_expected,
    households_from_buildings,
    households_from_raster,
)
from cakupan.read.buildings import read_buildings
from cakupan.read.raster import read_population_raster
from cakupan.sample.layers import building_footprints, population_raster, write_population_raster

UTM = "EPSG:32748"
X0, Y0 = 690_000.0, 9_315_000.0  # top-left corner, Kota Tangerang
VALUES = np.arange(1.0, 17.0).reshape(4, 4) * 10


def write_tif(path, array, transform, crs=UTM, nodata=None, count=1):
    array = np.asarray(array, dtype="float32")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=array.shape[-2],
        width=array.shape[-1],
        count=count,
        dtype="float32",
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as dst:
        for band in range(1, count + 1):
            dst.write(array, band)
    return path


@pytest.fixture
def utm_raster(tmp_path):
    path = write_tif(tmp_path / "pop.tif", VALUES, Affine(100, 0, X0, 0, -100, Y0))
    return read_population_raster(path)


def cell_boxes(transform, shape):
    rows, cols = np.indices(shape)
    x0 = transform.c + transform.a * cols
    y0 = transform.f + transform.e * rows
    return shapely.box(x0, y0 + transform.e, x0 + transform.a, y0)


def oracle(units, values, transform):
    """Exact weighted sums by shapely intersection areas, one unit at a time."""
    boxes = cell_boxes(transform, values.shape).ravel()
    cell_area = abs(transform.a * transform.e)
    flat = np.nan_to_num(values.ravel())
    return np.array(
        [(flat * shapely.area(shapely.intersection(boxes, g)) / cell_area).sum()
         for g in units.geometry]
    )  # fmt: skip


def test_raster_sums_match_exact_intersection_areas(utm_raster):
    units = gpd.GeoDataFrame(
        {"rt": ["001", "002", "003", "004"]},
        geometry=[
            shapely.Polygon([(X0 + 30, Y0 - 20), (X0 + 370, Y0 - 110), (X0 + 140, Y0 - 390)]),
            shapely.box(X0 + 110, Y0 - 190, X0 + 135, Y0 - 160),  # inside one cell
            shapely.Point(X0 + 250, Y0 - 250).buffer(120),
            shapely.box(X0, Y0 - 400, X0 + 400, Y0),  # the whole raster
        ],
        index=[11, 7, 3, 5],
        crs=UTM,
    )
    before = units.copy()
    got = households_from_raster(units, utm_raster, 3.8)
    expected = oracle(units, VALUES, utm_raster.transform) / 3.8
    assert got.index.tolist() == [11, 7, 3, 5]
    assert got.name == "expected_raster"
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-6)
    assert got.loc[5] == pytest.approx(VALUES.sum() / 3.8, rel=1e-9)
    assert got.loc[7] == pytest.approx(60.0 * 25 * 30 / 10_000 / 3.8, rel=1e-6)
    pd.testing.assert_frame_equal(units, before)


def test_raster_in_degrees_units_in_utm(tmp_path):
    to_geo = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
    lon0, lat0 = to_geo.transform(X0, Y0)
    step = 0.001
    transform = Affine(step, 0, lon0, 0, -step, lat0)
    raster = read_population_raster(
        write_tif(tmp_path / "geo.tif", VALUES, transform, crs="EPSG:4326")
    )
    # A small square well inside cell (1, 2), and a unit around the whole raster.
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", UTM, always_xy=True)
    cx, cy = to_utm.transform(lon0 + 2.5 * step, lat0 - 1.5 * step)
    cell_utm = shapely.Polygon(
        np.column_stack(
            to_utm.transform(
                lon0 + step * np.array([2, 3, 3, 2, 2]), lat0 - step * np.array([1, 1, 2, 2, 1])
            )
        )
    )
    units = gpd.GeoDataFrame(
        geometry=[
            shapely.box(cx - 10, cy - 10, cx + 10, cy + 10),
            shapely.box(X0 - 1000, Y0 - 1500, X0 + 1500, Y0 + 1000),
        ],
        crs=UTM,
    )
    got = households_from_raster(units, raster, 1.0)
    assert got.iloc[0] == pytest.approx(VALUES[1, 2] * 400 / cell_utm.area, rel=1e-3)
    assert got.iloc[1] == pytest.approx(VALUES.sum(), rel=1e-9)
    assert units.crs == UTM  # the units were not reprojected in place


def test_nodata_cells_count_zero_and_are_reported(tmp_path):
    values = VALUES.copy()
    values[0, 0] = -99999
    path = write_tif(tmp_path / "nd.tif", values, Affine(100, 0, X0, 0, -100, Y0), nodata=-99999)
    raster = read_population_raster(path)
    assert np.isnan(raster.array[0, 0]) and raster.array.dtype == np.float64
    units = gpd.GeoDataFrame(
        geometry=[
            shapely.box(X0, Y0 - 200, X0 + 200, Y0),
            shapely.box(X0 + 300, Y0 - 400, X0 + 400, Y0 - 300),
        ],
        crs=UTM,
    )
    got = households_from_raster(units, raster, 1.0)
    assert got.tolist() == pytest.approx([20 + 50 + 60, 160])
    assert got.attrs["units_touching_nodata"] == 1


def test_partly_overlapping_raster(utm_raster):
    units = gpd.GeoDataFrame(
        geometry=[
            shapely.box(X0 - 100, Y0 - 100, X0 + 100, Y0),  # half outside, on a 10 cell
            shapely.box(X0 + 5000, Y0, X0 + 5100, Y0 + 100),  # wholly outside
            None,
        ],
        crs=UTM,
    )
    got = households_from_raster(units, utm_raster, 2.0)
    assert got.iloc[0] == pytest.approx(5.0)
    assert np.isnan(got.iloc[1]) and np.isnan(got.iloc[2])
    assert got.attrs["units_outside_raster"] == 1


def test_no_overlap_is_a_clear_error(utm_raster):
    units = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 100, 100)], crs=UTM)
    with pytest.raises(InputError, match="does not overlap any unit"):
        households_from_raster(units, utm_raster, 3.8)


def test_reader_errors(tmp_path):
    with pytest.raises(InputFileError, match="file not found"):
        read_population_raster(tmp_path / "missing.tif")
    (tmp_path / "junk.tif").write_text("not a raster")
    with pytest.raises(InputFileError, match="cannot read raster"):
        read_population_raster(tmp_path / "junk.tif")
    two = write_tif(tmp_path / "two.tif", VALUES, Affine(100, 0, X0, 0, -100, Y0), count=2)
    with pytest.raises(InputError, match="2 bands"):
        read_population_raster(two)
    bare = write_tif(tmp_path / "bare.tif", VALUES, Affine(100, 0, X0, 0, -100, Y0), crs=None)
    with pytest.raises(InputError, match="no CRS"):
        read_population_raster(bare)


def buildings_world():
    units = gpd.GeoDataFrame(
        {"rt": ["001", "002"]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)],
        index=["a", "b"],
        crs=UTM,
    )
    buildings = gpd.GeoDataFrame(
        {"building": ["house", "yes", "school", "house", "house", None]},
        geometry=[
            shapely.box(10, 10, 20, 20),  # 100 m2 home in a
            shapely.box(30, 30, 34, 34),  # 16 m2: too small
            shapely.box(120, 10, 160, 50),  # school in b
            shapely.box(150, 60, 160, 70),  # home in b
            shapely.box(500, 500, 520, 520),  # in no unit
            shapely.Point(105, 50),  # point, untyped: a home in b
        ],
        crs=UTM,
    )
    return units, buildings


def test_buildings_min_area_type_and_points():
    units, buildings = buildings_world()
    got = households_from_buildings(units, buildings, 1.5, 20.0)
    assert got.to_dict() == {"a": 1.5, "b": 3.0}
    assert got.attrs["buildings_outside_units"] == 1
    assert households_from_buildings(units, buildings, 1.0, 10.0).to_dict() == {
        "a": 2.0,
        "b": 2.0,
    }


def test_buildings_crs_must_match():
    units, buildings = buildings_world()
    with pytest.raises(CRSMismatchError, match="EPSG:32748.*EPSG:4326"):
        households_from_buildings(units, buildings.to_crs(4326), 1.0, 20.0)


def test_read_buildings_keeps_type_column(tmp_path):
    _, buildings = buildings_world()
    path = tmp_path / "b.gpkg"
    buildings.rename(columns={"building": "Jenis Bangunan"}).to_file(path)
    got = read_buildings(path)
    assert got.columns.tolist() == ["geometry", "building"]
    assert len(got) == 6 and got.crs == UTM
    with pytest.raises(InputFileError, match="file not found"):
        read_buildings(tmp_path / "none.gpkg")


def test_combine_expected_priority_and_disagreement():
    index = pd.Index(["r1", "r2", "r3", "r4", "r5", "r6"], name="unit")
    prelist = pd.Series([100, None, None, 50, 100, None], index=index, dtype="Int64")
    raster = pd.Series([180.0, 40.0, None, 48.0, 180.0, 40.0], index=index)
    buildings = pd.Series([150.0, 50.0, None, np.nan, 105.0, 80.0], index=index)
    out = combine_expected(prelist, raster, buildings, 0.3)
    assert out.columns.tolist() == [
        "expected_prelist", "expected_raster", "expected_buildings",
        "expected_households", "expected_source", "sources_disagree",
    ]  # fmt: skip
    # r1: both independent sources see more homes: buildings set the count
    assert out["expected_households"].tolist()[:2] == [150.0, 50.0]
    assert np.isnan(out.loc["r3", "expected_households"])
    assert out["expected_source"].tolist() == ["buildings", "buildings", pd.NA, "prelist",
                                               "prelist", "buildings"]
    # r1: raster and buildings both over 30% above the prelist; r2: 40 vs 50, 20% apart, no
    # prelist; r3: no source; r4: 4%; r5: the raster alone is off; r6: 40 vs 80, no prelist.
    assert out["sources_disagree"].tolist() == [True, False, False, False, False, True]
    # calibrated per group: a raster twice as high everywhere flags nothing
    group = pd.Series(["a"] * 6, index=index)
    twice = combine_expected(prelist, prelist.astype(float) * 2, None, 0.3, calibrate_by=group)
    assert not twice["sources_disagree"].any()
    only_raster = combine_expected(raster=raster)
    assert only_raster["expected_source"].tolist()[:2] == ["raster", "raster"]
    with pytest.raises(ValueError, match="at least one"):
        combine_expected()


def test_sample_layers_round_trip(tmp_path):
    rng = np.random.default_rng(7)
    area = shapely.box(X0, Y0 - 1000, X0 + 1000, Y0)
    x = rng.uniform(X0 + 100, X0 + 600, 800)
    y = rng.uniform(Y0 - 600, Y0 - 100, 800)
    size = rng.integers(1, 7, 800)
    raster = population_raster(x, y, size, area, np.random.default_rng(1))
    path = write_population_raster(tmp_path / "pop.tif", raster)
    again = read_population_raster(path)
    np.testing.assert_array_equal(np.isnan(again.array), np.isnan(raster.array))
    units = gpd.GeoDataFrame(geometry=[area], crs=UTM)
    total = households_from_raster(units, again, 1.0).iloc[0]
    assert total == pytest.approx(size.sum(), rel=0.05)
    same = population_raster(x, y, size, area, np.random.default_rng(1))
    np.testing.assert_array_equal(same.array, raster.array)
    footprints = building_footprints(x, y, np.random.default_rng(2))
    homes = households_from_buildings(units, footprints, 1.0, 20.0).iloc[0]
    assert 0.4 * 800 < homes < 800
    assert footprints["true_households"].sum() <= 800


def test_raster_without_georeferencing(tmp_path):
    path = tmp_path / "plain.tif"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(
            path, "w", driver="GTiff", height=4, width=4, count=1, dtype="float32"
        ) as dst:
            dst.write(VALUES.astype("float32"), 1)
    with pytest.raises(InputError, match="no CRS"):
        read_population_raster(path)


def test_read_buildings_bad_inputs(tmp_path):
    _, buildings = buildings_world()
    path = tmp_path / "two.gpkg"
    buildings.to_file(path, layer="a")
    buildings.to_file(path, layer="b")
    with pytest.raises(InputError, match="2 layers \\(a, b\\); name the building layer"):
        read_buildings(path)
    assert len(read_buildings(path, layer="b")) == 6
    with pytest.raises(InputError, match="no layer 'c'"):
        read_buildings(path, layer="c")
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=UTM)
    lines.to_file(tmp_path / "lines.gpkg")
    with pytest.raises(InputError, match="polygons or points, found LineString"):
        read_buildings(tmp_path / "lines.gpkg")
