
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cakupan.config import Checks
from cakupan.detect.enumerators import enumerator_scores
from cakupan.detect.flags import flag_interviews
from cakupan.render._xlsx import write_xlsx
from cakupan.render.worklist import build_worklist
from tests.conftest import libreoffice_convert

KEL_A, KEL_B = "3671010001", "3671010002"


def coverage():
    rows = [
        # level, code, parent, name, kelurahan, rw, rt, counted, expected, ratio, status
        ("kecamatan", "3671010", "3671", "Tangerang", pd.NA, pd.NA, pd.NA, 40, 100, 0.4, "under"),
        ("kelurahan", KEL_A, "3671010", "Sukasari", KEL_A, pd.NA, pd.NA, 30, 60, 0.5, "under"),
        ("kelurahan", KEL_B, "3671010", "Babakan", KEL_B, pd.NA, pd.NA, 10, 40, 0.25, "under"),
        ("rw", KEL_A + "001", KEL_A, "RW 001", KEL_A, "001", pd.NA, 30, 60, 0.5, "under"),
        (
            "rt",
            KEL_A + "001001",
            KEL_A + "001",
            "RT 001",
            KEL_A,
            "001",
            "001",
            20,
            20,
            1.0,
            "complete",
        ),
        (
            "rt",
            KEL_A + "001002",
            KEL_A + "001",
            "RT 002",
            KEL_A,
            "001",
            "002",
            10,
            25,
            0.4,
            "under",
        ),
        (
            "rt",
            KEL_A + "001003",
            KEL_A + "001",
            "RT 003",
            KEL_A,
            "001",
            "003",
            0,
            15,
            0.0,
            "not_started",
        ),
        (
            "rt",
            KEL_B + "002001",
            KEL_B + "002",
            "RT 001",
            KEL_B,
            "002",
            "001",
            10,
            50,
            0.2,
            "under",
        ),
        (
            "rt",
            KEL_B + "002002",
            KEL_B + "002",
            "RT 002",
            KEL_B,
            "002",
            "002",
            0,
            np.nan,
            np.nan,
            "no_expected",
        ),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "level",
            "code",
            "parent_code",
            "name",
            "kelurahan_code",
            "rw",
            "rt",
            "counted_households",
            "expected_households",
            "coverage_ratio",
            "status",
        ],
    )
    frame["expected_source"] = "prelist"
    frame["gap_households"] = (frame["expected_households"] - frame["counted_households"]).clip(
        lower=0
    )
    for column in (
        "level",
        "code",
        "parent_code",
        "name",
        "kelurahan_code",
        "rw",
        "rt",
        "status",
        "expected_source",
    ):
        frame[column] = frame[column].astype("string")
    return frame


def interviews():
    t = pd.Timestamp("2022-10-20 10:00")
    rows = []
    # s1's enumerator p1 works in A RT 001/002, inventing 12 at one spot in RT 002
    for k in range(12):
        rows.append(("p1", "s1", KEL_A, "001", "002", k * 0.3, 0.0, t + pd.Timedelta(minutes=k)))
    for k in range(3):
        rows.append(
            ("p1", "s1", KEL_A, "001", "001", 500 + 50 * k, 0.0, t + pd.Timedelta(days=1, hours=k))
        )
    # s2's enumerator p2 works in B RT 001; one interview at night, one far outside
    for k in range(4):
        rows.append(
            ("p2", "s2", KEL_B, "002", "001", 3000 + 40 * k, 0.0, t + pd.Timedelta(hours=k * 3))
        )
    # one interview by s3 in A RT 001: s1 still has most there
    rows.append(("p3", "s3", KEL_A, "001", "001", 9000, 0.0, t))
    frame = pd.DataFrame(
        rows,
        columns=[
            "enumerator_id",
            "supervisor_id",
            "kelurahan_code",
            "rw",
            "rt",
            "x",
            "y",
            "interviewed_at",
        ],
    )
    n = len(frame)
    frame.insert(0, "source_row", np.arange(1, n + 1))
    frame.insert(1, "interview_id", [f"W{k:03d}" for k in range(n)])
    frame["x"] += 650_000
    frame["y"] += 9_300_000
    frame["lon"] = 106.6 + frame["x"] * 1e-9
    frame["lat"] = -6.2 + frame["y"] * 1e-9
    frame["gps_accuracy_m"] = 6.0
    frame["household_id"] = [f"H{k}" for k in range(n)]
    frame["household_size"] = pd.array([4] * n, dtype="Float64")
    frame["status"] = "counted"
    frame["nama"] = "Budi"  # personal data that must never reach the worklist
    for column in (
        "interview_id",
        "enumerator_id",
        "supervisor_id",
        "kelurahan_code",
        "rw",
        "rt",
        "household_id",
        "status",
        "nama",
    ):
        frame[column] = frame[column].astype("string")
    frame["location_check"] = "inside"
    frame.loc[17, "location_check"] = "far_outside"
    frame.loc[16, "interviewed_at"] = pd.Timestamp("2022-10-20 22:30")
    return frame


@pytest.fixture(scope="module")
def sheets():
    data = interviews()
    flags = flag_interviews(data, Checks())
    joined = data.join(flags)
    scores = enumerator_scores(data, flags)
    return {lang: build_worklist(coverage(), joined, scores, lang=lang) for lang in ("id", "en")}


def test_sheet_names_and_languages(sheets):
    assert list(sheets["id"]) == ["RT dikunjungi ulang", "Wawancara diperiksa", "Petugas dihubungi"]
    assert list(sheets["en"]) == ["RTs to revisit", "Interviews to verify", "Enumerators to call"]
    for one, other in zip(sheets["id"].values(), sheets["en"].values(), strict=True):
        assert one.shape == other.shape


def test_rts_to_revisit(sheets):
    table = sheets["en"]["RTs to revisit"]
    assert list(table.columns) == [
        "Supervisor (PML)",
        "Enumerator (PPL)",
        "Kecamatan",
        "Kelurahan code",
        "Kelurahan",
        "RW",
        "RT",
        "SLS name",
        "Households counted",
        "Doubtful households",
        "Households expected",
        "Expected from",
        "Coverage (%)",
        "Households missing",
        "Status",
        "Reason",
        "Decision",
        "Comment",
    ]
    # under and not_started RTs only; s2 (gap 40) before s1 (gaps 15 + 15 = 30), worst first
    assert table[
        ["Supervisor (PML)", "Kelurahan code", "RT", "Households missing"]
    ].values.tolist() == [
        ["s2", KEL_B, "001", 40.0],
        ["s1", KEL_A, "002", 15.0],
        ["s1", KEL_A, "003", 15.0],
    ]
    assert table["Kelurahan"].tolist() == ["Babakan", "Sukasari", "Sukasari"]
    assert table["Kecamatan"].tolist() == ["Tangerang"] * 3
    assert table["Reason"].tolist() == [
        "only 20% of 50 households",
        "only 40% of 25 households; 12 doubtful interviews",
        "no interview in this RT yet",
    ]
    assert table["Status"].tolist() == ["under", "under", "not started"]
    indonesian = sheets["id"]["RT dikunjungi ulang"]
    assert indonesian["Alasan"].tolist()[2] == "belum ada wawancara di RT ini"
    assert indonesian["Status"].tolist() == ["kurang", "kurang", "belum dimulai"]


def test_rt_without_own_interviews_goes_to_kelurahan_supervisor():
    data = interviews()
    data = data[data["rt"] != "002"]
    data.loc[data.index[-1], "supervisor_id"] = "s9"
    flags = flag_interviews(data, Checks())
    table = build_worklist(coverage(), data.join(flags), enumerator_scores(data, flags))
    table = table["RT dikunjungi ulang"].set_index("RT")
    # A RT 002 and 003 have no interviews: s1 has most in kelurahan A
    assert table.loc[["002", "003"], "Pengawas (PML)"].tolist() == ["s1", "s1"]


def test_interviews_to_verify(sheets):
    table = sheets["en"]["Interviews to verify"]
    assert table["Supervisor (PML)"].tolist() == ["s1"] * 12 + ["s2"] * 2
    cluster = table[table["Supervisor (PML)"] == "s1"]
    assert set(cluster["Flags"]) == {"invented cluster; near duplicate location"}
    assert cluster["Urgency"].tolist() == [1.25] * 12
    assert cluster["Evidence"].str.startswith("cluster #1: 12 interviews at one spot").all()
    assert (cluster["Doubtful"] == "yes").all()
    night = table[table["Interview ID"] == "W016"].iloc[0]
    assert night["Flags"] == "night time"
    assert night["Evidence"] == "at 22:30"
    far = table[table["Interview ID"] == "W017"].iloc[0]
    assert (far["Location check"], far["Flags"], far["Doubtful"]) == (
        "far outside",
        "far outside",
        "",
    )
    indonesian = sheets["id"]["Wawancara diperiksa"]
    assert "malam hari" in indonesian["Tanda"].tolist()
    assert "pukul 22.30" in indonesian["Bukti"].tolist()  # the time as Indonesian writes it
    assert any("0,3 m dari wawancara lain" in said for said in indonesian["Bukti"])


def test_enumerators_to_call(sheets):
    table = sheets["en"]["Enumerators to call"]
    assert table["Enumerator (PPL)"].tolist() == ["p1", "p2"]
    first = table.iloc[0]
    assert (first["Supervisor (PML)"], first["Flagged"], first["Doubtful"]) == ("s1", 12, 12)
    assert first["Main flag"] == "invented cluster"
    assert "invented cluster" in table.columns and "far outside" in table.columns
    assert "klaster buatan" in sheets["id"]["Petugas dihubungi"].columns


def test_no_personal_data(sheets):
    # household IDs only in their own column, to find the household; never a name
    for lang in ("id", "en"):
        for table in sheets[lang].values():
            others = table.drop(columns=["Household ID", "ID ruta"], errors="ignore")
            text = others.astype(str).to_numpy().ravel().tolist() + list(table.columns)
            assert "Budi" not in text
            assert not any(str(v).startswith("H") and str(v)[1:].isdigit() for v in text)


def test_bad_language():
    with pytest.raises(ValueError, match="lang must be one of id, en"):
        build_worklist(coverage(), interviews().assign(flags=""), pd.DataFrame(), lang="fr")


@pytest.mark.slow
def test_written_worklist_opens_and_converts_to_pdf(sheets, tmp_path):
    path = tmp_path / "worklist.xlsx"
    assert write_xlsx(path, sheets["id"]) == path
    assert [p.name for p in tmp_path.iterdir()] == ["worklist.xlsx"]  # no temporary left
    first = path.read_bytes()
    write_xlsx(path, sheets["id"])
    assert path.read_bytes() == first  # same sheets, same bytes

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(sheets["id"])
    for name, frame in sheets["id"].items():
        sheet = book[name]
        assert sheet.freeze_panes == "A2"
        last = openpyxl.utils.get_column_letter(frame.shape[1])
        assert sheet.auto_filter.ref == f"A1:{last}{len(frame) + 1}"
        assert sheet.max_row == len(frame) + 1
        assert [c.value for c in sheet[1]] == list(frame.columns)
        assert all(
            sheet.column_dimensions[openpyxl.utils.get_column_letter(k)].width >= 4
            for k in range(1, frame.shape[1] + 1)
        )
    verify = book["Wawancara diperiksa"]
    assert verify["C2"].value == sheets["id"]["Wawancara diperiksa"]["ID wawancara"].iloc[0]

    pdf = libreoffice_convert(path, "pdf", tmp_path)
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")


def test_minimal_inputs_give_placeholders():
    rts = coverage()
    rts = rts[rts["level"] == "rt"]  # no kelurahan or kecamatan rows to name them
    data = pd.DataFrame(
        {
            "interview_id": ["a", "b"],
            "enumerator_id": ["p1", pd.NA],
            "supervisor_id": [pd.NA, "s1"],
            "kelurahan_code": KEL_A,
            "rw": "001",
            "rt": ["002", "003"],
            "status": ["counted", "new"],
            "flags": ["night_time;too_fast_travel", "invented_cluster"],
        }
    ).astype("string")
    scores = pd.DataFrame(
        {
            "enumerator_id": ["p1"],
            "supervisor_id": [pd.NA],
            "flagged": [1],
            "night_time": [1],
            "share_flagged": [1.0],  # minor flags only, but on all its work: call
            "score": [0.25],
        }
    )
    sheets = build_worklist(rts, data, scores, lang="en")
    revisit = sheets["RTs to revisit"]
    assert revisit["Supervisor (PML)"].tolist() == ["(unknown)", "s1", "s1"]  # B: nobody
    assert revisit["Kelurahan"].isna().all()
    verify = sheets["Interviews to verify"]
    assert verify["Evidence"].tolist() == [
        "– km/h from the previous interview; at –",  # a figure not known is a dash
        "cluster #–: – interviews at one spot, – min apart: too fast for real visits",
    ]
    assert verify["Status"].tolist() == ["counted", "new"]
    assert verify["Supervisor (PML)"].tolist() == ["(unknown)", "s1"]
    assert sheets["Enumerators to call"]["Main flag"].tolist() == ["night time"]


def test_minor_flags_alone_do_not_call_an_enumerator():
    scores = pd.DataFrame(
        {
            "enumerator_id": ["gps", "gps_all", "late_far"],
            "supervisor_id": "s1",
            "interviews": [10, 4, 10],
            "flagged": [3, 4, 2],
            "share_flagged": [0.3, 1.0, 0.2],
            "poor_gps": [3, 4, 0],
            "night_time": [0, 0, 1],
            "far_outside": [0, 0, 1],
            "score": [0.75, 1.0, 0.75],
        }
    )
    data = interviews().assign(flags="")
    table = build_worklist(coverage(), data, scores, lang="en")["Enumerators to call"]
    assert table["Enumerator (PPL)"].tolist() == ["gps_all", "late_far"]


def test_worklist_headers_say_what_map_and_report_say_but_where_marked():
    """One table of words per language; the headers that disagree are the marked ones."""
    import inspect

    from cakupan import _labels_en, _labels_id, labels

    differ = {(lang, key) for lang, table in labels.LABELS.items()
              for key, word in table["column"].items()
              if key in table["page"] and word != table["page"][key]}
    assert differ == {
        ("id", "counted_households"), ("id", "gap_households"), ("id", "name"),
        ("id", "expected_source"), ("id", "enumerator_id"), ("id", "flags"),
        ("en", "kecamatan"), ("en", "kelurahan"), ("en", "name"), ("en", "expected_source"),
        ("en", "flags"), ("id", "flagged"), ("en", "flagged"),
    }
    source = inspect.getsource(_labels_id) + inspect.getsource(_labels_en)
    for lang, key in differ:
        word = labels.LABELS[lang]["column"][key]
        assert re.search(rf'# disagrees: .*\n\s*"{key}": "{re.escape(word)}"', source), key
