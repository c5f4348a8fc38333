"""Interview times read from text (or taken from a file's own times) as local times.

Takes a column as the readers return it and returns local times without a zone
(``datetime64[ns]``), ``NaT`` where a time cannot be read or is not from 1900 to 2199. Never
changes its input and never touches the disk.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from cakupan._text import as_arrow, offsets_and_bytes, text_series
from cakupan.normalise.values import as_bool, is_time, strip

#: Date forms tried in order, each vectorised; what none of them reads goes to a slow parser.
_TIME_FORMATS = ("ISO8601", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M:%S",
                 "%d-%m-%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y")

#: The earliest time read, and the first one after the latest.
_EARLIEST, _LATEST = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-01-01")


def _constant(values: np.ndarray) -> np.ndarray:
    """Return ``values`` made read-only: a table of this module, never written to."""
    values.flags.writeable = False
    return values


#: Where the digits and separators of ``YYYY-MM-DD HH:MM:SS`` are.
_DIGITS = _constant(np.array([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]))
_SEPARATORS = ((4, "-"), (7, "-"), (13, ":"), (16, ":"))

#: Day (from 1970-01-01) of the first of each month from January 1900 to January 2200.
_MONTH_STARTS = _constant(np.arange("1900-01", "2200-02", dtype="datetime64[M]").astype(
    "datetime64[D]").astype(np.int64))
_MONTH_DAYS = _constant(np.diff(_MONTH_STARTS))


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
    if is_time(values):  # a file's own times: no text to read
        times = values
        if times.dt.tz is not None:
            # an offset of odd seconds (local mean time, before 1924 in Jakarta) is printed
            # as "+07:07:12", which is not read back: drop those times as the text path does
            offset = times.dt.tz_localize(None) - times.dt.tz_convert("UTC").dt.tz_localize(None)
            times = times.dt.tz_convert(timezone).dt.tz_localize(None).where(
                offset % pd.Timedelta(minutes=1) == pd.Timedelta(0))
        return pd.Series(_plausible(times), index=values.index)
    text = strip(as_arrow(values))
    out, read = _read_usual_times(text)
    rest = ~read & as_bool(text.is_valid())
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


def _read_usual_times(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Read times written ``YYYY-MM-DD HH:MM:SS`` (or with ``T``) in numpy, without pandas.

    Most exports write every time so, and pandas takes a tenth of a second per million to
    read them. Returns the times (``datetime64[ns]``, ``NaT`` elsewhere) and which rows were
    read: real dates and times in exactly that form from 1900 to 2199, as pandas reads them.

    Why not ``pyarrow.compute.strptime``: it is no faster (8,000,000 times, the city
    pipeline's stretched: 0.74 s here, 0.72 to 0.76 s for strptime, CPU medians on a 2-core
    machine, ``python benchmarks/kernels.py --size city --rows 8000000 --kernels times``)
    and it reads what pandas refuses (``2022-02-30`` as 2 March, one-digit fields, second
    60); checking for those would cost more than this.
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
    rows = np.flatnonzero((np.diff(offsets) == width) & as_bool(text.is_valid()))
    return rows, data[offsets[rows, None] + np.arange(width)]


def _plausible(times: pd.Series) -> np.ndarray:
    """Return the times in nanoseconds, ``NaT`` where missing or not from 1900 to 2199.

    ``"-2"`` read as year -2 is not the time of an interview (and does not fit in
    nanoseconds).
    """
    ok = (times >= _EARLIEST) & (times < _LATEST)  # False where missing
    return times.where(ok).astype("datetime64[ns]").to_numpy()
