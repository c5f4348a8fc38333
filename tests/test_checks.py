import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import box

from cakupan.config import Checks, Config
from cakupan.detect import location as location_module
from cakupan.detect.enumerators import enumerator_scores
from cakupan.detect.flags import FLAGS, flag_interviews
from cakupan.detect.location import LOCATION_CLASSES, location_check
from cakupan.errors import CRSMismatchError

CHECKS = Checks()

# A (declared) and B share an edge; D lies 3 m above A (a digitising slip: still adjacent);
# C lies 750 m east of A, adjacent to nothing.
UNITS = gpd.GeoSeries(
    [box(0, 0, 100, 100), box(100, 0, 200, 100), box(850, 0, 950, 100), box(0, 103, 100, 200)],
    crs=32748,
)
A = 0


@pytest.mark.parametrize(
    ("x", "y", "accuracy", "expected"),
    [
        (95, 50, 20, "boundary_ambiguous"),  # 5 m inside an edge, 20 m accuracy
        (75, 50, 20, "inside"),  # 25 m inside, 20 m accuracy
        (80, 50, 20, "boundary_ambiguous"),  # circle touches the edge: ambiguous
        (105, 50, 20, "boundary_ambiguous"),  # 5 m outside, circle crosses back in
        (105, 50, 3, "neighbour"),  # 5 m outside, into the adjacent unit
        (150, 112, 15, "neighbour"),  # in no unit, within accuracy of adjacent B
        (50, 150, 5, "neighbour"),  # in D, adjacent across a 3 m strip
        (900, 50, 5, "far_outside"),  # 800 m away in non-adjacent C
        (150, 130, 10, "far_outside"),  # in no unit, beyond accuracy of B
        (50, 50, 49, "inside"),  # 49 m accuracy is still usable (50 m from each edge)...
        (50, 50, 60, "unknown"),  # ...60 m is not
        (50, 50, np.nan, "unknown"),
        (np.nan, 50, 5, "unknown"),
        (50, np.nan, 5, "unknown"),
    ],
)
def test_location_class_boundaries(x, y, accuracy, expected):
    result = location_check([x], [y], [accuracy], [A], UNITS, CHECKS)
    assert result.tolist() == [expected]


def test_location_unknown_without_declared_unit():
    result = location_check([50, 50, 50], [50, 50, 50], [5, 5, 5], [-1, 4, 99], UNITS, CHECKS)
    assert result.tolist() == ["unknown"] * 3


def test_location_empty_declared_unit_is_unknown():
    units = gpd.GeoSeries([box(0, 0, 100, 100), None, shapely.Polygon()], crs=32748)
    assert location_check([50] * 3, [50] * 3, [5] * 3, [0, 1, 2], units, CHECKS).tolist() == [
        "inside",
        "unknown",
        "unknown",
    ]


def test_location_in_a_repaired_collection():
    # make_valid can leave a polygon with a stray line: the grid index takes polygons only
    units = gpd.GeoSeries([shapely.GeometryCollection([box(0, 0, 100, 100),
                                                       shapely.LineString([(0, 0), (-50, -50)])]),
                           box(100, 0, 200, 100)], crs=32748)
    got = location_check([50, 150], [50, 50], [5, 5], [0, 0], units, CHECKS).tolist()
    assert got == ["inside", "neighbour"]


def test_location_keeps_series_index_and_categories():
    x = pd.Series([75.0, 900.0], index=[10, 3])
    result = location_check(x, [50, 50], [5, 5], [A, A], UNITS, Config())
    assert result.index.tolist() == [10, 3]
    assert list(result.cat.categories) == list(LOCATION_CLASSES)
    assert result.name == "location_check"


def test_location_rejects_geographic_units():
    with pytest.raises(CRSMismatchError, match="metric CRS"):
        location_check([0], [0], [5], [0], UNITS.set_crs(4326, allow_override=True), CHECKS)


@pytest.mark.parametrize("block", [1 << 20, 7])  # distances a block of points at a time
def test_location_matches_slow_oracle(monkeypatch, block):
    monkeypatch.setattr(location_module, "_BLOCK", block)
    rng = np.random.default_rng(1)
    grid = [box(i * 100, j * 100, i * 100 + 100, j * 100 + 100) for i in range(4) for j in range(4)]
    units = gpd.GeoSeries(grid, crs=32748)
    n = 300
    x, y = rng.uniform(-50, 450, n), rng.uniform(-50, 450, n)
    accuracy = rng.uniform(0, 70, n)
    declared = rng.integers(-1, 16, n)
    got = location_check(x, y, accuracy, declared, units, CHECKS).tolist()
    for k in range(n):
        point = shapely.Point(x[k], y[k])
        if declared[k] < 0 or accuracy[k] > CHECKS.max_accuracy_m:
            want = "unknown"
        else:
            unit = grid[declared[k]]
            if point.distance(unit.boundary) <= accuracy[k]:
                want = "boundary_ambiguous"
            elif unit.contains(point):
                want = "inside"
            elif any(
                other.distance(unit) <= CHECKS.adjacency_m and other.distance(point) <= accuracy[k]
                for m, other in enumerate(grid)
                if m != declared[k]
            ):
                want = "neighbour"
            else:
                want = "far_outside"
        assert got[k] == want, (k, x[k], y[k], accuracy[k], declared[k])


def frame(rows, **defaults):
    """Interviews frame from dicts with x, y, t and optional columns."""
    base = {
        "interview_id": None,
        "gps_accuracy_m": 5.0,
        "enumerator_id": "p1",
        "supervisor_id": "s1",
        "kelurahan_code": "3671010001",
        "rw": "001",
        "rt": "001",
        "household_id": None,
        "status": "counted",
        **defaults,
    }
    out = pd.DataFrame([{**base, **row} for row in rows])
    out["interview_id"] = [f"w{k}" for k in range(len(out))]
    if out["household_id"].isna().all():
        out["household_id"] = [f"h{k}" for k in range(len(out))]
    out["interviewed_at"] = pd.to_datetime(out.pop("t"))
    text = ["interview_id", "enumerator_id", "supervisor_id", "kelurahan_code", "rw", "rt",
            "household_id", "status"]
    out[text] = out[text].astype("string")
    out["x"] = out["x"].astype("float64") + 650_000
    out["y"] = out["y"].astype("float64") + 9_300_000
    out["gps_accuracy_m"] = out["gps_accuracy_m"].astype("float64")
    return out


def has(result, name):
    return result["flags"].str.split(";").apply(lambda flags: name in flags).tolist()


def test_invented_cluster_flagged_genuine_street_not():
    rng = np.random.default_rng(7)
    start = pd.Timestamp("2022-10-20 09:00")
    angle = rng.uniform(0, 2 * np.pi, 20)
    radius = 5 * np.sqrt(rng.uniform(0, 1, 20))
    invented = [
        {
            "x": r * np.cos(a),
            "y": r * np.sin(a),
            "t": start + pd.Timedelta(seconds=30 * k),
            "enumerator_id": "liar",
        }
        for k, (r, a) in enumerate(zip(radius, angle, strict=True))
    ]
    steps = np.cumsum(rng.uniform(8, 15, 20))
    genuine = [
        {
            "x": 5000 + s + rng.normal(0, 2),
            "y": rng.normal(0, 2),
            "t": start + pd.Timedelta(minutes=12 * k),
            "enumerator_id": "honest",
        }
        for k, s in enumerate(steps)
    ]
    data = frame(invented + genuine)
    result = flag_interviews(data, CHECKS)
    liar = (data["enumerator_id"] == "liar").to_numpy()
    assert all(np.array(has(result, "invented_cluster"))[liar])
    assert not any(np.array(has(result, "invented_cluster"))[~liar])
    assert result["doubtful"].tolist() == liar.tolist()
    assert result.loc[liar, "cluster_id"].tolist() == [1] * 20
    assert result.loc[liar, "cluster_size"].tolist() == [20] * 20
    assert result.loc[~liar, "cluster_id"].isna().all()
    assert result["cluster_id"].dtype == "Int64"
    assert result["doubtful"].dtype == bool


def test_cluster_is_per_enumerator_and_needs_time_together():
    start = pd.Timestamp("2022-10-20 09:00")
    # 8 of one enumerator and 8 of another at one spot: neither reaches 9 on its own.
    rows = [
        {"x": k * 0.5, "y": 0, "t": start + pd.Timedelta(minutes=k), "enumerator_id": e}
        for e in ("p1", "p2")
        for k in range(8)
    ]
    # 12 at one spot, 2 hours apart over two days: neither one sitting nor day after day.
    rows += [
        {
            "x": 3000 + k * 0.5,
            "y": 0,
            "t": start + pd.Timedelta(days=k // 6, hours=2 * (k % 6)),
            "enumerator_id": "p3",
        }
        for k in range(12)
    ]
    result = flag_interviews(frame(rows), CHECKS)
    assert not any(has(result, "invented_cluster"))
    assert not result["doubtful"].any()


def test_cluster_counts_only_counted_as_doubtful():
    start = pd.Timestamp("2022-10-20 09:00")
    rows = [{"x": k * 0.3, "y": 0, "t": start + pd.Timedelta(minutes=5 * k)} for k in range(12)]
    data = frame(rows)
    data.loc[0, "status"] = "outside_area"
    result = flag_interviews(data, CHECKS)
    assert all(has(result, "invented_cluster"))
    assert result["doubtful"].tolist() == [False] + [True] * 11


def test_invented_detection_rates_on_simulated_field():
    """Sample-world-like: inventors at one spot with GPS scatter, genuine dense housing."""
    rng = np.random.default_rng(3)
    parts, truth = [], []
    for e in range(6):  # genuine: doors on a 6 m jittered grid, visited along rows, 4 per hour
        gx, gy = np.meshgrid(np.arange(12), np.arange(8))
        serpentine = np.where(gy % 2 == 0, gx, 11 - gx)
        order = np.lexsort((serpentine.ravel(), gy.ravel()))
        tx = (gx.ravel() * 6.0 + rng.uniform(-0.5, 0.5, gx.size))[order] + e * 10_000
        ty = (gy.ravel() * 6.0 + rng.uniform(-0.5, 0.5, gx.size))[order]
        accuracy = np.clip(rng.lognormal(np.log(8), 0.4, gx.size), 3, 30)
        minutes = np.cumsum(rng.uniform(8, 22, gx.size))
        day = (minutes // 480).astype(int)
        t = (
            pd.Timestamp("2022-10-17 08:00")
            + pd.to_timedelta(day, "D")
            + pd.to_timedelta(minutes % 480, "min")
        )
        parts.append(
            pd.DataFrame(
                {
                    "x": tx + rng.normal(0, accuracy / 2),
                    "y": ty + rng.normal(0, accuracy / 2),
                    "gps_accuracy_m": accuracy,
                    "t": t,
                    "enumerator_id": f"g{e}",
                }
            )
        )
        truth += [False] * gx.size
    for e in range(6):  # inventors: 10-40 fixes within ~5 m over 1-3 hours
        n = int(rng.integers(10, 41))
        accuracy = np.clip(rng.lognormal(np.log(8), 0.4, n), 3, 30)
        t = pd.Timestamp("2022-10-18 13:00") + pd.to_timedelta(
            np.sort(rng.uniform(0, rng.uniform(60, 180), n)), "min"
        )
        parts.append(
            pd.DataFrame(
                {
                    "x": e * 10_000 + 5_000 + rng.normal(0, 2.5, n),
                    "y": 5_000 + rng.normal(0, 2.5, n),
                    "gps_accuracy_m": accuracy,
                    "t": t,
                    "enumerator_id": f"i{e}",
                }
            )
        )
        truth += [True] * n
    data = frame(pd.concat(parts).to_dict("records"))
    result = flag_interviews(data, CHECKS)
    flagged = np.array(has(result, "invented_cluster"))
    truth = np.array(truth)
    assert flagged[truth].mean() >= 0.9
    assert flagged[~truth].mean() <= 0.02


def test_too_fast_travel():
    t = pd.Timestamp("2022-10-20 10:00")
    minute = pd.Timedelta(minutes=1)
    rows = [
        {"x": 0, "y": 0, "t": t},
        {"x": 20_000, "y": 0, "t": t + 10 * minute},  # 120 km/h: too fast
        {"x": 22_000, "y": 0, "t": t + 40 * minute},  # 4 km/h
        {"x": 22_030, "y": 0, "t": t + 40 * minute, "gps_accuracy_m": 30.0},  # within noise
        {"x": 24_000, "y": 0, "t": t + 40 * minute},  # same minute, 2 km: too fast
        {"x": 24_000, "y": 0, "t": t + 90 * minute, "enumerator_id": "p2"},
        {"x": 0, "y": 0, "t": t + 91 * minute, "enumerator_id": "p3"},  # others: not a trip
        {"x": 40_000, "y": 0, "t": pd.NaT},  # no time: not compared
    ]
    data = frame(rows)
    result = flag_interviews(data, CHECKS)
    assert has(result, "too_fast_travel") == [False, True, False, False, True, False, False, False]
    assert result["speed_kmh"].iloc[1] == pytest.approx((20_000 - 10) / 1000 * 6)
    assert result["speed_kmh"].iloc[3] == 0.0
    assert np.isnan(result["speed_kmh"].iloc[0])


def test_travel_order_follows_time_not_rows():
    t = pd.Timestamp("2022-10-20 10:00")
    rows = [
        {"x": 1000, "y": 0, "t": t + pd.Timedelta(hours=1)},
        {"x": 0, "y": 0, "t": t},
        {"x": 2000, "y": 0, "t": t + pd.Timedelta(hours=2)},
    ]
    result = flag_interviews(frame(rows), CHECKS)
    assert not any(has(result, "too_fast_travel"))
    assert result["speed_kmh"].round(2).tolist()[0] == 0.99


@pytest.mark.parametrize(
    ("when", "outside", "night"),
    [
        ("2022-10-14 10:00", True, False),
        ("2022-10-15 00:00", False, True),
        ("2022-10-15 05:59", False, True),
        ("2022-10-15 06:00", False, False),
        ("2022-10-15 20:59", False, False),
        ("2022-10-15 21:00", False, True),
        ("2022-11-14 23:59", False, True),
        ("2022-11-15 08:00", True, False),
        (None, False, False),
    ],
)
def test_window_and_night(when, outside, night):
    result = flag_interviews(frame([{"x": 0, "y": 0, "t": when}]), CHECKS)
    assert has(result, "outside_fieldwork_window") == [outside]
    assert has(result, "night_time") == [night]


def test_night_window_that_does_not_wrap():
    checks = dataclasses.replace(CHECKS, night_start_hour=0, night_end_hour=5)
    times = ["2022-10-20 04:59", "2022-10-20 05:00", "2022-10-20 23:00"]
    result = flag_interviews(
        frame([{"x": k * 100, "y": 0, "t": t} for k, t in enumerate(times)]), checks
    )
    assert has(result, "night_time") == [True, False, False]


def test_duplicates_and_poor_gps():
    t = pd.Timestamp("2022-10-20 10:00")
    hour = pd.Timedelta(hours=1)
    rows = [
        {"x": 0, "y": 0, "t": t, "household_id": "7"},
        {"x": 0, "y": 0, "t": t + hour, "household_id": "8"},  # same point as 0
        {"x": 0, "y": 0, "t": t + hour, "enumerator_id": "p2", "household_id": "9"},  # other
        {"x": 500, "y": 0, "t": t + 2 * hour, "household_id": "10"},
        {"x": 500.6, "y": 0, "t": t + 3 * hour, "household_id": "11"},  # 0.6 m: near
        {"x": 900, "y": 0, "t": t + 4 * hour, "household_id": "7"},  # same ID, same RT
        {"x": 1300, "y": 0, "t": t + 5 * hour, "household_id": "10", "rt": "002"},  # other RT
        {"x": 1700, "y": 0, "t": t + 6 * hour, "household_id": "12", "gps_accuracy_m": 25.0},
        {"x": 2100, "y": 0, "t": t + 7 * hour, "household_id": "13", "gps_accuracy_m": 20.0},
        {"x": 2500, "y": 0, "t": t + 8 * hour, "household_id": "14", "gps_accuracy_m": np.nan},
        # a repeated record of row 8: compared with nothing, so flags nobody
        {"x": 2100, "y": 0, "t": t + 7 * hour, "household_id": "13", "status": "duplicate"},
    ]
    result = flag_interviews(frame(rows), CHECKS)
    assert has(result, "duplicate_location") == [True, True] + [False] * 9
    assert has(result, "near_duplicate_location") == [False] * 3 + [True, True] + [False] * 6
    assert has(result, "duplicate_household_id") == [True] + [False] * 4 + [True] + [False] * 5
    assert has(result, "poor_gps") == [False] * 7 + [True] + [False] * 3
    assert result["nearest_m"].iloc[3] == pytest.approx(0.6)
    assert np.isnan(result["nearest_m"].iloc[10])
    assert result["flags"].iloc[0] == "duplicate_household_id;duplicate_location"
    assert result["flags"].iloc[9] == ""


def test_nearest_is_measured_within_the_largest_rule_radius():
    rows = [{"x": 0, "y": 0, "t": "2022-10-20 09:00"}, {"x": 4, "y": 3, "t": "2022-10-20 09:30"},
            {"x": 60, "y": 0, "t": "2022-10-20 10:00"}]
    nearest = flag_interviews(frame(rows), CHECKS)["nearest_m"].tolist()
    assert nearest[:2] == [5.0, 5.0] and np.isnan(nearest[2])


def test_result_is_aligned_and_input_untouched():
    t = pd.Timestamp("2022-10-20 10:00")
    data = frame(
        [
            {"x": 0, "y": 0, "t": t},
            {"x": 0, "y": 0, "t": t + pd.Timedelta(hours=1)},
            {"x": np.nan, "y": np.nan, "t": None, "status": "no_coordinates"},
        ]
    )
    data.index = [5, 2, 9]
    before = data.copy()
    result = flag_interviews(data, Config())
    pd.testing.assert_frame_equal(data, before)
    assert result.index.tolist() == [5, 2, 9]
    assert list(result.columns) == [
        "flags",
        "cluster_id",
        "cluster_size",
        "nearest_m",
        "speed_kmh",
        "doubtful",
        "severity",
        "duration_min",
        "spot_gap_min",
        "twin_gap_min",
    ]
    assert result["flags"].tolist() == ["duplicate_location", "duplicate_location", ""]


def test_empty_frame():
    data = frame([{"x": 0, "y": 0, "t": "2022-10-20"}]).iloc[:0]
    result = flag_interviews(data, CHECKS)
    assert len(result) == 0
    assert len(enumerator_scores(data, result)) == 0


def test_enumerator_scores():
    t = pd.Timestamp("2022-10-20 10:00")
    rows = [{"x": 0, "y": 0, "t": t + pd.Timedelta(minutes=k), "enumerator_id": "liar",
             "supervisor_id": "s2"} for k in range(12)]
    rows += [{"x": 100 * k, "y": 0, "t": t + pd.Timedelta(hours=k), "enumerator_id": "ok",
              "supervisor_id": "s1"} for k in range(3)]
    rows += [{"x": x, "y": 0, "t": when, "enumerator_id": "late", "supervisor_id": supervisor}
             for x, when, supervisor in ((5000, "2022-10-20 22:00", "s1"),
                                         (5500, "2022-10-21 10:00", "s3"),
                                         (6000, "2022-10-21 12:00", "s3"))]
    data = frame(rows)
    data["location_check"] = "inside"
    data.loc[13, "location_check"] = "far_outside"
    scores = enumerator_scores(data, flag_interviews(data, CHECKS))
    assert scores["enumerator_id"].tolist() == ["liar", "ok", "late"]
    assert list(scores.columns) == [
        "enumerator_id",
        "supervisor_id",
        "interviews",
        "counted",
        "doubtful",
        "flagged",
        "share_flagged",
        *FLAGS,
        "far_outside",
        "score",
    ]
    liar = scores.iloc[0]
    assert (liar.interviews, liar.doubtful, liar.invented_cluster, liar.duplicate_location) == (
        12,
        12,
        12,
        12,
    )
    # 12 invented (1.0 each) and 12 at the same point (0.25 each: a cached fix weighs little)
    assert liar.score == 15.0
    late = scores.iloc[2]
    assert (late.supervisor_id, late.night_time, late.flagged, late.share_flagged) == (
        "s3",
        1,
        1,
        round(1 / 3, 4),
    )
    assert scores.iloc[1].far_outside == 1


def test_spot_used_day_after_day_is_invented():
    """The sample world's inventor: a few a day at one spot, on many days."""
    rng = np.random.default_rng(5)
    rows = [
        {
            "x": rng.normal(0, 2.5),
            "y": rng.normal(0, 2.5),
            "t": pd.Timestamp("2022-10-15 08:00") + pd.Timedelta(days=day, minutes=3 * k),
            "enumerator_id": "liar",
        }
        for day in range(6)
        for k in range(4)
    ]
    # a genuine neighbour visited on every one of those days, 30 m away: not in the cluster
    rows += [
        {
            "x": 30.0 + 6 * k,
            "y": 0.0,
            "t": pd.Timestamp("2022-10-15 13:00") + pd.Timedelta(days=k),
            "enumerator_id": "liar",
        }
        for k in range(6)
    ]
    result = flag_interviews(frame(rows), CHECKS)
    assert has(result, "invented_cluster") == [True] * 24 + [False] * 6
    assert result["cluster_size"].iloc[0] == 24
    # two days only is not enough
    two_days = flag_interviews(frame(rows[:8]), CHECKS)
    assert not any(has(two_days, "invented_cluster"))


def test_detour_blames_the_odd_interview():
    t = pd.Timestamp("2022-10-20 09:00")
    minute = pd.Timedelta(minutes=1)
    rows = [
        {"x": 0, "y": 0, "t": t},
        {"x": 10, "y": 0, "t": t + 20 * minute},
        {"x": 4000, "y": 0, "t": t + 22 * minute},  # out and back within minutes: too fast
        {"x": 20, "y": 0, "t": t + 40 * minute},
        {"x": 30, "y": 0, "t": t + 60 * minute},
        {"x": 34, "y": 4000, "t": t + 90 * minute},  # out and back, slowly: a detour only
        {"x": 40, "y": 0, "t": t + 24 * 60 * minute},  # next day, back at work
        {"x": 9000, "y": 0, "t": t + 24 * 60 * minute + minute},  # a jump with no return
        {"x": 9010, "y": 0, "t": t + 24 * 60 * minute + 30 * minute},
    ]
    result = flag_interviews(frame(rows), CHECKS)
    assert has(result, "route_detour") == [False, False, True, False, False, True] + [False] * 3
    assert has(result, "too_fast_travel") == [False, False, True] + [False] * 4 + [True, False]


def test_fix_outside_the_area_still_counts_for_travel():
    """A valid fix outside the area keeps its x/y from assign; the travel checks see it."""
    t = pd.Timestamp("2022-10-20 09:00")
    rows = [{"x": 10 * k, "y": 0, "t": t + pd.Timedelta(minutes=20 * k)} for k in range(3)]
    rows[1]["x"] = 5000  # 5 km out, 20 minutes each way: a detour
    data = frame(rows)
    data.loc[1, "status"] = "outside_area"
    result = flag_interviews(data, CHECKS)
    assert has(result, "route_detour") == [False, True, False]
    assert result["speed_kmh"].iloc[1] == pytest.approx((5000 - 10) / 1000 * 3, rel=1e-3)


@pytest.mark.parametrize("block", [1 << 20, 37])
def test_near_edge_is_shapelys_distance_to_the_boundary(block, monkeypatch):
    """The numpy distance to a unit's edges decides as shapely does, ties and holes too."""
    module = location_module
    monkeypatch.setattr(module, "_BLOCK", block)
    rng = np.random.default_rng(3)
    geoms = np.array([
        shapely.box(0, 0, 100, 100),
        shapely.Polygon([(0, 0), (50, 80), (100, 0)], holes=[[(40, 10), (60, 10), (50, 30)]]),
        shapely.MultiPolygon([shapely.box(200, 0, 220, 20), shapely.box(230, 0, 250, 20)]),
        shapely.Point(500, 500).buffer(30),
        shapely.box(6.8e5, 9.3e6, 6.8e5 + 10, 9.3e6 + 10),  # UTM-sized coordinates
    ], dtype=object)
    n = 50_000
    unit = rng.integers(0, len(geoms), n)
    bounds = shapely.bounds(geoms)[unit]
    x = rng.uniform(bounds[:, 0] - 20, bounds[:, 2] + 20)
    y = rng.uniform(bounds[:, 1] - 20, bounds[:, 3] + 20)
    x[:500] = bounds[:500, 0]  # on a left edge
    radius = rng.gamma(2.0, 3.0, n)
    exact = shapely.distance(shapely.points(x, y), shapely.boundary(geoms[unit]))
    radius[500:1000] = exact[500:1000]  # exactly as far as the radius
    near = module._near_edge(x, y, radius, unit, geoms)
    assert (near == (exact <= radius)).all()
