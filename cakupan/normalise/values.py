"""Cell values read as text, numbers and geopoints, as pandas would read them but in Arrow.

Takes columns as the readers return them (text, or a Parquet file's own numbers and times)
and returns new columns: text trimmed with ``""`` as missing, numbers as float64 (a lone
decimal comma read as a point), coordinates split out of a single geopoint column. Never
changes its input and never touches the disk.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cakupan._text import as_arrow, maybe_padded, text_series
from cakupan.read.tables import PROBLEM

#: Single-column geopoints (ODK "lat lon alt acc", Kobo "[lat, lon]").
_NUMBER = r"(-?\d+(?:\.\d+)?)"
_GEOPOINT = (rf"^\s*\[?\s*{_NUMBER}[\s,;]+{_NUMBER}(?:[\s,;]+{_NUMBER})?(?:[\s,;]+{_NUMBER})?"
             r"\s*\]?\s*$")

#: Plain decimals that Arrow reads as pandas does (see :func:`to_float`).
_PLAIN_DECIMAL = r"^(0|-?[1-9][0-9]*)(\.[0-9]+)?$|^-0\.[0-9]+$"

#: pandas text held in Arrow, missing as ``<NA>``: the dtype of every text column here.
TEXT = pd.StringDtype("pyarrow")


def column_text(frame: pd.DataFrame, source: Mapping[str, str], name: str) -> pd.Series:
    """Return a column as text without surrounding whitespace, "" as missing (none: all missing)."""
    if name in source:
        text = strip(as_arrow(frame[source[name]]))
        blank = pc.equal(text, "")
        if pc.any(blank).as_py():
            text = pc.if_else(blank, None, text)
        return text_series(text, frame.index)
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def column_cells(frame: pd.DataFrame, source: Mapping[str, str], name: str) -> pd.Series:
    """Return a column of numbers or times as it is, any other column as :func:`column_text`."""
    if name in source and (is_number(frame[source[name]]) or is_time(frame[source[name]])):
        return frame[source[name]]
    return column_text(frame, source, name)


def strip(text: pa.Array) -> pa.Array:
    """Return text without surrounding whitespace, as pandas' ``str.strip()`` gives it.

    Most columns have none (:func:`~cakupan._text.maybe_padded` finds that from two bytes per
    value): they are returned as they are, without a copy.
    """
    return pc.utf8_trim_whitespace(text) if maybe_padded(text).any() else text


def is_number(values: pd.Series) -> bool:
    """Return True for numbers whose text reads back as the same float (float64, integers).

    A float32 prints fewer digits than a float64 needs, and nullable pandas numbers can hold
    a NaN apart from a missing value: those take the text path.
    """
    dtype = values.dtype
    return isinstance(dtype, np.dtype) and (dtype.kind in "iu" or dtype == np.float64)


def is_time(values: pd.Series) -> bool:
    """Return True for times (with or without a zone), as a Parquet file may hold them."""
    dtype = values.dtype
    return (isinstance(dtype, np.dtype) and dtype.kind == "M") or isinstance(
        dtype, pd.DatetimeTZDtype)


def as_bool(mask: pa.Array) -> np.ndarray:
    """Return an Arrow boolean array as numpy booleans, missing as False."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def parse_number(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return (numbers, decimal_comma) from text; a lone decimal comma is read as a point.

    Numbers (float64 or integers, as a Parquet file gives them) are taken as they are, as
    their text would be read.

    Examples
    --------
    >>> numbers, comma = parse_number(pd.Series(["106,6", "-6.2", "abc", None]))
    >>> numbers.tolist(), comma.tolist()
    ([106.6, -6.2, nan, nan], [True, False, False, False])
    """
    if is_number(values):
        return (values.astype("float64"),
                pd.Series(False, index=values.index, name=values.name, dtype=bool))
    text = strip(as_arrow(values))
    comma = as_bool(pc.match_substring(text, ","))
    if comma.any():  # the regular expression (pandas', as it was) only where it can match
        rows = np.flatnonzero(comma)
        candidates = text_series(text.take(rows))
        comma[rows] = candidates.str.fullmatch(r"-?\d+,\d+").fillna(False).to_numpy(bool)
        text = pc.if_else(comma, pc.replace_substring(text, ",", "."), text)
    return (pd.Series(to_float(text), index=values.index, name=values.name),
            pd.Series(comma, index=values.index, name=values.name))


def to_float(text: pa.Array) -> np.ndarray:
    """Return ``pandas.to_numeric(text, errors="coerce")`` as float64, most of it read by Arrow.

    ``pandas.to_numeric`` makes a Python string of every value: seconds per million. Plain
    decimals of at most 15 characters (``-6.1234567``) are read by Arrow instead; with at most
    15 digits both round exactly, so they give the same float. pandas reads the rest
    (``1e3``, ``inf``, ``+5``, words), or the whole column when the rest has a whole number
    pandas reads differently beside a decimal (more than 15 digits, or ``-0``).
    """
    out = np.full(len(text), np.nan)
    plain = as_bool(pc.and_(pc.match_substring_regex(text, _PLAIN_DECIMAL),
                         pc.less_equal(pc.binary_length(text), 15)))
    if plain.any():
        out[plain] = pc.cast(text.filter(plain), pa.float64()).to_numpy()
    rest = ~plain & text.is_valid().to_numpy(zero_copy_only=False)
    if rest.any():
        others = text.filter(rest)
        if pc.any(pc.match_substring_regex(others, r"[0-9]{16}|^-0+$")).as_py():
            others, rest = text, slice(None)
        out[rest] = pd.to_numeric(text_series(others), errors="coerce").astype(
            "float64").to_numpy()
    return out


def to_numbers(cells: pd.Series) -> pd.Series:
    """Return ``pandas.to_numeric(cells, errors="coerce")`` as float64 (text read by Arrow)."""
    if is_number(cells) or is_time(cells):
        return pd.to_numeric(cells, errors="coerce").astype("float64")
    return pd.Series(to_float(as_arrow(cells)), index=cells.index)


def geopoint_column(frame: pd.DataFrame, source: Mapping[str, str]) -> str | None:
    """Return the single geopoint column (ODK ``lat lon alt acc``, Kobo ``[lat, lon]``).

    :func:`cakupan.normalise.tables.interviews` reads coordinates from it when there are no
    lon/lat columns.
    """
    found = split_geopoint(frame, source)
    return None if found is None else str(found["column"].iloc[0])


def split_geopoint(frame: pd.DataFrame, source: Mapping[str, str]) -> pd.DataFrame | None:
    """Find a single geopoint column (ODK, Kobo) and return lat, lon, accuracy from it.

    A column not used as another canonical one whose first 50 values are mostly geopoints.
    """
    for column in frame.columns:
        if column in source.values() or column in ("source_row", PROBLEM):
            continue
        sample = frame[column].dropna().astype("string").head(50)
        if len(sample) == 0:
            continue
        parts = sample.str.extract(_GEOPOINT)
        if parts[0].notna().mean() > 0.8:
            return frame[column].astype("string").str.extract(_GEOPOINT).rename(
                columns={0: "lat", 1: "lon", 2: "altitude", 3: "accuracy"}
            ).assign(column=column)
    return None
