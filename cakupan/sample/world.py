"""Generate the sample world.

Figures follow Kota Tangerang: 1,895,486 people at the 2020 census, 3.8 persons per household
(about 499,000 households), 4,818 RT in 104 kelurahan (about 100 households per RT, 5 RT per
RW), 3,156 enumerators (PPL), one supervisor (PML) per six, fieldwork 15 Oct to 14 Nov 2022.

Faults injected (rates per RT or per interview, all in :data:`cakupan.sample.fieldwork.FAULTS`):

- RTs wholly skipped, RTs partly skipped (a contiguous block of 40-80% of households), RTs with
  a few households missed, and new housing blocks missing from both prelist and fieldwork;
- enumerators inventing interviews at one spot to make a skipped RT look complete;
- GPS noise matching a reported accuracy, repeated submissions of a household, swapped
  lat/lon, missing coordinates, decimal commas, and trips too fast to be real.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.cluster.vq import kmeans2
from scipy.spatial import cKDTree

from cakupan._gdal import fixed_date
from cakupan.crs import WGS84
from cakupan.read.raster import PopulationRaster
from cakupan.sample import bps, fieldwork, layers, plan, settlements
from cakupan.sample.fieldwork import FAULTS
from cakupan.sample.layers import METRIC

HOUSEHOLDS_PER_KM2_CITY = 498_812  # 1,895,486 people / 3.8
#: Households per km2 of a world built on other boundaries (Kabupaten Tangerang: 3.25 million
#: people on 959 km2, 3.8 a household).
HOUSEHOLDS_PER_KM2_ELSEWHERE = 900
HOUSEHOLDS_PER_RT = 103.5
RT_PER_RW = 5.0
PRELIST_ERROR_SD = 0.03

#: Number of kelurahan in each sample size (the first ones by code).
SIZES = {"tiny": 3, "small": 12, "city": 104}


@dataclass(frozen=True)
class World:
    """A generated registration and its ground truth.

    Attributes
    ----------
    kelurahan : GeoDataFrame
        The real boundaries used, as in the bundled file (EPSG:4326).
    units : GeoDataFrame
        RT polygons: ``sls_code``, ``kelurahan_code``, ``rw``, ``rt``, ``sls_name``.
    households : DataFrame
        Every true household: ``household_id``, RT, ``x``/``y`` (EPSG:32748), ``lon``/``lat``,
        ``household_size``, ``in_prelist``, ``interviewed``, ``settlement`` (its RT's kind,
        :data:`cakupan.sample.settlements.KINDS`) and ``building`` (a shared building or
        apartment block, -1 for a house of its own).
    prelist : DataFrame
        ``sls_code``, ``kelurahan_code``, ``rw``, ``rt``, ``expected_households``.
    interviews : DataFrame
        The interview file as an enumerator app would export it (text values).
    truth_rt : DataFrame
        Per RT: ``true_households``, ``genuinely_interviewed``, ``missed_share``, ``fault``,
        ``settlement``.
    truth_interviews : DataFrame
        Per interview row: ``interview_id``, ``fault`` (empty when genuine), ``settlement``.
    population : PopulationRaster
        Persons per 100 m cell made from the true households, with noise (WorldPop style).
    buildings : GeoDataFrame
        Building footprints around the true households, some missing, some not homes;
        apartment blocks with ``building:levels`` and ``height``.
    assignments : DataFrame
        Per RT: enumerator, supervisor, Koseka and planned start and end
        (:mod:`cakupan.sample.plan`).
    truth_plan : DataFrame
        The plan per RT with each enumerator's ``pace_factor``, ``pause_from`` and
        ``pause_days``: who was meant to be where when, and who fell behind.
    """

    kelurahan: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    households: pd.DataFrame
    prelist: pd.DataFrame
    interviews: pd.DataFrame
    truth_rt: pd.DataFrame
    truth_interviews: pd.DataFrame
    population: PopulationRaster
    buildings: gpd.GeoDataFrame
    assignments: pd.DataFrame | None = None
    truth_plan: pd.DataFrame | None = None


def bundled_boundaries() -> Path:
    """Return the path of the bundled Kota Tangerang kelurahan file."""
    here = Path(__file__).resolve().parents[2] / "boundaries" / "kota_tangerang_kelurahan.geojson"
    if here.is_file():
        return here
    return Path(str(resources.files("cakupan") / "data" / "kota_tangerang_kelurahan.geojson"))


def make_world(size: str = "city", seed: int = 2022, pace: float = 1.0,
               fabricators: int | None = None, boundaries=None) -> World:
    """Return the sample world of a given size; the same arguments give the same world.

    Parameters
    ----------
    size : {"tiny", "small", "city"}
        3, 12 or all 104 kelurahan.
    seed : int
        Seed of the random generator.
    pace : float
        Length of genuine interviews and walks relative to the usual 20-45 and 2-10 minutes.
    fabricators : int, optional
        RTs where interviews are invented; by default about one enumerator in 330 of
        :data:`cakupan.sample.fieldwork.FAULTS`.
    boundaries : path, optional
        Desa or kelurahan polygons with the bundled file's ``kode`` (``36.03.11.1010``),
        ``nama``, ``kec_kode`` and ``kec_nama``, to build the world on instead; it then holds
        :data:`HOUSEHOLDS_PER_KM2_ELSEWHERE` households per km2 on average.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
    rng = np.random.default_rng(seed)
    kelurahan = gpd.read_file(bundled_boundaries() if boundaries is None else boundaries)
    kelurahan["code"] = kelurahan["kode"].str.replace(".", "", regex=False)
    kelurahan = kelurahan.sort_values("code").reset_index(drop=True)
    metric = kelurahan.to_crs(METRIC)
    area_km2 = metric.area.to_numpy() / 1e6
    kinds = pd.Series([settlements.kind_of(i) for i in range(len(kelurahan))],
                      index=kelurahan["code"].to_numpy())
    density = rng.lognormal(0.0, 0.35, len(kelurahan)) * kinds.map(settlements.DENSITY).to_numpy()
    weights = area_km2 * density
    total = (HOUSEHOLDS_PER_KM2_CITY if boundaries is None
             else HOUSEHOLDS_PER_KM2_ELSEWHERE * area_km2.sum())
    n_households = np.round(total * weights / weights.sum()).astype(int)
    keep = np.arange(min(SIZES[size], len(kelurahan)))
    kelurahan, metric, n_households = kelurahan.iloc[keep], metric.iloc[keep], n_households[keep]

    units, households = [], []
    kelurahan_parts = zip(metric["code"], metric.geometry, n_households, strict=True)
    for i, (code, polygon, n) in enumerate(kelurahan_parts):
        sub = np.random.default_rng([seed, i])
        xy = settlements.place(polygon, n, kinds[code], sub)
        rt_polygons, rt_of, rw_of_rt = _subdivide(polygon, xy, sub)
        units.append(_unit_frame(code, rt_polygons, rw_of_rt))
        households.append(_household_frame(code, xy, rt_of, rw_of_rt, sub))
    units = gpd.GeoDataFrame(pd.concat(units, ignore_index=True), crs=METRIC)
    households = settlements.settle(pd.concat(households, ignore_index=True), kinds, rng)
    households = _new_blocks(units, households, rng)
    truth_rt, households = _rt_faults(units, households, rng)
    prelist = _prelist(truth_rt, rng)
    interviews, truth_interviews = fieldwork.interviews(households, truth_rt, rng, pace=pace,
                                                        fabricators=fabricators)
    assignments, interviews, truth_interviews, truth_plan = plan.plan_fieldwork(
        interviews, truth_interviews, prelist, truth_rt, np.random.default_rng([seed, 1000, 11]))
    households = _with_lonlat(households)
    layer_rng = np.random.default_rng([seed, 7])
    x, y = households["x"].to_numpy(), households["y"].to_numpy()
    population = layers.population_raster(x, y, households["household_size"].to_numpy(),
                                          metric, layer_rng)
    buildings = layers.building_footprints(
        x, y, layer_rng, shared=households["building"].to_numpy(),
        blocks=households["settlement"].eq("apartment").to_numpy(),
        detached=(households["settlement"].isin(["estate", "rural"])
                  | households["new_block"]).to_numpy())
    return World(
        kelurahan=kelurahan.drop(columns="code").reset_index(drop=True),
        units=units.to_crs(WGS84),
        households=households,
        prelist=prelist,
        interviews=interviews,
        truth_rt=truth_rt,
        truth_interviews=truth_interviews,
        population=population,
        buildings=buildings,
        assignments=assignments,
        truth_plan=truth_plan,
    )


def _subdivide(polygon, xy, rng):
    """Return RT polygons tiling ``polygon``, each household's RT and each RT's RW."""
    n_rt = max(1, int(round(len(xy) / HOUSEHOLDS_PER_RT)))
    seeds, _ = kmeans2(xy, xy[rng.choice(len(xy), n_rt, replace=False)], iter=8, minit="matrix",
                       seed=rng)
    seeds = seeds + rng.normal(0, 0.01, seeds.shape)  # no two identical seeds
    n_rw = max(1, int(round(n_rt / RT_PER_RW)))
    rw_centres, rw_of_rt = kmeans2(seeds, seeds[rng.choice(n_rt, n_rw, replace=False)], iter=8,
                                   minit="matrix", seed=rng)
    # number RW and RT from north-west to south-east, as a field map would
    rw_order = np.lexsort((rw_centres[:, 0], -np.round(rw_centres[:, 1], -2)))
    rw_rank = np.empty(n_rw, dtype=int)
    rw_rank[rw_order] = np.arange(n_rw)
    rw_of_rt = rw_rank[rw_of_rt]
    rt_order = np.lexsort((seeds[:, 0], -np.round(seeds[:, 1], -2), rw_of_rt))
    seeds, rw_of_rt = seeds[rt_order], rw_of_rt[rt_order]
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=polygon)
    cells = shapely.get_parts(cells)
    # voronoi cells come in no fixed order: match each to its seed
    cell_of_seed = shapely.STRtree(cells).query(shapely.points(seeds), predicate="within")
    ordered = np.empty(n_rt, dtype=object)
    ordered[cell_of_seed[0]] = cells[cell_of_seed[1]]
    rt_polygons = shapely.intersection(ordered, polygon)
    _, rt_of = cKDTree(seeds).query(xy)
    return rt_polygons, rt_of, rw_of_rt


def _unit_frame(code, rt_polygons, rw_of_rt) -> pd.DataFrame:
    rt_number = pd.Series(rw_of_rt).groupby(rw_of_rt).cumcount().to_numpy() + 1
    rw = pd.Series(rw_of_rt + 1).astype(str).str.zfill(3)
    rt = pd.Series(rt_number).astype(str).str.zfill(3)
    return pd.DataFrame({
        "sls_code": code + rw.str[1:] + rt.str[1:],
        "kelurahan_code": code,
        "rw": rw,
        "rt": rt,
        "sls_name": "RT " + rt + " RW " + rw,
        "geometry": rt_polygons,
    })


def _household_frame(code, xy, rt_of, rw_of_rt, rng) -> pd.DataFrame:
    rt_number = pd.Series(rw_of_rt).groupby(rw_of_rt).cumcount().to_numpy() + 1
    frame = pd.DataFrame({
        "kelurahan_code": code,
        "rw": pd.Series(rw_of_rt[rt_of] + 1).astype(str).str.zfill(3),
        "rt": pd.Series(rt_number[rt_of]).astype(str).str.zfill(3),
        "x": xy[:, 0],
        "y": xy[:, 1],
        "household_size": np.clip(rng.poisson(2.8, len(xy)) + 1, 1, 12),
    })
    frame = frame.sort_values(["rw", "rt", "y", "x"], kind="stable").reset_index(drop=True)
    seq = frame.groupby(["rw", "rt"]).cumcount() + 1
    frame["household_id"] = (code + frame["rw"].str[1:] + frame["rt"].str[1:] + "-"
                             + seq.astype(str).str.zfill(4))
    return frame


def _new_blocks(units, households, rng) -> pd.DataFrame:
    """Add new housing estates on empty land in a few RTs, built after the prelist was made.

    An estate of 20-60 houses on an 8 m grid goes where the RT has land far from
    any household (140 m); nobody knows of it, so it is missing from both prelist and fieldwork.
    """
    households = households.merge(units[["kelurahan_code", "rw", "rt", "sls_code"]],
                                  on=["kelurahan_code", "rw", "rt"], how="left")
    geoms = units.geometry.to_numpy()
    n, k = len(units), 40
    west, south, east, north = shapely.bounds(geoms).T
    cx = west[:, None] + rng.random((n, k)) * (east - west)[:, None]
    cy = south[:, None] + rng.random((n, k)) * (north - south)[:, None]
    inside = shapely.contains_xy(np.repeat(geoms, k), cx.ravel(), cy.ravel()).reshape(n, k)
    distance, _ = cKDTree(households[["x", "y"]].to_numpy()).query(
        np.column_stack([cx.ravel(), cy.ravel()]))
    distance = np.where(inside, distance.reshape(n, k), 0.0)
    best = distance.argmax(axis=1)
    eligible = np.flatnonzero(distance.max(axis=1) >= 140)
    count = min(len(eligible), int(round(n * FAULTS["rt_new_block"])))
    blocks = []
    for i in np.sort(rng.choice(eligible, count, replace=False)):  # about 2% of RTs
        size = int(rng.integers(20, 61))
        side = int(np.ceil(np.sqrt(size)))
        grid = np.stack(np.meshgrid(np.arange(side), np.arange(side)), -1).reshape(-1, 2)
        xy = (grid[:size] - (side - 1) / 2) * 8.0 + [cx[i, best[i]], cy[i, best[i]]]
        xy = xy[shapely.contains_xy(geoms[i], xy[:, 0], xy[:, 1])]
        unit = units.iloc[i]
        blocks.append(pd.DataFrame({
            "kelurahan_code": unit["kelurahan_code"], "rw": unit["rw"], "rt": unit["rt"],
            "x": xy[:, 0], "y": xy[:, 1],
            "household_size": np.clip(rng.poisson(2.8, len(xy)) + 1, 1, 12),
            "household_id": [f"{unit['sls_code']}-B{j + 1:03d}" for j in range(len(xy))],
            "sls_code": unit["sls_code"],
        }))
    households["new_block"] = False
    if blocks:
        households = pd.concat([households, pd.concat(blocks).assign(new_block=True)],
                               ignore_index=True)
    return households


def _rt_faults(units, households, rng):
    """Choose each RT's fault and which households are missed."""
    rts = units[["sls_code", "kelurahan_code", "rw", "rt"]].copy()
    # a new estate's houses take the kind of the RT they were built in
    kind = households.dropna(subset=["settlement"]).groupby("sls_code")["settlement"].first()
    rts["settlement"] = rts["sls_code"].map(kind).fillna("estate")
    households["settlement"] = households["sls_code"].map(rts.set_index("sls_code")[
        "settlement"])
    households["building"] = households["building"].fillna(-1).astype("int64")
    n = len(rts)
    draw = rng.random(n)
    edges = np.cumsum([FAULTS["rt_skipped"], FAULTS["rt_partly_skipped"],
                       FAULTS["rt_few_missed"]])
    fault = np.select([draw < edges[0], draw < edges[1], draw < edges[2]],
                      ["skipped", "partly_skipped", "few_missed"], "")
    with_block = rts["sls_code"].isin(households.loc[households["new_block"], "sls_code"])
    fault = np.where(with_block.to_numpy(), "new_block", fault)
    rts["fault"] = fault
    share = np.select([fault == "skipped", fault == "partly_skipped", fault == "few_missed"],
                      [1.0, rng.uniform(0.4, 0.8, n), rng.uniform(0.05, 0.25, n)], 0.0)
    rt_share = households["sls_code"].map(pd.Series(share, index=rts["sls_code"]))
    # a contiguous block: the households furthest along a random direction in the RT
    angle = households["sls_code"].map(pd.Series(rng.uniform(0, 2 * np.pi, n),
                                                 index=rts["sls_code"]))
    along = households["x"] * np.cos(angle) + households["y"] * np.sin(angle)
    rank = along.groupby(households["sls_code"]).rank(pct=True, method="first")
    missed = rank > 1 - rt_share
    missed |= rng.random(len(households)) < FAULTS["household_missed"]
    missed &= ~households["new_block"]  # faults of the old houses only
    households["in_prelist"] = ~households["new_block"]
    missed |= households["new_block"]
    households["interviewed"] = ~missed
    tally = households.groupby("sls_code").agg(
        true_households=("interviewed", "size"),
        genuinely_interviewed=("interviewed", "sum"),
        in_prelist=("in_prelist", "sum"),
    )
    rts = rts.join(tally, on="sls_code").fillna({"true_households": 0,
                                                 "genuinely_interviewed": 0, "in_prelist": 0})
    rts["missed_share"] = 1 - rts["genuinely_interviewed"] / rts["true_households"].where(
        rts["true_households"] > 0)
    rts["missed_share"] = rts["missed_share"].fillna(0.0).round(4)
    return rts.reset_index(drop=True), households


def _prelist(truth_rt, rng) -> pd.DataFrame:
    noise = rng.normal(1.0, PRELIST_ERROR_SD, len(truth_rt))
    expected = np.maximum(0, np.round(truth_rt["in_prelist"] * noise)).astype(int)
    return pd.DataFrame({
        "sls_code": truth_rt["sls_code"],
        "kelurahan_code": truth_rt["kelurahan_code"],
        "rw": truth_rt["rw"],
        "rt": truth_rt["rt"],
        "expected_households": expected,
    })


def _with_lonlat(households) -> pd.DataFrame:
    lon, lat = pyproj.Transformer.from_crs(METRIC, WGS84, always_xy=True).transform(
        households["x"].to_numpy(), households["y"].to_numpy())
    return households.assign(lon=lon, lat=lat)


def write_world(world: World, folder, shape: str = "canonical") -> dict[str, Path]:
    """Write the world's input files and ground truth under ``folder``; return their paths.

    ``input/`` holds what a BPS office would have (boundaries, RT polygons, prelist,
    assignments, interviews); ``truth/`` what only the generator knows. With ``shape="bps"``
    the paths of the units, prelist and interviews are those of the same data in BPS's shapes,
    written to ``input/bps/`` (:mod:`cakupan.sample.bps`).
    """
    folder = Path(folder)
    (folder / "input").mkdir(parents=True, exist_ok=True)
    (folder / "truth").mkdir(parents=True, exist_ok=True)
    paths = {
        "boundaries": folder / "input" / "kelurahan.geojson",
        "units": folder / "input" / "rt.gpkg",
        "population": folder / "input" / "population.tif",
        "buildings": folder / "input" / "buildings.gpkg",
        "prelist": folder / "input" / "prelist.csv",
        "interviews": folder / "input" / "interviews.csv",
        "assignments": folder / "input" / "assignments.csv",
        "truth_rt": folder / "truth" / "rt.csv",
        "truth_plan": folder / "truth" / "plan.csv",
        "truth_interviews": folder / "truth" / "interviews.csv",
        "truth_households": folder / "truth" / "households.parquet",
    }
    for path in paths.values():
        path.unlink(missing_ok=True)
    world.kelurahan.to_file(paths["boundaries"], driver="GeoJSON")
    world.prelist.to_csv(paths["prelist"], index=False)
    world.interviews.to_csv(paths["interviews"], index=False)
    world.assignments.to_csv(paths["assignments"], index=False)
    layers.write_population_raster(paths["population"], world.population)
    with fixed_date():  # the same world gives the same GeoPackage bytes
        world.units.to_file(paths["units"], driver="GPKG", layer="rt")
        world.buildings.drop(columns="true_households").to_file(
            paths["buildings"], driver="GPKG", layer="buildings")
    world.truth_rt.to_csv(paths["truth_rt"], index=False)
    world.truth_interviews.to_csv(paths["truth_interviews"], index=False)
    world.truth_plan.to_csv(paths["truth_plan"], index=False)
    world.households.to_parquet(paths["truth_households"], index=False)
    if shape == "bps":
        paths.update(bps.write_bps(world, folder))
    elif shape != "canonical":
        raise ValueError(f"shape must be 'canonical' or 'bps', not {shape!r}")
    return paths
