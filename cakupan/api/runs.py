"""A run in one go: settings and inputs read, analysed, written; or the inputs validated.

The functions the command line calls (``cakupan run``, ``cakupan demo``, ``cakupan
validate``), and a notebook's way through a run: :func:`read_inputs` -> :func:`analyse` ->
:func:`write_outputs`, or :func:`run` for all three. Only :func:`load_config`,
:func:`read_inputs`, :func:`run`, :func:`write_outputs` and :func:`validate` touch the disk.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from cakupan import _flow, _validate
from cakupan import config as config_module
from cakupan._flow.inputs import NAMES
from cakupan.api import _options as options
from cakupan.api._options import ConfigLike, PathType, settings
from cakupan.config import Config
from cakupan.render import write
from cakupan.scale import files


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
        Frozen settings, passed to :func:`read_inputs`, :func:`analyse` and :func:`run`.

    Raises
    ------
    cakupan.errors.ConfigError
        When the file is missing, not valid TOML, or names an unknown setting.

    Examples
    --------
    A settings file that changes a threshold and names a column:

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


def read_inputs(boundaries: PathType, interviews: PathType, *, units: PathType | None = None,
                prelist: PathType | None = None, population: PathType | None = None,
                buildings: PathType | None = None, assignments: PathType | None = None,
                config: ConfigLike = None) -> _flow.Loaded:
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
    assignments : str or path-like, optional
        Who is assigned to each RT (enumerator, supervisor, planned start and end): CSV or
        Excel, e.g. a BPS "alokasi petugas" table.
    config : Config, str or path-like, optional
        Settings, or the TOML file to read them from.

    Returns
    -------
    cakupan._flow.Loaded
        ``kelurahan`` (GeoDataFrame), ``interviews`` (DataFrame), ``units``, ``prelist``,
        ``population`` (:class:`cakupan.read.PopulationRaster`), ``buildings`` and
        ``assignments``, or ``None`` for those not given; all in EPSG:4326.

    Raises
    ------
    cakupan.errors.InputError
        When a file cannot be used; the error names the file, and the row and column where
        there is one.

    Notes
    -----
    Also available as :func:`load`. The whole interview file is held in memory: for files
    of millions of rows, :func:`run` analyses a part at a time.

    Examples
    --------
    The sample world's files, read:

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
    given = options.inputs(boundaries, interviews, units, prelist, population, buildings,
                           assignments)
    return _flow.read_files(given, settings(config))


load = read_inputs


def analyse(loaded: _flow.Loaded, config: ConfigLike = None,
            progress: Callable[[str], None] | None = None) -> _flow.Result:
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
        its status, place, ``location_check`` and ``flags``), ``blind_spots`` (the rows of
        ``gaps.geojson``, a GeoDataFrame), ``kelurahan`` and ``units`` (RT polygons, or
        territories drawn from the interviews: ``rt_source``), ``accounting`` (rows read,
        counted and set aside) and ``crosswalk`` (declared kelurahan codes matched by
        location).

    Examples
    --------
    The sample world's interviews, analysed in memory:

    >>> import tempfile, cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> loaded = cakupan.load(paths["boundaries"], paths["interviews"], units=paths["units"])
    >>> result = cakupan.analyse(loaded)
    >>> result.coverage["level"].unique().tolist()
    ['kecamatan', 'kelurahan', 'rw', 'rt']
    >>> rows = result.accounting["interviews"]
    >>> rows["rows_read"] == rows["rows_counted"] + rows["rows_set_aside"] == len(loaded.interviews)
    True
    >>> tmp.cleanup()
    """
    return _flow.one_pass(loaded, settings(config), progress)


def run(boundaries: PathType, interviews: PathType, out: PathType, *,
        units: PathType | None = None, prelist: PathType | None = None,
        population: PathType | None = None, buildings: PathType | None = None,
        assignments: PathType | None = None,
        config: ConfigLike = None, audience: str = "supervisor", lang: str = "id",
        html: bool = True, workers: int | None = None, scheduler: str | None = None,
        progress: Callable[[str], None] | None = None,
        decisions: PathType | Sequence[PathType] = (), previous: PathType | None = None
        ) -> _flow.Result:
    """Read the inputs, analyse them and write every output file: ``cakupan run`` in Python.

    A file of more than a million interviews is analysed a part of the areas at a time, in a
    process per core, so that memory stays small; with ``workers`` or ``scheduler``, every
    file is, on a dask cluster. The outputs are the same, byte for byte, every way.

    Parameters
    ----------
    boundaries, interviews, units, prelist, population, buildings, assignments : path-like
        The input files, as in :func:`read_inputs`; only the first two are required.
        Without ``assignments``, who owns each RT is inferred from who interviewed where
        (the outputs say so) and each enumerator's RTs are planned evenly over the
        fieldwork window.
    out : str or path-like
        Folder for the outputs (the README's "Outputs" lists them); created if missing.
    config : Config, str or path-like, optional
        Settings, or the TOML file to read them from.
    audience : {"supervisor", "planner"}
        ``planner``: totals per area only, no household locations or officer IDs.
    lang : {"id", "en"}
        Language of map, report and worklist.
    html : bool
        False leaves out ``map.html`` and ``report.html`` (the slowest outputs).
    workers : int, optional
        Run on a local dask cluster of this many processes (needs ``cakupan[dask]``).
    scheduler : str, optional
        Run on the dask cluster at this address (``tcp://host:port``) or scheduler file; its
        workers must reach the interview file and the folder ``TMPDIR`` names, at the same
        paths.
    progress : callable, optional
        Called with the name of each step as it starts (``read`` ... ``write``); one with a
        ``detail(text)`` method is also told how far long steps are.
    decisions : path or sequence of paths, optional
        Worklists filled in by supervisors (``Keputusan``/``Decision`` column), or CSVs of
        their columns: verified rows leave the worklist, rejected interviews are not counted
        (status ``rejected``), revisited RTs are shown as such until new interviews arrive.
        Every filled row's outcome is in the manifest and the report.
    previous : path, optional
        The output folder of an earlier run, to compare with: RTs newly complete or
        stalled, households gained per enumerator and supervisor, decisions applied since.

    Returns
    -------
    cakupan._flow.Result
        As :func:`analyse` returns it. After a run by parts, ``interviews`` has the columns of
        ``interviews.csv``, read back from disk on each access.

    Examples
    --------
    A planner's outputs of the sample world, in English:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> out = Path(tmp.name) / "hasil"
    >>> result = cakupan.run(paths["boundaries"], paths["interviews"], out,
    ...                      prelist=paths["prelist"], audience="planner", lang="en")
    >>> sorted(p.name for p in out.iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['coverage.csv', 'coverage.gpkg', 'gaps.geojson', 'manifest.json', 'map.html',
     'report.html', 'worklist.xlsx']

    No ``interviews.csv``: a planner gets no file with a row per interview.
    >>> tmp.cleanup()
    """
    options.outputs(audience, lang)
    given = options.inputs(boundaries, interviews, units, prelist, population, buildings,
                           assignments, decisions)
    return files.run_files(given, Path(out), settings(config), audience, lang, html, workers,
                           scheduler, progress, previous)


def write_outputs(result: _flow.Result, out: PathType, *,
                  inputs: Mapping[str, PathType] | None = None, config: ConfigLike = None,
                  audience: str = "supervisor", lang: str = "id", html: bool = True
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
        ``population``, ``buildings``, ``assignments``; other keys are ignored, so the paths
        :func:`write_world` returns will do); the manifest lists them with their SHA-256.
    config : Config, str or path-like, optional
        The settings of the run, recorded in the manifest.
    audience : {"supervisor", "planner"}
        ``planner``: totals per area only, no household locations or officer IDs.
    lang : {"id", "en"}
        Language of map, report and worklist.
    html : bool
        False leaves out ``map.html`` and ``report.html``.

    Returns
    -------
    dict of str to pathlib.Path
        The path of every file written, by file name.

    Examples
    --------
    Every file but the HTML, from a result in memory:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> result = cakupan.analyse(cakupan.read_inputs(paths["boundaries"], paths["interviews"]))
    >>> written = cakupan.write_outputs(result, Path(tmp.name) / "hasil", inputs=paths,
    ...                                 html=False)
    >>> sorted(written)  # doctest: +NORMALIZE_WHITESPACE
    ['coverage.csv', 'coverage.gpkg', 'gaps.geojson', 'interviews.csv', 'manifest.json',
     'worklist.xlsx']
    >>> tmp.cleanup()
    """
    options.outputs(audience, lang)
    given = None if inputs is None else _named(inputs)
    return write.write_outputs(result, Path(out), inputs=given, config=settings(config),
                               audience=audience, lang=lang, html=html)


def _named(paths: Mapping[str, PathType] | _flow.Inputs) -> _flow.Inputs:
    if isinstance(paths, _flow.Inputs):
        return paths
    return options.inputs(*(paths.get(name) for name in NAMES))


def validate(boundaries: PathType, interviews: PathType | None = None, *,
             units: PathType | None = None, prelist: PathType | None = None,
             assignments: PathType | None = None, config: ConfigLike = None
             ) -> pd.DataFrame:
    """Check input files without running the analysis: ``cakupan validate`` in Python.

    Each file is read as a run reads it and the interviews are placed in the kelurahan as a
    run places them (by parts for a large file), so the same rows are set aside.

    Parameters
    ----------
    boundaries : str or path-like
        Kelurahan/desa polygons.
    interviews : str or path-like, optional
        Interviews with GPS.
    units : str or path-like, optional
        RT/SLS polygons.
    prelist : str or path-like, optional
        Expected households per RT/SLS.
    assignments : str or path-like, optional
        Who is assigned to each RT, and when.
    config : Config, str or path-like, optional
        Layers, sheet, CRS and column names, as for a run.

    Returns
    -------
    pandas.DataFrame
        One row per input given: ``input``, ``file``, ``format``, ``crs``, ``rows_read``,
        ``rows_usable``, ``rows_set_aside``, ``set_aside`` and ``repairs`` (``reason count;
        ...``), ``columns`` (``canonical <- source; ...``), ``codes`` (the rule that read
        the SLS codes, the prelist's household column, warnings on code columns holding
        parts of codes) and, for polygons, ``overlap_pairs``, ``overlap_ha``, ``holes`` and
        ``hole_ha`` (between neighbours).

    Raises
    ------
    cakupan.errors.InputError
        For the first input that cannot be used at all.

    Examples
    --------
    The sample world's boundaries and interviews, checked:

    >>> import tempfile
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> table = cakupan.validate(paths["boundaries"], paths["interviews"])
    >>> table[["input", "rows_read"]].values.tolist()
    [['boundaries', 3], ['interviews', 12129]]
    >>> tmp.cleanup()
    """
    given = options.inputs(boundaries, interviews, units, prelist, assignments=assignments)
    return _validate.summarise(given, settings(config))
