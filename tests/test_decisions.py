"""Supervisors' decisions: filled into the worklist as a supervisor would, read back by a run.

A worklist of the sample world is filled with openpyxl (verified, rejected, revisited, a
comment, a typo, a row that no longer exists, and a CSV that disagrees with it); the next run
is given both files and must apply, and account for, every filled row.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import cakupan
from cakupan.normalise.decisions import decision_rows
from cakupan.read.decisions import DecisionSheet
from cakupan.render.report import report_page
from cakupan.scale.files import analyse_files

RT = ["kelurahan_code", "rw", "rt"]


def _run(paths, out, **options):
    return cakupan.run(paths["boundaries"], paths["interviews"], out, units=paths["units"],
                       prelist=paths["prelist"], html=False, **options)


def _header(sheet) -> dict[str, int]:
    return {cell.value: cell.column for cell in sheet[1]}


def _rows(sheet) -> pd.DataFrame:
    values = list(sheet.iter_rows(values_only=True))
    return pd.DataFrame(values[1:], columns=values[0])


@pytest.fixture(scope="module")
def decided(tiny_world, tmp_path_factory):
    """Two runs of the tiny world: before and after the decisions, and what was filled."""
    _, paths = tiny_world
    folder = tmp_path_factory.mktemp("decisions")
    _run(paths, folder / "day1")
    book = openpyxl.load_workbook(folder / "day1" / "worklist.xlsx")
    verify, revisit = book["Wawancara diperiksa"], book["RT dikunjungi ulang"]
    vcol, rcol = _header(verify), _header(revisit)
    listed = _rows(verify)
    ids = listed["ID wawancara"]
    filled = {"verified": ids[0], "rejected": ids[1], "typo": ids[2], "comment": ids[3],
              "torn": ids[4]}
    decide = vcol["Keputusan"]
    verify.cell(2, decide, "benar")
    verify.cell(2, vcol["Catatan"], "sudah ditelepon, rumahnya memang di gang")
    verify.cell(3, decide, "  Ditolak ")  # any case, spaces around
    verify.cell(4, decide, "bnar")  # a typo
    verify.cell(5, vcol["Catatan"], "cek besok")  # a comment alone
    verify.cell(6, decide, "ditolak")  # the CSV says otherwise
    gone = verify.max_row + 1  # a row whose interview no longer exists
    verify.cell(gone, vcol["ID wawancara"], "W9999999")
    verify.cell(gone, decide, "BENAR")
    rts = _rows(revisit)
    revisit.cell(2, rcol["Keputusan"], "Sudah  Dikunjungi")
    revisit.cell(3, rcol["Keputusan"], "benar")
    revisit.cell(4, rcol["Keputusan"], "ditolak")  # no decision for an RT
    filled["revisited"] = tuple(rts.iloc[0][["Kode kelurahan", "RW", "RT"]])
    filled["rt_verified"] = tuple(rts.iloc[1][["Kode kelurahan", "RW", "RT"]])
    worklist = folder / "filled.xlsx"
    book.save(worklist)
    csv = folder / "other.csv"  # another supervisor, in English
    pd.DataFrame({"Interview ID": [filled["torn"]], "Decision": ["Verified"],
                  "Comment": [""]}).to_csv(csv, index=False)
    result = _run(paths, folder / "day2", decisions=[worklist, csv])
    return folder, filled, gone, result


def test_verified_rows_leave_the_worklist(decided):
    folder, filled, _, _ = decided
    book = openpyxl.load_workbook(folder / "day2" / "worklist.xlsx")
    ids = set(_rows(book["Wawancara diperiksa"])["ID wawancara"])
    assert filled["verified"] not in ids and filled["rejected"] not in ids
    # a typo, a comment alone, a conflict: still to do
    assert {filled["typo"], filled["comment"], filled["torn"]} <= ids
    rts = _rows(book["RT dikunjungi ulang"])
    keys = set(map(tuple, rts[["Kode kelurahan", "RW", "RT"]].values.tolist()))
    assert filled["rt_verified"] not in keys
    revisited = rts[[tuple(k) == filled["revisited"] for k in
                     rts[["Kode kelurahan", "RW", "RT"]].values.tolist()]]
    assert revisited["Status"].tolist() == ["sudah dikunjungi"]
    assert revisited["Alasan"].str.endswith("menunggu wawancara baru").all()


def test_rejected_interviews_stop_counting(decided):
    folder, filled, _, _ = decided
    before = pd.read_csv(folder / "day1" / "interviews.csv", dtype=str)
    after = pd.read_csv(folder / "day2" / "interviews.csv", dtype=str)
    row = after["interview_id"].eq(filled["rejected"])
    assert before.loc[row, "status"].tolist() == ["counted"]
    assert after.loc[row, "status"].tolist() == ["rejected"]
    assert (after.loc[~row, "status"] == before.loc[~row, "status"]).all()
    key = tuple(after.loc[row, RT].iloc[0])
    counts = []
    for day in ("day1", "day2"):
        table = pd.read_csv(folder / day / "coverage.csv", dtype={c: str for c in RT})
        rt = table[table["level"].eq("rt")].set_index(RT)
        counts.append(int(rt.loc[key, "counted_households"]))
    assert counts[1] == counts[0] - 1


def test_every_decision_accounted_for_in_the_manifest(decided):
    folder, filled, gone, result = decided
    manifest = json.loads((folder / "day2" / "manifest.json").read_text())
    account = manifest["decisions"]
    assert account["rows_read"] == 10 == len(account["rows"])
    assert [Path(file["path"]).name for file in account["files"]] == ["filled.xlsx", "other.csv"]
    assert all(len(file["sha256"]) == 64 for file in account["files"])
    assert account["rows_read"] == sum(account["by_outcome"].values())
    assert {k: v for k, v in account["by_outcome"].items() if v} == {
        "applied": 4, "unreadable": 1, "not_applicable": 1, "no_longer_present": 1,
        "conflicting": 2, "comment_only": 1}
    rows = pd.DataFrame(account["rows"])
    typo = rows[rows["outcome"].eq("unreadable")].iloc[0]
    assert (typo["file"].endswith("filled.xlsx"), typo["sheet"], typo["row"], typo["value"]
            ) == (True, "Wawancara diperiksa", 4, "bnar")
    missing = rows[rows["outcome"].eq("no_longer_present")].iloc[0]
    assert (missing["row"], missing["interview_id"]) == (gone, "W9999999")
    assert set(rows.loc[rows["outcome"].eq("conflicting"), "interview_id"]) == {filled["torn"]}
    comment = rows[rows["interview_id"].eq(filled["verified"])].iloc[0]
    assert comment["comment"] == "sudah ditelepon, rumahnya memang di gang"
    assert f"verified@i:{filled['verified']}" in account["in_effect"]
    assert result.accounting["interviews"]["set_aside_by_reason"]["rejected"] == 1


def test_the_same_decisions_again_are_already_applied(decided, tiny_world):
    folder, filled, _, _ = decided
    _, paths = tiny_world
    result = _run(paths, folder / "day3", decisions=[folder / "filled.xlsx"],
                  previous=folder / "day2")
    table = result.decisions
    outcomes = table["outcome"].value_counts().to_dict()
    assert outcomes["already_applied"] == 4
    # without the CSV that disagreed, the rejection it held back is the one new decision
    new = table[table["outcome"].eq("applied")]
    assert new[["interview_id", "decision"]].values.tolist() == [[filled["torn"], "rejected"]]
    assert result.changes["decisions_applied_since"] == 1


def test_values_in_either_language_and_any_case():
    rows = pd.DataFrame({
        "source_row": [2, 3, 4, 5, 6],
        "Kode kelurahan": ["3671011001"] * 5, "RW": ["1", "001", "2", "3", "4"],
        "RT": ["001"] * 5,
        "Decision": ["REVISITED", " sudah   dikunjungi", "Verified", "rejected", "ok"],
    }, dtype="string")
    table = decision_rows([DecisionSheet("x.csv", "", rows)])
    assert table["decision"].tolist()[:3] == ["revisited", "revisited", "verified"]
    assert table["problem"].tolist()[3:] == ["not_applicable", "unreadable"]
    assert table["rw"].tolist()[0] == "001"  # codes padded as the worklist writes them


def test_a_file_without_a_decision_column_is_an_error(tiny_world, tmp_path):
    _, paths = tiny_world
    bad = tmp_path / "notes.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(cakupan.errors.InputError, match="no sheet has a decision column"):
        _run(paths, tmp_path / "out", decisions=[bad])


def test_a_run_by_parts_applies_the_same_decisions(decided, tiny_inputs):
    folder, filled, _, result = decided
    inputs = replace(tiny_inputs, decisions=(folder / "filled.xlsx", folder / "other.csv"))
    parts = analyse_files(inputs, part_rows=5_000, processes=1)
    assert parts.decisions["outcome"].tolist() == result.decisions["outcome"].tolist()
    status = parts.interviews["status"].astype(str)
    assert status.tolist() == result.interviews["status"].astype(str).tolist()
    assert (status == "rejected").sum() == 1


def test_the_report_accounts_for_decisions_without_ids(decided):
    _, filled, gone, result = decided
    page = report_page(result, lang="id")
    section = page[page.index("Keputusan pengawas"):]
    assert "isian tidak dikenali" in section and "bnar" in section
    assert f"<td>{gone}</td>" in section  # where the row no longer present is
    assert "bertentangan antar file" in section and "hanya catatan" in section
    assert not any(str(value) in page for value in filled.values() if isinstance(value, str))
