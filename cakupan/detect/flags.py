"""Interview flags: signs that an interview was not a real visit, or not where it says.

Takes the interviews frame built by :mod:`cakupan.normalise.tables` and
:mod:`cakupan.assign.locate` (one row per input row, metric ``x``/``y``, ``interviewed_at`` in
local time) and returns a new frame aligned to its index: the flags of each row and the
figures behind them (:func:`flag_interviews`). Never reads or writes files and never drops a
row: a row whose data does not allow a check simply does not get that flag.

Rows whose ``status`` is ``duplicate`` are repeated records of another row; they get the
checks of a row on its own (time, GPS accuracy) but are never compared with other rows, or every
original would be flagged as its own twin.

Rules, one per flag (a row may get several; the thresholds are the ``[checks]`` settings):

- ``duplicate_location``: another interview of the same enumerator lies within
  ``duplicate_m`` (the same point: a copied fix, or the fix a phone cached at the first door
  of a shared building; the time between the two tells which).
- ``near_duplicate_location``: another lies within ``near_duplicate_m`` but not at the same
  point; genuine doors are at least 5 m apart, though GPS noise sometimes brings two fixes
  this close, so this asks for a look, not a rejection.
- Many households at one spot (a *spot*): an interview is a core when at least
  ``cluster_min_households`` interviews of its enumerator (itself included) lie within
  ``cluster_radius_m`` and ``cluster_minutes`` either side of it (one sitting), or within
  ``spot_radius_m`` on at least ``spot_min_days`` days (day after day). Cores, the
  interviews so linked to a core, and those within ``cluster_reach_m`` of a spot's centre in
  its time span belong to it; linked cores form one spot (``cluster_id``). A spot's
  interviews fall into sittings, split where more than ``cluster_minutes`` pass between two;
  the pace of its sitting then decides an interview's flag:

  - ``invented_cluster``: the sitting's interviews are, by the median, less than
    ``min_interview_minutes`` apart, or its forms (``started_at`` to ``interviewed_at``)
    take less than ``min_duration_minutes``: no real visit keeps that pace.
  - ``busy_spot``: otherwise. Real interviews 20-45 minutes apart at one spot are an
    apartment block (rusun) or a yard of shared houses.
- ``short_duration``: the form was open (``started_at`` to ``interviewed_at``) less than
  ``min_duration_minutes``.
- ``too_fast_travel``: the straight-line speed from the enumerator's previous interview
  exceeds ``max_speed_kmh``, after subtracting both fixes' accuracy radii (GPS noise; an
  unknown accuracy counts as ``max_accuracy_m``) and taking a time between them shorter than
  ``min_gap_minutes`` as that long (same-minute clocks). The trip is blamed on its odd
  end (a ``route_detour``, or too fast on both sides), else on its later interview.
- ``route_detour``: farther than ``detour_m`` (beyond GPS noise) from both the previous
  and the next interview of its enumerator, while those two are closer to each other
  than half that: a trip out and back, or more often a wrong fix.
- ``outside_fieldwork_window``: interviewed before ``fieldwork_start`` or after
  ``fieldwork_end``.
- ``night_time``: interviewed from ``night_start_hour`` to ``night_end_hour`` local time.
- ``duplicate_household_id``: the household ID occurs more than once in the same declared
  RT (forms often number households within an SLS, so IDs repeat across RTs).
- ``poor_gps``: the fix's accuracy is known and poorer than ``good_accuracy_m``.

What a row's flags do is its ``severity`` (:func:`severity`): ``serious`` rows are counted
as doubtful, ``verify`` rows go on the worklist, ``note`` rows only carry the flag.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cakupan._text import as_arrow, fingerprints
from cakupan.assign.repeats import sharing
from cakupan.config import checks_of
from cakupan.detect._pairs import location_pairs, spot_pace

#: QA flags of :func:`flag_interviews`, in the order of their columns in the scores.
FLAGS = (
    "invented_cluster",
    "busy_spot",
    "short_duration",
    "too_fast_travel",
    "route_detour",
    "duplicate_location",
    "duplicate_household_id",
    "near_duplicate_location",
    "outside_fieldwork_window",
    "night_time",
    "poor_gps",
)

#: Weight of one flagged interview in an enumerator's score (and a worklist row's urgency):
#: signs of invented interviews weigh most; GPS quality, night visits, shared fixes and near
#: duplicates (which GPS noise and cached fixes produce now and then) least. What a flag does to
#: the count is its row's ``severity`` (:func:`severity`), not its weight.
FLAG_WEIGHTS = {
    "invented_cluster": 1.0,
    "busy_spot": 0.25,
    "short_duration": 0.5,
    "too_fast_travel": 1.0,
    "route_detour": 0.5,
    "duplicate_location": 0.25,
    "duplicate_household_id": 1.0,
    "far_outside": 0.5,
    "near_duplicate_location": 0.25,
    "outside_fieldwork_window": 0.5,
    "night_time": 0.25,
    "poor_gps": 0.25,
}

_NS_PER_MINUTE = 60_000_000_000


def flag_interviews(interviews: pd.DataFrame, config, households=None
                    ) -> pd.DataFrame:
    """Flag interviews that look wrong, per enumerator and per row, by the module's rules.

    Parameters
    ----------
    interviews : pandas.DataFrame
        Normalised interviews: ``x``, ``y``, ``gps_accuracy_m``, ``interviewed_at``,
        ``enumerator_id``, ``kelurahan_code``, ``rw``, ``rt``, ``household_id``, ``status``;
        optionally ``lon``/``lat``, projected for rows with a valid fix but no ``x``/``y``
        (outside the area) so that travel checks see them.
    config : Checks or Config
        Thresholds.
    households : array of bool, optional
        The ``duplicate_household_id`` mask, when :func:`repeated_households` was computed
        on rows grouped otherwise (:mod:`cakupan.scale.by_parts` checks one enumerator's rows
        together, households one kelurahan's).

    Returns
    -------
    pandas.DataFrame
        Aligned to ``interviews.index``:

        - ``flags``: flag names, sorted, ``;``-joined; empty string when none.
        - ``cluster_id`` (Int64): the spot (``invented_cluster`` or ``busy_spot``), numbered
          from 1 in input order.
        - ``cluster_size`` (Int64): interviews at that spot.
        - ``nearest_m`` (float): distance to the enumerator's nearest other interview, when
          within :func:`nearest_radius` (9 m by default); NaN when farther.
        - ``speed_kmh`` (float): speed from the enumerator's previous interview, after the
          GPS allowance (0 when within it).
        - ``duration_min`` (float): minutes from ``started_at`` to ``interviewed_at``.
        - ``spot_gap_min`` (float): the median minutes between the interviews of its sitting
          at its spot.
        - ``twin_gap_min`` (float): minutes to the nearest in time of its same-point twins.
        - ``severity`` (string): ``serious``, ``verify``, ``note`` or "" (:func:`severity`).
        - ``doubtful`` (bool): counted but ``serious``.

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "x": [0.0, 0.0, 5000.0], "y": [0.0, 0.0, 0.0], "gps_accuracy_m": [5.0, 5.0, 30.0],
    ...     "interviewed_at": pd.to_datetime(["2022-10-20 09:00", "2022-10-20 09:20",
    ...                                       "2022-10-20 23:21"]),
    ...     "enumerator_id": ["p1", "p1", "p1"], "kelurahan_code": "3671010001",
    ...     "rw": "001", "rt": "001", "household_id": ["1", "2", "3"], "status": "counted"})
    >>> from cakupan.config import Checks
    >>> flag_interviews(frame, Checks())["flags"].tolist()
    ['duplicate_location', 'duplicate_location', 'night_time;poor_gps']
    """
    checks = checks_of(config)
    x, y, acc, when, minutes, enumerator, status = _route_columns(interviews)
    has_time = when.notna().to_numpy()
    duration = durations(interviews, when)
    located = (np.isfinite(x) & np.isfinite(y) & (enumerator >= 0)
               & (status != "duplicate").fillna(True).to_numpy(dtype=bool))
    nearest, dup, near_dup, (cluster_id, cluster_size), twin_gap = location_pairs(
        x, y, minutes, has_time, enumerator, located, nearest_radius(checks), checks)
    fast_spot, spot_gap = _fast_spot(cluster_id, minutes, has_time, duration, checks)
    speed, too_fast, detour = _travel(x, y, acc, minutes, enumerator, located & has_time, checks)
    outside, night = _timing(when, checks)
    flags = {
        "invented_cluster": fast_spot,
        "busy_spot": (cluster_id > 0) & ~fast_spot,
        "short_duration": duration < checks.min_duration_minutes,
        "too_fast_travel": too_fast,
        "route_detour": detour,
        "duplicate_location": dup,
        "duplicate_household_id": (repeated_households(interviews) if households is None
                                   else np.asarray(households, dtype=bool)),
        "near_duplicate_location": near_dup,
        "outside_fieldwork_window": outside,
        "night_time": night,
        "poor_gps": np.isfinite(x) & (acc > checks.good_accuracy_m),
    }
    level = severity(flags, twin_gap < checks.min_interview_minutes, np.isfinite(duration))
    return _result(interviews.index, flags, level, (status == "counted").fillna(False).to_numpy(
        dtype=bool), (cluster_id, cluster_size), {
        "nearest_m": nearest, "speed_kmh": speed, "duration_min": duration,
        "spot_gap_min": spot_gap, "twin_gap_min": twin_gap})


def _result(index, flags, level, counted, cluster, figures) -> pd.DataFrame:
    """Return the frame of :func:`flag_interviews` from its flags, severities and figures."""
    cluster_id, cluster_size = cluster
    none = cluster_id <= 0
    return pd.DataFrame(
        {
            "flags": pd.Series(_flag_text(flags), index=index),
            "cluster_id": pd.arrays.IntegerArray(cluster_id, none.copy()),
            "cluster_size": pd.arrays.IntegerArray(cluster_size, none.copy()),
            "nearest_m": figures["nearest_m"],
            "speed_kmh": figures["speed_kmh"],
            "doubtful": counted & (level == 1),
            "severity": pd.Series(pd.array(np.array(SEVERITIES)[level], dtype="string"),
                                  index=index),
            **{name: np.round(figures[name], 1)
               for name in ("duration_min", "spot_gap_min", "twin_gap_min")},
        },
        index=index,
    )


def _fast_spot(cluster_id, minutes, has_time, duration, checks):
    """Return the rows of spots at a pace no real visit keeps, and their sittings' pace.

    The pace: the median minutes between the interviews of each row's sitting at its spot.
    Many households minutes apart, or in forms of a few minutes, were not visited; at the
    pace of real interviews a spot is a block of flats or a yard of shared houses.
    """
    gap, length = spot_pace(cluster_id, minutes, has_time, duration, checks.cluster_minutes)
    fast = (cluster_id > 0) & ((gap < checks.min_interview_minutes)
                               | (length < checks.min_duration_minutes))
    return fast, gap


#: A row's severity, from the flags it has (see :func:`severity`); "" when it has none.
SEVERITIES = ("", "serious", "verify", "note")


def severity(flags: dict, fast_twin, timed_spot) -> np.ndarray:
    """Return each row's severity as an index into :data:`SEVERITIES`.

    Rules:

    - ``serious`` (counted as doubtful, left out of coverage): strong evidence that no
      household was visited: an ``invented_cluster`` (many households at one spot minutes
      apart, or in forms of a few minutes), or a ``duplicate_location`` whose twin was
      recorded less than ``min_interview_minutes`` before or after it (two households in
      less time than one interview takes, at one point).
    - ``verify`` (a row on the worklist; the count is kept): signs that ask for a look:
      ``too_fast_travel``, ``route_detour``, ``duplicate_household_id``, ``short_duration``,
      ``outside_fieldwork_window``, ``night_time``, and a ``busy_spot`` whose durations are
      unknown (pace alone cannot tell a block of flats from a made-up spot).
    - ``note`` (recorded in ``flags`` and counted per enumerator, no task): properties of
      genuine work as often as of faults: ``poor_gps``, ``near_duplicate_location``,
      ``duplicate_location`` at the pace of real visits (a phone's cached fix in a shared
      building) and a ``busy_spot`` with forms of real length (an apartment block).
    """
    serious = flags["invented_cluster"] | (flags["duplicate_location"] & fast_twin)
    verify = (flags["too_fast_travel"] | flags["route_detour"]
              | flags["duplicate_household_id"] | flags["short_duration"]
              | flags["outside_fieldwork_window"] | flags["night_time"]
              | (flags["busy_spot"] & ~timed_spot))
    note = np.zeros(len(serious), dtype=bool)
    for mask in flags.values():
        note |= mask
    return np.select([serious, verify, note], [1, 2, 3], 0)


def durations(frame: pd.DataFrame, when: pd.Series) -> np.ndarray:
    """Return each interview's length in minutes, ``interviewed_at - started_at``.

    NaN where either time is missing, or where the end comes before the start (a clock
    set wrong says nothing of the interview's length).
    """
    if "started_at" not in frame:
        return np.full(len(frame), np.nan)
    start = pd.to_datetime(frame["started_at"])
    length = ((when - start).dt.total_seconds() / 60.0).to_numpy(dtype="float64",
                                                                 na_value=np.nan)
    return np.where(length >= 0, length, np.nan)


def _route_columns(frame: pd.DataFrame):
    """Return the columns the rules read: position, accuracy, time, enumerator and status.

    ``x``, ``y`` and accuracy as float arrays (NaN where missing), the times as a Series and
    in minutes (0 where missing), the enumerators numbered in sorted order (-1 for none),
    ``status`` as text. A valid fix outside the area keeps its metric position (assign sees
    to that): trips there count.
    """
    x = frame["x"].to_numpy(dtype="float64", na_value=np.nan)
    y = frame["y"].to_numpy(dtype="float64", na_value=np.nan)
    acc = frame["gps_accuracy_m"].to_numpy(dtype="float64", na_value=np.nan)
    when = pd.to_datetime(frame["interviewed_at"])
    minutes = np.where(when.notna().to_numpy(),
                       when.to_numpy(dtype="datetime64[ns]").astype("int64"), 0)
    enumerator, _ = pd.factorize(frame["enumerator_id"], sort=True)
    return (x, y, acc, when, minutes / _NS_PER_MINUTE, enumerator,
            frame["status"].astype("string"))


def _flag_text(flags: dict):
    """Return each row's flags, sorted and ``;``-joined ("" for none), as a string array.

    The text is made once per combination of flags seen, not once per row.
    """
    names = sorted(FLAGS)
    combination = np.zeros(len(flags[names[0]]), dtype="int64")
    for bit, name in enumerate(names):
        combination |= flags[name].astype("int64") << bit
    seen = np.flatnonzero(np.bincount(combination, minlength=1 << len(names)))
    slot = np.zeros(1 << len(names), dtype="int64")
    slot[seen] = np.arange(len(seen))
    texts = [";".join(name for bit, name in enumerate(names) if c >> bit & 1) for c in seen]
    return pd.array(texts, dtype="string").take(slot[combination])


def nearest_radius(checks) -> float:
    """Return how far ``nearest_m`` looks: the largest radius of the location rules."""
    checks = checks_of(checks)
    return max(checks.cluster_radius_m, checks.near_duplicate_m, checks.duplicate_m)


def _travel(x, y, acc, minutes, enumerator, usable, checks):
    """Return the speed from the enumerator's previous interview, and too-fast and detour masks."""
    n = len(x)
    speed = np.full(n, np.nan)
    too_fast = np.zeros(n, dtype=bool)
    detour = np.zeros(n, dtype=bool)
    rows = np.flatnonzero(usable)
    if len(rows) < 2:
        return speed, too_fast, detour
    # by enumerator, then time, then input order: two stable sorts cost less than a lexsort,
    # and 16-bit keys sort fastest (numpy sorts them by radix)
    rows = rows[np.argsort(minutes[rows], kind="stable")]
    person = enumerator[rows]
    rows = rows[np.argsort(person.astype("uint16") if person.max() < 1 << 16 else person,
                           kind="stable")]
    allowance = np.fmin(np.nan_to_num(acc, nan=checks.max_accuracy_m), checks.max_accuracy_m)
    # along each enumerator's route (rows sorted): the legs between consecutive interviews,
    # in metres beyond what GPS noise explains (never negative)
    rx, ry, person, noise = x[rows], y[rows], enumerator[rows], allowance[rows]
    leg = np.maximum(np.hypot(np.diff(rx), np.diff(ry)) - noise[:-1] - noise[1:], 0.0)

    same = person[:-1] == person[1:]
    prev, this = rows[:-1][same], rows[1:][same]
    hours = np.maximum(np.diff(minutes[rows])[same], checks.min_gap_minutes) / 60.0
    speed[this] = leg[same] / 1000.0 / hours
    fast = speed[this] > checks.max_speed_kmh

    # A fix far from both its neighbours on the route while they are close: out and back.
    same = person[:-2] == person[2:]
    shorter = np.minimum(leg[:-1], leg[1:])[same]
    back = np.hypot(rx[2:] - rx[:-2], ry[2:] - ry[:-2])[same]
    detour[rows[1:-1][same]] = (shorter > checks.detour_m) & (back < shorter / 2)

    # Blame a too-fast leg on its odd end (a detour, or fast on both sides); else its arrival.
    fast_in = np.zeros(n, dtype=bool)
    fast_out = np.zeros(n, dtype=bool)
    fast_in[this[fast]] = True
    fast_out[prev[fast]] = True
    odd = detour | (fast_in & fast_out)
    start, end = prev[fast], this[fast]
    too_fast[start[odd[start]]] = True
    too_fast[end[odd[end] | ~odd[start]]] = True
    return speed, too_fast, detour


def _timing(when: pd.Series, checks):
    """Return masks of interviews outside the fieldwork window and at night."""
    day = when.dt.normalize()
    start = pd.Timestamp(checks.fieldwork_start)
    end = pd.Timestamp(checks.fieldwork_end)
    outside = ((day < start) | (day > end)).fillna(False).to_numpy(dtype=bool)
    hour = when.dt.hour
    if checks.night_start_hour > checks.night_end_hour:
        night = (hour >= checks.night_start_hour) | (hour < checks.night_end_hour)
    else:
        night = (hour >= checks.night_start_hour) & (hour < checks.night_end_hour)
    return outside, night.fillna(False).to_numpy(dtype=bool)


def repeated_households(frame: pd.DataFrame, households=None) -> np.ndarray:
    """Return the mask of household IDs repeated within one declared RT.

    Rows counted in no kelurahan are in no RT, so never compared; ``duplicate`` rows are
    repeats already set aside. ``households``: the household IDs'
    :func:`cakupan._text.fingerprints`, if at hand.
    """
    status = frame["status"].astype("string")
    key = frame[["kelurahan_code", "rw", "rt", "household_id"]].astype("string")
    usable = (key["household_id"].notna() & key["kelurahan_code"].notna()
              & (status != "duplicate").fillna(True)).to_numpy(dtype=bool)
    if households is None:
        households = fingerprints(as_arrow(key["household_id"]))
    # compare whole keys only where a household's fingerprint repeats
    rows = sharing(households, np.flatnonzero(usable))
    repeated = np.zeros(len(frame), dtype=bool)
    repeated[rows] = key.iloc[rows].duplicated(keep=False).to_numpy()
    return repeated
