"""The sample world's fieldwork: who interviewed which household when, with faults injected.

Takes the true households (which ones were genuinely interviewed) and the RTs' ground truth
from :mod:`cakupan.sample.world`, and returns the interview file as an enumerator app would
export it (text values) and the fault of each of its rows. The rates of every fault the world
injects are in :data:`FAULTS`. Deterministic given the ``numpy.random.Generator``; nothing
here touches the disk.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj

from cakupan.crs import WGS84
from cakupan.sample.layers import METRIC

ENUMERATORS_PER_RT = 3156 / 4818
ENUMERATORS_PER_SUPERVISOR = 6
START = pd.Timestamp("2022-10-15 08:00")
DAYS = 31

FAULTS = {
    "rt_skipped": 0.02,        # RT never visited
    "rt_partly_skipped": 0.06,  # a block of 40-80% of the RT's households missed
    "rt_few_missed": 0.05,      # 5-25% missed
    "rt_new_block": 0.02,       # new housing block missing from prelist and fieldwork
    "inventing_enumerators": 0.002,
    "household_missed": 0.003,  # not at home, anywhere
    "repeat_submission": 0.01,
    "swapped_lat_lon": 0.003,
    "no_coordinates": 0.005,
    "decimal_comma": 0.002,
    "too_fast_trip": 0.001,
}
#: Typical reported GPS accuracy (metres) of a genuine fix per kind of settlement.
ACCURACY_M = {"apartment": 14.0, "shared": 9.0, "kampung": 9.0, "estate": 7.0, "rural": 5.0}
#: Chance that a household after the first in a building gets the fix cached at the first.
CACHED_FIX = {"apartment": 0.3, "shared": 0.6}
_NAMES = ("Siti", "Ahmad", "Dewi", "Budi", "Rina", "Agus", "Sri", "Joko", "Nur", "Eko")


def interviews(households: pd.DataFrame, truth_rt: pd.DataFrame, rng: np.random.Generator,
               pace: float = 1.0, fabricators: int | None = None
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the interview export and the fault of each of its rows.

    Each RT's households go to one enumerator, a few of whom invent interviews for skipped
    RTs; then come GPS noise, repeated submissions, trips too fast to be real, and faults of
    the coordinates' text, in that order (each step draws from ``rng`` in turn).
    """
    n_rt = len(truth_rt)
    n_enumerators = max(1, int(round(n_rt * ENUMERATORS_PER_RT)))
    enumerator_of_rt = np.minimum((np.arange(n_rt) * n_enumerators) // n_rt, n_enumerators - 1)
    # the first RT of each kelurahan goes to the enumerator of the last RT before it: some
    # enumerators work in two kelurahan, as assignments across a desa boundary do
    first = truth_rt["kelurahan_code"].ne(truth_rt["kelurahan_code"].shift()).to_numpy(copy=True)
    first[:1] = False
    enumerator_of_rt[first] = enumerator_of_rt[np.flatnonzero(first) - 1]
    rt_index = pd.Series(np.arange(n_rt), index=truth_rt["sls_code"])
    done = households[households["interviewed"]].copy()
    done["enumerator"] = enumerator_of_rt[done["sls_code"].map(rt_index).to_numpy()]
    done["fault"] = ""

    invented = _invented(households, truth_rt, enumerator_of_rt, rng, fabricators)
    rows = pd.concat([done, invented], ignore_index=True)
    rows = rows.sort_values(["enumerator", "sls_code", "fault", "y", "x"], kind="stable")
    rows = _timestamps(rows.reset_index(drop=True), rng, pace)
    rows = _repeat_submissions(_gps_fixes(rows, rng), rng)
    rows = _too_fast_trips(rows, rng)
    rows = rows.sort_values(["interviewed_at", "enumerator"], kind="stable").reset_index(
        drop=True)
    lon_text, lat_text = _coordinate_text(rows, rng)
    export = _export(rows, lon_text, lat_text, rng)
    truth = pd.DataFrame({"interview_id": export["interview_id"], "fault": rows["fault"],
                          "settlement": rows["settlement"]})
    return export, truth


def _gps_fixes(rows: pd.DataFrame, rng) -> pd.DataFrame:
    """Add the reported accuracy and move each fix by GPS noise of that size.

    Accuracy is poorer indoors and among close walls (apartment blocks, kampung) than in the
    open (rural roads). In a building shared by several households the phone often returns
    the fix it cached at the first door (:data:`CACHED_FIX`): the same coordinates and
    accuracy again. Invented interviews report a good accuracy (3-6 m): their app was not
    moved.
    """
    typical = rows["settlement"].map(ACCURACY_M).fillna(8.0).to_numpy()
    accuracy = np.clip(rng.lognormal(np.log(typical), 0.5), 3, 150).round(1)
    genuine = rows["fault"].eq("").to_numpy()
    accuracy[~genuine] = rng.uniform(3, 6, (~genuine).sum()).round(1)
    noise = rng.normal(0, 1, (len(rows), 2)) * (accuracy[:, None] / 2)
    rows["x"] = rows["x"] + noise[:, 0]
    rows["y"] = rows["y"] + noise[:, 1]
    rows["gps_accuracy_m"] = accuracy
    chance = pd.Series(np.where(rows["settlement"].eq("apartment"), CACHED_FIX["apartment"],
                                CACHED_FIX["shared"]), index=rows.index)
    shared = genuine & (rows["building"].to_numpy() >= 0)
    order = rows[shared].sort_values("started_at", kind="stable")
    first = order.groupby("building")[["x", "y", "gps_accuracy_m"]].transform("first")
    again = ((order.groupby("building").cumcount() > 0).to_numpy()
             & (rng.random(len(order)) < chance[order.index].to_numpy()))
    rows.loc[order.index[again], ["x", "y", "gps_accuracy_m"]] = first[again].to_numpy()
    return rows


def _repeat_submissions(rows: pd.DataFrame, rng) -> pd.DataFrame:
    """Add a second submission of a few genuine interviews, minutes to hours later."""
    genuine = rows["fault"].eq("").to_numpy()
    repeats = rows[genuine & (rng.random(len(rows)) < FAULTS["repeat_submission"])].copy()
    later = pd.to_timedelta(rng.integers(5, 600, len(repeats)), unit="min")
    repeats["interviewed_at"] = repeats["interviewed_at"] + later
    repeats["started_at"] = repeats["started_at"] + later
    repeats["x"] = repeats["x"] + rng.normal(0, 3, len(repeats))
    repeats["y"] = repeats["y"] + rng.normal(0, 3, len(repeats))
    repeats["fault"] = "repeat_submission"
    return pd.concat([rows, repeats], ignore_index=True)


def _too_fast_trips(rows: pd.DataFrame, rng) -> pd.DataFrame:
    """Move a few interviews 4 km from the one before, 2-5 minutes later: a trip too fast.

    Rows come back sorted by enumerator and time; ``before_trip`` marks the interview before
    such a trip, which must keep its coordinates for the trip to stay measurable.
    """
    rows = rows.sort_values(["enumerator", "interviewed_at"], kind="stable").reset_index(drop=True)
    after = rows["enumerator"].eq(rows["enumerator"].shift()) & rows["fault"].eq("") & rows[
        "fault"].shift().eq("")
    too_fast = rows.index[after & (rng.random(len(rows)) < FAULTS["too_fast_trip"])]
    too_fast = too_fast[~np.isin(too_fast - 1, too_fast)]
    angle = rng.uniform(0, 2 * np.pi, len(too_fast))
    rows.loc[too_fast, "x"] = rows.loc[too_fast - 1, "x"].to_numpy() + 4000 * np.cos(angle)
    rows.loc[too_fast, "y"] = rows.loc[too_fast - 1, "y"].to_numpy() + 4000 * np.sin(angle)
    length = (rows.loc[too_fast, "interviewed_at"] - rows.loc[too_fast, "started_at"]).to_numpy()
    rows.loc[too_fast, "interviewed_at"] = (rows.loc[too_fast - 1, "interviewed_at"].to_numpy()
                                            + pd.to_timedelta(rng.uniform(2, 5, len(too_fast)),
                                                              unit="min")).round("s")
    rows.loc[too_fast, "started_at"] = rows.loc[too_fast, "interviewed_at"].to_numpy() - length
    rows.loc[too_fast, "fault"] = "too_fast_trip"
    rows["before_trip"] = False
    rows.loc[too_fast - 1, "before_trip"] = True
    return rows


def _coordinate_text(rows: pd.DataFrame, rng) -> tuple[pd.Series, pd.Series]:
    """Return longitude and latitude as exported text, a few swapped, missing or with commas.

    The fault of each row so spoilt is set in ``rows`` (in place).
    """
    lon, lat = pyproj.Transformer.from_crs(METRIC, WGS84, always_xy=True).transform(
        rows["x"].to_numpy(), rows["y"].to_numpy())
    lon_text = pd.Series(np.round(lon, 7)).astype(str)
    lat_text = pd.Series(np.round(lat, 7)).astype(str)
    free = (rows["fault"].eq("") & ~rows["before_trip"]).to_numpy().copy()
    for name in ("swapped_lat_lon", "no_coordinates", "decimal_comma"):
        pick = free & (rng.random(len(rows)) < FAULTS[name])
        free &= ~pick
        rows.loc[pick, "fault"] = name
        if name == "swapped_lat_lon":
            lon_text[pick], lat_text[pick] = lat_text[pick].to_numpy(), lon_text[pick].to_numpy()
        elif name == "no_coordinates":
            lon_text[pick], lat_text[pick] = "", ""
        else:
            lon_text[pick] = lon_text[pick].str.replace(".", ",", regex=False)
            lat_text[pick] = lat_text[pick].str.replace(".", ",", regex=False)
    return lon_text, lat_text


def _export(rows: pd.DataFrame, lon_text: pd.Series, lat_text: pd.Series, rng) -> pd.DataFrame:
    """Return the rows as the app exports them: IDs, codes, a name, text coordinates, times."""
    ids = pd.Series(np.arange(1, len(rows) + 1)).astype(str).str.zfill(7)
    enumerator = rows["enumerator"].to_numpy()
    return pd.DataFrame({
        "interview_id": "W" + ids,
        "sls_code": rows["sls_code"],
        "kelurahan_code": rows["kelurahan_code"],
        "rw": rows["rw"],
        "rt": rows["rt"],
        "household_id": rows["household_id"],
        "nama_krt": np.array(_NAMES)[rng.integers(0, len(_NAMES), len(rows))],
        "household_size": rows["household_size"].astype(int),
        "lon": lon_text,
        "lat": lat_text,
        "gps_accuracy_m": rows["gps_accuracy_m"],
        # an ODK/Kobo form's start, under an Indonesian header; its end is interviewed_at
        "waktu_mulai": rows["started_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "interviewed_at": rows["interviewed_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "enumerator_id": "PPL" + pd.Series(enumerator + 1).astype(str).str.zfill(4),
        "supervisor_id": "PML" + pd.Series(enumerator // ENUMERATORS_PER_SUPERVISOR + 1)
        .astype(str).str.zfill(3),
    })


def _invented(households, truth_rt, enumerator_of_rt, rng, fabricators=None) -> pd.DataFrame:
    """Interviews invented at one spot for skipped RTs by a few enumerators.

    Fabricators work in every kind of settlement: one skipped RT of each kind is taken
    first (in a random order of kinds), then others at random.
    """
    skipped = np.flatnonzero(truth_rt["fault"].isin(["skipped", "partly_skipped"]).to_numpy())
    if fabricators is None:
        fabricators = max(1, int(round(len(enumerator_of_rt) * FAULTS[
            "inventing_enumerators"] * 1.5)))
    n = min(len(skipped), fabricators)
    if n == 0:
        return households.iloc[:0].assign(enumerator=0, fault="")
    shuffled = skipped[rng.permutation(len(skipped))]
    kind = truth_rt["settlement"].to_numpy()[shuffled]
    first = pd.Series(kind).duplicated().to_numpy()  # one of each kind first, then the rest
    chosen = np.concatenate([shuffled[~first], shuffled[first]])[:n]
    missing = households[~households["interviewed"] & households["in_prelist"]]
    rows = []
    for i in chosen:  # a handful of RTs
        code = truth_rt["sls_code"].iat[i]
        gone = missing[missing["sls_code"] == code]
        take = gone.iloc[: int(len(gone) * rng.uniform(0.7, 1.0))].copy()
        spot = take[["x", "y"]].mean().to_numpy() if len(take) else np.zeros(2)
        take["x"] = spot[0] + rng.normal(0, 1.5, len(take))
        take["y"] = spot[1] + rng.normal(0, 1.5, len(take))
        take["enumerator"] = enumerator_of_rt[i]
        take["fault"] = "invented"
        rows.append(take)
    return pd.concat(rows, ignore_index=True)


def _timestamps(rows, rng, pace: float = 1.0) -> pd.DataFrame:
    """Give each interview its start and end: genuine ones at a real pace, invented ones fast.

    Genuine: each enumerator works through their households over 24 days, from 08:00-09:00,
    an interview taking 20-45 minutes and the walk to the next door 2-10 (1-4 in an
    apartment block), with a 45-minute break after the fourth. Invented: on one of the last
    days, either in one or two sittings (in the afternoon or, two times in five, the
    evening), forms opened and closed in 2-6 minutes and 2-8 minutes apart; or spread through
    the day, 3-8 minute forms 12-35 minutes apart. ``pace`` scales the genuine minutes.
    """
    invented = rows["fault"].eq("invented").to_numpy()
    genuine = rows[~invented]
    person = genuine["enumerator"].to_numpy()
    k = genuine.groupby("enumerator").cumcount().to_numpy()
    total = genuine.groupby("enumerator")["enumerator"].transform("size").to_numpy()
    per_day = np.maximum(4, np.ceil(total / 24)).astype(int)
    day, slot = k // per_day, k % per_day
    duration = rng.uniform(20, 45, len(genuine)) * pace
    block = genuine["settlement"].eq("apartment").to_numpy()
    walk = np.where(block, rng.uniform(1, 4, len(genuine)),
                    rng.uniform(2, 10, len(genuine))) * pace
    step = pd.Series(duration + walk).groupby([person, day]).cumsum().to_numpy()
    begin = np.where(slot == 0, rng.uniform(0, 60, len(genuine)), 0.0)
    begin = pd.Series(begin).groupby([person, day]).transform("max").to_numpy()
    offset = begin + step - duration - walk + 45.0 * (slot >= 4)
    started = np.empty(len(rows), dtype="datetime64[ns]")
    length = np.empty(len(rows))
    started[~invented] = (START + pd.to_timedelta(day, unit="D")
                          + pd.to_timedelta(offset, unit="min"))
    length[~invented] = duration
    if invented.any():
        started[invented], length[invented] = _invented_times(rows[invented], rng)
    rows["started_at"] = pd.Series(started, index=rows.index).dt.round("s")
    rows["interviewed_at"] = (rows["started_at"]
                              + pd.to_timedelta(length, unit="min")).dt.round("s")
    return rows


def _invented_times(rows, rng):
    """Return the starts and lengths (minutes) of invented interviews (see :func:`_timestamps`)."""
    person = rows["enumerator"].to_numpy()
    people, which = np.unique(person, return_inverse=True)
    spread = rng.random(len(people)) < 0.4
    evening = rng.random(len(people)) < 0.4
    day = rng.integers(24, 30, len(people))
    k = pd.Series(which).groupby(which).cumcount().to_numpy()
    total = np.bincount(which)[which]
    two = rng.random(len(people)) < 0.5
    second = two[which] & (k >= total // 2) & ~spread[which]
    hour = np.where(spread, rng.uniform(8, 9, len(people)),
                    np.where(evening, rng.uniform(18.5, 20.0, len(people)),
                             rng.uniform(13, 15, len(people))))
    length = np.where(spread[which], rng.uniform(3, 8, len(rows)), rng.uniform(2, 6, len(rows)))
    gap = np.where(spread[which], rng.uniform(12, 35, len(rows)), rng.uniform(2, 8, len(rows)))
    sitting = which * 2 + second
    minutes = pd.Series(gap).groupby(sitting).cumsum().to_numpy()
    started = (START.normalize() + pd.to_timedelta(day[which] + second, unit="D")
               + pd.to_timedelta(hour[which], unit="h") + pd.to_timedelta(minutes, unit="min"))
    return started.to_numpy(), length
