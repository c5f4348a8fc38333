"""The map's TopoJSON, decoded as the specification reads it, gives back the input rings."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from cakupan.render import _topo

STEP = _topo.STEP


def decode_arc(arc, transform) -> np.ndarray:
    """Positions of one arc: quantised, delta-encoded (each position is the sum of those before)."""
    quantised = np.cumsum(np.asarray(arc, dtype=np.int64), axis=0)
    return quantised * np.asarray(transform["scale"]) + np.asarray(transform["translate"])


def decode_ring(refs, arcs) -> np.ndarray:
    """A ring from its arcs: ``~i`` (negative) is arc ``i`` reversed; arcs join end to start."""
    ring = []
    for k, ref in enumerate(refs):
        points = arcs[ref] if ref >= 0 else arcs[~ref][::-1]
        ring.extend(points if k == 0 else points[1:])  # each arc starts where the last ended
    return np.asarray(ring)


def decoded_polygons(topology: dict, name: str) -> list[list[list[np.ndarray]]]:
    """Each geometry of object ``name`` as polygons of rings (exterior first)."""
    arcs = [decode_arc(arc, topology["transform"]) for arc in topology["arcs"]]
    out = []
    for geometry in topology["objects"][name]["geometries"]:
        parts = ([geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"])
        out.append([[decode_ring(refs, arcs) for refs in rings] for rings in parts])
    return out


def input_rings(polygon) -> list[list[np.ndarray]]:
    return [[np.asarray(part.exterior.coords),
             *[np.asarray(hole.coords) for hole in part.interiors]]
            for part in shapely.get_parts(polygon)]


def same_ring(decoded: np.ndarray, given: np.ndarray, translate) -> None:
    """``decoded`` is ``given`` on the grid, within half a step, up to where the ring starts."""
    assert (decoded[0] == decoded[-1]).all() and (given[0] == given[-1]).all()
    grid = np.rint((given - translate) / STEP).astype(np.int64)
    kept = np.ones(len(grid), bool)
    kept[1:] = (grid[1:] != grid[:-1]).any(axis=1)  # points quantised onto their predecessor
    given, grid = given[kept][:-1], grid[kept][:-1]
    decoded = decoded[:-1]
    assert len(decoded) == len(given)
    on_grid = np.rint((decoded - translate) / STEP).astype(np.int64)
    start = np.flatnonzero((grid == on_grid[0]).all(axis=1))
    assert len(start) == 1
    given = np.roll(given, -start[0], axis=0)
    assert np.abs(decoded - given).max() <= STEP / 2 * (1 + 1e-6)


def voronoi_cells(n: int, seed: int) -> np.ndarray:
    """Cells tiling a small square: shared edges, junctions of three, no gaps."""
    rng = np.random.default_rng(seed)
    frame = shapely.box(106.6, -6.2, 106.62, -6.18)
    points = shapely.multipoints(rng.uniform([106.6, -6.2], [106.62, -6.18], (n, 2)))
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=frame))
    return shapely.intersection(cells, frame)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_decoded_rings_are_the_input_rings(seed):
    cells = voronoi_cells(40, seed)
    merged = shapely.union_all(cells[:10])  # one ring of the first layer shared by another
    holed = shapely.Polygon(shapely.box(106.63, -6.2, 106.64, -6.19).exterior.coords,
                            [shapely.box(106.633, -6.197, 106.636, -6.194).exterior.coords])
    multi = shapely.MultiPolygon([shapely.box(106.65, -6.2, 106.651, -6.199),
                                  shapely.box(106.652, -6.2, 106.653, -6.199)])
    layers = {"cells": cells, "merged": np.array([merged, holed, multi], dtype=object)}
    topology = json.loads(json.dumps(_topo.topology(layers)))  # as the page receives it
    translate = np.asarray(topology["transform"]["translate"])
    assert topology["transform"]["scale"] == [STEP, STEP]
    for name, geometries in layers.items():
        decoded = decoded_polygons(topology, name)
        assert [g["id"] for g in topology["objects"][name]["geometries"]] == list(
            range(len(geometries)))
        for polygons, geometry in zip(decoded, geometries, strict=True):
            given = input_rings(geometry)
            assert [len(rings) for rings in polygons] == [len(rings) for rings in given]
            for rings, given_rings in zip(polygons, given, strict=True):
                for ring, given_ring in zip(rings, given_rings, strict=True):
                    same_ring(ring, given_ring, translate)


def test_shared_edges_are_stored_once():
    cells = voronoi_cells(40, 4)
    topology = _topo.topology({"cells": cells})
    refs = [ref for g in topology["objects"]["cells"]["geometries"]
            for rings in ([g["arcs"]] if g["type"] == "Polygon" else g["arcs"])
            for ring in rings for ref in ring]
    counts = np.bincount([ref if ref >= 0 else ~ref for ref in refs],
                         minlength=len(topology["arcs"]))
    assert counts.min() == 1 and counts.max() == 2  # an edge between two cells: used by both
    assert min(refs) < 0  # a neighbour walks the shared edge the other way
    stored = sum(shapely.length(shapely.LineString(decode_arc(arc, topology["transform"])))
                 for arc in topology["arcs"])
    outline = shapely.union_all(cells).length
    # every inner edge once, the outline once: half of every ring's length and the outline
    assert stored == pytest.approx((shapely.length(cells).sum() + outline) / 2, rel=1e-3)
