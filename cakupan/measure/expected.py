"""Expected households per unit from sources independent of the interviews.

Takes units (RT polygons, approximate RT territories or kelurahan) and a population raster,
building footprints or a prelist; returns Series and frames aligned to the units' index. Never
reads or writes files and never changes its inputs.

- :func:`households_from_raster`: persons summed over each unit, every cell weighted by the
  exact share of the cell inside the unit (exactextract), divided by the household size.
- :func:`households_from_buildings`: residential buildings counted in the unit that contains
  their representative point, times households per building.
- :func:`combine_expected`: one expected count per unit, the source it came from, and whether
  the sources disagree.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from cakupan.crs import crs_name, require_same_crs
from cakupan.errors import CRSMismatchError, InputError
from cakupan.read.raster import PopulationRaster

log = logging.getLogger(__name__)

#: Source order of :func:`combine_expected`: the first available one sets the expected count.
SOURCE_PRIORITY = ("prelist", "buildings", "raster")

#: OSM ``building=*`` values (and common Indonesian ones) that are not homes. Anything else,
#: including the untyped ``yes``, counts as residential.
NON_RESIDENTIAL = frozenset(
    {
        "commercial", "industrial", "retail", "warehouse", "office", "school", "university",
        "college", "kindergarten", "hospital", "clinic", "church", "mosque", "temple", "chapel",
        "cathedral", "shrine", "religious", "public", "government", "civic", "fire_station",
        "train_station", "transportation", "parking", "garage", "garages", "carport", "shed",
        "roof", "service", "hangar", "stadium", "sports_hall", "sports_centre", "supermarket",
        "kiosk", "hotel", "factory", "greenhouse", "barn", "toilets", "construction", "ruins",
        "masjid", "musholla", "mushola", "gereja", "sekolah", "kantor", "pabrik", "gudang",
        "toko", "pasar", "ruko",
    }
)  # fmt: skip


def households_from_raster(
    units: gpd.GeoDataFrame, raster: PopulationRaster, household_size: float
) -> pd.Series:
    """Return the households a population raster puts in each unit.

    Every cell's persons are weighted by the exact fraction of the cell inside the unit (units
    are often smaller than a 100 m cell), summed, and divided by ``household_size``. The units
    are reprojected to the raster's CRS for the sum; the raster is never resampled.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Polygons in any CRS.
    raster : PopulationRaster
        Persons per cell, nodata as NaN (see :func:`cakupan.read.raster.read_population_raster`).
    household_size : float
        Persons per household (``Config().expected.household_size``).

    Returns
    -------
    pandas.Series
        ``expected_raster`` (float), aligned to ``units.index``. Nodata cells count 0; a unit
        partly outside the raster gets the sum of its covered part; a unit wholly outside it,
        or with no geometry, is NaN. ``attrs`` hold ``units_touching_nodata`` and
        ``units_outside_raster`` (counts), also logged.

    Raises
    ------
    InputError
        The raster does not overlap any unit.
    CRSMismatchError
        The units have no CRS.

    Examples
    --------
    >>> import shapely
    >>> from affine import Affine
    >>> r = PopulationRaster(np.full((2, 2), 38.0), Affine(100, 0, 0, 0, -100, 200),
    ...                      pyproj.CRS(32748))
    >>> u = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 50, 200)], crs=32748)
    >>> households_from_raster(u, r, 3.8).tolist()
    [10.0]
    """
    if not household_size > 0:
        raise ValueError(f"household_size must be positive, got {household_size!r}")
    if units.crs is None:
        raise CRSMismatchError(
            f"units have no CRS but the raster is in {crs_name(raster.crs)}; "
            "set the units' CRS with .set_crs(...)"
        )
    target = pyproj.CRS.from_user_input(raster.crs)
    geoms = _repaired(units.geometry, target)
    valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    result = np.full(len(units), np.nan)
    touching = outside = 0
    if valid.any():
        stats = _cell_sums(geoms, valid, raster, target)
        pos = stats["pos"].to_numpy()
        # "count" of the nodata indicator (itself never nodata) is the unit's cell coverage
        # inside the raster extent: zero means the unit lies wholly outside the raster.
        inside = stats["nodata_count"].to_numpy() > 0
        if not inside.any():
            raise InputError(
                f"population raster (bounds {tuple(round(b, 4) for b in raster.bounds)} in "
                f"{crs_name(target)}) does not overlap any unit; check that it covers the "
                "area and that its CRS is right",
                path=raster.path,
            )
        persons = stats["persons_sum"].to_numpy(dtype="float64")
        result[pos] = np.where(inside, persons / household_size, np.nan)
        touching = int((stats["nodata_sum"].to_numpy() > 0).sum())
        outside = int((~inside).sum())
    if touching or outside:
        log.info("population raster: %d units touch nodata cells (counted 0), %d lie outside "
                 "it", touching, outside)
    out = pd.Series(result, index=units.index, name="expected_raster", dtype="float64")
    out.attrs.update(units_touching_nodata=touching, units_outside_raster=outside)
    return out


def _repaired(geometry: gpd.GeoSeries, crs: pyproj.CRS) -> np.ndarray:
    """Return the units' polygons in ``crs``, self-intersecting rings repaired.

    exactextract counts nothing inside a self-intersecting ring.
    """
    if not pyproj.CRS.from_user_input(geometry.crs).equals(crs):
        geometry = geometry.to_crs(crs)
    geoms = geometry.to_numpy()
    broken = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    if broken.any():
        geoms = geoms.copy()
        geoms[broken] = shapely.make_valid(geoms[broken], method="structure")
    return geoms


def _cell_sums(geoms: np.ndarray, valid: np.ndarray, raster: PopulationRaster,
               crs: pyproj.CRS) -> pd.DataFrame:
    """Return, per valid unit (``pos``), the persons and nodata cells it covers (exactextract).

    Columns ``persons_sum``, ``nodata_sum`` (cells of nodata, weighted by coverage) and
    ``nodata_count`` (cells of the raster covered at all), sorted by ``pos``.
    """
    from exactextract import exact_extract
    from exactextract.raster import NumPyRasterSource

    array, (xmin, ymin, xmax, ymax) = _north_up(raster)
    wkt = crs.to_wkt()
    sources = [
        NumPyRasterSource(array, xmin, ymin, xmax, ymax, name="persons", srs_wkt=wkt),
        NumPyRasterSource(
            np.isnan(array).astype("float64"), xmin, ymin, xmax, ymax,
            name="nodata", srs_wkt=wkt,
        ),
    ]  # fmt: skip
    vec = gpd.GeoDataFrame({"pos": np.flatnonzero(valid)}, geometry=geoms[valid], crs=crs)
    return exact_extract(
        sources, vec, ["sum", "count"], include_cols=["pos"], output="pandas"
    ).sort_values("pos")


def households_from_buildings(
    units: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    households_per_building: float = 1.0,
    min_area_m2: float = 20.0,
    flats_min_levels: float = 3.0,
    flat_floor_m2: float = 45.0,
) -> pd.Series:
    """Return the households that building footprints put in each unit.

    Each home holds ``households_per_building``, a block of flats more
    (:func:`households_in`).

    A building counts when it is residential (a true ``residential`` column, or else a
    ``building`` type not in :data:`NON_RESIDENTIAL`, or else every building) and is a point
    or a footprint of at least ``min_area_m2``. It goes to the first unit (in row order) that
    contains its representative point; buildings in no unit are left out.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Polygons in a metric CRS.
    buildings : geopandas.GeoDataFrame
        Polygons or points in the same CRS.
    households_per_building : float
        Households living in one residential building (``Config().expected``).
    flats_min_levels, flat_floor_m2 : float
        A block of flats: its least floors, and the floor area per household
        (:func:`households_in`).
    min_area_m2 : float
        Smaller footprints (sheds, kiosks, mapping slivers) are not homes.

    Returns
    -------
    pandas.Series
        ``expected_buildings`` (float), aligned to ``units.index``; 0 where no building falls.
        ``attrs["buildings_outside_units"]`` counts counted buildings in no unit.

    Examples
    --------
    >>> import shapely
    >>> u = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 100, 100)], crs=32748)
    >>> b = gpd.GeoDataFrame(geometry=[shapely.box(10, 10, 20, 20), shapely.box(50, 50, 52, 52),
    ...                                shapely.Point(70, 70)], crs=32748)
    >>> households_from_buildings(u, b, 1.5, 20.0).tolist()
    [3.0]
    """
    require_same_crs(units, buildings, "units", "buildings")
    homes = residential_buildings(buildings, min_area_m2)
    points = shapely.point_on_surface(homes.geometry.to_numpy())
    tree = shapely.STRtree(units.geometry.to_numpy())
    point_idx, unit_idx = tree.query(points, predicate="intersects")
    # A point on a shared edge hits two units: keep the first unit in row order.
    order = np.lexsort((unit_idx, point_idx))
    point_idx, unit_idx = point_idx[order], unit_idx[order]
    first = np.unique(point_idx, return_index=True)[1]
    each = households_in(homes, households_per_building, flats_min_levels, flat_floor_m2)
    counts = np.bincount(unit_idx[first], weights=each[point_idx[first]], minlength=len(units))
    out = pd.Series(counts, index=units.index, name="expected_buildings")
    out.attrs["buildings_outside_units"] = int(len(points) - len(first))
    return out


def households_in(homes: gpd.GeoDataFrame, households_per_building: float = 1.0,
                  flats_min_levels: float = 3.0, flat_floor_m2: float = 45.0) -> np.ndarray:
    """Return the households each home holds.

    A block of flats, a footprint of at least ``flats_min_levels`` floors (``levels``, else
    ``height`` / 3 m), holds its floor area (footprint x floors) over ``flat_floor_m2``,
    at least ``households_per_building``; any other home ``households_per_building``.

    Examples
    --------
    >>> import shapely
    >>> b = gpd.GeoDataFrame({"levels": [5.0, None], "height": [None, 6.0]},
    ...                      geometry=[shapely.box(0, 0, 40, 25), shapely.box(0, 0, 9, 9)],
    ...                      crs=32748)
    >>> households_in(b).tolist()
    [111.0, 1.0]
    """
    levels = np.full(len(homes), np.nan)
    if "height" in homes:
        levels = np.floor(homes["height"].to_numpy(dtype="float64", na_value=np.nan) / 3.0)
    if "levels" in homes:
        given = homes["levels"].to_numpy(dtype="float64", na_value=np.nan)
        levels = np.where(np.isnan(given), levels, given)
    area = shapely.area(homes.geometry.to_numpy())
    flats = np.floor(area * np.nan_to_num(levels) / flat_floor_m2)
    tall = np.nan_to_num(levels) >= flats_min_levels
    return np.where(tall, np.maximum(flats, households_per_building), households_per_building)


def residential_buildings(buildings: gpd.GeoDataFrame, min_area_m2: float = 20.0
                          ) -> gpd.GeoDataFrame:
    """Return the buildings that count as homes.

    Residential ones (see :func:`households_from_buildings`) that are points or footprints of
    at least ``min_area_m2`` (metric CRS).
    """
    geoms = buildings.geometry.to_numpy()
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    is_point = np.isin(shapely.get_type_id(geoms), [0, 4])
    keep &= is_point | (shapely.area(geoms) >= min_area_m2)
    keep &= _residential(buildings)
    return buildings[keep]


def combine_expected(
    prelist: pd.Series | None = None,
    raster: pd.Series | None = None,
    buildings: pd.Series | None = None,
    disagreement_share: float = 0.2,
    calibrate_by: pd.Series | None = None,
) -> pd.DataFrame:
    """Combine expected households from up to three sources into one count per unit.

    Rule: the prelist sets the expected count where it has a value (it is the count BPS itself
    planned the fieldwork with); else the building count (it resolves single houses); else the
    raster (a model at 100 m, the coarsest). But where both independent sources see more
    homes than the prelist lists (by more than ``disagreement_share``, after calibration),
    the prelist missed some: the building count, calibrated, sets the expected count
    instead; one alone flags the unit but leaves the prelist's count (a 100 m raster cannot
    resolve an RT of dense kampung). ``sources_disagree`` is True where every independent
    source differs from the prelist by more than ``disagreement_share`` of the larger, in
    the same direction (a missing block raises both; noise in one alone flags nothing);
    without a prelist, where the independent sources differ from each other by that much.

    Parameters
    ----------
    prelist, raster, buildings : pandas.Series, optional
        Households per unit, aligned on one unique index (missing units are NaN).
    disagreement_share : float
        ``Config().expected.disagreement_share``.
    calibrate_by : pandas.Series, optional
        A group per unit (e.g. its kelurahan). Before comparing, the raster and building
        counts of each group are scaled to the prelist's total in that group, so a bias common
        to the whole area (household size, households per building) flags nothing; only a unit
        whose share of its group differs is flagged.

    Returns
    -------
    pandas.DataFrame
        On the union of the inputs' indexes (first-seen order): ``expected_prelist``,
        ``expected_raster``, ``expected_buildings``, ``expected_households`` (float),
        ``expected_source`` (``prelist``, ``buildings``, ``raster`` or ``<NA>``) and
        ``sources_disagree`` (bool).

    Examples
    --------
    >>> out = combine_expected(pd.Series([10.0, None]), pd.Series([30.0, 8.0]))
    >>> out[["expected_households", "expected_source", "sources_disagree"]].values.tolist()
    [[10.0, 'prelist', True], [8.0, 'raster', False]]
    """
    given = {"prelist": prelist, "raster": raster, "buildings": buildings}
    present = [s for s in given.values() if s is not None]
    if not present:
        raise ValueError("combine_expected needs at least one of prelist, raster, buildings")
    index = present[0].index
    for series in present:
        if not series.index.is_unique:
            raise ValueError("expected counts must have a unique index (one row per unit)")
        index = index.append(series.index.difference(index, sort=False))
    out = pd.DataFrame(index=index)
    for name, series in given.items():
        if series is None:
            out[f"expected_{name}"] = np.nan
        else:
            values = pd.to_numeric(series, errors="coerce").astype("Float64").astype("float64")
            out[f"expected_{name}"] = values.reindex(index)
    values = out[[f"expected_{name}" for name in SOURCE_PRIORITY]].to_numpy()
    has = ~np.isnan(values)
    chosen = np.where(has.any(axis=1), has.argmax(axis=1), -1)
    rows = np.arange(len(out))
    expected_values = np.where(chosen >= 0, values[rows, chosen.clip(0)], np.nan)
    if calibrate_by is not None and prelist is not None:
        values = _calibrated(values, has, calibrate_by.reindex(index).to_numpy())
    direction = _direction(values, has, disagreement_share)
    # both independent sources see more homes than the prelist: they set the count (one flags)
    other = np.where(has[:, 1:].any(axis=1), has[:, 1:].argmax(axis=1) + 1, 0)
    raise_it = (direction > 0) & (chosen == 0) & (has[:, 1:].sum(axis=1) >= 2)
    expected_values = np.where(raise_it, values[rows, other], expected_values)
    chosen = np.where(raise_it, other, chosen)
    out["expected_households"] = expected_values
    source = np.array(SOURCE_PRIORITY, dtype=object)[chosen.clip(0)]
    out["expected_source"] = pd.array(np.where(chosen >= 0, source, None), dtype="string")
    out["sources_disagree"] = direction != 0
    return out


def _direction(values: np.ndarray, has: np.ndarray, share: float) -> np.ndarray:
    """Return +1, -1 or 0 per unit: how every independent source compares with the prelist.

    +1 where each exceeds it by more than ``share`` of the larger, -1 where each falls short by
    that much, else 0; without a prelist, 1 where the independent sources differ from each
    other by more than ``share``.
    """
    prelist, independent = values[:, 0], values[:, 1:]
    has_prelist, has_other = has[:, 0], has[:, 1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        larger = np.maximum(independent, prelist[:, None])
        relative = (independent - prelist[:, None]) / np.where(larger > 0, larger, np.nan)
    compared = has_prelist & has_other.any(axis=1)
    above = compared & np.where(has_other, relative > share, True).all(axis=1)
    below = compared & np.where(has_other, relative < -share, True).all(axis=1)
    high = np.where(has_other, independent, -np.inf).max(axis=1)
    low = np.where(has_other, independent, np.inf).min(axis=1)
    with np.errstate(invalid="ignore"):
        between = ~has_prelist & (has_other.sum(axis=1) >= 2) & (high - low > share * high)
    return np.select([above, below, between], [1, -1, 1], 0)


def _calibrated(values: np.ndarray, has: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Scale the independent columns so each group's total matches the prelist's."""
    out = values.copy()
    codes, group_index = np.unique(group.astype(str), return_inverse=True)
    prelist = 0
    for column in range(1, values.shape[1]):
        both = has[:, prelist] & has[:, column]
        top = np.bincount(group_index[both], values[both, prelist], len(codes))
        bottom = np.bincount(group_index[both], values[both, column], len(codes))
        factor = np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1), 1.0)
        out[:, column] = values[:, column] * factor[group_index]
    return out


def _north_up(raster: PopulationRaster):
    """Return the array rows from the north and its (xmin, ymin, xmax, ymax)."""
    t = raster.transform
    if t.b != 0 or t.d != 0:
        raise InputError(
            "population raster has rotated cells; warp it north-up with gdalwarp", path=raster.path
        )
    array = np.asarray(raster.array, dtype="float64")
    if t.e > 0:
        array = array[::-1]
    if t.a < 0:
        array = array[:, ::-1]
    xmin, ymin, xmax, ymax = raster.bounds
    return np.ascontiguousarray(array), (xmin, ymin, xmax, ymax)


def _residential(buildings: pd.DataFrame) -> np.ndarray:
    if "residential" in buildings.columns:
        flag = buildings["residential"].astype("boolean").fillna(False)
        return flag.to_numpy(dtype=bool)
    if "building" in buildings.columns:
        kind = buildings["building"].astype("string").str.strip().str.lower()
        return ~kind.isin(NON_RESIDENTIAL).fillna(False).to_numpy(dtype=bool)
    return np.ones(len(buildings), dtype=bool)
