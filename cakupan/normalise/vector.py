"""The vector inputs: kelurahan boundaries and SLS (RT) polygons, canonical and repaired.

Takes the frames :func:`cakupan.read.read_vector` returns and returns new GeoDataFrames:
codes as zero-padded text, invalid polygons made valid, pieces of one unit merged, each
repair named in ``repairs``. A feature without a polygon, or a kelurahan without a code, is
an error naming its row. Nothing here touches the disk.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cakupan import codes
from cakupan.errors import InputError
from cakupan.normalise.headers import find_columns, require_column
from cakupan.normalise.sls import declared_rt
from cakupan.normalise.values import column_text


def boundaries(raw: gpd.GeoDataFrame, columns: Mapping[str, str], path=None) -> gpd.GeoDataFrame:
    """Return kelurahan polygons with the canonical columns, one row per kelurahan code.

    Invalid polygons are repaired with ``shapely.make_valid`` and pieces sharing a code are
    merged; both are named in ``repairs``. A row without a code is an error.
    """
    wanted = ("kelurahan_code", "kelurahan_name", "kecamatan_code", "kecamatan_name")
    source = find_columns(raw, wanted, columns, path)
    require_column(source, "kelurahan_code", "kelurahan code column",
                   "kode, kode_desa, kdepum, ...", "boundaries", path)
    dotted = column_text(raw, source, "kelurahan_code")
    code = codes.clean_code(dotted)
    if code.isna().any():
        row = int(raw.loc[code.isna(), "source_row"].iloc[0])
        raise InputError("kelurahan code is empty", path=path, row=row,
                         column=source["kelurahan_code"])
    kecamatan = codes.clean_code(column_text(raw, source, "kecamatan_code"))
    frame = pd.DataFrame(
        {
            "kelurahan_code": code,
            "kelurahan_name": column_text(raw, source, "kelurahan_name").fillna(code),
            "kecamatan_code": kecamatan.fillna(codes.kecamatan_of(code, dotted)),
            "kecamatan_name": column_text(raw, source, "kecamatan_name"),
        }
    )
    frame["kecamatan_name"] = frame["kecamatan_name"].fillna(frame["kecamatan_code"])
    polygons = gpd.GeoDataFrame(frame, geometry=raw.geometry.values, crs=raw.crs)
    return _merge_pieces(_repair_polygons(polygons, raw["source_row"], path),
                         ["kelurahan_code"])


def units(raw: gpd.GeoDataFrame, columns: Mapping[str, str], path=None) -> gpd.GeoDataFrame:
    """Return SLS (RT) polygons: ``sls_code``, ``kelurahan_code``, ``rw``, ``rt``, ``sls_name``.

    Polygons without a usable RT label are kept with ``rt`` missing and named in ``repairs``
    (``no_rt_label``); pieces of one RT are merged.
    """
    source = find_columns(raw, ("sls_code", "kelurahan_code", "rw", "rt", "sls_name"),
                          columns, path)
    declared = declared_rt(raw, source)
    frame = declared.assign(sls_name=column_text(raw, source, "sls_name"))
    polygons = gpd.GeoDataFrame(frame, geometry=raw.geometry.values, crs=raw.crs)
    polygons = _repair_polygons(polygons, raw["source_row"], path)
    unlabelled = polygons[["rw", "rt"]].isna().any(axis=1)
    polygons.loc[unlabelled, "repairs"] = _add_repair(polygons.loc[unlabelled, "repairs"],
                                                      "no_rt_label")
    labelled = _merge_pieces(polygons[~unlabelled], ["kelurahan_code", "rw", "rt"])
    return pd.concat([labelled, polygons[unlabelled]], ignore_index=True)


def _add_repair(repairs: pd.Series, name: str) -> pd.Series:
    return (repairs.fillna("") + ";" + name).str.strip(";")


def _repair_polygons(frame: gpd.GeoDataFrame, source_row=None, path=None) -> gpd.GeoDataFrame:
    """Return polygons made valid (polygonal parts kept, Z dropped), ``repairs`` naming the fix.

    A feature with no polygon (missing or empty geometry, a point or a line) is an error
    naming its row: a unit without a shape cannot be counted or mapped.
    """
    geometry = shapely.force_2d(frame.geometry.to_numpy())
    kind = shapely.get_type_id(geometry)
    no_polygon = ~np.isin(kind, (3, 6, 7)) | shapely.is_empty(geometry)
    if no_polygon.any():
        first = int(np.flatnonzero(no_polygon)[0])
        found = "no geometry" if geometry[first] is None or shapely.is_empty(
            geometry[first]) else f"a {geometry[first].geom_type}"
        row = None if source_row is None else int(np.asarray(source_row)[first])
        raise InputError(f"feature has {found}, not a polygon ({int(no_polygon.sum())} such "
                         "features); fix or delete it", path=path, row=row)
    invalid = ~shapely.is_valid(geometry) | (kind == 7)
    fixed = geometry.copy()
    if invalid.any():
        made = shapely.make_valid(geometry[invalid])
        # invalid polygons are few: a loop over them alone is cheap
        fixed[invalid] = np.array([_polygonal(g) for g in made], dtype=object)
    out = frame.set_geometry(fixed)
    out["repairs"] = pd.Series(np.where(invalid, "make_valid", ""), index=frame.index,
                               dtype="string")
    return out


def _polygonal(geometry):
    parts = shapely.get_parts(geometry)
    keep = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    return shapely.union_all(keep) if len(keep) else shapely.Polygon()


def _merge_pieces(frame: gpd.GeoDataFrame, keys: list[str]) -> gpd.GeoDataFrame:
    """Merge features that share an identity into one MultiPolygon, noting the repair."""
    split = frame.duplicated(keys, keep=False)
    if not split.any():
        return frame.reset_index(drop=True)
    whole = frame[~split]
    pieces = frame[split].dissolve(by=keys, as_index=False, sort=True, aggfunc="first")
    pieces["repairs"] = _add_repair(pieces["repairs"], "merged_pieces")
    merged = pd.concat([whole, pieces[frame.columns]], ignore_index=True)
    return merged.sort_values(keys, kind="stable").reset_index(drop=True)
