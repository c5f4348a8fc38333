"""``--previous``: a run compared with the evening before, checked against the day's interviews.

The sample's interviews are cut at the end of day 13 and day 14 of fieldwork (15 October is
day 1); the day-14 run, given the day-13 folder, must list exactly the households the
interviews of day 14 added, per enumerator and per supervisor, and the RTs they completed.
"""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

import cakupan
from cakupan.errors import InputError
from tests.conftest import cakupan as command

RT = ["kelurahan_code", "rw", "rt"]
DAY_13, DAY_14 = pd.Timestamp("2022-10-27"), pd.Timestamp("2022-10-28")


def _evenings(paths, folder):
    """Run the sample cut at day 13, then at day 14 given the day-13 folder."""
    interviews = pd.read_csv(paths["interviews"], dtype=str, keep_default_na=False)
    day = pd.to_datetime(interviews["interviewed_at"]).dt.normalize()
    runs = {}
    for name, last in (("day13", DAY_13), ("day14", DAY_14)):
        cut = folder / f"interviews-{name}.csv"
        interviews[(day <= last).to_numpy()].to_csv(cut, index=False)
        previous = runs.get("day13")
        runs[name] = cakupan.run(paths["boundaries"], cut, folder / name, units=paths["units"],
                                 prelist=paths["prelist"], html=name == "day14",
                                 previous=None if previous is None else folder / "day13")
    return runs


def _check_changes(folder, result):
    """The changes listed are the ones the day-14 interviews make."""
    rows = pd.read_csv(folder / "day14" / "interviews.csv", dtype=str, keep_default_na=False)
    cut = pd.read_csv(folder / "interviews-day14.csv", dtype=str, keep_default_na=False)
    added = rows[(pd.to_datetime(cut["interviewed_at"]).dt.normalize() == DAY_14).to_numpy()
                 & rows["status"].eq("counted").to_numpy()]
    changes = result.changes
    per_enumerator = changes["gained_per_enumerator"].set_index("enumerator_id")["gained"]
    assert per_enumerator.sort_index().to_dict() == added["enumerator_id"].value_counts(
        ).sort_index().to_dict()
    per_supervisor = changes["gained_per_supervisor"].set_index("supervisor_id")["gained"]
    assert per_supervisor.sort_index().to_dict() == added["supervisor_id"].value_counts(
        ).sort_index().to_dict()
    assert changes["households_gained"] == len(added) > 0

    before, after = (pd.read_csv(folder / day / "coverage.csv", dtype={c: str for c in RT})
                     .query("level == 'rt'").set_index(RT) for day in ("day13", "day14"))
    done = after.index[after["status"].eq("complete")
                       & ~before["status"].reindex(after.index).eq("complete")]
    listed = changes["rts_newly_complete"].set_index(RT)
    assert sorted(listed.index) == sorted(done) and len(done) > 0
    # every RT newly complete counted households that day
    touched = set(map(tuple, added[RT].values.tolist()))
    assert set(listed.index) <= touched

    manifest = json.loads((folder / "day14" / "manifest.json").read_text())
    assert manifest["changes"]["rts_newly_complete"] == len(done)
    assert manifest["changes"]["households_gained"] == len(added)
    assert manifest["changes"]["gained_per_supervisor"] == {
        k: int(v) for k, v in per_supervisor.items()}
    sheet = openpyxl.load_workbook(folder / "day14" / "worklist.xlsx")["Perubahan"]
    table = pd.DataFrame(list(sheet.iter_rows(values_only=True))[1:],
                         columns=[c.value for c in sheet[1]])
    kinds = table["Perubahan"].value_counts()
    assert kinds["RT baru lengkap"] == len(done)
    assert kinds["Ruta bertambah (PPL)"] == len(per_enumerator)
    gained = table[table["Perubahan"].eq("Ruta bertambah (PPL)")]
    assert gained["Selisih"].sum() == len(added)
    page = (folder / "day14" / "report.html").read_text()
    assert "Perubahan sejak pengolahan sebelumnya" in page
    assert f"<td>{len(done):,}</td>" in page


def test_previous_lists_the_changes_of_a_day(tiny_world, tmp_path):
    _, paths = tiny_world
    runs = _evenings(paths, tmp_path)
    assert runs["day13"].changes is None
    _check_changes(tmp_path, runs["day14"])


@pytest.mark.slow
def test_previous_on_the_city_demo(tmp_path):
    world = cakupan.make_world("city")
    paths = cakupan.write_world(world, tmp_path / "world")
    runs = _evenings(paths, tmp_path)
    _check_changes(tmp_path, runs["day14"])


def test_previous_must_be_an_output_folder(tiny_world, tmp_path):
    _, paths = tiny_world
    with pytest.raises(InputError, match="has no coverage.csv"):
        cakupan.run(paths["boundaries"], paths["interviews"], tmp_path / "out",
                    html=False, previous=tmp_path)
    done = command("run", "--boundaries", paths["boundaries"], "--interviews",
                   paths["interviews"], "--previous", tmp_path / "nowhere", "--out",
                   tmp_path / "out", "--no-html")
    assert done.returncode == 2
    assert done.stderr.strip().endswith("nowhere: has no coverage.csv: give the output folder "
                                         "of an earlier cakupan run (--previous)")
