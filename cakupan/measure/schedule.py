"""The schedule: who owns each RT, when it was planned, and progress against that plan.

Takes the coverage table (the columns of ``coverage.csv``), the tally's ``work`` piece
(counted interviews per RT, enumerator, supervisor and day, :mod:`cakupan.detect.tally`), the
assignments when given (:func:`cakupan.normalise.tables.assignments`) and the RTs' positions,
and returns a :class:`Schedule`:

- **owners** per RT: from the assignments; else inferred from who interviewed where (the
  enumerator of most counted interviews in the RT, and that enumerator's usual supervisor);
  an RT with no interview takes the owner of the nearest owned RT of its kelurahan (by the
  RTs' positions, else by RW and RT number). ``owner_source`` says which (``assigned``,
  ``interviews``, ``nearest``).
- **planned dates** per RT: from the assignments; else each enumerator's RTs one after
  another, in code order, over the fieldwork window, each taking days in proportion to its
  expected households (an even pace over the window).
- **statuses during fieldwork** (:func:`overlay`): while the data's last day is before
  ``fieldwork_end``, a unit ``under`` or ``not_started`` becomes ``not_reached`` when no RT
  of it is due yet (planned start after the last day), ``stalled`` when it was started and
  has had no new counted interview for ``stalled_days`` days, ``behind`` when it counted
  less than ``under_ratio`` of the households planned by then. A unit on pace keeps its base
  status. After the window, statuses are the base ones.
- **pace** per enumerator, supervisor, kelurahan and kecamatan: planned so far and planned
  pace against counted and the recent pace, with the projected finish
  (:func:`cakupan.measure.progress.projection`).

Never reads or writes files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from cakupan.config import Config
from cakupan.measure import progress

_RT = ["kelurahan_code", "rw", "rt"]
#: Base statuses the schedule may replace during fieldwork.
OPEN = ("under", "not_started")
#: Statuses only the schedule gives.
SCHEDULE_STATUSES = ("not_reached", "behind", "stalled")
LEVELS = ("enumerator", "supervisor", "kelurahan", "kecamatan")


@dataclass(frozen=True)
class Schedule:
    """Owners, plan and pace of a run (see the module docstring)."""

    as_of: pd.Timestamp
    """Time of the latest counted interview (NaT when none has a time)."""
    during: bool
    """Whether the data's last day is before the end of the fieldwork window."""
    inferred: bool
    """Whether owners were inferred from the interviews (no assignments given)."""
    plan: pd.DataFrame
    """Per RT: its keys, ``enumerator_id``, ``supervisor_id``, ``koseka_id``,
    ``owner_source``, ``planned_start``, ``planned_end``, ``expected``, ``counted``
    (effective: not doubtful), ``last_day`` and ``planned_so_far``."""
    pace: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Per ``level`` and ``code`` (:data:`LEVELS`): ``expected_households``, ``counted``,
    ``planned_so_far``, ``planned_pace``, ``recent_pace``, ``pace_needed``,
    ``projected_finish``, ``on_track``."""

    @property
    def as_of_text(self) -> str:
        """The latest counted interview's time as ``YYYY-MM-DD HH:MM`` ("" when unknown)."""
        return self.as_of.strftime("%Y-%m-%d %H:%M") if pd.notna(self.as_of) else ""

    @property
    def day(self) -> pd.Timestamp:
        """The data's last day (NaT when unknown)."""
        return self.as_of.normalize() if pd.notna(self.as_of) else pd.NaT


def build(coverage: pd.DataFrame, work: pd.DataFrame | None, as_of,
          assignments: pd.DataFrame | None = None, positions: pd.DataFrame | None = None,
          config: Config = Config()) -> Schedule:
    """Return the schedule of a run.

    Parameters
    ----------
    coverage : pandas.DataFrame
        The coverage table (base statuses).
    work : pandas.DataFrame or None
        The tally's ``work`` piece.
    as_of : Timestamp
        The latest counted interview's time.
    assignments : pandas.DataFrame, optional
        Normalised assignments; only rows of status ``counted`` are used.
    positions : pandas.DataFrame, optional
        RT keys with ``x`` and ``y`` (metres), to find the nearest RT.
    config : Config
        Uses ``[checks]`` (window, ``stalled_days``, ``pace_window_days``) and
        ``[coverage] under_ratio``.
    """
    checks = config.checks
    work = _work(work)
    rts = coverage[coverage["level"].eq("rt")]
    plan = pd.DataFrame({name: rts[name].astype("string").to_numpy() for name in _RT})
    plan["code"] = rts["code"].astype("string").to_numpy()
    plan["expected"] = rts["expected_households"].astype("float64").to_numpy()
    plan["counted"] = (rts["counted_households"] - rts["doubtful_households"]).to_numpy()
    if assignments is not None:  # RTs assigned that nothing else lists yet
        usable = assignments[assignments["status"].eq("counted")]
        extra = usable[_RT].merge(plan[_RT], on=_RT, how="left", indicator=True)
        extra = extra[extra["_merge"].eq("left_only")].drop(columns="_merge")
        extra = extra.drop_duplicates().astype("string")
        extra = extra.assign(code=extra["kelurahan_code"] + extra["rw"] + extra["rt"],
                             expected=np.nan, counted=0)
        plan = pd.concat([plan, extra], ignore_index=True)
    plan = _owners(plan, work, assignments, positions)
    plan = _dates(plan, checks)
    day = pd.Timestamp(as_of).normalize() if pd.notna(as_of) else pd.NaT
    last = work.groupby(_RT, observed=True)["day"].max()
    plan["last_day"] = last.reindex(pd.MultiIndex.from_frame(plan[_RT])).to_numpy()
    plan["planned_so_far"] = _planned_so_far(plan, day)
    during = pd.notna(day) and day < pd.Timestamp(checks.fieldwork_end)
    return Schedule(pd.Timestamp(as_of) if pd.notna(as_of) else pd.NaT, bool(during),
                    assignments is None, plan, pace(plan, work, coverage, day, config))


def _work(work) -> pd.DataFrame:
    columns = [*_RT, "enumerator_id", "supervisor_id", "day", "rows", "doubtful"]
    if work is None or not len(work):
        return pd.DataFrame({name: pd.Series(dtype="string") for name in columns[:-3]}
                            | {"day": pd.Series(dtype="datetime64[ns]"),
                               "rows": pd.Series(dtype="int64"),
                               "doubtful": pd.Series(dtype="int64")})
    return work[columns]


def _top(rows: pd.DataFrame, keys: list[str], who: str) -> pd.Series:
    """Return the ``who`` of most rows per key (ties: the smallest ID)."""
    rows = rows.dropna(subset=[*keys, who])
    counts = rows.groupby([*keys, who], observed=True)["rows"].sum().rename("n").reset_index()
    counts = counts.sort_values([*keys, "n", who], ascending=[True] * len(keys) + [False, True])
    return counts.drop_duplicates(keys).set_index(keys)[who]


def _owners(plan, work, assignments, positions) -> pd.DataFrame:
    """Add ``enumerator_id``, ``supervisor_id``, ``koseka_id``, ``owner_source`` and dates."""
    index = pd.MultiIndex.from_frame(plan[_RT])
    plan["enumerator_id"] = _top(work, _RT, "enumerator_id").reindex(index).to_numpy()
    usual = _top(work, ["enumerator_id"], "supervisor_id")
    plan["supervisor_id"] = usual.reindex(plan["enumerator_id"]).to_numpy()
    plan["koseka_id"] = pd.NA
    plan["owner_source"] = np.where(plan["enumerator_id"].notna(), "interviews", None)
    plan["planned_start"] = pd.NaT
    plan["planned_end"] = pd.NaT
    if assignments is not None:
        rows = assignments[assignments["status"].eq("counted")].drop_duplicates(_RT)
        rows = rows.set_index(_RT).reindex(index)
        given = rows["enumerator_id"].notna() | rows["supervisor_id"].notna()
        for name in ("enumerator_id", "supervisor_id", "koseka_id", "planned_start",
                     "planned_end"):
            plan[name] = np.where(given.to_numpy(), rows[name].to_numpy(),
                                  plan[name].to_numpy())
        plan.loc[given.to_numpy(), "owner_source"] = "assigned"
    plan = _nearest(plan, positions)
    for name in ("enumerator_id", "supervisor_id", "koseka_id", "owner_source"):
        plan[name] = plan[name].astype("string")
    for name in ("planned_start", "planned_end"):
        plan[name] = pd.to_datetime(plan[name])
    return plan


def _nearest(plan: pd.DataFrame, positions) -> pd.DataFrame:
    """Give RTs without an owner the owner of the nearest owned RT of their kelurahan."""
    owned = plan["enumerator_id"].notna() | plan["supervisor_id"].notna()
    if owned.all() or not owned.any():
        return plan
    if positions is not None and len(positions):
        where = plan[_RT].merge(positions, on=_RT, how="left")
        x, y = where["x"].to_numpy(dtype="float64"), where["y"].to_numpy(dtype="float64")
    else:  # no positions: RW and RT numbers stand for them
        x = pd.to_numeric(plan["rw"], errors="coerce").to_numpy(dtype="float64") * 1000
        x = x + pd.to_numeric(plan["rt"], errors="coerce").to_numpy(dtype="float64")
        y = np.zeros(len(plan))
    # kelurahan far apart: a nearest neighbour never crosses from one to another
    kelurahan = pd.factorize(plan["kelurahan_code"])[0].astype("float64")
    x = np.nan_to_num(x, nan=0.0) + kelurahan * 1e9
    y = np.nan_to_num(y, nan=0.0)
    donors = np.flatnonzero(owned.to_numpy())
    takers = np.flatnonzero(~owned.to_numpy())
    distance, nearest = cKDTree(np.column_stack([x[donors], y[donors]])).query(
        np.column_stack([x[takers], y[takers]]))
    same = distance < 1e8  # in the same kelurahan
    takers, source = takers[same], donors[nearest[same]]
    for name in ("enumerator_id", "supervisor_id", "koseka_id"):
        values = plan[name].to_numpy(dtype=object).copy()
        values[takers] = values[source]
        plan[name] = values
    source_column = plan["owner_source"].to_numpy(dtype=object).copy()
    source_column[takers] = "nearest"
    plan["owner_source"] = source_column
    return plan


def _dates(plan: pd.DataFrame, checks) -> pd.DataFrame:
    """Fill missing planned dates: each enumerator's RTs in turn, evenly over the window."""
    start, end = pd.Timestamp(checks.fieldwork_start), pd.Timestamp(checks.fieldwork_end)
    days = (end - start).days + 1
    todo = plan["planned_start"].isna() | plan["planned_end"].isna()
    if not todo.any():
        return plan
    rows = plan[todo].assign(_who=plan.loc[todo, "enumerator_id"].fillna("?"))
    rows = rows.sort_values(["_who", "code"], kind="stable")
    weight = rows["expected"].fillna(0).clip(lower=1)
    total = weight.groupby(rows["_who"]).transform("sum")
    after = weight.groupby(rows["_who"]).cumsum()
    first = np.floor((after - weight) / total * days).astype(int)
    last = np.maximum(np.ceil(after / total * days).astype(int) - 1, first)
    plan.loc[rows.index, "planned_start"] = start + pd.to_timedelta(first, unit="D")
    plan.loc[rows.index, "planned_end"] = start + pd.to_timedelta(last, unit="D")
    return plan


def _planned_so_far(plan: pd.DataFrame, day) -> np.ndarray:
    """Households planned by the end of ``day``: expected times the share of days gone."""
    if pd.isna(day):
        return np.zeros(len(plan))
    span = (plan["planned_end"] - plan["planned_start"]).dt.days + 1
    gone = ((day - plan["planned_start"]).dt.days + 1).clip(lower=0)
    share = (gone / span).clip(upper=1).fillna(0)
    return (plan["expected"].fillna(0) * share).to_numpy(dtype="float64")


def planned_series(plan: pd.DataFrame, days: pd.DatetimeIndex) -> pd.Series:
    """Return the households planned by the end of each of ``days``, summed over the RTs.

    Examples
    --------
    >>> plan = pd.DataFrame({"expected": [10.0, 20.0],
    ...     "planned_start": pd.to_datetime(["2022-10-15", "2022-10-16"]),
    ...     "planned_end": pd.to_datetime(["2022-10-16", "2022-10-16"])})
    >>> planned_series(plan, pd.date_range("2022-10-15", "2022-10-17")).tolist()
    [5.0, 30.0, 30.0]
    """
    start = plan["planned_start"].to_numpy("datetime64[D]")
    span = (plan["planned_end"] - plan["planned_start"]).dt.days.to_numpy() + 1.0
    gone = (days.to_numpy("datetime64[D]")[:, None] - start[None, :]).astype("float64") + 1
    share = np.nan_to_num(np.clip(gone / span[None, :], 0, 1))
    total = share @ plan["expected"].fillna(0).to_numpy(dtype="float64")
    return pd.Series(total, index=days)


def overlay(table: pd.DataFrame, schedule: Schedule, config: Config = Config()
            ) -> pd.DataFrame:
    """Return the coverage table with the statuses of fieldwork (see the module docstring).

    The base status (:func:`cakupan.measure.coverage.measure`) is kept after the window, and
    for every unit not ``under`` or ``not_started``.
    """
    if not schedule.during or schedule.plan.empty:
        return table
    day = schedule.day
    units = _units_of(schedule.plan, table)
    frame = table[["level", "code"]].merge(units, on=["level", "code"], how="left")
    effective = (table["counted_households"] - table["doubtful_households"]).to_numpy()
    start = frame["planned_start"]
    quiet = (day - frame["last_day"]).dt.days >= config.checks.stalled_days
    planned = frame["planned_so_far"].fillna(0).to_numpy()
    status = table["status"].astype("string")
    open_ = status.isin(OPEN).to_numpy()
    new = np.select(
        [open_ & (start > day).to_numpy(),
         open_ & (effective > 0) & quiet.fillna(False).to_numpy(dtype=bool),
         open_ & (effective < config.coverage.under_ratio * planned)],
        ["not_reached", "stalled", "behind"], default="")
    out = table.copy()
    out["status"] = status.mask(new != "", pd.Series(new, index=table.index, dtype="string"))
    return out


def _units_of(plan: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Return the plan summed per unit of every level: first start, last day, planned."""
    kecamatan = table[table["level"].eq("kelurahan")].set_index("code")["parent_code"]
    plan = plan.assign(rw_code=plan["kelurahan_code"] + plan["rw"],
                       kecamatan=kecamatan.reindex(plan["kelurahan_code"]).to_numpy())
    frames = []
    for level, key in (("rt", "code"), ("rw", "rw_code"), ("kelurahan", "kelurahan_code"),
                       ("kecamatan", "kecamatan")):
        grouped = plan.groupby(key, observed=True)
        frame = grouped.agg(planned_start=("planned_start", "min"),
                            last_day=("last_day", "max"),
                            planned_so_far=("planned_so_far", "sum")).reset_index()
        frames.append(frame.rename(columns={key: "code"}).assign(level=level))
    units = pd.concat(frames, ignore_index=True)
    return units.astype({"code": "string", "level": "string"})


def pace(plan: pd.DataFrame, work: pd.DataFrame, coverage: pd.DataFrame, day,
         config: Config = Config()) -> pd.DataFrame:
    """Return planned against actual pace per enumerator, supervisor, kelurahan, kecamatan.

    Counted households of an officer are their own counted interviews wherever they are;
    of an area, those counted in it. Expected and planned are summed over the officer's (or
    the area's) RTs. ``recent_pace``, ``pace_needed``, ``projected_finish`` and
    ``on_track`` are :func:`cakupan.measure.progress.projection`'s.
    """
    if pd.isna(day):
        return pd.DataFrame()
    kecamatan = coverage[coverage["level"].eq("kelurahan")].set_index("code")["parent_code"]
    plan = plan.assign(kecamatan=kecamatan.reindex(plan["kelurahan_code"]).to_numpy())
    work = work.assign(kecamatan=kecamatan.reindex(work["kelurahan_code"]).to_numpy())
    keys = {"enumerator": "enumerator_id", "supervisor": "supervisor_id",
            "kelurahan": "kelurahan_code", "kecamatan": "kecamatan"}
    calendar = pd.date_range(min(pd.Timestamp(config.checks.fieldwork_start), day), day)
    frames = []
    for level in LEVELS:
        key = keys[level]
        grouped = plan.dropna(subset=[key]).groupby(key, observed=True)
        units = grouped.agg(expected_households=("expected", "sum"),
                            planned_so_far=("planned_so_far", "sum"),
                            first=("planned_start", "min"), last=("planned_end", "max"))
        counts = work.dropna(subset=[key]).groupby([key, "day"], observed=True)["rows"].sum()
        counts.index = counts.index.set_names(["code", "date"])
        codes = units.index.astype("string")
        daily = progress.daily_counts(counts, calendar, codes)
        daily["level"] = level
        daily["parent_code"] = pd.NA
        daily["expected_households"] = units["expected_households"].reindex(
            daily["code"]).to_numpy()
        projected = progress.projection(daily, config, as_of=day).set_index("code")
        out = units.join(projected[["counted", "recent_pace", "pace_needed",
                                    "projected_finish", "on_track"]])
        span = (out["last"] - out["first"]).dt.days + 1
        out["planned_pace"] = (out["expected_households"] / span).round(2)
        frames.append(out.drop(columns=["first", "last"]).reset_index(names="code")
                      .assign(level=level))
    out = pd.concat(frames, ignore_index=True)
    out["planned_so_far"] = out["planned_so_far"].round(1)
    columns = ["level", "code", "expected_households", "counted", "planned_so_far",
               "planned_pace", "recent_pace", "pace_needed", "projected_finish", "on_track"]
    return out[columns]


def unknown_rts(assignments: pd.DataFrame, coverage: pd.DataFrame, kelurahan_codes,
                matched: dict, listed: bool) -> pd.Series:
    """Return which usable assignment rows name an RT the run does not know.

    An RT is known when the coverage table lists it or, when neither RT polygons nor a
    prelist list the RTs (``listed`` False), when its kelurahan is one of the boundaries'.
    ``matched``: declared kelurahan codes matched to the boundaries' (the crosswalk).
    """
    kelurahan = assignments["kelurahan_code"].replace(matched)
    codes = (kelurahan + assignments["rw"] + assignments["rt"]).astype("string")
    rts = set(coverage.loc[coverage["level"].eq("rt"), "code"].astype(str))
    known = codes.isin(rts)
    if not listed:
        known |= kelurahan.isin(set(kelurahan_codes))
    return assignments["status"].eq("counted") & ~known.fillna(False)
