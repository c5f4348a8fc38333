"""Laying the grid of :class:`cakupan.assign._grid.PolygonIndex` over polygon edges.

Takes the polygons' edges and returns the arrays the index is built from: the grid's origin
and cell size, the cells each edge touches, each grid row cut into *runs* (stretches of cells
an edge touches) and *spans* (stretches of clear cells), and the polygons covering each span.
Plain numpy on whole arrays; no per-edge Python loop.
"""

from __future__ import annotations

import numpy as np
import shapely

# Grid cells per polygon edge when the caller gives no cell size (tuned on benchmarks/).
_CELLS_PER_EDGE = 96.0
_MAX_CELLS = 1 << 27


def choose_grid(edges: np.ndarray, cell_size: float | None):
    """Grid origin, cell size, columns, rows and rasterising margin for these edges."""
    ax, ay, bx, by = edges.T
    xmin = min(ax.min(), bx.min())
    xmax = max(ax.max(), bx.max())
    ymin, ymax = ay.min(), by.max()  # edges are stored lower end first
    w, h = xmax - xmin, ymax - ymin
    if cell_size is None:
        extent = max(w, h, 1e-9 * max(abs(xmin), abs(ymin), 1.0))
        area = max(w, extent / 64) * max(h, extent / 64)
        c = float(np.sqrt(area / min(_CELLS_PER_EDGE * len(edges), _MAX_CELLS / 4)))
    else:
        c = float(cell_size)
        if not np.isfinite(c) or c <= 0:
            raise ValueError(f"cell_size must be a positive number, got {cell_size!r}")
    # Two clear cells of margin on the left and below, at least one on the other sides: every
    # row then starts and ends in a span, and points off the grid are off every polygon.
    x0, y0 = xmin - 2 * c, ymin - 2 * c
    nx, ny = int((xmax - x0) / c) + 3, int((ymax - y0) / c) + 3
    if nx * ny > _MAX_CELLS:
        raise ValueError(
            f"cell_size {c:g} gives a grid of {nx} x {ny} cells; use a larger cell_size"
        )
    # Margin for rasterising edges: far above the rounding of a point's cell computation
    # (~1e-15 of the coordinates), far below a cell.
    eps = 2e-11 * max(abs(xmin), abs(xmax), abs(ymin), abs(ymax)) + 1e-7 * c
    return x0, y0, c, nx, ny, eps


def rasterise(edges: np.ndarray, x0: float, y0: float, c: float, eps: float):
    """One entry per (edge, grid row it touches): edge, row and first and last column touched.

    Conservative: every cell whose box, grown by `eps`, meets the edge is included.
    """
    ax, ay, bx, by = edges.T
    inv = 1.0 / c
    r0 = np.floor((ay - eps - y0) * inv).astype(np.int64)
    r1 = np.floor((by + eps - y0) * inv).astype(np.int64)
    nrow = r1 - r0 + 1
    e = np.repeat(np.arange(len(ax)), nrow)
    row = np.arange(len(e)) - np.repeat(np.cumsum(nrow) - nrow - r0, nrow)
    eax, eay, ebx, eby = ax[e], ay[e], bx[e], by[e]
    # The part of the edge inside the row's band, grown by eps.
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
    return e, row, c0, c1


def cut_rows(row, c0, c1, nx: int, ny: int):
    """Cut each grid row into spans (clear cells) and runs (cells an edge touches).

    Returns segment lengths (row-major order), each segment's span number, the segment
    positions of the runs, the span right of each run, and the run of each entry.
    """
    n_cells = nx * ny
    mixed = np.zeros(n_cells, dtype=bool)
    mixed[ranges(row * nx + c0, c1 - c0 + 1)] = True
    change = np.empty(n_cells, dtype=bool)
    change[0] = True
    np.not_equal(mixed[1:], mixed[:-1], out=change[1:])
    change[::nx] = True  # a row starts a segment; its first and last cells are clear
    seg_start = np.flatnonzero(change)
    del change
    seg_len = np.diff(seg_start, append=n_cells)
    seg_mixed = mixed[seg_start]
    del mixed
    seg_span = np.cumsum(~seg_mixed) - 1
    run_seg = np.flatnonzero(seg_mixed)
    run_target = seg_span[run_seg + 1]  # the span right of each run
    seg_run = np.cumsum(seg_mixed) - 1
    entry_run = np.repeat(seg_run.astype(np.int32), seg_len)[row * nx + c0].astype(np.int64)
    return seg_len, seg_span, run_seg, run_target, entry_run


def cover_spans(cr_run, cr_poly, run_target, n_spans):
    """Polygons covering each span, from the edges crossing row centre lines in each run.

    Per row and polygon the crossings pair up (enter, leave) along the row; the polygon
    covers the spans between the two runs of a pair. Returns the lowest covering polygon per
    span (-1 for none) and all covering polygons as CSR (polygons, pointers).
    """
    order = np.argsort(cr_poly * max(len(run_target), 1) + cr_run)
    enter, leave = cr_run[order[0::2]], cr_run[order[1::2]]
    first = run_target[enter]
    length = run_target[leave] - first
    span_poly = np.repeat(cr_poly[order[0::2]], length)
    span = ranges(first, length)
    big = np.iinfo(np.int64).max
    span_min = np.full(n_spans, big)
    np.minimum.at(span_min, span, span_poly)
    span_min[span_min == big] = -1
    has = span_min >= 0
    if len(span) == np.count_nonzero(has):  # no overlaps: at most one polygon per span
        return span_min, span_min[has], np.r_[0, np.cumsum(has)]
    o = np.lexsort((span_poly, span))
    return span_min, span_poly[o], np.searchsorted(span[o], np.arange(n_spans + 1))


def polygon_edges(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ring segments as (ax, ay, bx, by), lower end first, and the positions of their polygons.

    A segment shared by two polygons appears once with both positions; the second is -1 for a
    segment of one polygon.
    """
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    where = np.flatnonzero(present)
    if not where.size:
        return np.zeros((0, 4)), np.zeros((0, 2), dtype=np.int64)
    kind, xy, offsets = shapely.to_ragged_array(geoms[where])
    ring_start = offsets[0]
    ring_geom = np.repeat(np.arange(len(offsets[1]) - 1), np.diff(offsets[1]))
    if kind == shapely.GeometryType.MULTIPOLYGON:
        ring_geom = np.repeat(np.arange(len(offsets[2]) - 1), np.diff(offsets[2]))[ring_geom]
    # Segment k joins coordinates k and k + 1 unless k closes its ring.
    last = np.zeros(len(xy), dtype=bool)
    last[ring_start[1:] - 1] = True
    k = np.flatnonzero(~last[:-1])
    owner = where[np.repeat(ring_geom, np.diff(ring_start))[k]]
    a, b = xy[k], xy[k + 1]
    keep = (a != b).any(axis=1) & np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    a, b, owner = a[keep], b[keep], owner[keep].astype(np.int64)
    swap = (b[:, 1] < a[:, 1]) | ((b[:, 1] == a[:, 1]) & (b[:, 0] < a[:, 0]))
    a[swap], b[swap] = b[swap], a[swap].copy()
    # An edge shared by two polygons is kept once, with both owners: half the work later.
    seg = np.column_stack([a, b])
    # Sort by (a, b), each compared as a complex number (x, then y): two sorts, not four.
    order = np.argsort(b[:, 0] + 1j * b[:, 1], kind="stable")
    order = order[np.argsort(a[order, 0] + 1j * a[order, 1], kind="stable")]
    seg, owner = seg[order], owner[order]
    same = (seg[1:] == seg[:-1]).all(axis=1)
    pair = np.flatnonzero(same & ~np.r_[False, same[:-1]] & ~np.r_[same[1:], False])
    owners = np.column_stack([owner, np.full(len(owner), -1)])
    owners[pair, 1] = owner[pair + 1]
    keep = np.ones(len(seg), dtype=bool)
    keep[pair + 1] = False
    return seg[keep], owners[keep]


def ranges(start: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + c)`` for each start s and count c."""
    offset = np.cumsum(count) - count
    return np.arange(int(count.sum())) + np.repeat(start - offset, count)
