"""Row accounting through the whole analysis: nothing dropped, nothing invented."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cakupan._flow import Inputs, one_pass, read_files

#: Cells a broken export can hold in a coordinate column.
BROKEN = st.sampled_from(["", "abc", "0", "106,62", "-6,17", "999", "NaN", " ", "-", "1e400",
                          "106.62.1", "9325000", "680000"])


def test_tiny_run_keeps_every_row_in_order(tiny_inputs):
    result = one_pass(read_files(tiny_inputs))
    source = pd.read_csv(tiny_inputs.interviews, dtype=str, keep_default_na=False)
    assert result.interviews["interview_id"].tolist() == source["interview_id"].tolist()
    account = result.accounting["interviews"]
    assert account["rows_read"] == len(source)
    assert account["rows_counted"] + account["rows_set_aside"] == len(source)
    rt = result.coverage[result.coverage["level"].eq("rt")]
    assert rt["counted_households"].sum() == account["rows_counted"]


@pytest.mark.slow
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_broken_rows_are_accounted_for(tiny_world, tmp_path_factory, data):
    world, paths = tiny_world
    rows = world.interviews.iloc[::97].reset_index(drop=True).astype(str)
    n = len(rows)
    broken = data.draw(st.lists(st.integers(0, n - 1), max_size=30))
    for i in broken:
        column = data.draw(st.sampled_from(["lon", "lat", "interview_id", "household_id",
                                            "interviewed_at", "rt", "gps_accuracy_m"]))
        value = data.draw(BROKEN) if column in ("lon", "lat") else data.draw(
            st.text(max_size=6))
        rows.loc[i, column] = value
    extra = data.draw(st.lists(st.integers(0, n - 1), max_size=10))
    rows = pd.concat([rows, rows.iloc[extra]], ignore_index=True)  # repeated rows
    folder = tmp_path_factory.mktemp("broken")
    rows.to_csv(folder / "interviews.csv", index=False)
    result = one_pass(read_files(Inputs(paths["boundaries"], folder / "interviews.csv",
                                        prelist=paths["prelist"])))
    out = result.interviews
    assert len(out) == len(rows)
    # the line each row starts on: a value holding a line break pushes the next rows down
    lines = out["source_row"].to_numpy()
    assert lines[0] == 2 and (np.diff(lines) >= 1).all()
    account = result.accounting["interviews"]
    assert account["rows_read"] == len(rows)
    assert account["rows_counted"] + account["rows_set_aside"] == len(rows)
    assert account["rows_counted"] == int(out["status"].eq("counted").sum())
    counted = result.coverage[result.coverage["level"].eq("kelurahan")]["counted_households"]
    assert counted.sum() == account["rows_counted"] - int(
        (out["status"].eq("counted") & out["rt"].isna()).sum())
    assert np.isfinite(out.loc[out["status"].eq("counted"), ["x", "y"]].to_numpy()).all()
