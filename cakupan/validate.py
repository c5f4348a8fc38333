"""Validate: check the input files without running the analysis.

Reads each input given, normalises it and places the interviews in the kelurahan (the same
rules as a run, so the same rows are set aside), and returns one summary row per input: rows
read, usable, set aside by reason, repairs, the columns recognised, the CRS and, for polygon
layers, the overlaps and gaps between neighbours. It measures no coverage and writes nothing;
an unusable file raises the same :class:`cakupan.errors.InputError` a run would.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import pandas as pd

from cakupan import codes, read
from cakupan.assign import locate as assign
from cakupan.columns import BOUNDARIES, INTERVIEWS, PRELIST, UNITS
from cakupan.config import Config
from cakupan.crs import metric_crs
from cakupan.measure import topology
from cakupan.normalise import headers, sls, tables, vector
from cakupan.normalise.values import geopoint_column

#: The columns of the summary table, in order.
SUMMARY_COLUMNS = ("input", "file", "format", "crs", "rows_read", "rows_usable",
                   "rows_set_aside", "set_aside", "repairs", "columns", "overlap_pairs",
                   "overlap_ha", "gaps", "gap_ha")


def validate(inputs, config: Config = Config()) -> pd.DataFrame:
    """Return the summary table of the inputs named in ``inputs``.

    Parameters
    ----------
    inputs : cakupan._flow.Inputs
        Only ``boundaries``, ``interviews``, ``units`` and ``prelist`` are checked.
    config : Config
        Layers, sheet, CRS and column names, as for a run.

    Returns
    -------
    DataFrame
        One row per input given, columns :data:`SUMMARY_COLUMNS`. ``set_aside`` and
        ``repairs`` read ``reason count; ...``; ``columns`` reads ``canonical <- source; ...``.

    Raises
    ------
    InputError
        For the first input that cannot be used at all.
    """
    rows = []
    raw = read.read_vector(inputs.boundaries, config.input.boundaries_layer,
                           config.input.boundaries_crs)
    kelurahan = vector.boundaries(raw, config.boundaries, inputs.boundaries)
    metric = metric_crs(kelurahan)
    kelurahan = kelurahan.to_crs(metric).sort_values("kelurahan_code").reset_index(drop=True)
    rows.append(_polygons_row("boundaries", inputs.boundaries, raw, kelurahan, "kelurahan_code",
                              headers.find_columns(raw, BOUNDARIES, config.boundaries)))
    units = None
    if inputs.units is not None:
        raw = read.read_vector(inputs.units, config.input.units_layer, config.input.units_crs,
                               kind="units")
        units = assign.attach_units(vector.units(raw, config.units, inputs.units).to_crs(
            metric), kelurahan)
        keyed = units.assign(unit=codes.rt_code(units["kelurahan_code"].fillna("?"),
                                                units["rw"].fillna("?"),
                                                units["rt"].fillna("?")))
        keyed["unit"] = keyed["unit"].mask(units["rt"].isna(),
                                           "unlabelled-" + pd.Series(range(len(units)),
                                                                     index=units.index).astype(str))
        rows.append(_polygons_row("units", inputs.units, raw, keyed, "unit",
                                  headers.find_columns(raw, UNITS, config.units)))
    if inputs.interviews is not None:
        raw = read.read_table(inputs.interviews, config.input.sheet)
        frame = tables.interviews(raw, config.interviews, inputs.interviews,
                                     config.checks.timezone)
        if units is not None:
            frame = sls.resolve_sls(frame, units)
        placed = assign.assign_interviews(frame, kelurahan, units,
                                          config.assign.sliver_tolerance_m)
        placed["status"] = assign.mark_duplicates(placed)
        rows.append(_table_row("interviews", inputs.interviews, raw, placed,
                               _interview_columns(raw, config.interviews)))
    if inputs.prelist is not None:
        raw = read.read_table(inputs.prelist, config.input.sheet)
        frame = tables.prelist(raw, config.prelist, inputs.prelist)
        rows.append(_table_row("prelist", inputs.prelist, raw, frame,
                               headers.find_columns(raw, PRELIST, config.prelist)))
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _interview_columns(raw, explicit) -> dict[str, str]:
    found = headers.find_columns(raw, INTERVIEWS, explicit)
    if "lon" not in found or "lat" not in found:
        geopoint = geopoint_column(raw, found)
        if geopoint is not None:
            found = {**found, "lon": geopoint, "lat": geopoint}
    return found


def _counts(values: pd.Series) -> str:
    """Return ``name count; ...`` of ``;``-separated names, most frequent first.

    Examples
    --------
    >>> _counts(pd.Series(["a", "a;b", "", None, "b", "a"]))
    'a 3; b 2'
    """
    names = values.dropna().astype(str).str.split(";").explode()
    names = names[names.str.strip().ne("")]
    if names.empty:
        return ""
    counts = names.value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")
    return "; ".join(f"{name} {count}" for name, count in counts.items())


def _columns(found: Mapping[str, str]) -> str:
    return "; ".join(f"{name} <- {source}" for name, source in found.items())


def _format(path) -> str:
    return str(path).rsplit(".", 1)[-1].lower() if "." in str(path) else ""


def _table_row(name, path, raw, frame, found) -> dict:
    status = frame["status"]
    aside = status[status.ne("counted")]
    return {"input": name, "file": str(path), "format": _format(path),
            "crs": "EPSG:4326" if {"lon", "lat"} & set(found) else "",
            "rows_read": len(frame), "rows_usable": int(status.eq("counted").sum()),
            "rows_set_aside": len(aside), "set_aside": _counts(aside),
            "repairs": _counts(frame["repairs"]) if "repairs" in frame else "",
            "columns": _columns(found)}


def _polygons_row(name, path, raw: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, code: str,
                  found) -> dict:
    overlaps, holes = topology.overlaps_and_holes(polygons, code)
    figures = topology.summary(overlaps, holes)
    repairs = polygons["repairs"].fillna("")
    aside = repairs.str.contains("no_rt_label")
    return {"input": name, "file": str(path), "format": _format(path),
            "crs": raw.crs.to_string(), "rows_read": len(raw),
            "rows_usable": len(raw) - int(aside.sum()), "rows_set_aside": int(aside.sum()),
            "set_aside": "no_rt_label " + str(int(aside.sum())) if aside.any() else "",
            "repairs": _counts(repairs.str.replace("no_rt_label", "")),
            "columns": _columns(found),
            "overlap_pairs": figures["overlap_pairs"], "overlap_ha": figures["overlap_ha"],
            "gaps": figures["gaps"], "gap_ha": figures["gap_ha"]}


def format_summary(table: pd.DataFrame) -> str:
    """Return the summary table as short text, one block per input, for a terminal.

    Examples
    --------
    >>> table = pd.DataFrame([{"input": "prelist", "file": "p.csv", "format": "csv",
    ...     "crs": "", "rows_read": 3, "rows_usable": 2, "rows_set_aside": 1,
    ...     "set_aside": "duplicate 1", "repairs": "", "columns": "rt <- RT",
    ...     "overlap_pairs": None, "overlap_ha": None, "gaps": None, "gap_ha": None}])
    >>> print(format_summary(table))
    prelist     p.csv: 3 rows read, 2 usable, 1 set aside (duplicate 1)
                columns: rt <- RT
    """
    lines = []
    for row in table.itertuples(index=False):
        aside = f" ({row.set_aside})" if row.set_aside else ""
        lines.append(f"{row.input:<11} {row.file}: {row.rows_read:,} rows read, "
                     f"{row.rows_usable:,} usable, {row.rows_set_aside:,} set aside{aside}")
        pad = " " * 12
        if row.repairs:
            lines.append(f"{pad}repairs: {row.repairs}")
        if row.crs:
            lines.append(f"{pad}CRS: {row.crs}")
        lines.append(f"{pad}columns: {row.columns or '(none recognised)'}")
        if pd.notna(row.overlap_pairs):
            lines.append(f"{pad}overlaps: {int(row.overlap_pairs):,} neighbour pairs, "
                         f"{row.overlap_ha:.2f} ha; gaps: {int(row.gaps):,}, {row.gap_ha:.2f} ha")
    return "\n".join(lines)
