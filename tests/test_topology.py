"""Overlaps and holes between neighbouring units (cakupan.measure.topology)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import box

from cakupan.measure import topology
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def tangerang():
    frame = gpd.read_file(ROOT / "boundaries" / "kota_tangerang_kelurahan.geojson")
    return topology.overlaps_and_holes(frame.to_crs("EPSG:32748"), "kode")


def test_bundled_kota_tangerang_figures(tangerang):
    # ../shared/data/real/SOURCES.md, entry 1: 180 pairs (10.99 ha, largest 0.43 ha), holes
    # 9.61 ha (largest 0.37 ha; 197 over 100 m²), measured in UTM 48S, overlaps < 1 m² ignored.
    overlaps, holes = tangerang
    figures = topology.summary(overlaps, holes)
    assert figures["overlap_pairs"] == 180
    assert figures["overlap_ha"] == 10.99
    assert figures["largest_overlap_ha"] == 0.43
    assert figures["gap_ha"] == 9.61
    assert figures["largest_gap_ha"] == 0.37
    assert int((holes["area_m2"] > 100).sum()) == 197
    # SOURCES.md counts 309 holes; 9 of the union's holes here are specks under 1e-7 m²
    # (floating-point noise whose number varies with the GEOS version), left out by
    # MIN_HOLE_M2: 301 real holes.
    assert figures["gaps"] == 301
    assert (overlaps["code_a"] < overlaps["code_b"]).all()
    assert not overlaps.duplicated(["code_a", "code_b"]).any()
    assert holes["neighbours"].notna().all()
    assert holes["area_m2"].is_monotonic_decreasing


def test_every_hole_with_no_minimum(tangerang):
    frame = gpd.read_file(ROOT / "boundaries" / "kota_tangerang_kelurahan.geojson")
    _, holes = topology.overlaps_and_holes(frame.to_crs("EPSG:32748"), "kode", min_hole_m2=0)
    assert len(holes) >= 301
    assert round(holes["area_m2"].sum() / 1e4, 2) == 9.61


def _units(*boxes, codes=None):
    return gpd.GeoDataFrame({"code": codes or [str(i) for i in range(len(boxes))]},
                            geometry=list(boxes), crs="EPSG:32748")


def test_overlap_pairs_areas_and_places():
    units = _units(box(0, 0, 10, 10), box(8, 0, 20, 10), box(0, 9.5, 20, 20))
    overlaps, holes = topology.overlaps_and_holes(units, "code")
    assert overlaps[["code_a", "code_b"]].values.tolist() == [["0", "1"], ["0", "2"], ["1", "2"]]
    assert overlaps["area_m2"].round(6).tolist() == [20.0, 5.0, 6.0]
    assert overlaps.geometry.iloc[0].equals(box(8, 0, 10, 10))
    assert len(holes) == 0


def test_tiny_overlaps_are_ignored_and_touching_is_no_overlap():
    units = _units(box(0, 0, 10, 10), box(10, 0, 20, 10), box(0, 9.95, 10, 20))
    overlaps, _ = topology.overlaps_and_holes(units, "code")
    assert len(overlaps) == 0  # 0.5 m² under the 1 m² minimum; the shared edge is no overlap
    overlaps, _ = topology.overlaps_and_holes(units, "code", min_overlap_m2=0.1)
    assert overlaps[["code_a", "code_b"]].values.tolist() == [["0", "2"]]


def test_pieces_of_one_unit_are_one_pair_and_never_overlap_themselves():
    units = _units(box(0, 0, 10, 10), box(5, 0, 15, 10), box(12, 0, 20, 10),
                   codes=["a", "a", "b"])
    overlaps, _ = topology.overlaps_and_holes(units, "code")
    assert overlaps[["code_a", "code_b"]].values.tolist() == [["a", "b"]]
    assert overlaps["area_m2"].round(6).tolist() == [30.0]


def test_hole_between_three_units_names_its_neighbours():
    # a 2 x 2 m hole where three units fail to meet
    units = _units(box(0, 0, 10, 10), box(12, 0, 20, 10), box(0, 10, 20, 20),
                   box(10, 0, 12, 8), codes=["w", "e", "n", "s"])
    overlaps, holes = topology.overlaps_and_holes(units, "code")
    assert len(overlaps) == 0
    assert holes[["area_m2", "neighbours"]].values.tolist() == [[4.0, "e;n;s;w"]]
    assert holes.geometry.iloc[0].equals(box(10, 8, 12, 10))


def test_large_holes_can_be_left_out():
    ring = _units(box(0, 0, 100, 100).difference(box(40, 40, 60, 60)))
    assert len(topology.overlaps_and_holes(ring, "code")[1]) == 1
    assert len(topology.overlaps_and_holes(ring, "code", max_hole_m2=100)[1]) == 0


def test_degrees_are_refused():
    with pytest.raises(ValueError, match="metric CRS"):
        topology.overlaps_and_holes(_units(box(0, 0, 1, 1)).set_crs(4326, allow_override=True),
                                   "code")


def test_input_is_not_changed():
    units = _units(box(0, 0, 10, 10), box(8, 0, 20, 10))
    before = units.copy()
    topology.overlaps_and_holes(units, "code")
    assert units.equals(before)


def test_a_valid_coverage_takes_the_quick_union_and_finds_the_same_holes(monkeypatch):
    """Voronoi cells around a grid of seeds share every edge exactly (a coverage); three
    cells taken out leave holes. The quick way and the general one give the same holes."""
    rng = np.random.default_rng(7)
    seeds = shapely.multipoints(rng.uniform(0, 1000, (400, 2)))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box(-1, -1, 1001, 1001)))
    cells = shapely.intersection(cells, box(0, 0, 1000, 1000))
    inner = np.flatnonzero(shapely.contains_properly(box(100, 100, 900, 900), cells))
    units = _units(*np.delete(cells, inner[[3, 50, 120]]))
    assert topology._is_coverage(units.geometry.to_numpy())
    quick = topology.overlaps_and_holes(units, "code")
    monkeypatch.setattr(topology, "_is_coverage", lambda geometry: False)
    general = topology.overlaps_and_holes(units, "code")
    assert len(quick[0]) == len(general[0]) == 0
    assert len(quick[1]) == 3
    assert quick[1]["area_m2"].round(6).tolist() == general[1]["area_m2"].round(6).tolist()
    assert quick[1]["neighbours"].tolist() == general[1]["neighbours"].tolist()
    # overlapping units are no coverage: the general way finds their overlap
    assert not topology._is_coverage(np.array([box(0, 0, 10, 10), box(5, 0, 15, 10)]))
