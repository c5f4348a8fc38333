"""The schedule on the sample world cut by day: owners, statuses during fieldwork, tomorrow.

The demo's interviews are cut after days 7, 14 and 30 of fieldwork (a supervisor's evening)
and run with the sample's assignment file. Each supervisor's part of tomorrow's plan lists
every RT of their enumerators with a task, no supervisor gets an RT outside their
assignment, and ``not_reached`` / ``behind`` / ``stalled`` / ``complete`` agree with the
sample's truth (:func:`cakupan.sample.plan.truth_statuses`);
``python -m tests.schedule_agreement city`` prints the figures.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cakupan._flow import Inputs, one_pass, read_files
from cakupan.config import Config
from cakupan.measure import schedule
from cakupan.render.worklist import worklist_sheets
from cakupan.sample import make_world, write_world
from tests.schedule_agreement import DAYS, agreement, run_cut

_RT = ["kelurahan_code", "rw", "rt"]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    world = make_world("small")
    return world, write_world(world, tmp_path_factory.mktemp("small"))


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    world = make_world("city")
    return world, write_world(world, tmp_path_factory.mktemp("city"))


def check_plan_sheet(world, result):
    """Tomorrow's plan: every assigned RT under its own supervisor, each with a task."""
    plan = worklist_sheets(result, lang="en")["Tomorrow's plan"]
    listed = plan.rename(columns={"Supervisor (PML)": "supervisor_id",
                                  "Enumerator (PPL)": "enumerator_id",
                                  "Kelurahan code": "kelurahan_code", "RW": "rw", "RT": "rt"})
    keys = ["supervisor_id", "enumerator_id", *_RT]
    assigned = world.assignments[keys]
    assert sorted(map(tuple, listed[keys].to_numpy())) == sorted(
        map(tuple, assigned.to_numpy()))
    assert listed["Tomorrow's task"].notna().all() and listed["Tomorrow's task"].ne("").all()
    assert (listed["Tomorrow's target (households)"] >= 1).all()
    left = listed[listed["Households missing"] > 0]
    busy = left["Tomorrow's task"].str.contains("^(?:finish|continue) RT", regex=True)
    # every enumerator with households left has tomorrow's work, within the day's target
    assert busy.groupby(left["enumerator_id"]).any().all()
    assert set(listed["Data as of"]) == {result.schedule.as_of}
    revisit = worklist_sheets(result, lang="en")["RTs to revisit"]
    owner = world.assignments.set_index(_RT)["supervisor_id"]
    shown = revisit.set_index(["Kelurahan code", "RW", "RT"])["Supervisor (PML)"]
    assert (owner.reindex(shown.index).to_numpy() == shown.to_numpy()).all()
    return listed


def test_assignment_file_of_the_sample_world(small):
    world, paths = small
    frame = pd.read_csv(paths["assignments"], dtype=str)
    assert len(frame) == len(world.truth_rt)
    per_supervisor = frame.groupby("supervisor_id")
    assert per_supervisor["enumerator_id"].nunique().between(4, 6).mean() > 0.9
    assert per_supervisor["sls_code"].size().median() >= 7
    assert frame["planned_start"].min() >= "2022-10-15"
    assert frame["planned_end"].max() <= "2022-11-14"
    truth = pd.read_csv(paths["truth_plan"])
    assert (truth["pace_factor"] > 1).any() and truth["pause_days"].gt(0).any()


def test_day_14_of_the_small_world(small, tmp_path):
    world, paths = small
    result, truth = run_cut(world, paths, 14, tmp_path)
    assert result.schedule.during and not result.schedule.inferred
    assert result.schedule.as_of_text.startswith("2022-10-28")
    check_plan_sheet(world, result)
    revisit = worklist_sheets(result, lang="en")["RTs to revisit"]
    # during fieldwork: the RTs behind or stalled, not those keeping up or not yet due
    # (and complete ones still missing more than worklist_min_missing households)
    assert set(revisit["Status"]) - {"complete"} == {"behind", "stalled"}
    complete = revisit[revisit["Status"].eq("complete")]
    assert (complete["Households missing"] > Config().coverage.worklist_min_missing).all()
    late = revisit[revisit["Status"].ne("complete")]
    assert late["Reason"].str.contains("; (?:behind|stalled): ", regex=True).all()
    table = agreement(result, truth).set_index("status")
    assert (table["truth"] > 0).all()
    assert (table["recall"] >= 0.85).all() and (table["precision"] >= 0.85).all()


def test_without_assignments_owners_are_inferred(small, tmp_path):
    world, paths = small
    result = one_pass(read_files(Inputs(paths["boundaries"], paths["interviews"],
                                        paths["units"], paths["prelist"])))
    plan = result.schedule.plan
    assert result.schedule.inferred
    assert set(plan["owner_source"]) <= {"interviews", "nearest"}
    # an RT without interviews goes to the owner of the nearest RT in its kelurahan, so one
    # supervisor does not get a kelurahan's unvisited RTs wholesale
    truth = world.assignments.set_index(_RT)["enumerator_id"]
    same = plan.set_index(_RT)["enumerator_id"] == truth.reindex(
        pd.MultiIndex.from_frame(plan[_RT])).to_numpy()
    assert same.mean() > 0.95
    assert plan.groupby("supervisor_id").size().max() < 20
    sheet = worklist_sheets(result, lang="id")["Rencana besok"]
    assert set(sheet["Penugasan"]) <= {"diduga dari wawancara", "diduga dari RT terdekat"}


def test_statuses_after_the_window_are_the_base_ones(small):
    world, paths = small
    result = one_pass(read_files(Inputs(paths["boundaries"], paths["interviews"],
                                        paths["units"], paths["prelist"],
                                        assignments=paths["assignments"])))
    assert result.schedule.as_of_text.startswith("2022-11-14")
    assert not result.schedule.during
    assert not result.coverage["status"].isin(schedule.SCHEDULE_STATUSES).any()


@pytest.mark.slow
@pytest.mark.parametrize("days", DAYS)
def test_demo_cut_by_day_agrees_with_the_truth(city, tmp_path, days):
    world, paths = city
    result, truth = run_cut(world, paths, days, tmp_path)
    check_plan_sheet(world, result)
    table = agreement(result, truth).set_index("status")
    print(f"\nday {days}:\n{table.round(3).to_string()}")
    given = table[table["truth"] > 0]
    assert (given["recall"] >= 0.9).all() and (given["precision"] >= 0.85).all()


def test_validate_shows_the_assignments(small):
    import cakupan
    from cakupan.cli import format_summary

    _, paths = small
    table = cakupan.validate(paths["boundaries"], assignments=paths["assignments"])
    row = table.set_index("input").loc["assignments"]
    assert row["rows_read"] == row["rows_usable"] == len(pd.read_csv(paths["assignments"]))
    assert "enumerator_id <- enumerator_id" in row["columns"]
    assert "planned_start <- planned_start" in row["columns"]
    assert "assignments " in format_summary(table)
