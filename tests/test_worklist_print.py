"""The worklist printed and opened: LibreOffice turns it into A4 pages a supervisor can hand
out, and shows its cells on screen.

Each supervisor's rows start on a page of their own, every column fits the page's width
(the last column's header is on every page, the header repeated), the legend explains
every column, and every cell speaks words and whole households, in Bahasa Indonesia and in
English.
"""

from __future__ import annotations

import re
import subprocess

import openpyxl
import pandas as pd
import pytest

import cakupan
from cakupan import formats
from cakupan.labels import labels
from cakupan.render.legend import legend_sheet
from tests.conftest import libreoffice_convert, libreoffice_sheets

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["id", "en"])
def printed(request, tiny_world, tmp_path_factory):
    """The tiny world's worklist in one language, its sheets and its PDF's pages as text."""
    _, paths = tiny_world
    lang = request.param
    out = tmp_path_factory.mktemp(f"print-{lang}")
    cakupan.run(paths["boundaries"], paths["interviews"], out, units=paths["units"],
                prelist=paths["prelist"], html=False, lang=lang)
    pdf = libreoffice_convert(out / "worklist.xlsx", "pdf", out)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    book = openpyxl.load_workbook(out / "worklist.xlsx")
    sheets = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        frame = pd.DataFrame(rows[1:], columns=rows[0])
        if sheet.print_area:  # only the columns printed: the last is on every page
            last = sheet.print_area.split(":")[-1].strip("$0123456789")
            frame.attrs["printed"] = openpyxl.utils.column_index_from_string(last)
        sheets[sheet.title] = frame
    pages = [page for page in text.split("\f") if page.strip()]
    return lang, sheets, pages


def _sheet_of(page: str, names) -> str:
    first = page.strip().splitlines()[0].strip()  # the page header: the sheet's name
    assert first in names, first
    return first


def test_every_supervisor_starts_a_new_page(printed):
    lang, sheets, pages = printed
    supervisor = labels(lang)["column"]["supervisor_id"]
    for name, frame in sheets.items():
        if frame.columns[0] != supervisor or frame.empty:
            continue
        mine = [page for page in pages if _sheet_of(page, sheets) == name]
        seen = []  # the supervisor of each page, in order
        for page in mine:
            found = set(re.findall(r"^\s*(PML\d+)\b", page, flags=re.MULTILINE))
            assert len(found) <= 1, (name, found)  # never two supervisors on one page
            seen.extend(found)
        runs = [who for k, who in enumerate(seen) if k == 0 or seen[k - 1] != who]
        expected = list(dict.fromkeys(frame[supervisor]))
        assert runs == expected, name  # each once, in the sheet's order, from a new page


def test_every_column_within_the_page_width(printed):
    lang, sheets, pages = printed
    for page in pages:
        name = _sheet_of(page, sheets)
        frame = sheets[name]
        last = str(frame.columns[frame.attrs.get("printed", frame.shape[1]) - 1])
        first = str(sheets[name].columns[0]).split()[0]
        # the header is repeated on each page, its first and last columns on the page
        assert last.split()[0] in page and first in page, (name, last)
    assert len(pages) >= sum(1 for frame in sheets.values() if len(frame))
    # the interviews to verify print up to the comment; the columns after it stay on screen
    verify = sheets[labels(lang)["sheet"]["verify"]]
    assert verify.columns[verify.attrs["printed"] - 1] == labels(lang)["column"]["comment"]


def test_legend_explains_every_column_in_both_languages(printed):
    lang, sheets, pages = printed
    name = labels(lang)["sheet"]["legend"]
    assert list(sheets)[-1] == name
    legend = sheets[name]
    meaning = labels(lang)["column"]["meaning"]
    assert legend[meaning].notna().all() and (legend[meaning].str.len() > 5).all()
    explained = set(zip(legend.iloc[:, 0], legend.iloc[:, 1], strict=True))
    for sheet, frame in sheets.items():
        if sheet != name:
            assert {(sheet, column) for column in frame.columns} <= explained
    words = {"id": ("Keterangan", "Arti", "Jumlah bobot tanda"),
             "en": ("Legend", "Meaning", "Sum of the weights")}[lang]
    shown = "\n".join(page for page in pages if _sheet_of(page, sheets) == name)
    assert all(word in shown for word in words)


def test_legend_of_the_unit_sheets():
    sheets = {"RTs to revisit": pd.DataFrame(columns=["Decision", "no such column"])}
    table = legend_sheet(sheets, "en")
    assert table.iloc[0, 2].startswith("Fill in a decision: verified")
    assert table.iloc[1, 2] == ""  # a column without an explanation shows as empty


SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
HOUSEHOLD_COLUMNS = ("counted_households", "doubtful_households", "expected_households",
                     "gap_households", "planned_so_far", "capacity")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_cell_speaks_words_and_whole_households(tiny_world, tmp_path, lang):
    """Expected households from a population raster are fractional: the worklist shows them
    whole, and no code (a snake_case word) is left in any cell LibreOffice shows."""
    _, paths = tiny_world
    cakupan.run(paths["boundaries"], paths["interviews"], tmp_path, units=paths["units"],
                population=paths["population"], assignments=paths["assignments"],
                html=False, lang=lang)
    sheets = libreoffice_sheets(tmp_path / "worklist.xlsx", tmp_path)
    said = labels(lang)
    assert set(sheets) >= {said["sheet"][name] for name in ("revisit", "verify", "plan")}
    for name, frame in sheets.items():
        text = "\n".join(frame.columns) + "\n" + "\n".join(frame.to_numpy().ravel())
        assert not SNAKE.findall(text), (name, set(SNAKE.findall(text)))
        for column in HOUSEHOLD_COLUMNS:
            header = said["column"][column]
            if header in frame and name != said["sheet"]["legend"]:
                shown = frame[header][frame[header].ne("")]
                assert shown.str.fullmatch(r"\d+").all(), (name, header, shown.head().tolist())
        # figures inside sentences ("baru 38% dari 198 ruta") are whole households too
        word = {"id": "ruta", "en": "households"}[lang]
        assert not re.findall(rf"\d[.,]\d+ {word}\b", text), name
    revisit = sheets[said["sheet"]["revisit"]]
    assert revisit[said["column"]["expected_source"]].eq(
        formats.word("raster", lang)).all()
