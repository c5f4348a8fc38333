"""Evidence weighed: pace and form length tell a made-up spot from a block of flats.

Small hand-built days of one enumerator: what each flag's severity is, what is counted as
doubtful, what reaches the worklist, and the start column read from its usual headers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cakupan.columns import INTERVIEWS
from cakupan.config import Checks
from cakupan.detect.enumerators import enumerator_scores
from cakupan.detect.flags import flag_interviews
from cakupan.normalise.headers import find_columns
from cakupan.render.worklist import build_worklist
from tests.test_checks import frame, has

CHECKS = Checks()
DAY = pd.Timestamp("2022-10-20 08:00")


def _at_one_spot(n, minutes_apart, form_minutes=None, days=1):
    """``n`` interviews within 2 m of one point, ``minutes_apart``, over ``days`` days."""
    rng = np.random.default_rng(4)
    per_day = int(np.ceil(n / days))
    rows = []
    for k in range(n):
        end = DAY + pd.Timedelta(days=k // per_day, minutes=(k % per_day) * minutes_apart)
        row = {"x": rng.uniform(-1, 1), "y": rng.uniform(-1, 1), "t": end}
        if form_minutes is not None:
            row["started_at"] = end - pd.Timedelta(minutes=form_minutes)
        rows.append(row)
    data = frame(rows)
    if form_minutes is not None:
        data["started_at"] = pd.to_datetime(data["started_at"])
    return data


@pytest.mark.parametrize(("minutes_apart", "form", "flag", "severity"), [
    (4, 3, "invented_cluster", "serious"),     # a sitting: forms of 3 minutes, 4 apart
    (20, 5, "invented_cluster", "serious"),    # through the day, but forms of 5 minutes
    (4, None, "invented_cluster", "serious"),  # no start column: the pace alone condemns
    (35, 30, "busy_spot", "note"),             # a block of flats at the pace of real visits
    (35, None, "busy_spot", "verify"),         # the same without durations: worth a look
])
def test_a_spot_is_judged_by_its_pace(minutes_apart, form, flag, severity):
    data = _at_one_spot(30, minutes_apart, form, days=1 if minutes_apart < 30 else 3)
    result = flag_interviews(data, CHECKS)
    assert all(has(result, flag))
    assert set(result["severity"]) == {severity}
    assert result["doubtful"].tolist() == [severity == "serious"] * len(data)


def test_a_cached_fix_in_a_shared_building_is_a_note_a_copied_one_serious():
    rows = [{"x": 0, "y": 0, "t": DAY}, {"x": 0, "y": 0, "t": DAY + pd.Timedelta(minutes=32)},
            {"x": 500, "y": 0, "t": DAY + pd.Timedelta(hours=3)},
            {"x": 500, "y": 0, "t": DAY + pd.Timedelta(hours=3, minutes=3)}]
    result = flag_interviews(frame(rows), CHECKS)
    assert all(has(result, "duplicate_location"))
    assert result["twin_gap_min"].tolist() == [32.0, 32.0, 3.0, 3.0]
    assert result["severity"].tolist() == ["note", "note", "serious", "serious"]
    assert result["doubtful"].tolist() == [False, False, True, True]


def test_poor_gps_is_recorded_and_summarised_but_no_task():
    rows = [{"x": 0, "y": 0, "t": DAY, "gps_accuracy_m": 35.0},
            {"x": 300, "y": 0, "t": DAY + pd.Timedelta(minutes=40)},
            {"x": 600, "y": 0, "t": DAY.replace(hour=22), "gps_accuracy_m": 30.0}]
    data = frame(rows)
    result = flag_interviews(data, CHECKS)
    assert result["flags"].tolist() == ["poor_gps", "", "night_time;poor_gps"]
    assert result["severity"].tolist() == ["note", "", "verify"]
    scores = enumerator_scores(data, result)
    assert (scores.loc[0, "poor_gps"], scores.loc[0, "flagged"]) == (2, 1)
    checked = data.join(result)
    coverage = pd.DataFrame(columns=["level", "code", "parent_code", "name", "kelurahan_code",
                                     "rw", "rt", "counted_households", "expected_households",
                                     "expected_source", "coverage_ratio", "gap_households",
                                     "status"])
    verify = build_worklist(coverage, checked, scores, lang="en")["Interviews to verify"]
    assert verify["Interview ID"].tolist() == ["w2"]  # the night visit, not the poor fix alone
    assert verify["Evidence"].tolist() == ["at 22:00; accuracy 30 m"]


def test_a_short_form_is_worth_a_look():
    rows = [{"x": 0, "y": 0, "t": DAY, "started_at": DAY - pd.Timedelta(minutes=4)},
            {"x": 300, "y": 0, "t": DAY + pd.Timedelta(minutes=40),
             "started_at": DAY + pd.Timedelta(minutes=15)}]
    data = frame(rows)
    data["started_at"] = pd.to_datetime(data["started_at"])
    result = flag_interviews(data, CHECKS)
    assert result["duration_min"].tolist() == [4.0, 25.0]
    assert result["flags"].tolist() == ["short_duration", ""]
    assert result["severity"].tolist() == ["verify", ""]


@pytest.mark.parametrize(("headers", "start", "end"), [
    (["start", "end", "today"], "start", "end"),                       # ODK and Kobo
    (["starttime", "endtime"], "starttime", "endtime"),                # Survey Solutions
    (["START_TIME", "END_TIME"], "START_TIME", "END_TIME"),            # CSPro
    (["waktu_mulai", "waktu_selesai"], "waktu_mulai", "waktu_selesai"),
    (["Jam Mulai", "interviewed_at"], "Jam Mulai", "interviewed_at"),
])
def test_start_and_end_columns_are_found(headers, start, end):
    found = find_columns(pd.DataFrame(columns=["lat", "lon", *headers]), INTERVIEWS, {})
    assert (found["started_at"], found["interviewed_at"]) == (start, end)
