"""Coordinate reference systems: WGS84 to store and draw, a UTM zone to measure in.

Takes frames (or CRSs) and returns a CRS, a printable name, or nothing; raises
:class:`~cakupan.errors.CRSMismatchError` where frames that meet are not in one metric CRS,
naming both CRSs and the fix. Never reprojects a frame itself and never touches the disk.
"""

from __future__ import annotations

import numpy as np
import pyproj

from cakupan.errors import CRSMismatchError

#: Longitude and latitude: how inputs are normalised, outputs stored and maps drawn.
WGS84 = "EPSG:4326"


def metric_crs(frame) -> pyproj.CRS:
    """Return the UTM CRS of the zone holding the centre of ``frame``'s bounds.

    The centre is taken in longitude and latitude; the zone is pyproj's first WGS 84 UTM
    zone whose area holds it. For a frame already in WGS84 this is what geopandas'
    ``estimate_utm_crs()`` returns.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> metric_crs(gpd.GeoDataFrame(geometry=[shapely.Point(106.6, -6.2)], crs=4326)).to_epsg()
    32748
    """
    west, south, east, north = frame.to_crs(WGS84).total_bounds
    lon, lat = (west + east) / 2, (south + north) / 2
    info = []
    if np.isfinite([lon, lat]).all() and abs(lon) <= 180 and abs(lat) <= 90:
        centre = pyproj.aoi.AreaOfInterest(lon, lat, lon, lat)
        info = pyproj.database.query_utm_crs_info(datum_name="WGS 84", area_of_interest=centre)
    if not info:
        raise CRSMismatchError(f"no UTM zone holds the centre of the shapes (lon {lon:.6g}, "
                               f"lat {lat:.6g}); is their CRS right?")
    return pyproj.CRS.from_epsg(int(info[0].code))


def crs_name(crs) -> str:
    """Return a CRS as a person reads it: ``EPSG:32748``, else its full description.

    Examples
    --------
    >>> crs_name(pyproj.CRS(32748))
    'EPSG:32748'
    """
    crs = pyproj.CRS.from_user_input(crs)
    return crs.to_string() if crs.to_epsg() is None else f"EPSG:{crs.to_epsg()}"


def require_same_crs(left, right, left_name: str, right_name: str) -> None:
    """Raise :class:`CRSMismatchError` unless both frames share one projected (metric) CRS.

    The message names both CRSs and the fix: set a missing CRS, or project both frames to
    the area's UTM zone (:func:`metric_crs`).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> utm = gpd.GeoDataFrame(geometry=[shapely.Point(680_000, 9_315_000)], crs=32748)
    >>> require_same_crs(utm, utm, "units", "buildings")
    >>> require_same_crs(utm, utm.to_crs(4326), "units", "buildings")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    cakupan.errors.CRSMismatchError: units are in EPSG:32748 but buildings in EPSG:4326; ...
    """
    for frame, name in ((left, left_name), (right, right_name)):
        if frame.crs is None:
            raise CRSMismatchError(f"{name} have no CRS; set one with .set_crs(...)")
    if not pyproj.CRS.from_user_input(left.crs).equals(right.crs):
        raise CRSMismatchError(
            f"{left_name} are in {crs_name(left.crs)} but {right_name} in "
            f"{crs_name(right.crs)}; project both to one metric CRS, e.g. "
            f".to_crs(cakupan.crs.metric_crs({left_name}))"
        )
    require_metric(left.crs, f"{left_name} and {right_name} are", left_name)


def require_metric(crs, what: str, name: str) -> None:
    """Raise :class:`CRSMismatchError` when ``crs`` is in degrees.

    ``what`` says whose CRS it is (``"units are"``), ``name`` the frame to project in the
    fix the message names. A missing CRS passes: a caller that needs one says so itself.

    Examples
    --------
    >>> require_metric("EPSG:32748", "units are", "units")
    >>> require_metric("EPSG:4326", "units are", "units")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    cakupan.errors.CRSMismatchError: units are in EPSG:4326 (degrees); distances and ...
    """
    if crs is not None and not pyproj.CRS.from_user_input(crs).is_projected:
        raise CRSMismatchError(
            f"{what} in {crs_name(crs)} (degrees); distances and areas need a metric CRS: "
            f".to_crs(cakupan.crs.metric_crs({name}))"
        )
