"""Interview, prelist and assignment tables with the canonical columns, every value cleaned.

Takes the frames the readers return (file columns as text; a Parquet file's numbers and
times may come as they are, and are read as their text would be) and returns frames with the
canonical columns of :mod:`cakupan.columns`: codes as zero-padded strings, numbers as floats,
times as local datetimes. Rows are never dropped: a row that cannot be used gets a ``status``
that says why, and a repaired value is named in ``repairs``. Nothing here touches the disk.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from cakupan._text import text_series
from cakupan.columns import (
    ALIASES,
    ASSIGNMENTS,
    DWELLINGS,
    FAMILIES,
    INTERVIEWS,
    REJECTED_IN_REVIEW,
    simplify,
)
from cakupan.errors import InputError
from cakupan.normalise import parts
from cakupan.normalise.headers import find_columns, require_column
from cakupan.normalise.sls import Parsed, declared_rt
from cakupan.normalise.times import parse_time
from cakupan.normalise.values import (
    column_cells,
    column_text,
    parse_number,
    split_geopoint,
    to_numbers,
)
from cakupan.read.tables import PROBLEM


def interviews(raw: pd.DataFrame, columns: Mapping[str, str], path=None,
               timezone: str = "Asia/Jakarta", units: pd.DataFrame | None = None,
               parsed: Parsed | None = None) -> pd.DataFrame:
    """Return interviews with the canonical columns, ``status`` and ``repairs``.

    Parameters
    ----------
    raw : DataFrame
        As :func:`cakupan.read.read_table` returns it (or a batch of
        :func:`cakupan.read.iter_batches`, numbers and times possibly kept as such).
    columns : mapping
        Canonical name to source column, from the ``[interviews]`` table of the config.
    path : str, optional
        The file, for error messages.
    units : DataFrame, optional
        The SLS polygons' table: the kelurahan, RW and RT of the SLS codes it lists win over
        the codes' digits (:func:`cakupan.normalise.sls.resolve_sls`).
    parsed : Parsed, optional
        What the earlier batches of the same file parsed (one per file, passed to each batch).

    Returns
    -------
    DataFrame
        One row per input row, same order: ``source_row``, the canonical interview columns,
        ``status`` (``counted`` until a later stage says otherwise, or ``no_coordinates``,
        ``invalid_coordinates``, the reader's ``source_problem`` such as ``extra_cells``, or
        ``rejected_in_review`` when the file's review column rejects the submission)
        and ``repairs`` (``;``-separated: ``decimal_comma``; ``unreadable_time_dropped``
        when a time is given but cannot be read, the row is still counted).

    Raises
    ------
    InputError
        When the file has no coordinate columns.
    """
    source = find_columns(raw, INTERVIEWS, columns, path)
    raw = parts.with_codes(raw, source)
    out = pd.DataFrame({"source_row": raw["source_row"].to_numpy()}, index=raw.index)
    lon_cells, lat_cells, accuracy_cells = _coordinate_cells(raw, source, path)
    lon, lon_comma = parse_number(lon_cells)
    lat, lat_comma = parse_number(lat_cells)
    accuracy, _ = parse_number(accuracy_cells)
    out["interview_id"] = _ids(column_text(raw, source, "interview_id"), out["source_row"])
    out["lon"], out["lat"] = lon, lat
    out["gps_accuracy_m"] = accuracy.where(accuracy >= 0)
    time_cells = column_cells(raw, source, "interviewed_at")
    out["interviewed_at"] = parse_time(time_cells, timezone)
    start_cells = column_cells(raw, source, "started_at")
    out["started_at"] = parse_time(start_cells, timezone)
    for name in ("enumerator_id", "supervisor_id", "household_id"):
        out[name] = column_text(raw, source, name)
    size = to_numbers(column_cells(raw, source, "household_size"))
    out["household_size"] = size.astype("Float64")
    out = out.join(declared_rt(raw, source, units, parsed))
    missing = (lon_cells.isna() | lat_cells.isna()).to_numpy()
    bad = ~missing & (lon.isna() | lat.isna() | ((lon == 0) & (lat == 0))).to_numpy()
    out["status"] = _labels(np.select([missing, bad], [1, 2], 0), out.index,
                            ("counted", "no_coordinates", "invalid_coordinates"))
    if PROBLEM in raw:  # the reader's word wins
        problem = column_text(raw, {PROBLEM: PROBLEM}, PROBLEM)
        out["status"] = out["status"].mask(problem.notna(), problem)
    if "review_state" in source:  # a submission its reviewer rejected is not counted
        # the verdict simplified as columns.simplify simplifies a header
        verdict = column_text(raw, source, "review_state").str.lower().str.replace(
            r"[^0-9a-z]+", "_", regex=True).str.strip("_")
        rejected = verdict.isin(REJECTED_IN_REVIEW).fillna(False) & out["status"].eq("counted")
        out["status"] = out["status"].mask(rejected, "rejected_in_review")
    comma = (lon_comma | lat_comma).to_numpy()
    unreadable_time = (time_cells.notna() & out["interviewed_at"].isna()).to_numpy()
    out["repairs"] = _labels(comma + 2 * unreadable_time, out.index,
                             ("", "decimal_comma", "unreadable_time_dropped",
                              "decimal_comma;unreadable_time_dropped"))
    return out


def _coordinate_cells(raw: pd.DataFrame, source: Mapping[str, str], path=None
                      ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return the cells of longitude, latitude and accuracy, from one geopoint if need be."""
    lon, lat = column_cells(raw, source, "lon"), column_cells(raw, source, "lat")
    accuracy = column_cells(raw, source, "gps_accuracy_m")
    if "lon" in source and "lat" in source:
        return lon, lat, accuracy
    geopoint = split_geopoint(raw, source)
    if geopoint is None:
        raise InputError(
            "no coordinate columns (looked for lon/lat, longitude/latitude, bujur/lintang "
            "or an ODK/Kobo geopoint); name them with [interviews] lon = \"...\" and "
            "lat = \"...\" in a config file",
            path=path,
        )
    if "gps_accuracy_m" not in source:
        accuracy = geopoint["accuracy"].astype("string")
    return geopoint["lon"].astype("string"), geopoint["lat"].astype("string"), accuracy


def _ids(ids: pd.Series, source_row: pd.Series) -> pd.Series:
    """Return the interview IDs, ``row-<source_row>`` where a row has none."""
    unnamed = ids.isna()
    if not unnamed.any():
        return ids
    return ids.mask(unnamed, "row-" + source_row[unnamed].astype("string"))


def _labels(numbers: np.ndarray, index: pd.Index, labels: tuple[str, ...]) -> pd.Series:
    """Return ``labels[n]`` for each n of ``numbers`` as pandas strings (no Python loop)."""
    return text_series(pa.array(labels, pa.large_string()).take(numbers), index)


def prelist(raw: pd.DataFrame, columns: Mapping[str, str], path=None) -> pd.DataFrame:
    """Return prelist rows: declared RT, ``expected_households``, ``status``.

    ``status`` is ``counted`` for a usable row, else ``no_code`` (no RT can be read),
    ``invalid_count`` (not a whole number of zero or more) or ``duplicate`` (a code, or an
    RT without a code, already listed above in a usable row; the first usable row wins).
    Rows of distinct SLS or sub-SLS codes of one RT are all counted: their households add up.
    The households column is found by the rule of :func:`_require_households`.
    """
    wanted = ("sls_code", "kelurahan_code", "rw", "rt", "expected_households")
    source = find_columns(raw, wanted, columns, path)
    raw = parts.with_codes(raw, source)
    _require_households(raw, source, path)
    out = pd.DataFrame({"source_row": raw["source_row"].to_numpy()}, index=raw.index)
    out = out.join(declared_rt(raw, source))
    count, _ = parse_number(column_text(raw, source, "expected_households"))
    out["expected_households"] = count
    no_code = out[["kelurahan_code", "rw", "rt"]].isna().any(axis=1)
    invalid = ~np.isfinite(count) | (count < 0) | (count != np.floor(count))
    problem = column_text(raw, {PROBLEM: PROBLEM} if PROBLEM in raw else {}, PROBLEM)
    # the first usable row of an RT wins; an unusable one does not hide a later good one
    usable = ~no_code & ~invalid & problem.isna()
    key = out[["kelurahan_code", "rw", "rt"]].assign(sls_code=out["sls_code"].fillna(""))
    duplicate = usable & key.where(usable).duplicated()
    out["status"] = pd.Series(
        np.select([problem.notna().to_numpy(), no_code, invalid, duplicate],
                  [problem.fillna("").to_numpy(), "no_code", "invalid_count", "duplicate"],
                  "counted"), index=out.index, dtype="string")
    return out


def _require_households(raw: pd.DataFrame, source: Mapping[str, str], path=None) -> None:
    """Raise :class:`InputError` when no column counts households (ruta).

    Rules
    -----
    - A column named in ``[prelist] expected_households`` counts, whatever it holds.
    - Else the first of the households' names (:data:`cakupan.columns.ALIASES`:
      ``jumlah_ruta``, "Jml Ruta Prelist", ``ruta``, ...), else SIPW's ``muatan``.
    - Families (``kk``, "Jumlah KK") and buildings (``btt``, ``bstt``, ``bsbtt``) are never
      taken for households: with only those, the error names them and the setting that
      takes one explicitly.
    """
    if "expected_households" in source:
        return
    others = [c for c in raw.columns if simplify(c) in FAMILIES + DWELLINGS]
    if others:
        raise InputError(
            f"no column of households (ruta); {', '.join(map(str, others))} count families or "
            "buildings, not households: to use one, name it with [prelist] "
            f'expected_households = "{others[0]}" in a config file', path=path)
    require_column(source, "expected_households", "column of expected households",
                   "expected_households, jumlah_ruta, ruta, muatan, ...", "prelist", path)


def assignments(raw: pd.DataFrame, columns: Mapping[str, str], path=None,
                timezone: str = "Asia/Jakarta") -> pd.DataFrame:
    """Return assignment rows: declared RT, officers, planned dates and ``status``.

    Parameters
    ----------
    raw : DataFrame
        As :func:`cakupan.read.read_table` returns it (a BPS "alokasi petugas" table, a CSV).
    columns : mapping
        Canonical name to source column, from the ``[assignments]`` table of the config.
    path : str, optional
        The file, for error messages.

    Returns
    -------
    DataFrame
        One row per input row, same order: ``source_row``, ``sls_code``, ``kelurahan_code``,
        ``rw``, ``rt``, ``enumerator_id``, ``supervisor_id``, ``koseka_id``,
        ``planned_start`` and ``planned_end`` (days; missing when not given or unreadable,
        named in ``repairs`` as ``unreadable_date_dropped``; an end before the start is
        dropped too) and ``status``: ``counted``, or ``no_code`` (no RT can be read),
        ``no_officer`` (no enumerator and no supervisor) or ``duplicate`` (an RT already
        assigned above; the first usable row wins). Later stages may set ``unknown_rt``.

    Raises
    ------
    InputError
        When the file has no RT columns (an SLS code, or kelurahan, RW and RT) or no
        enumerator or supervisor column.
    """
    source = find_columns(raw, ASSIGNMENTS, columns, path)
    raw = parts.with_codes(raw, source)
    if "sls_code" not in source and not {"kelurahan_code", "rw", "rt"} <= set(source):
        require_column(source, "sls_code", "RT column (an SLS code, or kelurahan, RW and RT)",
                       "idsls, kode_sls, sls_code; or kode_desa with rw and rt",
                       "assignments", path)
    for name, what in (("enumerator_id", "enumerator (PPL) column"),
                       ("supervisor_id", "supervisor (PML) column")):
        require_column(source, name, what, ", ".join(ALIASES[name][:5]), "assignments", path)
    out = pd.DataFrame({"source_row": raw["source_row"].to_numpy()}, index=raw.index)
    # an allocation table lists every SLS with its name, as an SLS layer does: RW and RT of
    # a BPS code come from the name ("RT 001 RW 001")
    names = column_text(raw, source, "sls_name") if "sls_name" in source else None
    out = out.join(declared_rt(raw, source, names=names))
    for name in ("enumerator_id", "supervisor_id", "koseka_id"):
        out[name] = column_text(raw, source, name)
    unreadable = pd.Series(False, index=raw.index)
    for name in ("planned_start", "planned_end"):
        cells = column_cells(raw, source, name)
        day = parse_time(cells, timezone).dt.normalize()
        unreadable |= (cells.notna() & day.isna()).to_numpy()
        out[name] = day
    backwards = (out["planned_end"] < out["planned_start"]).fillna(False)
    out.loc[backwards, ["planned_start", "planned_end"]] = pd.NaT
    unreadable |= backwards
    out["repairs"] = _labels(unreadable.to_numpy().astype(int), out.index,
                             ("", "unreadable_date_dropped"))
    no_code = out[["kelurahan_code", "rw", "rt"]].isna().any(axis=1)
    no_officer = out[["enumerator_id", "supervisor_id"]].isna().all(axis=1)
    problem = column_text(raw, {PROBLEM: PROBLEM} if PROBLEM in raw else {}, PROBLEM)
    usable = ~no_code & ~no_officer & problem.isna()
    duplicate = usable & out[["kelurahan_code", "rw", "rt"]].where(usable).duplicated()
    out["status"] = pd.Series(
        np.select([problem.notna().to_numpy(), no_code, no_officer, duplicate],
                  [problem.fillna("").to_numpy(), "no_code", "no_officer", "duplicate"],
                  "counted"), index=out.index, dtype="string")
    return out
