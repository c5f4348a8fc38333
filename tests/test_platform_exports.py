"""Survey platforms' exports read as they download: ODK Central's zip, Kobo's XLSX and CSV.

The sample world's interviews are written canonical and in each platform's shape
(:mod:`tests.corpus.platforms`, built from the platforms' public descriptions); both are run,
and the RT-level coverage must be the same, every repeat-group row accounted for, and a
repeat group (household members, visits) never counted as interviews. A file that cannot be
understood alone exits 2 with one line naming a setting that exists; once set, it gives the
same coverage.
"""

from __future__ import annotations

import ast
import json
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

import cakupan as cakupan_package
from cakupan import read
from cakupan._flow import Inputs, one_pass, read_files, read_interviews
from cakupan._validate import summarise
from cakupan.columns import BOUNDARIES, INTERVIEWS, PRELIST, UNITS
from cakupan.config import DEFAULTS, load_config
from cakupan.read import kobo, odk
from cakupan.read.repeats import Repeat, is_roster_count, join_repeats
from tests.conftest import cakupan
from tests.corpus import platforms

ROWS = 3000  # the first rows of the tiny world's export: every fault the world injects


@pytest.fixture(scope="module")
def sample(tiny_world, tmp_path_factory):
    """The interviews (text, as exported), written canonical, and the coverage they give."""
    world, paths = tiny_world
    frame = world.interviews.astype(str).iloc[:ROWS]
    folder = tmp_path_factory.mktemp("platforms")
    canonical = folder / "interviews.csv"
    frame.to_csv(canonical, index=False)
    inputs = {"boundaries": paths["boundaries"], "units": paths["units"],
              "prelist": paths["prelist"]}
    return frame, inputs, _run(inputs, canonical)


def _run(inputs, interviews, config_path=None):
    config = load_config(config_path)
    return one_pass(read_files(Inputs(interviews=interviews, **inputs), config), config)


def _same_coverage(result, expected):
    """The RT-level (and every other level's) coverage of the two runs is the same."""
    got, want = result.coverage.reset_index(drop=True), expected.coverage.reset_index(drop=True)
    rt = want["level"].eq("rt")
    assert rt.sum() > 100 and want.loc[rt, "counted_households"].sum() > 1000
    pd.testing.assert_frame_equal(got, want)
    assert result.accounting["interviews"] == expected.accounting["interviews"]
    assert result.accounting["interviews"]["rows_read"] == ROWS


BUILDERS = {
    "odk-zip-as-downloaded": lambda d, f: platforms.odk_zip(d, f),
    "odk-zip-rezipped-from-its-folder": lambda d, f: platforms.odk_zip(
        d, f, top=platforms.FORM, name="unduhan.zip"),
    "kobo-xlsx-labels": lambda d, f: platforms.kobo_xlsx(d, f, labels=True),
    "kobo-xlsx-group-paths": lambda d, f: platforms.kobo_xlsx(d, f, labels=False),
    "kobo-csv-semicolons": lambda d, f: platforms.kobo_csv(d, f),
}


@pytest.mark.slow
@pytest.mark.parametrize("shape", BUILDERS)
def test_export_gives_the_coverage_of_canonical_files(shape, sample, tmp_path):
    frame, inputs, expected = sample
    path = BUILDERS[shape](tmp_path, frame)
    result = _run(inputs, path)
    _same_coverage(result, expected)
    # household size: asked in the form, or the count of the member roster's rows
    sizes = result.interviews["household_size"].astype(float).tolist()
    assert sizes == frame["household_size"].astype(float).tolist()


def test_odk_zip_rows_and_columns(sample, tmp_path):
    frame, inputs, expected = sample
    path = platforms.odk_zip(tmp_path, frame)
    _same_coverage(_run(inputs, path), expected)
    found = read_interviews(path, load_config(None)).columns
    assert found["household_size"] == "anggota (rows per submission)"
    assert found["lat"] == "grp-lokasi-gps-Latitude" and found["rt"] == "grp-wilayah-rt"
    described = read.describe_table(path)
    sizes = frame["household_size"].astype(int)
    assert described == {"table": "regsosek_ruta.csv", "repeat_groups": {
        "anggota": {"rows": sizes.sum(), "joined": sizes.sum(), "without_submission": 0},
        "kunjungan": {"rows": 2.5 * ROWS, "joined": 2.5 * ROWS, "without_submission": 0}}}


def test_validate_names_the_columns_and_the_repeat_groups(sample, tmp_path):
    frame, inputs, _ = sample
    path = platforms.kobo_xlsx(tmp_path, frame.iloc[:40], labels=False)
    row = summarise(Inputs(boundaries=inputs["boundaries"], interviews=path)).iloc[-1]
    assert "household_id <- grp_ruta/id_ruta" in row["columns"]
    assert "household_size <- anggota (rows per submission)" in row["columns"]
    assert "lon <- grp_lokasi/_gps_longitude" in row["columns"]
    assert row["tables"] == ("Regsosek Rumah Tangga; repeat groups: anggota "
                             f"{frame['household_size'].iloc[:40].astype(int).sum()} rows "
                             f"({frame['household_size'].iloc[:40].astype(int).sum()} joined, "
                             "0 without a submission); kunjungan 100 rows (100 joined, "
                             "0 without a submission)")
    done = cakupan("validate", "--boundaries", inputs["boundaries"], "--interviews", path,
                   "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "kelurahan_code <- grp_wilayah/kode_kel" in done.stdout
    assert "table: Regsosek Rumah Tangga; repeat groups: anggota" in done.stdout


def test_four_submissions_of_one_household_count_once(sample, tmp_path):
    """Kobo's labels name the household (``ID Rumah Tangga``): revisits are duplicates."""
    frame, inputs, _ = sample
    counted = frame[frame["lat"].str.match(r"^-6\.\d+$")]
    visits = pd.concat([counted.iloc[[0]]] * 4 + [counted.iloc[[1]]], ignore_index=True)
    visits["interview_id"] = [f"K{i}" for i in range(5)]
    path = platforms.kobo_xlsx(tmp_path, visits)
    result = _run(inputs, path)
    assert result.accounting["interviews"]["rows_read"] == 5
    assert result.interviews["status"].tolist() == ["counted"] + ["duplicate"] * 3 + [
        "counted"]
    rt = result.coverage[result.coverage["level"].eq("rt")]
    assert rt["counted_households"].sum() == 2


def _named_setting(line: str) -> tuple[str, str]:
    table, key = re.search(r"\[(\w+)\] (\w+) = ", line).groups()
    return table, key


@pytest.mark.slow
def test_zip_of_two_forms_names_a_setting_that_exists(sample, tmp_path):
    frame, inputs, expected = sample
    other = pd.DataFrame({"catatan": ["lain"], "KEY": ["uuid:x"]})
    child = pd.DataFrame({"nama": ["y"], "PARENT_KEY": ["uuid:x"], "KEY": ["uuid:x/anak[1]"]})
    path = platforms.odk_zip(tmp_path, frame, name="unduhan.zip", extra={
        "survei_lain.csv": other, "survei_lain-anak.csv": child})
    args = ["run", "--boundaries", inputs["boundaries"], "--interviews", path,
            "--out", tmp_path / "out"]
    done = cakupan(*args)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "holds the submissions of 2 forms (regsosek_ruta.csv, survei_lain.csv)" in line
    table, key = _named_setting(line)
    assert key in DEFAULTS[table], line
    config = tmp_path / "cakupan.toml"
    config.write_text(f'[{table}]\n{key} = "regsosek_ruta.csv"\n')
    _same_coverage(_run(inputs, path, config), expected)
    assert list(read.describe_table(path, layer="regsosek_ruta.csv")["repeat_groups"]) == [
        "anggota", "kunjungan"]
    assert cakupan(*args, "--config", config, "--no-html").returncode == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    groups = manifest["inputs"]["interviews"]["tables"]["repeat_groups"]
    assert groups["anggota"] == {"rows": int(frame["household_size"].astype(int).sum()),
                                 "joined": int(frame["household_size"].astype(int).sum()),
                                 "without_submission": 0}


def test_every_setting_an_error_names_exists():
    """Settings named in messages (``[interviews] lon = "..."``) are ones a config accepts.

    Names made up in the message (``[input] {kind}_layer``) are checked by the tests that
    raise them.
    """
    tables = {**DEFAULTS, "interviews": INTERVIEWS, "prelist": PRELIST, "units": UNITS,
              "boundaries": BOUNDARIES}
    named = set()
    for path in Path(cakupan_package.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                named.update(re.findall(r"\[([a-z_]+)\] ([a-z_]+) = ", node.value))
    assert ("interviews", "lon") in named
    for table, key in named:
        assert key in tables[table], (table, key)


def test_point_layers_name_a_setting_that_exists(tmp_path):
    """A GeoPackage of interview points with two layers asks for ``interviews_layer``."""
    path = tmp_path / "titik.gpkg"
    for layer, x in (("wawancara", 106.605), ("lama", 106.615)):
        gpd.GeoDataFrame({"interview_id": ["A1"]}, geometry=[Point(x, -6.195)],
                         crs="EPSG:4326").to_file(path, layer=layer)
    with pytest.raises(Exception, match=r"\[input\] interviews_layer = ") as caught:
        read.read_table(path)
    table, key = _named_setting(str(caught.value))
    assert key in DEFAULTS[table]
    assert read.read_table(path, layer="lama")["lon"].tolist() == ["106.615"]
    with pytest.raises(Exception, match=r"\[input\] prelist_layer = "):
        read.read_table(path, kind="prelist")


def _zip(path, files: dict[str, str]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def test_odk_layout_finds_the_submissions_by_the_form_name(tmp_path):
    main = "SubmissionDate,KEY\n1,uuid:a\n"
    repeat = "nama,PARENT_KEY,KEY\nx,uuid:a,uuid:a/r[1]\n"
    path = _zip(tmp_path / "f.zip", {"f/f.csv": main, "f/lain.csv": main,
                                     "f/f-anggota~1.csv": repeat, "f/f-anggota~2.csv": repeat,
                                     "f/media/a.csv": main, "f/f - audit.csv": main})
    members = odk.csv_members(path)
    assert sorted(members) == ["f/f-anggota~1.csv", "f/f-anggota~2.csv", "f/f.csv",
                               "f/lain.csv"]
    found = odk.layout(path, members)
    assert found.main == "f/f.csv"
    assert sorted(found.repeats.values()) == ["f/f-anggota~1.csv", "f/f-anggota~2.csv"]
    assert odk.layout(path, members, "lain").main == "f/lain.csv"
    with pytest.raises(Exception, match="has no table 'x'; tables: f.csv, lain.csv, f-anggota"):
        odk.layout(path, members, "x")
    shapefile = _zip(tmp_path / "s.zip", {"a.shp": "", "a.csv": main})
    assert odk.csv_members(shapefile) == []
    assert read.read_table(_zip(tmp_path / "g.zip", {"g/f.csv": main}))["KEY"].tolist() == [
        "uuid:a"]


def test_nested_and_orphan_repeat_rows_are_accounted(tmp_path):
    main = "SubmissionDate,grp-gps-Latitude,grp-gps-Longitude,KEY\n1,-6.195,106.605,uuid:a\n"
    members = ("nama,PARENT_KEY,KEY\nx,uuid:a,uuid:a/anggota[1]\ny,uuid:a,uuid:a/anggota[2]\n"
               "z,uuid:gone,uuid:gone/anggota[1]\n")
    schooling = "jenjang,PARENT_KEY,KEY\nSD,uuid:a/anggota[1],uuid:a/anggota[1]/sekolah[1]\n"
    path = _zip(tmp_path / "f.zip", {"f.csv": main, "f-anggota.csv": members,
                                     "f-sekolah.csv": schooling})
    frame = read.read_table(path)
    assert frame["anggota (rows per submission)"].tolist() == ["2"]
    assert "sekolah (rows per submission)" not in frame
    assert read.describe_table(path)["repeat_groups"] == {
        "anggota": {"rows": 3, "joined": 2, "without_submission": 1},
        "sekolah": {"rows": 1, "joined": 0, "without_submission": 0,
                    "inside_a_repeat_group": 1}}
    found = read_interviews(path, load_config(None))
    assert found.columns["household_size"] == "anggota (rows per submission)"
    assert found.frame["household_size"].tolist() == [2.0]


def test_repeat_rows_never_add_interviews():
    main = pd.DataFrame({"source_row": [2, 3, 4], "KEY": ["a", "b", "c"]})
    visits = pd.DataFrame({"PARENT_KEY": ["a", "a", "a", "a", "c", "zz"]})
    members = pd.DataFrame({"PARENT_KEY": ["a", "b", "b"]})
    joined = join_repeats(main, "KEY", [Repeat("kunjungan", visits, "PARENT_KEY"),
                                        Repeat("anggota_ruta", members, "PARENT_KEY")])
    assert len(joined.frame) == 3
    assert joined.frame["kunjungan (rows per submission)"].tolist() == ["4", pd.NA, "1"]
    assert joined.frame["anggota_ruta (rows per submission)"].tolist() == ["1", "2", pd.NA]
    assert joined.used == {"kunjungan": 5, "anggota_ruta": 3}
    assert joined.orphans == {"kunjungan": 1, "anggota_ruta": 0}
    assert is_roster_count("anggota_ruta (rows per submission)")
    assert not is_roster_count("kunjungan (rows per submission)")


def test_kobo_nested_repeat_is_not_joined_to_submissions():
    child = pd.DataFrame({"_parent_table_name": ["main"], "_parent_index": ["1"]})
    nested = pd.DataFrame({"_parent_table_name": ["anggota"], "_parent_index": ["1"]})
    found = kobo.children("main", {"main": pd.DataFrame({"_index": ["1"]}),
                                   "anggota": child, "pendidikan": nested})
    assert [repeat.name for repeat in found] == ["anggota"]
