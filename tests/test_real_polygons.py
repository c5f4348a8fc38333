"""Real polygon layers run to exit 0 with every contract file and every interview row.

RT polygons cut across real Kabupaten Tangerang desa (a copy of two kecamatan is in
``tests/data``; the whole kabupaten, and the real Jakarta RT polygons, are read from
``../shared/data/real`` beside the clone, whose licence lets them be read but not copied),
with and without a prelist, buildings and a population raster.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pytest

from tests import real_worlds as real
from tests.polygon_runs import assert_sound, run

EVERYTHING = ("prelist", "buildings", "population")


def _needs(name):
    path = real.REAL / name
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared data beside the clone)")
    return path


def _axis_run(tmp_path, desa_path, extras, checkered=False):
    desa = gpd.read_file(desa_path)
    units = real.axis_splits(desa, checkered=checkered)
    rows = real.interviews(units, units["kode_desa"], units["rw"], units["rt"], 3)
    files = real.write_inputs(tmp_path, desa_path, units, rows, extras)
    out = tmp_path / "out"
    assert assert_sound(run(files, out), out, len(rows)) == 0
    return json.loads((out / "manifest.json").read_text())["row_accounting"]


@pytest.mark.parametrize("extras", [
    pytest.param((), id="alone"),
    pytest.param(EVERYTHING, id="with-every-source", marks=pytest.mark.slow)])
def test_axis_splits_of_real_desa(tmp_path, extras):
    accounting = _axis_run(tmp_path, real.DESA, extras)
    assert accounting["units"]["rows_set_aside"] == 0
    assert accounting["interviews"]["rows_counted"] == accounting["interviews"]["rows_read"]


@pytest.mark.slow
def test_rts_touching_at_one_vertex(tmp_path):
    accounting = _axis_run(tmp_path, real.DESA, ("prelist",), checkered=True)
    assert accounting["units"]["rows_set_aside"] == 0


@pytest.mark.slow
def test_axis_splits_of_the_whole_kabupaten(tmp_path):
    _axis_run(tmp_path, _needs("kab_tangerang_desa.geojson"), EVERYTHING)


@pytest.mark.slow
@pytest.mark.parametrize("extras", [(), ("prelist",), EVERYTHING],
                         ids=["alone", "with-prelist", "with-every-source"])
def test_real_jakarta_rt_polygons(tmp_path, extras):
    boundaries = _needs("jakarta_cilincing_cakung_kelurahan.geojson")
    units_path = _needs("jakarta_cilincing_cakung_rt.geojson")
    kelurahan, units = gpd.read_file(boundaries), gpd.read_file(units_path)
    holder = gpd.sjoin(gpd.GeoDataFrame(geometry=units.representative_point()),
                       kelurahan[["KDEPUM", "geometry"]], predicate="within")["KDEPUM"]
    code = holder[~holder.index.duplicated()].reindex(units.index)
    rows = real.interviews(units, code, units["WADMRW"], units["RT"], 4)
    files = {**real.write_inputs(tmp_path, boundaries, None, rows, extras), "units": units_path}
    out = tmp_path / "out"
    assert assert_sound(run(files, out), out, len(rows)) == 0
    accounting = json.loads((out / "manifest.json").read_text())["row_accounting"]
    # the 8 RT polygons with a null RT label are set aside, and named
    assert accounting["units"]["set_aside_by_reason"] == {"no_rt_label": 8}
    assert accounting["interviews"]["rows_counted"] == len(rows)
