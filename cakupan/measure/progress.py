"""Fieldwork progress: counted households per day against expected, and where it will end.

Takes the interviews (counted rows only count, on the local date of ``interviewed_at``): as a
frame or its tally (:mod:`cakupan.detect.tally`) for the run's series (:func:`daily_series`,
the report's progress chart), as a frame with the expected households per kelurahan and
kecamatan (the ``coverage.csv`` rows of those levels will do) for the series per unit
(:func:`daily_progress`). Both lay the counts on every day of a calendar and add them up in
one place (:func:`daily_counts`). Per unit, :func:`projection` gives the pace needed, the
projected finish and whether the unit has stalled. ``as_of`` dates let a supervisor run them
mid-fieldwork. Never reads or writes files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cakupan.codes import kecamatan_of
from cakupan.config import Checks
from cakupan.detect.tally import piece

LEVELS = ("kecamatan", "kelurahan")


def _checks(config) -> Checks:
    """Accept the whole :class:`~cakupan.config.Config` or its ``checks`` part."""
    return getattr(config, "checks", config)


def _day(value) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def daily_counts(counts: pd.Series, calendar: pd.DatetimeIndex, codes=None) -> pd.DataFrame:
    """Return ``counts`` on every day of ``calendar`` (0 where none) and their sum so far.

    Parameters
    ----------
    counts : pandas.Series
        Counted households per day (indexed by day), or per unit and day (indexed by ``code``
        and ``date``).
    calendar : pandas.DatetimeIndex
        The days to list, in order; counts on other days are left out.
    codes : sequence, optional
        With counts per unit: the units to list, each on every day of ``calendar``.

    Returns
    -------
    pandas.DataFrame
        ``date``, ``counted`` (that day) and ``cumulative`` (int64); with ``codes``, ``code``
        first and the sum running per unit.

    Examples
    --------
    >>> counts = pd.Series([2, 1], index=pd.to_datetime(["2022-10-15", "2022-10-17"]))
    >>> daily_counts(counts, pd.date_range("2022-10-15", "2022-10-17"))["cumulative"].tolist()
    [2, 2, 3]
    """
    if codes is None:
        days = counts.reindex(calendar, fill_value=0).astype("int64")
        return pd.DataFrame({"date": calendar, "counted": days.to_numpy(),
                             "cumulative": days.cumsum().to_numpy()})
    grid = pd.MultiIndex.from_product([codes, calendar], names=["code", "date"])
    daily = counts.reindex(grid, fill_value=0).astype("int64").rename("counted").reset_index()
    daily["cumulative"] = daily.groupby("code")["counted"].cumsum()
    return daily


def daily_series(interviews) -> pd.DataFrame:
    """Return the run's counted households per day, from its first day to its last.

    ``interviews``: a frame, its tally (:mod:`cakupan.detect.tally`) or None (then no day).
    Returns ``date``, ``counted`` and ``cumulative`` (:func:`daily_counts`).

    Examples
    --------
    >>> iv = pd.DataFrame({"status": ["counted", "counted", "duplicate"],
    ...                    "interviewed_at": pd.to_datetime(["2022-10-15 09:00",
    ...                                     "2022-10-17 10:00", "2022-10-17 11:00"])})
    >>> daily_series(iv)["cumulative"].tolist()
    [1, 1, 2]
    """
    per_day = None if interviews is None else piece(interviews, "days")
    if per_day is None or per_day.empty:
        return pd.DataFrame({"date": [], "counted": [], "cumulative": []})
    return daily_counts(per_day, pd.date_range(per_day.index.min(), per_day.index.max(),
                                               freq="D"))


def daily_progress(
    interviews: pd.DataFrame, expected_by_unit: pd.DataFrame, config, as_of=None
) -> pd.DataFrame:
    """Count households per day and per kecamatan and kelurahan, cumulatively.

    Parameters
    ----------
    interviews : pandas.DataFrame
        Normalised interviews: ``status``, ``interviewed_at``, ``kelurahan_code``. Only
        ``counted`` rows with a time count; rows after ``as_of`` are left out.
    expected_by_unit : pandas.DataFrame
        ``level``, ``code``, ``expected_households``, and optionally ``parent_code`` (the
        kecamatan of a kelurahan; without it the kecamatan is read from the kelurahan code).
        Rows of other levels are ignored.
    config : Checks or Config
        Uses ``fieldwork_start``.
    as_of : date-like, optional
        Last day to count; default the day of the last counted interview.

    Returns
    -------
    pandas.DataFrame
        One row per unit per day from the first fieldwork day (or an earlier interview) to
        ``as_of``: ``level``, ``code``, ``parent_code``, ``date``, ``counted`` (that day),
        ``cumulative``, ``expected_households`` and ``share`` (cumulative / expected).
        Sorted by level (kecamatan first), code and date.

    Examples
    --------
    >>> interviews = pd.DataFrame({"status": ["counted", "counted", "duplicate"],
    ...     "interviewed_at": pd.to_datetime(["2022-10-15 09:00", "2022-10-16 10:00",
    ...                                       "2022-10-16 11:00"]),
    ...     "kelurahan_code": "3671010001"})
    >>> expected = pd.DataFrame({"level": ["kecamatan", "kelurahan"],
    ...     "code": ["3671010", "3671010001"], "expected_households": [4.0, 4.0]})
    >>> daily = daily_progress(interviews, expected, Checks())
    >>> daily.loc[daily.level == "kelurahan", ["date", "cumulative", "share"]].values.tolist()
    [[Timestamp('2022-10-15 00:00:00'), 1, 0.25], [Timestamp('2022-10-16 00:00:00'), 2, 0.5]]
    """
    when = pd.to_datetime(interviews["interviewed_at"]).dt.normalize()
    counted = (interviews["status"] == "counted").fillna(False) & when.notna()
    calendar = _calendar(when[counted], _checks(config).fieldwork_start, as_of)
    keep = counted & (when <= calendar[-1])
    kelurahan = interviews.loc[keep, "kelurahan_code"].astype("string")
    expected = expected_by_unit[expected_by_unit["level"].isin(LEVELS)]
    parent = _kecamatan_of(expected, kelurahan)
    per_kel = pd.DataFrame({"code": kelurahan, "date": when[keep]}).groupby(["code", "date"]).size()
    per_kec = per_kel.rename(index=parent.to_dict(), level="code").groupby(level=[0, 1]).sum()
    kec_codes = pd.Index(expected.loc[expected["level"] == "kecamatan", "code"].astype("string"))
    kec_codes = kec_codes.union(pd.Index(parent.dropna().unique()))
    frames = []
    for level, codes, counts in (("kecamatan", kec_codes, per_kec),
                                 ("kelurahan", parent.index, per_kel)):
        daily = daily_counts(counts, calendar, codes)
        daily.insert(0, "level", level)
        daily.insert(2, "parent_code",
                     parent.reindex(daily["code"]).to_numpy() if level == "kelurahan" else pd.NA)
        frames.append(daily)
    out = pd.concat(frames, ignore_index=True)
    out["parent_code"] = out["parent_code"].astype("string")
    out["code"] = out["code"].astype("string")
    lookup = expected.assign(code=expected["code"].astype("string")).drop_duplicates(
        ["level", "code"])
    out = out.merge(lookup[["level", "code", "expected_households"]], on=["level", "code"],
                    how="left")
    out["expected_households"] = out["expected_households"].astype("float64")
    out["share"] = (out["cumulative"] / out["expected_households"]).round(4)
    return out


def _calendar(days: pd.Series, fieldwork_start, as_of) -> pd.DatetimeIndex:
    """Return every day from fieldwork's start (or an earlier counted day) to ``as_of``.

    Without ``as_of``, to the last counted day (or the start, when none is).
    """
    start = _day(fieldwork_start)
    last = _day(as_of) if as_of is not None else (days.max() if len(days) else None)
    if last is None or pd.isna(last):
        last = start
    first = min(start, days.min()) if len(days) else start
    return pd.date_range(first, last, freq="D")


def _kecamatan_of(expected: pd.DataFrame, kelurahan: pd.Series) -> pd.Series:
    """Return the kecamatan of every kelurahan expected or counted in, by kelurahan code.

    From ``parent_code`` where the expected rows give one, else from the kelurahan code.
    """
    kel_expected = expected[expected["level"] == "kelurahan"]
    parents = pd.Series(pd.NA, index=kel_expected["code"].astype("string"), dtype="string")
    if "parent_code" in expected:
        parents = pd.Series(kel_expected["parent_code"].astype("string").to_numpy(),
                            index=parents.index)
    codes = pd.Index(kel_expected["code"].astype("string")).union(
        pd.Index(kelurahan.dropna().unique()))
    parent = parents.reindex(codes)
    return parent.fillna(kecamatan_of(pd.Series(codes, index=codes, dtype="string")))


def projection(daily: pd.DataFrame, config, as_of=None) -> pd.DataFrame:
    """Project each unit's finish from its recent pace and find stalled units.

    Parameters
    ----------
    daily : pandas.DataFrame
        The result of :func:`daily_progress`.
    config : Checks or Config
        Uses ``fieldwork_start``, ``fieldwork_end``, ``pace_window_days``, ``stalled_days``
        and ``stalled_pace_share``.
    as_of : date-like, optional
        The day the projection is made at (its count included); default the last day of
        ``daily``.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``level``, ``code``, ``parent_code``, ``expected_households``,
        ``counted`` (cumulative at ``as_of``), ``remaining``, ``days_left`` (after ``as_of``
        up to ``fieldwork_end``), ``pace_needed`` (households per day to finish in time; inf
        when no day is left), ``recent_pace`` (mean per day over the last
        ``pace_window_days``), ``projected_finish`` (the day the expected count was or will be
        reached at the recent pace; NaT when it never will), ``on_track``,
        ``recent_counted`` (over the last ``stalled_days``) and ``stalled``: households remain
        and ``recent_counted`` is below ``stalled_pace_share`` of the planned pace (expected /
        fieldwork days) over those days. Units without an expected count are never stalled.

    Examples
    --------
    >>> daily = pd.DataFrame({"level": "kelurahan", "code": "3671010001", "parent_code": "3671010",
    ...     "date": pd.date_range("2022-10-15", periods=7), "counted": [10, 10, 10, 0, 0, 0, 0],
    ...     "expected_households": 310.0})
    >>> daily["cumulative"] = daily["counted"].cumsum()
    >>> row = projection(daily, Checks(), as_of="2022-10-21").iloc[0]
    >>> int(row.remaining), int(row.days_left), bool(row.stalled), str(row.projected_finish.date())
    (280, 24, True, '2022-12-26')
    """
    checks = _checks(config)
    last = _day(as_of) if as_of is not None else daily["date"].max()
    start, end = _day(checks.fieldwork_start), _day(checks.fieldwork_end)
    seen = daily[daily["date"] <= last]
    units = daily.drop_duplicates(_UNIT)[[*_UNIT, "parent_code", "expected_households"]]
    units = units.set_index(_UNIT)
    at = seen.groupby(_UNIT, sort=False)["cumulative"].last()
    out = units.assign(counted=at.reindex(units.index).fillna(0).astype("int64"))
    expected = out["expected_households"]
    out["remaining"] = (expected - out["counted"]).clip(lower=0)
    out["days_left"] = max((end - last).days, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pace_needed"] = np.where(
            out["remaining"] > 0, out["remaining"] / out["days_left"], 0.0
        )
    out.loc[expected.isna(), "pace_needed"] = np.nan
    window_sum, window_len = _recent(seen, last, checks.pace_window_days)
    pace = (window_sum / window_len).reindex(out.index).fillna(0.0)
    out["recent_pace"] = pace.round(2)
    out = _finish(out, seen, pace, last, end)
    total, _ = _recent(seen, last, checks.stalled_days)
    out["recent_counted"] = total.reindex(out.index).fillna(0).astype("int64")
    planned = expected / ((end - start).days + 1)
    threshold = checks.stalled_pace_share * planned * checks.stalled_days
    out["stalled"] = (
        ((out["remaining"] > 0) & (out["recent_counted"] < threshold)).fillna(False).astype(bool)
    )
    order = {level: rank for rank, level in enumerate(LEVELS)}
    out = out.reset_index()
    out = out.sort_values(
        ["level", "code"], key=lambda s: s.map(order) if s.name == "level" else s, kind="stable"
    )
    return out.reset_index(drop=True)


_UNIT = ["level", "code"]


def _recent(seen: pd.DataFrame, last: pd.Timestamp, days: int):
    """Return households counted per unit in the ``days`` up to ``last``, and days seen."""
    window = seen[seen["date"] > last - pd.Timedelta(days=days)]
    grouped = window.groupby(_UNIT, sort=False)["counted"]
    return grouped.sum(), grouped.size()


def _finish(out: pd.DataFrame, seen: pd.DataFrame, pace: pd.Series, last, end) -> pd.DataFrame:
    """Add ``projected_finish`` and ``on_track`` to the units of :func:`projection`."""
    expected = out["expected_households"]
    reached = seen[seen["cumulative"] >= seen["expected_households"]]
    done = reached.groupby(_UNIT, sort=False)["date"].min().reindex(out.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        days_more = np.ceil(out["remaining"] / pace.where(pace > 0))
    future = last + pd.to_timedelta(days_more, unit="D")
    out["projected_finish"] = done.where(done.notna(), future)
    out["on_track"] = (out["projected_finish"] <= end).astype("boolean")
    out.loc[out["projected_finish"].isna() & expected.notna(), "on_track"] = False
    out.loc[expected.isna(), "on_track"] = pd.NA
    return out
