"""The coverage table on its polygons: one GeoDataFrame per level.

Takes a run's result (:class:`cakupan._flow.Result`: its ``coverage`` table and its
``shapes``, the polygons dissolved once per run by :mod:`cakupan.measure.levels`) and returns
the layers of ``coverage.gpkg``: aggregates only, safe for planners. Never dissolves or
simplifies polygons and never touches the disk (:mod:`cakupan.render.write` does).
"""

from __future__ import annotations

import geopandas as gpd


def coverage_layers(result, crs="EPSG:4326") -> dict[str, gpd.GeoDataFrame]:
    """Return coverage rows joined to polygons, one frame per level that has polygons."""
    table = result.coverage
    out = {}
    for level, frame in result.shapes.items():
        rows = table[table["level"].eq(level)]
        out[level] = gpd.GeoDataFrame(frame.merge(rows, on="code"), geometry="geometry",
                                      crs=frame.crs).to_crs(crs)
    return out
