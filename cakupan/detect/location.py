"""Location check: is each interview's fix in the unit (RT or kelurahan) it declares.

Takes metric fixes with their accuracy, the unit each interview declares and the unit
polygons, and returns one class per interview (:func:`location_check`), from a numpy pass
over the declared unit's edges (the edge kernel, :func:`_edge_tests`) and a tree of units
adjacent to each other. Never reads or writes files and never changes its inputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from cakupan._text import in_sorted
from cakupan.assign.indexed import Indexed
from cakupan.config import checks_of
from cakupan.crs import require_metric

#: Location classes of :func:`location_check`, from best to worst, then ``unknown``.
LOCATION_CLASSES = ("inside", "boundary_ambiguous", "neighbour", "far_outside", "unknown")

# Point-edge pairs at once in the location check: small enough for a block's arrays to
# stay in the CPU's cache.
_BLOCK = 1 << 18
# Relative error bound of the orientation determinant (see cakupan.assign._grid).
_ORIENT_ERR = 1e-15


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
    units : geopandas.GeoSeries or Indexed
        Unit polygons in a metric CRS: RT polygons when SLS polygons exist, else kelurahan
        (an :class:`~cakupan.assign.indexed.Indexed` layer reuses the edges and neighbours
        built on it).
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
    >>> from cakupan.config import Checks
    >>> units = gpd.GeoSeries([box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=32748)
    >>> location_check([50, 95, 103, 50], [50, 50, 50, 50], [10, 10, 2, 80],
    ...                [0, 0, 0, 0], units, Checks()).tolist()
    ['inside', 'boundary_ambiguous', 'neighbour', 'unknown']
    """
    checks = checks_of(config)
    index = x.index if isinstance(x, pd.Series) else None
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    acc = np.asarray(accuracy_m, dtype="float64")
    declared = np.asarray(declared, dtype="int64")
    layer = Indexed.of(units)
    require_metric(layer.crs, "location_check's units are", "units")
    geoms = layer.geoms
    result = np.full(len(x), len(LOCATION_CLASSES) - 1, dtype="int8")  # unknown
    rows = _checkable(x, y, acc, declared, geoms, checks.max_accuracy_m)
    if len(rows) == 0:
        return _location_series(result, index)

    unit = declared[rows]
    px, py, pa = x[rows], y[rows], acc[rows]
    ambiguous, inside = _edge_tests(px, py, pa, unit, layer)
    cls = np.where(ambiguous, 1, np.where(inside, 0, 3)).astype("int8")
    outside = np.flatnonzero(~ambiguous & ~inside)
    if len(outside):
        near = _near_neighbour(px[outside], py[outside], pa[outside], unit[outside], layer,
                               checks.adjacency_m)
        cls[outside[near]] = 2
    result[rows] = cls
    return _location_series(result, index)


def _checkable(x, y, accuracy, declared, geoms, max_accuracy_m) -> np.ndarray:
    """Return the rows with a usable fix, accuracy and declared unit (the others: unknown).

    Prepares the usable units' polygons for the tests to come.
    """
    n_units = len(geoms)
    usable_unit = np.zeros(n_units + 1, dtype=bool)  # last slot: declared out of range
    usable_unit[:n_units] = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    in_range = (declared >= 0) & (declared < n_units)
    ok = (
        np.isfinite(x)
        & np.isfinite(y)
        & np.isfinite(accuracy)
        & (accuracy <= max_accuracy_m)
        & usable_unit[np.where(in_range, declared, n_units)]
    )
    rows = np.flatnonzero(ok)
    if len(rows):
        shapely.prepare(geoms[usable_unit[:n_units]])
    return rows


def _near_neighbour(x, y, radius, unit, layer: Indexed, adjacency_m) -> np.ndarray:
    """Return whether each point lies within ``radius`` of a unit adjacent to its own."""
    geoms = layer.geoms
    tree, adjacent = layer.built(("adjacent", adjacency_m),
                                 lambda: _adjacency(geoms, adjacency_m))
    k, j = tree.query(shapely.points(x, y), predicate="dwithin", distance=radius)
    hit = in_sorted(unit[k] * len(geoms) + j, adjacent)
    return np.bincount(k[hit], minlength=len(x)) > 0


def index_units(units: Indexed, config) -> None:
    """Build into ``units`` the edges and adjacency that :func:`location_check` reuses.

    A run by parts builds them once, before it forks the processes that check the parts.
    """
    checks = checks_of(config)
    geoms = units.geoms
    units.built("edges", lambda: _Edges(geoms))
    units.built(("adjacent", checks.adjacency_m), lambda: _adjacency(geoms, checks.adjacency_m))


def _adjacency(geoms, distance):
    """Return a tree of ``geoms`` and their pairs closer than ``distance``, sorted ``a * n + b``."""
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="dwithin", distance=distance)
    return tree, np.unique(a[a != b] * len(geoms) + b[a != b])


def _location_series(codes, index):
    values = pd.Categorical.from_codes(codes, categories=list(LOCATION_CLASSES))
    return pd.Series(values, index=index, name="location_check")


def _edge_tests(x, y, radius, unit, polygons):
    """Return whether each point lies within ``radius`` of the edge of its unit, and in it.

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

    Why not shapely's prepared ``dwithin`` of the unit's boundary and ``intersects_xy``: the
    same answer takes five times as long. City pipeline, 599,999 fixes in 5,000 RTs: 0.17 s
    here, 0.89 s with shapely (CPU medians on a 2-core machine,
    ``python benchmarks/kernels.py --size city --kernels edges``).
    """
    layer = Indexed.of(polygons)
    geoms = layer.geoms
    edges = layer.built("edges", lambda: _Edges(geoms))
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
