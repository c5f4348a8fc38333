"""Validate: check the input files without running the analysis.

Reads each input given as a run reads it, normalises it and places the interviews in the
kelurahan as a run places them (:mod:`cakupan._flow`; by parts for a large file,
:func:`cakupan.scale.by_parts.place_in_parts`, so the same rows are set aside and a
province's interviews are never held whole), and returns one summary row per input: rows
read, usable, set aside by reason, repairs, the columns recognised, the CRS and, for polygon
layers, the overlaps and holes between neighbours. It checks no interview, measures no
coverage and writes nothing; an unusable file raises the same
:class:`cakupan.errors.InputError` a run would.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import pandas as pd

from cakupan import codes, read
from cakupan._flow import Inputs, Loaded, read_interviews
from cakupan._flow.accounting import name_counts, placement_counts
from cakupan._flow.inputs import (
    interview_columns,
    read_assignments,
    read_boundaries,
    read_prelist,
    read_units,
)
from cakupan._flow.stages import place, project
from cakupan.columns import ASSIGNMENTS, BOUNDARIES, PRELIST, UNITS
from cakupan.config import Config
from cakupan.crs import WGS84
from cakupan.measure import topology
from cakupan.normalise import headers, sls, vector
from cakupan.normalise.code_notes import code_notes
from cakupan.scale.by_parts import PART_ROWS, place_in_parts
from cakupan.scale.files import runner_for

#: The columns of the summary table, in order.
SUMMARY_COLUMNS = ("input", "file", "format", "crs", "rows_read", "rows_usable",
                   "rows_set_aside", "set_aside", "repairs", "columns", "codes", "overlap_pairs",
                   "overlap_ha", "holes", "hole_ha", "tables")


def summarise(inputs: Inputs, config: Config = Config(), part_rows: int | None = None,
              processes: int | None = None) -> pd.DataFrame:
    """Return the summary table of the inputs named in ``inputs`` (see :func:`cakupan.validate`).

    Only ``boundaries``, ``interviews``, ``units``, ``prelist`` and ``assignments`` are
    checked; interviews
    of more than ``part_rows`` rows are placed by parts, in ``processes`` processes, as a
    run places them.
    """
    raw, kelurahan = read_boundaries(inputs.boundaries, config)
    raw_units, units = read_units(inputs.units, config) if inputs.units else (None, None)
    polygons = Loaded(kelurahan.to_crs(WGS84), None,
                      None if units is None else units.to_crs(WGS84))
    _, kelurahan, units = project(polygons.kelurahan, polygons.units)
    found = headers.find_columns(raw, BOUNDARIES, config.boundaries)
    rows = [_polygons_row("boundaries", inputs.boundaries, raw, kelurahan, "kelurahan_code",
                          found, code_notes(found, kelurahan, raw))]
    if units is not None:
        found = headers.find_columns(raw_units, UNITS, config.units)
        rows.append(_polygons_row("units", inputs.units, raw_units, _keyed(units), "unit",
                                  found, code_notes(found, units, raw_units)))
    if inputs.interviews is not None:
        path = inputs.interviews
        part_rows = part_rows or PART_ROWS
        if read.count_rows(path) > part_rows:
            parts = place_in_parts(path, polygons, runner_for(processes), config, part_rows)
            status, repairs = (pd.concat(counts).groupby(level=0).sum()
                               for counts in zip(*parts, strict=True))
            found = interview_columns(path, config) or _columns_read_whole(path, config)
            notes = code_notes(found, pd.DataFrame())
        else:
            frame, _, found = read_interviews(path, config)
            placed = place(frame, kelurahan, units, config)
            status, repairs = placement_counts(placed)
            notes = code_notes(found, placed)
        rows.append({**_table_row("interviews", path, status, repairs, found, notes),
                     "tables": _tables(read.describe_table(
                         path, config.input.sheet, config.input.interviews_layer))})
    if inputs.prelist is not None:
        raw, frame = read_prelist(inputs.prelist, config)
        found = headers.find_columns(raw, PRELIST, config.prelist)
        rows.append(_table_row("prelist", inputs.prelist, frame["status"].value_counts(),
                               name_counts(frame["repairs"]) if "repairs" in frame else None,
                               found, code_notes(found, frame if units is None
                                                 else sls.resolve_sls(frame, units), raw)))
        rows[-1]["tables"] = _tables(read.describe_table(
            inputs.prelist, config.input.sheet, config.input.prelist_layer))
    if inputs.assignments is not None:
        raw, frame = read_assignments(inputs.assignments, config)
        rows.append(_table_row("assignments", inputs.assignments,
                               frame["status"].value_counts(), name_counts(frame["repairs"]),
                               headers.find_columns(raw, ASSIGNMENTS, config.assignments)))
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _keyed(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the units keyed by RT (``unit``); units with no RT label each a key of its own."""
    keyed = units.assign(unit=codes.rt_code(units["kelurahan_code"].fillna("?"),
                                            units["rw"].fillna("?"), units["rt"].fillna("?")))
    keyed["unit"] = keyed["unit"].mask(units["rt"].isna(), "unlabelled-" + pd.Series(
        range(len(units)), index=units.index).astype(str))
    return keyed


def _columns_read_whole(path, config: Config) -> dict[str, str]:
    """Return the columns found in a large file that cannot be read in batches."""
    return read_interviews(path, config).columns


def _counts(counts: pd.Series | None) -> str:
    """Return ``name count; ...`` of counts by name, most frequent first.

    Examples
    --------
    >>> _counts(pd.Series({"b": 2, "a": 3, "c": 0}))
    'a 3; b 2'
    """
    if counts is None:
        return ""
    counts = counts[counts > 0].sort_index().sort_values(ascending=False, kind="stable")
    return "; ".join(f"{name} {int(count)}" for name, count in counts.items())


def _tables(described: dict | None) -> str:
    """Return the table of a survey export read and its repeat groups' rows, as text.

    Examples
    --------
    >>> _tables({"table": "f/f.csv", "repeat_groups": {"anggota": {
    ...     "rows": 9, "joined": 8, "without_submission": 1}}})
    'f/f.csv; repeat groups: anggota 9 rows (8 joined, 1 without a submission)'
    """
    if not described:
        return ""
    groups = "; ".join(
        f"{name} {g['rows']:,} rows (inside a repeat group, not joined)"
        if g.get("inside_a_repeat_group") else
        f"{name} {g['rows']:,} rows ({g['joined']:,} joined, "
        f"{g['without_submission']:,} without a submission)"
        for name, g in described["repeat_groups"].items())
    return described["table"] + (f"; repeat groups: {groups}" if groups else "")


def _columns(found: Mapping[str, str]) -> str:
    return "; ".join(f"{name} <- {source}" for name, source in found.items())


def _format(path) -> str:
    return str(path).rsplit(".", 1)[-1].lower() if "." in str(path) else ""


def _table_row(name, path, status: pd.Series, repairs: pd.Series | None, found,
               notes: str = "") -> dict:
    """Return the summary row of a table from its rows per status and per repair."""
    read_ = int(status.sum())
    usable = int(status.get("counted", 0))
    return {"input": name, "file": str(path), "format": _format(path),
            "crs": "EPSG:4326" if {"lon", "lat"} & set(found) else "",
            "rows_read": read_, "rows_usable": usable, "rows_set_aside": read_ - usable,
            "set_aside": _counts(status.drop("counted", errors="ignore")),
            "repairs": _counts(repairs), "columns": _columns(found), "codes": notes}


def _polygons_row(name, path, raw: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, code: str,
                  found, notes: str = "") -> dict:
    overlaps, holes = topology.overlaps_and_holes(polygons, code)
    figures = topology.summary(overlaps, holes)
    status = vector.polygon_status(polygons)
    aside = status[status.ne("counted")]
    kept = polygons["repairs"].fillna("").where(vector.repaired(polygons).to_numpy(), "")
    for reason in set(aside):  # set-aside reasons are counted as such, not as repairs
        kept = kept.str.replace(reason, "", regex=False)
    return {"input": name, "file": str(path), "format": _format(path),
            "crs": raw.crs.to_string(), "rows_read": len(raw),
            "rows_usable": len(raw) - len(aside), "rows_set_aside": len(aside),
            "set_aside": _counts(aside.value_counts()),
            "repairs": _counts(name_counts(kept)),
            "columns": _columns(found), "codes": notes,
            "overlap_pairs": figures["overlap_pairs"], "overlap_ha": figures["overlap_ha"],
            "holes": figures["gaps"], "hole_ha": figures["gap_ha"]}
