import numpy as np
import pandas as pd
import pytest

from cakupan.config import Checks, Config
from cakupan.measure.progress import daily_counts, daily_progress, daily_series, projection

CHECKS = Checks()
KEL_A, KEL_B, KEL_C = "3671010001", "3671010002", "3671020001"


def interviews(rows):
    """rows: (kelurahan, day, count, status)."""
    records = []
    for kelurahan, day, count, status in rows:
        for k in range(count):
            records.append(
                {
                    "kelurahan_code": kelurahan,
                    "status": status,
                    "interviewed_at": pd.Timestamp(day) + pd.Timedelta(hours=9, minutes=k),
                }
            )
    out = pd.DataFrame(records)
    out["kelurahan_code"] = out["kelurahan_code"].astype("string")
    out["status"] = out["status"].astype("string")
    return out


EXPECTED = pd.DataFrame(
    {
        "level": ["kecamatan", "kecamatan", "kelurahan", "kelurahan", "kelurahan", "rt"],
        "code": ["3671010", "3671020", KEL_A, KEL_B, KEL_C, "x"],
        "parent_code": [pd.NA, pd.NA, "3671010", "3671010", "3671020", KEL_A],
        "expected_households": [310.0, 62.0, 155.0, 155.0, 62.0, 5.0],
    }
)

DATA = interviews(
    [
        (KEL_A, "2022-10-15", 5, "counted"),
        (KEL_A, "2022-10-16", 5, "counted"),
        (KEL_A, "2022-10-16", 3, "duplicate"),  # not counted
        (KEL_B, "2022-10-17", 2, "counted"),
        (KEL_A, "2022-10-18", 5, "counted"),
        (KEL_C, "2022-10-15", 62, "counted"),  # done on day one
    ]
)


def test_daily_cumulative_per_kelurahan_and_kecamatan():
    daily = daily_progress(DATA, EXPECTED, CHECKS)
    assert list(daily.columns) == [
        "level",
        "code",
        "parent_code",
        "date",
        "counted",
        "cumulative",
        "expected_households",
        "share",
    ]
    days = pd.date_range("2022-10-15", "2022-10-18")
    a = daily[(daily.level == "kelurahan") & (daily.code == KEL_A)]
    assert a["date"].tolist() == list(days)
    assert a["counted"].tolist() == [5, 5, 0, 5]
    assert a["cumulative"].tolist() == [5, 10, 10, 15]
    assert a["share"].tolist() == [round(c / 155, 4) for c in (5, 10, 10, 15)]
    assert a["parent_code"].unique().tolist() == ["3671010"]
    kec = daily[(daily.level == "kecamatan") & (daily.code == "3671010")]
    assert kec["cumulative"].tolist() == [5, 10, 12, 17]
    assert daily["level"].iloc[0] == "kecamatan"
    assert set(daily["level"]) == {"kecamatan", "kelurahan"}  # rt rows ignored
    # conservation: kecamatan totals are the sums of their kelurahan
    last = daily[daily.date == days[-1]]
    kel = last[last.level == "kelurahan"].groupby("parent_code")["cumulative"].sum()
    kec = last[last.level == "kecamatan"].set_index("code")["cumulative"]
    assert kel.to_dict() == kec.to_dict()


def test_daily_as_of_cuts_later_interviews():
    daily = daily_progress(DATA, EXPECTED, Config(), as_of="2022-10-16")
    assert daily["date"].max() == pd.Timestamp("2022-10-16")
    a = daily[(daily.level == "kelurahan") & (daily.code == KEL_A)]
    assert a["cumulative"].tolist() == [5, 10]


def test_daily_unit_without_expected_and_kecamatan_from_code():
    data = interviews(
        [(KEL_A, "2022-10-15", 1, "counted"), ("3671030009", "2022-10-15", 2, "counted")]
    )
    expected = EXPECTED.drop(columns="parent_code")
    daily = daily_progress(data, expected, CHECKS)
    new = daily[daily.code == "3671030009"].iloc[0]
    assert (new.parent_code, new.cumulative) == ("3671030", 2)
    assert np.isnan(new.expected_households) and np.isnan(new.share)
    kec = daily[(daily.level == "kecamatan") & (daily.code == "3671030")]
    assert kec["cumulative"].tolist() == [2]


def test_daily_starts_at_fieldwork_start_or_earlier_interview():
    data = interviews([(KEL_A, "2022-10-13", 1, "counted"), (KEL_A, "2022-10-16", 1, "counted")])
    daily = daily_progress(data, EXPECTED, CHECKS)
    assert daily["date"].min() == pd.Timestamp("2022-10-13")
    data = interviews([(KEL_A, "2022-10-17", 1, "counted")])
    daily = daily_progress(data, EXPECTED, CHECKS)
    assert daily["date"].min() == pd.Timestamp("2022-10-15")


def test_projection_pace_finish_and_stalled():
    daily = daily_progress(DATA, EXPECTED, CHECKS)
    result = projection(daily, CHECKS, as_of="2022-10-18").set_index(["level", "code"])
    a = result.loc[("kelurahan", KEL_A)]
    assert (a.counted, a.remaining, a.days_left) == (15, 140, 27)
    assert a.pace_needed == pytest.approx(140 / 27)
    assert a.recent_pace == round(15 / 4, 2)  # 4 days seen, fewer than the 7-day window
    assert a.projected_finish == pd.Timestamp("2022-10-18") + pd.Timedelta(days=38)
    assert not a.on_track
    # planned pace 155 / 31 = 5 a day: stalled below 0.25 * 5 * 3 = 3.75 in the last 3 days
    assert a.recent_counted == 10 and not a.stalled
    b = result.loc[("kelurahan", KEL_B)]
    assert b.recent_counted == 2 and b.stalled
    c = result.loc[("kelurahan", KEL_C)]
    assert (c.remaining, c.pace_needed, c.stalled) == (0, 0.0, False)
    assert c.projected_finish == pd.Timestamp("2022-10-15") and c.on_track
    assert result.reset_index()["level"].iloc[0] == "kecamatan"


def test_projection_no_pace_and_no_days_left():
    data = interviews([(KEL_A, "2022-10-15", 5, "counted"), (KEL_A, "2022-11-14", 0, "counted")])
    daily = daily_progress(data, EXPECTED, CHECKS, as_of="2022-11-14")
    result = projection(daily, CHECKS).set_index(["level", "code"])
    b = result.loc[("kelurahan", KEL_B)]
    assert (b.counted, b.days_left, b.recent_pace) == (0, 0, 0.0)
    assert np.isinf(b.pace_needed)
    assert pd.isna(b.projected_finish) and not b.on_track and b.stalled


def test_projection_mid_fieldwork_as_of():
    daily = daily_progress(DATA, EXPECTED, CHECKS)
    early = projection(daily, CHECKS, as_of="2022-10-16").set_index(["level", "code"])
    assert early.loc[("kelurahan", KEL_A)].counted == 10
    assert early.loc[("kelurahan", KEL_A)].days_left == 29


def test_series_of_the_run_is_the_sum_of_the_kecamatan_series():
    from cakupan.detect.tally import tally

    series = daily_series(DATA)
    assert series["date"].tolist() == list(pd.date_range("2022-10-15", "2022-10-18"))
    assert series["counted"].tolist() == [67, 5, 2, 5]
    assert series["cumulative"].tolist() == [67, 72, 74, 79]
    pd.testing.assert_frame_equal(daily_series(tally(DATA)), series)
    daily = daily_progress(DATA, EXPECTED, CHECKS)
    kecamatan = daily[daily.level == "kecamatan"].groupby("date")["cumulative"].sum()
    assert kecamatan.tolist() == series["cumulative"].tolist()


def test_series_without_interviews_is_empty():
    assert daily_series(None).empty
    assert daily_series(DATA.assign(status="duplicate")).empty


def test_daily_counts_per_unit_run_per_unit():
    counts = pd.Series([1, 2], index=pd.MultiIndex.from_tuples(
        [("a", pd.Timestamp("2022-10-16")), ("b", pd.Timestamp("2022-10-15"))],
        names=["code", "date"]))
    daily = daily_counts(counts, pd.date_range("2022-10-15", "2022-10-16"), ["a", "b", "c"])
    assert daily.columns.tolist() == ["code", "date", "counted", "cumulative"]
    assert daily["counted"].tolist() == [0, 1, 2, 0, 0, 0]
    assert daily["cumulative"].tolist() == [0, 1, 2, 2, 0, 0]
