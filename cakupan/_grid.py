"""Exact point-in-polygon assignment for millions of points given as coordinate arrays.

Plumbing for the assign stage. :class:`PolygonIndex` takes polygons (already in a projected CRS,
in the caller's order) and answers, for x and y arrays, which polygon covers each point. It never
builds a shapely Point for the bulk of the points and has no per-point Python loop.

How it works. A regular grid is laid over the polygons. Every polygon edge is rasterised into the
cells it touches (with a small safety margin); the touched cells are *mixed*, the others *clear*.
In each grid row, a maximal stretch of mixed cells is a *run*, a stretch of clear cells a *gap*.
No polygon boundary passes through a gap, so every point of a gap is covered by the same set of
polygons; that set is found once per gap by counting, per polygon, the edges crossing the row's
centre line to the gap's right (the crossing-number test, exact since it only compares
coordinates). A point in a clear cell is answered by one table look-up. A point in a run is
answered by casting a horizontal ray from it to the gap right of the run and counting, per
polygon, the run's edges it crosses: its covering set is the gap's set with the parity of those
crossings applied. The side-of-edge sign is computed in floating point with Shewchuk's error
bound; a point whose sign is not certain (on or within rounding of an edge: boundary points,
shared edges and vertices) is handed to shapely, so results equal shapely's exact predicate.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["PolygonIndex"]

# Relative error bound of the orientation determinant: Shewchuk's ccwerrboundA is
# (3 + 16 eps) eps = 3.3e-16; three times that leaves room without changing the speed.
_ORIENT_ERR = 1e-15
# Grid cells per polygon edge when the caller gives no cell size (tuned on benchmarks/).
_CELLS_PER_EDGE = 64.0
_MAX_CELLS = 1 << 27
# Points x edges pairs evaluated at once; bounds the memory of a query.
_CHUNK_PAIRS = 1 << 16


class PolygonIndex:
    """Locate points in polygons, exactly, on coordinate arrays.

    Parameters
    ----------
    polygons : numpy.ndarray or geopandas.GeoSeries
        Polygon or MultiPolygon geometries (None and empty geometries cover nothing), in a
        projected CRS, in the order that decides ties. They may overlap, leave gaps and have
        holes; they should be valid.
    cell_size : float, optional
        Side of the grid cells, in CRS units. By default chosen from the extent and the number
        of polygon edges.

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
        edges, owner = _edges(geoms)
        if not len(edges):
            self._table = None
            return
        self._build(edges, owner, cell_size)

    # -- building ---------------------------------------------------------------------------

    def _build(self, edges: np.ndarray, owner: np.ndarray, cell_size: float | None) -> None:
        ax, ay, bx, by = edges.T
        xmin = min(ax.min(), bx.min())
        xmax = max(ax.max(), bx.max())
        ymin, ymax = ay.min(), by.max()  # edges are stored lower end first
        w, h = xmax - xmin, ymax - ymin
        if cell_size is None:
            span = max(w, h, 1e-9 * max(abs(xmin), abs(ymin), 1.0))
            area = max(w, span / 64) * max(h, span / 64)
            c = np.sqrt(area / min(_CELLS_PER_EDGE * len(edges), _MAX_CELLS / 4))
        else:
            c = float(cell_size)
            if not np.isfinite(c) or c <= 0:
                raise ValueError(f"cell_size must be a positive number, got {cell_size!r}")
        # Two clear cells of margin on the left and below, at least one on the other sides: every
        # row then ends in a gap, and points off the grid are off every polygon.
        x0, y0 = xmin - 2 * c, ymin - 2 * c
        nx, ny = int((xmax - x0) / c) + 3, int((ymax - y0) / c) + 3
        if nx * ny > _MAX_CELLS:
            raise ValueError(
                f"cell_size {c:g} gives a grid of {nx} x {ny} cells; use a larger cell_size"
            )
        # Margin for rasterising edges: far above the rounding of a point's cell computation
        # (~1e-15 of the coordinates), far below a cell.
        eps = 2e-11 * max(abs(xmin), abs(xmax), abs(ymin), abs(ymax)) + 1e-7 * c
        inv = 1.0 / c
        self._x0, self._y0, self._inv, self._nx, self._ny = x0, y0, inv, nx, ny

        # One entry per (edge, row it touches), with the range of cells it touches there.
        r0 = np.floor((ay - eps - y0) * inv).astype(np.int64)
        r1 = np.floor((by + eps - y0) * inv).astype(np.int64)
        nrow = r1 - r0 + 1
        e = np.repeat(np.arange(len(ax)), nrow)
        row = np.arange(len(e)) - np.repeat(np.cumsum(nrow) - nrow - r0, nrow)
        eax, eay, ebx, eby = ax[e], ay[e], bx[e], by[e]
        lo = np.maximum(y0 + row * c - eps, eay)
        hi = np.minimum(y0 + (row + 1) * c + eps, eby)
        dy = eby - eay
        slope = (ebx - eax) / np.where(dy > 0, dy, 1.0)
        xa = eax + (lo - eay) * slope
        xb = eax + (hi - eay) * slope
        exlo, exhi = np.minimum(eax, ebx), np.maximum(eax, ebx)
        whole = (nrow[e] == 1) | (dy <= 0)
        xlo = np.where(whole, exlo, np.maximum(np.minimum(xa, xb), exlo))
        xhi = np.where(whole, exhi, np.minimum(np.maximum(xa, xb), exhi))
        c0 = np.floor((xlo - eps - x0) * inv).astype(np.int64)
        c1 = np.floor((xhi + eps - x0) * inv).astype(np.int64)

        # Mixed cells: a difference array along each row, summed.
        stride = nx + 1
        diff = np.bincount(row * stride + c0, minlength=ny * stride)
        diff -= np.bincount(row * stride + c1 + 1, minlength=ny * stride)
        mixed = (np.cumsum(diff.reshape(ny, stride), axis=1)[:, :nx] > 0).ravel()
        del diff
        prev = np.empty_like(mixed)
        prev[1:] = mixed[:-1]
        prev[::nx] = False
        starts = mixed & ~prev
        run_id = np.cumsum(starts, dtype=np.int64)
        run_id -= 1
        np.logical_not(mixed, out=starts)
        starts &= prev
        starts[::nx] = True  # column 0 is always clear
        gap_id = np.cumsum(starts, dtype=np.int64)
        gap_id -= 1
        del starts, prev
        n_runs = int(run_id[-1]) + 1
        n_gaps = int(gap_id[-1]) + 1
        ends = np.flatnonzero(mixed[:-1] & ~mixed[1:])  # last cell of each run, in run order
        run_target = gap_id[ends + 1]  # the gap right of each run
        entry_run = run_id[row * nx + c0]

        # Covering set of every gap: per row and polygon, edges crossing the row's centre line
        # pair up (enter, leave); the polygon covers the gaps between the two runs of a pair.
        yc = y0 + (row + 0.5) * c
        crosses = (eay <= yc) & (eby > yc)
        cr_run = entry_run[crosses]
        cr_poly = owner[e[crosses]]
        order = np.argsort(cr_poly * max(n_runs, 1) + cr_run)
        enter, leave = cr_run[order[0::2]], cr_run[order[1::2]]
        span_poly = cr_poly[order[0::2]]
        first, stop = run_target[enter], run_target[leave]
        length = stop - first
        gap_poly = np.repeat(span_poly, length)
        gap = np.arange(len(gap_poly)) - np.repeat(np.cumsum(length) - length - first, length)
        gap_min = np.full(n_gaps, np.iinfo(np.int64).max)
        np.minimum.at(gap_min, gap, gap_poly)
        gap_min[gap_min == np.iinfo(np.int64).max] = -1
        # Gap covering sets as CSR, kept for locate_all and for runs' target sets.
        multi = len(gap) > np.count_nonzero(gap_min >= 0)
        if multi:
            o = np.lexsort((gap_poly, gap))
            self._gap_poly = gap_poly[o]
            self._gap_ptr = np.searchsorted(gap[o], np.arange(n_gaps + 1))
        else:
            has = gap_min >= 0
            self._gap_poly = gap_min[has]
            self._gap_ptr = np.concatenate([[0], np.cumsum(has)])

        # The table: clear cell -> lowest covering polygon (-1 for none); mixed -> -2 - run.
        dtype = np.int32 if n_runs + 2 < 2**31 and self.n_polygons < 2**31 else np.int64
        table = gap_min.astype(dtype)[gap_id]
        table[mixed] = -2 - run_id[mixed]
        self._table = table
        self._cell_gap = np.where(mixed, -1, gap_id).astype(dtype) if multi else None
        del table, run_id, gap_id, mixed

        # Runs: their edges grouped by run and polygon ("slots"); each slot starts from whether
        # the polygon covers the run's target gap.
        npoly = max(self.n_polygons, 1)
        key = entry_run * npoly + owner[e]
        order = np.argsort(key, kind="stable")
        key = key[order]
        e_sorted = e[order]
        slot_keys = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key
        tcount = np.diff(self._gap_ptr)[run_target]
        t_run = np.repeat(np.arange(n_runs), tcount)
        t_poly = self._gap_poly[_ranges(self._gap_ptr[run_target], tcount)]
        t_keys = t_run * npoly + t_poly
        missing = t_keys[~_isin_sorted(t_keys, slot_keys)]
        if missing.size:
            slot_keys = np.union1d(slot_keys, missing)
        self._slot_base = _isin_sorted(slot_keys, np.sort(t_keys))
        slot_run = slot_keys // npoly
        self._slot_poly = slot_keys % npoly
        self._slot_ptr = np.searchsorted(slot_run, np.arange(n_runs + 1))
        self._run_ptr = np.searchsorted(entry_run[order], np.arange(n_runs + 1))
        self._entry_slot = np.searchsorted(slot_keys, key) - self._slot_ptr[key // npoly]
        self._ax, self._ay = ax[e_sorted], ay[e_sorted]
        self._by = by[e_sorted]
        self._dx, self._dy = bx[e_sorted] - self._ax, self._by - self._ay
        self.cell_size = c

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
        pt, poly, unsure = self._mixed(x[pts], y[pts], -2 - code[pts].astype(np.int64))
        out[pts] = -1
        first = np.r_[True, pt[1:] != pt[:-1]] if len(pt) else np.zeros(0, bool)
        out[pts[pt[first]]] = poly[first]
        if unsure.size:
            upt, upoly = self._exact(x[pts[unsure]], y[pts[unsure]])
            out[pts[unsure]] = -1
            first = np.r_[True, upt[1:] != upt[:-1]] if len(upt) else np.zeros(0, bool)
            out[pts[unsure[upt[first]]]] = upoly[first]
        return out

    def locate_all(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (point, polygon) pair where the polygon covers the point.

        Parameters
        ----------
        x, y : numpy.ndarray
            Point coordinates, 1-D, same length, in the polygons' CRS.

        Returns
        -------
        point_pos, polygon_pos : numpy.ndarray
            int64 positions into the points and into `polygons`, sorted by point then
            polygon. A point covered by several polygons (shared edge or vertex, overlap)
            appears once per polygon; a point covered by none does not appear.
        """
        x, y = _xy(x, y)
        code = self._codes(x, y)
        clear = np.flatnonzero(code >= 0)
        if self._table is not None and self._cell_gap is not None:
            gap = self._cell_gap[self._cell_of(x[clear], y[clear])].astype(np.int64)
            cnt = self._gap_ptr[gap + 1] - self._gap_ptr[gap]
            p_pt = np.repeat(clear, cnt)
            p_poly = self._gap_poly[_ranges(self._gap_ptr[gap], cnt)]
        else:
            p_pt, p_poly = clear, code[clear].astype(np.int64)
        parts = [(p_pt, p_poly)]
        pts = np.flatnonzero(code <= -2)
        if pts.size:
            pt, poly, unsure = self._mixed(x[pts], y[pts], -2 - code[pts].astype(np.int64))
            keep = ~np.isin(pt, unsure)
            parts.append((pts[pt[keep]], poly[keep]))
            if unsure.size:
                upt, upoly = self._exact(x[pts[unsure]], y[pts[unsure]])
                parts.append((pts[unsure[upt]], upoly))
        a = np.concatenate([p for p, _ in parts]).astype(np.int64)
        b = np.concatenate([q for _, q in parts]).astype(np.int64)
        order = np.lexsort((b, a))
        return a[order], b[order]

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

        Returns (point, polygon) pairs sorted by point then polygon, and the sorted positions
        of the points whose answer is not certain in floating point.
        """
        cnt = self._run_ptr[run + 1] - self._run_ptr[run]
        bounds = np.searchsorted(np.cumsum(cnt), np.arange(_CHUNK_PAIRS, cnt.sum(), _CHUNK_PAIRS))
        out_pt, out_poly, out_unsure = [], [], []
        for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(x)], strict=True):
            pt, poly, unsure = self._mixed_chunk(x[lo:hi], y[lo:hi], run[lo:hi], cnt[lo:hi])
            out_pt.append(pt + lo)
            out_poly.append(poly)
            out_unsure.append(unsure + lo)
        return np.concatenate(out_pt), np.concatenate(out_poly), np.concatenate(out_unsure)

    def _mixed_chunk(self, x, y, run, cnt):
        n = len(x)
        pair_pt = np.repeat(np.arange(n), cnt)
        ent = _ranges(self._run_ptr[run], cnt)
        qy = y[pair_pt]
        ay, by = self._ay[ent], self._by[ent]
        # Only edges spanning the point's y can be crossed by, or pass through, the point.
        near = np.flatnonzero((qy >= ay) & (qy <= by))
        pair_pt, ent, qy, ay, by = pair_pt[near], ent[near], qy[near], ay[near], by[near]
        t = qy - ay
        s = x[pair_pt] - self._ax[ent]
        left = self._dx[ent] * t
        right = self._dy[ent] * s
        det = left - right
        np.abs(left, out=left)
        np.abs(right, out=right)
        left += right
        left *= _ORIENT_ERR
        unsure = np.abs(det) <= left
        cross = (det > 0) & (by > qy)
        # Parity of crossings per (point, slot); slots of a run are sorted by polygon.
        base = self._slot_ptr[run]
        nslot = self._slot_ptr[run + 1] - base
        offset = np.cumsum(nslot) - nslot
        hit = offset[pair_pt[cross]] + self._entry_slot[ent[cross]]
        parity = (np.bincount(hit, minlength=int(nslot.sum())) & 1).astype(bool)
        slot = _ranges(base, nslot)
        covered = np.flatnonzero(self._slot_base[slot] != parity)
        point = np.repeat(np.arange(n), nslot)[covered]
        unsure_pts = np.flatnonzero(np.bincount(pair_pt[unsure], minlength=n))
        return point, self._slot_poly[slot[covered]], unsure_pts

    def _exact(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Shapely's exact answer for a few points: (point, polygon) pairs, sorted."""
        if self._tree is None:
            self._tree = shapely.STRtree(self._geoms)
        pt, poly = self._tree.query(shapely.points(x, y), predicate="intersects")
        order = np.lexsort((poly, pt))
        return pt[order].astype(np.int64), poly[order].astype(np.int64)


def _edges(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ring segment as (ax, ay, bx, by), lower end first, and its polygon's position."""
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    xy, coord_of = shapely.get_coordinates(rings, return_index=True)
    same = coord_of[1:] == coord_of[:-1]
    a, b = xy[:-1][same], xy[1:][same]
    owner = part_of[ring_of[coord_of[:-1][same]]]
    keep = (a != b).any(axis=1)
    a, b, owner = a[keep], b[keep], owner[keep]
    swap = b[:, 1] < a[:, 1]
    a[swap], b[swap] = b[swap], a[swap].copy()
    return np.column_stack([a, b]), owner.astype(np.int64)


def _xy(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"x and y must be 1-D arrays of one length, got {x.shape} and {y.shape}")
    return x, y


def _ranges(start: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + c)`` for each start s and count c."""
    offset = np.cumsum(count) - count
    return np.arange(int(count.sum())) + np.repeat(start - offset, count)


def _isin_sorted(values: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Whether each value occurs in `sorted_keys` (sorted ascending)."""
    if not len(sorted_keys):
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, values), len(sorted_keys) - 1)
    return sorted_keys[pos] == values
