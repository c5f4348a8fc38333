import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from cakupan.errors import CRSMismatchError
from cakupan.measure.expected import households_from_buildings
from cakupan.measure.territories import approximate_territories

UTM = "EPSG:32748"
X0, Y0 = 690_000.0, 9_310_000.0


@pytest.fixture
def world():
    """Two neighbouring kelurahan (one L-shaped), a third with no interview."""
    kelurahan = gpd.GeoDataFrame(
        {"kelurahan_code": ["3671011001", "3671011002", "3671011003"]},
        geometry=[
            shapely.Polygon([(0, 0), (1000, 0), (1000, 400), (500, 400), (500, 900), (0, 900)]),
            shapely.Polygon(
                [(1000, 0), (1700, 0), (1700, 900), (500, 900), (500, 400), (1000, 400)]
            ),
            shapely.box(1700, 0, 2000, 900),
        ],
        crs=UTM,
    )
    kelurahan["geometry"] = kelurahan.translate(X0, Y0)
    rng = np.random.default_rng(11)
    n = 300
    xy = np.column_stack([rng.uniform(0, 1700, n), rng.uniform(0, 900, n)])
    points = gpd.GeoDataFrame(geometry=shapely.points(xy + [X0, Y0]), crs=UTM)
    joined = points.sjoin(kelurahan, predicate="within", how="left")
    points["kelurahan_code"] = joined["kelurahan_code"].to_numpy()
    points = points[points["kelurahan_code"].notna()].reset_index(drop=True)
    x = points.geometry.x - X0
    y = points.geometry.y - Y0
    points["rw"] = np.where(y < 450, "001", "002")
    points["rt"] = pd.Series(np.floor(x / 300).astype(int) + 1).map("{:03d}".format).to_numpy()
    return points, kelurahan


def test_territories_tile_each_kelurahan_without_overlap(world):
    points, kelurahan = world
    before = points.copy()
    out = approximate_territories(points, kelurahan)
    assert out.columns.tolist() == ["kelurahan_code", "rw", "rt", "n_points", "geometry"]
    assert out.crs == UTM
    assert out.attrs["kelurahan_without_points"] == ["3671011003"]
    assert out.attrs["points_ignored"] == 0
    keys = out[["kelurahan_code", "rw", "rt"]].apply(tuple, axis=1).tolist()
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    declared = set(points[["kelurahan_code", "rw", "rt"]].apply(tuple, axis=1))
    assert set(keys) == declared
    for code, group in out.groupby("kelurahan_code"):
        shape = kelurahan.loc[kelurahan["kelurahan_code"] == code].geometry.iloc[0]
        geoms = group.geometry.to_numpy()
        # Tile: the pieces add up to the kelurahan and their union is the kelurahan.
        assert shapely.area(geoms).sum() == pytest.approx(shape.area, rel=1e-9)
        assert shapely.union_all(geoms).symmetric_difference(shape).area < 1e-3
        # No overlap between any two territories.
        left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        pairs = left < right
        overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
        assert overlap.sum() < 1e-3
    # Every interview lies in the territory of the RT it declared.
    located = points.sjoin(out, predicate="within", how="left", lsuffix="p", rsuffix="t")
    assert (located["rt_p"] == located["rt_t"]).all()
    assert (located["rw_p"] == located["rw_t"]).all()
    pd.testing.assert_frame_equal(points, before)


def test_single_point_duplicates_and_strays(world):
    _, kelurahan = world
    pts = shapely.points(
        [
            (X0 + 100, Y0 + 100),  # kelurahan 3 (one spot, three interviews: RT 002 wins)
            (X0 + 100, Y0 + 100),
            (X0 + 100, Y0 + 100),
            (X0 + 1800, Y0 + 500),  # declared in 1 but lies in 3: ignored
            (X0 + 1800, Y0 + 600),  # the only seed of kelurahan 3
        ]
    )
    points = gpd.GeoDataFrame(
        {
            "kelurahan_code": ["3671011001"] * 4 + ["3671011003"],
            "rw": ["001"] * 5,
            "rt": ["002", "001", "002", "009", "004"],
        },
        geometry=pts,
        crs=UTM,
    )
    out = approximate_territories(points, kelurahan)
    assert out[["kelurahan_code", "rt", "n_points"]].values.tolist() == [
        ["3671011001", "002", 1],
        ["3671011003", "004", 1],
    ]
    assert out.geometry.iloc[0].equals(kelurahan.geometry.iloc[0])
    assert out.geometry.iloc[1].equals(kelurahan.geometry.iloc[2])
    assert out.attrs["points_ignored"] == 1
    assert out.attrs["kelurahan_without_points"] == ["3671011002"]


def test_expected_counts_per_territory(world):
    points, kelurahan = world
    territories = approximate_territories(points, kelurahan)
    homes = points.assign(geometry=points.buffer(5.0))  # one 78 m2 home per interview
    per_rt = households_from_buildings(territories, homes, 1.0, 20.0)
    assert per_rt.sum() == len(points)
    assert per_rt.to_numpy().tolist() == territories["n_points"].astype(float).tolist()


def test_crs_mismatch(world):
    points, kelurahan = world
    with pytest.raises(CRSMismatchError):
        approximate_territories(points.to_crs(4326), kelurahan)
