"""A run stage by stage, to look at or change what flows between the stages.

:func:`assign_interviews` -> :func:`check_interviews` -> :func:`measure_coverage` ->
:func:`find_blind_spots`: the stages :func:`cakupan.analyse` runs, one at a time, each taking
and returning (Geo)DataFrames and touching no file. Given the same frames they return what a
run computes, byte for byte once written.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from cakupan._flow import measured, stages
from cakupan.api._options import ConfigLike, settings
from cakupan.read import PopulationRaster


def _require(frame: pd.DataFrame, columns: tuple[str, ...], made_by: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"interviews lack {', '.join(missing)}; pass the frame {made_by} "
                         "returns")


def assign_interviews(interviews: pd.DataFrame, kelurahan: gpd.GeoDataFrame,
                      units: gpd.GeoDataFrame | None = None, *, config: ConfigLike = None
                      ) -> pd.DataFrame:
    """Place each interview in a kelurahan and RT, and set repeats aside as ``duplicate``.

    The rules (overlaps, slivers, swapped coordinates, declared RT against location) are in
    the README's "Assignment" section.

    Parameters
    ----------
    interviews : pandas.DataFrame
        Normalised interviews (``Loaded.interviews`` from :func:`read_inputs`).
    kelurahan : geopandas.GeoDataFrame
        Kelurahan polygons (``Loaded.kelurahan``).
    units : geopandas.GeoDataFrame, optional
        RT/SLS polygons (``Loaded.units``).
    config : Config, str or path-like, optional
        Uses ``[assign] sliver_tolerance_m``.

    Returns
    -------
    pandas.DataFrame
        One row per input row, in input order: ``interviews`` with the unit counted
        (``kelurahan_code``, ``rw``, ``rt``), the unit by location
        (``location_kelurahan_code``, ``location_rw``, ``location_rt``),
        ``declared_kelurahan_code``, ``status`` (``counted``, ``duplicate``,
        ``outside_area``, ...), ``repairs``, and ``x``/``y`` in the area's UTM zone.

    Examples
    --------
    Every row of the sample world placed, none dropped:

    >>> import tempfile
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> loaded = cakupan.read_inputs(paths["boundaries"], paths["interviews"],
    ...                              units=paths["units"])
    >>> placed = cakupan.assign_interviews(loaded.interviews, loaded.kelurahan, loaded.units)
    >>> len(placed) == len(loaded.interviews)
    True
    >>> sorted(placed["status"].unique())
    ['counted', 'duplicate', 'no_coordinates', 'outside_area']
    >>> tmp.cleanup()
    """
    _, kelurahan, units = stages.project(kelurahan, units)
    return stages.place(interviews, kelurahan, units, settings(config))


def check_interviews(interviews: pd.DataFrame, kelurahan: gpd.GeoDataFrame,
                     units: gpd.GeoDataFrame | None = None, *, config: ConfigLike = None
                     ) -> pd.DataFrame:
    """Check where each interview lies against what it declares, and flag those that look wrong.

    Parameters
    ----------
    interviews : pandas.DataFrame
        From :func:`assign_interviews`.
    kelurahan : geopandas.GeoDataFrame
        Kelurahan polygons (``Loaded.kelurahan``).
    units : geopandas.GeoDataFrame, optional
        RT/SLS polygons (``Loaded.units``); without them the check is per kelurahan.
    config : Config, str or path-like, optional
        Uses the ``[checks]`` settings.

    Returns
    -------
    pandas.DataFrame
        ``interviews`` with ``location_check`` (``inside``, ``boundary_ambiguous``,
        ``neighbour``, ``far_outside``, ``unknown``), ``flags`` (``;``-separated, see
        :func:`cakupan.detect.flags.flag_interviews`), ``doubtful`` (in an invented-looking
        cluster; counted but not trusted) and the evidence (``cluster_id``,
        ``cluster_size``, ``nearest_m``, ``speed_kmh``).

    Examples
    --------
    The sample world's invented clusters are found:

    >>> import tempfile, cakupan
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = cakupan.write_world(cakupan.make_world("tiny"), folder)
    ...     loaded = cakupan.load(paths["boundaries"], paths["interviews"], units=paths["units"])
    >>> polygons = loaded.kelurahan, loaded.units
    >>> checked = cakupan.check_interviews(cakupan.assign_interviews(loaded.interviews,
    ...                                                              *polygons), *polygons)
    >>> checked["location_check"].value_counts().index[0]
    'inside'
    >>> bool(checked["flags"].str.contains("invented_cluster").any())
    True
    """
    _require(interviews, ("x", "y", "status"), "assign_interviews")
    _, kelurahan, units = stages.project(kelurahan, units)
    return stages.check(interviews, kelurahan, units, settings(config))


def measure_coverage(interviews: pd.DataFrame, kelurahan: gpd.GeoDataFrame,
                     units: gpd.GeoDataFrame | None = None, prelist: pd.DataFrame | None = None,
                     *, population: PopulationRaster | None = None,
                     buildings: gpd.GeoDataFrame | None = None, config: ConfigLike = None
                     ) -> pd.DataFrame:
    """Measure counted against expected households for every RT, RW, kelurahan and kecamatan.

    Expected households come from the prelist, the building footprints and the population
    raster, combined as the README's "Expected households" section says.

    Parameters
    ----------
    interviews : pandas.DataFrame
        From :func:`check_interviews` (or :func:`assign_interviews`: then no household is
        doubtful).
    kelurahan : geopandas.GeoDataFrame
        Kelurahan polygons (``Loaded.kelurahan``).
    units : geopandas.GeoDataFrame, optional
        RT/SLS polygons (``Loaded.units``); without them RT territories are drawn from the
        interviews.
    prelist : pandas.DataFrame, optional
        ``Loaded.prelist``.
    population : cakupan.read.PopulationRaster, optional
        ``Loaded.population``.
    buildings : geopandas.GeoDataFrame, optional
        ``Loaded.buildings``.
    config : Config, str or path-like, optional
        Uses the ``[coverage]`` and ``[expected]`` settings.

    Returns
    -------
    pandas.DataFrame
        The rows of ``coverage.csv``: one per unit at every level, sorted by level and code,
        with ``counted_households``, ``expected_households``, ``coverage_ratio``,
        ``gap_households`` and ``status``.

    Examples
    --------
    Coverage of the sample world's kelurahan against the prelist:

    >>> import tempfile
    >>> import cakupan
    >>> world = cakupan.make_world("tiny")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = cakupan.write_world(world, folder)
    ...     loaded = cakupan.read_inputs(paths["boundaries"], paths["interviews"],
    ...                                  units=paths["units"], prelist=paths["prelist"])
    >>> placed = cakupan.assign_interviews(loaded.interviews, loaded.kelurahan, loaded.units)
    >>> table = cakupan.measure_coverage(placed, loaded.kelurahan, loaded.units, loaded.prelist)
    >>> table.loc[table["level"].eq("kelurahan"), ["code", "status"]].values.tolist()
    [['3671011001', 'under'], ['3671011002', 'complete'], ['3671011003', 'under']]
    """
    _require(interviews, ("x", "y", "status", "declared_kelurahan_code"), "assign_interviews")
    _, kelurahan, units = stages.project(kelurahan, units)
    return measured.coverage_table(interviews, kelurahan, units, prelist, population,
                                   buildings, settings(config)).table


def find_blind_spots(interviews: pd.DataFrame, coverage: pd.DataFrame,
                     kelurahan: gpd.GeoDataFrame, units: gpd.GeoDataFrame | None = None, *,
                     population: PopulationRaster | None = None,
                     buildings: gpd.GeoDataFrame | None = None, config: ConfigLike = None
                     ) -> gpd.GeoDataFrame:
    """Find populated places with no counted interview nearby (``gaps.geojson``), ranked.

    With building footprints (or else a population raster): homes (or populated cells)
    farther than ``[gaps] distance_m`` from every counted, not doubtful, interview, merged
    into areas. Without either: the RTs where households are expected and none was counted
    (this needs RT polygons; without them the result is empty).

    Parameters
    ----------
    interviews : pandas.DataFrame
        From :func:`check_interviews` (doubtful interviews do not cover a place).
    coverage : pandas.DataFrame
        From :func:`measure_coverage`.
    kelurahan, units, population, buildings : as :func:`measure_coverage` takes them
        The polygons and the independent sources of expected households.
    config : Config, str or path-like, optional
        Uses the ``[gaps]`` and ``[expected]`` settings.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per blind spot in EPSG:4326, sorted by ``rank`` (1 = most households), with
        ``estimated_households``, ``kelurahan_code``, ``rw``, ``rt`` and ``name``.

    Examples
    --------
    The places near buildings that no interview reached:

    >>> import tempfile
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> names = ("boundaries", "interviews", "units", "prelist", "buildings")
    >>> loaded = cakupan.read_inputs(*(paths[name] for name in names[:2]),
    ...                              **{name: paths[name] for name in names[2:]})
    >>> polygons, homes = (loaded.kelurahan, loaded.units), {"buildings": loaded.buildings}
    >>> checked = cakupan.check_interviews(
    ...     cakupan.assign_interviews(loaded.interviews, *polygons), *polygons)
    >>> table = cakupan.measure_coverage(checked, *polygons, loaded.prelist, **homes)
    >>> spots = cakupan.find_blind_spots(checked, table, *polygons, **homes)
    >>> spots["rank"].tolist(), spots.crs.to_epsg()
    ([1, 2, 3, 4], 4326)
    >>> tmp.cleanup()
    """
    _require(interviews, ("x", "y", "status"), "assign_interviews")
    _, kelurahan, units = stages.project(kelurahan, units)
    return measured.blind_spots(interviews, coverage, kelurahan, units, None, population,
                                buildings, settings(config))
