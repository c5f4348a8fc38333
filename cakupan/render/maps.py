"""Maps: coverage choropleths, blind spots and (for supervisors) interviews, as a folium.Map.

Takes the coverage table, polygons (EPSG:4326) and interviews and returns a map that opens
with no network (:func:`draw_map`), or a run's page as text (:func:`map_page`, Folium's
random ids numbered in order, so the same run gives the same bytes); saving it is
:mod:`cakupan.render.write`'s job. Leaflet and its plugins are inlined from ``cakupan/static``
(:mod:`cakupan.render._assets`); the polygons of every level travel as one TopoJSON
(:mod:`cakupan.render._topo`, shared edges once), simplified with ``shapely.coverage_simplify``
so neighbours still meet, and their figures as columns. The page script
(``templates/map.js``) builds tooltips, popups, legend and search with ``textContent`` only,
and the data reaches it as JSON with ``<``, ``>`` and ``&`` escaped, so no text from the data
is ever parsed as HTML.

The planner audience gets polygons and aggregates only. Supervisors also get flagged
interviews as points (at most ``max_flagged``, the most serious first) and a clustered layer
of counted interviews: every point when there are at most ``max_points``, otherwise one point
per RT (at the mean position of its interviews, weighted by its count), which keeps the
city's 467,000 interviews within the page's size budget.
"""

from __future__ import annotations

import json
import re
from importlib import resources

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from cakupan._text import joined_codes
from cakupan.assign.locate import is_located
from cakupan.config import Config
from cakupan.crs import metric_crs
from cakupan.detect.tally import piece
from cakupan.labels import STATUS_COLOURS, labels
from cakupan.normalise.shapes import polygonal
from cakupan.render import _assets, _topo

LEVELS = ("kecamatan", "kelurahan", "rw", "rt")
#: Columns of the coverage table carried to the page for every unit.
UNIT_COLUMNS = ("name", "code", "parent_code", "counted_households", "doubtful_households",
                "expected_households", "coverage_ratio", "gap_households", "status",
                "expected_source")


def script_json(value) -> str:
    r"""Return ``value`` as JSON safe inside a ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as ``\\u`` escapes, so neither ``</script>`` nor
    ``<!--`` can appear, and JSON.parse gives the original text back.

    Examples
    --------
    >>> script_json({"name": "</script><!--"})
    '{"name":"\\u003c/script\\u003e\\u003c!--"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, code in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


def simplify(shapes: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoSeries:
    """Simplify a level's polygons together, keeping shared edges, in their UTM zone.

    Projecting can turn vertices that touch into tiny crossings: those are made valid first,
    polygonal parts only (the lines ``make_valid`` leaves are not a coverage).
    """
    if not len(shapes) or shapely.is_empty(shapes.geometry.to_numpy()).all():
        return shapes.geometry.to_crs(4326)
    metric = shapes.to_crs(metric_crs(shapes))
    simple = shapely.coverage_simplify(polygonal(shapely.make_valid(metric.geometry.to_numpy())),
                                       tolerance_m)
    return gpd.GeoSeries(simple, crs=metric.crs).to_crs(4326)


def unit_columns(coverage: pd.DataFrame, level: str, codes: pd.Series) -> dict[str, list]:
    """Return the coverage figures of ``codes`` (one level) as columns, in the order given."""
    rows = coverage[coverage["level"].eq(level)].drop_duplicates("code").set_index("code")
    rows = rows.reindex(codes.astype(str).to_numpy())
    out = {}
    for column in UNIT_COLUMNS:
        values = rows.index.to_series() if column == "code" else rows[column]
        values = values.astype(object).where(values.notna(), None)
        out[column] = [v if v is None or isinstance(v, str) else
                       (int(v) if float(v).is_integer() else float(v)) for v in values]
    return out


def flagged_points(interviews, max_flagged: int = 8000) -> dict:
    """Return flagged interviews with coordinates as columns, the most serious first.

    Serious means doubtful first, then more flags, then flags other than ``poor_gps``;
    ties keep the input order. ``total`` is the number before the cap. ``interviews``: a
    frame or its tally (:mod:`cakupan.detect.tally`).
    """
    interviews = piece(interviews, "flagged")
    flags = interviews["flags"].fillna("").astype(str)
    where = interviews["lon"].notna() & interviews["lat"].notna() & flags.ne("")
    rows = interviews[where]
    flags = flags[where]
    doubtful = rows.get("doubtful", pd.Series(False, index=rows.index)).fillna(False)
    key = pd.DataFrame({"d": ~doubtful.astype(bool), "n": -flags.str.count(";"),
                        "gps": flags.eq("poor_gps"), "row": np.arange(len(rows))},
                       index=rows.index)
    order = key.sort_values(["d", "n", "gps", "row"], kind="stable").index[:max_flagged]
    rows = rows.loc[order]
    when = pd.to_datetime(rows["interviewed_at"], errors="coerce")
    return {
        "total": int(where.sum()),
        "lon": rows["lon"].round(5).tolist(),
        "lat": rows["lat"].round(5).tolist(),
        "interview_id": _texts(rows.get("interview_id")),
        "enumerator_id": _texts(rows.get("enumerator_id")),
        "flags": flags.loc[order].tolist(),
        "location_check": _texts(rows.get("location_check")),
        "interviewed_at": when.dt.strftime("%Y-%m-%d %H:%M").fillna("").tolist(),
    }


def counted_points(interviews, max_points: int = 20000) -> dict:
    """Return counted interviews as points, or one weighted point per RT past ``max_points``.

    Each point carries ``n``, the households it stands for, and ``rt``, its RT code. An RT's
    point is at the mean of its interviews' positions (summed in nanodegrees by
    :mod:`cakupan.detect.tally`). ``interviews``: a frame or its tally.
    """
    by_rt = piece(interviews, "by_rt")
    located = by_rt[by_rt["counted"] & (by_rt["located"] > 0)]
    total = int(located["located"].sum())
    rows = piece(interviews, "points") if total <= max_points else None
    if rows is None:
        sums = located.groupby(joined_codes(located[["kelurahan_code", "rw", "rt"]]),
                               sort=True, observed=True)[["located", "lon", "lat"]].sum()
        n = sums["located"]
        return {"aggregated": bool(len(n) and n.max() > 1), "total": total,
                "lon": (sums["lon"] / n / 1e9).round(5).tolist(),
                "lat": (sums["lat"] / n / 1e9).round(5).tolist(),
                "n": n.astype(int).tolist(), "rt": sums.index.astype(str).tolist()}
    rows = rows[is_located(rows["lon"].to_numpy(dtype="float64", na_value=np.nan),
                           rows["lat"].to_numpy(dtype="float64", na_value=np.nan))]
    return {"aggregated": False, "total": len(rows),
            "lon": rows["lon"].round(5).tolist(), "lat": rows["lat"].round(5).tolist(),
            "n": [1] * len(rows),
            "rt": joined_codes(rows[["kelurahan_code", "rw", "rt"]]).astype(str).tolist()}


def _texts(values) -> list:
    if values is None:
        return []
    return values.astype(object).where(values.notna(), "").astype(str).tolist()


def legend_items(lang: str, under_ratio: float = 0.9, over_ratio: float = 1.1,
                 during: bool = False) -> list[dict]:
    """Return the legend: status, colour and what the colour means, in ``lang``.

    ``during`` fieldwork, a unit ``under`` is one keeping up with the plan.
    """
    words = labels(lang)["page"]
    ratio = words["ratio_class"]
    meaning = {
        "complete": f"{ratio} {under_ratio:.0%}–{over_ratio:.0%}",
        "over": f"{ratio} > {over_ratio:.0%}",
        "under": words["on_pace"] if during else f"{ratio} < {under_ratio:.0%}",
        "not_started": f"{words['counted_households']} = 0",
        "doubtful": f"{words['doubtful_households']} > 50%",
        "no_expected": "",
        "behind": "",
        "stalled": "",
        "not_reached": "",
    }
    return [{"status": status, "colour": colour, "label": words[status],
             "meaning": meaning[status]} for status, colour in STATUS_COLOURS.items()]


def page_data(coverage, shapes, blind_spots=None, interviews=None,
              audience: str = "supervisor", lang: str = "id", simplify_m: float = 5.0,
              max_flagged: int = 8000, max_points: int = 20000,
              thresholds: tuple[float, float] = (0.9, 1.1)) -> dict:
    """Return everything the page script needs, as one JSON-ready dict.

    ``shapes``: ``code`` and geometry per level (:func:`cakupan.measure.levels.level_shapes`).
    """
    if audience not in ("supervisor", "planner"):
        raise ValueError(f"audience must be 'supervisor' or 'planner', not {audience!r}")
    layers = {level: simplify(frame, simplify_m) for level, frame in shapes.items()}
    spot_codes: list[str] = []
    # the page knows the blind spots as "gaps", the name of their file (gaps.geojson)
    if blind_spots is not None and len(blind_spots):
        spot_codes = (blind_spots["kelurahan_code"] + blind_spots["rw"]
                      + blind_spots["rt"]).astype(str).tolist()
        layers["gaps"] = simplify(blind_spots.to_crs(4326), simplify_m)
    data = {
        "lang": lang,
        "locale": "id-ID" if lang == "id" else "en-GB",
        "audience": audience,
        "labels": labels(lang)["page"],
        "legend": legend_items(lang, *thresholds),
        "levels": list(shapes),
        "topology": _topo.topology(layers),
        "units": {level: unit_columns(coverage, level, frame["code"])
                  for level, frame in shapes.items()},
        "gaps": {"code": spot_codes,
                 "estimated_households": [] if not spot_codes else
                 blind_spots["estimated_households"].round(1).tolist()},
    }
    if audience == "supervisor" and interviews is not None:
        data["flagged"] = flagged_points(interviews, max_flagged)
        data["counted"] = counted_points(interviews, max_points)
    return data


class OfflineMap(folium.Map):
    """A :class:`folium.Map` whose Leaflet and plugins are inlined instead of fetched."""

    default_js: list = []
    default_css: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        header = self.get_root().header
        header.add_child(folium.Element(_assets.inline_css()), name="cakupan_css")
        header.add_child(folium.Element(_assets.inline_js()), name="cakupan_js")
        header.add_child(folium.Element(f"<style>{_template('map.css')}</style>"),
                         name="cakupan_style")


class CoverageLayers(MacroElement):
    """The page's data (one JSON script element) and the script drawing it on the map."""

    _template = Template("""
{% macro html(this, kwargs) %}
<script type="application/json" id="cakupan-data">{{ this.data }}</script>
{% endmacro %}
{% macro script(this, kwargs) %}
{{ this.code }}
window.cakupan = cakupanMap({{ this._parent.get_name() }},
    JSON.parse(document.getElementById("cakupan-data").textContent));
{% endmacro %}
""")

    def __init__(self, data: dict):
        super().__init__()
        self._name = "CoverageLayers"
        self.data = script_json(data)
        self.code = _template("map.js")


def _template(name: str) -> str:
    return resources.files("cakupan").joinpath("templates", name).read_text("utf-8")


def draw_map(coverage: pd.DataFrame, shapes: dict[str, gpd.GeoDataFrame],
             blind_spots: gpd.GeoDataFrame | None = None,
             lang: str = "id", simplify_m: float = 5.0, *,
             interviews=None, audience: str = "supervisor",
             tiles: str | None = "OpenStreetMap", max_flagged: int = 8000,
             max_points: int = 20000, thresholds: tuple[float, float] = (0.9, 1.1),
             as_of: str = "", during: bool = False) -> folium.Map:
    """Return the coverage map drawn from the table and the polygons of each level.

    Choropleths per level, legend, search, blind spots and, for supervisors, points.

    Parameters
    ----------
    coverage : DataFrame
        The coverage table (:func:`cakupan.measure.coverage.measure`).
    shapes : dict of str to GeoDataFrame
        ``code`` and geometry of every level that has polygons, in EPSG:4326
        (:func:`cakupan.measure.levels.level_shapes`).
    blind_spots : GeoDataFrame, optional
        Populated places with no interview nearby (:attr:`cakupan._flow.Result.blind_spots`).
    lang : {"id", "en"}
        Language of labels.
    simplify_m : float
        Tolerance of the shared-edge simplification, in metres.
    interviews : DataFrame or cakupan.detect.tally.Tally, optional
        Assigned interviews (``lon``, ``lat``, ``status``, ``flags``), or their tally; drawn
        for supervisors.
    audience : {"supervisor", "planner"}
        ``planner`` gets aggregates only: no points and no identifiers.
    tiles : str or None
        Background tiles (need the internet; a plain background shows when they fail).
    max_flagged, max_points : int
        Caps on flagged points and on counted points before they are aggregated per RT.
    thresholds : (float, float)
        ``under_ratio`` and ``over_ratio`` of the status classes, for the legend.
    as_of : str
        The time of the latest interview, shown under the legend's title ("": not shown).
    during : bool
        Whether fieldwork is under way: the legend says a unit ``under`` keeps up.
    """
    data = page_data(coverage, shapes, blind_spots, interviews, audience, lang, simplify_m,
                     max_flagged, max_points, thresholds)
    if as_of:
        data["as_of"] = as_of
    if during:
        data["legend"] = legend_items(lang, *thresholds, during=True)
    west, south, east, north = shapes["kelurahan"].to_crs(4326).total_bounds
    fmap = OfflineMap(location=[(south + north) / 2, (west + east) / 2], zoom_start=12,
                      tiles=tiles, control_scale=True)
    fmap.fit_bounds([[south, west], [north, east]])
    fmap.add_child(CoverageLayers(data))
    return fmap


def result_map(result, config: Config = Config(), audience: str = "supervisor",
               lang: str = "id") -> folium.Map:
    """Return the coverage map of a run (:class:`cakupan._flow.Result`), as ``map.html`` holds it.

    ``config`` gives ``[map] simplify_m`` and the ``[coverage]`` ratios of the legend.
    """
    return draw_map(result.coverage, result.shapes, result.blind_spots,
                    lang=lang, simplify_m=config.map.simplify_m,
                    interviews=result.tally, audience=audience,
                    thresholds=(config.coverage.under_ratio, config.coverage.over_ratio),
                    as_of="" if result.schedule is None else result.schedule.as_of_text,
                    during=result.schedule is not None and result.schedule.during)


def map_page(result, config: Config = Config(), audience: str = "supervisor",
             lang: str = "id") -> str:
    """Return the text of ``map.html``: :func:`result_map`'s page with :func:`stable_ids`."""
    return stable_ids(result_map(result, config, audience, lang).get_root().render())


def stable_ids(page: str) -> str:
    """Return a Folium page whose random element ids are numbered in order of appearance.

    Examples
    --------
    >>> stable_ids("map_0123456789abcdef0123456789abcdef x "
    ...            "geo_json_0123456789abcdef0123456789abcdef_styler")
    'map_00000000000000000000000000000001 x geo_json_00000000000000000000000000000001_styler'
    """
    numbers: dict[str, str] = {}

    def number(match):
        key = match.group(1)
        numbers.setdefault(key, f"{len(numbers) + 1:032d}")
        return "_" + numbers[key]

    return re.sub(r"_([0-9a-f]{32})(?![0-9a-f])", number, page)
