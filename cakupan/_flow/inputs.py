"""A run's input files, read and normalised: what every pass over them starts from.

Takes the paths of the input files (:class:`Inputs`) and returns normalised frames in
EPSG:4326 (:class:`Loaded`); the interviews of a large file can also be had a batch at a
time (:func:`interview_batches`). Reads through :mod:`cakupan.read` only, and computes
nothing beyond normalising.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import pandas as pd

from cakupan import read
from cakupan.columns import INTERVIEWS
from cakupan.config import Config
from cakupan.crs import WGS84
from cakupan.errors import InputError
from cakupan.normalise import decisions as decision_rows
from cakupan.normalise import headers, parts, sls, tables, vector
from cakupan.normalise.values import geopoint_column
from cakupan.read.decisions import read_decision_sheets

#: The inputs of a run, in the order the manifest lists them.
NAMES = ("boundaries", "interviews", "units", "prelist", "population", "buildings",
         "assignments")


@dataclass(frozen=True)
class Inputs:
    """Paths of one run's input files; only ``boundaries`` and ``interviews`` are required."""

    boundaries: Path
    interviews: Path
    units: Path | None = None
    prelist: Path | None = None
    population: Path | None = None
    buildings: Path | None = None
    assignments: Path | None = None
    decisions: tuple[Path, ...] = ()
    """Filled worklists (or CSVs of their columns), in the order given: the first of two
    rows deciding the same is applied, the second is ``already_applied``."""

    @classmethod
    def of(cls, boundaries, interviews, units=None, prelist=None, population=None,
           buildings=None, assignments=None, decisions=()) -> Inputs:
        """Return the inputs of paths given as text or path-likes (None: not given)."""
        given = (boundaries, interviews, units, prelist, population, buildings, assignments)
        return cls(*(None if path is None else Path(path) for path in given),
                   decisions=tuple(Path(path) for path in decisions or ()))

    def items(self):
        """Yield (name, path) of every input given."""
        for name in NAMES:
            path = getattr(self, name)
            if path is not None:
                yield name, Path(path)


@dataclass(frozen=True)
class Loaded:
    """Normalised inputs (EPSG:4326), before any analysis."""

    kelurahan: gpd.GeoDataFrame
    interviews: pd.DataFrame | None
    units: gpd.GeoDataFrame | None = None
    prelist: pd.DataFrame | None = None
    personal_columns: tuple[str, ...] = ()
    population: read.PopulationRaster | None = None
    buildings: gpd.GeoDataFrame | None = None
    assignments: pd.DataFrame | None = None
    """Who is assigned to each RT, and when (:func:`read_assignments`)."""
    decisions: pd.DataFrame | None = None
    """Supervisors' decisions (:func:`cakupan.normalise.decisions.decision_rows`), or None."""


def read_files(inputs: Inputs, config: Config = Config(), interviews: bool = True) -> Loaded:
    """Read and normalise the inputs named in ``inputs``.

    With ``interviews`` False, all but the interviews (``Loaded.interviews`` is None).
    Interviews are read as :func:`read_interviews` reads them.
    """
    _, kelurahan = read_boundaries(inputs.boundaries, config)
    frame, personal, _ = (read_interviews(inputs.interviews, config) if interviews
                          else (None, [], None))
    units = None if inputs.units is None else read_units(inputs.units, config)[1]
    prelist = None if inputs.prelist is None else read_prelist(inputs.prelist, config)[1]
    population = None if inputs.population is None else read.read_population_raster(
        inputs.population)
    buildings = None if inputs.buildings is None else read.read_buildings(inputs.buildings)
    assignments = (None if inputs.assignments is None
                   else read_assignments(inputs.assignments, config)[1])
    return Loaded(kelurahan.to_crs(WGS84), frame,
                  None if units is None else units.to_crs(WGS84), prelist,
                  tuple(personal), population, buildings, assignments,
                  read_decisions(inputs.decisions))


def read_decisions(paths) -> pd.DataFrame | None:
    """Return the decisions filled into the files ``paths``, or None when none is given."""
    if not paths:
        return None
    sheets = [sheet for path in paths
              for sheet in read_decision_sheets(path, set(decision_rows.DECISION_HEADERS))]
    return decision_rows.decision_rows(sheets)


def read_boundaries(path, config: Config) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the kelurahan polygons as read and as normalised."""
    raw = read.read_vector(path, config.input.boundaries_layer, config.input.boundaries_crs)
    return raw, vector.boundaries(raw, config.boundaries, path)


def read_units(path, config: Config) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the RT (SLS) polygons as read and as normalised."""
    raw = read.read_vector(path, config.input.units_layer, config.input.units_crs,
                           kind="units")
    return raw, vector.units(raw, config.units, path)


def read_prelist(path, config: Config) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the prelist as read and as normalised."""
    raw = read.read_table(path, config.input.sheet, config.input.prelist_layer, "prelist")
    return raw, tables.prelist(raw, config.prelist, path)


def read_assignments(path, config: Config) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the assignments (RT to enumerator and supervisor) as read and as normalised."""
    raw = read.read_table(path, config.input.sheet)
    return raw, tables.assignments(raw, config.assignments, path, config.checks.timezone)


class Interviews(NamedTuple):
    """Normalised interviews, the names of their personal columns and the columns found."""

    frame: pd.DataFrame
    personal_columns: list[str]
    columns: dict[str, str]
    """``{canonical: source column}`` (both coordinates named after one geopoint column)."""


def read_interviews(path, config: Config, units: gpd.GeoDataFrame | None = None
                    ) -> Interviews:
    """Return the normalised interviews, their personal columns and the columns found.

    Interviews in Parquet, or in a UTF-8 CSV that Arrow reads as it is, are read a batch at a
    time, only the columns used, numbers kept as numbers, and normalised batch by batch
    (:func:`interview_batches`); other files, and coordinates in one geopoint column, are
    read whole (:func:`cakupan.read.read_table`). Both give the same frame. ``units``: SLS
    codes resolved, :func:`cakupan.normalise.sls.resolve_sls`.
    """
    try:
        frame = pd.concat(interview_batches(path, config, units=units))
        return Interviews(frame, headers.personal_columns(
            pd.DataFrame(columns=read.batch_columns(path))), interview_columns(path, config))
    except (InputError, read.WholeFileNeeded):
        pass  # read_table reads the file line by line, or says first what is wrong with it
    raw = read.read_table(path, config.input.sheet, config.input.interviews_layer)
    return Interviews(
        tables.interviews(raw, config.interviews, path, config.checks.timezone, units),
        headers.personal_columns(raw), _whole_file_columns(raw, config))


def interview_batches(path, config: Config, row_group: int | None = None,
                      batch_rows: int | None = None, units: gpd.GeoDataFrame | None = None,
                      parsed: sls.Parsed | None = None):
    """Yield the normalised interviews of a Parquet or plain CSV file a batch at a time.

    Only the columns used are read, numbers kept as numbers; each row is normalised on its
    own, so the batches concatenate to the frame of the whole file (``row_group``: of one
    Parquet row group; ``batch_rows`` rows at most, as :func:`cakupan.read.iter_batches`
    takes them; ``units``: SLS codes resolved, :func:`cakupan.normalise.sls.resolve_sls`).
    Raises :class:`cakupan.read.WholeFileNeeded` (or :class:`InputError`) when the file must
    be read whole by :func:`cakupan.read.read_table`, e.g. coordinates in one geopoint column.
    ``parsed`` carries the codes parsed from one call to the next (one per call by default).
    """
    found = interview_columns(path, config)
    if found is None:
        raise read.WholeFileNeeded(path)
    numbers = {found[name] for name in headers.NUMBERS if name in found}
    parsed = parsed or sls.Parsed()  # the codes one batch parsed, the next need not parse
    for batch in read.iter_batches(path, parts.columns_read(found), batch_rows, numbers=numbers,
                                   row_group=row_group):
        yield tables.interviews(batch, found, path, config.checks.timezone, units, parsed)


def interview_columns(path, config: Config) -> dict[str, str] | None:
    """Return ``{canonical: source column}`` of a file read in batches, from its header.

    None when the file is read whole: not Parquet or plain CSV, or no lon and lat columns.
    """
    names = read.batch_columns(path)
    found = {} if names is None else headers.interview_columns(names, config.interviews, path)
    return found if "lon" in found and "lat" in found else None


def _whole_file_columns(raw: pd.DataFrame, config: Config) -> dict[str, str]:
    found = headers.find_columns(raw, INTERVIEWS, config.interviews)
    if "lon" not in found or "lat" not in found:
        geopoint = geopoint_column(raw, found)
        if geopoint is not None:
            found = {**found, "lon": geopoint, "lat": geopoint}
    return found
