"""A run's analysis: the stages one after another over interviews held in memory.

:func:`one_pass` takes normalised inputs (:class:`cakupan._flow.inputs.Loaded`) and returns
every result (:class:`cakupan._flow.result.Result`): placement, checks, coverage, blind
spots, accounting. :func:`finish` is the part shared with a run by parts
(:mod:`cakupan.scale.by_parts`): everything that needs only the tally of the checked rows.
Never reads or writes a file.
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import pandas as pd

from cakupan._flow.accounting import account, account_counts, account_polygons
from cakupan._flow.inputs import Loaded
from cakupan._flow.measured import blind_spots, coverage_table
from cakupan._flow.result import InMemory, Progress, Result, Rows, quiet
from cakupan._flow.stages import check, crosswalk, place, project
from cakupan.config import Config
from cakupan.crs import WGS84
from cakupan.detect import decisions
from cakupan.detect.tally import Tally, compact, tally
from cakupan.measure import schedule


def one_pass(loaded: Loaded, config: Config = Config(), progress: Progress | None = None
             ) -> Result:
    """Compute assignment, coverage, checks and blind spots from loaded inputs.

    Runs :func:`~cakupan._flow.stages.project`, :func:`~cakupan._flow.stages.place`,
    :func:`~cakupan._flow.stages.check` (codes then kept as categoricals,
    :func:`~cakupan.detect.tally.compact`) and :func:`finish` in turn.
    """
    step = progress or quiet
    _, kelurahan, units = project(loaded.kelurahan, loaded.units)
    step("assign")
    placed = place(loaded.interviews, kelurahan, units, config,
                   decisions.rejected_ids(loaded.decisions))
    polygons = replace(loaded, interviews=None)
    del loaded  # a caller that passed read_files(...) straight in frees the columns replaced
    step("check")
    checked = compact(check(placed, kelurahan, units, config))
    del placed
    return finish(tally(checked, needs_points(polygons)), InMemory(checked), kelurahan, units,
                  polygons, account_polygons(kelurahan, units), config, step)


def needs_points(loaded: Loaded) -> bool:
    """Return whether the run needs every counted interview's place.

    It does to draw RT territories (no RT polygons) or to find blind spots near buildings or
    raster cells.
    """
    return (loaded.units is None or loaded.population is not None
            or loaded.buildings is not None)


def finish(counts: Tally, rows: Rows, kelurahan: gpd.GeoDataFrame,
           units: gpd.GeoDataFrame | None, polygons: Loaded, polygon_accounting: dict,
           config: Config = Config(), progress: Progress | None = None) -> Result:
    """Return the result from the tally of checked interviews: coverage, blind spots, accounting.

    ``rows``: the checked interviews, handed on to the result; ``kelurahan`` and ``units``
    as :func:`~cakupan._flow.stages.project` returns them; ``polygons`` gives the prelist,
    raster and buildings; ``polygon_accounting``:
    :func:`~cakupan._flow.accounting.account_polygons` of the boundaries and units.
    """
    step = progress or quiet
    prelist, population, buildings = polygons.prelist, polygons.population, polygons.buildings
    step("measure")
    table, rt_shapes, rt_source = coverage_table(counts, kelurahan, units, prelist, population,
                                                 buildings, config)
    step("gaps")
    spots = blind_spots(counts, table, kelurahan, units, rt_shapes, population, buildings,
                        config)
    matched = dict(crosswalk(counts, kelurahan).items())
    plan, assigned = _schedule(counts, table, kelurahan, rt_shapes, polygons, matched, config)
    table = schedule.overlay(table, plan, config)
    accounting = {"interviews": account_counts(counts.status)}
    if prelist is not None:
        accounting["prelist"] = account(prelist["status"])
    if assigned is not None:
        unknown = assigned[assigned["status"].eq("unknown_rt")]
        accounting["assignments"] = {**account(assigned["status"]), "unknown_rts": sorted(
            (unknown["kelurahan_code"] + unknown["rw"] + unknown["rt"]).astype(str))}
    accounting.update(polygon_accounting)
    decided = decisions.settle(polygons.decisions, _present(rows, polygons.decisions), table)
    kelurahan = kelurahan.to_crs(WGS84)
    rt_shapes = None if rt_shapes is None else rt_shapes.to_crs(WGS84)
    return Result(kelurahan=kelurahan, units=rt_shapes, rows=rows, coverage=table,
                  blind_spots=spots, accounting=accounting, crosswalk=matched,
                  rt_source=rt_source, tally=counts, schedule=plan, decisions=decided)


def _schedule(counts: Tally, table, kelurahan, rt_shapes, polygons: Loaded, matched: dict,
              config: Config):
    """Return the run's schedule and its assignments, unknown RTs set aside (or None).

    Assigned kelurahan codes are matched to the boundaries' as the interviews' are.
    """
    assigned = polygons.assignments
    if assigned is not None:
        assigned = assigned.assign(kelurahan_code=assigned["kelurahan_code"].replace(matched))
        unknown = schedule.unknown_rts(assigned, table, kelurahan["kelurahan_code"], {},
                                       polygons.units is not None
                                       or polygons.prelist is not None)
        assigned = assigned.assign(status=assigned["status"].mask(unknown, "unknown_rt"))
    positions = None
    if rt_shapes is not None and len(rt_shapes):
        inside = rt_shapes.geometry.representative_point()
        positions = rt_shapes[["kelurahan_code", "rw", "rt"]].assign(x=inside.x, y=inside.y)
    return schedule.build(table, counts.work, counts.latest, assigned, positions,
                          config), assigned


def _present(rows: Rows, decided) -> set[str]:
    """Return the interview IDs of ``decided`` (decision rows) found among ``rows``."""
    if decided is None or not len(decided):
        return set()
    wanted = pd.Index(decided["interview_id"].dropna().astype(str).unique())
    frames = rows.select(["interview_id"])
    found = set()
    for frame in [frames] if isinstance(frames, pd.DataFrame) else frames:
        ids = frame["interview_id"].astype("string")
        found.update(ids[ids.isin(wanted)].astype(str))
    return found
