"""Supervisors' decisions applied: which interviews stop counting, what each decision did.

Takes the decision rows :func:`cakupan.normalise.decisions.decision_rows` returns and the
run's data, and returns what to do with them: the interviews to reject
(:func:`rejected_ids`, :func:`reject`) and, once the run is measured, the outcome of every
row (:func:`settle`), which the worklist, report and manifest show. Computes only; reads and
writes nothing.

Rules
-----
Every filled row gets exactly one ``outcome``:

- ``applied``: the decision takes effect in this run. ``verified`` takes the interview or
  RT off the worklist; ``rejected`` sets the interview's counted rows to ``rejected`` (not
  counted); ``revisited`` shows the RT as revisited until new interviews arrive.
- ``already_applied``: takes effect too, but was applied before: the same decision on the
  same row in an earlier file or row, or in the run given with ``--previous``.
- ``superseded``: an RT marked ``revisited`` that has counted more households since the
  worklist was filled (its ``counted_households`` then): back on the list as usual.
- ``no_longer_present``: the interview ID, or the RT, is not in this run's data.
- ``conflicting``: other rows decide otherwise on the same interview or RT; none applies.
- ``unreadable`` (a value none of the accepted ones, such as a typo), ``not_applicable``
  (``rejected`` on an RT, ``revisited`` on an interview), ``no_key`` (no ID or codes).
- ``comment_only``: a comment and no decision, kept in the manifest.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from cakupan.normalise.decisions import COLUMNS, key_of

OUTCOMES = ("applied", "already_applied", "superseded", "no_longer_present", "conflicting",
            "unreadable", "not_applicable", "no_key", "comment_only")
#: Outcomes whose decision takes effect in the run.
IN_EFFECT = ("applied", "already_applied")


def rejected_ids(rows: pd.DataFrame | None) -> frozenset[str]:
    """Return the interview IDs decided ``rejected`` without a problem.

    Examples
    --------
    >>> rows = pd.DataFrame({"kind": ["interview", "interview"], "interview_id": ["a", "b"],
    ...                      "decision": ["rejected", "verified"], "problem": [pd.NA, pd.NA]})
    >>> sorted(rejected_ids(rows))
    ['a']
    """
    if rows is None or not len(rows):
        return frozenset()
    chosen = (rows["kind"].eq("interview") & rows["decision"].eq("rejected")
              & rows["problem"].isna()).fillna(False)
    return frozenset(rows.loc[chosen.to_numpy(dtype=bool), "interview_id"].astype(str))


def reject(status: pd.Series, interview_id: pd.Series, rejected: frozenset[str]) -> pd.Series:
    """Return ``status`` with the counted rows of ``rejected`` interview IDs ``rejected``.

    Examples
    --------
    >>> status = pd.Series(["counted", "counted", "duplicate"])
    >>> reject(status, pd.Series(["a", "b", "a"]), frozenset({"a"})).tolist()
    ['rejected', 'counted', 'duplicate']
    """
    if not rejected:
        return status
    hit = status.eq("counted") & interview_id.astype("string").isin(list(rejected))
    return status.astype("string").mask(hit.fillna(False).to_numpy(dtype=bool), "rejected")


def settle(rows: pd.DataFrame | None, present_ids: set[str], coverage: pd.DataFrame,
           previous: set[str] = frozenset()) -> pd.DataFrame | None:
    """Return ``rows`` with the ``outcome`` of each (see the module's rules).

    ``present_ids``: the decided interview IDs found in the run's interviews; ``coverage``:
    the coverage table (RTs found, their counted households now); ``previous``: the
    ``decision@key`` of the decisions in effect in the previous run (:func:`effect_keys`).
    """
    if rows is None:
        return None
    rows = rows[COLUMNS].reset_index(drop=True)
    keys = key_of(rows)
    outcome = rows["problem"].astype("string")
    outcome = outcome.mask(outcome.isna() & rows["decision"].isna(), "comment_only")
    rts = coverage[coverage["level"].eq("rt")]
    counted_now = pd.Series(rts["counted_households"].to_numpy(dtype="float64"),
                            index=key_of(rts.assign(kind="rt", interview_id=pd.NA)).to_numpy())
    here = np.where(rows["kind"].eq("interview"),
                    rows["interview_id"].astype("string").isin(list(present_ids)),
                    keys.isin(counted_now.index))
    open_ = outcome.isna()
    outcome = outcome.mask(open_ & ~here, "no_longer_present")
    now = counted_now.reindex(keys.to_numpy()).to_numpy()
    grown = rows["decision"].eq("revisited").to_numpy(dtype=bool, na_value=False) & (
        now > rows["counted_households"].to_numpy(dtype="float64", na_value=np.inf))
    outcome = outcome.mask(outcome.isna() & grown, "superseded")
    decided = rows["decision"].astype("string") + "@" + keys
    again = decided.duplicated() | decided.isin(list(previous))
    outcome = outcome.mask(outcome.isna() & again, "already_applied")
    return rows.assign(outcome=outcome.fillna("applied").astype("string"))


def effect_keys(rows: pd.DataFrame | None) -> set[str]:
    """Return ``decision@key`` of the rows whose decision is in effect (for the next run)."""
    if rows is None or not len(rows):
        return set()
    live = rows[rows["outcome"].isin(IN_EFFECT)]
    return set((live["decision"].astype("string") + "@" + key_of(live)).astype(str))


def in_effect(rows: pd.DataFrame | None, kind: str, decision: str) -> pd.DataFrame:
    """Return the rows of ``kind`` whose ``decision`` is in effect."""
    if rows is None:
        return pd.DataFrame(columns=[*COLUMNS, "outcome"])
    return rows[rows["kind"].eq(kind) & rows["decision"].eq(decision)
                & rows["outcome"].isin(IN_EFFECT)]


def summary(rows: pd.DataFrame | None, files, personal: bool = True) -> dict:
    """Return the manifest's account of the decisions: rows read, outcomes, each row.

    Every filled row is listed with its file, sheet, row and outcome; with ``personal``
    False (the planner audience) without IDs, codes, values or comments.
    """
    if rows is None:
        return {}
    counts = rows["outcome"].value_counts()
    listed = ["file", "sheet", "row", "kind", "outcome"]
    if personal:
        listed += ["interview_id", "kelurahan_code", "rw", "rt", "value", "decision", "comment"]
    return {
        "files": [str(path) for path in files],
        "rows_read": int(len(rows)),
        "by_outcome": {name: int(counts.get(name, 0)) for name in OUTCOMES},
        "rows": json.loads(rows[listed].to_json(orient="records", force_ascii=False)),
    }
