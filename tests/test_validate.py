"""``cakupan validate``: check inputs without running the analysis."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

import cakupan
from cakupan import formats
from cakupan._validate import SUMMARY_COLUMNS, summarise
from cakupan.cli import format_summary, main
from tests import corpus as c
from tests.conftest import ROOT
from tests.conftest import cakupan as cli
from tests.test_corpus import ODK_HEADER, ODK_ROW

TANGERANG = ROOT / "boundaries" / "kota_tangerang_kelurahan.geojson"


def _validate(inputs):
    return cakupan.validate(inputs.boundaries, inputs.interviews, units=inputs.units,
                            prelist=inputs.prelist)


def test_summary_of_the_tiny_world(tiny_inputs):
    table = _validate(tiny_inputs)
    assert table.columns.tolist() == list(SUMMARY_COLUMNS)
    assert table["input"].tolist() == ["boundaries", "units", "interviews", "prelist"]
    assert (table["rows_read"] == table["rows_usable"] + table["rows_set_aside"]).all()
    interviews = table.set_index("input").loc["interviews"]
    source = pd.read_csv(tiny_inputs.interviews, dtype=str)
    assert interviews["rows_read"] == len(source)
    reasons = dict(part.rsplit(" ", 1) for part in interviews["set_aside"].split("; "))
    assert sum(map(int, reasons.values())) == interviews["rows_set_aside"]
    assert "duplicate" in reasons and "no_coordinates" in reasons
    assert "swapped_lat_lon" in interviews["repairs"]
    assert "lon <- lon" in interviews["columns"]
    assert interviews["crs"] == "EPSG:4326"


def test_bundled_boundaries_topology(tmp_path):
    table = cakupan.validate(TANGERANG)
    row = table.iloc[0]
    assert (row["rows_read"], row["rows_usable"]) == (104, 104)
    assert (row["overlap_pairs"], row["overlap_ha"], row["holes"], row["hole_ha"]) == (
        180, 10.99, 301, 9.61)
    assert row["crs"] == "EPSG:4326"
    assert "kelurahan_code <- kode" in row["columns"]


def test_cli_prints_the_table_and_exits_0_with_rows_set_aside(tmp_path):
    interviews = c.interviews_csv(tmp_path, ODK_ROW, ODK_ROW, ODK_ROW.replace(
        "-6.195", "").replace("0a1b", "0a1c"), header=ODK_HEADER)
    result = CliRunner().invoke(main, ["validate", "--boundaries", str(c.write_boundaries(
        tmp_path)), "--interviews", str(interviews), "--lang", "en"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("boundaries  ")
    assert "2 rows read, 2 usable, 0 set aside" in lines[0]
    assert "overlaps: 0 neighbour pairs, 0.00 ha; holes: 0, 0.00 ha" in result.output
    text = result.output
    assert "interviews  " in text and "3 rows read, 1 usable, 2 set aside" in text
    assert "(duplicate 1; no coordinates 1)" in text
    assert "lon <- grp-lokasi-Longitude" in text and "interview_id <- meta-instanceID" in text


def test_cli_unusable_file_is_one_line_exit_2(tmp_path):
    done = cli("validate", "--boundaries", c.zipped_shapefile(tmp_path, prj=False))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"cakupan: {tmp_path / 'kelurahan.zip'}: has no coordinate reference system (a "
        'shapefile without .prj?); name it with [input] boundaries_crs = "EPSG:4326" in the '
        "config"]
    assert done.stdout == ""


def test_cli_help():
    text = CliRunner().invoke(main, ["validate", "--help"]).output
    for option in ("--boundaries", "--interviews", "--units", "--prelist", "--config"):
        assert option in text
    assert "validate" in CliRunner().invoke(main, ["--help"]).output


@pytest.mark.slow
def test_a_large_file_is_placed_by_parts_with_the_same_summary(tiny_inputs):
    """More interviews than a part: placed a part at a time, as a run does, in processes."""
    whole = _validate(tiny_inputs)
    pd.testing.assert_frame_equal(summarise(tiny_inputs, part_rows=700, processes=2), whole)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_cli_prints_the_api_table(tiny_inputs, lang):
    done = cli("validate", "--boundaries", tiny_inputs.boundaries, "--interviews",
               tiny_inputs.interviews, "--units", tiny_inputs.units, "--prelist",
               tiny_inputs.prelist, "--lang", lang)
    assert done.returncode == 0, done.stderr
    assert done.stdout == format_summary(_validate(tiny_inputs), lang) + "\n"
    # reasons in words, numbers as the language writes them
    assert {"id": "tanpa koordinat", "en": "no coordinates"}[lang] in done.stdout
    assert "no_coordinates" not in done.stdout
    read = int(_validate(tiny_inputs).set_index("input").loc["interviews", "rows_read"])
    assert formats.number(read, lang) in done.stdout
