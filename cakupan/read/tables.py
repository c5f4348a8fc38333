"""Tables of interviews and prelists: CSV, Excel, Parquet, and point layers."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from itertools import islice
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import shapely

from cakupan._text import as_arrow, maybe_padded
from cakupan.columns import ALIASES, LABELS, simplify
from cakupan.errors import InputError, InputFileError
from cakupan.read import kobo, odk
from cakupan.read.repeats import Repeat, joined
from cakupan.read.vector import read_vector

_EXCEL = (".xlsx", ".xlsm", ".xls")
_VECTOR = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".kml", ".kmz", ".fgb")
_KNOWN_HEADERS = {alias for names in (ALIASES, LABELS) for aliases in names.values()
                  for alias in aliases}


#: pandas' Excel reader. calamine read a 150,000-row sheet of interviews in 7.6 s, openpyxl
#: in 44.7 s, the same frame: ``python benchmarks/excel_read.py`` on a 2-core machine.
EXCEL_ENGINE = "calamine"

#: Column a reader adds when a row cannot be read as the header says (e.g. too many cells);
#: :mod:`cakupan.normalise.tables` turns it into the row's ``status``.
PROBLEM = "source_problem"

#: Byte-order marks of UTF-16, which Excel's "Unicode Text" export writes.
_UTF16 = (b"\xff\xfe", b"\xfe\xff")
_ZIP, _PARQUET, _OLE = b"PK\x03\x04", b"PAR1", b"\xd0\xcf\x11\xe0"


def read_table(path, sheet: str = "", layer: str = "", kind: str = "interviews"
               ) -> pd.DataFrame:
    """Read a table of interviews or prelist rows, every value as text.

    Parameters
    ----------
    path : str or Path
        CSV (any delimiter; UTF-8 with or without BOM, UTF-16 with BOM, or Windows-1252: a
        file that is not UTF-8 is read as Windows-1252), Excel (the header row
        is found below any title rows), Parquet, or a point layer GDAL reads (GeoJSON,
        GeoPackage, ...), whose points become ``lon`` and ``lat`` columns. The content
        decides, not the name: a CSV saved as ``.xlsx`` is read as CSV. A zip of CSV tables
        is read as ODK Central's export (:mod:`cakupan.read.odk`): its submissions table,
        with a row count per repeat group (:mod:`cakupan.read.repeats`); a workbook whose
        first sheet has Kobo's ``_index`` gets the counts of its repeat sheets
        (:mod:`cakupan.read.kobo`).
    sheet : str
        Excel sheet; empty: the first.
    layer : str
        Layer of a point file, or the CSV table of a zip; empty: the only layer, the zip's
        submissions table.
    kind : str
        ``interviews`` or ``prelist``: the input, to name its ``[input]`` settings in errors.

    Returns
    -------
    DataFrame
        The file's columns as strings and ``source_row``: the row number a person sees when
        opening the file: for CSV the line number a text editor shows (header = 1; blank
        lines are skipped but counted; a quoted value spanning lines gives the row its first
        line), for Excel the spreadsheet row, for other formats the feature or record number
        (1-based). A CSV row with more cells than the header has a ``source_problem``
        (``extra_cells``); its values are not used.
    """
    path = Path(path)
    shape = table_kind(path)
    if shape == "excel":
        frame = _read_excel(path, sheet)[0]
    elif shape == "parquet":
        frame = _read_parquet(path)
    elif shape == "points":
        frame = _read_points(path, layer, kind)
    elif shape == "export":
        frame = odk.read_zip(path, layer, _read_csv, kind)[0]
    else:
        frame = _read_csv(path)
    if len(frame) == 0:
        raise InputError("has a header but no rows", path=path)
    return frame


def table_kind(path: Path) -> str:
    """Return how :func:`read_table` reads a file: ``excel``, ``parquet``, ``points``, ...

    ``export`` (a zip of CSV tables: :mod:`cakupan.read.odk`) or ``csv``.

    Raises
    ------
    InputError
        For a file no reader can use (missing, empty, a folder, binary data).
    """
    if path.is_dir():
        raise InputFileError("is a folder, not a file", path=path)
    if not path.is_file():
        raise InputFileError("file not found; check the path", path=path)
    if path.stat().st_size == 0:
        raise InputError("is empty", path=path)
    with open(path, "rb") as handle:
        head = handle.read(4096)
    suffix = path.suffix.lower()
    if head.startswith(_OLE) or (head.startswith(_ZIP) and suffix not in (".zip", ".kmz")):
        return "excel"  # .xlsx, or an old .xls (calamine reads both)
    if head.startswith(_PARQUET):
        return "parquet"
    if head.startswith(_ZIP) and suffix == ".zip" and odk.csv_members(path):
        return "export"
    if suffix in _VECTOR:
        return "points"
    if suffix in _EXCEL + (".parquet", ".pq") and not _is_text(head):
        raise InputError(f"is not a readable {suffix} file", path=path)
    if not _is_text(head):
        raise InputError("is not a text table (binary data); give CSV, Excel or Parquet",
                         path=path)
    return "csv"


def _is_text(head: bytes) -> bool:
    """Return False for content with many NUL or other control bytes (not a text table).

    Binary files (PDF, images, archives) are full of them; a text table with a stray control
    character in a few cells (a broken export) is still read, row by row.
    """
    if head.startswith(_UTF16):
        return True
    control = sum(b < 32 and b not in (9, 10, 13) for b in head)
    return control <= len(head) // 20


def _read_csv(path: Path) -> pd.DataFrame:
    layout = csv_layout(path)
    frame = None if layout.title_rows else _read_csv_fast(path, layout)
    if frame is None:  # title rows, blank lines, values spanning lines or ragged rows: exact
        frame = _read_csv_exact(path, layout)
    return frame[~blank_rows(frame)].reset_index(drop=True)


class CsvLayout(NamedTuple):
    """How a CSV file is laid out."""

    names: list[str]
    """Column names, unique and non-empty."""
    delimiter: str
    encoding: str
    title_rows: int
    """Records above the header (an export's title lines); 0 for most files."""


def csv_layout(path: Path) -> CsvLayout:
    """Return the column names, delimiter, encoding and title rows of a CSV.

    The header is the first record, unless it names no known column and one of the next
    records does (a prelist exported with "PRELIST REGSOSEK 2022" and the area's name above
    its header, as Excel files often have): the records above it are title rows.
    """
    encoding = _encoding(path)
    with open(path, encoding=encoding, newline="") as handle:
        sample = handle.read(20000)
    delimiter = _delimiter(sample)
    records = list(islice(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter),
                          20))
    if not records or not "".join(records[0]).strip():
        raise InputError("is empty" if not sample.strip() else "has an empty first line; "
                         "the first line must hold the column names", path=path)
    titles = _title_rows(records)
    return CsvLayout(_unique(records[titles]), delimiter, encoding, titles)


def _delimiter(sample: str) -> str:
    """Return the delimiter csv's sniffer finds, looking past up to five title lines."""
    lines = sample.splitlines(keepends=True)
    for skip in range(min(6, len(lines))):
        try:
            return csv.Sniffer().sniff("".join(lines[skip:]), delimiters=",;\t|").delimiter
        except csv.Error:
            continue
    return ","


def _title_rows(records: list[list[str]]) -> int:
    """Return the records above the header: 0 unless the first names no known column."""
    if _names_a_column(records[0]):
        return 0
    width = max(map(len, records))
    at = _find_header(pd.DataFrame([record + [""] * (width - len(record)) for record in records]))
    return at if _names_a_column(records[at]) else 0


def _names_a_column(record: list[str]) -> bool:
    return any(simplify(cell) in _KNOWN_HEADERS for cell in record if cell.strip())


def blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Return True for the rows whose every value is missing or blank (``source_row`` aside)."""
    names = frame.columns.drop(["source_row", PROBLEM], errors="ignore")
    return blank_in((as_arrow(frame[name]) for name in names), len(frame))


def blank_in(columns: Iterable[pa.Array], rows: int) -> np.ndarray:
    """Return True for the rows whose value is missing or whitespace in every column.

    Only values that may hold whitespace are trimmed (:func:`cakupan._text.maybe_padded`), and
    the columns are looked at only while some row may still be blank (``columns`` may be a
    generator).
    """
    blank = np.ones(rows, dtype=bool)
    for text in columns:
        if not blank.any():
            break
        here = ~text.is_valid().to_numpy(zero_copy_only=False) | (
            pc.binary_length(text).fill_null(0).to_numpy(zero_copy_only=False) == 0)
        padded = np.flatnonzero(maybe_padded(text) & ~here)
        if len(padded):
            trimmed = pc.utf8_trim_whitespace(text.take(padded))
            here[padded] = pc.equal(trimmed, "").to_numpy(zero_copy_only=False)
        blank &= here
    return blank


def one_record_per_line(path: Path, records: int) -> bool:
    """Return True when ``records`` (header included) fill the file's lines one to one.

    A carriage return not followed by a line feed (a stray one, or old Mac line ends) also
    gives False. The file is read 16 MB at a time.
    """
    lines, last, lone_cr = 0, b"", False
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 24):
            lines += chunk.count(b"\n")
            # a CR ending a chunk is judged again with the first byte of the next
            text = last[-1:] + chunk
            judged = text.count(b"\r") - text.endswith(b"\r")
            lone_cr = lone_cr or judged != text.count(b"\r\n")
            last = chunk
    lone_cr = lone_cr or last.endswith(b"\r")
    return records == lines + (0 if last.endswith(b"\n") else 1) and not lone_cr


def _read_csv_fast(path: Path, layout: CsvLayout) -> pd.DataFrame | None:
    """Read with Arrow when every record is one line.

    Return None when line numbers would not match the records (blank lines, values with line
    breaks) or rows are ragged: :func:`_read_csv_exact` reads those.
    """
    names, delimiter, encoding = layout.names, layout.delimiter, layout.encoding
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=1,
                encoding="utf8" if encoding == "utf-8-sig" else encoding),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False),
        )
    except pa.ArrowInvalid:
        return None
    if not one_record_per_line(path, table.num_rows + 1):
        return None
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)
    frame.insert(0, "source_row", np.arange(2, len(frame) + 2))
    return frame


def _read_csv_exact(path: Path, layout: CsvLayout) -> pd.DataFrame:
    """Read with the csv module, keeping the editor line where each record starts.

    Title rows above the header are skipped.

    A carriage return alone inside a line of a file whose lines end in LF or CRLF (a stray
    character in a value, which pandas writes unquoted) is read as a space, not a line break.
    """
    names, delimiter, encoding = layout.names, layout.delimiter, layout.encoding
    rows, lines, problems = [], [], []
    width = len(names)
    with open(path, encoding=encoding, newline="") as handle:
        text = handle.read()
    if "\n" in text:  # lines end in LF or CRLF: a lone CR is junk inside a value
        text = re.sub("\r(?!\n)", " ", text)
    with io.StringIO(text, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            for _ in range(layout.title_rows + 1):
                next(reader)
            start = reader.line_num + 1
            for record in reader:
                if record and any(cell.strip() for cell in record):
                    extra = [c for c in record[width:] if c.strip()]
                    problems.append("extra_cells" if extra else None)
                    rows.append((record + [""] * width)[:width])
                    lines.append(start)
                start = reader.line_num + 1
        except csv.Error as error:
            raise InputError(f"is not a readable CSV table ({error})", path=path,
                             row=reader.line_num) from None
    frame = pd.DataFrame(rows, columns=names, dtype="string")
    frame.insert(0, "source_row", np.asarray(lines, dtype=np.int64))
    if any(p is not None for p in problems):
        frame[PROBLEM] = pd.Series(problems, dtype="string")
    return frame


def _encoding(path: Path) -> str:
    """Return the encoding: UTF-16 after its BOM, UTF-8 if the file decodes, else cp1252."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    if head.startswith(_UTF16):
        return "utf-16"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the block's end
            return "cp1252"
    return "utf-8-sig"


def _unique(header: list[str]) -> list[str]:
    """Return header names made unique (``a``, ``a.1``) and non-empty."""
    seen: dict[str, int] = {}
    names = []
    for i, name in enumerate(header):
        name = name.strip() or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


def describe_table(path, sheet: str = "", layer: str = "") -> dict | None:
    """Return which table of a survey export :func:`read_table` reads and what it joined.

    ``{"table": ..., "repeat_groups": {name: {"rows": ..., "joined": ...,
    "without_submission": ...}}}`` for ODK Central's zip and Kobo's workbook (every row of
    every repeat group accounted for); None for any other file. Reads the file again.
    """
    path = Path(path)
    try:
        kind = table_kind(path)
        if kind == "excel" and kobo.INDEX not in _sheet_header(path, sheet or 0):
            return None
    except InputError:
        return None
    if kind not in ("export", "excel"):
        return None
    return (odk.read_zip(path, layer, _read_csv) if kind == "export"
            else _read_excel(path, sheet))[1]


def _read_excel(path: Path, sheet: str) -> tuple[pd.DataFrame, dict | None]:
    """Read a sheet; Kobo's submissions sheet with its repeat sheets' row counts.

    The workbook is opened once for all its sheets (opening parses its shared strings); of
    a repeat sheet only the columns linking its rows to their parents are kept.
    """
    try:
        book = pd.ExcelFile(path, engine=EXCEL_ENGINE)
    except Exception as error:  # calamine and zipfile raise many kinds for a damaged file
        raise InputFileError(f"is not a readable Excel file ({error})", path=path) from None
    with book:
        frame = _read_sheet(book, path, sheet)
        if kobo.INDEX not in frame.columns:
            return frame, None
        names = [str(name) for name in book.sheet_names]
        main = sheet or names[0]
        sheets = {name: links for name in names
                  if name != main and (links := _repeat_links(book, name)) is not None}
    direct = kobo.children(main, sheets)
    nested = [Repeat(name, rows, kobo.PARENT_INDEX) for name, rows in sheets.items()
              if name not in {r.name for r in direct}]
    return joined(frame, kobo.INDEX, direct, main, nested)


def _repeat_links(book: pd.ExcelFile, name: str) -> pd.DataFrame | None:
    """Return the columns linking a Kobo repeat sheet's rows to their parents; None if none."""
    try:
        header = pd.read_excel(book, sheet_name=name, nrows=0).columns
        if not kobo.is_repeat_sheet(header):
            return None
        wanted = [c for c in (kobo.PARENT_TABLE, kobo.PARENT_INDEX) if c in header]
        links = pd.read_excel(book, sheet_name=name, usecols=wanted, dtype=object)
    except Exception:  # an unreadable extra sheet is no repeat group
        return None
    return links.map(_excel_text).astype("string")


def _sheet_header(path: Path, sheet: str | int) -> list[str]:
    """Return the names on a sheet's first row (only that row is read)."""
    try:
        return [str(c) for c in pd.read_excel(path, sheet_name=sheet, nrows=0,
                                              engine=EXCEL_ENGINE).columns]
    except Exception:  # no readable header: not a Kobo export
        return []


def _read_sheet(book: pd.ExcelFile, path: Path, sheet: str) -> pd.DataFrame:
    """Read one sheet (empty: the first), its header row found below any title rows."""
    try:
        raw = pd.read_excel(book, sheet_name=sheet or 0, header=None, dtype=object)
    except ValueError as error:
        raise InputError(f"cannot read sheet {sheet or 1!r} ({error}); sheets: "
                         f"{', '.join(map(str, book.sheet_names))}", path=path) from None
    except Exception as error:
        raise InputFileError(f"is not a readable Excel file ({error})", path=path) from None
    header_at = _find_header(raw)
    header = [
        str(v).strip() if pd.notna(v) else f"column_{i + 1}"
        for i, v in enumerate(raw.iloc[header_at])
    ]
    body = raw.iloc[header_at + 1 :]
    frame = pd.DataFrame(body.to_numpy(), columns=header).map(_excel_text).astype("string")
    frame.insert(0, "source_row", body.index.to_numpy() + 1)
    return frame[~blank_rows(frame)].reset_index(drop=True)


def _find_header(raw: pd.DataFrame) -> int:
    """Return the first of the top rows whose cells look most like known column names."""
    best, best_score = 0, -1
    for i in range(min(len(raw), 20)):
        cells = [simplify(v) for v in raw.iloc[i] if pd.notna(v) and str(v).strip()]
        score = sum(c in _KNOWN_HEADERS for c in cells) * 10 + len(cells)
        if len(cells) >= 2 and score > best_score:
            best, best_score = i, score
    return best


def _excel_text(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return pd.NA
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        geo = b"geo" in (pq.read_schema(path).metadata or {})
    except Exception as error:  # pyarrow raises many kinds for a damaged file
        raise InputFileError(f"is not a readable Parquet file ({error})", path=path) from None
    if geo:
        return _read_points(path, "", "interviews")
    try:
        frame = pd.read_parquet(path)
    except Exception as error:
        raise InputFileError(f"is not a readable Parquet file ({error})", path=path) from None
    if "geometry" in frame.columns:
        frame = frame.drop(columns="geometry")
    frame = frame.astype("string")
    frame.insert(0, "source_row", np.arange(1, len(frame) + 1))
    return frame


def _read_points(path: Path, name: str, kind: str) -> pd.DataFrame:
    layer = read_vector(path, name, crs="EPSG:4326", kind=kind).to_crs("EPSG:4326")
    geometry = layer.geometry.to_numpy()
    frame = pd.DataFrame(layer.drop(columns="geometry"))
    is_point = shapely.get_type_id(geometry) == 0
    for name, values in (("lon", shapely.get_x(geometry)), ("lat", shapely.get_y(geometry))):
        frame[name] = pd.Series(np.where(is_point, values, np.nan), index=frame.index).astype(
            "string"
        )
    return frame.reset_index(drop=True)
