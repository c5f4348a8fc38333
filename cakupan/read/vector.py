"""Polygon and point layers from any GDAL vector format, through pyogrio."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio

from ..errors import InputError, InputFileError

_ZIPPED = (".zip", ".kmz")


def gdal_path(path: Path) -> str:
    """Return the path GDAL opens: zipped shapefiles and KMZ through ``/vsizip/``."""
    if path.suffix.lower() in _ZIPPED:
        return f"/vsizip/{path}"
    return str(path)


def list_layers(path: str | Path) -> list[str]:
    """Return the layer names of a vector file."""
    return [str(name) for name, _ in pyogrio.list_layers(gdal_path(Path(path)))]


def read_vector(path, layer: str = "", crs: str = "") -> gpd.GeoDataFrame:
    """Read one layer of a vector file as a GeoDataFrame in its own CRS.

    Parameters
    ----------
    path : str or Path
        Any format GDAL reads: Shapefile (also zipped), GeoPackage, GeoJSON, KML/KMZ,
        GeoParquet, FlatGeobuf.
    layer : str
        Layer to read; empty: the only layer (a file with several layers is an error that lists
        them).
    crs : str
        CRS to assume when the file carries none; empty: such a file is an error.

    Returns
    -------
    GeoDataFrame
        The file's columns as text, ``source_row`` (1-based feature number) and geometry.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError("file not found; check the path", path=path)
    source = gdal_path(path)
    try:
        layers = pyogrio.list_layers(source)
    except Exception as error:  # GDAL raises its own many kinds for unreadable files
        raise InputFileError(f"not a vector file GDAL can read ({_first_line(error)})", path=path)
    names = [str(name) for name, _ in layers]
    if layer and layer not in names:
        raise InputError(f"no layer {layer!r}; layers: {', '.join(names)}", path=path)
    if not layer:
        with_geometry = [str(n) for n, kind in layers if kind is not None] or names
        if len(with_geometry) > 1 and path.suffix.lower() not in (".kml", ".kmz"):
            raise InputError(
                f"has {len(with_geometry)} layers ({', '.join(with_geometry)}); "
                "choose one with [input] boundaries_layer / units_layer in the config",
                path=path,
            )
        layer = with_geometry[0] if with_geometry else None
    try:
        frame = pyogrio.read_dataframe(source, layer=layer)
    except Exception as error:
        raise InputFileError(f"cannot be read ({_first_line(error)})", path=path) from None
    if len(frame) == 0:
        raise InputError("has no features", path=path)
    if "geometry" not in frame or frame.geometry.isna().all():
        raise InputError("has no geometry column", path=path)
    if frame.crs is None:
        if not crs:
            raise InputError(
                "has no coordinate reference system (a shapefile without .prj?); "
                'name it with [input] boundaries_crs = "EPSG:4326" in the config',
                path=path,
            )
        frame = frame.set_crs(crs)
    columns = [c for c in frame.columns if c != "geometry"]
    text = frame[columns].astype("string")
    out = gpd.GeoDataFrame(text, geometry=frame.geometry.values, crs=frame.crs)
    out.insert(0, "source_row", range(1, len(out) + 1))
    return out


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
