"""The xlsx writer: values keep their kind through openpyxl and LibreOffice, the package is
complete, long frames continue on further sheets, and the same sheets give the same bytes."""

import datetime as dt
import math
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cakupan.render import _xlsx
from cakupan.render._xlsx import write_xlsx
from tests.conftest import libreoffice_convert

ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def mixed():
    return pd.DataFrame(
        {
            "text": pd.array(["a & b", "<i>", None, "=SUM(A1)", ' say "hi" ', "it's"], "string"),
            "n": pd.array([1, None, -3, 2**53 + 1, 0, 7], dtype="Int64"),
            "f": [0.5, np.nan, 2.0, np.inf, -1e20, 0.1 + 0.2],
            "b": pd.array([True, False, None, True, False, True], dtype="boolean"),
            "t": pd.to_datetime(
                ["2022-10-15 10:00", None, "2022-10-16 08:30", "1900-01-01", "1900-03-01", "2100"],
                format="ISO8601",
            ),
            "wib": pd.date_range("2022-10-20 23:00", periods=6, freq="h", tz="Asia/Jakarta"),
            "mixed": pd.Series([1, None, 3, 4, 5, 6], dtype=object),
        }
    )


def values(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_values_keep_their_kind(tmp_path):
    frame = mixed()
    book = openpyxl.load_workbook(write_xlsx(tmp_path / "x.xlsx", {"mixed": frame}))
    rows = values(book["mixed"])
    assert rows[0] == list(frame.columns)
    assert [row[0] for row in rows[1:]] == ["a & b", "<i>", None, "=SUM(A1)", ' say "hi" ', "it's"]
    assert book["mixed"]["A5"].data_type == "s"  # a formula-like text stays text
    assert [row[1] for row in rows[1:]] == [1, None, -3, 2**53 + 1, 0, 7]
    assert [row[2] for row in rows[1:]] == [0.5, None, 2.0, None, -1e20, 0.1 + 0.2]
    assert type(rows[3][2]) is float  # 2.0 stays a float
    assert [row[3] for row in rows[1:]] == [True, False, None, True, False, True]
    assert [row[4] for row in rows[1:]] == [
        dt.datetime(2022, 10, 15, 10),
        None,
        dt.datetime(2022, 10, 16, 8, 30),
        dt.datetime(1900, 1, 1),
        dt.datetime(1900, 3, 1),
        dt.datetime(2100, 1, 1),
    ]
    assert rows[1][5] == dt.datetime(2022, 10, 20, 23)  # local wall time, not UTC
    assert book["mixed"]["E2"].number_format == "yyyy-mm-dd hh:mm"
    assert [row[6] for row in rows[1:]] == [1, None, 3, 4, 5, 6]
    assert book["mixed"]["A1"].font.b and not book["mixed"]["A2"].font.b


def test_write_xlsx_guards_cells(tmp_path):
    frame = pd.DataFrame(
        {
            "text": pd.array(["=1+1", "bell\x07", None], dtype="string"),
            "n": pd.array([1, None, 3], dtype="Int64"),
            "f": [0.5, np.nan, 2.0],
            "t": pd.to_datetime(["2022-10-15 10:00", None, "2022-10-16 08:30"]),
            "b": [True, False, True],
        }
    )
    path = write_xlsx(tmp_path / "x.xlsx", {"a/b:c" * 10: frame, "empty": frame.iloc[:0]})
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    assert len(sheet.title) == 31 and "/" not in sheet.title
    assert [c.value for c in sheet["A"]][1:] == ["=1+1", "bell", None]
    assert sheet["A2"].data_type == "s"
    assert [c.value for c in sheet["B"]][1:] == [1, None, 3]
    assert sheet["D2"].value == pd.Timestamp("2022-10-15 10:00").to_pydatetime()
    assert sheet["E3"].value is False
    assert book.worksheets[1].max_row == 1


def test_xml_escaping_and_spaces(tmp_path):
    frame = pd.DataFrame({"a<&>": [" lead", "trail\t", "in side", "bell\x07\ufffe", "a\rb"]})
    path = write_xlsx(tmp_path / "x.xlsx", {"s": frame})
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<t>a&lt;&amp;&gt;</t>" in xml
    assert '<t xml:space="preserve"> lead</t>' in xml and "<t>in side</t>" in xml
    assert [row[0] for row in values(openpyxl.load_workbook(path)["s"])] == [
        "a<&>",
        " lead",
        "trail\t",
        "in side",
        "bell",
        "a\rb",
    ]


characters = st.characters(exclude_categories=("Cs",))  # lone surrogates cannot be UTF-8
texts = st.text(st.sampled_from("&<>\"' =\r\n\t\x07\x00\ufffe") | characters, max_size=12)
when = st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2262, 1, 1)).map(
    lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000)  # Excel keeps milliseconds
)


@st.composite
def columns(draw):
    n = draw(st.integers(0, 5))

    def column(elements):
        return draw(st.lists(st.none() | elements, min_size=n, max_size=n))

    return {
        "text": column(texts),
        "int": column(st.integers(-(2**63), 2**63 - 1)),
        "float": column(st.floats()),
        "bool": column(st.booleans()),
        "when": column(when),
    }


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=columns())
def test_random_frames_round_trip(data, tmp_path):
    frame = pd.DataFrame(
        {
            "text": pd.array(data["text"], dtype="string"),
            "int": pd.array(data["int"], dtype="Int64"),
            "float": pd.array([np.nan if v is None else v for v in data["float"]], "float64"),
            "bool": pd.array(data["bool"], dtype="boolean"),
            "when": pd.Series(data["when"], dtype="datetime64[ns]"),
        }
    )
    sheet = openpyxl.load_workbook(write_xlsx(tmp_path / "x.xlsx", {"s": frame}))["s"]
    assert sheet.auto_filter.ref == f"A1:E{len(frame) + 1}"
    expected = {
        "text": [(ILLEGAL.sub("", v) or None) if v is not None else None for v in data["text"]],
        "int": data["int"],
        "float": [v if v is not None and math.isfinite(v) else None for v in data["float"]],
        "bool": data["bool"],
        "when": data["when"],
    }
    kinds = {"text": str, "int": int, "float": float, "bool": bool, "when": dt.datetime}
    for number, name in enumerate(frame.columns, start=1):
        got = [sheet.cell(row, number).value for row in range(2, len(frame) + 2)]
        assert got == expected[name], name
        assert all(type(v) is kinds[name] for v in got if v is not None), name


def test_package_parts_and_fixed_bytes(tmp_path):
    path = tmp_path / "x.xlsx"
    sheets = {"Data & co's": mixed(), "empty": mixed().iloc[:0]}
    write_xlsx(path, sheets)
    first = path.read_bytes()
    write_xlsx(path, sheets)
    assert path.read_bytes() == first
    assert [p.name for p in tmp_path.iterdir()] == ["x.xlsx"]
    assert path.stat().st_mode & 0o777 == 0o644
    archive = zipfile.ZipFile(path)
    assert archive.namelist() == [
        "[Content_Types].xml",
        "_rels/.rels",
        "docProps/core.xml",
        "docProps/app.xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet2.xml",
    ]
    assert {info.date_time for info in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    assert "2000-01-01T00:00:00Z" in archive.read("docProps/core.xml").decode()
    workbook = archive.read("xl/workbook.xml").decode()
    assert (
        '<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
        "'Data &amp; co''s'!$A$1:$G$7</definedName>"
    ) in workbook
    styles = archive.read("xl/styles.xml").decode()
    assert '<numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>' in styles

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Data & co's", "empty"]
    for sheet, frame in zip(book.worksheets, sheets.values(), strict=True):
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:G{len(frame) + 1}"
        assert sheet.max_row == len(frame) + 1
    assert values(book["empty"]) == [list(mixed().columns)]


def test_column_widths_fit_header_and_values(tmp_path):
    frame = pd.DataFrame(
        {
            "a": ["x" * 5, None],
            "a rather long header": [1, 2],
            "long": ["y" * 100, "z"],
            "t": pd.to_datetime(["2022-10-15 08:05", None]),
            "e": pd.array([None, None], dtype="string"),
            "day": pd.to_datetime(["2022-10-15", None]),
        }
    )
    sheet = openpyxl.load_workbook(write_xlsx(tmp_path / "x.xlsx", {"s": frame}))["s"]
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEF"]
    # a header of words wraps over two lines: "a rather long header" needs 10 + 2, not 20 + 2
    assert widths == [7, 12, 60, 18, 3, 12]
    # a day and time shows both; a column of days alone shows days
    assert sheet["D2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["F2"].number_format == "yyyy-mm-dd"


def test_sheet_names_cleaned_cut_and_unique(tmp_path):
    frame = pd.DataFrame({"a": [1]})
    names = ["a/b:c" * 10, "Sheet", "sheet", "", "[x]"]
    book = openpyxl.load_workbook(write_xlsx(tmp_path / "x.xlsx", dict.fromkeys(names, frame)))
    assert book.sheetnames == [
        "a_b_ca_b_ca_b_ca_b_ca_b_ca_b_ca",
        "Sheet",
        "sheet (2)",
        "Sheet (3)",
        "_x_",
    ]


def test_long_frames_continue_on_further_sheets(tmp_path, monkeypatch):
    monkeypatch.setattr(_xlsx, "_MAX_ROWS", 4)  # the header and 3 rows
    monkeypatch.setattr(_xlsx, "_BLOCK_ROWS", 2)
    long_name = "x" * 31
    frame = pd.DataFrame({"n": range(7), "t": [f"r{k}" for k in range(7)]})
    path = write_xlsx(
        tmp_path / "x.xlsx", {"Rows": frame, long_name: frame.iloc[:4], "b": frame.iloc[:3]}
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Rows", "Rows (2)", "Rows (3)", long_name, "x" * 27 + " (2)", "b"]
    assert values(book["Rows"]) == [["n", "t"], [0, "r0"], [1, "r1"], [2, "r2"]]
    assert values(book["Rows (2)"]) == [["n", "t"], [3, "r3"], [4, "r4"], [5, "r5"]]
    assert values(book["Rows (3)"]) == [["n", "t"], [6, "r6"]]
    assert book["Rows (3)"].auto_filter.ref == "A1:B2"
    assert len(values(book["x" * 27 + " (2)"])) == 2
    assert len(values(book["b"])) == 4


def test_no_file_and_no_temporary_left_on_error(tmp_path, monkeypatch):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"old")

    def fail(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(_xlsx, "_write_sheet", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        write_xlsx(path, {"s": mixed()})
    assert [p.name for p in tmp_path.iterdir()] == ["x.xlsx"]
    assert path.read_bytes() == b"old"


@pytest.mark.slow
def test_libreoffice_reads_the_values(tmp_path):
    source = tmp_path / "in" / "x.xlsx"
    source.parent.mkdir()
    frame = mixed()
    frame.loc[3, "n"], frame.loc[5, "f"] = 10**15, 0.25  # LibreOffice keeps 15 digits, as Excel
    write_xlsx(source, {"it's <1>": frame, "Empty": frame.iloc[:0]})
    libreoffice_convert(source, "xlsx", tmp_path)
    # LibreOffice saves its own copy; reading it back shows what LibreOffice understood
    theirs = openpyxl.load_workbook(tmp_path / "x.xlsx")
    ours = openpyxl.load_workbook(source)
    assert theirs.sheetnames == ours.sheetnames
    rows, expected = values(theirs["it's <1>"]), values(ours["it's <1>"])
    booleans = {"=TRUE()": True, "=FALSE()": False}  # LibreOffice saves booleans as formulas
    assert [[booleans.get(v, v) for v in row] for row in rows] == expected
    assert theirs["it's <1>"].auto_filter.ref == "A1:G7"
    assert values(theirs["Empty"]) == [list(mixed().columns)]
