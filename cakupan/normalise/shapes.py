"""Polygon layers made usable: coordinates checked against the CRS, geometry repaired.

Takes a layer's geometry (as :func:`cakupan.read.read_vector` returns it) and returns new
arrays: polygons made valid with only their polygonal parts kept (Z and M dropped; GDAL
has already made curves linear), the repair made to each feature, and for a feature left
without a usable polygon the reason (:data:`NO_POLYGON`). Raises
:class:`~cakupan.errors.InputError` with one line naming the file, the feature and the defect
when a layer's coordinates cannot be what its CRS says. Never touches the disk.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from cakupan.crs import crs_name
from cakupan.errors import InputError

#: Why a feature has no usable polygon, as the accounting names it, and in words.
NO_POLYGON = {
    "no_geometry": "no geometry (null or empty)",
    "not_a_polygon": "a {kind}, not a polygon",
    "bad_coordinates": "a coordinate that is not a number (NaN or infinite)",
    "no_area": "no area once repaired (a collapsed ring, or lines only)",
}

_POLYGONAL = (3, 6)  # Polygon, MultiPolygon
_COLLECTION = 7


def checked_layer(frame: gpd.GeoDataFrame, path=None, kind: str = "boundaries"
                  ) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Return the layer with coordinates that fit its CRS, and which features were swapped.

    In degrees, a feature whose x is a latitude and y a longitude (``lat, lon`` order) is
    swapped back; any other feature outside longitude -180..180 and latitude -90..90 (metres
    labelled EPSG:4326, say) is an error, as is a projected feature that lands off the
    earth or nearer a pole than UTM zones reach (80°S, 84°N).
    Features without finite coordinates are left to :func:`repair`.
    """
    geometry = frame.geometry.to_numpy()
    bounds = shapely.bounds(geometry)
    finite = np.isfinite(bounds).all(axis=1)
    swapped = np.zeros(len(frame), dtype=bool)
    if frame.crs is None or not finite.any():
        return frame, swapped
    crs = pyproj.CRS.from_user_input(frame.crs)
    if crs.is_geographic:
        lonlat = bounds
    else:
        to_degrees = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        lon, lat = to_degrees.transform(bounds[:, [0, 2, 0, 2]], bounds[:, [1, 1, 3, 3]],
                                        errcheck=False)
        lonlat = np.column_stack([lon.min(axis=1), lat.min(axis=1), lon.max(axis=1),
                                  lat.max(axis=1)])
    fits = _on_earth(lonlat) | ~finite
    if crs.is_geographic:
        swapped = ~fits & _on_earth(lonlat[:, [1, 0, 3, 2]])
        fits |= swapped
    if not fits.all():
        first = int(np.flatnonzero(~fits)[0])
        x0, y0, x1, y1 = bounds[first]
        what = ("is not in longitude and latitude" if crs.is_geographic
                else "lands off the map (beyond 80°S or 84°N, or nowhere)")
        raise InputError(
            f"feature {first + 1} (x {x0:.6g} to {x1:.6g}, y {y0:.6g} to {y1:.6g}) {what} "
            f"though the layer says {crs_name(crs)}; name the layer's real CRS with "
            f'[input] {kind}_crs = "EPSG:..." in the config', path=path)
    if swapped.any():
        flipped = geometry.copy()
        flipped[swapped] = shapely.transform(geometry[swapped], lambda xy: xy[:, ::-1])
        frame = frame.set_geometry(gpd.GeoSeries(flipped, index=frame.index, crs=frame.crs))
    return frame, swapped


def _on_earth(bounds: np.ndarray) -> np.ndarray:
    """Return where bounds in degrees lie within the latitudes UTM zones cover."""
    lon, lat = bounds[:, [0, 2]], bounds[:, [1, 3]]
    return ((np.abs(lon) <= 180) & (lat >= -80) & (lat <= 84)).all(axis=1)


def repair(geometry: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (polygons, repaired, reason) for a layer's geometry array.

    ``polygons``: 2D, valid, polygonal (an empty polygon where there is none); ``repaired``:
    True where ``shapely.make_valid`` changed the feature; ``reason``: a key of
    :data:`NO_POLYGON` for a feature left without a polygon, else ``""``.
    """
    geometry = shapely.force_2d(np.asarray(geometry, dtype=object))
    kind = shapely.get_type_id(geometry)
    reason = np.full(len(geometry), "", dtype=object)
    missing = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    reason[missing] = "no_geometry"
    reason[~missing & ~np.isin(kind, (*_POLYGONAL, _COLLECTION))] = "not_a_polygon"
    invalid = (reason == "") & (~shapely.is_valid(geometry) | (kind == _COLLECTION))
    if invalid.any():
        why = shapely.is_valid_reason(geometry[invalid])
        bad = np.char.startswith(why.astype(str), "Invalid Coordinate")
        reason[np.flatnonzero(invalid)[bad]] = "bad_coordinates"
        invalid &= reason == ""
    fixed = np.where(reason == "", geometry, shapely.Polygon())
    fixed[invalid] = polygonal(shapely.make_valid(geometry[invalid]))
    reason[(reason == "") & shapely.is_empty(fixed)] = "no_area"
    return fixed, invalid & (reason == ""), reason


def polygonal(geometry: np.ndarray) -> np.ndarray:
    """Return the polygonal parts of each geometry (an empty polygon where there is none).

    ``shapely.make_valid`` returns a GeometryCollection (polygons with lines and points)
    where rings touch or collapse; coverage tools take polygons only.

    Examples
    --------
    >>> made = shapely.GeometryCollection([shapely.box(0, 0, 1, 1),
    ...                                    shapely.LineString([(1, 0), (2, 0)])])
    >>> [g.wkt for g in polygonal(np.array([made, shapely.LineString([(0, 0), (1, 1)])]))]
    ['POLYGON ((1 0, 1 1, 0 1, 0 0, 1 0))', 'POLYGON EMPTY']
    """
    geometry = np.asarray(geometry, dtype=object)
    kind = shapely.get_type_id(geometry)
    out = np.where(np.isin(kind, _POLYGONAL), geometry, shapely.Polygon())
    # collections come from repairs, which are few: a loop over them alone is cheap
    for position in np.flatnonzero(kind == _COLLECTION):
        parts = shapely.get_parts(geometry[position])
        parts = parts[np.isin(shapely.get_type_id(parts), _POLYGONAL)]
        # pieces of one repaired feature may touch along an edge: one union joins them
        out[position] = shapely.union_all(parts) if len(parts) else shapely.Polygon()
    return out
