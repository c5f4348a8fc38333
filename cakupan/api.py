"""The public Python API: the command line's stages as functions for notebooks and scripts.

Every name here is re-exported by :mod:`cakupan`. Each function is a thin layer over the same
stage functions :mod:`cakupan._flow` and the command line use, so a run through the API
gives the same tables, byte for byte, as ``cakupan run``. Functions take and return
(Geo)DataFrames or plain values; only :func:`read_inputs`, :func:`write_world`,
:func:`write_outputs`, :func:`load_config` and :func:`run` touch the disk.

Two ways through it:

- in one go: :func:`read_inputs` (alias :func:`load`) -> :func:`analyse` -> :func:`write_outputs`
  (or :func:`run` for all three), with :func:`coverage_map`, :func:`coverage_layers` and
  :func:`worklist_sheets` to look at the result;
- stage by stage, to look at or change what flows between them: :func:`assign_interviews` ->
  :func:`check_interviews` -> :func:`measure_coverage` -> :func:`find_blind_spots`.

``config`` may be a :class:`Config`, the path of a TOML settings file, or ``None`` (the
defaults) wherever it is accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from os import PathLike
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd

from cakupan import _flow as pipeline
from cakupan import config as config_module
from cakupan.config import Config
from cakupan.read import PopulationRaster
from cakupan.render import layers, maps, worklist, write
from cakupan.sample import world as sample_world

AUDIENCES = ("supervisor", "planner")
LANGS = ("id", "en")

PathType = str | PathLike
ConfigLike = Config | PathType | None


def load_config(path: PathType | None) -> Config:
    r"""Read settings (thresholds and column names) from a TOML file.

    Parameters
    ----------
    path : str or path-like, or None
        The TOML file; ``None`` gives the defaults. Unknown tables or keys are an error that
        lists the allowed ones (see the README's settings table).

    Returns
    -------
    Config
        Frozen settings, passed to :func:`read_inputs` and :func:`analyse`.

    Raises
    ------
    cakupan.errors.ConfigError
        When the file is missing, not valid TOML, or names an unknown setting.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> toml = Path(tmp.name) / "cakupan.toml"
    >>> _ = toml.write_text('[coverage]\nunder_ratio = 0.85\n\n[interviews]\nlon = "bujur"\n')
    >>> config = cakupan.load_config(toml)
    >>> config.coverage.under_ratio, dict(config.interviews)
    (0.85, {'lon': 'bujur'})
    >>> cakupan.load_config(None) == cakupan.Config()
    True
    >>> tmp.cleanup()
    """
    return config_module.load_config(path)


def _config(config: ConfigLike) -> Config:
    if isinstance(config, Config):
        return config
    return config_module.load_config(config)


def _choose(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _inputs(boundaries, interviews, units=None, prelist=None, population=None,
            buildings=None) -> pipeline.Inputs:
    def path(value):
        return None if value is None else Path(value)

    return pipeline.Inputs(Path(boundaries), Path(interviews), path(units), path(prelist),
                           path(population), path(buildings))


def make_world(size: str = "city", seed: int = 2022) -> sample_world.World:
    """Simulate a registration of Kota Tangerang with known faults (the sample world).

    Built on the real kelurahan boundaries shipped with cakupan; no download.

    Parameters
    ----------
    size : {"city", "small", "tiny"}
        How many kelurahan to simulate: all 104, 12 or 3 (the first ones by code).
    seed : int
        The same size and seed give the same world.

    Returns
    -------
    cakupan.sample.World
        Input frames (``kelurahan``, ``units``, ``prelist``, ``interviews``, ``population``,
        ``buildings``) and the ground truth (``truth_rt``, ``truth_interviews``,
        ``households``).

    Examples
    --------
    >>> import cakupan
    >>> world = cakupan.make_world("tiny")
    >>> len(world.kelurahan)
    3
    >>> sorted(set(world.truth_rt["fault"]) - {""})  # faults injected in RTs
    ['few_missed', 'new_block', 'partly_skipped', 'skipped']
    """
    return sample_world.make_world(size, seed)


def write_world(world: sample_world.World, folder: PathType) -> dict[str, Path]:
    """Write a sample world's input files and ground truth under ``folder``.

    Parameters
    ----------
    world : cakupan.sample.World
        From :func:`make_world`.
    folder : str or path-like
        Created if missing; ``input/`` gets what a BPS office would have, ``truth/`` what
        only the generator knows.

    Returns
    -------
    dict of str to pathlib.Path
        Paths by name: ``boundaries``, ``interviews``, ``units``, ``prelist``,
        ``population``, ``buildings`` (the keyword arguments of :func:`read_inputs`) and
        ``truth_rt``, ``truth_interviews``, ``truth_households``.

    Examples
    --------
    >>> import tempfile
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> paths["interviews"].relative_to(tmp.name).as_posix()
    'input/interviews.csv'
    >>> all(path.is_file() for path in paths.values())
    True
    >>> tmp.cleanup()
    """
    return sample_world.write_world(world, folder)


def read_inputs(boundaries: PathType, interviews: PathType, *, units: PathType | None = None,
                prelist: PathType | None = None, population: PathType | None = None,
                buildings: PathType | None = None, config: ConfigLike = None
                ) -> pipeline.Loaded:
    """Read and normalise a run's input files, as ``cakupan run`` does.

    Columns are mapped to cakupan's canonical names (common BPS, ODK Central, KoboToolbox,
    Indonesian and English headers are recognised; a config's ``[interviews]``,
    ``[prelist]``, ``[boundaries]`` and ``[units]`` tables name others). No row is dropped:
    a row that cannot be used gets a ``status`` that says why.

    Parameters
    ----------
    boundaries : str or path-like
        Kelurahan/desa polygons (GeoJSON, Shapefile or .zip, GeoPackage, KML, ...).
    interviews : str or path-like
        Interviews with GPS (CSV, Excel, Parquet, GeoJSON; ODK and Kobo exports).
    units : str or path-like, optional
        RT/SLS polygons.
    prelist : str or path-like, optional
        Expected households per RT/SLS.
    population : str or path-like, optional
        Population raster (GeoTIFF, persons per cell).
    buildings : str or path-like, optional
        Building footprints (polygons or points).
    config : Config, str or path-like, optional
        Settings, or the TOML file to read them from.

    Returns
    -------
    cakupan._flow.Loaded
        ``kelurahan`` (GeoDataFrame), ``interviews`` (DataFrame), ``units``, ``prelist``,
        ``population`` (:class:`cakupan.read.PopulationRaster`) and ``buildings``, or
        ``None`` for those not given; all in EPSG:4326.

    Raises
    ------
    cakupan.errors.InputError
        When a file cannot be used; the error names the file, and the row and column where
        there is one.

    Notes
    -----
    Also available as :func:`load`.

    Examples
    --------
    >>> import tempfile
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> loaded = cakupan.read_inputs(paths["boundaries"], paths["interviews"],
    ...                              units=paths["units"], prelist=paths["prelist"])
    >>> loaded.kelurahan["kelurahan_code"].tolist()
    ['3671011001', '3671011002', '3671011003']
    >>> loaded.interviews[["interview_id", "lon", "lat", "status"]].columns.tolist()
    ['interview_id', 'lon', 'lat', 'status']
    >>> tmp.cleanup()
    """
    inputs = _inputs(boundaries, interviews, units, prelist, population, buildings)
    return pipeline.load(inputs, _config(config))


load = read_inputs


def analyse(loaded: pipeline.Loaded, config: ConfigLike = None,
            progress: Callable[[str], None] | None = None) -> pipeline.Result:
    """Compute every result of a run from loaded inputs, without touching the disk.

    Parameters
    ----------
    loaded : cakupan._flow.Loaded
        From :func:`read_inputs`.
    config : Config, str or path-like, optional
        The settings the inputs were read with.
    progress : callable, optional
        Called with the name of each step as it starts (``assign``, ``check``,
        ``measure``, ``gaps``), e.g. to draw a progress bar.

    Returns
    -------
    cakupan._flow.Result
        ``coverage`` (the rows of ``coverage.csv``), ``interviews`` (every input row, with
        its status, place, ``location_check`` and ``flags``), ``gaps`` (blind spots,
        GeoDataFrame), ``kelurahan`` and ``units`` (RT polygons, or territories drawn from
        the interviews: ``rt_source``), ``accounting`` (rows read, counted and set aside)
        and ``crosswalk`` (declared kelurahan codes matched by location).

    Examples
    --------
    >>> import tempfile
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> loaded = cakupan.read_inputs(paths["boundaries"], paths["interviews"],
    ...                              units=paths["units"], prelist=paths["prelist"])
    >>> result = cakupan.analyse(loaded)
    >>> result.coverage["level"].unique().tolist()
    ['kecamatan', 'kelurahan', 'rw', 'rt']
    >>> rows = result.accounting["interviews"]
    >>> rows["rows_read"] == rows["rows_counted"] + rows["rows_set_aside"] == len(loaded.interviews)
    True
    >>> tmp.cleanup()
    """
    return pipeline.analyse(loaded, _config(config), progress)


def run(boundaries: PathType, interviews: PathType, out: PathType, *,
        units: PathType | None = None, prelist: PathType | None = None,
        population: PathType | None = None, buildings: PathType | None = None,
        config: ConfigLike = None, audience: str = "supervisor", lang: str = "id"
        ) -> pipeline.Result:
    """Read the inputs, analyse them and write every output file: ``cakupan run`` in Python.

    Parameters
    ----------
    boundaries, interviews, units, prelist, population, buildings : str or path-like
        The input files, as in :func:`read_inputs`; only the first two are required.
    out : str or path-like
        Folder for the outputs (``coverage.csv``, ``interviews.csv``, ``gaps.geojson``,
        ``map.html``, ``report.html``, ``worklist.xlsx``, ``coverage.gpkg``,
        ``manifest.json``); created if missing.
    config : Config, str or path-like, optional
        Settings, or the TOML file to read them from.
    audience : {"supervisor", "planner"}
        ``planner``: totals per area only, no household locations or officer IDs.
    lang : {"id", "en"}
        Language of map, report and worklist.

    Returns
    -------
    cakupan._flow.Result
        As :func:`analyse` returns it; but for more than a million interviews, analysed a
        part at a time (:mod:`cakupan.scale.by_parts`), ``interviews`` is None: read the rows back
        from ``interviews.csv``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> out = Path(tmp.name) / "hasil"
    >>> result = cakupan.run(paths["boundaries"], paths["interviews"], out,
    ...                      prelist=paths["prelist"], audience="planner", lang="en")
    >>> sorted(p.name for p in out.iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['coverage.csv', 'coverage.gpkg', 'gaps.geojson', 'interviews.csv', 'manifest.json',
     'map.html', 'report.html', 'worklist.xlsx']
    >>> tmp.cleanup()
    """
    _choose("audience", audience, AUDIENCES)
    _choose("lang", lang, LANGS)
    inputs = _inputs(boundaries, interviews, units, prelist, population, buildings)
    return pipeline.run(inputs, Path(out), _config(config), audience, lang)


def write_outputs(result: pipeline.Result, out: PathType, *,
                  inputs: pipeline.Inputs | Mapping[str, PathType] | None = None,
                  config: ConfigLike = None, audience: str = "supervisor", lang: str = "id"
                  ) -> dict[str, Path]:
    """Write every output file of a run to ``out``, exactly as ``cakupan run`` does.

    Each file is written under a temporary name and renamed, so an interrupted run leaves no
    half file.

    Parameters
    ----------
    result : cakupan._flow.Result
        From :func:`analyse`.
    out : str or path-like
        Folder; created if missing.
    inputs : mapping of str to path, optional
        The input files by name (``boundaries``, ``interviews``, ``units``, ``prelist``,
        ``population``, ``buildings``; other keys are ignored, so the paths
        :func:`write_world` returns will do); the manifest lists them with their SHA-256.
    config : Config, str or path-like, optional
        The settings of the run, recorded in the manifest.
    audience : {"supervisor", "planner"}
        ``planner``: totals per area only, no household locations or officer IDs.
    lang : {"id", "en"}
        Language of map, report and worklist.

    Returns
    -------
    dict of str to pathlib.Path
        The path of every file written, by file name.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> result = cakupan.analyse(cakupan.read_inputs(paths["boundaries"], paths["interviews"],
    ...                                              units=paths["units"]))
    >>> written = cakupan.write_outputs(result, Path(tmp.name) / "hasil", inputs=paths)
    >>> sorted(written)  # doctest: +NORMALIZE_WHITESPACE
    ['coverage.csv', 'coverage.gpkg', 'gaps.geojson', 'interviews.csv', 'manifest.json',
     'map.html', 'report.html', 'worklist.xlsx']
    >>> tmp.cleanup()
    """
    _choose("audience", audience, AUDIENCES)
    _choose("lang", lang, LANGS)
    if isinstance(inputs, Mapping):
        inputs = _inputs(**{name: inputs.get(name) for name in (
            "boundaries", "interviews", "units", "prelist", "population", "buildings")})
    return write.write_outputs(result, Path(out), inputs=inputs, config=_config(config),
                               audience=audience, lang=lang)


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
    _, kelurahan, units = pipeline.project(kelurahan, units)
    return pipeline.place_interviews(interviews, kelurahan, units, _config(config))


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
    >>> import tempfile
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> loaded = cakupan.read_inputs(paths["boundaries"], paths["interviews"],
    ...                              units=paths["units"])
    >>> placed = cakupan.assign_interviews(loaded.interviews, loaded.kelurahan, loaded.units)
    >>> checked = cakupan.check_interviews(placed, loaded.kelurahan, loaded.units)
    >>> checked["location_check"].value_counts().index[0]
    'inside'
    >>> bool(checked["flags"].str.contains("invented_cluster").any())
    True
    >>> tmp.cleanup()
    """
    _require(interviews, ("x", "y", "status"), "assign_interviews")
    _, kelurahan, units = pipeline.project(kelurahan, units)
    return pipeline.check_interviews(interviews, kelurahan, units, _config(config))


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
    >>> import tempfile
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> loaded = cakupan.read_inputs(paths["boundaries"], paths["interviews"],
    ...                              units=paths["units"], prelist=paths["prelist"])
    >>> placed = cakupan.assign_interviews(loaded.interviews, loaded.kelurahan, loaded.units)
    >>> table = cakupan.measure_coverage(placed, loaded.kelurahan, loaded.units, loaded.prelist)
    >>> table.loc[table["level"].eq("kelurahan"), ["code", "status"]].values.tolist()
    [['3671011001', 'complete'], ['3671011002', 'complete'], ['3671011003', 'complete']]
    >>> tmp.cleanup()
    """
    _require(interviews, ("x", "y", "status", "declared_kelurahan_code"), "assign_interviews")
    _, kelurahan, units = pipeline.project(kelurahan, units)
    table, _, _ = pipeline.measure_coverage(interviews, kelurahan, units, prelist, population,
                                            buildings, _config(config))
    return table


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
    kelurahan : geopandas.GeoDataFrame
        Kelurahan polygons (``Loaded.kelurahan``).
    units : geopandas.GeoDataFrame, optional
        RT/SLS polygons (``Loaded.units``).
    population : cakupan.read.PopulationRaster, optional
        ``Loaded.population``.
    buildings : geopandas.GeoDataFrame, optional
        ``Loaded.buildings``.
    config : Config, str or path-like, optional
        Uses the ``[gaps]`` and ``[expected]`` settings.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per blind spot in EPSG:4326, sorted by ``rank`` (1 = most households), with
        ``estimated_households``, ``kelurahan_code``, ``rw``, ``rt`` and ``name``.

    Examples
    --------
    >>> import tempfile
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> loaded = cakupan.read_inputs(paths["boundaries"], paths["interviews"],
    ...                              units=paths["units"], prelist=paths["prelist"],
    ...                              buildings=paths["buildings"])
    >>> placed = cakupan.assign_interviews(loaded.interviews, loaded.kelurahan, loaded.units)
    >>> checked = cakupan.check_interviews(placed, loaded.kelurahan, loaded.units)
    >>> table = cakupan.measure_coverage(checked, loaded.kelurahan, loaded.units,
    ...                                  loaded.prelist, buildings=loaded.buildings)
    >>> spots = cakupan.find_blind_spots(checked, table, loaded.kelurahan, loaded.units,
    ...                                  buildings=loaded.buildings)
    >>> spots["rank"].tolist(), spots.crs.to_epsg()
    ([1, 2], 4326)
    >>> tmp.cleanup()
    """
    _require(interviews, ("x", "y", "status"), "assign_interviews")
    _, kelurahan, units = pipeline.project(kelurahan, units)
    return pipeline.find_blind_spots(interviews, coverage, kelurahan, units, None, population,
                                     buildings, _config(config))


def coverage_map(result: pipeline.Result, audience: str = "supervisor", lang: str = "id",
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
    >>> import tempfile
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> result = cakupan.analyse(cakupan.read_inputs(paths["boundaries"], paths["interviews"],
    ...                                              units=paths["units"]))
    >>> fmap = cakupan.coverage_map(result, audience="planner", lang="en")
    >>> import folium
    >>> isinstance(fmap, folium.Map), "Coverage status" in fmap.get_root().render()
    (True, True)
    >>> tmp.cleanup()
    """
    _choose("audience", audience, AUDIENCES)
    _choose("lang", lang, LANGS)
    return maps.result_map(result, _config(config), audience, lang)


def coverage_layers(result: pipeline.Result) -> dict[str, gpd.GeoDataFrame]:
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
    >>> import tempfile
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> result = cakupan.analyse(cakupan.read_inputs(paths["boundaries"], paths["interviews"],
    ...                                              units=paths["units"]))
    >>> layers = cakupan.coverage_layers(result)
    >>> list(layers), len(layers["kelurahan"])
    (['kecamatan', 'kelurahan', 'rw', 'rt'], 3)
    >>> tmp.cleanup()
    """
    return layers.coverage_layers(result)


def worklist_sheets(result: pipeline.Result, audience: str = "supervisor", lang: str = "id"
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
        :func:`cakupan.render.worklist.build_worklist`), most urgent first.

    Examples
    --------
    >>> import tempfile
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> result = cakupan.analyse(cakupan.read_inputs(paths["boundaries"], paths["interviews"],
    ...                                              units=paths["units"],
    ...                                              prelist=paths["prelist"]))
    >>> sheets = cakupan.worklist_sheets(result, lang="en")
    >>> list(sheets)
    ['RTs to revisit', 'Interviews to verify', 'Enumerators to call']
    >>> len(sheets["RTs to revisit"]) > 0
    True
    >>> tmp.cleanup()
    """
    _choose("audience", audience, AUDIENCES)
    _choose("lang", lang, LANGS)
    return worklist.worklist_sheets(result, audience, lang)
