"""Tomorrow's plan: each enumerator's RTs and what to do tomorrow, grouped by supervisor.

Takes the run's schedule (:class:`cakupan.measure.schedule.Schedule`: owners, planned dates
and pace), the coverage table, the blind spots and the flagged interviews (the tally's
``flagged`` piece), and returns one worklist sheet: a row per RT of every enumerator, under
the supervisor who owns it (an RT is listed under its owner only: a supervisor never gets an
RT outside their assignment), with its target, counted and missing households, the
enumerator's planned and recent pace and tomorrow's task in words.

Tomorrow's work is sized to the enumerator's own pace: their mean households a day over the
last ``pace_window_days`` (the planned pace when they have not worked yet), rounded up. The
RTs they have started come first, then the others by planned start; a task says "finish RT
x" when what is left fits in the day, "continue RT x: about n of m" when it does not; RTs
beyond the day's work say when they are planned. A blind spot in the RT and the
enumerator's flagged interviews (up to three IDs) are added to the day's tasks. Computation
only: :mod:`cakupan.render._xlsx` writes the sheet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cakupan import formats
from cakupan.labels import labels as words
from cakupan.measure.schedule import Schedule
from cakupan.render._places import places

_RT = ["kelurahan_code", "rw", "rt"]
#: Flagged interview IDs named in a task; the rest are on the sheet of interviews to verify.
IDS_SHOWN = 3


def plan_sheet(schedule: Schedule, coverage: pd.DataFrame, blind_spots=None, flagged=None,
               lang: str = "id") -> pd.DataFrame:
    """Return tomorrow's plan as a sheet (headers in ``lang``), see the module docstring."""
    values = words(lang)["value"]
    rows = _rows(schedule, coverage)
    rows = _tomorrow(rows)
    task = _tasks(rows, lang, schedule)
    task = _add(task, _spots(rows, blind_spots, lang), rows["today"] | rows["left"].eq(0))
    first = ~rows["enumerator_id"].duplicated()
    task = _add(task, _verify(rows, flagged, lang), first)
    out = pd.DataFrame({
        "supervisor_id": rows["supervisor_id"].fillna(values["no_supervisor"]),
        "koseka_id": rows["koseka_id"],
        "enumerator_id": rows["enumerator_id"],
        "kecamatan": rows["kecamatan"],
        "kelurahan_code": rows["kelurahan_code"],
        "kelurahan": rows["kelurahan"],
        "rw": rows["rw"],
        "rt": rows["rt"],
        "name": rows["name"],
        "planned_start": rows["planned_start"],
        "planned_end": rows["planned_end"],
        "expected_households": rows["expected"].astype("float64").round(0),
        "counted_households": rows["counted_households"],
        "gap_households": rows["left"],
        "status": rows["status"].map(values).astype("string").fillna(rows["status"]),
        "planned_pace": rows["planned_pace"].round(1),
        "recent_pace": rows["recent_pace"].round(1),
        "capacity": rows["capacity"],
        "task": task,
        "owner_source": ("owner_" + rows["owner_source"].fillna("nearest")).map(values),
        "data_as_of": schedule.as_of,
    })
    return out.rename(columns=words(lang)["column"]).reset_index(drop=True)


def pace_sheet(schedule: Schedule, lang: str = "id") -> pd.DataFrame:
    """Return each supervisor's and enumerator's progress against the plan, as a sheet.

    One row per supervisor, followed by their enumerators: expected households of their RTs,
    planned by the data's day, counted (their own interviews), planned and recent pace,
    the pace needed to finish in the window and the projected finish.
    """
    column, values = words(lang)["column"], words(lang)["value"]
    pace = schedule.pace
    if pace is None or pace.empty:
        pace = pd.DataFrame(columns=["level", "code", "expected_households", "counted",
                                     "planned_so_far", "planned_pace", "recent_pace",
                                     "pace_needed", "projected_finish", "on_track"])
    boss = schedule.plan.dropna(subset=["enumerator_id"]).drop_duplicates("enumerator_id")
    boss = boss.set_index("enumerator_id")["supervisor_id"]
    officers = pace[pace["level"].isin(["supervisor", "enumerator"])].copy()
    enumerator = officers["level"].eq("enumerator")
    officers["supervisor_id"] = officers["code"].where(
        ~enumerator, boss.reindex(officers["code"]).to_numpy())
    officers["enumerator_id"] = officers["code"].where(enumerator, "")
    officers = officers.sort_values(["supervisor_id", "enumerator_id"], na_position="last",
                                    kind="stable")
    out = pd.DataFrame({
        "supervisor_id": officers["supervisor_id"].astype("string").fillna(
            values["no_supervisor"]),
        "enumerator_id": officers["enumerator_id"].astype("string"),
        "expected_households": officers["expected_households"].astype("float64").round(0),
        "planned_so_far": officers["planned_so_far"].astype("float64").round(0),
        "counted_households": officers["counted"].astype("Int64"),
        "planned_pace": officers["planned_pace"].astype("float64").round(1),
        "recent_pace": officers["recent_pace"].astype("float64").round(1),
        "pace_needed": officers["pace_needed"].astype("float64").round(1),
        "projected_finish": pd.to_datetime(officers["projected_finish"]),
        "data_as_of": schedule.as_of,
    })
    return out.rename(columns=column).reset_index(drop=True)


def _rows(schedule: Schedule, coverage: pd.DataFrame) -> pd.DataFrame:
    """Return the plan's RTs with their coverage row, names and their enumerator's pace."""
    rts = coverage[coverage["level"].eq("rt")].set_index("code")
    plan = schedule.plan.copy()
    rt = rts.reindex(plan["code"])
    plan["name"] = rt["name"].astype("string").to_numpy()
    plan["status"] = rt["status"].astype("string").fillna("no_expected").to_numpy()
    plan["counted_households"] = rt["counted_households"].fillna(0).astype("int64").to_numpy()
    plan["left"] = rt["gap_households"].fillna(0).astype("float64").round(0).to_numpy()
    kecamatan, kelurahan = places(coverage, plan["kelurahan_code"])
    plan["kecamatan"], plan["kelurahan"] = kecamatan.to_numpy(), kelurahan.to_numpy()
    pace = schedule.pace
    if pace is None or pace.empty:
        pace = pd.DataFrame(columns=["level", "code", "recent_pace", "planned_pace"])
    own = pace[pace["level"].eq("enumerator")].set_index("code")
    plan["recent_pace"] = own["recent_pace"].reindex(plan["enumerator_id"]).astype(
        "float64").to_numpy()
    plan["planned_pace"] = own["planned_pace"].reindex(plan["enumerator_id"]).astype(
        "float64").to_numpy()
    return plan


def _tomorrow(rows: pd.DataFrame) -> pd.DataFrame:
    """Order each enumerator's RTs and mark those of tomorrow's work (``today``, ``amount``)."""
    pace = rows["recent_pace"].where(rows["recent_pace"] > 0, rows["planned_pace"])
    rows["capacity"] = np.ceil(pace.fillna(1).clip(lower=1)).astype("int64")
    started = (rows["counted_households"] > 0) & (rows["left"] > 0)
    rows["_order"] = np.select([started, rows["left"] > 0], [0, 1], 2)
    rows = rows.sort_values(["supervisor_id", "enumerator_id", "_order", "planned_start",
                             "code"], na_position="last", kind="stable")
    who = rows["enumerator_id"].fillna("?")
    before = rows.groupby(who, sort=False)["left"].cumsum() - rows["left"]
    rows["amount"] = np.minimum(rows["left"], (rows["capacity"] - before).clip(lower=0))
    rows["today"] = (rows["left"] > 0) & (rows["amount"] > 0)
    return rows.drop(columns="_order")


def _tasks(rows: pd.DataFrame, lang: str, schedule: Schedule) -> pd.Series:
    """Return the RT's task in words: finish, continue, later, after the RTs above, or done."""
    text = words(lang)["text"]
    rt, rw = rows["rt"].astype("string"), rows["rw"].astype("string")
    n = _number(rows["amount"], lang)
    left = _number(rows["left"], lang)
    finish = formats.fill(text["finish"], {"rt": rt, "rw": rw, "n": left})
    keep = formats.fill(text["continue"], {"rt": rt, "rw": rw, "n": n, "left": left})
    date = formats.texts(rows["planned_start"], formats.date, lang)
    later = formats.fill(text["later"], {"date": date})
    tomorrow = (schedule.day + pd.Timedelta(days=1)) if pd.notna(schedule.day) else pd.NaT
    not_yet = (rows["planned_start"] > tomorrow).fillna(False)
    out = np.select(
        [rows["today"] & (rows["amount"] >= rows["left"]), rows["today"],
         (rows["left"] > 0) & not_yet, rows["left"] > 0],
        [finish, keep, later, pd.Series(text["afterwards"], index=rows.index)],
        text["done"])
    return pd.Series(out, index=rows.index, dtype="string")


def _spots(rows: pd.DataFrame, blind_spots, lang: str) -> pd.Series:
    """Return the largest blind spot of each RT, as a task ("" where none)."""
    text = words(lang)["text"]
    none = pd.Series("", index=rows.index, dtype="string")
    if blind_spots is None or not len(blind_spots):
        return none
    spots = pd.DataFrame(blind_spots.drop(columns="geometry", errors="ignore"))
    spots = spots.dropna(subset=_RT).sort_values("rank").drop_duplicates(_RT)
    spots = spots.set_index(_RT).reindex(pd.MultiIndex.from_frame(rows[_RT]))
    said = formats.fill(text["blind_spot"], {
        "rank": _number(pd.Series(spots["rank"].to_numpy()), lang),
        "n": _number(pd.Series(spots["estimated_households"].to_numpy()), lang)})
    said.index = rows.index
    return said.where(spots["rank"].notna().to_numpy(), "")


def _verify(rows: pd.DataFrame, flagged, lang: str) -> pd.Series:
    """Return each enumerator's flagged interviews, as a task ("" where none)."""
    text = words(lang)["text"]
    none = pd.Series("", index=rows.index, dtype="string")
    if flagged is None or not len(flagged) or "enumerator_id" not in flagged:
        return none
    ids = flagged[["enumerator_id", "interview_id"]].dropna().astype("string")
    grouped = ids.groupby("enumerator_id", observed=True)["interview_id"]
    count = grouped.size()
    shown = grouped.agg(lambda s: ", ".join(s.iloc[:IDS_SHOWN]))
    shown = shown + np.where(count > IDS_SHOWN, ", ...", "")
    n = count.reindex(rows["enumerator_id"])
    ids = pd.Series(shown.reindex(rows["enumerator_id"]).to_numpy(), dtype="string")
    said = formats.fill(text["verify"], {"n": _number(pd.Series(n.to_numpy()), lang),
                                         "ids": ids.fillna("")})
    said.index = rows.index
    return said.where(n.notna().to_numpy(), "")


def _add(task: pd.Series, more: pd.Series, where) -> pd.Series:
    """Append ``more`` to ``task`` ("; "-separated) where ``where`` and ``more`` says any."""
    where = pd.Series(np.asarray(where, dtype=bool), index=task.index) & more.ne("")
    done = task.eq(words("id")["text"]["done"]) | task.eq(words("en")["text"]["done"])
    joined = (task + "; " + more).where(~done, more)
    return task.where(~where, joined)


def _number(values: pd.Series, lang: str) -> pd.Series:
    """Return whole numbers as the language writes them."""
    return formats.texts(pd.to_numeric(values, errors="coerce").round(), formats.number, lang)
