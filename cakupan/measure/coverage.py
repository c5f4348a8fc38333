"""Measure: counted against expected households for every RT, RW, kelurahan and kecamatan.

Takes assigned interviews, expected households per RT and the kelurahan table; returns one
row per unit at every level with the columns of ``coverage.csv``. Nothing here touches the
disk.

- ``counted_households``: counted interviews (``status == "counted"``; a repeated household
  was already set aside as ``duplicate``), including ``doubtful_households``, those an
  interview check put in doubt (invented clusters).
- ``coverage_ratio``: (counted - doubtful) / expected.
- ``gap_households``: households still missing. For an RT, expected - (counted - doubtful),
  never below 0. Above the RT, the sum of the gaps below it (or the level's own shortfall if
  larger), so an over-counted RT never hides a missing one.
- ``status``: ``no_expected`` without an expected count; ``not_started`` when nothing is
  counted (never when an interview is counted, doubtful or not); ``doubtful`` when more than
  half of the counted households are doubtful; ``under`` below ``[coverage] under_ratio``;
  ``over`` above ``over_ratio``; otherwise ``complete``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cakupan.config import Coverage
from cakupan.detect.tally import counted_per_rt

LEVELS = ("kecamatan", "kelurahan", "rw", "rt")
COLUMNS = (
    "level", "code", "parent_code", "name", "kelurahan_code", "rw", "rt",
    "counted_households", "doubtful_households", "expected_households", "expected_source",
    "coverage_ratio", "gap_households", "status",
)
#: Columns kept beside the contract when independent expected counts are given.
SOURCES = ("expected_prelist", "expected_raster", "expected_buildings")
_RT = ["kelurahan_code", "rw", "rt"]


def measure(interviews, expected: pd.DataFrame | None,
            kelurahan: pd.DataFrame, settings: Coverage = Coverage(),
            rt_names: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return coverage at every level, sorted by level and code.

    Parameters
    ----------
    interviews : DataFrame or cakupan.detect.tally.Tally
        Assigned interviews: ``status``, ``kelurahan_code``, ``rw``, ``rt`` and, optionally,
        ``doubtful`` (bool); or their tally.
    expected : DataFrame or None
        One row per RT: ``kelurahan_code``, ``rw``, ``rt``, ``expected_households``,
        ``expected_source``.
    kelurahan : DataFrame
        ``kelurahan_code``, ``kelurahan_name``, ``kecamatan_code``, ``kecamatan_name``.
    settings : Coverage
        Status thresholds.
    rt_names : DataFrame, optional
        ``kelurahan_code``, ``rw``, ``rt``, ``sls_name``: names for RTs (from SLS polygons),
        and RTs to list even when nothing is counted or expected there.

    Examples
    --------
    >>> kel = pd.DataFrame({"kelurahan_code": ["3671011001"], "kelurahan_name": ["Sukarasa"],
    ...                     "kecamatan_code": ["367101"], "kecamatan_name": ["Tangerang"]})
    >>> iv = pd.DataFrame({"status": ["counted"] * 3, "kelurahan_code": ["3671011001"] * 3,
    ...                    "rw": ["001"] * 3, "rt": ["001", "001", "002"]})
    >>> ex = pd.DataFrame({"kelurahan_code": ["3671011001"] * 2, "rw": ["001"] * 2,
    ...                    "rt": ["001", "002"], "expected_households": [2.0, 4.0],
    ...                    "expected_source": ["prelist"] * 2})
    >>> table = measure(iv, ex, kel)
    >>> table[["level", "counted_households", "gap_households", "status"]].values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['kecamatan', 3, 3.0, 'under'], ['kelurahan', 3, 3.0, 'under'], ['rw', 3, 3.0, 'under'],
     ['rt', 2, 0.0, 'complete'], ['rt', 1, 3.0, 'under']]
    """
    rt = _rt_table(interviews, expected, rt_names)
    rt = rt.merge(kelurahan[["kelurahan_code", "kecamatan_code"]], on="kelurahan_code",
                  how="left")
    from cakupan.codes import kecamatan_of

    rt["kecamatan_code"] = rt["kecamatan_code"].fillna(kecamatan_of(rt["kelurahan_code"]))
    rt["gap"] = _gap(rt)
    rows = [_level_rows("rt", rt, settings)]
    for level, keys in (("rw", ["kelurahan_code", "rw"]), ("kelurahan", ["kelurahan_code"]),
                        ("kecamatan", ["kecamatan_code"])):
        rows.append(_level_rows(level, _roll_up(rt, keys, kelurahan, level), settings))
    table = pd.concat(rows, ignore_index=True)
    names = _names(kelurahan)
    table["name"] = table["name"].fillna(table["code"].map(names)).fillna(table["code"])
    table["level"] = pd.Categorical(table["level"], categories=LEVELS, ordered=True)
    table = table.sort_values(["level", "code"], kind="stable").reset_index(drop=True)
    table["level"] = table["level"].astype("string")
    return table[[*COLUMNS, *SOURCES, "sources_disagree"]]


def _rt_table(interviews, expected, rt_names) -> pd.DataFrame:
    frames = [counted_per_rt(interviews)]
    if expected is not None and len(expected):
        extra = [c for c in (*SOURCES, "sources_disagree") if c in expected]
        frames.append(expected[[*_RT, "expected_households", "expected_source", *extra]])
    if rt_names is not None and len(rt_names):
        frames.append(rt_names.dropna(subset=_RT)[[*_RT, "sls_name"]])
    keys = pd.concat([f[_RT] for f in frames]).drop_duplicates()
    rt = keys
    for frame in frames:
        rt = rt.merge(frame.drop_duplicates(_RT), on=_RT, how="left")
    for column in ("counted", "doubtful"):
        rt[column] = rt[column].fillna(0).astype("int64")
    for column, dtype in (("expected_households", "float64"), ("expected_source", "string"),
                          ("sls_name", "string")):
        if column not in rt:
            rt[column] = pd.Series(np.nan if dtype == "float64" else pd.NA, index=rt.index,
                                   dtype=dtype)
    for column in SOURCES:
        if column not in rt:
            rt[column] = np.nan
    rt["sources_disagree"] = rt.get("sources_disagree", pd.Series(False, index=rt.index))
    rt["sources_disagree"] = rt["sources_disagree"].fillna(False).astype(bool)
    return rt.astype({c: "string" for c in _RT})


def _gap(frame: pd.DataFrame) -> pd.Series:
    effective = frame["counted"] - frame["doubtful"]
    return (frame["expected_households"] - effective).clip(lower=0).fillna(0)


def _roll_up(rt, keys, kelurahan, level) -> pd.DataFrame:
    grouped = rt.groupby(keys, sort=True, dropna=False)
    up = grouped[["counted", "doubtful"]].sum()
    up["child_gap"] = grouped["gap"].sum()
    up = up.join(grouped[["expected_households", *SOURCES]].sum(min_count=1))
    up["sources_disagree"] = grouped["sources_disagree"].sum()
    named = rt[[*keys, "expected_source"]].dropna(subset=["expected_source"]).drop_duplicates()
    named = named.sort_values("expected_source", kind="stable")
    sources = named.groupby(keys, sort=True, dropna=False)["expected_source"].agg(";".join)
    up["expected_source"] = sources.reindex(up.index).astype("string")
    up = up.reset_index()
    up["gap"] = np.maximum(_gap(up), up["child_gap"])
    if level in ("kelurahan", "kecamatan"):
        # every unit of the boundaries is listed, even one with nothing counted or expected
        every = kelurahan[keys].drop_duplicates()
        up = every.merge(up, on=keys, how="outer")
        up = up.fillna({"counted": 0, "doubtful": 0, "child_gap": 0.0, "gap": 0.0,
                        "sources_disagree": 0})
    if level == "kelurahan":
        up = up.merge(kelurahan[["kelurahan_code", "kecamatan_code"]], on="kelurahan_code",
                      how="left")
        up["kecamatan_code"] = up["kecamatan_code"].fillna(up["kelurahan_code"].str.slice(0, 7))
    return up


def _level_rows(level, frame, settings) -> pd.DataFrame:
    effective = frame["counted"] - frame["doubtful"]
    expected = frame["expected_households"]
    has_expected = expected.notna() & (expected > 0)
    ratio = (effective / expected).where(has_expected)
    # counted households make a unit started; most of them in doubt make it doubtful
    counted = frame["counted"]
    status = np.select(
        [~has_expected, counted <= 0, frame["doubtful"] * 2 > counted,
         ratio < settings.under_ratio, ratio > settings.over_ratio],
        ["no_expected", "not_started", "doubtful", "under", "over"],
        "complete",
    )
    kel = frame.get("kelurahan_code")
    rw = frame.get("rw")
    out = pd.DataFrame({"level": level}, index=frame.index)
    if level == "rt":
        out["code"] = frame["kelurahan_code"] + frame["rw"] + frame["rt"]
        out["parent_code"] = frame["kelurahan_code"] + frame["rw"]
        rt, rw_name = frame["rt"].astype("string"), " / RW " + frame["rw"].astype("string")
        # an SLS of its own (RT = its 4-digit kdsls, RW 000 when none is known) is no RT
        own = rt.str.len().eq(4).fillna(False)
        unnamed = ("RT " + rt + rw_name).mask(
            own, "SLS " + rt + rw_name.mask(frame["rw"].eq("000").fillna(False), ""))
        out["name"] = frame["sls_name"].fillna(unnamed)
    elif level == "rw":
        out["code"] = frame["kelurahan_code"] + frame["rw"]
        out["parent_code"] = frame["kelurahan_code"]
        out["name"] = "RW " + frame["rw"]
    elif level == "kelurahan":
        out["code"] = frame["kelurahan_code"]
        out["parent_code"] = frame["kecamatan_code"]
        out["name"] = pd.NA
    else:
        out["code"] = frame["kecamatan_code"]
        out["parent_code"] = frame["kecamatan_code"].str.slice(0, 4)
        out["name"] = pd.NA
    out["kelurahan_code"] = kel if level in ("kelurahan", "rw", "rt") else pd.NA
    out["rw"] = rw if level in ("rw", "rt") else pd.NA
    out["rt"] = frame["rt"] if level == "rt" else pd.NA
    out["counted_households"] = frame["counted"].astype("int64")
    out["doubtful_households"] = frame["doubtful"].astype("int64")
    out["expected_households"] = expected.round(1)
    out["expected_source"] = frame["expected_source"].astype("string")
    out["coverage_ratio"] = ratio.round(4)
    out["gap_households"] = frame["gap"].round(1)
    out["status"] = status
    for column in SOURCES:
        out[column] = frame[column].round(1)
    # an RT's own flag; above the RT, how many RTs below are flagged
    out["sources_disagree"] = frame["sources_disagree"].astype("int64")
    return out.astype({"code": "string", "parent_code": "string", "name": "string",
                       "kelurahan_code": "string", "rw": "string", "rt": "string",
                       "status": "string"})


def _names(kelurahan) -> pd.Series:
    kel = pd.Series(kelurahan["kelurahan_name"].to_numpy(),
                    index=kelurahan["kelurahan_code"].to_numpy())
    kec = kelurahan.drop_duplicates("kecamatan_code")
    kec = pd.Series(kec["kecamatan_name"].to_numpy(), index=kec["kecamatan_code"].to_numpy())
    return pd.concat([kel, kec])
