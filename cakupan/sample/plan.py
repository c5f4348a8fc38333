"""The sample world's plan: who was meant to interview which RT when, and who fell behind.

Takes the interview export of :mod:`cakupan.sample.fieldwork` (each enumerator works their RTs
one after another, in code order, at a steady pace), its truth and the prelist, and returns:

- the **assignments** a BPS office keeps (the "alokasi petugas"): every RT with its
  enumerator (PPL), supervisor (PML), kecamatan coordinator (Koseka) and planned start and
  end, each enumerator's RTs one after another over the days their work was planned to
  take, each RT days in proportion to its prelist count;
- the **interviews moved in time** so that some enumerators are behind the plan (their
  working days stretched by 25-60 %: they work fewer days a week) and some stop for a while
  (4-8 days of no work, e.g. ill), stalling the RT they were in; the slowest finishes on the
  last day of the window. A day is moved whole, so times of day, the order of an
  enumerator's interviews and the gaps between them within a day are kept;
- the **truth of the plan** per RT: planned dates, the enumerator's pace factor and pause.

:func:`truth_statuses` says, from that truth and the genuine interviews, what each RT's
status should be on a given day of fieldwork. Deterministic given the generator; nothing here
touches the disk.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

START = pd.Timestamp("2022-10-15")
#: The last day of the window, as a day number from START (14 November).
LAST_DAY = 30
BEHIND_SHARE = 0.08  # enumerators behind the plan
PAUSED_SHARE = 0.05  # enumerators who stop for some days
#: Interview faults that are genuine visits whose record was spoilt afterwards.
VISITS = ("", "swapped_lat_lon", "no_coordinates", "decimal_comma", "too_fast_trip")


def plan_fieldwork(export: pd.DataFrame, truth: pd.DataFrame, prelist: pd.DataFrame,
                   truth_rt: pd.DataFrame, rng: np.random.Generator
                   ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return the assignments, the interviews moved in time, their truth, the plan's truth.

    ``export`` and ``truth`` come back re-ordered by the new times (the same order for both).
    """
    when = pd.to_datetime(export["interviewed_at"])
    day = (when.dt.normalize() - START).dt.days.to_numpy()
    visit = truth["fault"].isin(VISITS).to_numpy()
    plan = _owners(export[visit], truth_rt, prelist)
    span = pd.DataFrame({"enumerator_id": export["enumerator_id"][visit], "day": day[visit]})
    span = span.groupby("enumerator_id")["day"].agg(["min", "max"])
    plan = _planned(plan, span)
    people = _pace(span, rng)
    moved = _moved(export["enumerator_id"], day, people)
    shift = pd.to_timedelta(moved - day, unit="D")
    times = {"interviewed_at": when}
    if "waktu_mulai" in export:  # the start moves with the end: durations stay as they were
        times["waktu_mulai"] = pd.to_datetime(export["waktu_mulai"], format="%Y-%m-%d %H:%M:%S")
    export = export.assign(**{column: (value + shift).dt.strftime("%Y-%m-%d %H:%M:%S")
                              for column, value in times.items()})
    order = np.lexsort((np.arange(len(export)), export["interviewed_at"].to_numpy()))
    export = export.iloc[order].reset_index(drop=True)
    truth = truth.iloc[order].reset_index(drop=True)
    truth_plan = plan.merge(people, left_on="enumerator_id", right_index=True, how="left")
    assignments = plan[["sls_code", "kelurahan_code", "rw", "rt", "enumerator_id",
                        "supervisor_id", "koseka_id", "planned_start", "planned_end"]]
    return assignments, export, truth, truth_plan


def _owners(visits: pd.DataFrame, truth_rt: pd.DataFrame, prelist: pd.DataFrame
            ) -> pd.DataFrame:
    """Each RT's enumerator and supervisor: who visited it; an unvisited RT, its neighbour's."""
    rts = truth_rt[["sls_code", "kelurahan_code", "rw", "rt"]].copy()
    rts["expected"] = prelist.set_index("sls_code")["expected_households"].reindex(
        rts["sls_code"]).to_numpy()
    who = visits.groupby("sls_code")["enumerator_id"].agg(lambda s: s.mode().iat[0])
    rts["enumerator_id"] = who.reindex(rts["sls_code"]).to_numpy()
    # enumerators hold runs of neighbouring RTs: a skipped RT is its neighbours'
    rts["enumerator_id"] = rts["enumerator_id"].ffill().bfill()
    boss = visits.groupby("enumerator_id")["supervisor_id"].agg(lambda s: s.mode().iat[0])
    rts["supervisor_id"] = boss.reindex(rts["enumerator_id"]).to_numpy()
    rts["supervisor_id"] = rts["supervisor_id"].ffill().bfill()
    rts["koseka_id"] = "KSK" + rts["kelurahan_code"].str.slice(4, 7)
    return rts


def _planned(plan: pd.DataFrame, span: pd.DataFrame) -> pd.DataFrame:
    """Lay each enumerator's RTs one after another over their planned days."""
    plan = plan.sort_values(["enumerator_id", "sls_code"], kind="stable")
    first = span["min"].reindex(plan["enumerator_id"]).fillna(0).to_numpy()
    last = span["max"].reindex(plan["enumerator_id"]).fillna(23).to_numpy()
    weight = plan["expected"].fillna(0).clip(lower=1)
    total = weight.groupby(plan["enumerator_id"]).transform("sum").to_numpy()
    after = weight.groupby(plan["enumerator_id"]).cumsum().to_numpy()
    days = last - first + 1
    begin = first + np.floor((after - weight.to_numpy()) / total * days)
    end = np.maximum(first + np.ceil(after / total * days) - 1, begin)
    plan["planned_start"] = (START + pd.to_timedelta(begin, unit="D")).strftime("%Y-%m-%d")
    plan["planned_end"] = (START + pd.to_timedelta(end, unit="D")).strftime("%Y-%m-%d")
    return plan.sort_index()


def _pace(span: pd.DataFrame, rng) -> pd.DataFrame:
    """Choose the enumerators behind the plan (``pace_factor``) and those who pause."""
    n = len(span)
    draw = rng.random(n)
    behind = draw < BEHIND_SHARE
    paused = (draw >= BEHIND_SHARE) & (draw < BEHIND_SHARE + PAUSED_SHARE)
    first, last = span["min"].to_numpy(), np.maximum(span["max"].to_numpy(), 1)
    factor = np.where(behind, np.minimum(rng.uniform(1.25, 1.6, n), LAST_DAY / last), 1.0)
    if behind.any():  # the slowest works up to the window's last day
        slowest = np.flatnonzero(behind)[np.argmax(last[behind])]
        factor[slowest] = LAST_DAY / last[slowest]
    pause_from = np.floor(first + 2 + rng.random(n) * np.maximum(last - first - 3, 0))
    pause_days = np.minimum(rng.integers(4, 9, n), LAST_DAY - last)
    paused &= (pause_days >= 4) & (last - first >= 4)
    return pd.DataFrame({"pace_factor": np.round(factor, 4),
                         "pause_from": np.where(paused, pause_from, np.nan),
                         "pause_days": np.where(paused, pause_days, 0)}, index=span.index)


def _moved(enumerator: pd.Series, day: np.ndarray, people: pd.DataFrame) -> np.ndarray:
    """Return each interview's new day: stretched for the slow, after the pause for others."""
    person = people.reindex(enumerator.to_numpy())
    factor = person["pace_factor"].fillna(1.0).to_numpy()
    stretched = np.floor(day * factor + 1e-9)
    pause = person["pause_from"].to_numpy()
    later = np.where(~np.isnan(pause) & (day >= np.nan_to_num(pause, nan=np.inf)),
                     person["pause_days"].fillna(0).to_numpy(), 0)
    return (stretched + later).astype(int)


def truth_statuses(truth_plan: pd.DataFrame, export: pd.DataFrame, truth: pd.DataFrame,
                   truth_rt: pd.DataFrame, day, under_ratio: float = 0.9,
                   stalled_days: int = 3) -> pd.Series:
    """Return what each RT's status should be at the end of ``day``, by ``sls_code``.

    From the generator's knowledge: genuine visits (not invented, not repeated) up to
    ``day``, the true households of the prelist, the plan and who paused when.

    - ``complete``: visits reach ``under_ratio`` of the RT's true prelist households;
    - ``not_reached``: planned to start after ``day``;
    - ``stalled``: started, and either its enumerator has paused for ``stalled_days`` days
      or more while in it, or it was abandoned (the fault of missing part of an RT) and its
      last visit is ``stalled_days`` days or more before ``day``;
    - ``behind``: due, not complete, and visits below ``under_ratio`` of the households
      planned by then;
    - ``on_pace``: the rest (started and keeping up).
    """
    day = pd.Timestamp(day).normalize()
    when = pd.to_datetime(export["interviewed_at"]).dt.normalize()
    visit = truth["fault"].isin(VISITS).to_numpy() & (when <= day).to_numpy()
    rows = pd.DataFrame({"sls_code": export["sls_code"][visit], "day": when[visit]})
    done = rows.groupby("sls_code")["day"].agg(["size", "min", "max"])
    rts = truth_plan.set_index("sls_code")
    target = truth_rt.set_index("sls_code")["in_prelist"].reindex(rts.index).astype(float)
    fault = truth_rt.set_index("sls_code")["fault"].reindex(rts.index)
    count = done["size"].reindex(rts.index).fillna(0).to_numpy()
    last = done["max"].reindex(rts.index)
    start, end = pd.to_datetime(rts["planned_start"]), pd.to_datetime(rts["planned_end"])
    complete = count >= under_ratio * target.to_numpy()
    share = (((day - start).dt.days + 1) / ((end - start).dt.days + 1)).clip(0, 1)
    pause = START + pd.to_timedelta(rts["pause_from"], unit="D")
    in_pause = ((day - pause).dt.days + 1 >= stalled_days) & (
        (day - pause).dt.days < rts["pause_days"])
    before = done["min"].reindex(rts.index) < pause
    all_visits = pd.DataFrame({"sls_code": export["sls_code"],
                               "fault": truth["fault"]})
    total = all_visits[all_visits["fault"].isin(VISITS)].groupby("sls_code").size()
    finished = count >= total.reindex(rts.index).fillna(0).to_numpy()
    abandoned = (fault.isin(["partly_skipped", "few_missed"]) & finished
                 & ((day - last).dt.days >= stalled_days))
    started = count > 0
    stalled = started & ~complete & ((in_pause & before).fillna(False).to_numpy()
                                     | abandoned.fillna(False).to_numpy())
    label = np.select(
        [complete, (start > day).to_numpy(), stalled,
         (count < under_ratio * target.to_numpy() * share.to_numpy())],
        ["complete", "not_reached", "stalled", "behind"], "on_pace")
    return pd.Series(label, index=rts.index, name="truth")
