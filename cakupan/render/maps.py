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
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from cakupan import formats
from cakupan.config import Config
from cakupan.crs import metric_crs
from cakupan.detect.tally import piece
from cakupan.labels import STATUS_COLOURS, labels
from cakupan.measure.schedule import SCHEDULE_STATUSES
from cakupan.normalise.shapes import polygonal
from cakupan.render import _assets, _topo
from cakupan.render._points import counted_points, flagged_points

LEVELS = ("kecamatan", "kelurahan", "rw", "rt")
#: Zoom from which flagged interviews show: where RTs are drawn and points no longer hide
#: the colours of whole kelurahan.
FLAGGED_ZOOM = 15
#: Colour of anything that is not a status of its own colour.
NEUTRAL = "#9e9e9e"


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


def unit_columns(coverage: pd.DataFrame, level: str, codes: pd.Series,
                 statuses: list[str], sources: list[str]) -> dict[str, list]:
    """Return the figures of ``codes`` (one level) as columns, in the order given.

    Households are whole numbers (the page shows them so; ``coverage.csv`` keeps the exact
    values), the ratio has four decimals, status and source are indices into ``statuses``
    and ``sources``. RW and RT carry no ``parent_code``: it is their code less 3 digits.
    """
    rows = coverage[coverage["level"].eq(level)].drop_duplicates("code").set_index("code")
    rows = rows.reindex(codes.astype(str).to_numpy())
    out = {"name": _texts(rows["name"]), "code": rows.index.astype(str).tolist()}
    if level in ("kecamatan", "kelurahan"):
        out["parent_code"] = _texts(rows["parent_code"])
    for column in ("counted_households", "doubtful_households", "expected_households",
                   "gap_households"):
        out[column] = _numbers(rows[column].astype("float64").round(0), integer=True)
    out["coverage_ratio"] = _numbers(rows["coverage_ratio"].astype("float64").round(4))
    out["status"] = rows["status"].map({s: i for i, s in enumerate(statuses)}).fillna(
        -1).astype(int).tolist()
    source = rows["expected_source"].astype(object).where(rows["expected_source"].notna(), "")
    out["expected_source"] = source.map({s: i for i, s in enumerate(sources)}).astype(
        int).tolist()
    return out


def _numbers(values: pd.Series, integer: bool = False) -> list:
    values = values.astype(object).where(values.notna(), None)
    return [v if v is None else (int(v) if integer else float(v)) for v in values]


def _texts(values) -> list:
    return values.astype(object).where(values.notna(), "").astype(str).tolist()


def statuses_of(coverage: pd.DataFrame) -> list[str]:
    """Return the statuses of the legend: the known ones, then any other the table holds.

    The statuses of fieldwork under way (behind the plan, stalled, not yet due) are listed
    only when some unit has one: after the fieldwork window none can.
    """
    present = set(coverage["status"].dropna().astype(str).unique().tolist())
    known = [s for s in STATUS_COLOURS if s not in SCHEDULE_STATUSES or s in present]
    return [*known, *sorted(present - set(STATUS_COLOURS))]


def legend_items(lang: str, under_ratio: float = 0.9, over_ratio: float = 1.1,
                 statuses=None, during: bool = False) -> list[dict]:
    """Return the legend: status, colour and what the colour means, in ``lang``.

    ``statuses`` (default: those with a colour) may name any status; one without a colour
    of its own is drawn in :data:`NEUTRAL` and named in words. ``during`` fieldwork, a unit
    ``under`` is one keeping up with the plan.
    """
    words = labels(lang)["page"]
    ratio = words["ratio_class"]
    low, high = formats.percent(under_ratio, lang, 0), formats.percent(over_ratio, lang, 0)
    meaning = {
        "complete": f"{ratio} {low}–{high}",
        "over": f"{ratio} > {high}",
        "under": words["on_pace"] if during else f"{ratio} < {low}",
        "not_started": f"{words['counted_households']} = 0",
        "doubtful": f"{words['doubtful_households']} > 50%",
    }
    return [{"status": status, "colour": STATUS_COLOURS.get(status, NEUTRAL),
             "label": formats.status_word(status, lang), "meaning": meaning.get(status, ""),
             "own_colour": status in STATUS_COLOURS}
            for status in (statuses or list(STATUS_COLOURS))]


def title_of(coverage: pd.DataFrame, latest, lang: str = "id") -> dict:
    """Return the page's title, area and date of the data, in ``lang``.

    The area is named by its kecamatan (counts of kecamatan and kelurahan past three of
    them); the date is the latest counted interview's.
    """
    words = labels(lang)["page"]
    kecamatan = coverage.loc[coverage["level"].eq("kecamatan"), "name"].dropna().astype(str)
    n_kelurahan = int(coverage["level"].eq("kelurahan").sum())
    if 0 < len(kecamatan) <= 3:
        area = ", ".join(kecamatan.tolist())
    else:
        area = words["area_counts"].format(kecamatan=formats.number(len(kecamatan), lang),
                                           kelurahan=formats.number(n_kelurahan, lang))
    when = (words["data_until"].format(date=formats.moment(latest, lang))
            if latest is not None else words["no_data_date"])
    return {"title": words["title"], "area": area, "date": when}


def data_date(interviews):
    """Return the latest counted interview's time of a frame or tally, or None."""
    latest = None if interviews is None else piece(interviews, "latest")
    return None if latest is None or pd.isna(latest) else latest


def page_data(coverage, shapes, blind_spots=None, interviews=None,
              audience: str = "supervisor", lang: str = "id", simplify_m: float = 5.0,
              max_flagged: int = 8000, max_points: int = 20000,
              thresholds: tuple[float, float] = (0.9, 1.1)) -> dict:
    """Return everything the page script needs, as one JSON-ready dict.

    ``shapes``: ``code`` and geometry per level (:func:`cakupan.measure.levels.level_shapes`).
    Every word and every number's format come from :mod:`cakupan.labels` and
    :mod:`cakupan.formats`.
    """
    if audience not in ("supervisor", "planner"):
        raise ValueError(f"audience must be 'supervisor' or 'planner', not {audience!r}")
    layers = {level: simplify(frame, simplify_m) for level, frame in shapes.items()}
    statuses = statuses_of(coverage)
    sources = sorted(set(coverage["expected_source"].dropna().astype(str)) | {""})
    spot_codes: list[str] = []
    # the page knows the blind spots as "gaps", the name of their file (gaps.geojson)
    if blind_spots is not None and len(blind_spots):
        spot_codes = (blind_spots["kelurahan_code"] + blind_spots["rw"]
                      + blind_spots["rt"]).astype(str).tolist()
        layers["gaps"] = simplify(blind_spots.to_crs(4326), simplify_m)
    data = {
        "lang": lang,
        "audience": audience,
        "format": formats.page_format(lang),
        "labels": labels(lang)["page"],
        "title": title_of(coverage, data_date(interviews), lang),
        "legend": legend_items(lang, *thresholds, statuses=statuses),
        "sources": [formats.word(s, lang) for s in sources],
        "levels": list(shapes),
        "topology": _topo.topology(layers),
        "units": {level: unit_columns(coverage, level, frame["code"], statuses, sources)
                  for level, frame in shapes.items()},
        "gaps": {"code": spot_codes,
                 "estimated_households": [] if not spot_codes else _numbers(
                     blind_spots["estimated_households"].round(0), integer=True)},
    }
    if audience == "supervisor" and interviews is not None:
        data["flagged"] = flagged_points(interviews, max_flagged, lang)
        data["flagged"]["zoom"] = FLAGGED_ZOOM
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
             during: bool = False) -> folium.Map:
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
    during : bool
        Whether fieldwork is under way: the legend says a unit ``under`` keeps up.
    """
    data = page_data(coverage, shapes, blind_spots, interviews, audience, lang, simplify_m,
                     max_flagged, max_points, thresholds)
    if during:
        data["legend"] = legend_items(lang, *thresholds, statuses=statuses_of(coverage),
                                      during=True)
    west, south, east, north = shapes["kelurahan"].to_crs(4326).total_bounds
    # the page puts its zoom buttons bottom left, clear of the title and search
    fmap = OfflineMap(location=[(south + north) / 2, (west + east) / 2], zoom_start=12,
                      tiles=tiles, control_scale=True, zoom_control=False)
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
