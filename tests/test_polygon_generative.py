"""Generated polygon layers with defects mixed at random: no run ends in a traceback.

hypothesis draws, for each of the two kelurahan and eight RT polygons of
:mod:`tests.corpus.polygons`, a defect (or none, or a scribble: a ring through random
points, which crosses itself more often than not), and for each layer a CRS or a
mislabelling, then runs the whole ``cakupan run``. Every run ends in exit 0 with every
contract file and every interview row, or in exit 2 with one line.
"""

from __future__ import annotations

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.corpus import polygons as p
from tests.polygon_runs import assert_sound, run

SHAPES = {
    "none": lambda g: g, "bowtie": p.bowtie, "spike": p.spike,
    "hole_touching": p.hole_touching, "hole_outside": p.hole_outside, "z": p.with_z,
    "collapsed": p.collapsed, "line": p.as_line, "point": p.as_point, "empty": p.empty,
    "null": p.null, "with_line": p.with_line, "touching_vertex": p.touching_at_vertex,
    "swapped": p.swapped, "far_away": p.far_away, "huge": p.huge, "sliver": p.sliver,
    "enclave_hole": p.with_enclave_hole,
}
#: Defects only raw WKB in a GeoPackage carries.
BYTES = {"nan_vertex": p.nan_vertex_wkb, "measured": p.measured_wkb, "curve": p.curve_wkb}
LAYERS = {
    "degrees": lambda f: f, "utm": lambda f: f.to_crs("EPSG:32748"),
    "tm3": lambda f: f.to_crs(p.TM3), "metres_labelled_degrees": p.metres_labelled_degrees,
}

unit = st.floats(0, 1, allow_nan=False)
scribble = st.lists(st.tuples(unit, unit), min_size=3, max_size=7)
defect = st.one_of(st.sampled_from([*SHAPES, *BYTES]), scribble)


def _scribbled(points):
    def draw(g):
        x0, y0, x1, y1 = g.bounds
        return shapely.Polygon([(x0 + a * (x1 - x0), y0 + b * (y1 - y0)) for a, b in points])
    return draw


def _layer(frame, defects, layer):
    """Return (frame, wkb or None) with one defect per feature and the layer's CRS."""
    shaped = p.changed(frame, lambda g: g, ())
    geometry = list(shaped.geometry)
    for row, kind in enumerate(defects):
        if isinstance(kind, list):
            geometry[row] = _scribbled(kind)(geometry[row])
        elif kind in SHAPES:
            geometry[row] = SHAPES[kind](geometry[row])
    shaped = shaped.set_geometry(geometry)
    if any(isinstance(k, str) and k in BYTES for k in defects):
        wkb = [BYTES[k](g) if isinstance(k, str) and k in BYTES else shapely.to_wkb(g)
               for k, g in zip(defects, geometry, strict=True)]
        return shaped, wkb
    return LAYERS[layer](shaped), None


@pytest.mark.slow
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kelurahan=st.lists(defect, min_size=2, max_size=2),
       rts=st.lists(defect, min_size=8, max_size=8),
       kelurahan_layer=st.sampled_from(list(LAYERS)), rt_layer=st.sampled_from(list(LAYERS)))
def test_any_polygon_layer_ends_in_exit_0_or_one_line(tmp_path_factory, kelurahan, rts,
                                                      kelurahan_layer, rt_layer):
    folder = tmp_path_factory.mktemp("generated")
    files = {}
    for name, frame, defects, layer in (
            ("boundaries", p.kelurahan_frame(), kelurahan, kelurahan_layer),
            ("units", p.rts(), rts, rt_layer)):
        shaped, wkb = _layer(frame, defects, layer)
        suffix = ".geojson" if wkb is None else ".gpkg"
        files[name] = p.write_layer(shaped, folder / f"{name}{suffix}", wkb)
    files["interviews"], rows = p.interviews(folder)
    out = folder / "out"
    assert_sound(run(files, out), out, rows)
