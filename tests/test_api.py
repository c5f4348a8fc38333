"""The public Python API: its names pinned, each documented, and the CLI's twin."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys

import folium
import pandas as pd
import pytest

import cakupan
from cakupan import api
from cakupan.detect.tally import compact
from cakupan.render.maps import stable_ids
from tests.conftest import cakupan as cli

PUBLIC = [
    "Config",
    "analyse",
    "assign_interviews",
    "check_interviews",
    "coverage_layers",
    "coverage_map",
    "find_blind_spots",
    "load",
    "load_config",
    "make_world",
    "measure_coverage",
    "read_inputs",
    "run",
    "validate",
    "worklist_sheets",
    "write_outputs",
    "write_world",
]


def test_public_names_are_pinned():
    assert sorted(cakupan.__all__) == PUBLIC
    assert all(callable(getattr(api, name)) for name in PUBLIC)
    assert isinstance(cakupan.__version__, str)


@pytest.mark.parametrize("name", PUBLIC)
def test_every_name_is_documented_with_examples(name):
    obj = getattr(cakupan, name)
    assert obj is getattr(api, name)
    doc = inspect.getdoc(obj)
    assert doc, name
    # an example, after a sentence saying what it shows
    assert re.search(r"^Examples\n-{8}\n(?:[^>\n].*\n\n)?>>> ", doc, re.MULTILINE), name
    if inspect.isfunction(obj):
        assert re.search(r"^Returns\n-{7}\n", doc, re.MULTILINE), name
        documented = re.findall(r"^(\w+(?:, \w+)*) : ", doc, re.MULTILINE)
        names = {n for group in documented for n in group.split(", ")}
        assert set(inspect.signature(obj).parameters) <= names, name


def test_star_import_and_unknown_names():
    namespace = {}
    exec("from cakupan import *", namespace)
    assert set(PUBLIC) <= set(namespace)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        cakupan.nothing  # noqa: B018


def test_import_stays_light():
    # the command line imports the package; --help must not wait for geopandas
    done = subprocess.run(
        [sys.executable, "-c", "import sys, cakupan; print('geopandas' in sys.modules)"],
        capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def _stages(loaded):
    """The stage-by-stage path through the API."""
    frames = (loaded.kelurahan, loaded.units)
    placed = cakupan.assign_interviews(loaded.interviews, *frames)
    checked = cakupan.check_interviews(placed, *frames)
    sources = {"population": loaded.population, "buildings": loaded.buildings}
    table = cakupan.measure_coverage(checked, *frames, loaded.prelist, **sources)
    spots = cakupan.find_blind_spots(checked, table, *frames, **sources)
    return checked, table, spots


@pytest.fixture(scope="module")
def cli_run(tiny_inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "hasil"
    done = cli("run", "--boundaries", tiny_inputs.boundaries, "--interviews",
               tiny_inputs.interviews, "--units", tiny_inputs.units, "--prelist",
               tiny_inputs.prelist, "--out", out)
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow
def test_api_run_writes_what_the_cli_writes(tiny_inputs, cli_run, tmp_path):
    out = tmp_path / "hasil"
    cakupan.run(str(tiny_inputs.boundaries), tiny_inputs.interviews, out,
                units=tiny_inputs.units, prelist=tiny_inputs.prelist)
    for name in ("coverage.csv", "interviews.csv", "gaps.geojson", "report.html", "map.html"):
        assert (out / name).read_bytes() == (cli_run / name).read_bytes(), name


@pytest.mark.slow
def test_stage_by_stage_equals_the_cli_coverage_csv(tiny_inputs, cli_run):
    loaded = cakupan.read_inputs(tiny_inputs.boundaries, tiny_inputs.interviews,
                                 units=tiny_inputs.units, prelist=tiny_inputs.prelist)
    checked, table, spots = _stages(loaded)
    # written as cakupan.render.write.write_csv writes it
    assert table.to_csv(index=False, lineterminator="\n") == (
        cli_run / "coverage.csv").read_text(encoding="utf-8")
    result = cakupan.analyse(loaded)
    # analyse keeps code columns as categoricals (tally.compact)
    pd.testing.assert_frame_equal(compact(checked), result.interviews)
    pd.testing.assert_frame_equal(spots, result.blind_spots)


@pytest.mark.slow
def test_stage_by_stage_equals_analyse_with_every_source(tiny_world):
    _, paths = tiny_world
    loaded = cakupan.load(**{name: paths[name] for name in (
        "boundaries", "interviews", "units", "prelist", "population", "buildings")})
    checked, table, spots = _stages(loaded)
    result = cakupan.analyse(loaded)
    pd.testing.assert_frame_equal(table, result.coverage)
    # analyse keeps code columns as categoricals (tally.compact)
    pd.testing.assert_frame_equal(compact(checked), result.interviews)
    pd.testing.assert_frame_equal(spots, result.blind_spots)
    assert len(spots) > 0
    assert table["expected_raster"].notna().any() and table["expected_buildings"].notna().any()


@pytest.mark.slow
def test_stage_by_stage_without_units_equals_analyse(tiny_world):
    _, paths = tiny_world
    loaded = cakupan.read_inputs(paths["boundaries"], paths["interviews"],
                                 prelist=paths["prelist"])
    checked, table, spots = _stages(loaded)
    result = cakupan.analyse(loaded)
    assert result.rt_source == "territories"
    pd.testing.assert_frame_equal(table, result.coverage)
    # analyse keeps code columns as categoricals (tally.compact)
    pd.testing.assert_frame_equal(compact(checked), result.interviews)
    pd.testing.assert_frame_equal(spots, result.blind_spots)


def test_a_config_file_maps_renamed_columns(tiny_world, tmp_path):
    _, paths = tiny_world
    raw = pd.read_csv(paths["interviews"], dtype=str, keep_default_na=False)
    renamed = {"interview_id": "KUNCI", "lon": "posisi_x", "lat": "posisi_y",
               "household_id": "nomor_rumah_tangga"}
    raw.rename(columns=renamed).to_csv(tmp_path / "odk.csv", index=False)
    toml = tmp_path / "odk.toml"
    toml.write_text("[interviews]\n" + "".join(f'{k} = "{v}"\n' for k, v in renamed.items()))
    mapped = cakupan.read_inputs(paths["boundaries"], tmp_path / "odk.csv", config=toml)
    plain = cakupan.read_inputs(paths["boundaries"], paths["interviews"])
    columns = ["interview_id", "lon", "lat", "household_id", "status"]
    pd.testing.assert_frame_equal(mapped.interviews[columns], plain.interviews[columns])


@pytest.mark.slow
def test_coverage_map_is_the_map_html(tiny_inputs, tmp_path):
    result = cakupan.analyse(cakupan.read_inputs(tiny_inputs.boundaries,
                                                 tiny_inputs.interviews,
                                                 units=tiny_inputs.units))
    for audience, lang in (("supervisor", "id"), ("planner", "en")):
        out = tmp_path / audience
        cakupan.write_outputs(result, out, audience=audience, lang=lang)
        page = cakupan.coverage_map(result, audience=audience, lang=lang).get_root().render()
        written = (out / "map.html").read_text(encoding="utf-8")
        assert stable_ids(page) == written


def test_map_layers_and_worklist(tiny_inputs):
    result = cakupan.analyse(cakupan.read_inputs(tiny_inputs.boundaries,
                                                 tiny_inputs.interviews,
                                                 units=tiny_inputs.units,
                                                 prelist=tiny_inputs.prelist))
    fmap = cakupan.coverage_map(result, audience="planner", lang="en")
    assert isinstance(fmap, folium.Map) and "<iframe" in fmap._repr_html_()
    # the sample's interview and enumerator IDs: never on a planner's map
    assert not re.search(r"W\d{7}|PPL\d{4}", fmap.get_root().render())
    layers = cakupan.coverage_layers(result)
    assert layers["kelurahan"].crs.to_epsg() == 4326
    assert set(layers["rt"]["code"]) <= set(result.coverage.query("level == 'rt'")["code"])
    planner = cakupan.worklist_sheets(result, audience="planner", lang="en")
    assert list(planner) == ["RTs to revisit", "Legend"]
    assert not {"Supervisor (PML)", "Decision"} & set(planner["RTs to revisit"].columns)
    with pytest.raises(ValueError, match="audience must be one of supervisor, planner"):
        cakupan.coverage_map(result, audience="public")
    with pytest.raises(ValueError, match="lang must be one of id, en"):
        cakupan.worklist_sheets(result, lang="fr")
