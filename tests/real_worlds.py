"""Registrations built on real polygons: interviews, prelist, buildings and a raster for them.

Takes RT polygons (real ones, or strips cut across real desa) and the kelurahan they lie in,
and writes the files ``cakupan run`` reads: interviews at random places inside each RT,
declaring it; a prelist; building footprints and a population raster around the
interviews (:mod:`cakupan.sample.layers`). Real data outside the repository is looked for
in ``../shared/data/real`` beside the clone, or where ``CAKUPAN_REAL_DATA`` says.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cakupan.sample import layers

ROOT = Path(__file__).resolve().parents[1]
#: Where the real polygons of ``shared/data/real`` are, if anywhere.
REAL = Path(os.environ.get("CAKUPAN_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))
#: Real desa of two kecamatan in Kabupaten Tangerang, MIT (tests/data/README.md).
DESA = ROOT / "tests" / "data" / "kab_tangerang_rajeg_kosambi_desa.geojson"
METRIC = "EPSG:32748"


def axis_splits(desa: gpd.GeoDataFrame, across: int = 3, down: int = 2,
                checkered: bool = False) -> gpd.GeoDataFrame:
    """Cut every desa into ``across`` x ``down`` cells of its bounding box: RT polygons.

    The cuts leave what real clipping leaves: multipolygons, slivers, and collections of
    polygons and lines where a cut runs along an edge. RW = the column, RT = the row; with
    ``checkered``, one RW of two RTs laid like a chessboard, so the pieces of an RT touch
    at one vertex.
    """
    rows = []
    for code, shape in zip(desa["kode"], desa.geometry, strict=True):
        x0, y0, x1, y1 = shape.bounds
        xs, ys = np.linspace(x0, x1, across + 1), np.linspace(y0, y1, down + 1)
        for i in range(across):
            for j in range(down):
                piece = shapely.intersection(shape, shapely.box(xs[i], ys[j], xs[i + 1],
                                                                ys[j + 1]))
                if not piece.is_empty:
                    rw, rt = (1, (i + j) % 2 + 1) if checkered else (i + 1, j + 1)
                    rows.append({"kode_desa": code, "rw": f"{rw:03d}", "rt": f"RT {rt:03d}",
                                 "geometry": piece})
    return gpd.GeoDataFrame(rows, crs=desa.crs)


def interviews(units: gpd.GeoDataFrame, kelurahan_code: pd.Series, rw: pd.Series,
               rt: pd.Series, per_rt: int, seed: int = 7) -> pd.DataFrame:
    """Interviews at random places inside each labelled RT polygon (EPSG:4326), declaring it.

    ``kelurahan_code``, ``rw`` and ``rt``: the labels each unit declares, aligned to
    ``units``, as text (``RT 004`` and ``4`` both do).
    """
    rng = np.random.default_rng(seed)
    rt = rt.astype("string").str.extract(r"(\d+)")[0].str.zfill(3)
    rw = rw.astype("string").str.extract(r"(\d+)")[0].str.zfill(3)
    usable = (rt.notna() & rw.notna() & kelurahan_code.notna()
              & (units.geometry.to_crs(METRIC).area > 1)).to_numpy()
    points = units[usable].geometry.sample_points(per_rt, rng=rng).explode(index_parts=False)
    n = len(points)
    start = pd.Timestamp("2022-10-16 08:00")
    return pd.DataFrame({
        "interview_id": [f"W{i + 1}" for i in range(n)],
        "lon": np.round(points.x.to_numpy(), 7), "lat": np.round(points.y.to_numpy(), 7),
        "kelurahan_code": kelurahan_code.loc[points.index].to_numpy(),
        "rw": rw.loc[points.index].to_numpy(), "rt": rt.loc[points.index].to_numpy(),
        "household_id": [f"H{i + 1}" for i in range(n)],
        "interviewed_at": (start + pd.to_timedelta(np.arange(n) * 7, unit="min")).astype(str),
        "enumerator_id": [f"E{i % 5}" for i in range(n)],
        "gps_accuracy_m": rng.uniform(3, 15, n).round(1),
    })


def write_inputs(folder: Path, kelurahan_path: Path, units: gpd.GeoDataFrame | None,
                 rows: pd.DataFrame, extras=("prelist", "buildings", "population"),
                 units_name: str = "rt.geojson") -> dict:
    """Write the interviews, the units and the extras; return the paths ``run`` takes."""
    folder = Path(folder)
    files = {"boundaries": kelurahan_path, "interviews": folder / "wawancara.csv"}
    rows.to_csv(files["interviews"], index=False)
    if units is not None:
        files["units"] = folder / units_name
        units.to_file(files["units"], engine="pyogrio")
    rng = np.random.default_rng(11)
    if "prelist" in extras:
        expected = rows.groupby(["kelurahan_code", "rw", "rt"]).size().reset_index(name="n")
        expected["jumlah_ruta"] = expected["n"] + rng.integers(-1, 3, len(expected))
        files["prelist"] = folder / "prelist.csv"
        expected.drop(columns="n").to_csv(files["prelist"], index=False)
    xy = gpd.GeoSeries(gpd.points_from_xy(rows["lon"], rows["lat"]), crs=4326).to_crs(METRIC)
    if "buildings" in extras:
        files["buildings"] = folder / "buildings.gpkg"
        layers.building_footprints(xy.x.to_numpy(), xy.y.to_numpy(), rng).drop(
            columns="true_households").to_crs(4326).to_file(files["buildings"],
                                                            engine="pyogrio")
    if "population" in extras:
        area = gpd.read_file(kelurahan_path).to_crs(METRIC)
        raster = layers.population_raster(xy.x.to_numpy(), xy.y.to_numpy(),
                                          np.full(len(xy), 4.0), area, rng)
        files["population"] = layers.write_population_raster(folder / "penduduk.tif", raster)
    return files
