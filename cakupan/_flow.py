"""The whole run: read, normalise, assign, measure, check, and hand the results to writing.

:func:`load` reads and normalises the inputs, :func:`analyse` computes every result from them
without touching the disk, and :func:`run` does both and writes the outputs. The command line
and the notebooks call these three.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from cakupan import read
from cakupan.assign import locate as assign
from cakupan.config import Config
from cakupan.crs import WGS84, metric_crs
from cakupan.detect import flags, location
from cakupan.detect.tally import Tally, compact, piece, tally
from cakupan.errors import InputError
from cakupan.measure import blind_spots as gaps_module
from cakupan.measure import coverage, expected, topology
from cakupan.measure import territories as _territories
from cakupan.measure.levels import level_shapes
from cakupan.normalise import headers, sls, tables, vector

#: A run's progress callback, called with each step's name as it starts (``read``,
#: ``assign``, ``check``, ...). One that also has a ``detail(text)`` method is told during
#: long steps how far they are (``5/17 parts checked``, rows of ``interviews.csv`` written).
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Inputs:
    """Paths of one run's input files; only ``boundaries`` and ``interviews`` are required."""

    boundaries: Path
    interviews: Path
    units: Path | None = None
    prelist: Path | None = None
    population: Path | None = None
    buildings: Path | None = None

    def items(self):
        """Yield (name, path) of every input given."""
        for name in ("boundaries", "interviews", "units", "prelist", "population", "buildings"):
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


@dataclass(frozen=True)
class Result:
    """Everything a run computes; :mod:`cakupan.render.write` turns it into files."""

    kelurahan: gpd.GeoDataFrame
    units: gpd.GeoDataFrame | None
    """RT polygons: the SLS polygons given, else territories drawn from interviews
    (``rt_source`` says which)."""
    interviews: pd.DataFrame | None
    """Every input row, checked; None after a run by parts (:mod:`cakupan.scale.by_parts`), whose
    rows wait on disk for ``interviews.csv`` (``spilled``)."""
    coverage: pd.DataFrame
    gaps: gpd.GeoDataFrame
    accounting: dict
    crosswalk: dict = field(default_factory=dict)
    rt_source: str = "sls"
    shapes: dict = field(default_factory=dict)
    """``code`` and geometry of every level (:func:`cakupan.measure.levels.level_shapes`)."""
    tally: Tally | None = None
    """What the worklist, map and report are made from (:mod:`cakupan.detect.tally`)."""
    spilled: object | None = None
    """A run by parts: the rows of ``interviews.csv`` (:class:`cakupan.scale.by_parts.Spilled`)."""


def load(inputs: Inputs, config: Config = Config(), interviews: bool = True) -> Loaded:
    """Read and normalise the inputs named in ``inputs``.

    With ``interviews`` False, all but the interviews (``Loaded.interviews`` is None).

    Interviews in Parquet, or in a UTF-8 CSV that Arrow reads as it is, are read a batch at a
    time, only the columns used, numbers kept as numbers, and normalised batch by batch
    (:func:`cakupan.read.iter_batches`); other files, and coordinates in one geopoint column,
    are read whole (:func:`cakupan.read.read_table`). Both give the same frame.
    """
    kelurahan = vector.boundaries(
        read.read_vector(inputs.boundaries, config.input.boundaries_layer,
                         config.input.boundaries_crs),
        config.boundaries, inputs.boundaries)
    frame, personal = (load_interviews(inputs.interviews, config) if interviews
                       else (None, []))
    units = None
    if inputs.units is not None:
        units = vector.units(
            read.read_vector(inputs.units, config.input.units_layer, config.input.units_crs,
                             kind="units"),
            config.units, inputs.units)
    prelist = None
    if inputs.prelist is not None:
        prelist = tables.prelist(read.read_table(inputs.prelist, config.input.sheet),
                                    config.prelist, inputs.prelist)
    population = None if inputs.population is None else read.read_population_raster(
        inputs.population)
    buildings = None if inputs.buildings is None else read.read_buildings(inputs.buildings)
    return Loaded(kelurahan.to_crs(WGS84), frame,
                  None if units is None else units.to_crs(WGS84), prelist,
                  tuple(personal), population, buildings)


def load_interviews(path, config: Config, units: gpd.GeoDataFrame | None = None
                    ) -> tuple[pd.DataFrame, list[str]]:
    """Return the normalised interviews and the names of their personal columns.

    ``units``: SLS codes resolved, :func:`cakupan.normalise.sls.resolve_sls`.
    """
    try:
        frame = pd.concat(interview_batches(path, config, units=units))
        return frame, headers.personal_columns(pd.DataFrame(columns=read.batch_columns(path)))
    except (InputError, read.WholeFileNeeded):
        pass  # read_table reads the file line by line, or says first what is wrong with it
    raw = read.read_table(path, config.input.sheet)
    return (tables.interviews(raw, config.interviews, path, config.checks.timezone, units),
            headers.personal_columns(raw))


def interview_batches(path, config: Config, row_group: int | None = None,
                      batch_rows: int | None = None, units: gpd.GeoDataFrame | None = None):
    """Yield the normalised interviews of a Parquet or plain CSV file a batch at a time.

    Only the columns used are read, numbers kept as numbers; each row is normalised on its
    own, so the batches concatenate to the frame of the whole file (``row_group``: of one
    Parquet row group; ``batch_rows`` rows at most, as :func:`cakupan.read.iter_batches`
    takes them; ``units``: SLS codes resolved, :func:`cakupan.normalise.sls.resolve_sls`). Raises
    :class:`cakupan.read.WholeFileNeeded` (or :class:`InputError`) when the file must be
    read whole by :func:`cakupan.read.read_table`, e.g. coordinates in one geopoint column.
    """
    names = read.batch_columns(path)
    found = {} if names is None else headers.interview_columns(names, config.interviews, path)
    if "lon" not in found or "lat" not in found:
        raise read.WholeFileNeeded(path)
    numbers = {found[name] for name in headers.NUMBERS if name in found}
    parsed = sls.Parsed()  # the codes one batch parsed, the next need not parse again
    for batch in read.iter_batches(path, set(found.values()), batch_rows, numbers=numbers,
                                   row_group=row_group):
        yield tables.interviews(batch, found, path, config.checks.timezone, units, parsed)


def analyse(loaded: Loaded, config: Config = Config(), progress: Progress | None = None,
            place: Callable | None = None) -> Result:
    """Compute assignment, coverage, checks and blind spots from loaded inputs.

    Runs :func:`project`, :func:`place_interviews`, :func:`check_interviews` (codes then
    kept as categoricals, :func:`compact`), :func:`measure_coverage` and
    :func:`find_blind_spots` in turn. ``place`` replaces
    :func:`cakupan.assign.locate.assign_interviews` (same arguments and result);
    :mod:`cakupan.scale.cluster` passes one that runs it on dask, partitioned by area.
    """
    step = progress or (lambda name: None)
    _, kelurahan, units = project(loaded.kelurahan, loaded.units)
    step("assign")
    placed = place_interviews(loaded.interviews, kelurahan, units, config, place)
    polygons = replace(loaded, interviews=None)
    del loaded  # a caller that passed load(...) straight in frees the columns placing replaced
    step("check")
    checked = compact(check_interviews(placed, kelurahan, units, config))
    del placed
    return finish(tally(checked, needs_points(polygons)), kelurahan, units, polygons, config,
                  step, interviews=checked)


def needs_points(loaded: Loaded) -> bool:
    """Return whether the run needs every counted interview's place.

    It does to draw RT territories (no RT polygons) or to find blind spots near buildings or
    raster cells.
    """
    return (loaded.units is None or loaded.population is not None
            or loaded.buildings is not None)


def finish(counts: Tally, kelurahan: gpd.GeoDataFrame, units: gpd.GeoDataFrame | None,
           polygons: Loaded, config: Config = Config(), progress: Progress | None = None,
           interviews: pd.DataFrame | None = None, spilled=None,
           polygon_accounting: dict | None = None) -> Result:
    """Return the result from the tally of checked interviews: coverage, blind spots, accounting.

    ``kelurahan`` and ``units`` as :func:`project` returns them; ``polygons`` gives the
    prelist, raster and buildings; ``interviews`` and ``spilled`` are handed on to the result;
    ``polygon_accounting`` is :func:`account_polygons`' result (worked out when None).
    """
    step = progress or (lambda name: None)
    prelist, population, buildings = polygons.prelist, polygons.population, polygons.buildings
    step("measure")
    table, rt_shapes, rt_source = measure_coverage(counts, kelurahan, units, prelist,
                                                   population, buildings, config)
    step("gaps")
    gaps = find_blind_spots(counts, table, kelurahan, units, rt_shapes, population,
                            buildings, config)
    accounting = {"interviews": _account_counts(counts.status)}
    if prelist is not None:
        accounting["prelist"] = _account(prelist["status"])
    accounting.update(polygon_accounting or account_polygons(kelurahan, units))
    kelurahan = kelurahan.to_crs(WGS84)
    rt_shapes = None if rt_shapes is None else rt_shapes.to_crs(WGS84)
    return Result(
        kelurahan=kelurahan,
        units=rt_shapes,
        interviews=interviews,
        coverage=table,
        gaps=gaps,
        accounting=accounting,
        crosswalk=dict(crosswalk(counts, kelurahan).items()),
        rt_source=rt_source,
        tally=counts,
        spilled=spilled,
        shapes=level_shapes(kelurahan, rt_shapes),
    )


def project(kelurahan: gpd.GeoDataFrame, units: gpd.GeoDataFrame | None = None):
    """Return (metric CRS, kelurahan, units) as the stages need them.

    The CRS is the UTM zone of the area; kelurahan are sorted by code (ties in assignment go
    to the lowest); units missing a kelurahan code get the one they lie in.
    """
    crs = metric_crs(kelurahan)
    kelurahan = kelurahan.to_crs(crs).sort_values("kelurahan_code").reset_index(drop=True)
    if units is not None:
        units = assign.attach_units(units.to_crs(crs), kelurahan)
    return crs, kelurahan, units


def place_interviews(interviews: pd.DataFrame, kelurahan: gpd.GeoDataFrame,
                     units: gpd.GeoDataFrame | None = None, config: Config = Config(),
                     place: Callable | None = None) -> pd.DataFrame:
    """Return interviews placed in kelurahan and RTs, repeats set aside as ``duplicate``.

    Frames as :func:`project` returns them; SLS codes the units list take their RT from
    the units (:func:`cakupan.normalise.sls.resolve_sls`).
    """
    if units is not None:
        interviews = sls.resolve_sls(interviews, units)
    placed = (place or assign.assign_interviews)(interviews, kelurahan, units,
                                                 config.assign.sliver_tolerance_m)
    placed["status"] = assign.mark_duplicates(placed)
    return placed


def check_interviews(placed: pd.DataFrame, kelurahan: gpd.GeoDataFrame,
                     units: gpd.GeoDataFrame | None = None, config: Config = Config(),
                     households=None) -> pd.DataFrame:
    """Return placed interviews with ``location_check``, ``flags`` and ``doubtful``.

    ``households`` as :func:`cakupan.detect.flags.flag_interviews` takes it.
    """
    out = placed.copy(deep=False)
    out["location_check"] = _location_check(out, kelurahan, units, config)
    return out.join(flags.flag_interviews(out, config.checks, households))


def crosswalk(placed, kelurahan: gpd.GeoDataFrame) -> pd.Series:
    """Return the declared kelurahan codes matched to boundary codes by location.

    The match :func:`cakupan.assign.locate.assign_interviews` made (the kelurahan where most rows
    declaring an unknown code lie), recomputed from the columns it leaves
    (``declared_kelurahan_code``, ``location_kelurahan_code``) or from their tally.
    """
    pairs = piece(placed, "pairs")
    unknown = ~pairs["declared_kelurahan_code"].isin(set(kelurahan["kelurahan_code"]))
    return assign.most_located(pairs[unknown], "declared_kelurahan_code")


def measure_coverage(checked, kelurahan: gpd.GeoDataFrame,
                     units: gpd.GeoDataFrame | None = None, prelist: pd.DataFrame | None = None,
                     population: read.PopulationRaster | None = None,
                     buildings: gpd.GeoDataFrame | None = None, config: Config = Config()):
    """Return (coverage table, RT polygons, where the RT polygons come from).

    ``checked``: checked interviews, or their tally (:func:`cakupan.detect.tally.tally`, with
    points when no units are given). The RT polygons are the units given, else territories
    drawn from the interviews (``"territories"``), else None (``"none"``).
    """
    if prelist is not None and units is not None:
        prelist = sls.resolve_sls(prelist, units)
    rt_shapes, rt_source = _rt_shapes(checked, kelurahan, units)
    expected = _expected(prelist, crosswalk(checked, kelurahan), rt_shapes, population,
                         buildings, config, kelurahan.crs)
    rt_names = None if units is None else units[["kelurahan_code", "rw", "rt", "sls_name"]]
    table = coverage.measure(checked, expected, kelurahan, config.coverage, rt_names)
    return table, rt_shapes, rt_source


def find_blind_spots(checked, table: pd.DataFrame, kelurahan: gpd.GeoDataFrame,
                     units: gpd.GeoDataFrame | None = None,
                     rt_shapes: gpd.GeoDataFrame | None = None,
                     population: read.PopulationRaster | None = None,
                     buildings: gpd.GeoDataFrame | None = None, config: Config = Config()
                     ) -> gpd.GeoDataFrame:
    """Return ``gaps.geojson``'s rows: populated places far from every counted interview.

    Without a raster or buildings, the RTs where households are expected and none was
    counted. ``checked`` as :func:`measure_coverage` takes it; ``rt_shapes`` as it returns
    them (drawn again if None).
    """
    if rt_shapes is None:
        rt_shapes, _ = _rt_shapes(checked, kelurahan, units)
    if buildings is None and population is None:
        return _unvisited(table, None if units is None else rt_shapes)
    return _blind_spots(checked, kelurahan if rt_shapes is None else rt_shapes, population,
                        buildings, config, kelurahan.crs)


def _location_check(placed, kelurahan, units, config) -> pd.Series:
    # the declared RT, in the kelurahan the interview is counted in (crosswalk applied)
    if units is not None:
        declared = assign.unit_positions(placed, units)
        polygons = units.geometry
    else:
        declared = assign.unit_positions(placed, kelurahan, keys=("kelurahan_code",))
        polygons = kelurahan.geometry
    usable = placed["status"].isin(["counted", "duplicate"]).to_numpy()
    x = np.where(usable, placed["x"].to_numpy(), np.nan)
    return location.location_check(x, placed["y"].to_numpy(),
                                   placed["gps_accuracy_m"].to_numpy(), declared, polygons,
                                   config.checks).set_axis(placed.index)


_KEY = ["kelurahan_code", "rw", "rt"]


def _rt_shapes(placed, kelurahan, units) -> tuple[gpd.GeoDataFrame | None, str]:
    """Return one polygon per RT (metric): the SLS polygons, else approximate territories."""
    if units is not None:
        labelled = units.dropna(subset=_KEY)
        return topology.dissolve(labelled, _KEY), "sls"
    counted = piece(placed, "points")[[*_KEY, "x", "y"]].dropna()
    if counted.empty:
        return None, "none"
    points = gpd.GeoDataFrame(counted[_KEY], geometry=gpd.points_from_xy(counted["x"],
                                                                         counted["y"]),
                              crs=kelurahan.crs)
    shapes = _territories.approximate_territories(points, kelurahan)
    return shapes.sort_values(_KEY).reset_index(drop=True)[[*_KEY, "geometry"]], "territories"


def _expected(prelist, matched, rt_shapes, population, buildings, config, crs
              ) -> pd.DataFrame | None:
    """Return expected households per RT from every source given, combined.

    See :func:`cakupan.measure.expected.combine_expected` for the rule.
    """
    sources = {}
    if prelist is not None:
        rows = prelist[prelist["status"].eq("counted")].copy()
        rows["kelurahan_code"] = rows["kelurahan_code"].replace(dict(matched.items()))
        sources["prelist"] = rows.set_index(_KEY)["expected_households"]
    if rt_shapes is not None and len(rt_shapes):
        index = pd.MultiIndex.from_frame(rt_shapes[_KEY])
        if population is not None:
            raster = expected.households_from_raster(rt_shapes, population,
                                                     config.expected.household_size)
            sources["raster"] = pd.Series(raster.to_numpy(), index=index)
        if buildings is not None:
            homes = expected.households_from_buildings(
                rt_shapes, buildings.to_crs(crs),
                config.expected.households_per_building, config.expected.min_building_area_m2)
            sources["buildings"] = pd.Series(homes.to_numpy(), index=index)
    if not sources:
        return None
    for series in sources.values():
        series.index = series.index.set_names(_KEY)
    every = pd.MultiIndex.from_frame(pd.concat([s.index.to_frame(index=False)
                                                for s in sources.values()]).drop_duplicates())
    combined = expected.combine_expected(
        **{name: series.reindex(every) for name, series in sources.items()},
        disagreement_share=config.expected.disagreement_share,
        calibrate_by=pd.Series(every.get_level_values(0), index=every))
    return combined.reset_index().rename(columns={"level_0": "kelurahan_code"})


def _blind_spots(placed, units, population, buildings, config, crs) -> gpd.GeoDataFrame:
    """Return populated buildings (or raster cells) far from every counted interview."""
    if buildings is not None:
        populated = expected.residential_buildings(buildings.to_crs(crs),
                                                   config.expected.min_building_area_m2)
        populated = populated.assign(households=config.expected.households_per_building)
    else:
        populated = gaps_module.raster_cells(population,
                                             config.expected.household_size).to_crs(crs)
    counted = piece(placed, "points")
    sure = ~counted["doubtful"].fillna(False).to_numpy(dtype=bool)
    spots = gaps_module.find_blind_spots(
        populated, (counted["x"].to_numpy()[sure], counted["y"].to_numpy()[sure]),
        units, config.gaps.distance_m, config.gaps.min_households, config.gaps.merge_distance_m)
    return spots.to_crs(WGS84)


def _unvisited(table: pd.DataFrame, rt_shapes) -> gpd.GeoDataFrame:
    """RTs expected to hold households where no interview was counted, largest first.

    ``rt_shapes``: the SLS polygons, one per RT (:func:`_rt_shapes`); None gives none.
    """
    columns = ["rank", "kelurahan_code", "rw", "rt", "name", "estimated_households", "source"]
    if rt_shapes is None:
        return gpd.GeoDataFrame(columns=[*columns, "geometry"], geometry="geometry",
                                crs=WGS84)
    rts = table[table["level"].eq("rt") & table["status"].eq("not_started")]
    gaps = rt_shapes.merge(rts, on=["kelurahan_code", "rw", "rt"])
    gaps = gaps.rename(columns={"gap_households": "estimated_households"})
    gaps["source"] = "rt_not_started"
    gaps = gaps.sort_values(["estimated_households", "code"], ascending=[False, True],
                            kind="stable").reset_index(drop=True)
    gaps["rank"] = np.arange(1, len(gaps) + 1)
    return gpd.GeoDataFrame(gaps[[*columns, "geometry"]], geometry="geometry",
                            crs=rt_shapes.crs).to_crs(WGS84)


def _account(status: pd.Series) -> dict:
    """Return rows read, counted and set aside by reason; read = counted + set aside."""
    return _account_counts(status.value_counts())


def _account_counts(counts: pd.Series) -> dict:
    """:func:`_account` from the rows per status."""
    counts = counts[counts > 0].sort_index()
    aside = {str(k): int(v) for k, v in counts.items() if k != "counted"}
    return {"rows_read": int(counts.sum()), "rows_counted": int(counts.get("counted", 0)),
            "rows_set_aside": int(sum(aside.values())), "set_aside_by_reason": aside}


def account_polygons(kelurahan: gpd.GeoDataFrame, units: gpd.GeoDataFrame | None) -> dict:
    """Return the accounting of the boundaries and units (as :func:`project` returns them)."""
    accounting = {"boundaries": _account_polygons(kelurahan, "kelurahan_code")}
    if units is not None:
        accounting["units"] = _account_polygons(units, "sls_code")
    return accounting


def _account_polygons(frame: gpd.GeoDataFrame, code: str) -> dict:
    """Return the accounting of a polygon layer (metric CRS).

    Polygons read, used, set aside (no RT label, no polygon) and repaired, and the overlaps
    and holes between neighbours (under the manifest's key ``overlaps_and_gaps``).
    """
    status = vector.polygon_status(frame)
    shapes = frame.assign(**{code: frame[code].fillna("")})
    return {**_account(status), "repaired": int(vector.repaired(frame).sum()),
            "overlaps_and_gaps": topology.summary(*topology.overlaps_and_holes(shapes, code))}


def analyse_files(inputs: Inputs, config: Config = Config(), progress: Progress | None = None,
                  part_rows: int | None = None, processes: int | None = None,
                  cluster=None) -> Result:
    """Return :func:`analyse` of the files named in ``inputs``.

    Interviews of more than ``part_rows`` rows (default
    :data:`cakupan.scale.by_parts.PART_ROWS`) are analysed a part of the areas at a time
    (:mod:`cakupan.scale.by_parts`), in ``processes`` processes at once (default: one per core):
    the same result in a fraction of the memory. A dask ``cluster``
    (:class:`cakupan.scale.cluster.Cluster`) does that work on its workers instead, or, for
    fewer rows, places the interviews.
    """
    from cakupan.scale import by_parts as by_area

    part_rows = part_rows or by_area.PART_ROWS
    if read.count_rows(inputs.interviews) > part_rows:
        return by_area.analyse(inputs.interviews, load(inputs, config, interviews=False),
                               config, progress, part_rows, processes, cluster)
    return analyse(load(inputs, config), config, progress,
                   place=cluster.place if cluster else None)


def run(inputs: Inputs, out: Path, config: Config = Config(), audience: str = "supervisor",
        lang: str = "id", progress: Progress | None = None) -> Result:
    """Read the inputs, analyse them and write every output file to ``out``."""
    from cakupan.render import write

    step = progress or (lambda name: None)
    step("read")
    result = analyse_files(inputs, config, step)
    step("write")
    write.write_outputs(result, Path(out), inputs=inputs, config=config, audience=audience,
                        lang=lang, detail=getattr(progress, "detail", None))
    return result
