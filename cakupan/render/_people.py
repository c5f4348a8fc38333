"""Supervisors of the report: who answers for which RT, and what is left for each.

Takes the coverage table and the interviews (a frame or their tally,
:mod:`cakupan.detect.tally`) and returns one section per supervisor for the supervisor's
report: RTs to revisit (under or not started) with their shortfall and the flagged
interviews they have to look at. An RT's supervisor is the one of most interviews declared
in it, else in its kelurahan (ties: the smallest ID), as the worklist decides. Nothing here
reaches the planner's report; never touches the disk.
"""

from __future__ import annotations

import pandas as pd

from cakupan import formats
from cakupan.detect.tally import piece
from cakupan.labels import labels

_RT = ["kelurahan_code", "rw", "rt"]


def _top(rows: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Most frequent supervisor per key (ties: the smallest ID)."""
    counts = rows.dropna(subset=keys).groupby([*keys, "supervisor_id"], sort=True,
                                              observed=True)["rows"].sum()
    counts = counts[counts > 0].rename("n").reset_index().sort_values(
        [*keys, "n", "supervisor_id"], ascending=[True] * len(keys) + [False, True])
    return counts.drop_duplicates(keys).set_index(keys)["supervisor_id"].astype(str)


def supervisor_of(rts: pd.DataFrame, interviews) -> pd.Series:
    """Return the supervisor of each RT (``kelurahan_code``, ``rw``, ``rt``), or missing."""
    rows = piece(interviews, "by_rt")
    rows = rows[rows["supervisor_id"].notna()]
    keys = rts[_RT].astype(str)
    by_rt = _top(rows, _RT).reindex(pd.MultiIndex.from_frame(keys))
    by_kelurahan = _top(rows, ["kelurahan_code"]).reindex(keys["kelurahan_code"])
    chosen = pd.Series(by_rt.to_numpy(), index=rts.index, dtype=object)
    return chosen.fillna(pd.Series(by_kelurahan.to_numpy(), index=rts.index, dtype=object))


def supervisor_sections(coverage: pd.DataFrame, interviews, lang: str = "id",
                        revisit: pd.Series | None = None) -> list[dict]:
    """Return a section per supervisor, the largest shortfall first.

    Each: ``name`` (the ID), ``rts`` (RTs answered for), ``counted`` households, the RTs to
    revisit (kelurahan name, RW, RT, shortfall, status) and ``flagged`` interviews.
    ``revisit``: which rows of ``coverage`` are RTs to revisit (default: those ``under`` or
    ``not_started``).
    """
    if revisit is None:
        revisit = coverage["status"].isin(["under", "not_started"])
    rts = coverage[coverage["level"].eq("rt")].copy()
    if not len(rts):
        return []
    unknown = labels(lang)["value"]["no_supervisor"]
    rts["who"] = supervisor_of(rts, interviews).fillna(unknown)
    kel = coverage[coverage["level"].eq("kelurahan")].drop_duplicates("code")
    kel_names = pd.Series(kel["name"].astype(str).to_numpy(), index=kel["code"].astype(str))
    rts["kelurahan"] = kel_names.reindex(rts["kelurahan_code"].astype(str)).to_numpy()
    rts["gap"] = rts["gap_households"].astype("float64").fillna(0)
    flagged = piece(interviews, "flagged")
    per = (flagged["supervisor_id"].astype(object).fillna(unknown).value_counts()
           if len(flagged) and "supervisor_id" in flagged else pd.Series(dtype="int64"))
    todo = rts[revisit.reindex(rts.index).to_numpy()]
    gap = todo.groupby("who")["gap"].sum()
    order = sorted(rts["who"].unique(), key=lambda w: (-gap.get(w, 0.0), str(w)))
    out = []
    for who in order:
        mine = rts[rts["who"].eq(who)]
        left = todo[todo["who"].eq(who)].sort_values(["gap", "code"], ascending=[False, True])
        out.append({
            "name": str(who), "rts": formats.number(len(mine), lang),
            "counted": formats.households(mine["counted_households"].sum(), lang),
            "gap": formats.households(gap.get(who, 0.0), lang),
            "flagged": formats.number(int(per.get(who, 0)), lang),
            "revisit": [{"kelurahan": k, "rw": rw, "rt": rt,
                         "gap": formats.households(g, lang),
                         "status": formats.status_word(s, lang), "code": s}
                        for k, rw, rt, g, s in zip(left["kelurahan"], left["rw"], left["rt"],
                                                   left["gap"], left["status"], strict=True)],
        })
    return out
