"""Enumerator scores: each enumerator's interviews, flags and urgency, ranked.

Takes the interviews frame and its flags (:func:`cakupan.detect.flags.flag_interviews`) and
returns one row per enumerator. The counts add up over parts of the rows
(:func:`enumerator_counts`), so a run by parts scores the sums of its parts
(:func:`score_enumerators`). Never reads or writes files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cakupan.detect.flags import FLAG_WEIGHTS, FLAGS


def enumerator_scores(interviews: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """Count each enumerator's interviews and flags and rank them by urgency.

    Parameters
    ----------
    interviews : pandas.DataFrame
        Normalised interviews: ``enumerator_id``, ``supervisor_id``, ``status``, and
        optionally ``location_check``.
    flags : pandas.DataFrame
        The result of :func:`flag_interviews` for ``interviews``.

    Returns
    -------
    pandas.DataFrame
        One row per enumerator (rows without one are grouped under ``<NA>``): ``enumerator_id``,
        ``supervisor_id`` (the one of most of its interviews), ``interviews``, ``counted``,
        ``doubtful``, ``flagged`` (interviews with a flag of ``severity`` ``serious`` or
        ``verify``, or ``far_outside``; any flag when ``flags`` has no ``severity``),
        ``share_flagged``, one count per flag of :data:`FLAGS`, ``far_outside``, and
        ``score``: the flagged interviews weighted by :data:`FLAG_WEIGHTS`, so that many
        serious flags come first. Sorted by score, then flagged interviews, descending.

    Examples
    --------
    >>> frame = pd.DataFrame({"enumerator_id": ["p1", "p1", "p2"],
    ...                       "supervisor_id": ["s1", "s1", "s1"], "status": "counted"})
    >>> flags = pd.DataFrame({"flags": ["night_time", "", "too_fast_travel;poor_gps"],
    ...                       "doubtful": False})
    >>> enumerator_scores(frame, flags)[["enumerator_id", "flagged", "score"]].values.tolist()
    [['p2', 1, 1.25], ['p1', 1, 0.25]]
    """
    return score_enumerators(*enumerator_counts(interviews, flags))


def enumerator_counts(interviews: pd.DataFrame, flags: pd.DataFrame
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return what :func:`score_enumerators` needs: counts that add up over parts of the rows.

    ``sums``: per enumerator (index ``enumerator_id``, text; ``<NA>`` for rows without one)
    the counts of :func:`enumerator_scores`. ``officers``: rows per enumerator and known
    supervisor (``enumerator_id``, ``supervisor_id``, ``n``).
    """
    text = flags["flags"]
    flagged = (text.notna() & text.ne("")).to_numpy(dtype=bool)
    # a task (serious or to verify) counts as flagged; a note (poor GPS) only in its column
    task = (flags["severity"].isin(["serious", "verify"]).fillna(False).to_numpy(dtype=bool)
            if "severity" in flags else flagged)
    # per-row counts summed per enumerator with bincount: no frame of 8 million rows x 16
    codes, names = pd.factorize(interviews["enumerator_id"], sort=True)
    slot = np.where(codes < 0, len(names), codes)  # the last slot: no enumerator
    size = len(names) + 1

    def per_enumerator(mask=None):
        return np.bincount(slot if mask is None else slot[mask], minlength=size)

    some = np.flatnonzero(flagged)
    listed, distinct = pd.factorize(text.iloc[some])  # each distinct list of flags read once
    distinct = pd.Series(distinct, dtype="string")
    far = np.zeros(len(slot), dtype=bool)
    if "location_check" in interviews:
        far = (interviews["location_check"] == "far_outside").fillna(False).to_numpy(dtype=bool)
    sums = {
        "interviews": per_enumerator(),
        "counted": per_enumerator((interviews["status"] == "counted").fillna(False)
                                  .to_numpy(dtype=bool)),
        "doubtful": per_enumerator(flags["doubtful"].astype(bool).to_numpy()),
        "flagged": per_enumerator(task | far),
    }
    for name in FLAGS:
        has = distinct.str.contains(rf"(?:^|;){name}(?:;|$)", regex=True).to_numpy(dtype=bool)
        sums[name] = np.bincount(slot[some[has[listed]]], minlength=size)
    sums["far_outside"] = per_enumerator(far)
    index = pd.Index(pd.concat([pd.Series(names, dtype="string"),
                                pd.Series([pd.NA], dtype="string")]).array, name="enumerator_id")
    out = pd.DataFrame({name: values.astype("int64") for name, values in sums.items()},
                       index=index)
    out = out[out["interviews"] > 0]  # the slot of no enumerator, when every row has one
    officers = interviews[["enumerator_id", "supervisor_id"]]
    officers = officers[officers["supervisor_id"].notna()]
    officers = officers.groupby(["enumerator_id", "supervisor_id"], dropna=False, sort=True,
                                observed=True).size().rename("n").reset_index()
    return out, officers.astype({"enumerator_id": "string", "supervisor_id": "string"})


def score_enumerators(sums: pd.DataFrame, officers: pd.DataFrame) -> pd.DataFrame:
    """Return :func:`enumerator_scores` from :func:`enumerator_counts` (of all the rows)."""
    counts = [*FLAGS, "far_outside"]
    out = sums.copy()
    out.insert(0, "supervisor_id", most_common(officers, "enumerator_id", "supervisor_id"))
    out.insert(5, "share_flagged", (out["flagged"] / out["interviews"]).round(4))
    out["score"] = sum(out[name] * FLAG_WEIGHTS[name] for name in counts).round(2)
    out = out.reset_index()
    order = np.lexsort((out["enumerator_id"].fillna("").to_numpy(), -out["flagged"], -out["score"]))
    return out.iloc[order].reset_index(drop=True)


def most_common(counts: pd.DataFrame, by: str, column: str) -> pd.Series:
    """Return, per ``by``, the ``column`` of most rows (``counts``: ``by``, ``column``, ``n``).

    Ties go to the smallest ``column``.
    """
    counts = counts.groupby([by, column], dropna=False, sort=True)["n"].sum().reset_index()
    counts = counts.astype({by: "string", column: "string"})
    counts = counts.sort_values([by, "n", column], ascending=[True, False, True])
    return counts.drop_duplicates(by).set_index(by)[column]
