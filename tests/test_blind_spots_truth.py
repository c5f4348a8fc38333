"""Blind spots and source disagreement scored against the city demo's ground truth."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.spatial import cKDTree

from cakupan.config import Config

pytestmark = pytest.mark.slow

METRIC = "EPSG:32748"


def _counted_points(demo):
    source = pd.read_csv(demo / "input" / "interviews.csv", dtype=str, keep_default_na=False)
    out = pd.read_csv(demo / "interviews.csv", dtype=str, keep_default_na=False)
    sure = (out["status"] == "counted") & (out["doubtful"] != "True")
    points = gpd.GeoSeries(gpd.points_from_xy(
        pd.to_numeric(source["lon"].str.replace(",", "."), errors="coerce"),
        pd.to_numeric(source["lat"].str.replace(",", "."), errors="coerce")), crs=4326)
    repaired = out["repairs"].str.contains("swapped")
    points[repaired] = gpd.points_from_xy(points[repaired].y, points[repaired].x)
    xy = shapely.get_coordinates(points[sure].to_crs(METRIC).values)
    return xy[np.isfinite(xy).all(axis=1)]


def test_blind_spots_find_missed_households(city_demo):
    distance = Config().gaps.distance_m
    households = pd.read_parquet(city_demo / "truth" / "households.parquet")
    missed = households[~households["interviewed"]]
    far, _ = cKDTree(_counted_points(city_demo)).query(missed[["x", "y"]].to_numpy())
    remote = missed[far > distance]
    spots = gpd.read_file(city_demo / "gaps.geojson").to_crs(METRIC)
    tree = shapely.STRtree(spots.geometry.to_numpy())
    hit = np.zeros(len(remote), dtype=bool)
    found, which = tree.query(shapely.points(remote[["x", "y"]].to_numpy()),
                              predicate="intersects")
    hit[found] = True
    recall = hit.mean()
    every_missed = shapely.points(missed[["x", "y"]].to_numpy())
    holding = np.unique(tree.query(every_missed, predicate="intersects")[1])
    area = spots.area.to_numpy()
    precision = area[holding].sum() / area.sum()
    print(f"\nmissed households > {distance:.0f} m from any counted interview: {len(remote)}, "
          f"inside a blind spot: {recall:.3f}; blind spots: {len(spots)}, area holding truly "
          f"missed households: {precision:.3f}")
    assert len(remote) > 500
    assert recall >= 0.90
    assert precision >= 0.80


def test_prelist_omissions_flagged_by_independent_sources(city_demo):
    coverage = pd.read_csv(city_demo / "coverage.csv", dtype=str, keep_default_na=False)
    rt = coverage[coverage["level"] == "rt"].set_index("code")
    truth = pd.read_csv(city_demo / "truth" / "rt.csv", dtype=str, keep_default_na=False)
    truth["code"] = truth["kelurahan_code"] + truth["rw"] + truth["rt"]
    truth = truth.set_index("code")
    flagged = rt["sources_disagree"].astype(int) > 0
    omitted = truth.index[truth["fault"] == "new_block"]
    ordinary = truth.index[truth["fault"] == ""]
    recall = flagged[omitted].mean()
    false_flags = flagged[ordinary].mean()
    print(f"\nRTs whose prelist omits a housing block: {len(omitted)}, flagged: {recall:.3f}; "
          f"ordinary RTs flagged: {false_flags:.3f}")
    assert len(omitted) > 30
    assert recall >= 0.8
    assert false_flags <= 0.10
