"""Coverage and blind spots of checked interviews, from every source of expected households.

Takes the checked interviews (or their tally, :mod:`cakupan.detect.tally`), the polygons as
:func:`cakupan._flow.stages.project` returns them and the prelist, raster and buildings, and
returns the coverage table (:func:`coverage_table`) and the blind spots
(:func:`blind_spots`). Never reads or writes a file.
"""

from __future__ import annotations

from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from cakupan import read
from cakupan._flow.stages import crosswalk
from cakupan.config import Config
from cakupan.crs import WGS84
from cakupan.detect.tally import piece
from cakupan.errors import InputError
from cakupan.measure import blind_spots as spots_module
from cakupan.measure import coverage, expected, territories, topology
from cakupan.normalise import sls


class Measured(NamedTuple):
    """The coverage table, the RT polygons it was measured on, and where they come from."""

    table: pd.DataFrame
    rt_shapes: gpd.GeoDataFrame | None
    rt_source: str


def coverage_table(checked, kelurahan: gpd.GeoDataFrame,
                   units: gpd.GeoDataFrame | None = None, prelist: pd.DataFrame | None = None,
                   population: read.PopulationRaster | None = None,
                   buildings: gpd.GeoDataFrame | None = None, config: Config = Config()
                   ) -> Measured:
    """Return the coverage table, the RT polygons and where they come from (:class:`Measured`).

    ``checked``: checked interviews, or their tally (:func:`cakupan.detect.tally.tally`, with
    points when no units are given). The RT polygons are the units given, else territories
    drawn from the interviews (``"territories"``), else None (``"none"``).
    """
    if prelist is not None and units is not None:
        prelist = sls.resolve_sls(prelist, units)
    if prelist is not None and units is None:
        _same_kind_of_keys(getattr(checked, "by_rt", checked), prelist)
    rt_shapes, rt_source = _rt_shapes(checked, kelurahan, units)
    expected = _expected(prelist, crosswalk(checked, kelurahan), rt_shapes, population,
                         buildings, config, kelurahan.crs)
    rt_names = None if units is None else units[["kelurahan_code", "rw", "rt", "sls_name"]]
    table = coverage.measure(checked, expected, kelurahan, config.coverage, rt_names)
    return Measured(table, rt_shapes, rt_source)


def _same_kind_of_keys(interviews: pd.DataFrame, prelist: pd.DataFrame) -> None:
    """Raise when the interviews name only SLS of their own and the prelist only RTs, or back.

    Without SLS polygons, a BPS code (``idsls``) gives no RW and RT: its SLS is a unit of
    its own (RT = ``kdsls``, 4 digits). If one file is keyed so and the other by RW and RT,
    no interview meets its expected count, and only the totals would agree.
    """
    def own(frame) -> pd.Series:
        return frame["rt"].dropna().astype("string").str.len().eq(4)

    by_code, listed = own(interviews), own(prelist[prelist["status"].eq("counted")])
    if not (len(by_code) and len(listed)) or not (
            (by_code.all() and not listed.any()) or (listed.all() and not by_code.any())):
        return
    which = ("the interviews name SLS by BPS code and the prelist lists RW and RT"
             if by_code.all() else
             "the prelist names SLS by BPS code and the interviews give RW and RT")
    raise InputError(f"{which}, so none would meet: BPS codes (idsls, kdsls) carry no RW and "
                     "RT; give the SLS polygons with --units, or name RW and RT columns with "
                     '[interviews] rw = "..." and rt = "..." (or [prelist]) in a config file')


def blind_spots(checked, table: pd.DataFrame, kelurahan: gpd.GeoDataFrame,
                units: gpd.GeoDataFrame | None = None,
                rt_shapes: gpd.GeoDataFrame | None = None,
                population: read.PopulationRaster | None = None,
                buildings: gpd.GeoDataFrame | None = None, config: Config = Config()
                ) -> gpd.GeoDataFrame:
    """Return ``gaps.geojson``'s rows: populated places far from every counted interview.

    Without a raster or buildings, the RTs where households are expected and none was
    counted. ``checked`` as :func:`coverage_table` takes it; ``rt_shapes`` as it returns
    them (drawn again if None).
    """
    if rt_shapes is None:
        rt_shapes, _ = _rt_shapes(checked, kelurahan, units)
    if buildings is None and population is None:
        return _unvisited(table, None if units is None else rt_shapes)
    return _blind_spots(checked, kelurahan if rt_shapes is None else rt_shapes, population,
                        buildings, config, kelurahan.crs)


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
    shapes = territories.approximate_territories(points, kelurahan)
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
        # rows of several SLS or sub-SLS codes of one RT add up
        sources["prelist"] = rows.groupby(_KEY, sort=False)["expected_households"].sum()
    if rt_shapes is not None and len(rt_shapes):
        index = pd.MultiIndex.from_frame(rt_shapes[_KEY])
        if population is not None:
            raster = expected.households_from_raster(rt_shapes, population,
                                                     config.expected.household_size)
            sources["raster"] = pd.Series(raster.to_numpy(), index=index)
        if buildings is not None:
            homes = expected.households_from_buildings(
                rt_shapes, buildings.to_crs(crs),
                config.expected.households_per_building, config.expected.min_building_area_m2,
                config.expected.flats_min_levels, config.expected.flat_floor_m2)
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
        populated = spots_module.raster_cells(population,
                                             config.expected.household_size).to_crs(crs)
    counted = piece(placed, "points")
    sure = ~counted["doubtful"].fillna(False).to_numpy(dtype=bool)
    spots = spots_module.far_from_interviews(
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
    spots = rt_shapes.merge(rts, on=["kelurahan_code", "rw", "rt"])
    spots = spots.rename(columns={"gap_households": "estimated_households"})
    spots["source"] = "rt_not_started"
    spots = spots.sort_values(["estimated_households", "code"], ascending=[False, True],
                              kind="stable").reset_index(drop=True)
    spots["rank"] = np.arange(1, len(spots) + 1)
    return gpd.GeoDataFrame(spots[[*columns, "geometry"]], geometry="geometry",
                            crs=rt_shapes.crs).to_crs(WGS84)


