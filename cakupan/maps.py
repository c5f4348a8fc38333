"""Maps: coverage choropleths as a :class:`folium.Map`.

Takes the coverage table and polygons (EPSG:4326) and returns a map; saving it is
:mod:`cakupan.write`'s job. Every text from the data is HTML-escaped before it enters the
page. The planner audience gets polygons and aggregates only, never interview points.
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import pandas as pd
import shapely

from .labels import STATUS_COLOURS, labels

_FIELDS = ("name", "code", "counted_households", "expected_households", "coverage_ratio",
           "gap_households", "status", "expected_source")


def layer_frame(coverage: pd.DataFrame, shapes: gpd.GeoDataFrame, level: str,
                keys: list[str], lang: str = "id", simplify_m: float = 5.0) -> gpd.GeoDataFrame:
    """Return the polygons of one level joined to their coverage rows, ready to draw.

    Shared edges are simplified together (``shapely.coverage_simplify``) so neighbours still
    meet, and every text value is HTML-escaped.
    """
    rows = coverage[coverage["level"].eq(level)]
    shapes = shapes.dissolve(by=keys, as_index=False, sort=True)[[*keys, "geometry"]]
    frame = shapes.merge(rows, on=keys, how="inner")
    metric = frame.to_crs(frame.estimate_utm_crs())
    simple = shapely.coverage_simplify(metric.geometry.to_numpy(), simplify_m)
    frame = frame.set_geometry(gpd.GeoSeries(simple, crs=metric.crs).to_crs(4326).values)
    words = labels(lang)
    out = gpd.GeoDataFrame(
        {
            "name": frame["name"].astype(str).map(html.escape),
            "code": frame["code"].astype(str).map(html.escape),
            "counted_households": frame["counted_households"].astype(int),
            "expected_households": frame["expected_households"].fillna(-1).round(0),
            "coverage_ratio": frame["coverage_ratio"].fillna(-1).round(3),
            "gap_households": frame["gap_households"].round(0),
            "status": frame["status"].map(words).fillna(frame["status"]).map(html.escape),
            "expected_source": frame["expected_source"].fillna("").astype(str).map(html.escape),
            "_colour": frame["status"].map(STATUS_COLOURS).fillna("#9e9e9e"),
        },
        geometry=frame.geometry.values,
        crs=4326,
    )
    return out


def coverage_map(coverage: pd.DataFrame, kelurahan: gpd.GeoDataFrame,
                 units: gpd.GeoDataFrame | None = None, gaps: gpd.GeoDataFrame | None = None,
                 lang: str = "id", simplify_m: float = 5.0) -> folium.Map:
    """Return a map of kelurahan (and RT) coverage coloured by status, with a legend.

    Parameters
    ----------
    coverage : DataFrame
        The coverage table (:func:`cakupan.coverage.measure`).
    kelurahan : GeoDataFrame
        Kelurahan polygons with ``kelurahan_code``.
    units : GeoDataFrame, optional
        RT polygons with ``kelurahan_code``, ``rw``, ``rt``.
    gaps : GeoDataFrame, optional
        Blind spots with ``estimated_households``.
    lang : {"id", "en"}
        Language of labels.
    """
    words = labels(lang)
    west, south, east, north = kelurahan.to_crs(4326).total_bounds
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=12,
                      tiles="OpenStreetMap", control_scale=True)
    fmap.fit_bounds([[south, west], [north, east]])
    layers = [("kelurahan", kelurahan, ["kelurahan_code"], True)]
    if units is not None:
        layers.append(("rt", units.dropna(subset=["rt"]), ["kelurahan_code", "rw", "rt"], False))
    for level, shapes, keys, show in layers:
        frame = layer_frame(coverage, shapes, level, keys, lang, simplify_m)
        _add_polygons(fmap, frame, words[level], words, show)
    if gaps is not None and len(gaps):
        folium.GeoJson(
            gaps[["estimated_households", "geometry"]].to_crs(4326),
            name=html.escape(words["gaps"]),
            style_function=lambda _: {"color": "#000000", "weight": 2, "dashArray": "4 4",
                                      "fillOpacity": 0.0},
            tooltip=folium.GeoJsonTooltip(fields=["estimated_households"],
                                          aliases=[words["gap_households"]]),
        ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.get_root().html.add_child(folium.Element(legend_html(lang)))
    return fmap


def _add_polygons(fmap, frame, name, words, show):
    fields = list(_FIELDS)
    folium.GeoJson(
        frame,
        name=html.escape(name),
        show=show,
        style_function=lambda feature: {
            "fillColor": feature["properties"]["_colour"],
            "color": "#333333",
            "weight": 0.6,
            "fillOpacity": 0.6,
        },
        highlight_function=lambda _: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=[words[f] for f in fields],
                                      localize=True, sticky=False),
        popup=folium.GeoJsonPopup(fields=fields, aliases=[words[f] for f in fields],
                                  localize=True),
    ).add_to(fmap)


def legend_html(lang: str) -> str:
    """Return the legend box: one swatch per status, with what it means."""
    words = labels(lang)
    items = "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;margin-right:6px;'
        f'background:{colour};border:1px solid #333"></span>{html.escape(words[status])}</div>'
        for status, colour in STATUS_COLOURS.items()
    )
    return (
        '<div id="cakupan-legend" style="position:fixed;bottom:24px;left:12px;z-index:9999;'
        'background:white;padding:8px 10px;border:1px solid #999;border-radius:4px;'
        f'font:13px sans-serif"><b>{html.escape(words["legend"])}</b>{items}</div>'
    )
