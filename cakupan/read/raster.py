"""Read a population raster (persons per cell, WorldPop or GHS-POP style).

The raster is read once, whole, into memory and handed on as a :class:`PopulationRaster`
(array, transform, CRS), like ``rasterio.mask.mask`` returns; computations never open files.
A city at 100 m is a few hundred cells a side, so reading it whole is cheap.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyproj
from affine import Affine

from cakupan.errors import InputError, InputFileError


@dataclass(frozen=True, eq=False)
class PopulationRaster:
    """A single-band population raster held in memory.

    Attributes
    ----------
    array : numpy.ndarray
        2-D float64 persons per cell, rows from the top; nodata cells are NaN.
    transform : affine.Affine
        Maps (col, row) to the raster CRS (as in rasterio).
    crs : pyproj.CRS
        The raster's coordinate reference system.
    path : str or None
        The file it was read from, for messages; ``None`` when built in memory.
    """

    array: np.ndarray
    transform: Affine
    crs: pyproj.CRS
    path: str | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """Rows and columns."""
        return self.array.shape

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the cell edges in the raster CRS."""
        rows, cols = self.array.shape
        t = self.transform
        col, row = np.array([0, cols, 0, cols]), np.array([0, 0, rows, rows])
        xs, ys = t.c + t.a * col + t.b * row, t.f + t.d * col + t.e * row
        return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())


def read_population_raster(path: str | Path) -> PopulationRaster:
    """Read a single-band population raster (GeoTIFF or any GDAL raster).

    Parameters
    ----------
    path : str or Path
        The raster file: persons per cell.

    Returns
    -------
    PopulationRaster
        float64 array with nodata (and negative fill values) as NaN, its transform and CRS.

    Raises
    ------
    InputFileError
        The file is missing or GDAL cannot open it.
    InputError
        The raster has no CRS, more than one band, or rotated cells.
    """
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

    path = Path(path)
    if not path.exists():
        raise InputFileError("file not found; check the --population path", path=path)
    try:
        with warnings.catch_warnings():
            # A raster with no georeferencing gets the clear error below instead.
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            src = rasterio.open(path)
        with src:
            if src.count != 1:
                raise InputError(
                    f"population raster has {src.count} bands; give a single-band raster of "
                    "persons per cell (e.g. gdal_translate -b 1)",
                    path=path,
                )
            if src.crs is None:
                raise InputError(
                    "population raster has no CRS; set one with "
                    "gdal_edit.py -a_srs EPSG:4326 (WorldPop rasters are EPSG:4326)",
                    path=path,
                )
            transform = src.transform
            if transform.b != 0 or transform.d != 0:
                raise InputError(
                    "population raster has rotated cells; warp it north-up with gdalwarp",
                    path=path,
                )
            band = src.read(1, masked=True)
            crs = pyproj.CRS.from_wkt(src.crs.to_wkt())
    except RasterioIOError as error:
        raise InputFileError(f"cannot read raster ({error})", path=path) from None
    array = np.ma.filled(band.astype("float64"), np.nan)
    # WorldPop marks nodata with -99999 and some files forget to declare it.
    array[~np.isfinite(array) | (array < 0)] = np.nan
    return PopulationRaster(array=array, transform=transform, crs=crs, path=str(path))
