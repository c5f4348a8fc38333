"""Interviews as points for the supervisor's map: flagged ones in words, counted ones.

Takes interviews (a frame or their tally, :mod:`cakupan.detect.tally`) and returns columns
ready for the page's JSON. Every text is made here, in the page's language, through
:mod:`cakupan.formats` and :mod:`cakupan.labels`; repeated texts (flag lists, evidence,
location checks) travel once, as a list the points index into, which keeps the city's map within its
size budget. Never touches the disk.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cakupan import formats
from cakupan._text import joined_codes
from cakupan.assign.locate import is_located
from cakupan.detect.flags import FLAGS
from cakupan.detect.tally import piece
from cakupan.labels import labels


def _column(rows: pd.DataFrame, name: str) -> pd.Series:
    if name in rows:
        return pd.to_numeric(rows[name], errors="coerce").astype("float64")
    return pd.Series(np.nan, index=rows.index)


def evidence(rows: pd.DataFrame, flags: pd.Series, lang: str = "id") -> tuple[pd.Series,
                                                                              pd.Series]:
    """Return (flag names, evidence) of flagged rows, in words, ``; ``-separated.

    Evidence fills the ``text`` templates of :mod:`cakupan.labels` (cluster size, speed,
    distance, GPS accuracy, date, time) with figures formatted by :mod:`cakupan.formats`; a
    flag without a template is said by name only.
    """
    text = labels(lang)["text"]
    when = pd.to_datetime(rows.get("interviewed_at", pd.Series(pd.NaT, index=rows.index)),
                          errors="coerce")
    fill = {
        "id": formats.texts(_column(rows, "cluster_id"), formats.number, lang),
        "size": formats.texts(_column(rows, "cluster_size"), formats.number, lang),
        "speed": formats.texts(_column(rows, "speed_kmh").round(0), formats.number, lang),
        "nearest": formats.texts(_column(rows, "nearest_m"), formats.number, lang, decimals=1),
        "accuracy": formats.texts(_column(rows, "gps_accuracy_m").round(0), formats.number,
                                  lang),
        "date": formats.texts(when.dt.normalize(), formats.date, lang),
        "time": formats.texts(when, formats.clock, lang),
        "gap": formats.texts(_column(rows, "spot_gap_min").round(0), formats.number, lang),
        "duration": formats.texts(_column(rows, "duration_min").round(0), formats.number,
                                  lang),
        "twin": formats.texts(_column(rows, "twin_gap_min").round(0), formats.interval, lang),
    }
    fill = {key: pd.Series(value.to_numpy(), index=rows.index) for key, value in fill.items()}
    names = pd.Series("", index=rows.index, dtype=object)
    said = pd.Series("", index=rows.index, dtype=object)
    far = rows.get("location_check", pd.Series("", index=rows.index)).astype(str).eq(
        "far_outside")
    present = sorted(set(";".join(flags.unique()).split(";")) - {""},
                     key=lambda f: (FLAGS.index(f) if f in FLAGS else len(FLAGS), f))
    for name in [*present, "far_outside"]:
        has = far if name == "far_outside" else flags.str.contains(
            rf"(?:^|;){name}(?:;|$)", regex=True)
        if not has.any():
            continue
        names = names.mask(has, names + "; " + formats.word(name, lang))
        if name in text:
            said = said.mask(has, said + "; " + formats.fill(text[name], fill, rows.index))
    return names.str.slice(2), said.str.slice(2)


def _indexed(values: pd.Series) -> tuple[list, list]:
    """Return (distinct texts, index of each value into them), texts in order of first use."""
    codes, distinct = pd.factorize(values.astype(str), sort=False)
    return distinct.tolist(), codes.tolist()


def flagged_points(interviews, max_flagged: int = 8000, lang: str = "id") -> dict:
    """Return the flagged interviews that are tasks, as columns, the most serious first.

    Tasks are those of the worklist's interviews to verify: ``severity`` ``serious`` or
    ``verify``, or ``far_outside``; notes are left off the map as off the worklist.

    Serious means doubtful first, then more flags, then flags other than ``poor_gps``;
    ties keep the input order. ``total`` is the number before the cap. ``interviews``: a
    frame or its tally (:mod:`cakupan.detect.tally`). Flag names, evidence and location
    checks are texts in ``lang``, each point holding the index of its text in ``texts``.
    """
    interviews = piece(interviews, "flagged")
    flags = interviews["flags"].astype(object).where(interviews["flags"].notna(), "").astype(str)
    far = interviews["location_check"].eq("far_outside").fillna(False).to_numpy(dtype=bool) \
        if "location_check" in interviews else False
    # the worklist's interviews to verify: a note (a poor fix, a block of flats at the pace
    # of real visits) is no task, and hundreds of them at one block would bury the tasks
    task = (interviews["severity"].isin(["serious", "verify"]).fillna(False).to_numpy(bool)
            | far) if "severity" in interviews else flags.ne("").to_numpy()
    where = interviews["lon"].notna() & interviews["lat"].notna() & task
    rows = interviews[where]
    flags = flags[where]
    doubtful = rows.get("doubtful", pd.Series(False, index=rows.index)).fillna(False)
    key = pd.DataFrame({"d": ~doubtful.astype(bool), "n": -flags.str.count(";"),
                        "gps": flags.eq("poor_gps"), "row": np.arange(len(rows))},
                       index=rows.index)
    order = key.sort_values(["d", "n", "gps", "row"], kind="stable").index[:max_flagged]
    rows = rows.loc[order]
    names, said = evidence(rows, flags.loc[order], lang)
    location = rows.get("location_check", pd.Series(pd.NA, index=rows.index))
    location = formats.texts(location.astype(object).where(location.notna(), None),
                             formats.word, lang)
    texts, first = _indexed(pd.concat([names, said, location], ignore_index=True))
    n = len(rows)
    return {
        "total": int(where.sum()),
        "lon": rows["lon"].round(5).tolist(),
        "lat": rows["lat"].round(5).tolist(),
        "interview_id": _texts(rows.get("interview_id")),
        "enumerator_id": _texts(rows.get("enumerator_id")),
        "interviewed_at": formats.texts(pd.to_datetime(rows["interviewed_at"], errors="coerce")
                                        if "interviewed_at" in rows else
                                        pd.Series(pd.NaT, index=rows.index),
                                        formats.moment, lang).tolist(),
        "texts": texts,
        "flags": first[:n], "evidence": first[n:2 * n], "location_check": first[2 * n:],
    }


def counted_points(interviews, max_points: int = 20000) -> dict:
    """Return counted interviews as points, or one weighted point per RT past ``max_points``.

    Each point carries ``n``, the households it stands for, and ``rt``, its RT code. An RT's
    point is at the mean of its interviews' positions (summed in nanodegrees by
    :mod:`cakupan.detect.tally`). ``interviews``: a frame or its tally.
    """
    by_rt = piece(interviews, "by_rt")
    located = by_rt[by_rt["counted"] & (by_rt["located"] > 0)]
    total = int(located["located"].sum())
    rows = piece(interviews, "points") if total <= max_points else None
    if rows is None:
        sums = located.groupby(joined_codes(located[["kelurahan_code", "rw", "rt"]]),
                               sort=True, observed=True)[["located", "lon", "lat"]].sum()
        n = sums["located"]
        return {"aggregated": bool(len(n) and n.max() > 1), "total": total,
                "lon": (sums["lon"] / n / 1e9).round(5).tolist(),
                "lat": (sums["lat"] / n / 1e9).round(5).tolist(),
                "n": n.astype(int).tolist(), "rt": sums.index.astype(str).tolist()}
    rows = rows[is_located(rows["lon"].to_numpy(dtype="float64", na_value=np.nan),
                           rows["lat"].to_numpy(dtype="float64", na_value=np.nan))]
    return {"aggregated": False, "total": len(rows),
            "lon": rows["lon"].round(5).tolist(), "lat": rows["lat"].round(5).tolist(),
            "n": [1] * len(rows),
            "rt": joined_codes(rows[["kelurahan_code", "rw", "rt"]]).astype(str).tolist()}


def _texts(values) -> list:
    if values is None:
        return []
    return values.astype(object).where(values.notna(), "").astype(str).tolist()
