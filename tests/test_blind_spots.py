import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from affine import Affine

from cakupan.errors import CRSMismatchError
from cakupan.measure.blind_spots import (
    BLIND_SPOT_COLUMNS,
    _components,
    far_from_interviews,
    raster_cells,
)
from cakupan.read.raster import PopulationRaster

UTM = "EPSG:32748"
X0, Y0 = 690_000.0, 9_315_000.0


def world():
    """A 10 x 6 grid of 100 m cells, two populated patches and two RTs side by side.

    Patch A (2 x 2 cells, 38 persons each: 40 households) is in RT 002, whose nearest
    interview is 300 m from its edge. Patch B (2 cells) has interviews inside it.
    """
    array = np.full((6, 10), np.nan)
    array[:, :] = 0.0
    array[1:3, 7:9] = 38.0  # patch A
    array[3, 1:3] = 19.0  # patch B
    array[5, 9] = np.nan
    raster = PopulationRaster(array, Affine(100, 0, X0, 0, -100, Y0), pyproj.CRS(UTM))
    units = gpd.GeoDataFrame(
        {
            "kelurahan_code": ["3671011001", "3671011001"],
            "rw": ["001", "001"],
            "rt": ["001", "002"],
            "name": ["RT 1", "RT 2"],
        },
        geometry=[
            shapely.box(X0, Y0 - 600, X0 + 500, Y0),
            shapely.box(X0 + 500, Y0 - 600, X0 + 1000, Y0),
        ],
        crs=UTM,
    )
    # Interviews in patch B and one 300 m west of patch A's western edge (x = X0 + 700).
    xs = np.array([X0 + 150, X0 + 250, X0 + 400])
    ys = np.array([Y0 - 350, Y0 - 350, Y0 - 200])
    return raster, units, (xs, ys)


def test_raster_cells_are_the_populated_cells():
    raster, _, _ = world()
    cells = raster_cells(raster, 3.8)
    assert len(cells) == 6
    assert cells["households"].sum() == pytest.approx((4 * 38 + 2 * 19) / 3.8)
    assert (cells.area == 10_000).all()
    first = cells.iloc[0]
    assert (first["row"], first["col"]) == (1, 7)
    assert first.geometry.equals(shapely.box(X0 + 700, Y0 - 200, X0 + 800, Y0 - 100))


def test_far_patch_found_near_patch_not():
    raster, units, xy = world()
    cells = raster_cells(raster, 3.8)
    before = cells.copy()
    spots = far_from_interviews(cells, xy, units, distance_m=100.0, min_households=5.0)
    assert spots.columns.tolist() == [*BLIND_SPOT_COLUMNS, "geometry"]
    assert len(spots) == 1
    spot = spots.iloc[0]
    assert spot["rank"] == 1
    assert spot["estimated_households"] == pytest.approx(40.0)
    assert spot["n_pieces"] == 4
    assert spot["area_m2"] == pytest.approx(40_000.0)
    assert (spot["kelurahan_code"], spot["nearest_rt"], spot["name"]) == (
        "3671011001", "001/002", "RT 2",
    )  # fmt: skip
    assert spot["distance_to_interview_m"] == pytest.approx(300.0)
    assert spot.geometry.equals(shapely.box(X0 + 700, Y0 - 300, X0 + 900, Y0 - 100))
    assert spots.crs == UTM
    pd.testing.assert_frame_equal(cells, before)


def test_distance_threshold_and_min_households():
    raster, units, xy = world()
    cells = raster_cells(raster, 3.8)
    # Distances run to cell centres: at 360 m the western column of patch A is near enough;
    # at 460 m all of it.
    half = far_from_interviews(cells, xy, units, distance_m=360.0)
    assert half["estimated_households"].tolist() == pytest.approx([20.0])
    assert half["distance_to_interview_m"].tolist() == pytest.approx([400.0])
    assert far_from_interviews(cells, xy, units, distance_m=460.0).empty
    assert far_from_interviews(cells, xy, units, 100.0, min_households=41.0).empty


def test_no_interviews_ranks_every_patch():
    raster, units, _ = world()
    cells = raster_cells(raster, 3.8)
    spots = far_from_interviews(cells, (np.array([]), np.array([])), units, 100.0, 5.0)
    assert spots["estimated_households"].tolist() == pytest.approx([40.0, 10.0])
    assert spots["nearest_rt"].tolist() == ["001/002", "001/001"]
    assert spots["rank"].tolist() == [1, 2]
    assert spots["distance_to_interview_m"].isna().all()


def test_building_points_nearby_are_merged_and_order_is_deterministic():
    rng = np.random.default_rng(0)
    # Two clusters of building points far from the only interview.
    a = np.column_stack([rng.uniform(0, 60, 12), rng.uniform(0, 60, 12)])
    b = np.column_stack([rng.uniform(400, 430, 6), rng.uniform(0, 30, 6)])
    xy = np.vstack([a, b]) + [X0, Y0 - 600]
    buildings = gpd.GeoDataFrame(
        {"households": np.ones(len(xy))}, geometry=shapely.points(xy), crs=UTM
    )
    _, units, _ = world()
    interview = np.array([[X0 + 900, Y0 - 100]])
    spots = far_from_interviews(buildings, interview, units, 100.0, 5.0, merge_distance_m=50.0)
    assert spots["estimated_households"].tolist() == [12.0, 6.0]
    assert spots["n_pieces"].tolist() == [12, 6]
    shuffled = buildings.sample(frac=1.0, random_state=3)
    again = far_from_interviews(shuffled, interview, units, 100.0, 5.0, merge_distance_m=50.0)
    pd.testing.assert_frame_equal(spots.drop(columns="geometry"), again.drop(columns="geometry"))
    assert spots.geometry.geom_equals_exact(again.geometry, 1e-6).all()


def test_crs_mismatch_is_an_error():
    raster, units, xy = world()
    cells = raster_cells(raster, 3.8)
    with pytest.raises(CRSMismatchError, match="EPSG:4326"):
        far_from_interviews(cells, xy, units.to_crs(4326), 100.0, 5.0)


def test_components_match_a_graph_library():
    csgraph = pytest.importorskip("scipy.sparse.csgraph")
    from scipy.sparse import coo_matrix

    rng = np.random.default_rng(5)
    n = 200
    left, right = rng.integers(0, n, 150), rng.integers(0, n, 150)
    ours = _components(n, left, right)
    graph = coo_matrix((np.ones(150), (left, right)), shape=(n, n))
    _, theirs = csgraph.connected_components(graph, directed=False)
    # Same partition: a one-to-one map between labels.
    pairs = set(zip(ours.tolist(), theirs.tolist(), strict=True))
    assert len(pairs) == len(set(ours.tolist())) == len(set(theirs.tolist()))
