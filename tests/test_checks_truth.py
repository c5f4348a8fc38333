"""Interview checks scored against the city demo's ground truth."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

pytestmark = pytest.mark.slow


def _scored(demo):
    out = pd.read_csv(demo / "interviews.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(demo / "truth" / "interviews.csv", dtype=str, keep_default_na=False)
    assert out["interview_id"].tolist() == truth["interview_id"].tolist()
    out["fault"] = truth["fault"]
    out["flag_set"] = out["flags"].str.split(";")
    return out


def _has(frame, *flags):
    return frame["flag_set"].map(lambda found: any(f in found for f in flags))


def test_invented_interviews_are_flagged_and_genuine_ones_are_not(city_demo):
    out = _scored(city_demo)
    invented = out[out["fault"] == "invented"]
    genuine = out[out["fault"] == ""]
    caught = (invented["doubtful"] == "True").mean()
    false_alarm = (genuine["doubtful"] == "True").mean()
    any_flag = (genuine["flags"] != "").mean()
    print(f"\ninvented interviews: {len(invented)}, flagged as invented: {caught:.3f}; genuine: "
          f"{len(genuine)}, flagged as invented: {false_alarm:.4f} (any flag: {any_flag:.3f})")
    assert len(invented) > 200
    assert caught >= 0.90
    assert false_alarm <= 0.02


def test_every_duplicate_and_every_too_fast_trip_is_found(city_demo):
    out = _scored(city_demo)
    repeats = out[out["fault"] == "repeat_submission"]
    trips = out[out["fault"] == "too_fast_trip"]
    found = (repeats["status"] == "duplicate") | _has(repeats, "duplicate_household_id")
    fast = _has(trips, "too_fast_travel")
    print(f"\nrepeated submissions: {len(repeats)}, found: {found.mean():.3f}; too-fast trips: "
          f"{len(trips)}, found: {fast.mean():.3f}")
    assert len(repeats) > 1000 and len(trips) > 100
    assert found.all(), repeats[~found].head()
    assert fast.all(), trips[~fast].head()


def test_rts_hidden_by_invented_interviews_show_as_undercounted(city_demo):
    out = _scored(city_demo)
    hidden = out.loc[out["fault"] == "invented", ["kelurahan_code", "rw", "rt"]].drop_duplicates()
    coverage = pd.read_csv(city_demo / "coverage.csv", dtype=str, keep_default_na=False)
    rt = coverage[coverage["level"] == "rt"].merge(hidden, on=["kelurahan_code", "rw", "rt"])
    print(f"\nRTs with invented interviews: {len(rt)}, under or not started: "
          f"{rt['status'].isin(['under', 'not_started']).mean():.3f}")
    assert len(rt) == len(hidden) > 5
    assert rt["status"].isin(["under", "not_started"]).all()


def test_worklist_rows_match_the_csv_outputs(city_demo):
    book = openpyxl.load_workbook(city_demo / "worklist.xlsx", read_only=True)
    rts, verify, call = (list(book[name].iter_rows(values_only=True))
                         for name in book.sheetnames)
    coverage = pd.read_csv(city_demo / "coverage.csv", dtype=str, keep_default_na=False)
    revisit = coverage[(coverage["level"] == "rt")
                       & coverage["status"].isin(["under", "not_started"])]
    header = rts[0]
    listed = {(r[header.index("Kode kelurahan")], r[header.index("RW")], r[header.index("RT")])
              for r in rts[1:]}
    assert len(rts) - 1 == len(listed) == len(revisit)
    assert listed == set(zip(revisit["kelurahan_code"], revisit["rw"], revisit["rt"], strict=True))
    out = pd.read_csv(city_demo / "interviews.csv", dtype=str, keep_default_na=False)
    to_check = out[(out["flags"] != "") | (out["location_check"] == "far_outside")]
    column = verify[0].index("ID wawancara")
    assert sorted(r[column] for r in verify[1:]) == sorted(to_check["interview_id"])
    enumerators = call[0].index("Petugas (PPL)")
    assert {r[enumerators] for r in call[1:]} <= set(out["enumerator_id"])
