"""The tally of checked interviews adds up over parts of the rows to the tally of them all."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cakupan import _flow as pipeline
from cakupan.detect import tally


@pytest.fixture(scope="module")
def checked(tiny_inputs):
    return pipeline.one_pass(pipeline.read_files(tiny_inputs)).interviews


def _local_clusters(part: pd.DataFrame) -> pd.DataFrame:
    """Number a part's clusters 1, 2, ... by first row, as a check of the part alone does."""
    ids = part["cluster_id"]
    order = pd.unique(ids.dropna())
    return part.assign(cluster_id=ids.map({c: n + 1 for n, c in enumerate(order)})
                       .astype("Int64"))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tallies_of_enumerator_parts_add_up_to_the_whole(checked, seed):
    enumerators = checked["enumerator_id"].astype("string").fillna("")
    names = enumerators.unique()
    part_of = dict(zip(names, np.random.default_rng(seed).integers(0, 3, len(names)),
                       strict=True))
    part = enumerators.map(part_of).to_numpy()
    parts = [_local_clusters(tally.compact(checked[part == p].astype(
        {c: "string" for c in tally.CATEGORIES if c in checked}))) for p in range(3)]
    assert sum(len(p) for p in parts) == len(checked)
    whole, added = tally.tally(checked), tally.combine([tally.tally(p) for p in parts])
    assert added.rows == whole.rows
    for name in ("status", "days"):
        pd.testing.assert_series_equal(getattr(added, name), getattr(whole, name))
    for name in ("by_rt", "enumerators", "officers", "pairs"):
        pd.testing.assert_frame_equal(getattr(added, name), getattr(whole, name))
    pd.testing.assert_frame_equal(added.flagged, whole.flagged, check_categorical=False)
    assert whole.flagged["cluster_id"].notna().any()


def test_a_tally_of_text_is_the_tally_of_categoricals(checked):
    """A run by parts tallies its rows as text; one pass, as categoricals. The rows a tally
    keeps are categoricals of the values they hold either way."""
    text = checked.astype({c: "string" for c in tally.CATEGORIES if c in checked})
    got, expected = tally.tally(text, points=True), tally.tally(checked, points=True)
    for name in ("flagged", "points", "by_rt", "enumerators", "pairs"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name))
    flags = got.flagged["flags"]
    assert isinstance(flags.dtype, pd.CategoricalDtype)
    assert set(flags.cat.categories) == set(flags.dropna())  # no category left unused


def test_points_are_kept_when_asked_or_few(checked, monkeypatch):
    counted = int(checked["status"].eq("counted").sum())
    parts = [checked.iloc[:500], checked.iloc[500:]]
    monkeypatch.setattr(tally, "POINTS_KEPT", counted)
    assert len(tally.combine([tally.tally(p) for p in parts]).points) == counted
    monkeypatch.setattr(tally, "POINTS_KEPT", counted - 1)
    assert tally.tally(checked).points is None
    assert tally.combine([tally.tally(p) for p in parts]).points is None
    kept = tally.combine([tally.tally(p, points=True) for p in parts], points=True).points
    pd.testing.assert_frame_equal(kept, tally.tally(checked, points=True).points)


def test_a_tally_needs_only_the_columns_it_has():
    frame = pd.DataFrame({"status": ["counted", "outside_area"], "lon": [106.6, 1e300],
                          "lat": [-6.2, 0.0], "kelurahan_code": ["1", None],
                          "rw": "001", "rt": "002"})
    t = tally.tally(frame)
    assert t.by_rt["located"].sum() == 1  # a position off the globe is not a place
    assert t.by_rt.loc[t.by_rt["counted"], "lon"].item() == 106_600_000_000
    assert t.enumerators["interviews"].sum() == 2 and t.flagged.empty
