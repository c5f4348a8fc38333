"""Pairs of one enumerator's interviews close together, and the clusters they form.

Plumbing of :func:`cakupan.detect.flags.flag_interviews`: takes metric positions, times and
enumerator numbers as numpy arrays and returns numpy arrays (nearest distance, duplicate
masks, invented clusters). One grid search finds every close pair; nothing here builds a
frame of the input or keeps state.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

# Puts each enumerator's points in their own plane of a 3-D KD-tree (reach of a cluster), so
# that one tree finds points of one enumerator only; far larger than any distance searched.
_PLANE_M = 1.0e6
# Candidate pairs measured at once: small enough for a block's arrays to stay in the CPU's
# cache.
_PAIRS_AT_ONCE = 1 << 20


def location_pairs(x, y, minutes, has_time, enumerator, located, radius, checks):
    """Return nearest distance, duplicate masks, clusters and twins' time from one pair search.

    The last item: per row at the same point as another (``duplicate_m``), the minutes to the
    nearest in time of those others (NaN when none, or untimed).

    One search finds every pair of an enumerator's interviews within the largest radius any
    rule needs; the nearest distance is measured within that radius only (farther: NaN), as
    a nearest-neighbour query over millions of points costs ten times the pair search.
    """
    n = len(x)
    nearest = np.full(n, np.nan)
    twin_gap = np.full(n, np.nan)
    dup = np.zeros(n, dtype=bool)
    near_dup = np.zeros(n, dtype=bool)
    cluster_id = np.zeros(n, dtype="int64")
    cluster_size = np.zeros(n, dtype="int64")
    rows = np.flatnonzero(located)
    if len(rows) < 2:
        return nearest, dup, near_dup, (cluster_id, cluster_size), twin_gap
    # Not centred: the same point has the same coordinates however the rows are grouped
    # (cakupan.scale.by_parts), and two points of one enumerator differ in x and y only.
    px, py, group = x[rows], y[rows], enumerator[rows]
    a, b, d = close_pairs(px, py, group, radius)
    closest = np.full(len(rows), np.inf)
    np.minimum.at(closest, a, d)
    np.minimum.at(closest, b, d)
    nearest[rows] = np.where(np.isfinite(closest), closest, np.nan)

    same = d <= checks.duplicate_m
    dup[rows[np.concatenate([a[same], b[same]])]] = True
    # the time to the nearest-in-time interview at the same point (both timed)
    sa, sb = a[same], b[same]
    timed = has_time[rows[sa]] & has_time[rows[sb]]
    sa, sb = sa[timed], sb[timed]
    apart = np.abs(minutes[rows[sa]] - minutes[rows[sb]])
    closest_time = np.full(len(rows), np.inf)
    np.minimum.at(closest_time, sa, apart)
    np.minimum.at(closest_time, sb, apart)
    twin_gap[rows] = np.where(np.isfinite(closest_time), closest_time, np.nan)
    near = ~same & (d <= checks.near_duplicate_m)
    near_dup[rows[np.concatenate([a[near], b[near]])]] = True

    within = d <= checks.cluster_radius_m
    points = np.column_stack([px, py, group * _PLANE_M])
    ids, sizes = clusters(points, a[within], b[within], d[within], minutes[rows],
                           has_time[rows], checks)
    cluster_id[rows], cluster_size[rows] = ids, sizes
    return nearest, dup, near_dup, (cluster_id, cluster_size), twin_gap


def spot_pace(cluster_id, minutes, has_time, duration, sitting_break):
    """Return, per row of a cluster, the pace of its sitting: median minutes apart and length.

    A cluster's interviews are split into sittings where more than ``sitting_break`` minutes
    pass between two of them (a block of flats is visited day after day, and a fabricator's
    sitting may fall at a spot where real visits were made on other days). Per sitting of two
    interviews or more: the median time between consecutive interviews, and the median of the
    known durations (NaN when none is known). Rows of no cluster, or alone in their sitting,
    get NaN for both.
    """
    n = len(cluster_id)
    gap = np.full(n, np.nan)
    length = np.full(n, np.nan)
    rows = np.flatnonzero((cluster_id > 0) & has_time)
    if not len(rows):
        return gap, length
    order = rows[np.lexsort((minutes[rows], cluster_id[rows]))]
    step = np.diff(minutes[order])
    new = np.r_[True, (cluster_id[order][1:] != cluster_id[order][:-1]) | (step > sitting_break)]
    sitting = np.cumsum(new)
    within = ~new[1:]
    steps = pd.Series(step[within]).groupby(sitting[1:][within]).median()
    size = np.bincount(sitting)[sitting]
    gap[order] = steps.reindex(sitting).to_numpy(dtype="float64", na_value=np.nan)
    lengths = pd.Series(duration[order]).groupby(sitting).median()
    length[order] = np.where(size >= 2, lengths.reindex(sitting).to_numpy(
        dtype="float64", na_value=np.nan), np.nan)
    return gap, length


def close_pairs(x, y, group, radius):
    """Return every pair of points of one group within ``radius``, and their distances.

    Returns ``(a, b, distance)``: positions with ``a < b``, each pair once, in no particular
    order. A pair is within when ``dx * dx + dy * dy <= radius * radius``, the test
    :meth:`scipy.spatial.cKDTree.query_pairs` makes, so the pairs are the ones a KD-tree of
    ``(x, y, group * 1e6)`` finds; ``distance`` is ``hypot(dx, dy)``.

    How: points are binned in square cells a little larger than ``radius``, keyed by group,
    column and row, and sorted by key. Two points within ``radius`` lie in one cell or in two
    neighbouring ones, so each point is compared with the points after it in its cell and the
    cell above (one run of sorted keys) and with the three cells to its right (another run).

    Examples
    --------
    >>> a, b, d = close_pairs(np.array([0.0, 3.0, 0.0, 20.0]), np.array([0.0, 4.0, 0.0, 0.0]),
    ...                      np.array([0, 0, 1, 0]), 5.0)
    >>> a.tolist(), b.tolist(), d.tolist()
    ([0], [1], [5.0])
    """
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    group = np.asarray(group, dtype="int64")
    if len(x) == 0:
        return np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64"), np.zeros(0)
    # The margin over the radius keeps a pair within it in neighbouring cells despite
    # rounding; cells grow with far-off coordinates so that cell numbers stay exact.
    size = max(radius * (1 + 1e-6), max(np.abs(x).max(), np.abs(y).max()) * 2.0**-26,
               np.finfo("float64").tiny)
    column, width = _cells(x, size)
    row, height = _cells(y, size)
    key = group * width + column
    if (int(key.max()) + 1) * height >= 2**62:  # far-flung points: number columns densely
        key = _ranks(key)
    key = key * height + row
    order = np.argsort(key)  # ties in any order: a pair is the same either way round
    key, sx, sy = key[order], x[order], y[order]
    here = np.arange(len(key))
    # the two runs of candidates of each point, in sorted positions: first and count
    first = np.concatenate([here + 1, np.searchsorted(key, key + height - 1)])
    count = np.concatenate([np.searchsorted(key, key + 1, side="right"),
                            np.searchsorted(key, key + height + 1, side="right")]) - first
    point = np.concatenate([here, here])
    found = [_within(point[part], first[part], count[part], sx, sy, radius)
             for part in _blocks(count)]
    i, j, distance = (np.concatenate(parts) for parts in zip(*found, strict=True))
    i, j = order[i], order[j]
    return np.minimum(i, j), np.maximum(i, j), distance


def _cells(values, size):
    """Return the cell (column or row) of side ``size`` of each value, from 1, and the span."""
    cell = np.floor(values / size)
    cell = (cell - cell.min()).astype("int64") + 1
    return cell, int(cell.max()) + 2


def _ranks(values):
    """Return each value's rank among the distinct ``values``, keeping neighbours neighbours.

    Values one apart get ranks one apart, values further apart ranks two apart.
    """
    distinct, position = np.unique(values, return_inverse=True)
    rank = np.concatenate([[1], 1 + np.cumsum(np.minimum(np.diff(distinct), 2))])
    return rank[position]


def _blocks(count):
    """Yield slices of ``count`` holding about :data:`_PAIRS_AT_ONCE` candidates each."""
    ends = np.cumsum(count)
    cuts = np.searchsorted(ends, np.arange(_PAIRS_AT_ONCE, ends[-1], _PAIRS_AT_ONCE))
    edges = [0, *np.unique(cuts + 1).tolist(), len(count)]
    for start, stop in zip(edges[:-1], edges[1:], strict=True):
        if stop > start:
            yield slice(start, stop)


def _within(point, first, count, x, y, radius):
    """Return the candidate pairs (``point``, ``first + k`` for k < ``count``) within ``radius``.

    Returns positions ``i``, ``j`` and ``hypot(dx, dy)`` of the pairs kept.
    """
    i = np.repeat(point, count)
    j = _ranges(first, count)
    dx = x[i] - x[j]
    dy = y[i] - y[j]
    keep = dx * dx + dy * dy <= radius * radius
    return i[keep], j[keep], np.hypot(dx[keep], dy[keep])


def _ranges(first, count):
    """Return ``first[k], first[k] + 1, ..., first[k] + count[k] - 1`` for every k, joined."""
    offsets = np.cumsum(count) - count
    return np.arange(count.sum()) - np.repeat(offsets - first, count)


def clusters(points, a, b, distance, minutes, has_time, checks):
    """Label invented clusters among ``points`` (rows of x, y, plane); 0 = none.

    ``a``, ``b`` and ``distance`` are the pairs within ``cluster_radius_m``.
    """
    n = len(minutes)
    ids = np.zeros(n, dtype="int64")
    sizes = np.zeros(n, dtype="int64")
    if len(a) == 0:
        return ids, sizes
    timed = has_time[a] & has_time[b]
    a, b, distance = a[timed], b[timed], distance[timed]
    together = np.abs(minutes[a] - minutes[b]) <= checks.cluster_minutes
    spot = distance <= checks.spot_radius_m
    core = has_time & (_count(a[together], b[together], n) >= checks.cluster_min_households)
    many = has_time & (_count(a[spot], b[spot], n) >= checks.cluster_min_households)
    core |= many & (_days(a[spot], b[spot], minutes, many) >= checks.spot_min_days)
    if not core.any():
        return ids, sizes
    keep = together | spot
    a, b = a[keep], b[keep]
    # Components of cores; each border point joins the component of its lowest-numbered core.
    both = core[a] & core[b]
    graph = coo_matrix((np.ones(both.sum()), (a[both], b[both])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    member = np.where(core, label, -1)
    border_a = core[b] & ~core[a]
    border_b = core[a] & ~core[b]
    border = np.concatenate([a[border_a], b[border_b]])
    via = np.concatenate([b[border_a], a[border_b]])
    order = np.lexsort((via, border))
    border, via = border[order], via[order]
    first = np.r_[True, border[1:] != border[:-1]][: len(border)]
    member[border[first]] = label[via[first]]
    _reach(points, member, core, minutes, has_time, checks)

    flagged = member >= 0
    # Number clusters 1.. by their first row, so ids do not depend on scipy's labelling.
    labels, first_row = np.unique(member[flagged], return_index=True)
    rank = np.empty(len(labels), dtype="int64")
    rank[np.argsort(np.flatnonzero(flagged)[first_row], kind="stable")] = np.arange(len(labels))
    position = np.searchsorted(labels, member[flagged])
    ids[flagged] = rank[position] + 1
    sizes[flagged] = np.bincount(position)[position]
    return ids, sizes


def _count(a, b, n):
    """Return, per point, 1 + its number of pairs."""
    return 1 + np.bincount(a, minlength=n) + np.bincount(b, minlength=n)


def _days(a, b, minutes, wanted):
    """Return, per point, the number of distinct days among itself and its pairs.

    Counted for the ``wanted`` points only (0 for the others): few points have enough pairs
    for the rule to matter.
    """
    day = (minutes // 1440).astype("int64")
    day -= day.min()
    width = day.max() + 1
    mine = wanted[a] | wanted[b]
    a, b = a[mine], b[mine]
    own = np.flatnonzero(wanted)
    seen = np.unique(np.concatenate([own, a, b]) * width
                     + np.concatenate([day[own], day[b], day[a]]))
    counts = np.bincount(seen // width, minlength=len(day))
    return np.where(wanted, counts, 0)


def _reach(points, member, core, minutes, has_time, checks):
    """Add to each cluster the interviews near its centre and in its time span, in place.

    Invented fixes scatter around one spot with GPS noise, so some fall farther than the
    radius from every core; measured from the cluster's centre (the median of its cores) they
    are still close.
    """
    frame = pd.DataFrame(points[core], columns=["x", "y", "plane"])
    frame["minutes"] = minutes[core]
    frame["label"] = member[core]
    spots = frame.groupby("label").agg(
        x=("x", "median"),
        y=("y", "median"),
        plane=("plane", "first"),
        start=("minutes", "min"),
        end=("minutes", "max"),
    )
    # only the planes (enumerators) of a cluster can be reached: a tree of their points
    mine = np.flatnonzero(np.isin(points[:, 2], spots["plane"].to_numpy()))
    tree = cKDTree(points[mine])
    found = tree.query_ball_point(spots[["x", "y", "plane"]].to_numpy(), checks.cluster_reach_m)
    lengths = np.array([len(hits) for hits in found], dtype="int64")
    if lengths.sum() == 0:
        return
    point = mine[np.concatenate([np.asarray(hits, dtype="int64") for hits in found])]
    spot = np.repeat(np.arange(len(spots)), lengths)
    start = spots["start"].to_numpy()[spot] - checks.cluster_minutes
    end = spots["end"].to_numpy()[spot] + checks.cluster_minutes
    join = (member[point] < 0) & has_time[point]
    join &= (minutes[point] >= start) & (minutes[point] <= end)
    point, spot = point[join], spot[join]
    # A point near two clusters joins the one listed first.
    point, first = np.unique(point, return_index=True)
    member[point] = spots.index.to_numpy()[spot[first]]
