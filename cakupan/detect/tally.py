"""A tally of checked interviews: the counts and the few rows the outputs are made from.

Millions of checked interviews need not stay in memory for the coverage table, worklist, map
and report: each needs counts (per RT, enumerator, day or status) or the rows a supervisor
must look at (the flagged ones). :func:`tally` takes them from a frame of checked interviews;
:func:`combine` adds up the tallies of parts of the rows into the tally of them all, which
is how :mod:`cakupan.scale.by_parts` keeps a province's run small.

Every consumer takes a frame or a tally: :func:`piece` gives the part it needs from either.
Keys are text (``string``); every count is an int64 and adds up exactly, so a tally does not
depend on how the rows were split. Mean positions are summed in whole nanodegrees for the
same reason (a rounding of at most 0.5e-9 degrees).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from cakupan.assign.locate import is_located
from cakupan.detect.enumerators import enumerator_counts

#: Counted interviews kept one by one (to list them on the map) when a run needs no more.
POINTS_KEPT = 20_000
_RT = ["kelurahan_code", "rw", "rt"]
_BY_RT = [*_RT, "supervisor_id", "counted"]
_POINT_COLUMNS = ["x", "y", "lon", "lat", *_RT, "doubtful"]
_NANO = 1e9


@dataclass(frozen=True)
class Tally:
    """What the outputs need of checked interviews (see the module docstring).

    Attributes
    ----------
    rows : int
        Interviews tallied.
    status : pandas.Series
        Rows per ``status``.
    by_rt : pandas.DataFrame
        Per ``kelurahan_code``, ``rw``, ``rt``, ``supervisor_id`` and ``counted`` (whether
        the status is ``counted``; missing keys kept): ``rows``, ``doubtful``, ``located``
        (rows with a position, :func:`cakupan.assign.locate.is_located`) and ``lon``, ``lat`` (their
        sums, in nanodegrees).
    enumerators, officers : pandas.DataFrame
        :func:`cakupan.detect.enumerators.enumerator_counts`.
    days : pandas.Series
        Counted rows per day of ``interviewed_at``.
    pairs : pandas.DataFrame
        Rows per ``declared_kelurahan_code`` and ``location_kelurahan_code`` where the two
        differ (the crosswalk's evidence).
    flagged : pandas.DataFrame
        Every column of the rows with a flag or ``far_outside``, in input order.
    points : pandas.DataFrame or None
        ``x``, ``y``, ``lon``, ``lat``, RT and ``doubtful`` of every counted row; None when
        more than :data:`POINTS_KEPT` were counted and they were not asked for.
    latest : pandas.Timestamp or None
        The latest ``interviewed_at`` of a counted row: the date of the data.
    """

    rows: int
    status: pd.Series
    by_rt: pd.DataFrame
    enumerators: pd.DataFrame
    officers: pd.DataFrame
    days: pd.Series
    pairs: pd.DataFrame
    flagged: pd.DataFrame
    points: pd.DataFrame | None
    latest: pd.Timestamp | None = None


def tally(frame: pd.DataFrame, points: bool = False) -> Tally:
    """Return the tally of checked interviews; ``points``: keep every counted row's place.

    Columns a frame lacks count as missing (no flags, no supervisor, not doubtful).

    Examples
    --------
    >>> frame = pd.DataFrame({"status": ["counted", "counted", "duplicate"],
    ...                       "kelurahan_code": "3671010001", "rw": "001", "rt": "002",
    ...                       "flags": ["", "night_time", ""]})
    >>> t = tally(frame)
    >>> t.rows, t.status.to_dict(), len(t.flagged), len(t.points)
    (3, {'counted': 2, 'duplicate': 1}, 1, 2)
    """
    return Tally(**_pieces(frame, Tally.__dataclass_fields__, points))


def compact(frame: pd.DataFrame) -> pd.DataFrame:
    """Return checked interviews with their code columns (:data:`CATEGORIES`) as categoricals.

    Codes, officers and statuses repeat over millions of rows: as categoricals they take a
    tenth of the memory, and group and compare faster.
    """
    return frame.astype({name: "category" for name in CATEGORIES if name in frame})


#: Text columns of the checked interviews kept as categoricals (:func:`compact`).
CATEGORIES = ("enumerator_id", "supervisor_id", "sls_code", "kelurahan_code", "rw", "rt",
              "status", "repairs", "declared_kelurahan_code", "location_kelurahan_code",
              "location_rw", "location_rt", "flags")


def combine(tallies: list[Tally], points: bool = False) -> Tally:
    """Return the tally of all the rows of ``tallies`` (tallies of disjoint parts).

    Invented clusters, numbered 1, 2, ... within each part, are numbered again by their
    first row, as one pass over all the rows numbers them.
    """
    if len(tallies) == 1:
        return tallies[0]
    kept = [t.points for t in tallies]
    kept = None if any(p is None for p in kept) else _concat(kept)[0]
    if kept is not None and not points and len(kept) > POINTS_KEPT:
        kept = None
    return Tally(
        rows=sum(t.rows for t in tallies),
        status=_sum_series([t.status for t in tallies]),
        by_rt=_sum_frames([t.by_rt for t in tallies], _BY_RT),
        enumerators=pd.concat([t.enumerators for t in tallies]).groupby(
            level=0, dropna=False, sort=True).sum(),
        officers=_sum_frames([t.officers for t in tallies], ["enumerator_id", "supervisor_id"]),
        days=_sum_series([t.days for t in tallies]),
        pairs=_sum_frames([t.pairs for t in tallies],
                          ["declared_kelurahan_code", "location_kelurahan_code"]),
        flagged=_renumber_clusters(*_concat([t.flagged for t in tallies])),
        points=kept,
        latest=max((t.latest for t in tallies if t.latest is not None), default=None),
    )


def piece(interviews, name: str):
    """Return the ``name`` piece of a tally, or of the tally of a frame of interviews.

    Examples
    --------
    >>> frame = pd.DataFrame({"status": ["counted"], "kelurahan_code": "1", "rw": "001",
    ...                       "rt": "001"})
    >>> piece(frame, "status").to_dict()
    {'counted': 1}
    """
    if isinstance(interviews, Tally):
        return getattr(interviews, name)
    return _pieces(interviews, [name], points=True)[name]


def counted_per_rt(interviews) -> pd.DataFrame:
    """Return ``kelurahan_code``, ``rw``, ``rt``, ``counted`` and ``doubtful`` per RT counted in.

    Rows of no RT (a code missing) are left out; sorted by RT.
    """
    rows = piece(interviews, "by_rt")
    rows = rows[rows["counted"] & rows[_RT].notna().all(axis=1)]
    out = rows.groupby(_RT, sort=True)[["rows", "doubtful"]].sum().reset_index()
    return out.rename(columns={"rows": "counted"})


# -- the pieces ------------------------------------------------------------------------------


def _pieces(frame: pd.DataFrame, names, points: bool) -> dict:
    """Return the ``names`` pieces of the tally of ``frame`` (see :func:`tally`)."""
    frame = _complete(frame)
    counted = frame["status"].eq("counted").fillna(False).to_numpy(dtype=bool)
    out = {}
    if {"enumerators", "officers"} & set(names):
        out["enumerators"], out["officers"] = enumerator_counts(frame, frame)
    if "points" in names:
        keep = points or counted.sum() <= POINTS_KEPT  # too many: never copied
        out["points"] = _kept(frame.loc[counted, [c for c in _POINT_COLUMNS if c in frame]]
                              ) if keep else None
    for name in names:
        if name not in out:
            out[name] = _MAKERS[name](frame, counted)
    return {name: out[name] for name in names}


def _complete(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every column a tally reads (missing ones empty)."""
    missing = {name: pd.Series(pd.NA, index=frame.index, dtype="string") for name in (
        *_RT, "status", "supervisor_id", "enumerator_id", "flags", "location_check",
        "declared_kelurahan_code", "location_kelurahan_code") if name not in frame}
    if "doubtful" not in frame:
        missing["doubtful"] = pd.Series(False, index=frame.index)
    return frame.assign(**missing) if missing else frame


def _status(frame, counted) -> pd.Series:
    counts = frame["status"].value_counts(sort=False)  # a categorical's codes: no hashing
    counts.index = counts.index.astype("string")
    return counts[counts > 0].sort_index().rename(None).rename_axis(None).astype("int64")


def _by_rt(frame, counted) -> pd.DataFrame:
    lon = pd.to_numeric(frame.get("lon", pd.Series(np.nan, index=frame.index)),
                        errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    lat = pd.to_numeric(frame.get("lat", pd.Series(np.nan, index=frame.index)),
                        errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    located = counted & is_located(lon, lat)
    values = pd.DataFrame({
        **{name: frame[name] for name in _BY_RT[:-1]},
        "counted": counted,
        "rows": np.ones(len(frame), dtype="int64"),
        "doubtful": frame["doubtful"].fillna(False).to_numpy(dtype=bool).astype("int64"),
        "located": located.astype("int64"),
        "lon": np.round(np.where(located, lon, 0) * _NANO).astype("int64"),
        "lat": np.round(np.where(located, lat, 0) * _NANO).astype("int64"),
    }, index=frame.index)
    return _sum_frames([values], _BY_RT)


def _days(frame, counted) -> pd.Series:
    if "interviewed_at" not in frame:
        return pd.Series(dtype="int64")
    when = pd.to_datetime(frame["interviewed_at"], errors="coerce").dt.normalize()
    days = when[counted & when.notna().to_numpy()]
    return days.value_counts().sort_index().rename(None).rename_axis(None).astype("int64")


def _latest(frame, counted) -> pd.Timestamp | None:
    if "interviewed_at" not in frame:
        return None
    when = pd.to_datetime(frame["interviewed_at"], errors="coerce")[counted]
    return None if when.isna().all() else when.max()


def _pairs(frame, counted) -> pd.DataFrame:
    keys = ["declared_kelurahan_code", "location_kelurahan_code"]
    pairs = frame.groupby(keys, observed=True, sort=False).size().rename("n").reset_index()
    pairs = pairs.astype({name: "string" for name in keys})
    pairs = pairs[pairs[keys[0]] != pairs[keys[1]]]
    return pairs.sort_values(keys).reset_index(drop=True)


def _flagged(frame, counted) -> pd.DataFrame:
    flags = frame["flags"].notna() & frame["flags"].ne("")
    far = (frame["location_check"] == "far_outside").fillna(False)
    return _kept(frame[(flags | far).to_numpy(dtype=bool)])


def _kept(rows: pd.DataFrame) -> pd.DataFrame:
    """Return rows a tally keeps with code columns categoricals of the values they hold.

    The same whether the frame was :func:`compact` or text, and however it was split.
    """
    used = {name: rows[name].cat.remove_unused_categories() for name in CATEGORIES
            if name in rows and isinstance(rows[name].dtype, pd.CategoricalDtype)}
    return compact(rows.assign(**used) if used else rows)


_MAKERS = {"rows": lambda frame, counted: len(frame), "status": _status, "by_rt": _by_rt,
           "days": _days, "pairs": _pairs, "flagged": _flagged, "latest": _latest}


# -- adding up -------------------------------------------------------------------------------


def _sum_frames(frames: list[pd.DataFrame], keys: list[str]) -> pd.DataFrame:
    """Return the frames' values summed per keys (missing keys kept), keys as text, sorted."""
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    text = {name: "string" for name in keys if frame[name].dtype != bool}
    summed = frame.groupby(keys, dropna=False, sort=False, observed=True).sum().reset_index()
    summed = summed.astype(text)
    return summed.sort_values(keys, kind="stable", na_position="last").reset_index(drop=True)


def _sum_series(series: list[pd.Series]) -> pd.Series:
    summed = pd.concat(series).groupby(level=0, sort=True).sum()
    return summed.rename(None).rename_axis(None).astype("int64")


def _concat(frames: list[pd.DataFrame]) -> tuple[pd.DataFrame, np.ndarray]:
    """Return rows of parts as one frame in input order, and the part of each row.

    Categoricals whose categories differ get them united and sorted, as :func:`compact`
    makes them.
    """
    columns = {}
    for name in frames[0].columns:
        pieces = [frame[name] for frame in frames]
        if isinstance(pieces[0].dtype, pd.CategoricalDtype) and any(
                p.dtype != pieces[0].dtype for p in pieces):
            columns[name] = pd.Categorical(union_categoricals([p.array for p in pieces],
                                                              sort_categories=True))
        else:
            columns[name] = pd.concat(pieces, ignore_index=True)
    index = np.concatenate([frame.index.to_numpy() for frame in frames])
    order = np.argsort(index, kind="stable")
    part = np.repeat(np.arange(len(frames)), [len(frame) for frame in frames])
    frame = pd.DataFrame(columns).take(order)
    frame.index = index[order]
    return frame, part[order]


def _renumber_clusters(frame: pd.DataFrame, part: np.ndarray) -> pd.DataFrame:
    """Return ``frame`` with invented clusters numbered by first row (parts numbered 1, 2...)."""
    if "cluster_id" not in frame:
        return frame
    local = frame["cluster_id"].to_numpy(dtype="float64", na_value=0).astype(np.int64)
    rows = np.flatnonzero(local > 0)
    if not len(rows):
        return frame
    key = part[rows] * (local.max() + 1) + local[rows]
    _, first, back = np.unique(key, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(1, len(first) + 1)
    cluster = frame["cluster_id"].copy()
    cluster.iloc[rows] = rank[back]
    return frame.assign(cluster_id=cluster)
