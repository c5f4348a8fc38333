"""A run's result looked at: the coverage map, the coverage layers, the worklist.

Each takes a :class:`cakupan._flow.Result` and returns what one output file holds, as an
object to look at in a notebook: a :class:`folium.Map` (``map.html``), GeoDataFrames
(``coverage.gpkg``), DataFrames (``worklist.xlsx``). Nothing is written.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from cakupan import _flow
from cakupan.api._options import ConfigLike, outputs, settings
from cakupan.render import layers, maps, worklist


def coverage_map(result: _flow.Result, audience: str = "supervisor", lang: str = "id",
                 config: ConfigLike = None) -> folium.Map:
    """Return the coverage map of a run, the one ``map.html`` holds.

    In Jupyter, a :class:`folium.Map` shows itself inline when it ends a cell; save it with
    ``.save("map.html")``.

    Parameters
    ----------
    result : cakupan._flow.Result
        From :func:`analyse`.
    audience : {"supervisor", "planner"}
        ``supervisor``: with the interviews to verify as points. ``planner``: polygons and
        totals only, never a household's location.
    lang : {"id", "en"}
        Language of layer names, tooltips and legend.
    config : Config, str or path-like, optional
        The settings of the run: ``[map] simplify_m`` and the ``[coverage]`` ratios of the
        legend.

    Returns
    -------
    folium.Map
        Coverage per level coloured by status, the blind spots, a legend.

    Examples
    --------
    A planner's map, with its legend:

    >>> import tempfile
    >>> import folium
    >>> import cakupan
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = cakupan.write_world(cakupan.make_world("tiny"), folder)
    ...     result = cakupan.run(paths["boundaries"], paths["interviews"], folder, html=False)
    >>> fmap = cakupan.coverage_map(result, audience="planner", lang="en")
    >>> isinstance(fmap, folium.Map), "Coverage status" in fmap.get_root().render()
    (True, True)
    """
    outputs(audience, lang)
    return maps.result_map(result, settings(config), audience, lang)


def coverage_layers(result: _flow.Result) -> dict[str, gpd.GeoDataFrame]:
    """Return the coverage table joined to its polygons, one GeoDataFrame per level.

    The layers of ``coverage.gpkg``: aggregates only, safe for planners.

    Parameters
    ----------
    result : cakupan._flow.Result
        From :func:`analyse`.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        ``kecamatan``, ``kelurahan`` and, when RTs have polygons, ``rw`` and ``rt``: the
        columns of ``coverage.csv`` and ``geometry``, in EPSG:4326.

    Examples
    --------
    One layer per level, RT and RW included when there are RT polygons:

    >>> import tempfile
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> loaded = cakupan.load(paths["boundaries"], paths["interviews"], units=paths["units"])
    >>> layers = cakupan.coverage_layers(cakupan.analyse(loaded))
    >>> tmp.cleanup()
    >>> list(layers), len(layers["kelurahan"])
    (['kecamatan', 'kelurahan', 'rw', 'rt'], 3)
    """
    return layers.coverage_layers(result)


def worklist_sheets(result: _flow.Result, audience: str = "supervisor", lang: str = "id"
                    ) -> dict[str, pd.DataFrame]:
    """Return the supervisor worklist (``worklist.xlsx``) as DataFrames, one per sheet.

    Parameters
    ----------
    result : cakupan._flow.Result
        From :func:`analyse`.
    audience : {"supervisor", "planner"}
        ``planner``: the RTs to revisit only, without officers.
    lang : {"id", "en"}
        Language of sheet names, headers and texts.

    Returns
    -------
    dict of str to pandas.DataFrame
        RTs to revisit, interviews to verify, enumerators to call (see
        :func:`cakupan.render.worklist.build_worklist`), most urgent first, and tomorrow's
        plan of every enumerator by supervisor (:func:`cakupan.render.plan.plan_sheet`) and
        the officers' progress against the plan (:func:`cakupan.render.plan.pace_sheet`);
        after a run given ``previous``, the changes since; last, the legend of every column.

    Examples
    --------
    The worklist's sheets, in English:

    >>> from pathlib import Path
    >>> from tempfile import TemporaryDirectory
    >>> import cakupan
    >>> with TemporaryDirectory() as folder:
    ...     paths = cakupan.write_world(cakupan.make_world("tiny"), Path(folder) / "contoh")
    ...     result = cakupan.run(paths["boundaries"], paths["interviews"], folder,
    ...                          units=paths["units"], prelist=paths["prelist"], html=False)
    >>> sheets = cakupan.worklist_sheets(result, lang="en")
    >>> list(sheets)
    ... # doctest: +NORMALIZE_WHITESPACE
    ['RTs to revisit', 'Interviews to verify', 'Enumerators to call', "Tomorrow's plan",
     "Officers' progress", 'Legend']
    >>> len(sheets["RTs to revisit"]) > 0
    True
    """
    outputs(audience, lang)
    return worklist.worklist_sheets(result, audience, lang)
