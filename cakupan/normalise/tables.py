"""Normalise: map input columns to the canonical ones and clean every value.

Takes the frames the readers return (file columns as text; a Parquet file's numbers and
times may come as they are, and are read as their text would be) and returns frames with the
canonical columns of :mod:`cakupan.columns`: codes as zero-padded strings, numbers as floats,
times as local datetimes. Rows are never dropped: a row that cannot be used gets a ``status``
that says why, and a repaired value is named in ``repairs``. Nothing here touches the disk.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping, Sequence
from functools import partial

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from cakupan import codes
from cakupan._text import as_arrow, maybe_padded, offsets_and_bytes, positions_in, text_series
from cakupan.columns import ALIASES, INTERVIEWS, PERSONAL, simplify
from cakupan.errors import InputError
from cakupan.read.tables import PROBLEM

#: Single-column geopoints (ODK "lat lon alt acc", Kobo "[lat, lon]").
_NUMBER = r"(-?\d+(?:\.\d+)?)"
_GEOPOINT = (rf"^\s*\[?\s*{_NUMBER}[\s,;]+{_NUMBER}(?:[\s,;]+{_NUMBER})?(?:[\s,;]+{_NUMBER})?"
             r"\s*\]?\s*$")
_SUFFIXES = {"lon": ("_longitude", "_lng", "_lon"), "lat": ("_latitude", "_lat"),
             "gps_accuracy_m": ("_accuracy", "_precision")}


def find_columns(
    frame: pd.DataFrame, wanted: tuple[str, ...], explicit: Mapping[str, str], path=None
) -> dict[str, str]:
    """Return ``{canonical: source column}`` for the canonical columns found in ``frame``.

    A column named in the config wins; otherwise the first alias present (see
    :data:`cakupan.columns.ALIASES`), then a name ending like an ODK/Kobo geopoint part
    (``lokasi-Latitude``); then the same on the last part of a grouped ODK/Kobo name
    (``grp-identitas-idsls``). Each source column is used once. Aliases are compared in the
    simplified form (:func:`cakupan.columns.simplify`), so Kobo's ``_submission_time``
    matches.

    Examples
    --------
    >>> find_columns(pd.DataFrame(columns=["Lintang", "gps-Longitude", "ID"]),
    ...              ("interview_id", "lon", "lat"), {})
    {'interview_id': 'ID', 'lon': 'gps-Longitude', 'lat': 'Lintang'}
    """
    by_simple: dict[str, str] = {}
    by_last: dict[str, str] = {}
    for column in frame.columns:
        if column in ("source_row", PROBLEM):
            continue
        by_simple.setdefault(simplify(column), column)
        # ODK Central writes groups as "grp-lokasi-Latitude", Kobo as "grp_lokasi/latitude"
        by_last.setdefault(simplify(re.split(r"[-/]", str(column))[-1]), column)
    found: dict[str, str] = {}
    for name, source in explicit.items():
        if name in wanted:
            if source not in frame.columns:
                have = [str(c) for c in frame.columns if c not in ("source_row", PROBLEM)
                        and c != getattr(frame, "_geometry_column_name", None)]
                raise InputError(
                    f"config names column {source!r} for {name}, but the file has "
                    f"{', '.join(have)}",
                    path=path,
                    column=source,
                )
            found[name] = source
    used = set(found.values()) | {"source_row", PROBLEM}
    for lookup in (by_simple, by_last):
        for name in wanted:
            if name in found:
                continue
            for alias in ALIASES.get(name, (name,)):
                column = lookup.get(simplify(alias))
                if column is not None and column not in used:
                    found[name] = column
                    used.add(column)
                    break
    for name, endings in _SUFFIXES.items():
        if name in wanted and name not in found:
            for simple, column in by_simple.items():
                if column not in used and simple.endswith(endings):
                    found[name] = column
                    used.add(column)
                    break
    return {name: found[name] for name in wanted if name in found}


def _text(frame, source, name):
    """Return a column as text without surrounding whitespace, "" as missing (none: all missing)."""
    if name in source:
        text = _strip(as_arrow(frame[source[name]]))
        blank = pc.equal(text, "")
        if pc.any(blank).as_py():
            text = pc.if_else(blank, None, text)
        return text_series(text, frame.index)
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _strip(text: pa.Array) -> pa.Array:
    """Return text without surrounding whitespace, as pandas' ``str.strip()`` gives it.

    Most columns have none (:func:`~cakupan._text.maybe_padded` finds that from two bytes per
    value): they are returned as they are, without a copy.
    """
    return pc.utf8_trim_whitespace(text) if maybe_padded(text).any() else text


def _cells(frame, source, name):
    """Return a column of numbers or times as it is, any other column as :func:`_text`."""
    if name in source and (_is_number(frame[source[name]]) or _is_time(frame[source[name]])):
        return frame[source[name]]
    return _text(frame, source, name)


def _is_number(values: pd.Series) -> bool:
    """Return True for numbers whose text reads back as the same float (float64, integers).

    A float32 prints fewer digits than a float64 needs, and nullable pandas numbers can hold
    a NaN apart from a missing value: those take the text path.
    """
    dtype = values.dtype
    return isinstance(dtype, np.dtype) and (dtype.kind in "iu" or dtype == np.float64)


def _is_time(values: pd.Series) -> bool:
    dtype = values.dtype
    return (isinstance(dtype, np.dtype) and dtype.kind == "M") or isinstance(
        dtype, pd.DatetimeTZDtype)


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
    if _is_number(values):
        return (values.astype("float64"),
                pd.Series(False, index=values.index, name=values.name, dtype=bool))
    text = _strip(as_arrow(values))
    comma = _true(pc.match_substring(text, ","))
    if comma.any():  # the regular expression (pandas', as it was) only where it can match
        rows = np.flatnonzero(comma)
        candidates = text_series(text.take(rows))
        comma[rows] = candidates.str.fullmatch(r"-?\d+,\d+").fillna(False).to_numpy(bool)
        text = pc.if_else(comma, pc.replace_substring(text, ",", "."), text)
    return (pd.Series(_to_float(text), index=values.index, name=values.name),
            pd.Series(comma, index=values.index, name=values.name))


#: Plain decimals that Arrow reads as pandas does (see :func:`_to_float`).
_PLAIN_DECIMAL = r"^(0|-?[1-9][0-9]*)(\.[0-9]+)?$|^-0\.[0-9]+$"


def _to_float(text: pa.Array) -> np.ndarray:
    """Return ``pandas.to_numeric(text, errors="coerce")`` as float64, most of it read by Arrow.

    ``pandas.to_numeric`` makes a Python string of every value: seconds per million. Plain
    decimals of at most 15 characters (``-6.1234567``) are read by Arrow instead; with at most
    15 digits both round exactly, so they give the same float. pandas reads the rest
    (``1e3``, ``inf``, ``+5``, words), or the whole column when the rest has a whole number
    pandas reads differently beside a decimal (more than 15 digits, or ``-0``).
    """
    out = np.full(len(text), np.nan)
    plain = _true(pc.and_(pc.match_substring_regex(text, _PLAIN_DECIMAL),
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


def _true(mask: pa.Array) -> np.ndarray:
    """Return an Arrow boolean array as numpy booleans, missing as False."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


#: Date forms tried in order, each vectorised; what none of them reads goes to a slow parser.
_TIME_FORMATS = ("ISO8601", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M:%S",
                 "%d-%m-%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y")


def parse_time(values: pd.Series, timezone: str = "Asia/Jakarta") -> pd.Series:
    """Return local times without zone; times with a zone are converted to ``timezone``.

    Day-first dates (``15/10/2022``) are read as Indonesian forms write them. Unreadable
    times, and times before 1900 or after 2199, become ``NaT``. Times that are already
    times (a Parquet file's, with or without a zone) are converted as their text would be.

    Examples
    --------
    >>> times = parse_time(pd.Series(["2022-10-15 08:30", "2022-10-15T01:30:00Z",
    ...                               "15/10/2022 09:00", "15 Okt 2022", "kemarin", "-2"]))
    >>> [str(t) for t in times]
    ['2022-10-15 08:30:00', '2022-10-15 08:30:00', '2022-10-15 09:00:00', 'NaT', 'NaT', 'NaT']
    """
    if _is_time(values):  # a file's own times: no text to read
        times = values
        if times.dt.tz is not None:
            # an offset of odd seconds (local mean time, before 1924 in Jakarta) is printed
            # as "+07:07:12", which is not read back: drop those times as the text path does
            offset = times.dt.tz_localize(None) - times.dt.tz_convert("UTC").dt.tz_localize(None)
            times = times.dt.tz_convert(timezone).dt.tz_localize(None).where(
                offset % pd.Timedelta(minutes=1) == pd.Timedelta(0))
        return pd.Series(_plausible(times), index=values.index)
    text = _strip(as_arrow(values))
    out, read = _read_usual_times(text)
    rest = ~read & _true(text.is_valid())
    if rest.any():
        if read.any():
            # pandas reads one usual time with the others: a zoned time among times without
            # a zone is then an error ("Mixed timezones") as when pandas read them all
            rest[np.argmax(read)] = True
        out[rest] = _parse_time_text(text_series(text.filter(rest)), timezone)
    return pd.Series(out, index=values.index)


def _parse_time_text(text: pd.Series, timezone: str) -> np.ndarray:
    """Return times read from text by pandas, in nanoseconds (see :func:`parse_time`)."""
    zoned = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True).fillna(False).to_numpy(
        dtype=bool)
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    if zoned.any():
        parsed = pd.to_datetime(text[zoned], errors="coerce", utc=True, format="ISO8601")
        out[zoned] = _plausible(parsed.dt.tz_convert(timezone).dt.tz_localize(None))
    todo = ~zoned & text.notna().to_numpy()
    for form in _TIME_FORMATS:
        if not todo.any():
            break
        parsed = _plausible(pd.to_datetime(text[todo], errors="coerce", format=form))
        read = ~np.isnat(parsed)
        rows = np.flatnonzero(todo)[read]
        out[rows], todo[rows] = parsed[read], False
    return out


#: Where the digits and separators of ``YYYY-MM-DD HH:MM:SS`` are.
_DIGITS = np.array([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18])
_SEPARATORS = ((4, "-"), (7, "-"), (13, ":"), (16, ":"))

#: Day (from 1970-01-01) of the first of each month from January 1900 to January 2200.
_MONTH_STARTS = np.arange("1900-01", "2200-02", dtype="datetime64[M]").astype(
    "datetime64[D]").astype(np.int64)
_MONTH_DAYS = np.diff(_MONTH_STARTS)


def _read_usual_times(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Read times written ``YYYY-MM-DD HH:MM:SS`` (or with ``T``) in numpy, without pandas.

    Most exports write every time so, and pandas takes a tenth of a second per million to
    read them. Returns the times (``datetime64[ns]``, ``NaT`` elsewhere) and which rows were
    read: real dates and times in exactly that form from 1900 to 2199, as pandas reads them.
    """
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    read = np.zeros(len(text), dtype=bool)
    if text.null_count == len(text):
        return out, read
    rows, chars = _fixed_width(text, 19)
    chars = chars.T  # one row per character: numpy works along contiguous rows
    digits = chars[_DIGITS] - ord("0")  # bytes: anything but a digit wraps above 9
    ok = (digits.max(axis=0) <= 9) & ((chars[10] == ord(" ")) | (chars[10] == ord("T")))
    for at, separator in _SEPARATORS:
        ok &= chars[at] == ord(separator)
    century, year, month, day, hour, minute, second = digits[0::2] * np.int32(10) + digits[1::2]
    months = (century * 100 + year - 1900) * 12 + month - 1  # since January 1900
    ok &= ((months >= 0) & (months < len(_MONTH_DAYS)) & (month >= 1) & (month <= 12)
           & (day >= 1) & (hour <= 23) & (minute <= 59) & (second <= 59))
    months[~ok] = 0
    ok &= day <= _MONTH_DAYS[months]  # no 30 February
    seconds = (_MONTH_STARTS[months] + day - 1) * 86400 + (hour * 3600 + minute * 60 + second)
    rows, seconds = rows[ok], seconds[ok]
    out[rows] = (seconds * 1_000_000_000).view("datetime64[ns]")
    read[rows] = True
    return out, read


def _fixed_width(text: pa.Array, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the rows of ``text`` that are ``width`` bytes long and their bytes, one row each.

    No copy when every value has that width (a column written by one program).
    """
    offsets, data = offsets_and_bytes(text)
    if text.null_count == 0 and offsets[-1] - offsets[0] == width * len(text):
        if (np.diff(offsets) == width).all():
            rows = np.arange(len(text))
            return rows, data[offsets[0]:offsets[-1]].reshape(len(text), width)
    rows = np.flatnonzero((np.diff(offsets) == width) & _true(text.is_valid()))
    return rows, data[offsets[rows, None] + np.arange(width)]


def _plausible(times: pd.Series) -> np.ndarray:
    """Return the times in nanoseconds, ``NaT`` where missing or not from 1900 to 2199.

    ``"-2"`` read as year -2 is not the time of an interview (and does not fit in
    nanoseconds).
    """
    ok = (times >= _EARLIEST) & (times < _LATEST)  # False where missing
    return times.where(ok).astype("datetime64[ns]").to_numpy()


_EARLIEST, _LATEST = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-01-01")


def geopoint_column(frame: pd.DataFrame, source: Mapping[str, str]) -> str | None:
    """Return the single geopoint column (ODK ``lat lon alt acc``, Kobo ``[lat, lon]``).

    :func:`interviews` reads coordinates from it when there are no lon/lat columns.
    """
    found = _split_geopoint(frame, source)
    return None if found is None else str(found["column"].iloc[0])


def _split_geopoint(frame: pd.DataFrame, source: Mapping[str, str]) -> pd.DataFrame | None:
    """Find a single geopoint column (ODK, Kobo) and return lat, lon, accuracy from it."""
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


def interviews(raw: pd.DataFrame, columns: Mapping[str, str], path=None,
               timezone: str = "Asia/Jakarta", units: pd.DataFrame | None = None
               ) -> pd.DataFrame:
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
        the codes' digits (:func:`resolve_sls`).

    Returns
    -------
    DataFrame
        One row per input row, same order: ``source_row``, the canonical interview columns,
        ``status`` (``counted`` until a later stage says otherwise, or ``no_coordinates``,
        ``invalid_coordinates``, or the reader's ``source_problem`` such as ``extra_cells``)
        and ``repairs`` (``;``-separated: ``decimal_comma``; ``unreadable_time_dropped``
        when a time is given but cannot be read, the row is still counted).

    Raises
    ------
    InputError
        When the file has no coordinate columns.
    """
    source = find_columns(raw, INTERVIEWS, columns, path)
    out = pd.DataFrame({"source_row": raw["source_row"].to_numpy()}, index=raw.index)
    lon_cells, lat_cells = _cells(raw, source, "lon"), _cells(raw, source, "lat")
    accuracy_cells = _cells(raw, source, "gps_accuracy_m")
    if "lon" not in source or "lat" not in source:
        geopoint = _split_geopoint(raw, source)
        if geopoint is None:
            raise InputError(
                "no coordinate columns (looked for lon/lat, longitude/latitude, bujur/lintang "
                "or an ODK/Kobo geopoint); name them with [interviews] lon = \"...\" and "
                "lat = \"...\" in a config file",
                path=path,
            )
        lon_cells, lat_cells = geopoint["lon"].astype("string"), geopoint["lat"].astype("string")
        if "gps_accuracy_m" not in source:
            accuracy_cells = geopoint["accuracy"].astype("string")
    lon, lon_comma = parse_number(lon_cells)
    lat, lat_comma = parse_number(lat_cells)
    accuracy, _ = parse_number(accuracy_cells)
    out["interview_id"] = _ids(_text(raw, source, "interview_id"), out["source_row"])
    out["lon"], out["lat"] = lon, lat
    out["gps_accuracy_m"] = accuracy.where(accuracy >= 0)
    time_cells = _cells(raw, source, "interviewed_at")
    out["interviewed_at"] = parse_time(time_cells, timezone)
    for name in ("enumerator_id", "supervisor_id", "household_id"):
        out[name] = _text(raw, source, name)
    out["household_size"] = _numbers(_cells(raw, source, "household_size")).astype("Float64")
    out = out.join(declared_rt(raw, source, units))
    missing = (lon_cells.isna() | lat_cells.isna()).to_numpy()
    bad = ~missing & (lon.isna() | lat.isna() | ((lon == 0) & (lat == 0))).to_numpy()
    out["status"] = _labels(np.select([missing, bad], [1, 2], 0), out.index,
                            ("counted", "no_coordinates", "invalid_coordinates"))
    if PROBLEM in raw:  # the reader's word wins
        problem = _text(raw, {PROBLEM: PROBLEM}, PROBLEM)
        out["status"] = out["status"].mask(problem.notna(), problem)
    comma = (lon_comma | lat_comma).to_numpy()
    unreadable_time = (time_cells.notna() & out["interviewed_at"].isna()).to_numpy()
    out["repairs"] = _labels(comma + 2 * unreadable_time, out.index,
                             ("", "decimal_comma", "unreadable_time_dropped",
                              "decimal_comma;unreadable_time_dropped"))
    return out


def _numbers(cells: pd.Series) -> pd.Series:
    """Return ``pandas.to_numeric(cells, errors="coerce")`` as float64 (text read by Arrow)."""
    if _is_number(cells) or _is_time(cells):
        return pd.to_numeric(cells, errors="coerce").astype("float64")
    return pd.Series(_to_float(as_arrow(cells)), index=cells.index)


def _ids(ids: pd.Series, source_row: pd.Series) -> pd.Series:
    """Return the interview IDs, ``row-<source_row>`` where a row has none."""
    unnamed = ids.isna()
    if not unnamed.any():
        return ids
    return ids.mask(unnamed, "row-" + source_row[unnamed].astype("string"))


def _labels(numbers: np.ndarray, index: pd.Index, labels: tuple[str, ...]) -> pd.Series:
    """Return ``labels[n]`` for each n of ``numbers`` as pandas strings (no Python loop)."""
    return text_series(pa.array(labels, pa.large_string()).take(numbers), index)


def interview_columns(names: Sequence[str], columns: Mapping[str, str], path=None
                      ) -> dict[str, str]:
    """Return ``{canonical: source column}`` as :func:`interviews` finds them in a file.

    Only the names count (see :func:`find_columns`), so a reader can read just these
    columns; pass the result to :func:`interviews` as ``columns`` to find the same ones in
    such a narrower frame.
    """
    return find_columns(pd.DataFrame(columns=list(names)), INTERVIEWS, columns, path)


#: Canonical interview columns that hold numbers or times: a reader can keep a file's types.
NUMBERS = ("lon", "lat", "gps_accuracy_m", "interviewed_at", "household_size")


def declared_rt(raw: pd.DataFrame, source: Mapping[str, str],
                units: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return ``sls_code``, ``kelurahan_code``, ``rw`` and ``rt`` as each row declares them.

    An SLS code fills the kelurahan, RW and RT that the row does not give itself; given the
    SLS polygons' table ``units``, the codes it lists take its kelurahan, RW and RT
    (:func:`resolve_sls`).
    """
    given = [name for name in ("kelurahan_code", "rw", "rt") if name in source]
    # with no code columns of its own, a row's are a function of its SLS code alone:
    # resolved once per distinct code
    resolve = None if units is None else partial(resolve_sls, units=units)
    declared = _each_distinct(_sls_parts, _text(raw, source, "sls_code"),
                              then=None if given else resolve)
    for name, clean in (("kelurahan_code", codes.clean_code), ("rw", codes.pad_number),
                        ("rt", codes.pad_number)):
        if name in given:
            cleaned = _each_distinct(clean, _text(raw, source, name))
            declared[name] = text_series(pc.coalesce(as_arrow(cleaned),
                                                     as_arrow(declared[name])), raw.index)
    return resolve(declared) if given and resolve else declared


def _sls_parts(values: pd.Series) -> pd.DataFrame:
    sls = codes.clean_code(values)
    return pd.concat([sls.rename("sls_code"), codes.split_sls(sls)], axis=1)


#: pandas text held in Arrow, missing as ``<NA>``: the dtype of every text column here.
_TEXT = pd.StringDtype("pyarrow")


def _each_distinct(function, values: pd.Series, then=None):
    """Return ``function(values)`` for a function of each value alone, run once per value.

    Codes and RT labels repeat (an SLS has dozens of households) and the functions of
    :mod:`cakupan.codes` run regular expressions, so this is much faster on millions of rows.
    A file read a batch at a time meets the same codes in every batch: each process keeps
    the results of the values it has met (:func:`_met`). ``then``, a function of each row
    of those results alone, is applied to them before they are spread over the rows.
    """
    text = as_arrow(values)
    encoded = pc.dictionary_encode(text)
    distinct = pa.concat_arrays([encoded.dictionary, pa.nulls(1, text.type)])
    positions = encoded.indices.fill_null(len(encoded.dictionary))  # missing: the last one

    def each(column: pd.Series) -> pd.Series:
        if column.dtype != _TEXT:
            return column.take(positions.to_numpy()).set_axis(values.index)
        result = as_arrow(column)
        # a column the function left as it was is the input itself: no take
        return text_series(text if result.equals(distinct) else result.take(positions),
                           values.index)

    done = _met(function, distinct)
    if then is not None:
        done = then(done)
    if isinstance(done, pd.Series):
        return each(done).rename(done.name)
    return pd.DataFrame({name: each(column) for name, column in done.items()}, index=values.index)


#: Per function of :func:`_each_distinct`, the values this process has met and its results.
_MET: dict = {}
#: Values kept per function, at most (about 100 bytes each): a province has some 60,000 SLS
#: codes; beyond this, each batch works out its own.
MOST_MET = 1 << 20


def _met(function, distinct: pa.Array):
    """Return ``function(text_series(distinct))``, worked out only for values not met before."""
    keys, results = _MET.get(function, (distinct[:0], None))
    keys = keys.cast(distinct.type)
    at = pc.index_in(distinct, value_set=keys)
    if at.null_count:  # values not met before (all of them, the first time)
        new = distinct.filter(pc.is_null(at))
        made = function(text_series(new)).reset_index(drop=True)
        keys = pa.concat_arrays([keys, new])
        results = made if results is None else pd.concat([results, made], ignore_index=True)
        if len(keys) <= MOST_MET:
            _MET[function] = keys, results
        at = pc.index_in(distinct, value_set=keys)
    return results.take(at.to_numpy()).reset_index(drop=True)


def prelist(raw: pd.DataFrame, columns: Mapping[str, str], path=None) -> pd.DataFrame:
    """Return prelist rows: declared RT, ``expected_households``, ``status``.

    ``status`` is ``counted`` for a usable row, else ``no_code`` (no RT can be read),
    ``invalid_count`` (not a whole number of zero or more) or ``duplicate`` (an RT already
    listed above in a usable row; the first usable row wins).
    """
    wanted = ("sls_code", "kelurahan_code", "rw", "rt", "expected_households")
    source = find_columns(raw, wanted, columns, path)
    if "expected_households" not in source:
        raise InputError(
            "no column of expected households (looked for expected_households, jumlah_ruta, "
            "muatan, ...); name it with [prelist] expected_households = \"...\"",
            path=path,
        )
    out = pd.DataFrame({"source_row": raw["source_row"].to_numpy()}, index=raw.index)
    out = out.join(declared_rt(raw, source))
    count, _ = parse_number(_text(raw, source, "expected_households"))
    out["expected_households"] = count
    no_code = out[["kelurahan_code", "rw", "rt"]].isna().any(axis=1)
    invalid = ~np.isfinite(count) | (count < 0) | (count != np.floor(count))
    problem = _text(raw, {PROBLEM: PROBLEM} if PROBLEM in raw else {}, PROBLEM)
    # the first usable row of an RT wins; an unusable one does not hide a later good one
    usable = ~no_code & ~invalid & problem.isna()
    duplicate = usable & out[["kelurahan_code", "rw", "rt"]].where(usable).duplicated()
    out["status"] = pd.Series(
        np.select([problem.notna().to_numpy(), no_code, invalid, duplicate],
                  [problem.fillna("").to_numpy(), "no_code", "invalid_count", "duplicate"],
                  "counted"), index=out.index, dtype="string")
    return out


def boundaries(raw: gpd.GeoDataFrame, columns: Mapping[str, str], path=None) -> gpd.GeoDataFrame:
    """Return kelurahan polygons with the canonical columns, one row per kelurahan code.

    Invalid polygons are repaired with ``shapely.make_valid`` and pieces sharing a code are
    merged; both are named in ``repairs``. A row without a code is an error.
    """
    wanted = ("kelurahan_code", "kelurahan_name", "kecamatan_code", "kecamatan_name")
    source = find_columns(raw, wanted, columns, path)
    if "kelurahan_code" not in source:
        raise InputError(
            "no kelurahan code column (looked for kode, kode_desa, kdepum, ...); "
            "name it with [boundaries] kelurahan_code = \"...\"",
            path=path,
        )
    dotted = _text(raw, source, "kelurahan_code")
    code = codes.clean_code(dotted)
    if code.isna().any():
        row = int(raw.loc[code.isna(), "source_row"].iloc[0])
        raise InputError("kelurahan code is empty", path=path, row=row,
                         column=source["kelurahan_code"])
    kecamatan = codes.clean_code(_text(raw, source, "kecamatan_code"))
    frame = pd.DataFrame(
        {
            "kelurahan_code": code,
            "kelurahan_name": _text(raw, source, "kelurahan_name").fillna(code),
            "kecamatan_code": kecamatan.fillna(codes.kecamatan_of(code, dotted)),
            "kecamatan_name": _text(raw, source, "kecamatan_name"),
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
    frame = declared.assign(sls_name=_text(raw, source, "sls_name"))
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


def personal_columns(frame: pd.DataFrame) -> list[str]:
    """Return the input columns that look like personal data (names, NIK, phone numbers).

    The last part of a grouped ODK/Kobo name counts too (``grp-identitas-nama_krt``).

    Examples
    --------
    >>> personal_columns(pd.DataFrame(columns=["NIK", "grp-identitas-nama_krt",
    ...                                        "grp_kontak/no_hp", "lon"]))
    ['NIK', 'grp-identitas-nama_krt', 'grp_kontak/no_hp']
    """
    return [c for c in frame.columns
            if simplify(c) in PERSONAL or simplify(re.split(r"[-/]", str(c))[-1]) in PERSONAL]


#: The last units table :func:`_listed` was given (a weak reference), and its answer.
_LISTED: tuple = (lambda: None, None)


def _listed(units: pd.DataFrame) -> pd.DataFrame:
    """Return the codes of the units with an SLS code, the first of each, kept for reuse."""
    global _LISTED
    if _LISTED[0]() is not units:
        listed = units[["sls_code", "kelurahan_code", "rw", "rt"]].dropna(subset=["sls_code"])
        _LISTED = (weakref.ref(units), listed.drop_duplicates("sls_code"))
    return _LISTED[1]


def resolve_sls(frame: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with kelurahan, RW and RT taken from ``units`` for known SLS codes.

    A BPS SLS code's last four digits need not be RW and RT; where the SLS polygons list the
    code, their kelurahan, RW and RT win over the digits.
    """
    if "sls_code" not in frame:
        return frame
    listed = _listed(units)
    if not len(listed):
        return frame
    where = positions_in(frame["sls_code"], listed["sls_code"])
    known = where >= 0
    if not known.any():
        return frame
    out = frame.copy(deep=False)
    found = pa.array(np.maximum(where, 0), mask=~known)
    for name in ("kelurahan_code", "rw", "rt"):
        taken = as_arrow(listed[name]).take(found)
        if out[name].dtype != _TEXT:
            out[name] = out[name].mask(known, text_series(taken, frame.index))
        elif known.all():
            out[name] = text_series(taken, frame.index)
        else:  # in Arrow: pandas' mask costs a second per million rows
            out[name] = text_series(pc.if_else(known, taken, as_arrow(out[name])), frame.index)
    return out
