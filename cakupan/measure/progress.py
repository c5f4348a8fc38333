"""Fieldwork progress: counted households per day against expected, and where it will end.

Takes the interviews frame (counted rows only count, on the local date of ``interviewed_at``)
and the expected households per kelurahan and kecamatan (the ``coverage.csv`` rows of those
levels will do), and returns new frames: cumulative counts per day (:func:`daily_progress`)
and, per unit, the pace needed, the projected finish and whether it has stalled
(:func:`projection`). Both take an ``as_of`` date so a supervisor can run them mid-fieldwork.
Never reads or writes files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cakupan.codes import kecamatan_of
from cakupan.config import Checks

LEVELS = ("kecamatan", "kelurahan")


def _checks(config) -> Checks:
    """Accept the whole :class:`~cakupan.config.Config` or its ``checks`` part."""
    return getattr(config, "checks", config)


def _day(value) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


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
    checks = _checks(config)
    when = pd.to_datetime(interviews["interviewed_at"]).dt.normalize()
    counted = (interviews["status"] == "counted").fillna(False) & when.notna()
    days = when[counted]
    last = _day(as_of) if as_of is not None else (days.max() if len(days) else None)
    start = _day(checks.fieldwork_start)
    if last is None or pd.isna(last):
        last = start
    first = min(start, days.min()) if len(days) else start
    keep = counted & (when <= last)
    kelurahan = interviews.loc[keep, "kelurahan_code"].astype("string")

    expected = expected_by_unit[expected_by_unit["level"].isin(LEVELS)]
    kel_expected = expected[expected["level"] == "kelurahan"]
    parents = pd.Series(pd.NA, index=kel_expected["code"].astype("string"), dtype="string")
    if "parent_code" in expected:
        parents = pd.Series(
            kel_expected["parent_code"].astype("string").to_numpy(), index=parents.index
        )
    kel_codes = pd.Index(kel_expected["code"].astype("string")).union(
        pd.Index(kelurahan.dropna().unique())
    )
    parent = parents.reindex(kel_codes)
    parent = parent.fillna(kecamatan_of(pd.Series(kel_codes, index=kel_codes, dtype="string")))

    calendar = pd.date_range(first, last, freq="D")
    per_kel = pd.DataFrame({"code": kelurahan, "date": when[keep]}).groupby(["code", "date"]).size()
    per_kec = per_kel.rename(index=parent.to_dict(), level="code").groupby(level=[0, 1]).sum()
    kec_codes = pd.Index(expected.loc[expected["level"] == "kecamatan", "code"].astype("string"))
    kec_codes = kec_codes.union(pd.Index(parent.dropna().unique()))

    frames = []
    for level, codes, counts in (
        ("kecamatan", kec_codes, per_kec),
        ("kelurahan", kel_codes, per_kel),
    ):
        grid = pd.MultiIndex.from_product([codes, calendar], names=["code", "date"])
        daily = counts.reindex(grid, fill_value=0).rename("counted").reset_index()
        daily["counted"] = daily["counted"].astype("int64")
        daily["cumulative"] = daily.groupby("code")["counted"].cumsum()
        daily.insert(0, "level", level)
        daily.insert(
            2,
            "parent_code",
            parent.reindex(daily["code"]).to_numpy() if level == "kelurahan" else pd.NA,
        )
        frames.append(daily)
    out = pd.concat(frames, ignore_index=True)
    out["parent_code"] = out["parent_code"].astype("string")
    out["code"] = out["code"].astype("string")
    lookup = expected.assign(code=expected["code"].astype("string")).drop_duplicates(
        ["level", "code"]
    )
    out = out.merge(
        lookup[["level", "code", "expected_households"]], on=["level", "code"], how="left"
    )
    out["expected_households"] = out["expected_households"].astype("float64")
    out["share"] = (out["cumulative"] / out["expected_households"]).round(4)
    return out


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
    keys = ["level", "code"]

    def recent(days):
        window = seen[seen["date"] > last - pd.Timedelta(days=days)]
        grouped = window.groupby(keys, sort=False)["counted"]
        return grouped.sum(), grouped.size()

    total, _ = recent(checks.stalled_days)
    window_sum, window_len = recent(checks.pace_window_days)
    units = daily.drop_duplicates(keys)[[*keys, "parent_code", "expected_households"]]
    units = units.set_index(keys)
    at = seen.groupby(keys, sort=False)["cumulative"].last()
    out = units.assign(counted=at.reindex(units.index).fillna(0).astype("int64"))
    expected = out["expected_households"]
    out["remaining"] = (expected - out["counted"]).clip(lower=0)
    out["days_left"] = max((end - last).days, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pace_needed"] = np.where(
            out["remaining"] > 0, out["remaining"] / out["days_left"], 0.0
        )
    out.loc[expected.isna(), "pace_needed"] = np.nan
    pace = (window_sum / window_len).reindex(out.index).fillna(0.0)
    out["recent_pace"] = pace.round(2)

    reached = seen[seen["cumulative"] >= seen["expected_households"]]
    done = reached.groupby(keys, sort=False)["date"].min().reindex(out.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        days_more = np.ceil(out["remaining"] / pace.where(pace > 0))
    future = last + pd.to_timedelta(days_more, unit="D")
    out["projected_finish"] = done.where(done.notna(), future)
    out["on_track"] = (out["projected_finish"] <= end).astype("boolean")
    out.loc[out["projected_finish"].isna() & expected.notna(), "on_track"] = False
    out.loc[expected.isna(), "on_track"] = pd.NA
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
