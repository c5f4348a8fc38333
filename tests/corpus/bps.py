"""Builders of files shaped as BPS keeps them, and of the same data in canonical files.

Written from the public descriptions of BPS's SLS maps and SIPW master exports (attribute
names, code widths, how SLS are named); no data is copied. The world is the corpus's two
kelurahan (:mod:`tests.corpus`), BPS codes ``3671011001`` and ``3671011002``, cut into a
3 x 3 grid of SLS cells each. :data:`SLS` lists the SLS: their names, the RT cakupan must
give them with an SLS layer (``rw``, ``rt``; a 4-digit RT is an SLS of its own, numbered by
its ``kdsls``), how many households were interviewed and how many the prelist expects.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from tests import corpus as c

#: kelurahan (BPS), kdsls, nmsls, RT with a layer (rw, rt), sub-SLS, interviewed, ruta, kk,
#: usaha. An SLS with two sub-SLS is cut in two pieces (01 west, 02 east).
SLS = pd.DataFrame([
    ("3671011001", "0001", "RT 001 RW 001", "001", "001", 1, 3, 4, 5, 1),
    ("3671011001", "0002", "RT 002 RW 001", "001", "002", 1, 2, 2, 3, 0),
    ("3671011001", "0003", "RT 004 RW 012 DUSUN SINAM", "012", "004", 2, 4, 6, 6, 2),
    ("3671011001", "0004", "RT 4 DUSUN 2", "000", "0004", 1, 2, 2, 2, 0),
    ("3671011001", "0005", "RT 4 DUSUN 3", "000", "0005", 1, 1, 3, 4, 1),
    ("3671011001", "0006", "DUSUN KRAJAN", "000", "0006", 1, 0, 2, 2, 0),
    ("3671011001", "0007", "RT 05 RW 02", "002", "005", 1, 2, 2, 2, 1),
    ("3671011002", "0001", "RW 03", "003", "0001", 1, 2, 3, 3, 0),
    ("3671011002", "0002", "PERUM INDAH BLOK C", "000", "0002", 2, 3, 3, 5, 3),
    ("3671011002", "0003", "RT 002 RW 001", "001", "002", 1, 1, 1, 1, 0),
    ("3671011002", "0004", "LINGKUNGAN 4", "000", "0004", 1, 2, 2, 2, 0),
    ("3671011002", "0005", "KAMPUNG BARU", "000", "0005", 1, 1, 1, 1, 0),
], columns=["kelurahan", "kdsls", "nmsls", "rw", "rt", "subsls", "interviewed", "ruta", "kk",
            "usaha"])
SLS["idsls"] = SLS["kelurahan"] + SLS["kdsls"]


def _cells(frame: pd.DataFrame) -> list:
    """Return each SLS's box: the n-th cell of a 3 x 3 grid of its kelurahan."""
    west = np.where(frame["kelurahan"].str.endswith("1"), 106.60, 106.61)
    n = frame.groupby("kelurahan").cumcount().to_numpy()
    x0, y0 = west + (n % 3) * 0.01 / 3, -6.20 + (n // 3) * 0.01 / 3
    return [box(x, y, x + 0.01 / 3, y + 0.01 / 3) for x, y in zip(x0, y0, strict=True)]


def sub_sls() -> gpd.GeoDataFrame:
    """Return one row per sub-SLS: codes in parts, idsls, idsubsls, nmsls, ruta, polygon."""
    cells = _cells(SLS)
    rows, shapes = [], []
    for i, sls in SLS.iterrows():  # a dozen test rows, written once
        minx, miny, maxx, maxy = cells[i].bounds
        pieces = 1 if sls["subsls"] == 1 else 2
        width = (maxx - minx) / pieces
        for k in range(pieces):
            rows.append({**sls, "kdsubsls": "00" if pieces == 1 else f"{k + 1:02d}",
                         "ruta_sub": sls["ruta"] - sls["ruta"] // 2 if pieces > 1 and k == 0
                         else sls["ruta"] // 2 if pieces > 1 else sls["ruta"],
                         "kk_sub": sls["kk"] if k == 0 else 0,
                         "usaha_sub": sls["usaha"] if k == 0 else 0})
            shapes.append(box(minx + k * width, miny, minx + (k + 1) * width, maxy))
    frame = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=shapes, crs="EPSG:4326")
    frame["idsubsls"] = frame["idsls"] + frame["kdsubsls"]
    return frame


def sls_layer(folder: Path, name="sls.gpkg", codes=("idsls", "idsubsls"), rw_dki=False
              ) -> Path:
    """Write a BPS SLS layer: kdprov .. kdsubsls, the whole ``codes``, names, kk, luas."""
    subs = sub_sls()
    code = subs["kelurahan"]
    frame = gpd.GeoDataFrame({
        "kdprov": code.str[:2], "kdkab": code.str[2:4], "kdkec": code.str[4:7],
        "kddesa": code.str[7:10], "kdsls": subs["kdsls"], "kdsubsls": subs["kdsubsls"],
        **{name_: subs[name_] for name_ in codes},
        "nmprov": "BANTEN", "nmkab": "KOTA TANGERANG", "nmkec": "TANGERANG",
        "nmdesa": np.where(code.str.endswith("1"), "SATU", "DUA"),
        "nmsls": subs["nmsls"], "kk": subs["kk_sub"], "luas": 12.3},
        geometry=subs.geometry, crs="EPSG:4326")
    if rw_dki:  # Jakarta keeps RW and RT in columns; its names then say less
        known = subs["rt"].str.len().eq(3)
        frame["rw_dki"] = subs["rw"].where(known, "")
        frame["rt_dki"] = subs["rt"].where(known, "")
        frame["nmsls"] = np.where(known, "SLS " + subs["kdsls"], subs["nmsls"])
    path = Path(folder) / name
    frame.to_file(path)
    return path


def _interviewed() -> gpd.GeoDataFrame:
    """Return a sub-SLS row per interview: every interview of an SLS in its first piece."""
    subs = sub_sls()
    return subs.loc[subs.index.repeat(subs["interviewed"].where(
        subs["kdsubsls"].isin(["00", "01"]), 0))]


def interviews_points() -> gpd.GeoSeries:
    """Return the interviews' points (inside their SLS's first piece), rounded to 1e-6."""
    points = _interviewed().geometry.representative_point()
    return gpd.GeoSeries(gpd.points_from_xy(points.x.round(6), points.y.round(6)))


def interviews(folder: Path, code="idsubsls", name="wawancara.csv") -> Path:
    """Write interviews declaring only ``code`` (``idsls`` or ``idsubsls``), each in its SLS."""
    subs = _interviewed()
    points = interviews_points()
    frame = pd.DataFrame({"interview_id": [f"B{i + 1}" for i in range(len(subs))],
                          "lon": points.x.to_numpy(), "lat": points.y.to_numpy(),
                          code: subs[code].to_numpy(),
                          "nurt": [f"{i + 1:03d}" for i in range(len(subs))]})
    path = Path(folder) / name
    frame.to_csv(path, index=False)
    return path


def sipw(count=("ruta", "kk", "btt", "usaha", "muatan")) -> pd.DataFrame:
    """Return a SIPW master export: one row per sub-SLS, the counts named in ``count``."""
    subs = pd.DataFrame(sub_sls().drop(columns="geometry"))
    code = subs["kelurahan"]
    counts = {"ruta": subs["ruta_sub"], "kk": subs["kk_sub"], "btt": subs["ruta_sub"] + 1,
              "bstt": 0, "bsbtt": 1, "usaha": subs["usaha_sub"],
              "muatan": subs["ruta_sub"] + subs["usaha_sub"]}
    return pd.DataFrame({
        "idsubsls": subs["idsubsls"], "kdprov": code.str[:2], "kdkab": code.str[2:4],
        "kdkec": code.str[4:7], "kddesa": code.str[7:10], "kdsls": subs["kdsls"],
        "kdsubsls": subs["kdsubsls"], "nmsls": subs["nmsls"],
        "nama_ketua": "Ketua " + subs["nmsls"], **{n: counts[n] for n in count}})


def sipw_csv(folder: Path, count=("ruta", "kk", "btt", "usaha", "muatan"),
             name="master_sls.csv") -> Path:
    path = Path(folder) / name
    sipw(count).to_csv(path, index=False)
    return path


def _titled_prelist() -> list[list]:
    """Two title rows, a blank row, codes in parts, "Jml Ruta Prelist", a total row."""
    subs = sipw()
    header = ["Kode Prov", "Kode Kab", "Kode Kec", "Kode Desa", "Kode SLS", "Kode SubSLS",
              "Nama SLS", "Jumlah KK", "Jml Ruta Prelist"]
    body = [[int(r.kdprov), int(r.kdkab), int(r.kdkec), int(r.kddesa), int(r.kdsls),
             int(r.kdsubsls), r.nmsls, int(r.kk), int(r.ruta)] for r in subs.itertuples()]
    total = [None] * 6 + ["JUMLAH", int(subs["kk"].sum()), int(subs["ruta"].sum())]
    return [["PRELIST REGSOSEK 2022"], ["KOTA TANGERANG"], [], header, *body, total]


def prelist_with_title_and_total(folder: Path) -> Path:
    """An Excel prelist with title rows above its header and a total row."""
    return c.excel(folder, {"Prelist": _titled_prelist()}, name="prelist.xlsx")


def prelist_csv_with_title_and_total(folder: Path) -> Path:
    """The same prelist saved from Excel as CSV, with semicolons as an Indonesian Excel does."""
    path = Path(folder) / "prelist.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=";").writerows(
            ["" if cell is None else cell for cell in row] for row in _titled_prelist())
    return path


def canonical(folder: Path, count="ruta") -> dict[str, Path]:
    """Write the same data as canonical files: RT polygons, interviews and prelist."""
    subs = sub_sls()
    units = subs.dissolve(by="idsls", as_index=False, aggfunc="first")
    units = gpd.GeoDataFrame({"kelurahan_code": units["kelurahan"], "rw": units["rw"],
                              "rt": units["rt"], "sls_name": units["nmsls"]},
                             geometry=units.geometry, crs="EPSG:4326")
    units.to_file(Path(folder) / "rt.geojson")
    declared = SLS.loc[SLS.index.repeat(SLS["interviewed"])]
    at = interviews_points()
    frame = pd.DataFrame({"interview_id": [f"B{i + 1}" for i in range(len(declared))],
                          "lon": at.x.to_numpy(), "lat": at.y.to_numpy(),
                          "kelurahan_code": declared["kelurahan"].to_numpy(),
                          "rw": declared["rw"].to_numpy(), "rt": declared["rt"].to_numpy(),
                          "nurt": [f"{i + 1:03d}" for i in range(len(declared))]})
    frame.to_csv(Path(folder) / "wawancara.csv", index=False)
    values = sipw((count,)).groupby(["kdsls", "kddesa"], sort=False)[count].sum()
    prelist = SLS.assign(expected_households=[
        values[(k, d[7:])] for k, d in zip(SLS["kdsls"], SLS["kelurahan"], strict=True)])
    prelist[["kelurahan", "rw", "rt", "expected_households"]].rename(
        columns={"kelurahan": "kelurahan_code"}).to_csv(Path(folder) / "prelist.csv",
                                                        index=False)
    return {"units": Path(folder) / "rt.geojson", "interviews": Path(folder) / "wawancara.csv",
            "prelist": Path(folder) / "prelist.csv"}


def key_to_sls() -> tuple[dict, dict]:
    """Return ``idsls`` by RT key, RW and RT as numbers, for both kinds of run.

    With an SLS layer an SLS's key is its ``rw`` and ``rt``; without one, every SLS is a
    unit of its own, RW 0 and RT its ``kdsls``.
    """
    keys = {(k, int(rw), int(rt)): s for k, rw, rt, s in
            zip(SLS["kelurahan"], SLS["rw"], SLS["rt"], SLS["idsls"], strict=True)}
    own = {(k, 0, int(n)): s for k, n, s in zip(SLS["kelurahan"], SLS["kdsls"], SLS["idsls"],
                                               strict=True)}
    return keys, own
