"""The vector inputs: kelurahan boundaries and SLS (RT) polygons, canonical and repaired.

Takes the frames :func:`cakupan.read.read_vector` returns and returns new GeoDataFrames:
codes as zero-padded text, coordinates checked against the CRS, invalid polygons made valid
(:mod:`cakupan.normalise.shapes`), pieces of one unit merged, each repair named in
``repairs``. A kelurahan without a code or a polygon is an error naming its feature; an RT
without a polygon is set aside with the reason. Nothing here touches the disk.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cakupan import codes
from cakupan.errors import InputError
from cakupan.normalise import parts, shapes
from cakupan.normalise.headers import find_columns, require_column
from cakupan.normalise.sls import declared_rt
from cakupan.normalise.values import column_text

#: Why a polygon is set aside: no RT label, no usable polygon
#: (:data:`cakupan.normalise.shapes.NO_POLYGON`), or in no kelurahan and naming none
#: (:func:`cakupan.assign.locate.attach_units`); the last found wins.
SET_ASIDE = ("no_rt_label", *shapes.NO_POLYGON, "outside_area")


def boundaries(raw: gpd.GeoDataFrame, columns: Mapping[str, str], path=None) -> gpd.GeoDataFrame:
    """Return kelurahan polygons with the canonical columns, one row per kelurahan code.

    Invalid polygons are repaired with ``shapely.make_valid`` and pieces sharing a code are
    merged; both are named in ``repairs``. A row without a code is an error.
    """
    wanted = ("kelurahan_code", "kelurahan_name", "kecamatan_code", "kecamatan_name")
    source = find_columns(raw, wanted, columns, path)
    raw = parts.with_codes(raw, source)
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
    polygons = _repair_polygons(
        gpd.GeoDataFrame(frame, geometry=raw.geometry.values, crs=raw.crs), path, "boundaries")
    unusable = polygons["repairs"].str.contains("|".join(shapes.NO_POLYGON)).to_numpy()
    if unusable.any():
        first = int(np.flatnonzero(unusable)[0])
        raise InputError(f"feature has {_defect(polygons, raw, first)} ({int(unusable.sum())} "
                         "such features); fix or delete it", path=path,
                         row=int(raw["source_row"].iloc[first]))
    return _merge_pieces(polygons, ["kelurahan_code"])


def units(raw: gpd.GeoDataFrame, columns: Mapping[str, str], path=None) -> gpd.GeoDataFrame:
    """Return SLS (RT) polygons: ``sls_code``, ``kelurahan_code``, ``rw``, ``rt``, ``sls_name``.

    Polygons without a usable RT label are kept with ``rt`` missing and named in ``repairs``
    (``no_rt_label``); features without a usable polygon are kept empty, without a label,
    and named the same way (:data:`cakupan.normalise.shapes.NO_POLYGON`); pieces of one RT
    are merged. A layer in which no feature has both is an error.
    """
    source = find_columns(raw, ("sls_code", "kelurahan_code", "rw", "rt", "sls_name"),
                          columns, path)
    raw = parts.with_codes(raw, source)
    names = column_text(raw, source, "sls_name")
    frame = declared_rt(raw, source, names=names).assign(sls_name=names)
    polygons = _repair_polygons(
        gpd.GeoDataFrame(frame, geometry=raw.geometry.values, crs=raw.crs), path, "units")
    shapeless = shapely.is_empty(polygons.geometry.to_numpy())
    polygons.loc[shapeless, ["rw", "rt"]] = pd.NA
    unlabelled = polygons[["rw", "rt"]].isna().any(axis=1)
    if shapeless.all():
        raise InputError("no feature has a usable polygon (feature 1 has "
                         f"{_defect(polygons, raw, 0)})", path=path)
    if unlabelled.all():
        looked = [source[k] for k in ("sls_code", "rt", "sls_name") if k in source]
        raise InputError(
            "no feature has both a polygon and a usable RT label (read from "
            f"{', '.join(looked) or 'no column'}); name the RT column with "
            '[units] rt = "..." in the config', path=path)
    polygons.loc[unlabelled & ~shapeless, "repairs"] = _add_repair(
        polygons.loc[unlabelled & ~shapeless, "repairs"], "no_rt_label")
    # without a kelurahan code (it comes later, from where the RT lies) pieces of one RT
    # cannot be told from the same RT number in another kelurahan: they stay apart
    whole = ~unlabelled & polygons["kelurahan_code"].notna()
    labelled = _merge_pieces(polygons[whole], ["kelurahan_code", "rw", "rt"])
    return pd.concat([labelled, polygons[~whole]], ignore_index=True)


def repaired(frame: gpd.GeoDataFrame) -> pd.Series:
    """Return whether each polygon was repaired and kept (set-aside reasons do not count)."""
    repairs = frame["repairs"].fillna("").astype(str)
    for reason in SET_ASIDE:
        repairs = repairs.str.replace(reason, "", regex=False)
    return repairs.str.strip(";").ne("").reset_index(drop=True)


def _defect(polygons: gpd.GeoDataFrame, raw: gpd.GeoDataFrame, position: int) -> str:
    """Return in words why the feature at ``position`` has no usable polygon."""
    found = polygons["repairs"].iloc[position].split(";")[-1]
    shape = raw.geometry.iloc[position]
    return shapes.NO_POLYGON[found].format(kind=getattr(shape, "geom_type", ""))


def _add_repair(repairs: pd.Series, name: str) -> pd.Series:
    return (repairs.fillna("") + ";" + name).str.strip(";")


def _repair_polygons(frame: gpd.GeoDataFrame, path=None, kind: str = "boundaries"
                     ) -> gpd.GeoDataFrame:
    """Return the layer checked and repaired, ``repairs`` naming each fix.

    ``swapped_lat_lon`` and ``make_valid`` are repairs; a feature left without a polygon
    gets the reason (:data:`cakupan.normalise.shapes.NO_POLYGON`) and an empty polygon.
    """
    frame, swapped = shapes.checked_layer(frame, path, kind)
    fixed, repaired, reason = shapes.repair(frame.geometry.to_numpy())
    out = frame.set_geometry(gpd.GeoSeries(fixed, index=frame.index, crs=frame.crs))
    named = [np.where(swapped, "swapped_lat_lon", ""), np.where(repaired, "make_valid", ""),
             reason.astype(str)]
    repairs = pd.Series(named[0], index=frame.index, dtype="string")
    for more in named[1:]:
        repairs = (repairs + ";" + more).str.strip(";")
    out["repairs"] = repairs
    return out


def polygon_status(frame: gpd.GeoDataFrame) -> pd.Series:
    """Return each polygon's accounting status: ``counted``, or why it is set aside.

    The reasons are those of :data:`SET_ASIDE`, read from ``repairs``.
    """
    repairs = frame["repairs"].fillna("").astype(str)
    status = pd.Series("counted", index=frame.index, dtype=object)
    for reason in SET_ASIDE:
        status[repairs.str.contains(reason, regex=False).to_numpy()] = reason
    return status.reset_index(drop=True)


def _merge_pieces(frame: gpd.GeoDataFrame, keys: list[str]) -> gpd.GeoDataFrame:
    """Merge features that share an identity into one MultiPolygon, noting the repair.

    Pieces of one RT under several SLS codes (sub-SLS, or two SLS named alike) keep them
    all, space-separated, in ``sls_codes``, so that each code finds the RT.
    """
    split = frame.duplicated(keys, keep=False)
    if not split.any():
        return frame.reset_index(drop=True)
    whole = frame[~split]
    pieces = frame[split].dissolve(by=keys, as_index=False, sort=True, aggfunc="first")
    if "sls_code" in frame:
        codes_of = frame[split].dropna(subset=["sls_code"]).drop_duplicates([*keys, "sls_code"])
        several = codes_of.groupby(keys)["sls_code"].agg(" ".join)
        if (several.str.contains(" ")).any():
            pieces = pieces.join(several.rename("sls_codes"), on=keys)
    pieces["repairs"] = _add_repair(pieces["repairs"], "merged_pieces")
    columns = [*frame.columns, *(["sls_codes"] if "sls_codes" in pieces else [])]
    merged = pd.concat([whole, pieces[columns]], ignore_index=True)
    return merged.sort_values(keys, kind="stable").reset_index(drop=True)
