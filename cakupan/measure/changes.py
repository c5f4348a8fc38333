"""What changed since an earlier run: RTs newly complete or stalled, households gained.

Takes this run's coverage table and counted interviews per officer, and the same of an
earlier run (its ``coverage.csv`` and ``interviews.csv``, read by
:func:`cakupan.read.previous.read_previous`), and returns plain tables of the differences.
Never reads or writes a file.

Rules
-----
- An RT is *newly complete* when its status is ``complete`` now and was anything else
  before (or it was not listed); *newly stalled* likewise with ``stalled``.
- Households gained: counted interviews now minus before, per enumerator (with the supervisor
  of most of their interviews) and per supervisor; officers with no change are left out.
  Without the earlier ``interviews.csv`` (a planner's run) they are not known: None.
"""

from __future__ import annotations

import pandas as pd

_RT = ["kelurahan_code", "rw", "rt"]


def rts_changed(now: pd.DataFrame, before: pd.DataFrame, status: str) -> pd.DataFrame:
    """Return the RTs whose status is ``status`` now and was not before.

    Columns: the RT's codes, ``name``, ``status_before`` (missing: not listed before),
    ``counted_before``, ``counted_now``; sorted by code.

    Examples
    --------
    >>> now = pd.DataFrame({"level": "rt", "kelurahan_code": "1", "rw": "001",
    ...     "rt": ["001", "002"], "name": ["RT 1", "RT 2"], "counted_households": [9, 9],
    ...     "status": ["complete", "complete"]})
    >>> before = now.assign(status=["under", "complete"], counted_households=[5, 9])
    >>> rts_changed(now, before, "complete")[["rt", "status_before", "counted_before"]
    ...     ].values.tolist()
    [['001', 'under', 5]]
    """
    def rts(table):
        rows = table[table["level"].eq("rt")]
        keys = rows[_RT].astype("string")
        return rows.assign(**{name: keys[name] for name in _RT}).set_index(_RT)

    current, earlier = rts(now), rts(before)
    earlier = earlier[~earlier.index.duplicated()]
    was = earlier["status"].astype("string").reindex(current.index)
    chosen = current["status"].eq(status).to_numpy() & ~was.eq(status).fillna(False).to_numpy()
    out = pd.DataFrame({
        "name": current["name"].astype("string"),
        "status_before": was,
        "counted_before": earlier["counted_households"].reindex(current.index).astype("Int64"),
        "counted_now": current["counted_households"].astype("Int64"),
    }, index=current.index)[chosen]
    return out.sort_index().reset_index()


def counted_per_officer(rows: pd.DataFrame) -> dict[str, pd.Series]:
    """Return counted interviews per ``enumerator`` and per ``supervisor`` of ``rows``.

    ``rows``: ``enumerator_id``, ``supervisor_id`` and ``status`` (``interviews.csv``).
    """
    counted = rows[rows["status"].astype("string").eq("counted").fillna(False).to_numpy(
        dtype=bool)]
    return {key.removesuffix("_id"): counted[key].astype("string").value_counts(dropna=False)
            for key in ("enumerator_id", "supervisor_id")}


def households_gained(now: dict[str, pd.Series], before: dict[str, pd.Series],
                      supervisor_of: pd.Series) -> dict[str, pd.DataFrame]:
    """Return the households gained per enumerator and per supervisor.

    ``now``, ``before``: counted interviews per ``enumerator`` and per ``supervisor`` (IDs
    as index, as :func:`counted_per_officer` returns them); ``supervisor_of``: each
    enumerator's supervisor. ``enumerator``: columns ``enumerator_id``, ``supervisor_id``,
    ``before``, ``now``, ``gained``; ``supervisor``: ``supervisor_id``, ``before``, ``now``,
    ``gained``. Most gained first, then by ID; unchanged officers left out.

    Examples
    --------
    >>> now = {"enumerator": pd.Series({"p1": 7, "p2": 3}), "supervisor": pd.Series({"s1": 10})}
    >>> before = {"enumerator": pd.Series({"p1": 4, "p2": 3}),
    ...           "supervisor": pd.Series({"s1": 7})}
    >>> gained = households_gained(now, before, pd.Series({"p1": "s1", "p2": "s1"}))
    >>> gained["enumerator"].values.tolist(), gained["supervisor"].values.tolist()
    ([['p1', 's1', 4, 7, 3]], [['s1', 7, 10, 3]])
    """
    out = {}
    for level in ("enumerator", "supervisor"):
        key = f"{level}_id"
        table = pd.concat([before[level].rename("before"), now[level].rename("now")], axis=1)
        table = table.fillna(0).astype("int64")
        table.index = pd.Index(table.index, dtype="string", name=key)
        table["gained"] = table["now"] - table["before"]
        table = table[table["gained"] != 0].reset_index()
        out[level] = table.sort_values(["gained", key], ascending=[False, True],
                                       kind="stable").reset_index(drop=True)
    enumerators = out["enumerator"]
    supervisor_of = supervisor_of.copy()
    supervisor_of.index = supervisor_of.index.astype("string")
    enumerators.insert(1, "supervisor_id", pd.array(
        supervisor_of.reindex(enumerators["enumerator_id"]).to_numpy(), dtype="string"))
    return out
