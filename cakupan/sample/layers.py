"""Independent layers of the sample world: a population raster and building footprints.

Both are made from the true household locations (EPSG:32748 metres), with the noise real
layers have, so that expected counts from them are close to the truth but not equal to it:

- :func:`population_raster`: WorldPop-style persons per 100 m cell, each cell multiplied by
  log-normal noise (about +-20 %, total kept), nodata outside the area.
- :func:`building_footprints`: rectangles of 6-15 m sides around groups of 1-3 neighbouring
  households, with some homes missing from the layer, some non-residential buildings and some
  small sheds added.

Everything is deterministic given the ``numpy.random.Generator``. Only
:func:`write_population_raster` touches the disk (the sample generator writes its own files).
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from affine import Affine

from cakupan.read.raster import PopulationRaster

METRIC = "EPSG:32748"
#: WorldPop's nodata value.
NODATA = -99999.0
NON_RESIDENTIAL_TYPES = ("retail", "school", "mosque", "warehouse", "office")


def population_raster(
    x: np.ndarray,
    y: np.ndarray,
    household_size: np.ndarray,
    area,
    rng: np.random.Generator,
    cell_m: float = 100.0,
    noise: float = 0.2,
    crs=METRIC,
) -> PopulationRaster:
    """Return persons per cell on a grid aligned to ``cell_m`` covering ``area``.

    Parameters
    ----------
    x, y : numpy.ndarray
        True household locations in ``crs`` (metres).
    household_size : numpy.ndarray
        Persons in each household.
    area : shapely geometry or geopandas.GeoDataFrame / GeoSeries
        The kelurahan; cells touching no part of it are nodata (NaN).
    rng : numpy.random.Generator
        Source of the noise.
    cell_m : float
        Cell side in metres.
    noise : float
        Standard deviation of the log of the multiplicative noise (0.2: about +-20 %).
    crs : str or pyproj.CRS
        CRS of the coordinates.

    Returns
    -------
    PopulationRaster
        float32-precision persons (stored as float64, NaN outside the area), ``path=None``.

    Examples
    --------
    >>> import shapely
    >>> r = population_raster(np.array([50.0, 60.0]), np.array([50.0, 40.0]),
    ...                       np.array([3, 4]), shapely.box(0, 0, 200, 100),
    ...                       np.random.default_rng(1), noise=0.0)
    >>> r.array.tolist(), tuple(r.transform)[:6]
    ([[7.0, 0.0]], (100.0, 0.0, 0.0, 0.0, -100.0, 100.0))
    """
    geometry = _union(area)
    xmin, ymin, xmax, ymax = shapely.bounds(geometry)
    xmin, ymin = np.floor(xmin / cell_m) * cell_m, np.floor(ymin / cell_m) * cell_m
    xmax, ymax = np.ceil(xmax / cell_m) * cell_m, np.ceil(ymax / cell_m) * cell_m
    cols, rows = int(round((xmax - xmin) / cell_m)), int(round((ymax - ymin) / cell_m))
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    col = np.floor((x - xmin) / cell_m).astype("int64")
    row = np.floor((ymax - y) / cell_m).astype("int64")
    ok = (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
    persons = np.bincount(
        row[ok] * cols + col[ok],
        weights=np.asarray(household_size, dtype="float64")[ok],
        minlength=rows * cols,
    ).reshape(rows, cols)
    # Log-normal with mean 1, so the noise keeps the total on average.
    persons = persons * rng.lognormal(-(noise**2) / 2, noise, size=persons.shape)
    grid_col, grid_row = np.meshgrid(np.arange(cols), np.arange(rows))
    boxes = shapely.box(
        xmin + grid_col * cell_m,
        ymax - (grid_row + 1) * cell_m,
        xmin + (grid_col + 1) * cell_m,
        ymax - grid_row * cell_m,
    )
    shapely.prepare(geometry)
    inside = shapely.intersects(geometry, boxes)
    array = np.where(inside, persons.astype("float32"), np.nan).astype("float64")
    transform = Affine(cell_m, 0.0, xmin, 0.0, -cell_m, ymax)
    return PopulationRaster(array, transform, pyproj.CRS.from_user_input(crs))


def write_population_raster(path: str | Path, raster: PopulationRaster) -> Path:
    """Write a raster as a float32 GeoTIFF with WorldPop's nodata (-99999).

    Written to a temporary name and renamed, so an interrupted run leaves no half file.
    """
    import rasterio

    path = Path(path)
    temporary = path.with_name(path.name + ".part")
    data = np.where(np.isnan(raster.array), NODATA, raster.array).astype("float32")
    profile = {
        "driver": "GTiff",
        "height": data.shape[0],
        "width": data.shape[1],
        "count": 1,
        "dtype": "float32",
        "crs": rasterio.crs.CRS.from_wkt(pyproj.CRS(raster.crs).to_wkt()),
        "transform": raster.transform,
        "nodata": NODATA,
        "compress": "deflate",
    }
    with rasterio.open(temporary, "w", **profile) as dst:
        dst.write(data, 1)
    os.replace(temporary, path)
    return path


def building_footprints(
    x: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    missing_share: float = 0.05,
    non_residential_share: float = 0.06,
    shed_share: float = 0.03,
    crs=METRIC,
    shared: np.ndarray | None = None,
    blocks: np.ndarray | None = None,
    detached: np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    """Return building footprints around the true households, with the usual faults.

    Households within the same 15 m square are grouped 1, 2 or 3 to a building (sizes drawn
    with chances 0.6, 0.3, 0.1); each group gets a rectangle of 6-15 m sides, turned at random,
    centred on the group. Then ``missing_share`` of the homes are dropped (not yet mapped),
    and non-residential buildings (15-40 m sides) and sheds (3-4.5 m sides, below the default
    minimum area) are added near random households.

    ``shared``: a building number per household (-1 for a house of its own): the households
    of one number share one footprint of 8-14 m sides. ``blocks``: per household, whether
    its building is an apartment block: one footprint around the block's households (at
    least 40 x 25 m) of ``building=apartments``, with ``building:levels`` (a floor per 24
    households, 4 at least) and ``height`` (3.2 m a floor), as OSM maps them. ``detached``:
    per household of a house of its own, whether that house stands apart (an estate's or a
    village's): a footprint of 6-12 m sides each, not grouped with its neighbours.

    Returns
    -------
    geopandas.GeoDataFrame
        ``building`` (``house`` or the untyped ``yes`` for homes and sheds, ``apartments``
        for blocks; a type in :data:`NON_RESIDENTIAL_TYPES` otherwise), ``building:levels``
        and ``height`` (blocks only), ``true_households`` (ground truth, 0 for non-homes:
        drop it before writing a user-facing file) and the polygon, in ``crs``.

    Examples
    --------
    >>> b = building_footprints(np.array([0.0, 3.0, 500.0]), np.array([0.0, 2.0, 500.0]),
    ...                         np.random.default_rng(3), 0.0, 0.0, 0.0)
    >>> int(b["true_households"].sum()), bool((b.area >= 36).all())
    (3, True)
    """
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    shared = np.full(len(x), -1) if shared is None else np.asarray(shared, dtype="int64")
    blocks = np.zeros(len(x), dtype=bool) if blocks is None else np.asarray(blocks, dtype=bool)
    detached = (np.zeros(len(x), dtype=bool) if detached is None
                else np.asarray(detached, dtype=bool))
    alone = (shared < 0) & ~detached
    apart = (shared < 0) & detached
    homes = pd.concat([_homes(x[alone], y[alone], rng),
                       _shared_homes(x[shared >= 0], y[shared >= 0], shared[shared >= 0],
                                     blocks[shared >= 0], rng),
                       pd.DataFrame({"building": np.where(rng.random(apart.sum()) < 0.3, "yes",
                                                          "house"),
                                     "true_households": 1, "cx": x[apart], "cy": y[apart],
                                     "w": rng.uniform(6.0, 12.0, apart.sum()),
                                     "h": rng.uniform(6.0, 12.0, apart.sum())})],
                      ignore_index=True)
    groups = len(homes)
    homes = homes[(rng.random(len(homes)) >= missing_share) | homes["levels"].notna()]
    others = _extras(x, y, rng, int(round(non_residential_share * groups)),
                     list(NON_RESIDENTIAL_TYPES), (15.0, 40.0), (20, 60))
    sheds = _extras(x, y, rng, int(round(shed_share * groups)), ["yes"], (3.0, 4.5), (5, 12))
    frame = pd.concat([homes, others, sheds], ignore_index=True)
    polygons = _rectangles(frame, rng.uniform(0, np.pi / 2, len(frame)))
    levels = frame["levels"].to_numpy(dtype="float64") if "levels" in frame else np.full(
        len(frame), np.nan)
    return gpd.GeoDataFrame(
        {
            "building": pd.array(frame["building"].to_numpy(dtype=object), dtype="string"),
            "building:levels": pd.arrays.IntegerArray(
                np.where(np.isnan(levels), 0, levels).astype("int64"), np.isnan(levels)),
            "height": np.round(levels * 3.2, 1),
            "true_households": frame["true_households"].to_numpy(dtype="int64"),
        },
        geometry=polygons,
        crs=crs,
    )


def _homes(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Return one home per group of 1-3 households in a 15 m square: its centre and sides."""
    square = pd.DataFrame(
        {"cx": np.floor(x / 15.0).astype("int64"), "cy": np.floor(y / 15.0).astype("int64")}
    )
    square_id = square.groupby(["cx", "cy"], sort=True).ngroup().to_numpy()
    size = rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1], size=square_id.max() + 1 if len(x) else 0)
    position = pd.Series(square_id).groupby(square_id).cumcount().to_numpy()
    group = pd.DataFrame({"square": square_id, "chunk": position // size[square_id]})
    group_id = group.groupby(["square", "chunk"], sort=True).ngroup().to_numpy()
    count = np.bincount(group_id)
    return pd.DataFrame(
        {
            "building": np.where(rng.random(len(count)) < 0.3, "yes", "house"),
            "true_households": count,
            "cx": np.bincount(group_id, weights=x) / count,
            "cy": np.bincount(group_id, weights=y) / count,
            "w": rng.uniform(6.0, 15.0, len(count)),
            "h": rng.uniform(6.0, 15.0, len(count)),
        }
    )


def _shared_homes(x, y, building, block, rng) -> pd.DataFrame:
    """Return one footprint per shared building or apartment block (see the caller)."""
    number, which = np.unique(building, return_inverse=True)
    count = np.bincount(which, minlength=len(number))
    is_block = np.bincount(which, weights=block, minlength=len(number)) > 0
    frame = pd.DataFrame({"x": x, "y": y, "b": which}).groupby("b")
    width = np.maximum((frame["x"].max() - frame["x"].min()).to_numpy() + 4, 40.0)
    depth = np.maximum((frame["y"].max() - frame["y"].min()).to_numpy() + 4, 25.0)
    small = rng.uniform(8.0, 14.0, (2, len(number)))
    return pd.DataFrame({
        "building": np.where(is_block, "apartments", "house"),
        "true_households": count,
        "cx": frame["x"].mean().to_numpy() if len(number) else np.zeros(0),
        "cy": frame["y"].mean().to_numpy() if len(number) else np.zeros(0),
        "w": np.where(is_block, width, small[0]),
        "h": np.where(is_block, depth, small[1]),
        "levels": np.where(is_block, np.maximum(4, np.ceil(count / 24)), np.nan),
    })


def _extras(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, k: int, kinds: list,
            sides: tuple[float, float], offset: tuple[float, float]) -> pd.DataFrame:
    """Return ``k`` buildings of ``kinds``, no homes, ``offset`` metres from random households."""
    at = rng.integers(0, max(len(x), 1), size=k) if len(x) else np.zeros(0, dtype=int)
    angle = rng.uniform(0, 2 * np.pi, k)
    distance = rng.uniform(*offset, k)
    return pd.DataFrame(
        {
            "building": rng.choice(kinds, size=k),
            "true_households": np.zeros(k, dtype="int64"),
            "cx": x[at] + distance * np.cos(angle),
            "cy": y[at] + distance * np.sin(angle),
            "w": rng.uniform(*sides, k),
            "h": rng.uniform(*sides, k),
        }
    )


def _rectangles(frame: pd.DataFrame, angle: np.ndarray) -> np.ndarray:
    half_w = frame["w"].to_numpy()[:, None] / 2
    half_h = frame["h"].to_numpy()[:, None] / 2
    local_x = np.array([-1, 1, 1, -1, -1]) * half_w
    local_y = np.array([-1, -1, 1, 1, -1]) * half_h
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    xs = frame["cx"].to_numpy()[:, None] + local_x * cos - local_y * sin
    ys = frame["cy"].to_numpy()[:, None] + local_x * sin + local_y * cos
    return shapely.polygons(np.stack([xs, ys], axis=-1))


def _union(area):
    if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        return shapely.union_all(area.geometry.to_numpy())
    return area
