"""Pictures drawn into the report as inline SVG: the overview map and bar charts.

:func:`overview_map` takes kelurahan and kecamatan polygons (EPSG:4326) with their coverage
rows and returns path data in page pixels (north up, in the area's UTM zone, simplified with
shared edges kept), ready for the report template, which escapes every text; no tiles and no
network. :func:`ratio_bars` lays out a horizontal bar per unit. Never touches the disk.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cakupan import formats
from cakupan.crs import metric_crs
from cakupan.labels import STATUS_COLOURS
from cakupan.normalise.shapes import polygonal

NEUTRAL = "#9e9e9e"


def _paths(geometries: np.ndarray) -> list[str]:
    """Return an SVG path ``d`` per polygon (pixel coordinates, one decimal)."""
    parts, part_of = shapely.get_parts(geometries, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, point_ring = shapely.get_coordinates(rings, return_index=True)
    points = pd.Series([f"{x:.1f},{y:.1f}" for x, y in np.round(coords, 1).tolist()])
    ring_text = "M" + points.groupby(point_ring).agg(" ".join) + "Z"
    owner = part_of[ring_part[ring_text.index.to_numpy()]]
    joined = ring_text.groupby(owner).agg("".join)
    return joined.reindex(range(len(geometries)), fill_value="").tolist()


def overview_map(kelurahan: gpd.GeoDataFrame, kecamatan: gpd.GeoDataFrame | None,
                 coverage: pd.DataFrame, lang: str = "id", width: int = 800,
                 tolerance_m: float = 25.0) -> dict | None:
    """Return the overview map: kelurahan coloured by status, kecamatan outlined and named.

    A path, colour and title per kelurahan, the kecamatan outlines and labels, the picture's
    size and the legend of the statuses shown.

    Parameters
    ----------
    kelurahan, kecamatan : GeoDataFrame
        ``code`` and geometry (:func:`cakupan.measure.levels.level_shapes`).
    coverage : DataFrame
        The coverage table: a kelurahan's status gives its colour.
    width : int
        Width of the picture in pixels; the height follows the area's shape.
    tolerance_m : float
        Simplification, in metres (neighbours keep their shared edges).
    """
    if kelurahan is None or not len(kelurahan):
        return None
    crs = metric_crs(kelurahan)
    frames = {"kelurahan": kelurahan}
    if kecamatan is not None and len(kecamatan):
        frames["kecamatan"] = kecamatan
    metric = {name: shapely.coverage_simplify(
        polygonal(shapely.make_valid(frame.to_crs(crs).geometry.to_numpy())), tolerance_m)
        for name, frame in frames.items()}
    west, south, east, north = shapely.total_bounds(metric["kelurahan"])
    scale = (width - 8) / max(east - west, 1.0)
    height = int(np.ceil((north - south) * scale)) + 8

    def to_page(geoms):
        return shapely.transform(geoms, lambda xy: np.column_stack(
            [(xy[:, 0] - west) * scale + 4, (north - xy[:, 1]) * scale + 4]))

    rows = coverage[coverage["level"].eq("kelurahan")].drop_duplicates("code").set_index("code")
    rows = rows.reindex(kelurahan["code"].astype(str).to_numpy())
    status = rows["status"].astype(object)
    shapes = [{"d": d, "colour": STATUS_COLOURS.get(s, NEUTRAL),
               "title": f"{name}: {formats.percent(r, lang)} · {formats.status_word(s, lang)}"}
              for d, s, name, r in zip(_paths(to_page(metric["kelurahan"])), status,
                                       rows["name"].astype(str), rows["coverage_ratio"],
                                       strict=True)]
    outlines, labels = [], []
    if "kecamatan" in metric:
        page = to_page(metric["kecamatan"])
        outlines = _paths(page)
        names = coverage[coverage["level"].eq("kecamatan")].drop_duplicates("code").set_index(
            "code")["name"].reindex(kecamatan["code"].astype(str).to_numpy())
        where = shapely.get_coordinates(shapely.point_on_surface(page))
        labels = [{"x": round(x, 1), "y": round(y, 1), "text": str(n)}
                  for (x, y), n in zip(where.tolist(), names, strict=True)]
    legend = [{"colour": STATUS_COLOURS.get(s, NEUTRAL), "label": formats.status_word(s, lang)}
              for s in pd.unique(status.dropna())]
    return {"width": width, "height": height, "shapes": shapes, "outlines": outlines,
            "labels": labels, "legend": legend}


def ratio_bars(rows: pd.DataFrame, lang: str = "id", under: float = 0.9, over: float = 1.1,
               width: int = 640, row_height: int = 16, label_width: int = 190) -> dict:
    """Return a horizontal bar per row (``name``, ``coverage_ratio``, ``status``), in order.

    Bars run from 0 to 150% (longer ones are cut there); dashed lines mark ``under`` and
    ``over``.

    Examples
    --------
    >>> rows = pd.DataFrame({"name": ["A"], "coverage_ratio": [0.75], "status": ["under"]})
    >>> chart = ratio_bars(rows, "en")
    >>> chart["bars"][0]["value"], chart["bars"][0]["colour"]
    ('75.0%', '#fc8d59')
    """
    top, right, plot_left = 18, 54, label_width
    plot_w = width - plot_left - right
    cap = 1.5
    ratio = rows["coverage_ratio"].astype("float64")
    length = (ratio.clip(0, cap).fillna(0) / cap * plot_w).round(1)
    bars = [{"y": top + i * row_height, "w": w, "label": str(name), "value":
             formats.percent(r, lang), "colour": STATUS_COLOURS.get(s, NEUTRAL)}
            for i, (name, r, s, w) in enumerate(zip(rows["name"], ratio, rows["status"],
                                                    length, strict=True))]
    marks = [{"x": round(plot_left + v / cap * plot_w, 1), "text": formats.percent(v, lang, 0)}
             for v in (under, 1.0, over)]
    return {"width": width, "height": top + len(bars) * row_height + 6, "left": plot_left,
            "row": row_height, "top": top, "bars": bars, "marks": marks}
