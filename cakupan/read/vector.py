"""Polygon and point layers from any GDAL vector format, through pyogrio."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio

from cakupan.errors import InputError, InputFileError

_ZIPPED = (".zip", ".kmz")
_PARQUET = (".parquet", ".geoparquet", ".pq")


_IN_ZIP = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".fgb")


def gdal_path(path: Path) -> str:
    """Return the path GDAL opens: a zip (or KMZ) through ``/vsizip/``.

    The path goes down to the one vector file inside the zip when there is one, in whatever
    folder (a KMZ opened whole loses the KML's attribute schema, so its ``doc.kml`` is opened).
    """
    if path.suffix.lower() not in _ZIPPED:
        return str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if m.lower().endswith(_IN_ZIP)
                       and not m.startswith("__MACOSX")]
    except (zipfile.BadZipFile, OSError):
        return f"/vsizip/{path}"
    if path.suffix.lower() == ".kmz":
        members = sorted(members, key=lambda m: m.lower() != "doc.kml")[:1]
    if len(members) == 1:
        return f"/vsizip/{path}/{members[0]}"
    return f"/vsizip/{path}"


def list_layers(path: str | Path) -> list[str]:
    """Return the layer names of a vector file."""
    return [str(name) for name, _ in pyogrio.list_layers(gdal_path(Path(path)))]


def read_vector(path, layer: str = "", crs: str = "", kind: str = "boundaries"
                ) -> gpd.GeoDataFrame:
    """Read one layer of a vector file as a GeoDataFrame in its own CRS.

    Parameters
    ----------
    path : str or Path
        Any format GDAL reads: Shapefile (also zipped), GeoPackage, GeoJSON, KML/KMZ,
        GeoParquet (through pyarrow), FlatGeobuf.
    layer : str
        Layer to read; empty: the only layer (a file with several layers is an error that lists
        them).
    crs : str
        The layer's CRS, over the file's own (which may be missing or wrong); empty: the
        file's, and a file without one is an error.
    kind : str
        ``boundaries``, ``units``, ``interviews`` or ``prelist``: the input, to name its
        ``[input]`` settings in errors.

    Returns
    -------
    GeoDataFrame
        The file's columns as text, ``source_row`` (1-based feature number) and geometry.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError("file not found; check the path", path=path)
    if path.is_dir() and path.suffix.lower() != ".gdb":
        raise InputFileError("is a folder, not a file; give the file itself", path=path)
    if path.is_file() and path.stat().st_size == 0:
        raise InputError("is empty", path=path)
    if path.suffix.lower() in _PARQUET:
        frame = _read_geoparquet(path)
    else:
        frame = _read_gdal(path, layer, kind)
    if len(frame) == 0:
        raise InputError("has no features", path=path)
    if "geometry" not in frame:
        raise InputError("has no geometry column", path=path)
    if frame.geometry.isna().all():
        raise InputError(f"has no geometry: all {len(frame)} features are null", path=path)
    if crs:  # the config wins over a missing or a wrong label
        try:
            frame = frame.set_crs(crs, allow_override=True)
        except Exception as error:  # pyproj's CRSError and friends
            raise InputError(f"the config's CRS {crs!r} is not one pyproj knows "
                             f"({_first_line(error)})", path=path) from None
    if frame.crs is None:
        raise InputError(
            "has no coordinate reference system (a shapefile without .prj?); "
            f'name it with [input] {kind}_crs = "EPSG:4326" in the config', path=path)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    text = frame[columns].astype("string")
    out = gpd.GeoDataFrame(text, geometry=frame.geometry.values, crs=frame.crs)
    out.insert(0, "source_row", range(1, len(out) + 1))
    return out


def _read_geoparquet(path: Path) -> gpd.GeoDataFrame:
    try:
        return gpd.read_parquet(path)
    except Exception as error:  # pyarrow and geopandas raise many kinds for a bad file
        raise InputFileError(f"is not a readable GeoParquet file ({_first_line(error)})",
                             path=path) from None


def _read_gdal(path: Path, layer: str, kind: str) -> gpd.GeoDataFrame:
    source = gdal_path(path)
    try:
        layers = pyogrio.list_layers(source)
    except Exception as error:  # GDAL raises its own many kinds for unreadable files
        raise InputFileError(f"not a vector file GDAL can read ({_first_line(error)})",
                             path=path) from None
    names = [str(name) for name, _ in layers]
    if layer and layer not in names:
        raise InputError(f"no layer {layer!r}; layers: {', '.join(names)}", path=path)
    if not layer:
        with_geometry = [str(n) for n, shape in layers if shape is not None] or names
        # KML folders are layers; the first is the one most files have
        if len(with_geometry) > 1 and path.suffix.lower() not in (".kml", ".kmz"):
            raise InputError(
                f"has {len(with_geometry)} layers ({', '.join(with_geometry)}); "
                f'choose one with [input] {kind}_layer = "..." in the config',
                path=path,
            )
        layer = with_geometry[0] if with_geometry else None
    try:
        with warnings.catch_warnings():  # NaN vertices are the normaliser's to name
            warnings.simplefilter("ignore", RuntimeWarning)
            return pyogrio.read_dataframe(source, layer=layer)
    except Exception as error:
        raise InputFileError(f"cannot be read ({_first_line(error)})", path=path) from None


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
