"""A run compared with an earlier one (``--previous``): what changed, and decisions since.

Takes a run's result and an earlier run's outputs
(:class:`cakupan.read.previous.PreviousRun`) and returns the result with
:attr:`~cakupan._flow.result.Result.changes` filled in, and its decisions applied by the
earlier run marked ``already_applied``. Reads and writes nothing.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from cakupan._flow.result import Result
from cakupan.detect.enumerators import most_common
from cakupan.detect.tally import piece
from cakupan.measure import changes as measure
from cakupan.normalise.decisions import key_of
from cakupan.read.previous import PreviousRun


def compared(result: Result, previous: PreviousRun) -> Result:
    """Return ``result`` with what changed since ``previous`` (see :mod:`cakupan.measure.changes`).

    ``changes`` holds ``previous`` (the folder), ``previous_created_at``,
    ``rts_newly_complete`` and ``rts_newly_stalled`` (frames),
    ``gained_per_enumerator`` and ``gained_per_supervisor`` (frames, None without the
    earlier ``interviews.csv``), ``households_gained`` (the total, from coverage) and
    ``decisions_applied_since`` (decisions that took effect for the first time).
    """
    before = previous.manifest.get("decisions", {}).get("in_effect", [])
    decided = result.decisions
    if decided is not None:
        decided = decided.assign(outcome=decided["outcome"].mask(
            decided["outcome"].eq("applied")
            & (decided["decision"].astype("string") + "@" + key_of(decided)).isin(before),
            "already_applied"))
    gained = None
    if previous.interviews is not None:
        gained = measure.households_gained(_counted_now(result),
                                           measure.counted_per_officer(previous.interviews),
                                           most_common(result.tally.officers, "enumerator_id",
                                                       "supervisor_id"))
    found = {
        "previous": str(previous.folder),
        "previous_created_at": previous.manifest.get("created_at"),
        "rts_newly_complete": measure.rts_changed(result.coverage, previous.coverage,
                                                  "complete"),
        "rts_newly_stalled": measure.rts_changed(result.coverage, previous.coverage,
                                                 "stalled"),
        "gained_per_enumerator": None if gained is None else gained["enumerator"],
        "gained_per_supervisor": None if gained is None else gained["supervisor"],
        "households_gained": _total(result.coverage) - _total(previous.coverage),
        "decisions_applied_since": 0 if decided is None else int(
            decided["outcome"].eq("applied").sum()),
    }
    return replace(result, decisions=decided, changes=found)


def _total(coverage: pd.DataFrame) -> int:
    top = coverage[coverage["level"].eq("kecamatan")]
    return int(pd.to_numeric(top["counted_households"]).sum())


def _counted_now(result: Result) -> dict[str, pd.Series]:
    """Return counted interviews per enumerator and per supervisor, from the run's tally."""
    sums = result.tally.enumerators["counted"]
    rows = piece(result.tally, "by_rt")
    per_supervisor = rows[rows["counted"]].groupby("supervisor_id", dropna=False)["rows"].sum()
    return {"enumerator": sums[sums > 0], "supervisor": per_supervisor[per_supervisor > 0]}
