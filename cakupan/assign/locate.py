"""Assign: put every interview in a kelurahan and an RT.

Takes normalised interviews, kelurahan polygons and, when given, SLS (RT) polygons; returns a
new interviews frame with metric coordinates, the unit found by location and the unit each
interview is counted in. Nothing here touches the disk.

Rules, in order:

1. Coordinates. A row whose point lies in no kelurahan is tried with latitude and longitude
   swapped, then as UTM metres in the area's zone; if that lands inside, the repair is named
   in ``repairs`` (``swapped_lat_lon``, ``utm_coordinates``). Otherwise the row is
   ``outside_area`` (a valid lon/lat elsewhere) or ``invalid_coordinates``.
2. Location. A point covered by one kelurahan is in it. A point covered by two (the bundled
   boundaries overlap where they were simplified one by one) goes to the one it declares,
   else to the lowest code. A point in a sliver between kelurahan goes to the nearest within
   ``[assign] sliver_tolerance_m``.
3. Counting. An interview is counted in the kelurahan it declares when that code is known
   (directly or through the crosswalk), otherwise in the kelurahan where it lies; in the RT
   it declares, otherwise (with SLS polygons) in the RT where it lies. The location check
   (:mod:`cakupan.detect.location`) says when declaration and location disagree.
4. Crosswalk. BPS and Kemendagri number desa differently. A declared kelurahan code that is
   not in the boundaries is matched to the kelurahan where most of its interviews lie; every
   such match is reported, none is silent.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyproj
import shapely

from cakupan._text import as_arrow, joined_keys, positions_in, take_text, text_series
from cakupan.assign._grid import PolygonIndex
from cakupan.assign.indexed import Indexed
from cakupan.crs import WGS84, require_same_crs


def is_located(lon, lat) -> np.ndarray:
    """Return where a position is on the globe (longitude and latitude in range)."""
    with np.errstate(invalid="ignore"):
        return (np.abs(lon) <= 180) & (np.abs(lat) <= 90)


def locate(x: np.ndarray, y: np.ndarray, polygons) -> tuple[np.ndarray, np.ndarray]:
    """Return every (point, polygon) pair where the polygon covers the point.

    ``polygons`` is an array of polygons, an :class:`~cakupan.assign.indexed.Indexed` layer or
    a :class:`~cakupan.assign._grid.PolygonIndex` built on them (build it once when locating
    several times). Points on an edge are covered by every polygon sharing the edge; callers
    break ties. NaN coordinates are in no polygon.
    """
    index = polygons if isinstance(polygons, PolygonIndex) else Indexed.of(polygons).index
    return index.locate_all(np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def first_per_point(point: np.ndarray, polygon: np.ndarray, n: int,
                    preferred: np.ndarray | None = None) -> np.ndarray:
    """Return one polygon per point: ``preferred`` when it is among the pairs, else the lowest.

    Points in no pair get -1.

    Examples
    --------
    >>> first_per_point(np.array([0, 0, 2]), np.array([5, 3, 1]), 3).tolist()
    [3, -1, 1]
    >>> first_per_point(np.array([0, 0]), np.array([5, 3]), 1, np.array([5])).tolist()
    [5]
    """
    out = np.full(n, -1, dtype=np.int64)
    if len(point) == 0:
        return out
    rank = polygon.astype(np.int64)
    if preferred is not None:
        rank = np.where(polygon == preferred[point], -1, rank)
    order = np.lexsort((rank, point))
    point, polygon = point[order], polygon[order]
    first = np.r_[True, point[1:] != point[:-1]]
    out[point[first]] = polygon[first]
    return out


def nearest_within(x, y, polygons, distance: float) -> np.ndarray:
    """Return the nearest polygon within ``distance`` of each point, -1 where none is.

    ``polygons``: an array of polygons or an :class:`~cakupan.assign.indexed.Indexed` layer.
    """
    layer = Indexed.of(polygons)
    out = np.full(len(x), -1, dtype=np.int64)
    ok = np.isfinite(x) & np.isfinite(y)
    # Exact nearest distances cost, and most points lie far from every polygon: points
    # beyond the polygons' bounds, then those a prepared "within distance" test does not
    # find, are left out (with a margin, so that rounding drops none).
    near = distance is not None and distance > 0
    if near:
        margin = distance * (1 + 1e-6)
        west, south, east, north = shapely.total_bounds(layer.geoms)
        ok &= (x >= west - margin) & (x <= east + margin) & (y >= south - margin) & (
            y <= north + margin)
    ok = np.flatnonzero(ok)
    if len(ok) == 0:
        return out
    tree = layer.tree
    points = shapely.points(x[ok], y[ok])
    if near:
        found = np.unique(tree.query(points, predicate="dwithin", distance=margin)[0])
        ok, points = ok[found], points[found]
    point, polygon = tree.query_nearest(points, max_distance=distance, all_matches=True)
    out[ok] = first_per_point(point, polygon, len(ok))
    return out


def _project(lon, lat, crs) -> tuple[np.ndarray, np.ndarray]:
    transformer = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
    return transformer.transform(lon, lat)


def place_interviews(interviews: pd.DataFrame, kelurahan: gpd.GeoDataFrame,
                     units: gpd.GeoDataFrame | None = None,
                     sliver_tolerance_m: float = 30.0) -> pd.DataFrame:
    """Return interviews placed in kelurahan and RTs (see the module docstring for the rules).

    Parameters
    ----------
    interviews : DataFrame
        From :func:`cakupan.normalise.tables.interviews`.
    kelurahan : GeoDataFrame or Indexed
        Kelurahan polygons in a metric CRS, sorted by ``kelurahan_code`` (or an
        :class:`~cakupan.assign.indexed.Indexed` layer of them, whose indexes are reused).
    units : GeoDataFrame or Indexed, optional
        RT polygons in the same CRS, with ``kelurahan_code``, ``rw``, ``rt``.
    sliver_tolerance_m : float
        How far from every kelurahan a point may lie and still be placed in the nearest.

    Returns
    -------
    DataFrame
        ``interviews`` with ``lon``/``lat`` repaired, metric ``x``/``y``, the unit by location
        (``location_kelurahan_code``, ``location_rw``, ``location_rt``), the unit counted
        (``kelurahan_code``, ``rw``, ``rt``), ``declared_kelurahan_code``, ``status`` and
        ``repairs`` updated.
    """
    if units is not None:
        require_same_crs(kelurahan, units, "kelurahan", "units")
    return count_interviews(locate_interviews(interviews, kelurahan, sliver_tolerance_m),
                            kelurahan, units)


def locate_interviews(interviews: pd.DataFrame, kelurahan: gpd.GeoDataFrame,
                      sliver_tolerance_m: float = 30.0) -> pd.DataFrame:
    """Return interviews with coordinates repaired and the kelurahan each lies in.

    Rules 1 and 2 of the module docstring: each row on its own, so a file may be located a
    batch at a time. Adds ``x``/``y``, ``location_kelurahan_code`` and
    ``declared_kelurahan_code``; updates ``lon``/``lat``, ``status`` and ``repairs``.
    ``kelurahan`` as :func:`place_interviews` takes it.
    """
    layer = Indexed.of(kelurahan)
    crs = layer.crs
    codes = layer.frame["kelurahan_code"].astype("string")
    out = interviews.copy(deep=False)
    usable = out["status"].eq("counted").to_numpy()
    lon = out["lon"].to_numpy(dtype=float).copy()
    lat = out["lat"].to_numpy(dtype=float).copy()
    lon[~usable], lat[~usable] = np.nan, np.nan
    declared = positions_in(out["kelurahan_code"], codes)

    in_range = is_located(lon, lat)
    x, y = _project(np.where(in_range, lon, np.nan), np.where(in_range, lat, np.nan), crs)
    where = _place(x, y, layer, declared, sliver_tolerance_m)

    # Tries for points in no kelurahan (few rows): swapped axes, then UTM metres in the zone.
    lost = np.flatnonzero(usable & (where < 0))
    lo, la = lon[lost], lat[lost]
    sx, sy = _project(np.where((np.abs(la) <= 180) & (np.abs(lo) <= 90), la, np.nan), lo, crs)
    swapped = _place(sx, sy, layer, declared[lost], sliver_tolerance_m) >= 0
    utm = ~swapped & ~in_range[lost]
    ux, uy = np.where(utm, lo, np.nan), np.where(utm, la, np.nan)
    utm_ok = _place(ux, uy, layer, declared[lost], sliver_tolerance_m) >= 0
    fixed = lost[swapped | utm_ok]
    x[fixed] = np.where(swapped, sx, ux)[swapped | utm_ok]
    y[fixed] = np.where(swapped, sy, uy)[swapped | utm_ok]
    repairs = as_arrow(out["repairs"])
    repairs = pc.fill_null(repairs, "") if repairs.null_count else repairs
    if len(fixed):
        where[fixed] = _place(x[fixed], y[fixed], layer, declared[fixed], sliver_tolerance_m)
        back = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)
        lon[fixed], lat[fixed] = back.transform(x[fixed], y[fixed])
        repair = np.where(swapped, ";swapped_lat_lon", ";utm_coordinates")[swapped | utm_ok]
        mask = np.zeros(len(out), dtype=bool)
        mask[fixed] = True
        repaired = pc.binary_join_element_wise(repairs.take(fixed), pa.array(repair, repairs.type),
                                               pa.scalar("", repairs.type))
        repairs = pc.replace_with_mask(repairs, mask, repaired)

    outside = usable & (where < 0)
    status = as_arrow(out["status"])
    for mask, name in ((outside & in_range, "outside_area"),
                       (outside & ~in_range, "invalid_coordinates")):
        status = pc.if_else(mask, name, status) if mask.any() else status
    located = where >= 0
    out["lon"], out["lat"] = np.where(located, lon, out["lon"]), np.where(located, lat, out["lat"])
    # points outside the area keep their metric position: the checks still use it
    out["x"], out["y"] = x, y
    out["status"] = text_series(status, out.index)
    if pc.any(pc.or_(pc.starts_with(repairs, ";"), pc.ends_with(repairs, ";"))).as_py():
        repairs = pc.utf8_trim(repairs, ";")
    out["repairs"] = text_series(repairs, out.index)
    out["declared_kelurahan_code"] = out["kelurahan_code"]
    out["location_kelurahan_code"] = take_text(codes, where, out.index)
    return out


def count_interviews(located: pd.DataFrame, kelurahan: gpd.GeoDataFrame,
                     units: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Return located interviews with the kelurahan and RT each is counted in.

    Rules 3 and 4 of the module docstring, on :func:`locate_interviews`' result. The
    crosswalk looks at every row declaring an unknown code: give them all at once.
    ``kelurahan`` and ``units`` as :func:`place_interviews` takes them.
    """
    out = located.copy(deep=False)
    codes = Indexed.of(kelurahan).frame["kelurahan_code"].astype("string")
    declared = positions_in(out["kelurahan_code"], codes)
    crosswalk = crosswalk_by_location(out, set(codes))
    declared_code = out["kelurahan_code"]
    chosen = declared_code.where(declared >= 0, out["location_kelurahan_code"])
    unknown = (declared < 0) & declared_code.notna().to_numpy()
    if len(crosswalk) and unknown.any():
        chosen[unknown] = declared_code[unknown].map(crosswalk).fillna(chosen[unknown])
    out["kelurahan_code"] = chosen.astype("string")
    out.attrs["crosswalk"] = crosswalk

    out["location_rw"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out["location_rt"] = pd.Series(pd.NA, index=out.index, dtype="string")
    if units is not None and len(units):
        out = _place_in_units(out, units)
    return out


def _place(x, y, layer: Indexed, declared, tolerance) -> np.ndarray:
    point, polygon = locate(x, y, layer)
    where = _first_located(point, polygon, len(x), declared)
    sliver = (where < 0) & np.isfinite(x) & np.isfinite(y)
    if sliver.any():
        where[sliver] = nearest_within(x[sliver], y[sliver], layer, tolerance)
    return where


def _first_located(point, polygon, n, preferred) -> np.ndarray:
    """Return :func:`first_per_point` of pairs sorted by point, then polygon, as located.

    No sort is needed: a point's first pair has its lowest polygon, and the preferred one,
    when among its pairs, replaces it.
    """
    out = np.full(n, -1, dtype=np.int64)
    if len(point) == 0:
        return out
    first = np.r_[True, point[1:] != point[:-1]]
    out[point[first]] = polygon[first]
    chosen = polygon == preferred[point]
    out[point[chosen]] = polygon[chosen]
    return out


def crosswalk_by_location(interviews: pd.DataFrame, known: set) -> pd.Series:
    """Return a map from unknown declared kelurahan codes to a boundary code, by location.

    Each declared code not in ``known`` maps to the kelurahan where most of its located
    interviews lie.

    Examples
    --------
    >>> frame = pd.DataFrame({"kelurahan_code": ["3671010001"] * 3 + ["9"],
    ...                       "location_kelurahan_code": ["A", "A", "B", pd.NA]})
    >>> crosswalk_by_location(frame, {"A", "B"}).to_dict()
    {'3671010001': 'A'}
    """
    declared = interviews["kelurahan_code"]
    unknown = declared.notna() & ~declared.isin(known) & interviews[
        "location_kelurahan_code"].notna()
    if not unknown.any():
        return pd.Series(dtype="string")
    pairs = interviews.loc[unknown, ["kelurahan_code", "location_kelurahan_code"]].astype(
        "string")  # categoricals would count every pair of categories
    return most_located(pairs.value_counts().reset_index(name="n"), "kelurahan_code")


def most_located(counts: pd.DataFrame, declared: str) -> pd.Series:
    """Return, per ``declared`` code, the ``location_kelurahan_code`` of most rows ``n``.

    Ties go to the smallest location code.
    """
    located = "location_kelurahan_code"
    best = counts.sort_values([declared, "n", located], ascending=[True, False, True],
                              kind="stable").drop_duplicates(declared)
    return pd.Series(best[located].to_numpy(), index=best[declared].to_numpy(), dtype="string")


def unit_positions(frame: pd.DataFrame, units: pd.DataFrame,
                   keys=("kelurahan_code", "rw", "rt")) -> np.ndarray:
    """Return the position in ``units`` of the unit each row of ``frame`` names, -1 for none.

    Examples
    --------
    >>> units = pd.DataFrame({"kelurahan_code": ["1", "1"], "rw": ["001"] * 2,
    ...                       "rt": ["001", "002"]})
    >>> frame = pd.DataFrame({"kelurahan_code": ["1", "1", None], "rw": ["001"] * 3,
    ...                       "rt": ["002", "009", "001"]})
    >>> unit_positions(frame, units).tolist()
    [1, -1, -1]
    """
    columns = list(keys)
    labelled = units[columns].notna().all(axis=1).to_numpy()
    positions = np.flatnonzero(labelled)
    # index_in gives the first of repeated keys: the first unit listed wins
    found = pc.index_in(joined_keys(frame[columns]),
                        value_set=joined_keys(units.loc[labelled, columns]))
    found = found.fill_null(-1).to_numpy()
    if not len(positions):  # no unit is labelled: none can be named
        return np.full(len(found), -1, dtype=np.int64)
    return np.where(found >= 0, positions[np.maximum(found, 0)], -1).astype(np.int64)


def _place_in_units(out: pd.DataFrame, units) -> pd.DataFrame:
    layer = Indexed.of(units)
    units = layer.frame
    x, y = out["x"].to_numpy(), out["y"].to_numpy()
    declared = unit_positions(out, units)
    point, polygon = locate(x, y, layer)
    where = first_per_point(point, polygon, len(x), preferred=declared)
    found = where >= 0
    for name in ("rw", "rt"):
        out[f"location_{name}"] = take_text(units[name], where, out.index)
    unit_kelurahan = take_text(units["kelurahan_code"], where, out.index)
    same_kelurahan = unit_kelurahan.eq(out["kelurahan_code"]).fillna(False).to_numpy(bool)
    use_location = out["rt"].isna().to_numpy() & found & same_kelurahan
    for name in ("rw", "rt"):
        out[name] = out[name].mask(use_location, out[f"location_{name}"])
    return out


def attach_units(units: gpd.GeoDataFrame, kelurahan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return units whose missing ``kelurahan_code`` is filled from the kelurahan holding them.

    Both frames in the same metric CRS. A unit's representative point decides; a unit in no
    kelurahan loses its RW and RT and, in a normalised layer, is named ``outside_area`` in
    ``repairs`` (set aside).
    """
    require_same_crs(kelurahan, units, "kelurahan", "units")
    missing = units["kelurahan_code"].isna().to_numpy()
    if not missing.any():
        return units
    points = shapely.point_on_surface(units.geometry.to_numpy()[missing])
    point, polygon = locate(shapely.get_x(points), shapely.get_y(points),
                            kelurahan.geometry.to_numpy())
    where = first_per_point(point, polygon, len(points))
    out = units.copy()
    codes = kelurahan["kelurahan_code"].to_numpy(dtype=object)
    out.loc[missing, "kelurahan_code"] = np.where(where >= 0, codes[np.maximum(where, 0)], None)
    outside = np.flatnonzero(missing)[where < 0]
    if len(outside) and "repairs" in out:  # in no kelurahan, naming none: set aside
        rows = out.index[outside]
        out.loc[rows, ["rw", "rt"]] = None
        out.loc[rows, "repairs"] = (out.loc[rows, "repairs"].fillna("")
                                    + ";outside_area").str.strip(";")
    return out
