"""The sample's inputs in the shapes BPS offices really keep them.

Takes a :class:`~cakupan.sample.world.World` and writes, from its canonical frames:

- an SLS layer as BPS's maps carry it: the codes in parts (``kdprov`` 2, ``kdkab`` 2,
  ``kdkec`` 3, ``kddesa`` 3, ``kdsls`` 4, ``kdsubsls`` 2), ``idsls`` (14 digits) and
  ``idsubsls`` (16), names ``nmprov`` .. ``nmdesa`` and ``nmsls`` ("RT 002 RW 003"), ``kk``
  and ``luas``. ``kdsls`` numbers the SLS within its desa (1, 2, 3, ... in order of RW and
  RT): its digits are not RW and RT. Every seventh SLS is split in two sub-SLS (``kdsubsls``
  01 and 02, each half of the polygon); the others are one sub-SLS ``00``;
- the prelist as a SIPW master export: one row per sub-SLS with ``idsubsls``, ``nmsls``,
  ``nama_ketua``, the code parts, ``ruta`` (the households, split over the sub-SLS), ``kk``
  (families, more than households), ``btt``, ``bstt``, ``bsbtt``, ``usaha`` and ``muatan``;
- the interviews with no kelurahan, RW or RT columns, only ``idsubsls`` (an interview in a
  split SLS declares its first sub-SLS).

The RT of every household stays what the canonical files say, so a run on these files gives
the same RT-level counts. Writes only the files it is asked for; keeps no state.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cakupan._gdal import fixed_date

#: One SLS in so many is split in two sub-SLS.
SPLIT_EVERY = 7


def sls_layer(world) -> gpd.GeoDataFrame:
    """Return the world's RT polygons as a BPS SLS layer, one feature per sub-SLS."""
    units = world.units.sort_values(["kelurahan_code", "rw", "rt"]).reset_index(drop=True)
    code = units["kelurahan_code"].astype(str)
    number = units.groupby("kelurahan_code").cumcount() + 1
    kdsls = number.astype(str).str.zfill(4)
    split = (np.arange(len(units)) % SPLIT_EVERY == SPLIT_EVERY - 1) & ~units.geometry.is_empty
    first, second = _halves(units.geometry[split].to_numpy())
    names = world.kelurahan.set_index(world.kelurahan["kode"].astype(str).str.replace(".", ""))
    frame = pd.DataFrame({
        "kdprov": code.str[:2], "kdkab": code.str[2:4], "kdkec": code.str[4:7],
        "kddesa": code.str[7:10], "kdsls": kdsls, "idsls": code + kdsls,
        "nmprov": "BANTEN", "nmkab": "KOTA TANGERANG",
        "nmkec": code.map(names["kec_nama"]).fillna("").str.upper(),
        "nmdesa": code.map(names["nama"]).fillna("").str.upper(),
        "nmsls": "RT " + units["rt"] + " RW " + units["rw"],
        "sls_code": units["sls_code"]})
    whole = frame[~split].assign(kdsubsls="00")
    halves = [frame[split].assign(kdsubsls=sub) for sub in ("01", "02")]
    geometry = [units.geometry[~split].to_numpy(), first, second]
    out = pd.concat([whole, *halves], ignore_index=True)
    out["idsubsls"] = out["idsls"] + out["kdsubsls"]
    layer = gpd.GeoDataFrame(out, geometry=np.concatenate(geometry), crs=units.crs)
    layer = layer.sort_values("idsubsls", kind="stable").reset_index(drop=True)
    metric = layer.to_crs(layer.estimate_utm_crs())
    layer["luas"] = (metric.area / 10_000).round(4)  # hectares
    return layer


def _halves(polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the west and east halves of each polygon, cut at its centroid's longitude."""
    xmin, ymin, xmax, ymax = shapely.bounds(polygons).T
    middle = shapely.get_x(shapely.centroid(polygons))
    west = shapely.intersection(polygons, shapely.box(xmin - 1, ymin - 1, middle, ymax + 1))
    east = shapely.difference(polygons, west)
    return west, east


def sipw_prelist(world, layer: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the world's prelist as a SIPW master export, one row per sub-SLS."""
    expected = world.prelist.set_index("sls_code")["expected_households"]
    rows = pd.DataFrame(layer.drop(columns="geometry"))
    total = rows["sls_code"].map(expected).fillna(0).astype(int)
    parts = rows.groupby("idsls")["kdsubsls"].transform("size")
    first = rows["kdsubsls"].isin(["00", "01"])
    # a split SLS's households: half (rounded down) in 02, the rest in 01
    ruta = np.where(parts > 1, np.where(first, total - total // 2, total // 2), total)
    rng = np.random.default_rng(len(rows))
    usaha = rng.integers(0, 6, len(rows))
    return pd.DataFrame({
        "idsubsls": rows["idsubsls"], "kdprov": rows["kdprov"], "kdkab": rows["kdkab"],
        "kdkec": rows["kdkec"], "kddesa": rows["kddesa"], "kdsls": rows["kdsls"],
        "kdsubsls": rows["kdsubsls"], "nmsls": rows["nmsls"],
        "nama_ketua": "Ketua " + rows["nmsls"], "ruta": ruta,
        "kk": ruta + rng.integers(0, 8, len(rows)), "btt": np.maximum(ruta - 3, 0),
        "bstt": rng.integers(0, 3, len(rows)), "bsbtt": rng.integers(0, 2, len(rows)),
        "usaha": usaha, "muatan": ruta + usaha})


def bps_interviews(world, layer: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the world's interviews declaring only ``idsubsls`` (the first sub-SLS)."""
    first = layer.drop_duplicates("sls_code").set_index("sls_code")["idsubsls"]
    out = world.interviews.drop(columns=["sls_code", "kelurahan_code", "rw", "rt"])
    at = list(out.columns).index("household_id")
    out.insert(at, "idsubsls", world.interviews["sls_code"].map(first))
    return out


def write_bps(world, folder) -> dict[str, Path]:
    """Write the SLS layer, SIPW prelist and interviews under ``folder/input/bps``.

    Returns their paths as ``units``, ``prelist`` and ``interviews``.
    """
    where = Path(folder) / "input" / "bps"
    where.mkdir(parents=True, exist_ok=True)
    paths = {"units": where / "sls.gpkg", "prelist": where / "master_sls.csv",
             "interviews": where / "interviews.csv"}
    for path in paths.values():
        path.unlink(missing_ok=True)
    layer = sls_layer(world)
    sipw_prelist(world, layer).to_csv(paths["prelist"], index=False)
    bps_interviews(world, layer).to_csv(paths["interviews"], index=False)
    with fixed_date():
        layer.drop(columns="sls_code").to_file(paths["units"], driver="GPKG", layer="sls")
    return paths
