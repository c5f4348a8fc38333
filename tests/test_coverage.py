"""Coverage statuses, gaps and roll-ups on a hand-built kelurahan."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cakupan.config import Coverage
from cakupan.measure.coverage import COLUMNS, measure
from tests.settlement_scores import contradictions

KEL = pd.DataFrame({"kelurahan_code": ["3671011001", "3671011002"],
                    "kelurahan_name": ["Sukarasa", "Sukaasih"],
                    "kecamatan_code": ["367101", "367101"],
                    "kecamatan_name": ["Tangerang", "Tangerang"]})


def _interviews(counts, doubtful=None):
    rows = []
    for (kel, rw, rt), n in counts.items():
        rows += [{"status": "counted", "kelurahan_code": kel, "rw": rw, "rt": rt}] * n
    frame = pd.DataFrame(rows).astype("string")
    frame["doubtful"] = False
    for i in doubtful or []:
        frame.loc[i, "doubtful"] = True
    return frame


def _expected(values):
    return pd.DataFrame([{"kelurahan_code": k, "rw": w, "rt": t, "expected_households": float(v),
                          "expected_source": "prelist"} for (k, w, t), v in values.items()])


def test_every_status_and_gap():
    counts = {("3671011001", "001", "001"): 100, ("3671011001", "001", "002"): 50,
              ("3671011001", "002", "001"): 130, ("3671011001", "002", "003"): 5}
    expected = {("3671011001", "001", "001"): 100, ("3671011001", "001", "002"): 100,
                ("3671011001", "002", "001"): 100, ("3671011001", "002", "002"): 80}
    table = measure(_interviews(counts), _expected(expected), KEL)
    assert list(table.columns[: len(COLUMNS)]) == list(COLUMNS)
    table = table.set_index("code")
    rt = {code[-6:]: (row.status, row.gap_households) for code, row in table.iterrows()
          if row.level == "rt"}
    assert rt == {"001001": ("complete", 0), "001002": ("under", 50), "002001": ("over", 0),
                  "002002": ("not_started", 80), "002003": ("no_expected", 0)}
    kel = table.loc["3671011001"]
    assert kel.counted_households == 285 and kel.expected_households == 380
    assert kel.gap_households == 130  # 50 + 80: the over-counted RT hides nothing
    assert table.loc["3671011002"].status == "no_expected"
    assert table.loc["367101"].parent_code == "3671"
    assert table.loc["3671011001002"].parent_code == "3671011001"


def test_doubtful_households_do_not_complete_an_rt():
    counts = {("3671011001", "001", "001"): 100}
    expected = {("3671011001", "001", "001"): 100}
    table = measure(_interviews(counts, doubtful=range(40)), _expected(expected), KEL)
    rt = table[table["level"].eq("rt")].iloc[0]
    assert (rt.counted_households, rt.doubtful_households) == (100, 40)
    assert rt.coverage_ratio == pytest.approx(0.6)
    assert (rt.status, rt.gap_households) == ("under", 40)


@pytest.mark.parametrize(("doubtful", "status"), [(51, "doubtful"), (100, "doubtful"),
                                                  (50, "under"), (0, "complete")])
def test_an_rt_mostly_in_doubt_is_doubtful_never_not_started(doubtful, status):
    counts = {("3671011001", "001", "001"): 100}
    expected = {("3671011001", "001", "001"): 100}
    table = measure(_interviews(counts, doubtful=range(doubtful)), _expected(expected), KEL)
    table = table[table["counted_households"] > 0]
    assert set(table["status"]) == {status}  # the RT, and every level above it
    assert len(table) == 4 and (table["doubtful_households"] == doubtful).all()


@pytest.mark.parametrize("ratio, status", [(0.89, "under"), (0.9, "complete"),
                                           (1.1, "complete"), (1.11, "over")])
def test_threshold_edges(ratio, status):
    counts = {("3671011001", "001", "001"): int(ratio * 100)}
    table = measure(_interviews(counts), _expected({("3671011001", "001", "001"): 100}), KEL,
                    Coverage(under_ratio=0.9, over_ratio=1.1))
    assert table[table["level"].eq("rt")]["status"].item() == status


def test_set_aside_rows_are_not_counted():
    frame = _interviews({("3671011001", "001", "001"): 3})
    frame.loc[0, "status"] = "duplicate"
    table = measure(frame, None, KEL)
    assert table[table["level"].eq("rt")]["counted_households"].item() == 2


_RT_ROWS = st.lists(
    st.tuples(st.sampled_from(["3671011001", "3671011002"]), st.sampled_from(["001", "002"]),
              st.sampled_from(["001", "002", "003"]), st.integers(0, 40), st.integers(0, 40),
              st.one_of(st.none(), st.integers(0, 60))),
    max_size=12, unique_by=lambda row: row[:3])


@settings(max_examples=60, deadline=None)
@given(_RT_ROWS)
def test_no_status_contradicts_its_counts_at_any_level(rows):
    """Counted, doubtful and expected in any mix: every unit's status follows its numbers."""
    frames = []
    for kel, rw, rt, counted, doubtful, _ in rows:
        frames += [{"status": "counted", "kelurahan_code": kel, "rw": rw, "rt": rt,
                    "doubtful": k < min(doubtful, counted)} for k in range(counted)]
    interviews = pd.DataFrame(frames or None, columns=["status", "kelurahan_code", "rw", "rt",
                                                        "doubtful"])
    interviews = interviews.astype({c: "string" for c in ("status", "kelurahan_code", "rw", "rt")})
    interviews["doubtful"] = interviews["doubtful"].astype(bool)
    expected = _expected({row[:3]: row[5] for row in rows if row[5] is not None})
    table = measure(interviews, expected if len(expected) else None, KEL)
    assert contradictions(table).empty, contradictions(table).to_string()
    rt = table[table["level"].eq("rt")].set_index("code")
    for kel, rw, rt_code, counted, doubtful, _ in rows:
        if counted:
            row = rt.loc[kel + rw + rt_code]
            assert (row.counted_households, row.doubtful_households) == (
                counted, min(doubtful, counted))
            assert row.status != "not_started"
