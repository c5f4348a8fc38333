"""The polygon of every unit at every level: kecamatan, kelurahan, RW and RT.

Takes the kelurahan (with ``kecamatan_code``) and the RT polygons (one row per RT, as
:func:`cakupan._flow.measure_coverage` returns them) and returns, per level, a frame of
``code`` and geometry sorted by code, in the CRS given. Kecamatan and RW are dissolved here,
once per run; the map, the GeoPackage and the blind spots all use these frames.
"""

from __future__ import annotations

import geopandas as gpd

from cakupan.measure import topology

#: The levels of the coverage table, largest first.
LEVELS = ("kecamatan", "kelurahan", "rw", "rt")


def level_shapes(kelurahan: gpd.GeoDataFrame, rts: gpd.GeoDataFrame | None = None,
                 crs="EPSG:4326") -> dict[str, gpd.GeoDataFrame]:
    """Return ``code`` and geometry of every level that has polygons, sorted by code.

    ``rts`` gives the RW and RT levels (rows missing a code are left out); codes are those
    of ``coverage.csv``: the kelurahan code, then RW, then RT.

    Examples
    --------
    >>> from shapely import box
    >>> kel = gpd.GeoDataFrame({"kelurahan_code": ["3671011002", "3671011001"],
    ...                         "kecamatan_code": ["3671011", "3671011"]},
    ...                        geometry=[box(1, 0, 2, 1), box(0, 0, 1, 1)], crs=4326)
    >>> shapes = level_shapes(kel)
    >>> list(shapes), shapes["kelurahan"]["code"].tolist()
    (['kecamatan', 'kelurahan'], ['3671011001', '3671011002'])
    >>> shapes["kecamatan"].geometry.item().bounds
    (0.0, 0.0, 2.0, 1.0)
    """
    kel = kelurahan[["kelurahan_code", "kecamatan_code", "geometry"]]
    shapes = {
        "kecamatan": topology.dissolve(kel, "kecamatan_code")
        .rename(columns={"kecamatan_code": "code"}),
        "kelurahan": kel.rename(columns={"kelurahan_code": "code"}),
    }
    if rts is not None:
        rts = rts.dropna(subset=["kelurahan_code", "rw", "rt"])
        rts = rts.assign(rw_code=rts["kelurahan_code"] + rts["rw"],
                         code=rts["kelurahan_code"] + rts["rw"] + rts["rt"])
        shapes["rw"] = topology.dissolve(rts, "rw_code").rename(columns={"rw_code": "code"})
        shapes["rt"] = topology.dissolve(rts, "code")
    return {level: gpd.GeoDataFrame(frame[["code"]].astype(str), geometry=frame.geometry.values,
                                    crs=frame.crs).to_crs(crs)
            .sort_values("code", kind="stable").reset_index(drop=True)
            for level, frame in shapes.items()}
