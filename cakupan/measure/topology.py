"""Topology of a polygon layer: where neighbouring units overlap and where they leave holes.

Takes units (kelurahan, SLS) in a metric CRS and returns two new frames: the overlap of every
pair of neighbours, and the holes inside the union of all units, each with its area and where
it is. Boundaries simplified one polygon at a time (the bundled Kota Tangerang file) have
both; a point in an overlap lies in two units, a point in a hole in none. (A "gap" in cakupan
is a coverage gap, ``gap_households``; only :func:`summary` keeps the manifest's older key
names for holes.) Computation only: nothing here reads or writes files, nothing is repaired.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cakupan.crs import require_metric

#: Overlaps smaller than this (m²) are rounding noise between shared vertices, not overlaps.
MIN_OVERLAP_M2 = 1.0
#: Holes smaller than this (m²) are floating-point noise of the union (about 1e-8 m² at
#: Tangerang's coordinates; how many such specks appear depends on the GEOS version).
MIN_HOLE_M2 = 0.01
#: How far (m) from a hole a unit may be and still count as its neighbour (the union moves
#: vertices by floating-point noise).
_TOUCH_M = 0.01


def dissolve(frame: gpd.GeoDataFrame, by) -> gpd.GeoDataFrame:
    """Return one polygon per value of ``by``, sorted: the union of its rows.

    What ``frame.dissolve(by, as_index=False, sort=True)[[*by, "geometry"]]`` gives (rows
    missing a key are left out), but a group of one row keeps its polygon as it is: most RTs
    are one polygon, and unioning 60,000 of them one by one takes seconds.

    Examples
    --------
    >>> from shapely import box
    >>> frame = gpd.GeoDataFrame({"rt": ["2", "1", "1", None]}, geometry=[
    ...     box(5, 0, 6, 1), box(0, 0, 1, 1), box(1, 0, 2, 1), box(9, 9, 10, 10)])
    >>> [(rt, shape.area) for rt, shape in dissolve(frame, "rt").to_numpy()]
    [('1', 2.0), ('2', 1.0)]
    """
    by = [by] if isinstance(by, str) else list(by)
    group = frame.groupby(by, sort=True, dropna=True).ngroup()
    group = group.fillna(-1).to_numpy(dtype=np.int64)
    keep = np.flatnonzero(group >= 0)
    order = keep[np.argsort(group[keep], kind="stable")]
    sizes = np.bincount(group[keep])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    geoms = frame.geometry.to_numpy()
    shapes = geoms[order[starts]].copy()
    for number in np.flatnonzero(sizes > 1):
        shapes[number] = shapely.union_all(geoms[order[starts[number]:starts[number]
                                                       + sizes[number]]])
    out = frame.iloc[order[starts]][by].reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry=shapes, crs=frame.crs)


def overlaps_and_holes(polygons: gpd.GeoDataFrame, code: str,
                       min_overlap_m2: float = MIN_OVERLAP_M2,
                       min_hole_m2: float = MIN_HOLE_M2, max_hole_m2: float | None = None
                       ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the overlaps between neighbouring units and the holes between them.

    Parameters
    ----------
    polygons : GeoDataFrame
        Units in a metric CRS (areas in m²), one or more rows per unit.
    code : str
        Column naming the unit; pieces sharing a code never overlap each other.
    min_overlap_m2 : float
        Overlaps smaller than this are ignored.
    min_hole_m2 : float
        Holes smaller than this are ignored.
    max_hole_m2 : float, optional
        Holes of the union larger than this are left out (a lake, a district that is not
        part of the layer); default: every hole.

    Returns
    -------
    overlaps : GeoDataFrame
        ``code_a``, ``code_b`` (``code_a < code_b``), ``area_m2`` and the shared area, one row
        per pair of units, sorted by the codes.
    holes : GeoDataFrame
        ``area_m2``, ``neighbours`` (the codes around it, ``;``-separated) and the hole, one
        row per hole of the union, largest first.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame({"kode": ["a", "b", "c"]}, crs=32748, geometry=[
    ...     box(0, 0, 10, 10), box(9, 0, 20, 10), box(0, 10, 20, 20).difference(
    ...         box(14, 10, 16, 12))])
    >>> overlaps, holes = overlaps_and_holes(units, "kode")
    >>> overlaps[["code_a", "code_b", "area_m2"]].values.tolist()
    [['a', 'b', 10.0]]
    >>> holes[["area_m2", "neighbours"]].values.tolist()
    [[4.0, 'b;c']]
    """
    require_metric(polygons.crs, "polygons are", "polygons")
    geometry = shapely.make_valid(polygons.geometry.to_numpy())
    codes = polygons[code].astype("string").to_numpy(dtype=object)
    if _is_coverage(geometry):  # no overlaps, and the union is quick to find from the edges
        return (_overlaps(geometry[:0], codes[:0], min_overlap_m2, polygons.crs),
                _holes(geometry, codes, min_hole_m2, max_hole_m2, polygons.crs,
                       shapely.coverage_union_all(geometry)))
    return (_overlaps(geometry, codes, min_overlap_m2, polygons.crs),
            _holes(geometry, codes, min_hole_m2, max_hole_m2, polygons.crs))


def _is_coverage(geometry: np.ndarray) -> bool:
    """Whether polygons form a valid coverage: none overlaps another, shared edges match.

    SLS maps drawn as a coverage (every shared edge digitised once) are; then their union
    can be built from the edges used once (:func:`shapely.coverage_union_all`), a fraction of
    the cost of a general union, and there is no overlap to look for. Layers with defects
    are not, and go the general way.
    """
    polygonal = np.isin(shapely.get_type_id(geometry), (3, 6)).all()
    return bool(polygonal and len(geometry) and hasattr(shapely, "coverage_is_valid")
                and shapely.coverage_is_valid(geometry))


def _overlaps(geometry, codes, min_area, crs) -> gpd.GeoDataFrame:
    tree = shapely.STRtree(geometry)
    left, right = tree.query(geometry, predicate="intersects")
    keep = (left < right) & (codes[left] != codes[right])
    left, right = left[keep], right[keep]
    if min_area > 0:  # most neighbours only share edges: no area, no overlay needed
        inner = shapely.relate_pattern(geometry[left], geometry[right], "2********")
        left, right = left[inner], right[inner]
    shared = _polygonal(shapely.intersection(geometry[left], geometry[right]))
    area = shapely.area(shared)
    big = area >= min_area
    frame = pd.DataFrame({"a": codes[left[big]], "b": codes[right[big]], "area_m2": area[big]})
    frame["geometry"] = shared[big]
    swap = frame["a"] > frame["b"]
    frame["code_a"] = frame["a"].where(~swap, frame["b"])
    frame["code_b"] = frame["b"].where(~swap, frame["a"])
    # pieces of one unit overlapping pieces of another are one pair
    frame = frame.groupby(["code_a", "code_b"], sort=True, as_index=False).agg(
        area_m2=("area_m2", "sum"), geometry=("geometry", shapely.union_all))
    return gpd.GeoDataFrame(frame[["code_a", "code_b", "area_m2", "geometry"]].astype(
        {"code_a": "string", "code_b": "string"}), geometry="geometry", crs=crs)


def _polygonal(geometries: np.ndarray) -> np.ndarray:
    """Return the polygonal parts of each geometry (lines and points where edges touch go)."""
    parts, index = shapely.get_parts(geometries, return_index=True)
    keep = shapely.get_type_id(parts) == 3
    out = np.array([shapely.MultiPolygon()] * len(geometries), dtype=object)
    if keep.any():
        owners = np.unique(index[keep])
        rank = np.searchsorted(owners, index[keep])
        out[owners] = shapely.multipolygons(parts[keep], indices=rank)
    return out


def _holes(geometry, codes, min_area, max_area, crs, union=None) -> gpd.GeoDataFrame:
    """Return the holes of the union of ``geometry``, with their area and neighbours."""
    union = shapely.union_all(geometry) if union is None else union
    parts = shapely.get_parts(union)
    parts = parts[np.isin(shapely.get_type_id(parts), (3,))]
    n = shapely.get_num_interior_rings(parts)
    rings = [shapely.get_interior_ring(parts[n > k], k) for k in range(int(n.max(initial=0)))]
    holes = shapely.polygons(np.concatenate(rings)) if rings else np.array([], dtype=object)
    area = shapely.area(holes)
    keep = (area >= min_area) & (area <= (np.inf if max_area is None else max_area))
    holes, area = holes[keep], area[keep]
    tree = shapely.STRtree(geometry)
    hole, unit = tree.query(holes, predicate="dwithin", distance=_TOUCH_M)
    pairs = pd.DataFrame({"hole": hole, "code": codes[unit]}).drop_duplicates()
    neighbours = pairs.sort_values(["hole", "code"]).groupby("hole")["code"].agg(";".join)
    frame = pd.DataFrame({"area_m2": area,
                          "neighbours": neighbours.reindex(np.arange(len(holes))).to_numpy()})
    frame["neighbours"] = frame["neighbours"].astype("string")
    out = gpd.GeoDataFrame(frame, geometry=holes, crs=crs)
    x, y = shapely.get_x(shapely.centroid(holes)), shapely.get_y(shapely.centroid(holes))
    order = np.lexsort((np.round(y, 3), np.round(x, 3), -np.round(area, 6)))
    return out.iloc[order].reset_index(drop=True)


def summary(overlaps: gpd.GeoDataFrame, holes: gpd.GeoDataFrame) -> dict:
    """Return counts, total and largest areas (hectares) of overlaps and holes.

    The keys are those of ``manifest.json`` (a contract), which names holes ``gaps``:
    ``gaps``, ``gap_ha`` and ``largest_gap_ha`` count and measure the holes.

    Examples
    --------
    >>> empty = gpd.GeoDataFrame({"area_m2": []}, geometry=[])
    >>> summary(empty, empty)["overlap_pairs"]
    0
    """
    def largest(frame):
        return round(float(frame["area_m2"].max()) / 1e4, 2) if len(frame) else 0.0

    return {
        "overlap_pairs": int(len(overlaps)),
        "overlap_ha": round(float(overlaps["area_m2"].sum()) / 1e4, 2),
        "largest_overlap_ha": largest(overlaps),
        "gaps": int(len(holes)),
        "gap_ha": round(float(holes["area_m2"].sum()) / 1e4, 2),
        "largest_gap_ha": largest(holes),
    }
