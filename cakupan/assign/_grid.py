"""Exact point-in-polygon assignment for millions of points given as coordinate arrays.

Plumbing for the assign stage. :class:`PolygonIndex` takes polygons (already in a projected CRS,
in the caller's order) and answers, for x and y arrays, which polygon covers each point. It never
builds a shapely Point for the bulk of the points and has no per-point Python loop.

How it works. A regular grid is laid over the polygons. Every polygon edge is rasterised into the
cells it touches (with a small safety margin); the touched cells are *mixed*, the others *clear*.
In each grid row, a maximal stretch of mixed cells is a *run*, a stretch of clear cells a *span*.
No polygon boundary passes through a span, so every point of a span is covered by the same set of
polygons; that set is found once per span by counting, per polygon, the edges crossing the row's
centre line to the span's right (the crossing-number test, exact since it only compares
coordinates). A point in a clear cell is answered by one table look-up. A point in a run is
answered by casting a horizontal ray from it to the span right of the run and counting, per
polygon, the run's edges it crosses: its covering set is the span's set with the parity of those
crossings applied. The side-of-edge sign is computed in floating point with Shewchuk's error
bound; a point whose sign is not certain (on or within rounding of an edge: boundary points,
shared edges and vertices) is handed to shapely, so results equal shapely's exact predicate.
"""

from __future__ import annotations

import numpy as np
import shapely

from cakupan._text import in_sorted
from cakupan.assign._gridding import (
    choose_grid,
    cover_spans,
    cut_rows,
    polygon_edges,
    ranges,
    rasterise,
)

__all__ = ["PolygonIndex"]

# Relative error bound of the orientation determinant: Shewchuk's ccwerrboundA is
# (3 + 16 eps) eps = 3.3e-16; three times that leaves room without changing the speed.
_ORIENT_ERR = 1e-15
# Points x edges pairs evaluated at once; bounds the memory of a query.
_CHUNK_PAIRS = 1 << 16


class PolygonIndex:
    """Locate points in polygons, exactly, on coordinate arrays.

    Parameters
    ----------
    polygons : numpy.ndarray or geopandas.GeoSeries
        Polygon or MultiPolygon geometries (None and empty geometries cover nothing), in a
        projected CRS, in the order that decides ties. They may overlap, leave holes between
        them and have holes of their own; they should be valid.
    cell_size : float, optional
        Side of the grid cells, in CRS units. By default chosen from the extent and the number
        of polygon edges.

    Attributes
    ----------
    n_polygons : int
        Number of input geometries.
    cell_size : float or None
        Grid cell side in use (None when no polygon has an edge).

    Notes
    -----
    **Rule.** A point belongs to the polygons that *cover* it, boundary included (shapely's
    ``covers``, equivalently ``intersects`` between polygon and point). When several cover it
    (a shared edge or vertex, or an overlap), :meth:`locate` gives the one with the lowest
    position in `polygons`: sort the polygons by unit code first and ties go to the lowest code.
    Points covered by none, and points with a NaN or infinite coordinate, get -1.

    The result is identical to shapely's exact predicate with that rule: points whose side of
    an edge cannot be decided with certainty in floating point are tested by shapely itself.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> squares = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    >>> index = PolygonIndex(squares)
    >>> index.locate(np.array([0.5, 1.0, 1.5, 3.0]), np.array([0.5, 0.5, 0.5, 0.5]))
    array([ 0,  0,  1, -1])
    >>> index.locate_all(np.array([1.0]), np.array([0.5]))
    (array([0, 0]), array([0, 1]))
    """

    def __init__(self, polygons, cell_size: float | None = None):
        geoms = np.asarray(polygons, dtype=object).ravel()
        kinds = shapely.get_type_id(geoms)
        bad = np.flatnonzero(~np.isin(kinds, (-1, 3, 6)))
        if bad.size:
            raise TypeError(
                f"polygons must be Polygon or MultiPolygon; position {bad[0]} is a "
                f"{geoms[bad[0]].geom_type} ({bad.size} such geometries)"
            )
        self.n_polygons = len(geoms)
        self._geoms = geoms
        self._tree = None
        edges, owners = polygon_edges(geoms)
        self.cell_size = None
        if not len(edges):
            self._table = None
            return
        self._build(edges, owners, cell_size)

    # -- building ---------------------------------------------------------------------------

    def _build(self, edges: np.ndarray, owners: np.ndarray, cell_size: float | None) -> None:
        x0, y0, c, nx, ny, eps = choose_grid(edges, cell_size)
        self._x0, self._y0, self._inv, self._nx, self._ny = x0, y0, 1.0 / c, nx, ny
        self.cell_size = c
        e, row, c0, c1 = rasterise(edges, x0, y0, c, eps)
        ent_edges = np.take(edges, e, axis=0)
        ay, by = ent_edges[:, 1], ent_edges[:, 3]

        seg_len, seg_span, run_seg, run_target, entry_run = cut_rows(row, c0, c1, nx, ny)
        n_runs, n_spans = len(run_seg), len(seg_len) - len(run_seg)

        # Covering sets of the spans, from edges crossing each row's centre line (both owners).
        yc = y0 + (row + 0.5) * c
        crosses = np.flatnonzero((ay <= yc) & (by > yc))
        first, second = owners[e[crosses], 0], owners[e[crosses], 1]
        cr_run = np.concatenate([entry_run[crosses], entry_run[crosses][second >= 0]])
        cr_poly = np.concatenate([first, second[second >= 0]])
        span_min, self._span_poly, self._span_ptr = cover_spans(cr_run, cr_poly, run_target,
                                                                n_spans)
        multi = len(self._span_poly) > np.count_nonzero(span_min >= 0)

        # The table: clear cell -> lowest covering polygon (-1 for none); mixed -> -2 - run.
        dtype = np.int32 if n_runs + 2 < 2**31 and self.n_polygons < 2**31 else np.int64
        seg_code = span_min[seg_span]
        seg_code[run_seg] = -2 - np.arange(n_runs)
        self._table = np.repeat(seg_code.astype(dtype), seg_len)
        self._cell_span = None
        if multi:
            seg_code = seg_span.copy()
            seg_code[run_seg] = -1
            self._cell_span = np.repeat(seg_code.astype(dtype), seg_len)

        self._index_runs(ent_edges, np.take(owners, e, axis=0), entry_run, run_target)
        self._run_min = span_min[run_target]
        self._run_target = run_target

    def _index_runs(self, edges, owners, entry_run, run_target) -> None:
        """Group the run entries by run and polygon ("slots").

        Each slot starts from whether its polygon covers the run's target span; a ray's
        crossings flip it.
        """
        n_runs, n_ent = len(run_target), len(edges)
        ax, ay, bx, by = edges.T
        npoly = max(self.n_polygons, 1)
        second = owners[:, 1]
        two = np.flatnonzero(second >= 0)
        key = np.concatenate(
            [entry_run * npoly + owners[:, 0], entry_run[two] * npoly + second[two]]
        )
        order = np.argsort(key)
        key = key[order]
        new_slot = np.ones(len(key), dtype=bool)
        np.not_equal(key[1:], key[:-1], out=new_slot[1:])
        slot_keys = key[new_slot]
        tcount = np.diff(self._span_ptr)[run_target]
        t_run = np.repeat(np.arange(n_runs), tcount)
        t_keys = t_run * npoly + self._span_poly[ranges(self._span_ptr[run_target], tcount)]
        found = in_sorted(t_keys, slot_keys)
        if found.all():
            sorted_slot = np.cumsum(new_slot) - 1
        else:  # overlaps: a run inside a polygon none of whose edges it holds
            slot_keys = np.union1d(slot_keys, t_keys[~found])
            sorted_slot = np.searchsorted(slot_keys, key)
        key_slot = np.empty_like(sorted_slot)
        key_slot[order] = sorted_slot
        self._slot_base = np.zeros(len(slot_keys), dtype=bool)
        self._slot_base[np.searchsorted(slot_keys, t_keys)] = True
        slot_run = slot_keys // npoly
        self._slot_poly = slot_keys % npoly
        self._slot_ptr = np.searchsorted(slot_run, np.arange(n_runs + 1))
        # Entries grouped by run: their first-owner keys, in sorted order.
        ent = order[order < n_ent]
        self._run_ptr = np.searchsorted(entry_run[ent], np.arange(n_runs + 1))
        local = key_slot - self._slot_ptr[np.concatenate([entry_run, entry_run[two]])]
        slot2 = np.full(n_ent, -1)
        slot2[two] = local[n_ent:]
        self._entry_slot = np.column_stack([local[:n_ent][ent], slot2[ent]])
        ax, ay, bx, by = ax[ent], ay[ent], bx[ent], by[ent]
        self._eyy = np.column_stack([ay, by])
        self._ax, self._dx, self._dy = ax, bx - ax, by - ay

    # -- querying ---------------------------------------------------------------------------

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Position of the polygon covering each point, lowest position on ties.

        Parameters
        ----------
        x, y : numpy.ndarray
            Point coordinates, 1-D, same length, in the polygons' CRS.

        Returns
        -------
        numpy.ndarray
            int64 position into `polygons` for each point; -1 where no polygon covers the
            point or a coordinate is not finite.
        """
        x, y = _xy(x, y)
        code = self._codes(x, y)
        out = code.astype(np.int64)
        pts = np.flatnonzero(code <= -2)
        if not pts.size:
            return out
        run = -2 - out[pts]
        out[pts] = self._run_min[run]
        crossed, pt, poly, unsure = self._mixed(x[pts], y[pts], run)
        out[pts[crossed]] = -1
        first = _firsts(pt)
        out[pts[pt[first]]] = poly[first]
        if unsure.size:
            upt, upoly = self._exact(x[pts[unsure]], y[pts[unsure]])
            out[pts[unsure]] = -1
            first = _firsts(upt)
            out[pts[unsure[upt[first]]]] = upoly[first]
        return out

    def locate_all(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (point, polygon) pair where the polygon covers the point.

        Parameters
        ----------
        x, y : numpy.ndarray
            As :meth:`locate` takes them.

        Returns
        -------
        point_pos, polygon_pos : numpy.ndarray
            int64 positions into the points and into `polygons`, sorted by point then
            polygon. A point covered by several polygons (shared edge or vertex, overlap)
            appears once per polygon; a point covered by none does not appear.
        """
        x, y = _xy(x, y)
        code = self._codes(x, y).astype(np.int64)
        clear = np.flatnonzero(code >= 0)
        parts = []
        if self._table is not None and self._cell_span is not None:
            parts.append(self._span_sets(clear, self._cell_span[self._cell_of(x[clear], y[clear])]))
        else:
            parts.append((clear, code[clear]))
        pts = np.flatnonzero(code <= -2)
        if pts.size:
            run = -2 - code[pts]
            crossed, pt, poly, unsure = self._mixed(x[pts], y[pts], run)
            plain = np.ones(len(pts), dtype=bool)
            plain[crossed] = False
            plain[unsure] = False
            plain = np.flatnonzero(plain)
            parts.append(self._span_sets(pts[plain], self._run_target[run[plain]]))
            keep = ~np.isin(pt, unsure)
            parts.append((pts[pt[keep]], poly[keep]))
            if unsure.size:
                upt, upoly = self._exact(x[pts[unsure]], y[pts[unsure]])
                parts.append((pts[unsure[upt]], upoly))
        a = np.concatenate([p for p, _ in parts]).astype(np.int64)
        b = np.concatenate([q for _, q in parts]).astype(np.int64)
        order = _order(a, b, self.n_polygons)
        return a[order], b[order]

    def _span_sets(self, points: np.ndarray, span: np.ndarray):
        """(point, polygon) pairs for points lying in the given spans."""
        span = span.astype(np.int64)
        cnt = self._span_ptr[span + 1] - self._span_ptr[span]
        return np.repeat(points, cnt), self._span_poly[ranges(self._span_ptr[span], cnt)]

    def _cell_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ix = ((x - self._x0) * self._inv).astype(np.int64)
        iy = ((y - self._y0) * self._inv).astype(np.int64)
        return iy * self._nx + ix

    def _codes(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Table code per point: polygon (>= 0), none (-1) or -2 - run for mixed cells."""
        if self._table is None:
            return np.full(len(x), -1, dtype=np.int32)
        fx = x - self._x0
        fx *= self._inv
        fy = y - self._y0
        fy *= self._inv
        ok = (fx >= 0) & (fx < self._nx) & (fy >= 0) & (fy < self._ny)  # False for NaN
        all_ok = bool(ok.all())
        if not all_ok:
            fx[~ok] = 0
            fy[~ok] = 0
        cell = fy.astype(np.int64)
        cell *= self._nx
        cell += fx.astype(np.int64)
        code = self._table[cell]
        if not all_ok:
            code[~ok] = -1
        return code

    def _mixed(self, x: np.ndarray, y: np.ndarray, run: np.ndarray):
        """Covering polygons of points in mixed cells, by ray crossing within their run.

        Points whose ray crosses no edge have their run's target span's set. Returns the sorted
        positions of the points whose ray crosses an edge, (point, polygon) pairs for those
        points sorted by point then polygon, and the sorted positions of the points whose
        answer is not certain in floating point.
        """
        cnt = self._run_ptr[run + 1] - self._run_ptr[run]
        bounds = np.searchsorted(np.cumsum(cnt), np.arange(_CHUNK_PAIRS, cnt.sum(), _CHUNK_PAIRS))
        res = [[], [], [], []]
        for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(x)], strict=True):
            parts = self._mixed_chunk(x[lo:hi], y[lo:hi], run[lo:hi], cnt[lo:hi])
            for i, part in enumerate(parts):
                res[i].append(part + lo if i != 2 else part)
        return tuple(np.concatenate(r) for r in res)

    def _mixed_chunk(self, x, y, run, cnt):
        pair_pt = np.repeat(np.arange(len(x)), cnt)
        ent = ranges(self._run_ptr[run], cnt)
        qy = y[pair_pt]
        yy = np.take(self._eyy, ent, axis=0)  # far faster than yy[ent] on 2-D arrays
        # Only edges spanning the point's y can be crossed by, or pass through, the point.
        near = np.flatnonzero((qy >= yy[:, 0]) & (qy <= yy[:, 1]))
        pair_pt, ent, qy, yy = pair_pt[near], ent[near], qy[near], yy[near]
        left = qy - yy[:, 0]
        left *= self._dx[ent]
        right = x[pair_pt]
        right -= self._ax[ent]
        right *= self._dy[ent]
        det = left - right
        np.abs(left, out=left)
        np.abs(right, out=right)
        left += right
        left *= _ORIENT_ERR
        unsure = pair_pt[np.abs(det) <= left]
        hit = np.flatnonzero((det > 0) & (yy[:, 1] > qy))
        unsure = unsure[_firsts(unsure)]
        # Parity of crossings per (point, slot) for the points whose ray crosses an edge.
        hit_pt = pair_pt[hit]
        crossed = hit_pt[_firsts(hit_pt)]
        run = run[crossed]
        base = self._slot_ptr[run]
        nslot = self._slot_ptr[run + 1] - base
        offset = np.cumsum(nslot) - nslot
        rank = np.searchsorted(crossed, hit_pt)
        slots = np.take(self._entry_slot, ent[hit], axis=0)
        idx = slots + offset[rank][:, None]
        parity = np.bincount(idx[slots >= 0], minlength=int(nslot.sum()))
        slot = ranges(base, nslot)
        covered = np.flatnonzero(self._slot_base[slot] != (parity & 1).astype(bool))
        point = crossed[np.repeat(np.arange(len(crossed)), nslot)[covered]]
        return crossed, point, self._slot_poly[slot[covered]], unsure

    def _exact(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Shapely's exact answer for a few points: (point, polygon) pairs, sorted."""
        if self._tree is None:
            self._tree = shapely.STRtree(self._geoms)
        pt, poly = self._tree.query(shapely.points(x, y), predicate="intersects")
        order = np.lexsort((poly, pt))
        return pt[order].astype(np.int64), poly[order].astype(np.int64)


def _order(point: np.ndarray, polygon: np.ndarray, n_polygons: int) -> np.ndarray:
    """Return the order that sorts pairs by point, then polygon (as ``np.lexsort``, stable).

    The pairs come in a few runs already sorted; a stable sort of one key per pair merges
    them in one pass, where ``np.lexsort`` sorts everything twice (half of a query's time).
    """
    if len(point) and (int(point.max()) + 1) * max(n_polygons, 1) < 2**62:
        return np.argsort(point * max(n_polygons, 1) + polygon, kind="stable")
    return np.lexsort((polygon, point))


def _firsts(sorted_values: np.ndarray) -> np.ndarray:
    """Mask of the first element of each run of equal values in a sorted array."""
    first = np.ones(len(sorted_values), dtype=bool)
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=first[1:])
    return first


def _xy(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"x and y must be 1-D arrays of one length, got {x.shape} and {y.shape}")
    return x, y
