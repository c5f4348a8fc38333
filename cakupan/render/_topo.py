"""TopoJSON for the map: polygons quantised to 1e-5 degrees, shared edges written once.

:func:`topology` takes GeoDataFrames in EPSG:4326 and returns a TopoJSON ``Topology``
(a dict ready for ``json.dumps``) that the page decodes with the vendored topojson-client.
Rings are cut into arcs at junctions (points where more than two edges meet), so the edge
between two neighbours is stored once and referenced by both. Nothing here touches the disk.

Why not the topojson package: for the city demo's map (13 kecamatan, 104 kelurahan, 959 RW,
4,818 RT and 94 blind spots, simplified as ``map.html`` holds them) this took 0.34 s and
topojson 2.2's ``Topology(..., prequantize=<the same 1e-5 degree step>).to_dict()`` 1.35 s:
best of 3 on a 2-core Intel Xeon virtual machine shared with other work (load about 2),
measured side by side by ``python benchmarks/render_libraries.py --size city``.
``tests/test_topo.py`` decodes the output as the TopoJSON specification reads it.
"""

from __future__ import annotations

import numpy as np
import shapely

#: Quantisation step in degrees (about 1.1 m at the equator).
STEP = 1e-5


def _rings(geometries):
    """Return (rings, polygon index, part index, ring number within part) of polygons."""
    parts, part_of = shapely.get_parts(geometries, return_index=True)
    parts = shapely.force_2d(parts)
    exterior = shapely.get_exterior_ring(parts)
    holes = shapely.get_num_interior_rings(parts)
    rings, ring_no, owner = [exterior], [np.zeros(len(parts), int)], [np.arange(len(parts))]
    for k in range(int(holes.max(initial=0))):
        has = np.flatnonzero(holes > k)
        rings.append(shapely.get_interior_ring(parts[has], k))
        ring_no.append(np.full(len(has), k + 1))
        owner.append(has)
    owner = np.concatenate(owner)
    order = np.lexsort((np.concatenate(ring_no), owner))
    return (np.concatenate(rings)[order], part_of[owner[order]], owner[order],
            np.concatenate(ring_no)[order])


def _quantise(rings, origin):
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    q = np.rint((coords - origin) / STEP).astype(np.int64)
    # drop points that quantise onto their predecessor in the same ring
    keep = np.ones(len(q), bool)
    keep[1:] = (q[1:] != q[:-1]).any(axis=1) | (ring_of[1:] != ring_of[:-1])
    return q[keep], ring_of[keep]


class _Arcs:
    """Arcs of the topology, each stored once; a reversed use is ``~index``."""

    def __init__(self):
        self.index: dict[tuple, int] = {}
        self.paths: list[np.ndarray] = []

    def add(self, ids: np.ndarray, points: np.ndarray) -> int:
        key = tuple(ids.tolist())
        if key in self.index:
            return self.index[key]
        back = key[::-1]
        if back in self.index:
            return ~self.index[back]
        self.index[key] = len(self.paths)
        self.paths.append(points)
        return self.index[key]


def _split(ids, junction):
    """Cut a closed ring of point ids at its junctions; return index ranges of the arcs."""
    n = len(ids) - 1
    cuts = np.flatnonzero(junction[ids[:-1]])
    if len(cuts) == 0:
        start = int(np.argmin(ids[:-1]))  # canonical start so a shared ring matches
        return start, [(0, n)]
    start = int(cuts[0])
    cuts = cuts - start
    bounds = [*cuts.tolist(), n]
    return start, list(zip(bounds[:-1], bounds[1:], strict=True))


def topology(layers: dict, origin: tuple[float, float] | None = None) -> dict:
    """Return a quantised TopoJSON topology of polygon layers, sharing edges between rings.

    Parameters
    ----------
    layers : dict of str to GeoSeries or GeoDataFrame
        Polygons in EPSG:4326, one object per key. Geometry ``i`` of a layer keeps ``"id": i``
        so the page can join its properties. Rings that collapse when quantised are dropped.
    origin : (float, float), optional
        Translate of the quantisation; default the lower-left corner of all layers.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> topo = topology({"rt": [box(0, 0, 1e-4, 1e-4), box(1e-4, 0, 2e-4, 1e-4)]})
    >>> len(topo["arcs"]), [g["arcs"] for g in topo["objects"]["rt"]["geometries"]]
    (3, [[[0, 1]], [[-1, 2]]])
    """
    geoms = {name: np.asarray(getattr(frame, "geometry", frame), dtype=object)
             for name, frame in layers.items()}
    every = np.concatenate(list(geoms.values()))
    if origin is None:
        origin = shapely.total_bounds(every)[:2]
    origin = np.round(np.asarray(origin, float), 5)
    pieces = {name: _rings(g) for name, g in geoms.items()}
    quantised = {name: _quantise(p[0], origin) for name, p in pieces.items()}
    allq = np.concatenate([q for q, _ in quantised.values()])
    unique, point_id = np.unique(allq, axis=0, return_inverse=True)
    point_id = point_id.ravel()
    junction = _junctions(quantised, point_id, len(unique))
    arcs = _Arcs()
    objects, offset = {}, 0
    for name, (rings, poly, part, _) in pieces.items():
        q, ring_of = quantised[name]
        ids = point_id[offset:offset + len(q)]
        offset += len(q)
        objects[name] = _geometries(len(geoms[name]), rings, poly, part, q, ring_of, ids,
                                    junction, arcs)
    return {
        "type": "Topology",
        "transform": {"scale": [STEP, STEP], "translate": origin.tolist()},
        "objects": objects,
        "arcs": [_delta(path) for path in arcs.paths],
    }


def _junctions(quantised, point_id, n_points) -> np.ndarray:
    """Points with other than two distinct neighbours, over every ring of every layer."""
    edges, offset = [], 0
    for q, ring_of in quantised.values():
        ids = point_id[offset:offset + len(q)]
        offset += len(q)
        same = ring_of[1:] == ring_of[:-1]
        edges.append(np.stack([ids[:-1][same], ids[1:][same]], axis=1))
    edges = np.sort(np.concatenate(edges), axis=1)
    edges = np.unique(edges[edges[:, 0] != edges[:, 1]], axis=0)
    degree = np.bincount(edges.ravel(), minlength=n_points)
    return degree != 2


def _geometries(n, rings, poly, part, q, ring_of, ids, junction, arcs) -> dict:
    """One TopoJSON geometry per input polygon; rings of fewer than 4 points are dropped."""
    starts = np.searchsorted(ring_of, np.arange(len(rings)))
    ends = np.searchsorted(ring_of, np.arange(len(rings)), side="right")
    polygons: list[dict] = [{} for _ in range(n)]
    for r in range(len(rings)):
        ring_ids, ring_q = ids[starts[r]:ends[r]], q[starts[r]:ends[r]]
        if len(ring_ids) < 4 or ring_ids[0] != ring_ids[-1]:
            continue
        start, spans = _split(ring_ids, junction)
        ring_ids = np.concatenate([ring_ids[start:-1], ring_ids[:start + 1]])
        ring_q = np.concatenate([ring_q[start:-1], ring_q[:start + 1]])
        refs = [arcs.add(ring_ids[a:b + 1], ring_q[a:b + 1]) for a, b in spans]
        polygons[poly[r]].setdefault(int(part[r]), []).append(refs)
    out = []
    for i, parts in enumerate(polygons):
        shapes = [parts[k] for k in sorted(parts)]
        if len(shapes) == 1:
            out.append({"type": "Polygon", "arcs": shapes[0], "id": i})
        else:
            out.append({"type": "MultiPolygon", "arcs": shapes, "id": i})
    return {"type": "GeometryCollection", "geometries": out}


def _delta(path: np.ndarray) -> list:
    return np.concatenate([path[:1], np.diff(path, axis=0)]).tolist()
