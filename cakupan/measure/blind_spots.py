"""Blind spots: populated places with no counted interview nearby.

Takes populated places (population raster cells from :func:`raster_cells`, or residential
buildings) with a ``households`` estimate, the coordinates of counted interviews and the units
(RTs or kelurahan), all in one metric CRS. Returns ranked areas where households probably live
but nobody was interviewed. Never reads or writes files and never changes its inputs.

A place (a whole cell or building) is a blind spot when no counted interview lies within
``distance_m`` of any part of it; a 100 m cell with an interview just beyond its edge is
therefore not one. Blind-spot pieces closer than ``merge_distance_m`` to each other are joined
into one area, whose estimated households are the sum of its pieces.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cakupan.crs import require_same_crs
from cakupan.read.raster import PopulationRaster

#: Columns of :func:`far_from_interviews`, in order (plus ``geometry``).
BLIND_SPOT_COLUMNS = (
    "rank",
    "estimated_households",
    "kelurahan_code",
    "rw",
    "rt",
    "nearest_rt",
    "name",
    "area_m2",
    "n_pieces",
    "distance_to_interview_m",
)


def raster_cells(raster: PopulationRaster, household_size: float) -> gpd.GeoDataFrame:
    """Return the populated cells of a population raster as polygons.

    Parameters
    ----------
    raster : PopulationRaster
        Persons per cell, nodata as NaN.
    household_size : float
        Persons per household.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cell with more than 0 persons, in row-major order: ``row``, ``col``,
        ``persons``, ``households`` and the cell polygon, in the raster's CRS (reproject with
        ``.to_crs`` before :func:`far_from_interviews`).

    Examples
    --------
    >>> import pyproj
    >>> from affine import Affine
    >>> r = PopulationRaster(np.array([[0.0, 7.6], [np.nan, 3.8]]),
    ...                      Affine(100, 0, 0, 0, -100, 200), pyproj.CRS(32748))
    >>> cells = raster_cells(r, 3.8)
    >>> cells[["row", "col", "households"]].values.tolist(), cells.area.tolist()
    ([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]], [10000.0, 10000.0])
    """
    if not household_size > 0:
        raise ValueError(f"household_size must be positive, got {household_size!r}")
    array = np.asarray(raster.array, dtype="float64")
    populated = np.isfinite(array) & (array > 0)
    rows, cols = np.nonzero(populated)
    t = raster.transform
    ring_col = cols[:, None] + np.array([0, 1, 1, 0, 0])
    ring_row = rows[:, None] + np.array([0, 0, 1, 1, 0])
    xs = t.c + t.a * ring_col + t.b * ring_row
    ys = t.f + t.d * ring_col + t.e * ring_row
    polygons = shapely.polygons(np.stack([xs, ys], axis=-1))
    persons = array[rows, cols]
    return gpd.GeoDataFrame(
        {"row": rows, "col": cols, "persons": persons, "households": persons / household_size},
        geometry=polygons,
        crs=raster.crs,
    )


#: Pieces smaller than this (buildings, points) are buffered into an area; larger ones (raster
#: cells) are areas already.
SMALL_PIECE_M2 = 2500.0


def far_from_interviews(
    populated: gpd.GeoDataFrame,
    counted_xy,
    units: gpd.GeoDataFrame,
    distance_m: float = 100.0,
    min_households: float = 5.0,
    merge_distance_m: float = 50.0,
) -> gpd.GeoDataFrame:
    """Return populated areas with no counted interview within ``distance_m``, ranked.

    Parameters
    ----------
    populated : geopandas.GeoDataFrame
        Raster cells or buildings (polygons or points) with a ``households`` column, metric.
    counted_xy : tuple of two arrays, or array of shape (n, 2)
        x and y of the counted interviews in the same CRS; non-finite pairs are ignored.
    units : geopandas.GeoDataFrame
        RTs or kelurahan in the same CRS, with ``kelurahan_code`` and, when RTs, ``rw`` and
        ``rt``; a ``name`` (or ``sls_name``, ``kelurahan_name``) column is copied when present.
    distance_m : float
        ``Config().gaps.distance_m``.
    min_households : float
        Areas with fewer estimated households are left out (``Config().gaps``).
    merge_distance_m : float
        Pieces this close form one area (``Config().gaps``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per area, sorted by ``rank`` (1 = most households missed; ties by larger area,
        then west to east, south to north), columns :data:`BLIND_SPOT_COLUMNS` and
        ``geometry``: the union of the area's pieces (points buffered by half the merge
        distance, at least 5 m). ``kelurahan_code``, ``rw``, ``rt``, ``name`` are those of the
        unit nearest to (usually containing) a point inside the area; ``nearest_rt`` is
        ``"rw/rt"``. ``distance_to_interview_m`` is NaN when nothing was counted.

    Examples
    --------
    >>> import shapely
    >>> cells = gpd.GeoDataFrame({"households": [20.0, 1.0]}, crs=32748,
    ...     geometry=[shapely.box(300, 0, 400, 100), shapely.box(0, 0, 100, 100)])
    >>> units = gpd.GeoDataFrame({"kelurahan_code": ["3671011001"], "rw": ["001"],
    ...     "rt": ["002"]}, geometry=[shapely.box(0, 0, 500, 100)], crs=32748)
    >>> spots = far_from_interviews(cells, ([50.0], [50.0]), units, 100.0, 5.0)
    >>> spots[["rank", "estimated_households", "nearest_rt", "area_m2"]].values.tolist()
    [[1, 20.0, '001/002', 10000.0]]
    """
    require_same_crs(populated, units, "populated places", "units")
    if "households" not in populated.columns:
        raise ValueError("populated places need a 'households' column (see raster_cells)")
    xs, ys = _split_xy(counted_xy)
    geoms, households = _places(populated)
    interviews = shapely.STRtree(shapely.points(xs, ys))
    if len(xs):
        far = _unvisited(geoms, interviews, distance_m)
        geoms, households = geoms[far], households[far]
    if not len(geoms):
        return _empty(populated.crs)

    left, right = shapely.STRtree(geoms).query(geoms, predicate="dwithin",
                                               distance=merge_distance_m)
    labels = _components(len(geoms), left, right)
    out, area_geoms = _areas(geoms, households, labels, merge_distance_m, populated.crs)
    area_distance = (_distance_to_interview(geoms, labels, len(out), interviews) if len(xs)
                     else np.full(len(out), np.nan))
    keep = out["estimated_households"].to_numpy() >= min_households
    out, area_geoms = out[keep].reset_index(drop=True), area_geoms[keep]
    if not len(out):
        return _empty(populated.crs)
    inner = shapely.point_on_surface(area_geoms)
    out = pd.concat([out, _nearest_unit(inner, units)], axis=1)
    out["distance_to_interview_m"] = area_distance[keep]
    # most households missed first; ties: larger area, then west to east, south to north
    order = np.lexsort((shapely.get_y(inner), shapely.get_x(inner), -out["area_m2"].to_numpy(),
                        -out["estimated_households"].to_numpy()))
    out = out.iloc[order].reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return gpd.GeoDataFrame(
        out[list(BLIND_SPOT_COLUMNS)], geometry=area_geoms[order], crs=populated.crs
    )


def _places(populated: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return the shapes and households of the places with a shape and households."""
    geoms = populated.geometry.to_numpy()
    households = pd.to_numeric(populated["households"], errors="coerce")
    households = households.astype("Float64").astype("float64").to_numpy()
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    keep &= np.isfinite(households) & (households > 0)
    return geoms[keep], households[keep]


def _distance_to_interview(geoms: np.ndarray, labels: np.ndarray, n: int,
                           interviews: shapely.STRtree) -> np.ndarray:
    """Return each of the ``n`` areas' distance to the nearest interview.

    The least of its pieces' distances: simple shapes search much faster than their large
    unions.
    """
    (found, _), dist = interviews.query_nearest(geoms, return_distance=True, all_matches=False)
    out = np.full(n, np.inf)
    np.minimum.at(out, labels[found], dist)
    return out


def _unvisited(geoms: np.ndarray, interviews: shapely.STRtree, distance_m: float) -> np.ndarray:
    """Return which places have no interview within ``distance_m`` of their centre, or in them.

    Most populated places hold an interview: a cheap "contains" settles those, and only the
    rest need a distance search (several times faster than one "dwithin" query).
    """
    far = np.ones(len(geoms), dtype=bool)
    far[interviews.query(geoms, predicate="contains")[0]] = False
    rest = np.flatnonzero(far)
    # distance from the place's centre: a household is where its building or cell is
    near = interviews.query_nearest(shapely.centroid(geoms[rest]), max_distance=distance_m,
                                    all_matches=False)
    far[rest[near[0]]] = False
    return far


def _areas(geoms: np.ndarray, households: np.ndarray, labels: np.ndarray,
           merge_distance_m: float, crs) -> tuple[pd.DataFrame, np.ndarray]:
    """Return the areas the pieces ``labels`` joins form, and their shapes.

    ``estimated_households`` (the pieces' sum), ``n_pieces`` and ``area_m2`` per label.
    Points, lines and building footprints grow into the place around them (yards, lanes);
    raster cells are places already.
    """
    small = shapely.area(geoms) < SMALL_PIECE_M2
    shapes = np.where(small, shapely.buffer(geoms, max(merge_distance_m / 2, 5.0)), geoms)
    areas = (
        gpd.GeoDataFrame({"label": labels}, geometry=shapes, crs=crs)
        .dissolve(by="label", method="unary")
        .sort_index()
    )
    area_geoms = areas.geometry.to_numpy()
    out = pd.DataFrame(
        {
            "estimated_households": np.bincount(labels, weights=households),
            "n_pieces": np.bincount(labels),
            "area_m2": shapely.area(area_geoms),
        }
    )
    return out, area_geoms


def _split_xy(counted_xy):
    if isinstance(counted_xy, np.ndarray) and counted_xy.ndim == 2 and counted_xy.shape[1] == 2:
        xs, ys = counted_xy[:, 0], counted_xy[:, 1]
    else:
        xs, ys = counted_xy
    xs, ys = np.asarray(xs, dtype="float64"), np.asarray(ys, dtype="float64")
    if xs.shape != ys.shape:
        raise ValueError(f"counted x and y differ in length ({len(xs)} and {len(ys)})")
    finite = np.isfinite(xs) & np.isfinite(ys)
    return xs[finite], ys[finite]


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Label connected components of the graph with edges ``left[i]``-``right[i]``.

    Vectorised union-find: hook every root onto the smaller root across each edge, then
    jump pointers until each node points at its root; repeat until no edge joins two roots.
    Labels are numbered in order of each component's first node.
    """
    parent = np.arange(n)
    while True:
        a, b = parent[left], parent[right]
        differ = a != b
        if not differ.any():
            break
        np.minimum.at(parent, np.maximum(a, b)[differ], np.minimum(a, b)[differ])
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
    return np.unique(parent, return_inverse=True)[1]


def _nearest_unit(points: np.ndarray, units: gpd.GeoDataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {name: pd.array([pd.NA] * len(points), dtype="string")
         for name in ("kelurahan_code", "rw", "rt", "nearest_rt", "name")}
    )  # fmt: skip
    unit_geoms = units.geometry.to_numpy()
    if not len(units) or shapely.is_missing(unit_geoms).all():
        return out
    idx = shapely.STRtree(unit_geoms).query_nearest(points, all_matches=False)
    # query_nearest returns (input, tree) pairs sorted by input; with all_matches=False each
    # input appears once.
    unit_pos = idx[1][np.argsort(idx[0], kind="stable")]
    name_col = next((c for c in ("name", "sls_name", "kelurahan_name") if c in units.columns), None)
    for column, source in (
        ("kelurahan_code", "kelurahan_code"),
        ("rw", "rw"),
        ("rt", "rt"),
        ("name", name_col),
    ):
        if source is not None and source in units.columns:
            values = units[source].astype("string").to_numpy()[unit_pos]
            out[column] = pd.array(values, dtype="string")
    out["nearest_rt"] = out["rw"] + "/" + out["rt"]
    return out


def _empty(crs) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(
        {
            "rank": pd.Series(dtype="int64"),
            "estimated_households": pd.Series(dtype="float64"),
            **{
                c: pd.Series(dtype="string")
                for c in ("kelurahan_code", "rw", "rt", "nearest_rt", "name")
            },
            "area_m2": pd.Series(dtype="float64"),
            "n_pieces": pd.Series(dtype="int64"),
            "distance_to_interview_m": pd.Series(dtype="float64"),
        }
    )
    return gpd.GeoDataFrame(frame[list(BLIND_SPOT_COLUMNS)], geometry=[], crs=crs)
