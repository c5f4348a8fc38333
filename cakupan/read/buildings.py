"""Read building footprints (OSM, Google/Microsoft Open Buildings, BIG) from a vector file.

Returns polygons or points with, when the file has one, a ``building`` type column (OSM
``building=*`` values) and a boolean ``residential`` column; every other column is dropped.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from cakupan.columns import simplify
from cakupan.errors import InputError, InputFileError

#: Header aliases of the optional type columns (compared after :func:`cakupan.columns.simplify`).
TYPE_ALIASES = {
    "building": ("building", "type", "building_type", "jenis", "jenis_bangunan", "fclass"),
    "residential": ("residential", "is_residential", "hunian", "rumah_tinggal"),
}
#: Columns of the floors and the height (metres) of a building, as OSM and Indonesian layers
#: name them (``building:levels`` reads as ``building_levels``).
SIZE_ALIASES = {
    "levels": ("building_levels", "levels", "building_lev", "jumlah_lantai", "jml_lantai",
               "lantai", "floors", "storeys", "num_floors"),
    "height": ("height", "building_height", "height_m", "tinggi", "tinggi_bangunan"),
}
_TRUE = {"1", "true", "t", "yes", "y", "ya"}
_POLYGONAL = {"Polygon", "MultiPolygon", "Point", "MultiPoint"}


def read_buildings(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read building footprints or building points from any GDAL vector format.

    Parameters
    ----------
    path : str or Path
        GeoPackage, GeoJSON, Shapefile, FlatGeobuf, GeoParquet-by-GDAL, ...
    layer : str, optional
        Layer of a multi-layer file; required when there is more than one.

    Returns
    -------
    geopandas.GeoDataFrame
        ``geometry`` (polygons or points, empty and missing ones dropped) and, when present,
        ``building`` (type as text), ``residential`` (bool), ``levels`` and ``height``
        (float, NaN where unknown or not above 0), in the file's CRS.

    Raises
    ------
    InputFileError
        Missing or unreadable file.
    InputError
        Several layers and none named, no CRS, or geometries that are not polygons or points.
    """
    import pyogrio

    path = Path(path)
    if not path.exists():
        raise InputFileError("file not found; check the --buildings path", path=path)
    try:
        layers = [name for name, _ in pyogrio.list_layers(path)]
        if layer is None and len(layers) > 1:
            raise InputError(
                f"file has {len(layers)} layers ({', '.join(layers)}); name the building layer",
                path=path,
            )
        if layer is not None and layer not in layers:
            raise InputError(f"no layer {layer!r}; layers: {', '.join(layers)}", path=path)
        frame = pyogrio.read_dataframe(path, layer=layer)
    except pyogrio.errors.DataSourceError as error:
        raise InputFileError(f"cannot read buildings ({error})", path=path) from None
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError("file has no geometry; give building footprints or points", path=path)
    if frame.crs is None:
        raise InputError(
            "buildings have no CRS; save the file with one (e.g. EPSG:4326)", path=path
        )
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    bad = sorted(set(frame.geometry.geom_type.unique()) - _POLYGONAL)
    if bad:
        raise InputError(f"buildings must be polygons or points, found {', '.join(bad)}", path=path)
    out = gpd.GeoDataFrame(geometry=frame.geometry.values, crs=frame.crs)
    out.index = pd.RangeIndex(len(out))
    headers = {simplify(col): col for col in frame.columns if col != frame.geometry.name}
    for canonical, aliases in TYPE_ALIASES.items():
        source = next((headers[a] for a in aliases if a in headers), None)
        if source is None:
            continue
        values = frame[source].reset_index(drop=True)
        if canonical == "residential":
            text = values.astype("string").str.strip().str.lower()
            out[canonical] = text.isin(_TRUE).fillna(False).to_numpy(dtype=bool)
        else:
            out[canonical] = values.astype("string").str.strip().str.lower()
    for canonical, aliases in SIZE_ALIASES.items():
        source = next((headers[a] for a in aliases if a in headers), None)
        if source is not None:
            values = pd.to_numeric(frame[source].reset_index(drop=True), errors="coerce")
            out[canonical] = values.astype("float64").where(values > 0).to_numpy()
    return out
