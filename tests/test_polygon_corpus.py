"""A corpus of polygon defects: each run is repaired and accounted for, or refused in one line.

Every case writes the small world of :mod:`tests.corpus.polygons` with one defect in the
boundaries or the RT polygons and runs the whole ``cakupan run`` (map, report, worklist and
GeoPackage included). ``0``: every contract file and every interview row, and the
manifest's polygon accounting holds what ``account`` says; ``2``: one line holding every
piece of ``error`` (the file, the feature, the defect).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.corpus import polygons as p
from tests.polygon_runs import assert_sound, run

K, U = "kelurahan", "rt"


@dataclass
class Case:
    """One defect: ``kelurahan`` and ``rt`` change the frames; ``write`` how they are written.

    ``write`` maps a layer (``K`` or ``U``) to ``(suffix, wkb function)``: the WKB function
    takes the frame and returns each feature's bytes.
    """

    id: str
    expect: int
    kelurahan: Callable = lambda f: f
    rt: Callable = lambda f: f
    write: dict = field(default_factory=dict)
    error: tuple[str, ...] = ()
    account: dict = field(default_factory=dict)
    config: str = ""


def one(defect, rows=(0,)):
    return lambda frame: p.changed(frame, defect, rows)


def first_wkb(make):
    """WKB of every feature, the first one's made by ``make``."""
    return lambda frame: [make(frame.geometry.iloc[0]), *p.wkb_of(frame)[1:]]


ALL = None
CASES = [
    # --- boundaries: repaired --------------------------------------------------------------
    Case("kelurahan-bowtie", 0, kelurahan=one(p.bowtie), account={K: {"repaired": 1}}),
    Case("kelurahan-spike", 0, kelurahan=one(p.spike), account={K: {"repaired": 1}}),
    Case("kelurahan-hole-touching-shell", 0, kelurahan=one(p.hole_touching)),
    Case("kelurahan-hole-outside-shell", 0, kelurahan=one(p.hole_outside),
         account={K: {"repaired": 1}}),
    Case("kelurahan-z-coordinates", 0, kelurahan=one(p.with_z, ALL)),
    Case("kelurahan-m-coordinates", 0, write={K: (".gpkg", lambda f: [
        p.measured_wkb(g) for g in f.geometry])}),
    Case("kelurahan-curve", 0, write={K: (".gpkg", first_wkb(p.curve_wkb))}),
    Case("kelurahan-collection-polygon-and-line", 0, kelurahan=one(p.with_line),
         account={K: {"repaired": 1}}),
    Case("kelurahan-parts-touching-at-a-vertex", 0, kelurahan=one(p.touching_at_vertex)),
    Case("kelurahan-enclave", 0, kelurahan=p.enclave),
    Case("kelurahan-duplicate-feature", 0, kelurahan=p.duplicated),
    Case("kelurahan-split-in-two", 0, kelurahan=p.split_in_two),
    Case("kelurahan-tiny-sliver-feature", 0,
         kelurahan=lambda f: p.changed(p.duplicated(f), p.sliver, (2,))),
    Case("kelurahan-lat-lon-swapped", 0, kelurahan=one(p.swapped, ALL)),
    Case("kelurahan-one-feature-swapped", 0, kelurahan=one(p.swapped)),
    Case("kelurahan-in-dgn95-tm3", 0, kelurahan=lambda f: f.to_crs(p.TM3)),
    Case("kelurahan-in-utm", 0, kelurahan=lambda f: f.to_crs("EPSG:32748")),
    Case("kelurahan-shapefile-cut-names", 0, write={K: (".shp", None)},
         kelurahan=lambda f: p.shapefile_names(f, {"kode": "kelurahan_code",
                                                   "nama": "kelurahan_name"})),
    Case("kelurahan-metres-labelled-degrees-fixed-by-config", 0,
         kelurahan=p.metres_labelled_degrees,
         config='[input]\nboundaries_crs = "EPSG:32748"\n'),
    # --- boundaries: refused -----------------------------------------------------------------
    Case("kelurahan-null-geometry", 2, kelurahan=one(p.null),
         error=("kelurahan.geojson", "row 1", "no geometry")),
    Case("kelurahan-empty-geometry", 2, kelurahan=one(p.empty),
         error=("kelurahan.geojson", "row 1", "no geometry")),
    Case("kelurahan-point", 2, kelurahan=one(p.as_point),
         error=("kelurahan.geojson", "row 1", "a Point, not a polygon")),
    Case("kelurahan-line", 2, kelurahan=one(p.as_line),
         error=("kelurahan.geojson", "row 1", "a LineString, not a polygon")),
    Case("kelurahan-collapsed-ring", 2, kelurahan=one(p.collapsed),
         error=("kelurahan.geojson", "row 1", "no area once repaired")),
    Case("kelurahan-all-collapsed", 2, kelurahan=one(p.collapsed, ALL),
         error=("kelurahan.geojson", "row 1", "(2 such features)")),
    Case("kelurahan-all-null", 2, kelurahan=one(p.null, ALL),
         error=("kelurahan.geojson", "all 2 features are null")),
    Case("kelurahan-nan-vertex", 2, write={K: (".gpkg", first_wkb(p.nan_vertex_wkb))},
         error=("kelurahan.gpkg", "row 1", "not a number")),
    Case("kelurahan-metres-labelled-degrees", 2, kelurahan=p.metres_labelled_degrees,
         error=("kelurahan.geojson", "feature 1", "not in longitude and latitude",
                "EPSG:4326", "[input] boundaries_crs")),
    Case("kelurahan-degrees-labelled-metres", 2, kelurahan=p.degrees_labelled_metres,
         error=("kelurahan.geojson", "[input] boundaries_crs")),
    # --- RT polygons: repaired or set aside ------------------------------------------------
    Case("rt-bowtie", 0, rt=one(p.bowtie), account={U: {"repaired": 1}}),
    Case("rt-spike", 0, rt=one(p.spike), account={U: {"repaired": 1}}),
    Case("rt-hole-touching-shell", 0, rt=one(p.hole_touching)),
    Case("rt-hole-outside-shell", 0, rt=one(p.hole_outside, ALL)),
    Case("rt-z-coordinates", 0, rt=one(p.with_z, ALL)),
    Case("rt-m-coordinates", 0, write={U: (".gpkg", lambda f: [
        p.measured_wkb(g) for g in f.geometry])}),
    Case("rt-curve", 0, write={U: (".gpkg", first_wkb(p.curve_wkb))}),
    Case("rt-collection-polygon-and-line", 0, rt=one(p.with_line, ALL),
         account={U: {"repaired": 8}}),
    Case("rt-parts-touching-at-a-vertex", 0, rt=one(p.touching_at_vertex, ALL)),
    Case("rt-null-geometry", 0, rt=one(p.null),
         account={U: {"set_aside_by_reason": {"no_geometry": 1}}}),
    Case("rt-empty-geometry", 0, rt=one(p.empty),
         account={U: {"set_aside_by_reason": {"no_geometry": 1}}}),
    Case("rt-line", 0, rt=one(p.as_line),
         account={U: {"set_aside_by_reason": {"not_a_polygon": 1}}}),
    Case("rt-extra-point-feature", 0, rt=p.with_point_feature,
         account={U: {"set_aside_by_reason": {"not_a_polygon": 1}}}),
    Case("rt-collapsed-ring", 0, rt=one(p.collapsed),
         account={U: {"set_aside_by_reason": {"no_area": 1}}}),
    Case("rt-nan-vertex", 0, write={U: (".gpkg", first_wkb(p.nan_vertex_wkb))},
         account={U: {"set_aside_by_reason": {"bad_coordinates": 1}}}),
    Case("rt-null-label", 0, rt=lambda f: f.assign(RT=[None, *f["RT"][1:]]),
         account={U: {"set_aside_by_reason": {"no_rt_label": 1}}}),
    Case("rt-split-in-two", 0, rt=p.split_in_two),
    Case("rt-duplicate-feature", 0, rt=p.duplicated),
    Case("rt-tiny-sliver", 0, rt=lambda f: p.changed(p.duplicated(f, 3), p.sliver, (8,))),
    Case("rt-outside-the-area", 0, rt=one(p.far_away)),
    Case("rt-huge-unit", 0, rt=one(p.huge)),
    Case("rt-overlapping-everything", 0, rt=one(p.huge, (0, 5))),
    Case("rt-with-enclave-hole", 0, rt=one(p.with_enclave_hole)),
    Case("rt-lat-lon-swapped", 0, rt=one(p.swapped, ALL)),
    Case("rt-in-dgn95-tm3", 0, rt=lambda f: f.to_crs(p.TM3)),
    Case("rt-in-utm-shapefile", 0, rt=lambda f: f.to_crs("EPSG:32748"),
         write={U: (".shp", None)}),
    Case("rt-shapefile-cut-names", 0, write={U: (".shp", None)},
         rt=lambda f: p.shapefile_names(f, {"kode_desa": "kelurahan_code"})),
    Case("rt-without-kelurahan-codes", 0, rt=lambda f: f.drop(columns="kode_desa")),
    Case("rt-without-codes-one-outside-the-area", 0,
         rt=lambda f: p.changed(f.drop(columns="kode_desa"), p.far_away),
         account={U: {"set_aside_by_reason": {"outside_area": 1}}}),
    Case("rt-codes-not-in-the-boundaries", 0, rt=lambda f: f.assign(kode_desa="99.99.99.9999")),
    Case("rt-all-bowties", 0, rt=one(p.bowtie, ALL), account={U: {"repaired": 8}}),
    Case("rt-all-slivers", 0, rt=one(p.sliver, ALL)),
    Case("both-layers-swapped", 0, kelurahan=one(p.swapped, ALL), rt=one(p.swapped, ALL)),
    Case("kelurahan-in-tm3-rt-in-utm", 0, kelurahan=lambda f: f.to_crs(p.TM3),
         rt=lambda f: f.to_crs("EPSG:32748")),
    # --- RT polygons: refused ------------------------------------------------------------------
    Case("rt-all-null-geometry", 2, rt=one(p.empty, ALL),
         error=("rt.geojson", "no feature has a usable polygon", "no geometry")),
    Case("rt-all-collapsed", 2, rt=one(p.collapsed, ALL),
         error=("rt.geojson", "no feature has a usable polygon", "no area")),
    Case("rt-all-lines", 2, rt=one(p.as_line, ALL),
         error=("rt.geojson", "no feature has a usable polygon", "not a polygon")),
    Case("rt-no-label-anywhere", 2, rt=lambda f: f.assign(RT="-"),
         error=("rt.geojson", "no feature has both a polygon and a usable RT label",
                "[units] rt")),
    Case("rt-without-codes-all-outside-the-area", 2,
         rt=lambda f: p.changed(f.drop(columns="kode_desa"), p.far_away, None),
         error=("no RT polygon (--units)", "same area")),
    Case("rt-metres-labelled-degrees", 2, rt=p.metres_labelled_degrees,
         error=("rt.geojson", "feature 1", "not in longitude and latitude",
                "[input] units_crs")),
]


def test_corpus_covers_forty_defects():
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


def _write(case: Case, folder: Path) -> dict:
    files = {}
    for layer, frame, name in ((K, case.kelurahan(p.kelurahan_frame()), "boundaries"),
                               (U, case.rt(p.rts()), "units")):
        suffix, wkb = case.write.get(layer, (".geojson", None))
        files[name] = p.write_layer(frame, folder / f"{layer}{suffix}",
                                    None if wkb is None else wkb(frame))
    files["interviews"], _ = p.interviews(folder)
    if case.config:
        files["config"] = folder / "cakupan.toml"
        files["config"].write_text(case.config)
    return files


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_polygon_defect(case, tmp_path):
    out = tmp_path / "out"
    done = run(_write(case, tmp_path), out)
    assert assert_sound(done, out, rows=24) == case.expect, done.stderr
    line = done.stderr.strip()
    for piece in case.error:
        assert piece in line, (piece, line)
    if case.expect == 0:
        accounting = json.loads((out / "manifest.json").read_text())["row_accounting"]
        layers = {K: accounting["boundaries"], U: accounting["units"]}
        for layer, wanted in case.account.items():
            for key, value in wanted.items():
                assert layers[layer][key] == value, (layer, key, layers[layer])
