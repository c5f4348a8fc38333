"""Interview checks: is each interview where it says, and does it look like a real visit.

Takes the interviews frame built by :mod:`cakupan.normalise.tables` and
:mod:`cakupan.assign.locate` (one row
per input row, metric ``x``/``y``, ``interviewed_at`` in local time) and returns new frames
aligned to its index: a location class per interview (:func:`location_check`), QA flags
(:func:`flag_interviews`) and one row of counts per enumerator (:func:`enumerator_scores`).
Never reads or writes files and never drops a row: a row whose data does not allow a check
simply does not get that flag.

Rows whose ``status`` is ``duplicate`` are repeated records of another row; they get the
checks of a row on its own (time, GPS accuracy) but are never compared with other rows, or every
original would be flagged as its own twin.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from cakupan._text import as_arrow, fingerprints, in_sorted
from cakupan.assign._grid import reused
from cakupan.assign.locate import sharing
from cakupan.config import Checks
from cakupan.crs import require_metric

#: Location classes of :func:`location_check`, from best to worst, then ``unknown``.
LOCATION_CLASSES = ("inside", "boundary_ambiguous", "neighbour", "far_outside", "unknown")

#: QA flags of :func:`flag_interviews`, in the order of their columns in the scores.
FLAGS = (
    "invented_cluster",
    "too_fast_travel",
    "route_detour",
    "duplicate_location",
    "duplicate_household_id",
    "near_duplicate_location",
    "outside_fieldwork_window",
    "night_time",
    "poor_gps",
)

#: Weight of one flagged interview in an enumerator's score (and a worklist row's urgency):
#: signs of invented interviews weigh most; GPS quality, night visits and near duplicates (which
#: GPS noise alone produces now and then) least. Flags of weight 0.5 or more are serious.
FLAG_WEIGHTS = {
    "invented_cluster": 1.0,
    "too_fast_travel": 1.0,
    "route_detour": 0.5,
    "duplicate_location": 1.0,
    "duplicate_household_id": 1.0,
    "far_outside": 0.5,
    "near_duplicate_location": 0.25,
    "outside_fieldwork_window": 0.5,
    "night_time": 0.25,
    "poor_gps": 0.25,
}

# Puts each enumerator's points in their own plane of a 3-D KD-tree (reach of a cluster), so
# that one tree finds points of one enumerator only; far larger than any distance searched.
_PLANE_M = 1.0e6
_NS_PER_MINUTE = 60_000_000_000
# Point-edge pairs at once in the location check: small enough for a block's arrays to
# stay in the CPU's cache.
_BLOCK = 1 << 18
# Relative error bound of the orientation determinant (see cakupan.assign._grid).
_ORIENT_ERR = 1e-15


def _checks(config) -> Checks:
    """Accept the whole :class:`~cakupan.config.Config` or its ``checks`` part."""
    return getattr(config, "checks", config)


def location_check(x, y, accuracy_m, declared, units, config) -> pd.Series:
    """Classify each interview's fix against the unit (RT or kelurahan) it declares.

    Rules, in this order (``d`` = distance from the fix to the declared unit's edge, ``a`` =
    the fix's accuracy radius):

    - ``unknown``: no usable fix (``x`` or ``y`` NaN), accuracy missing or poorer than
      ``max_accuracy_m``, or no declared unit (``declared`` is -1 or its geometry is empty).
    - ``boundary_ambiguous``: ``d <= a``; the accuracy circle crosses the declared unit's edge,
      whether the fix lies inside or outside it.
    - ``inside``: the fix lies in the declared unit and ``d > a``.
    - ``neighbour``: outside the declared unit, and in or within ``a`` of a unit adjacent to
      it (closer than ``adjacency_m``): often an RT declared across the street.
    - ``far_outside``: any other fix outside the declared unit.

    Parameters
    ----------
    x, y : array-like of float
        Metric coordinates of the fixes, in the CRS of ``units``; NaN when unusable. A
        :class:`pandas.Series` ``x`` gives the result its index.
    accuracy_m : array-like of float
        Accuracy radius of each fix in metres; NaN when unknown.
    declared : array-like of int
        Position in ``units`` of the declared unit of each interview; -1 when unknown.
    units : geopandas.GeoSeries
        Unit polygons in a metric CRS: RT polygons when SLS polygons exist, else kelurahan.
    config : Checks or Config
        Uses ``max_accuracy_m`` and ``adjacency_m``.

    Returns
    -------
    pandas.Series
        Categorical with categories :data:`LOCATION_CLASSES`, named ``location_check``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> units = gpd.GeoSeries([box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=32748)
    >>> location_check([50, 95, 103, 50], [50, 50, 50, 50], [10, 10, 2, 80],
    ...                [0, 0, 0, 0], units, Checks()).tolist()
    ['inside', 'boundary_ambiguous', 'neighbour', 'unknown']
    """
    checks = _checks(config)
    index = x.index if isinstance(x, pd.Series) else None
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    acc = np.asarray(accuracy_m, dtype="float64")
    declared = np.asarray(declared, dtype="int64")
    require_metric(units.crs, "location_check's units are", "units")
    geoms = np.asarray(units.geometry.array, dtype=object)
    n_units = len(geoms)
    result = np.full(len(x), len(LOCATION_CLASSES) - 1, dtype="int8")  # unknown

    usable_unit = np.zeros(n_units + 1, dtype=bool)  # last slot: declared out of range
    usable_unit[:n_units] = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    in_range = (declared >= 0) & (declared < n_units)
    ok = (
        np.isfinite(x)
        & np.isfinite(y)
        & np.isfinite(acc)
        & (acc <= checks.max_accuracy_m)
        & usable_unit[np.where(in_range, declared, n_units)]
    )
    rows = np.flatnonzero(ok)
    if len(rows) == 0:
        return _location_series(result, index)

    unit = declared[rows]
    px, py, pa = x[rows], y[rows], acc[rows]
    shapely.prepare(geoms[usable_unit[:n_units]])
    ambiguous, inside = _edge_tests(px, py, pa, unit, geoms)
    cls = np.where(ambiguous, 1, np.where(inside, 0, 3)).astype("int8")

    outside = np.flatnonzero(~ambiguous & ~inside)
    if len(outside):
        tree, adjacent = reused(geoms, ("adjacent", checks.adjacency_m),
                                lambda: _adjacency(geoms, checks.adjacency_m))
        points = shapely.points(px[outside], py[outside])
        k, j = tree.query(points, predicate="dwithin", distance=pa[outside])
        hit = in_sorted(unit[outside][k] * n_units + j, adjacent)
        near = np.bincount(k[hit], minlength=len(outside)) > 0
        cls[outside[near]] = 2
    result[rows] = cls
    return _location_series(result, index)


def index_units(units, config) -> None:
    """Build the units' edges and adjacency, which :func:`location_check` reuses.

    Inside :func:`cakupan.assign._grid.reusing_indexes` they are kept: a run by parts builds them
    once, before it forks the processes that check the parts.
    """
    checks = _checks(config)
    geoms = np.asarray(units.geometry.array, dtype=object)
    reused(geoms, ("edges",), lambda: _Edges(geoms))
    reused(geoms, ("adjacent", checks.adjacency_m),
           lambda: _adjacency(geoms, checks.adjacency_m))


def _edge_tests(x, y, radius, unit, geoms):
    """Return whether each point lies within ``radius`` of the edge of ``geoms[unit]``, and in it.

    Both come from one pass, in numpy, over the point's unit edges, a block of point-edge
    pairs at a time (no point objects):

    - near: the distance to the nearest edge is within ``radius``; where it is within
      rounding of ``radius``, shapely's exact distance decides, so near is shapely's
      ``distance(point, boundary) <= radius``.
    - inside: a ray to the right of the point crosses the edges an odd number of times.
      The side of an edge a point lies on is certain unless the point is within rounding of
      the edge's line (Shewchuk's error bound, as in :mod:`cakupan.assign._grid`); such points, on
      or very close to an edge, ask shapely (``intersects``), so inside is shapely's covers.
      Answered where not near (False elsewhere): only those points need it.

    A point deep inside its unit (:func:`_deep_inside`) is inside and not near without
    measuring its edges.
    """
    edges = reused(geoms, ("edges",), lambda: _Edges(geoms))
    deep = _deep_inside(x, y, np.maximum(radius, 0.0), unit, edges)
    per_point = np.where(deep, 0, edges.count[unit])
    distance = np.full(len(x), np.inf)  # a unit without edges, or deep inside: no distance
    odd = deep.copy()
    unsure_side = np.zeros(len(x), dtype=bool)
    ends = np.cumsum(per_point)
    first = 0
    while first < len(x):  # points whose pairs fit in one block (at least one point)
        last = max(int(np.searchsorted(ends, ends[first] - per_point[first] + _BLOCK,
                                       side="right")), first + 1)
        rows = np.arange(first, last)
        rows = rows[per_point[rows] > 0]
        if len(rows):
            (distance[rows], odd[rows], unsure_side[rows]) = _edge_block(
                x[rows], y[rows], edges.start[unit[rows]], per_point[rows], edges)
        first = last
    near = distance <= radius
    unsure = np.flatnonzero(np.abs(distance - radius) <= 1e-6 * np.maximum(1.0, radius))
    if len(unsure):
        exact = shapely.distance(shapely.points(x[unsure], y[unsure]),
                                 shapely.boundary(geoms[unit[unsure]]))
        near[unsure] = exact <= radius[unsure]
    inside = odd & ~near
    ask = np.flatnonzero(~near & (unsure_side | ~edges.polygonal))
    if len(ask):
        inside[ask] = shapely.intersects_xy(geoms[unit[ask]], x[ask], y[ask])
    return near, inside


def _deep_inside(x, y, radius, unit, edges) -> np.ndarray:
    """Return whether each point's ``radius`` circle lies well inside its unit's inner circle.

    Such a point is inside its unit and farther than ``radius`` from its edge, beyond any
    rounding (a margin of a few micrometres): its edges need not be measured.
    """
    far = np.hypot(x - edges.centre_x[unit], y - edges.centre_y[unit])
    return far + radius + 4e-6 * np.maximum(1.0, radius) < edges.inner[unit] * (1 - 1e-9)


def _near_edge(x, y, radius, unit, geoms) -> np.ndarray:
    """Return whether each point lies within ``radius`` of the boundary of ``geoms[unit]``.

    Shapely's ``distance(point, boundary) <= radius``; see :func:`_edge_tests`.
    """
    return _edge_tests(x, y, radius, unit, geoms)[0]


def _edge_block(x, y, start, count, edges):
    """Return, per point, the distance to its edges, the parity of crossings, and doubt.

    A point's edges are the ``count`` from ``start``; the parity is whether a ray to its
    right crosses them an odd number of times; doubt, whether a side was not certain.
    """
    offsets = np.cumsum(count) - count  # each point's first pair
    k = np.arange(count.sum()) - np.repeat(offsets - start, count)  # the edges of its unit
    dx, dy, inverse = edges.dx[k], edges.dy[k], edges.inverse[k]
    py = np.repeat(y, count)
    wx = np.repeat(x, count) - edges.ax[k]
    wy = py - edges.ay[k]
    t = wx * dx
    t += wy * dy
    t *= inverse
    np.clip(t, 0.0, 1.0, out=t)  # the nearest point of the edge, from its start (0) to end (1)
    ex, ey = np.subtract(wx, t * dx), np.subtract(wy, t * dy)
    distance = np.sqrt(np.minimum.reduceat(ex * ex + ey * ey, offsets))
    # Edges spanning the point's row (ends included): the side of the point decides whether a
    # ray to its right crosses them; it is the sign of the orientation determinant, when
    # beyond rounding.
    spans = np.flatnonzero((edges.low[k] <= py) & (py <= edges.high[k]))
    dx, dy, wx, wy, py, k = dx[spans], dy[spans], wx[spans], wy[spans], py[spans], k[spans]
    left, right = dx * wy, dy * wx
    side = left - right
    certain = np.abs(side) > _ORIENT_ERR * (np.abs(left) + np.abs(right))
    crossing = ((edges.ay[k] <= py) != (edges.by[k] <= py)) & (side * dy > 0)
    point = np.searchsorted(offsets, spans, side="right") - 1
    odd = np.bincount(point[crossing], minlength=len(x)) % 2 == 1
    unsure = np.zeros(len(x), dtype=bool)
    unsure[point[~certain]] = True
    return distance, odd, unsure


class _Edges:
    """The edges of polygons, polygon by polygon, as columns.

    An edge runs from (``ax``, ``ay``) by (``dx``, ``dy``) to a point of y ``by``;
    ``inverse`` is the inverse of its squared length (0 for an edge of no length), ``low``
    and ``high`` its lowest and highest y. ``start`` and ``count`` give each polygon's edges;
    ``polygonal`` is False when a geometry is not a polygon (its edges say nothing of its
    inside). The inner circle of a valid polygon whose centroid lies inside it is centred
    there (``centre_x``, ``centre_y``) and touches its edge (radius ``inner``; 0 for other
    geometries): it holds no edge, so any point in it is inside.
    """

    def __init__(self, geoms):
        parts, owner = shapely.get_parts(shapely.boundary(geoms), return_index=True)
        coords, ring = shapely.get_coordinates(parts, return_index=True)
        same = ring[1:] == ring[:-1]  # consecutive vertices of one ring make an edge
        a, b = coords[:-1][same], coords[1:][same]
        self.ax, self.ay, self.by = a[:, 0].copy(), a[:, 1].copy(), b[:, 1].copy()
        self.dx, self.dy = b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
        length2 = self.dx * self.dx + self.dy * self.dy
        self.inverse = np.divide(1.0, length2, out=np.zeros_like(length2), where=length2 > 0)
        self.low, self.high = np.minimum(self.ay, self.by), np.maximum(self.ay, self.by)
        self.count = np.bincount(owner[ring[:-1][same]], minlength=len(geoms))
        self.start = np.cumsum(self.count) - self.count
        kind = shapely.get_type_id(geoms)
        self.polygonal = bool(np.isin(kind, (-1, 3, 6)).all())
        usable = np.flatnonzero(np.isin(kind, (3, 6)) & ~shapely.is_empty(geoms))
        usable = usable[shapely.is_valid(geoms[usable])]
        centre = shapely.centroid(geoms[usable])
        self.centre_x, self.centre_y, self.inner = np.zeros((3, len(geoms)))
        self.centre_x[usable], self.centre_y[usable] = shapely.get_x(centre), shapely.get_y(centre)
        self.inner[usable] = np.where(shapely.contains(geoms[usable], centre), shapely.distance(
            centre, shapely.boundary(geoms[usable])), 0.0)


def _adjacency(geoms, distance):
    """Return a tree of ``geoms`` and their pairs closer than ``distance``, sorted ``a * n + b``."""
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="dwithin", distance=distance)
    return tree, np.unique(a[a != b] * len(geoms) + b[a != b])


def _location_series(codes, index):
    values = pd.Categorical.from_codes(codes, categories=list(LOCATION_CLASSES))
    return pd.Series(values, index=index, name="location_check")


def flag_interviews(interviews: pd.DataFrame, config, households=None
                    ) -> pd.DataFrame:
    """Flag interviews that look wrong, per enumerator and per row.

    Flags (each row may get several):

    - ``duplicate_location``: another interview of the same enumerator lies within
      ``duplicate_m`` (the same point: a copied fix).
    - ``near_duplicate_location``: another lies within ``near_duplicate_m`` but not at the same
      point; genuine doors are at least 5 m apart, though GPS noise sometimes brings two fixes
      this close, so this asks for a look, not a rejection.
    - ``invented_cluster``: many households at one spot. An interview is a core when at least
      ``cluster_min_households`` interviews of its enumerator (itself included) lie within
      ``cluster_radius_m`` and ``cluster_minutes`` either side of it (made up in one sitting),
      or within ``spot_radius_m`` on at least ``spot_min_days`` days (made up day after day).
      Cores, the interviews so linked to a core, and those within ``cluster_reach_m`` of a
      cluster's centre in its time span are flagged; linked cores form one cluster
      (``cluster_id``). Genuine dense housing (doors 5-10 m apart) rarely gives that many
      visits at one spot; an apartment block (rusun) can, so verify before rejecting.
    - ``too_fast_travel``: the straight-line speed from the enumerator's previous interview
      exceeds ``max_speed_kmh``, after subtracting both fixes' accuracy radii (GPS noise; an
      unknown accuracy counts as ``max_accuracy_m``) and taking gaps shorter than
      ``min_gap_minutes`` as that long (same-minute clocks). The trip is blamed on its odd
      end (a ``route_detour``, or too fast on both sides), else on its later interview.
    - ``route_detour``: farther than ``detour_m`` (beyond GPS noise) from both the previous
      and the next interview of its enumerator, while those two are closer to each other
      than half that: a trip out and back, or more often a wrong fix.
    - ``outside_fieldwork_window``: interviewed before ``fieldwork_start`` or after
      ``fieldwork_end``.
    - ``night_time``: interviewed from ``night_start_hour`` to ``night_end_hour`` local time.
    - ``duplicate_household_id``: the household ID occurs more than once in the same declared
      RT (forms often number households within an SLS, so IDs repeat across RTs).
    - ``poor_gps``: the fix's accuracy is known and poorer than ``good_accuracy_m``.

    Parameters
    ----------
    interviews : pandas.DataFrame
        Normalised interviews: ``x``, ``y``, ``gps_accuracy_m``, ``interviewed_at``,
        ``enumerator_id``, ``kelurahan_code``, ``rw``, ``rt``, ``household_id``, ``status``;
        optionally ``lon``/``lat``, projected for rows with a valid fix but no ``x``/``y``
        (outside the area) so that travel checks see them.
    config : Checks or Config
        Thresholds.
    households : array of bool, optional
        The ``duplicate_household_id`` mask, when :func:`repeated_households` was computed
        on rows grouped otherwise (:mod:`cakupan.scale.by_parts` checks one enumerator's rows
        together, households one kelurahan's).

    Returns
    -------
    pandas.DataFrame
        Aligned to ``interviews.index``:

        - ``flags``: flag names, sorted, ``;``-joined; empty string when none.
        - ``cluster_id`` (Int64): the invented cluster, numbered from 1 in input order.
        - ``cluster_size`` (Int64): interviews in that cluster.
        - ``nearest_m`` (float): distance to the enumerator's nearest other interview, when
          within :func:`nearest_radius` (9 m by default); NaN when farther.
        - ``speed_kmh`` (float): speed from the enumerator's previous interview, after the
          GPS allowance (0 when within it).
        - ``doubtful`` (bool): counted but in an invented cluster.

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "x": [0.0, 0.0, 5000.0], "y": [0.0, 0.0, 0.0], "gps_accuracy_m": [5.0, 5.0, 30.0],
    ...     "interviewed_at": pd.to_datetime(["2022-10-20 09:00", "2022-10-20 09:20",
    ...                                       "2022-10-20 23:21"]),
    ...     "enumerator_id": ["p1", "p1", "p1"], "kelurahan_code": "3671010001",
    ...     "rw": "001", "rt": "001", "household_id": ["1", "2", "3"], "status": "counted"})
    >>> flag_interviews(frame, Checks())["flags"].tolist()
    ['duplicate_location', 'duplicate_location', 'night_time;poor_gps']
    """
    checks = _checks(config)
    frame = interviews
    n = len(frame)
    # assign keeps the metric position of a valid fix outside the area: trips there count
    x = frame["x"].to_numpy(dtype="float64", na_value=np.nan)
    y = frame["y"].to_numpy(dtype="float64", na_value=np.nan)
    acc = frame["gps_accuracy_m"].to_numpy(dtype="float64", na_value=np.nan)
    when = pd.to_datetime(frame["interviewed_at"])
    has_time = when.notna().to_numpy()
    minutes = np.where(has_time, when.to_numpy(dtype="datetime64[ns]").astype("int64"), 0)
    minutes = minutes / _NS_PER_MINUTE
    enumerator, _ = pd.factorize(frame["enumerator_id"], sort=True)
    status = frame["status"].astype("string")
    located = (
        np.isfinite(x)
        & np.isfinite(y)
        & (enumerator >= 0)
        & (status != "duplicate").fillna(True).to_numpy(dtype=bool)
    )

    flags = {name: np.zeros(n, dtype=bool) for name in FLAGS}
    nearest, dup, near_dup, (cluster_id, cluster_size) = _location_pairs(
        x, y, minutes, has_time, enumerator, located, checks
    )
    flags["duplicate_location"] = dup
    flags["near_duplicate_location"] = near_dup
    flags["invented_cluster"] = cluster_id > 0
    speed, too_fast, detour = _travel(x, y, acc, minutes, enumerator, located & has_time, checks)
    flags["too_fast_travel"] = too_fast
    flags["route_detour"] = detour
    flags["outside_fieldwork_window"], flags["night_time"] = _timing(when, checks)
    flags["duplicate_household_id"] = (repeated_households(frame) if households is None
                                       else np.asarray(households, dtype=bool))
    flags["poor_gps"] = np.isfinite(x) & (acc > checks.good_accuracy_m)

    counted = (status == "counted").fillna(False).to_numpy(dtype=bool)
    none = cluster_id <= 0
    return pd.DataFrame(
        {
            "flags": pd.Series(_flag_text(flags), index=frame.index),
            "cluster_id": pd.arrays.IntegerArray(cluster_id, none.copy()),
            "cluster_size": pd.arrays.IntegerArray(cluster_size, none.copy()),
            "nearest_m": nearest,
            "speed_kmh": speed,
            "doubtful": counted & flags["invented_cluster"],
        },
        index=frame.index,
    )


def _flag_text(flags: dict):
    """Return each row's flags, sorted and ``;``-joined ("" for none), as a string array.

    The text is made once per combination of flags seen, not once per row.
    """
    names = sorted(FLAGS)
    combination = np.zeros(len(flags[names[0]]), dtype="int64")
    for bit, name in enumerate(names):
        combination |= flags[name].astype("int64") << bit
    seen = np.flatnonzero(np.bincount(combination, minlength=1 << len(names)))
    slot = np.zeros(1 << len(names), dtype="int64")
    slot[seen] = np.arange(len(seen))
    texts = [";".join(name for bit, name in enumerate(names) if c >> bit & 1) for c in seen]
    return pd.array(texts, dtype="string").take(slot[combination])


def _location_pairs(x, y, minutes, has_time, enumerator, located, checks):
    """Return nearest distance, duplicate masks and invented clusters from one pair search.

    One search finds every pair of an enumerator's interviews within the largest radius any
    rule needs; the nearest distance is measured within that radius only (farther: NaN), as
    a nearest-neighbour query over millions of points costs ten times the pair search.
    """
    n = len(x)
    nearest = np.full(n, np.nan)
    dup = np.zeros(n, dtype=bool)
    near_dup = np.zeros(n, dtype=bool)
    cluster_id = np.zeros(n, dtype="int64")
    cluster_size = np.zeros(n, dtype="int64")
    rows = np.flatnonzero(located)
    if len(rows) < 2:
        return nearest, dup, near_dup, (cluster_id, cluster_size)
    # Not centred: the same point has the same coordinates however the rows are grouped
    # (cakupan.scale.by_parts), and two points of one enumerator differ in x and y only.
    px, py, group = x[rows], y[rows], enumerator[rows]
    a, b, d = _close_pairs(px, py, group, nearest_radius(checks))
    closest = np.full(len(rows), np.inf)
    np.minimum.at(closest, a, d)
    np.minimum.at(closest, b, d)
    nearest[rows] = np.where(np.isfinite(closest), closest, np.nan)

    same = d <= checks.duplicate_m
    dup[rows[np.concatenate([a[same], b[same]])]] = True
    near = ~same & (d <= checks.near_duplicate_m)
    near_dup[rows[np.concatenate([a[near], b[near]])]] = True

    within = d <= checks.cluster_radius_m
    points = np.column_stack([px, py, group * _PLANE_M])
    ids, sizes = _clusters(points, a[within], b[within], d[within], minutes[rows],
                           has_time[rows], checks)
    cluster_id[rows], cluster_size[rows] = ids, sizes
    return nearest, dup, near_dup, (cluster_id, cluster_size)


def _close_pairs(x, y, group, radius):
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
    >>> a, b, d = _close_pairs(np.array([0.0, 3.0, 0.0, 20.0]), np.array([0.0, 4.0, 0.0, 0.0]),
    ...                       np.array([0, 0, 1, 0]), 5.0)
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
    """Yield slices of ``count`` holding about :data:`_BLOCK` * 4 candidates each."""
    ends = np.cumsum(count)
    cuts = np.searchsorted(ends, np.arange(4 * _BLOCK, ends[-1], 4 * _BLOCK))
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


def nearest_radius(checks) -> float:
    """Return how far ``nearest_m`` looks: the largest radius of the location rules."""
    checks = _checks(checks)
    return max(checks.cluster_radius_m, checks.near_duplicate_m, checks.duplicate_m)


def _clusters(points, a, b, distance, minutes, has_time, checks):
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


def _travel(x, y, acc, minutes, enumerator, usable, checks):
    """Return the speed from the enumerator's previous interview, and too-fast and detour masks."""
    n = len(x)
    speed = np.full(n, np.nan)
    too_fast = np.zeros(n, dtype=bool)
    detour = np.zeros(n, dtype=bool)
    rows = np.flatnonzero(usable)
    if len(rows) < 2:
        return speed, too_fast, detour
    # by enumerator, then time, then input order: two stable sorts cost less than a lexsort,
    # and 16-bit keys sort fastest (numpy sorts them by radix)
    rows = rows[np.argsort(minutes[rows], kind="stable")]
    person = enumerator[rows]
    rows = rows[np.argsort(person.astype("uint16") if person.max() < 1 << 16 else person,
                           kind="stable")]
    allowance = np.fmin(np.nan_to_num(acc, nan=checks.max_accuracy_m), checks.max_accuracy_m)
    # along each enumerator's route (rows sorted): the legs between consecutive interviews,
    # in metres beyond what GPS noise explains (never negative)
    rx, ry, person, noise = x[rows], y[rows], enumerator[rows], allowance[rows]
    leg = np.maximum(np.hypot(np.diff(rx), np.diff(ry)) - noise[:-1] - noise[1:], 0.0)

    same = person[:-1] == person[1:]
    prev, this = rows[:-1][same], rows[1:][same]
    hours = np.maximum(np.diff(minutes[rows])[same], checks.min_gap_minutes) / 60.0
    speed[this] = leg[same] / 1000.0 / hours
    fast = speed[this] > checks.max_speed_kmh

    # A fix far from both its neighbours on the route while they are close: out and back.
    same = person[:-2] == person[2:]
    shorter = np.minimum(leg[:-1], leg[1:])[same]
    back = np.hypot(rx[2:] - rx[:-2], ry[2:] - ry[:-2])[same]
    detour[rows[1:-1][same]] = (shorter > checks.detour_m) & (back < shorter / 2)

    # Blame a too-fast leg on its odd end (a detour, or fast on both sides); else its arrival.
    fast_in = np.zeros(n, dtype=bool)
    fast_out = np.zeros(n, dtype=bool)
    fast_in[this[fast]] = True
    fast_out[prev[fast]] = True
    odd = detour | (fast_in & fast_out)
    start, end = prev[fast], this[fast]
    too_fast[start[odd[start]]] = True
    too_fast[end[odd[end] | ~odd[start]]] = True
    return speed, too_fast, detour


def _timing(when: pd.Series, checks):
    """Return masks of interviews outside the fieldwork window and at night."""
    day = when.dt.normalize()
    start = pd.Timestamp(checks.fieldwork_start)
    end = pd.Timestamp(checks.fieldwork_end)
    outside = ((day < start) | (day > end)).fillna(False).to_numpy(dtype=bool)
    hour = when.dt.hour
    if checks.night_start_hour > checks.night_end_hour:
        night = (hour >= checks.night_start_hour) | (hour < checks.night_end_hour)
    else:
        night = (hour >= checks.night_start_hour) & (hour < checks.night_end_hour)
    return outside, night.fillna(False).to_numpy(dtype=bool)


def repeated_households(frame: pd.DataFrame, households=None) -> np.ndarray:
    """Return the mask of household IDs repeated within one declared RT.

    Rows counted in no kelurahan are in no RT, so never compared; ``duplicate`` rows are
    repeats already set aside. ``households``: the household IDs'
    :func:`cakupan._text.fingerprints`, if at hand.
    """
    status = frame["status"].astype("string")
    key = frame[["kelurahan_code", "rw", "rt", "household_id"]].astype("string")
    usable = (key["household_id"].notna() & key["kelurahan_code"].notna()
              & (status != "duplicate").fillna(True)).to_numpy(dtype=bool)
    if households is None:
        households = fingerprints(as_arrow(key["household_id"]))
    # compare whole keys only where a household's fingerprint repeats
    rows = sharing(households, np.flatnonzero(usable))
    repeated = np.zeros(len(frame), dtype=bool)
    repeated[rows] = key.iloc[rows].duplicated(keep=False).to_numpy()
    return repeated


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
        ``doubtful``, ``flagged`` (interviews with any flag or ``far_outside``),
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
        "flagged": per_enumerator(flagged | far),
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
