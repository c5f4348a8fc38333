"""PolygonIndex against shapely's exact ``covers`` (and geopandas.sjoin) with ties to the lowest."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from cakupan.assign._grid import PolygonIndex

BOUNDARIES = Path(__file__).resolve().parents[1] / "boundaries" / "kota_tangerang_kelurahan.geojson"


def oracle_all(polygons, x, y):
    """(point, polygon) pairs where the polygon covers the point, sorted."""
    polygons = np.asarray(polygons, dtype=object)
    pt, poly = shapely.STRtree(polygons).query(shapely.points(x, y), predicate="intersects")
    order = np.lexsort((poly, pt))
    return pt[order], poly[order]


def oracle(polygons, x, y):
    """Lowest covering polygon per point, -1 for none."""
    pt, poly = oracle_all(polygons, x, y)
    out = np.full(len(x), -1)
    first = np.r_[True, pt[1:] != pt[:-1]] if len(pt) else np.zeros(0, bool)
    out[pt[first]] = poly[first]
    return out


def check(polygons, x, y, cell_size=None):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    index = PolygonIndex(polygons, cell_size)
    got = index.locate(x, y)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, oracle(polygons, x, y))
    a, b = index.locate_all(x, y)
    e_pt, e_poly = oracle_all(polygons, x, y)
    np.testing.assert_array_equal(a, e_pt)
    np.testing.assert_array_equal(b, e_poly)
    return got


def unit_squares(n=3):
    return np.array([shapely.box(i, j, i + 1, j + 1) for j in range(n) for i in range(n)])


CELL_SIZES = [None, 0.3, 0.5, 1.0, 2.5]


@pytest.mark.parametrize("cell_size", CELL_SIZES)
def test_shared_edges_and_vertices_go_to_lowest(cell_size):
    squares = unit_squares()
    x = [0.5, 1.0, 1.0, 1.5, 2.0, 0.0, 3.0, 1.0, 2.0, 0.25, 3.0 + 1e-12, -1e-300]
    y = [0.5, 0.5, 1.0, 1.0, 2.0, 0.0, 3.0, 3.0, 1.5, 3.0, 3.0, 0.5]
    got = check(squares, x, y, cell_size)
    #          inside edge vertex edge vtx corner corner top  edge  top  outside outside
    assert got.tolist() == [0, 0, 0, 1, 4, 0, 8, 6, 4, 6, -1, -1]


@pytest.mark.parametrize("cell_size", CELL_SIZES)
def test_overlaps_holes_multipolygons(cell_size):
    ring = shapely.box(0, 0, 4, 4).difference(shapely.box(1, 1, 3, 3))
    polygons = np.array(
        [
            shapely.box(2, 2, 5, 5),  # overlaps the ring and the hole
            ring,
            shapely.MultiPolygon([shapely.box(1.5, 1.5, 2.5, 2.5), shapely.box(6, 0, 7, 1)]),
            None,
            shapely.Polygon(),
            shapely.Polygon([(0, 0), (4, 0), (2, -2)]),  # shares the ring's bottom edge
        ],
        dtype=object,
    )
    x = [0.5, 2.0, 1.5, 1.75, 3.5, 2.0, 6.5, 7.0, 2.0, 3.0, 4.5, 8.0, 1.0, 2.0]
    y = [0.5, 2.0, 1.5, 1.75, 3.5, 0.0, 0.5, 1.0, -1.0, 3.0, 4.5, 8.0, 1.0, 1.0]
    got = check(polygons, x, y, cell_size)
    assert got[:3].tolist() == [1, 0, 2]  # ring; overlap of 0 and the hole; corner of 2 in the hole
    assert got[3] == 2 and got[6] == 2 and got[8] == 5  # hole filled by 2; far part; triangle
    assert got[5] == 1  # shared edge of ring and triangle


def test_empty_and_nan_inputs():
    index = PolygonIndex(unit_squares())
    assert index.locate(np.array([]), np.array([])).tolist() == []
    a, b = index.locate_all(np.array([]), np.array([]))
    assert a.tolist() == [] and b.tolist() == []
    x = np.array([np.nan, 0.5, np.inf, 0.5, -np.inf])
    y = np.array([0.5, np.nan, 0.5, 0.5, np.nan])
    assert index.locate(x, y).tolist() == [-1, -1, -1, 0, -1]
    a, b = index.locate_all(x, y)
    assert a.tolist() == [3] and b.tolist() == [0]
    nothing = PolygonIndex(np.array([None, shapely.Polygon()], dtype=object))
    assert nothing.locate(np.array([0.0]), np.array([0.0])).tolist() == [-1]
    assert PolygonIndex(np.array([], dtype=object)).locate(
        np.array([1.0]), np.array([1.0])
    ).tolist() == [-1]


def test_bad_inputs():
    with pytest.raises(TypeError, match="position 1 is a LineString"):
        PolygonIndex(np.array([shapely.box(0, 0, 1, 1), shapely.LineString([(0, 0), (1, 1)])]))
    with pytest.raises(ValueError, match="cell_size"):
        PolygonIndex(unit_squares(), cell_size=-1)
    with pytest.raises(ValueError, match="1-D"):
        PolygonIndex(unit_squares()).locate(np.zeros(3), np.zeros(2))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-2, 14), st.integers(-2, 14), st.integers(0, 3)),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from([None, 0.25, 0.7, 1.0, 3.0]),
    st.integers(0, 2**32 - 1),
)
def test_random_points_on_a_grid_of_squares(raw, cell_size, seed):
    """Points on quarter-unit lattices (many exactly on edges and vertices) and random ones."""
    rng = np.random.default_rng(seed)
    # 4 x 4 squares of side 3 minus some, in shuffled order, one overlapping triangle.
    keep = rng.random(16) < 0.8
    squares = [shapely.box(3 * i, 3 * j, 3 * i + 3, 3 * j + 3) for j in range(4) for i in range(4)]
    polygons = [s for s, k in zip(squares, keep, strict=True) if k]
    polygons.append(shapely.Polygon([(1, 1), (7, 2), (4, 8)]))
    polygons = np.array(polygons, dtype=object)[rng.permutation(len(polygons))]
    xs, ys, denom = np.array(raw).T
    x = np.r_[xs / 2**denom, rng.uniform(-1, 13, 50)]
    y = np.r_[ys / 2**denom, rng.uniform(-1, 13, 50)]
    check(polygons, x, y, cell_size)


def test_voronoi_matches_sjoin():
    rng = np.random.default_rng(7)
    seeds = shapely.multipoints(rng.uniform(0, 1000, (200, 2)))
    hull = shapely.Point(500, 500).buffer(480)
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(seeds)), hull)
    units = gpd.GeoDataFrame(geometry=cells[~shapely.is_empty(cells)], crs="EPSG:32748")
    coords = shapely.get_coordinates(units.geometry.values)
    x = np.r_[rng.uniform(-50, 1050, 20000), coords[:, 0], (coords[:-1, 0] + coords[1:, 0]) / 2]
    y = np.r_[rng.uniform(-50, 1050, 20000), coords[:, 1], (coords[:-1, 1] + coords[1:, 1]) / 2]
    got = check(units.geometry, x, y)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=units.crs)
    joined = gpd.sjoin(points, units, predicate="intersects")
    expected = np.full(len(x), -1)
    lowest = joined["index_right"].groupby(level=0).min()
    expected[lowest.index] = lowest.to_numpy()
    np.testing.assert_array_equal(got, expected)


def test_real_kelurahan_with_overlaps():
    units = gpd.read_file(BOUNDARIES).to_crs("EPSG:32748").geometry
    rng = np.random.default_rng(3)
    xmin, ymin, xmax, ymax = units.total_bounds
    coords = shapely.get_coordinates(units.values)[::3]
    x = np.r_[rng.uniform(xmin - 100, xmax + 100, 20000), coords[:, 0]]
    y = np.r_[rng.uniform(ymin - 100, ymax + 100, 20000), coords[:, 1]]
    check(units, x, y)
    check(units, x, y, cell_size=400.0)
