"""Write DataFrames as the sheets of one xlsx workbook (the worklist).

Each sheet gets a bold, frozen header row, an autofilter over its columns and column widths
that fit their contents (a header wraps over two lines rather than widen a column of short
values). Every sheet prints on landscape A4, fitted to the page's width, with the header row
repeated on each page, grid lines, the sheet's name at the top and page numbers at the
foot. A :class:`Sheet` can also ask for page breaks (a new page for each supervisor), a
drop-down list of values for a column to fill in, and columns of long text that wrap.
A frame longer than Excel's 1,048,576 rows (header included)
continues on further sheets named ``"<name> (2)"``, ``"<name> (3)"``, ..., each with the
header.

The SpreadsheetML is built here, whole columns at a time with pyarrow string functions (a
per-cell or per-row Python loop takes most of a minute at city size), and the parts go
straight into the zip. Values keep their kind: integers and floats as numbers, booleans as
booleans, datetimes as Excel dates (timezone-aware ones in their local wall time; a column
without times of day shows days only), everything else as text. Missing values, empty texts
and infinities (Excel has none) leave the cell empty.

The file is written to a temporary name beside ``path`` and renamed, so an interrupted run
leaves no half file, and carries fixed time stamps, so the same sheets give the same bytes.

Why not XlsxWriter: it takes Python values a cell at a time. Writing the city demo's worklist
(three sheets, 580 + 36,928 + 486 rows, 14 to 19 columns) took 0.45 s here, 3.49 s with
XlsxWriter 3.3.1 a column at a time (``write_column``, same header, widths and autofilter;
the same values read back) and 6.63 s through pandas' ``to_excel`` with XlsxWriter: best of 3
on a 2-core Intel Xeon virtual machine shared with other work (load about 2), measured side
by side by ``python benchmarks/render_libraries.py --size city``.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cakupan.render._layout import PAGE, Sheet, breaks, heights, join, letter, validations

_FIXED_TIME = (2000, 1, 1, 0, 0, 0)
_MAX_WIDTH = 60
_MAX_ROWS = 1_048_576  # Excel's rows per sheet, header included
_BLOCK_ROWS = 50_000  # rows turned into XML at a time, which bounds the memory used
_COMPRESSION = 1  # zlib level: the default 6 gives a fifth smaller file in three times as long
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
# characters XML 1.0 cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE, and U+FFFE, U+FFFF), in RE2
_ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"
_EPOCH = pd.Timestamp("1899-12-30")  # day 0 of Excel's serial dates
_BOLD, _DATE, _WRAP, _HEAD, _TOP, _DAY = 1, 2, 3, 4, 5, 6  # the cell formats (cellXfs) in _STYLES
_WRAP_WIDTH = 32  # a column of wrapped text is at most this wide
_HEADER_HEIGHT = 30  # points: two lines of 11-point text
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_OFFICE = "application/vnd.openxmlformats-officedocument"
_CONTENT_TYPES = (
    f'<Types xmlns="{_PACKAGE}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package'
    '.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE}.spreadsheetml.sheet.main+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_OFFICE}.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package'
    '.core-properties+xml"/>'
    f'<Override PartName="/docProps/app.xml" ContentType="{_OFFICE}.extended-properties+xml"/>'
    "{sheets}</Types>"
)
_ROOT_RELS = (
    f'<Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{_PACKAGE}/relationships/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_CORE = (
    f'<cp:coreProperties xmlns:cp="{_PACKAGE}/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>cakupan</dc:creator>'
    '<dcterms:created xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:modified>'
    "</cp:coreProperties>"
)
_APP = (
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006'
    '/extended-properties"><Application>cakupan</Application></Properties>'
)
_STYLES = (
    f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    # every cell at the top of its row, beside a neighbour's wrapped text (LibreOffice does
    # not take the alignment of format 0 for cells that name none: they name 5)
    '<cellXfs count="7"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" '
    'applyAlignment="1"><alignment vertical="top"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" '
    'applyAlignment="1"><alignment vertical="top"/></xf>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" '
    'applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top"/></xf>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" '
    'applyAlignment="1"><alignment vertical="top"/></xf>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>"
)


class _Column(NamedTuple):
    """A column ready for the sheet: the cells' attributes, their content, its width."""

    attributes: str  # the type and style of every cell, e.g. ' t="b"'
    content: pa.Array  # the XML inside each <c>, null where the cell stays empty
    longest: int  # characters in the longest value as shown


def write_xlsx(path, sheets: Mapping[str, pd.DataFrame | Sheet]) -> Path:
    """Write ``sheets`` (name -> frame or :class:`Sheet`, in order) to the workbook ``path``.

    Texts that look like formulas (``=...``) are written as text; characters XML cannot hold
    are dropped; sheet names are cut to Excel's 31 characters and made unique.

    Parameters
    ----------
    path : str or pathlib.Path
        The xlsx file to write; replaced if it exists.
    sheets : mapping of str to pandas.DataFrame or Sheet
        One sheet per entry; the frame's columns become the header, its index is not written.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    parts = _sheet_parts(sheets)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file, zipfile.ZipFile(file, "w") as archive:
            _write_package(archive, parts)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the worklist from colleagues
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _sheet_parts(sheets):
    """Return ``(title, sheet)`` per sheet, long frames cut into Excel-sized parts."""
    parts, used, size = [], set(), _MAX_ROWS - 1  # the header takes a row
    for name, given in sheets.items():
        sheet = given if isinstance(given, Sheet) else Sheet(given)
        frame = sheet.frame
        first = _sheet_title(name, used)
        used.add(first.lower())
        for number, start in enumerate(range(0, max(len(frame), 1), size), start=1):
            suffix = f" ({number})"
            title = first if number == 1 else _sheet_title(first[: 31 - len(suffix)] + suffix,
                                                            used)
            used.add(title.lower())
            breaks = tuple(b - start for b in sheet.breaks if start < b < start + size)
            parts.append((title, replace(sheet, frame=frame.iloc[start:start + size],
                                         breaks=breaks)))
    return parts


def _sheet_title(name, used):
    title = _SHEET_NAME.sub("_", str(name))[:31] or "Sheet"
    base, number = title, 2
    while title.lower() in used:
        suffix = f" ({number})"
        title, number = base[: 31 - len(suffix)] + suffix, number + 1
    return title


def _write_package(archive: zipfile.ZipFile, parts):
    """Write every part of the workbook, in a fixed order, into ``archive``."""
    sheets, rels, filters = [], [], []
    for number, (title, sheet) in enumerate(parts, start=1):
        frame = sheet.frame
        name = escape(title, {'"': "&quot;"})
        sheets.append(f'<sheet name="{name}" sheetId="{number}" r:id="rId{number}"/>')
        rels.append(
            f'<Relationship Id="rId{number}" Type="{_REL}/worksheet" '
            f'Target="worksheets/sheet{number}.xml"/>'
        )
        if frame.shape[1]:
            quoted = "'" + title.replace("'", "''") + "'"
            filters.append(
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="{number - 1}" '
                f'hidden="1">{escape(quoted)}!$A$1:${letter(frame.shape[1])}${len(frame) + 1}'
                "</definedName>"
                f'<definedName name="_xlnm.Print_Titles" localSheetId="{number - 1}">'
                f"{escape(quoted)}!$1:$1</definedName>"
            )
            if 0 < sheet.printed < frame.shape[1]:
                filters.append(
                    f'<definedName name="_xlnm.Print_Area" localSheetId="{number - 1}">'
                    f"{escape(quoted)}!$A$1:${letter(sheet.printed)}${len(frame) + 1}"
                    "</definedName>")
    rels.append(
        f'<Relationship Id="rId{len(parts) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
    )
    names = f"<definedNames>{''.join(filters)}</definedNames>" if filters else ""
    workbook = (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView activeTab="0"/>'
        f"</bookViews><sheets>{''.join(sheets)}</sheets>{names}</workbook>"
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{number}.xml" '
        f'ContentType="{_OFFICE}.spreadsheetml.worksheet+xml"/>'
        for number in range(1, len(parts) + 1)
    )
    for name, text in [
        ("[Content_Types].xml", _CONTENT_TYPES.format(sheets=overrides)),
        ("_rels/.rels", _ROOT_RELS),
        ("docProps/core.xml", _CORE),
        ("docProps/app.xml", _APP),
        ("xl/workbook.xml", workbook),
        (
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{_PACKAGE}/relationships">{"".join(rels)}</Relationships>',
        ),
        ("xl/styles.xml", _STYLES),
    ]:
        archive.writestr(_member(name), (_DECLARATION + text).encode())
    for number, (_, sheet) in enumerate(parts, start=1):
        _write_sheet(archive, f"xl/worksheets/sheet{number}.xml", sheet)


def _member(name, size=0) -> zipfile.ZipInfo:
    """Return the zip entry for ``name``: fixed time, deflated; ``size`` bounds its length."""
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = _COMPRESSION  # ZipInfo has no public compression level before 3.13
    info.file_size = size  # zipfile chooses zip64 from it when the entry is streamed
    return info


def _write_sheet(archive: zipfile.ZipFile, member: str, sheet: Sheet):
    """Stream one worksheet into ``archive``: the header row, then blocks of rows."""
    frame = sheet.frame
    names = [str(name) for name in frame.columns]
    titles, _ = _text(pa.array(names, pa.large_string()))
    header = "".join(
        f'<c r="{letter(k)}1" t="inlineStr" s="{_HEAD}">{title}</c>'
        for k, title in enumerate(titles.to_pylist(), start=1)
        if title is not None
    )
    columns = [_column(frame.iloc[:, k], wrap=name in sheet.wrap) for k, name in
               enumerate(names)]
    used = f"A1:{letter(len(columns))}{len(frame) + 1}" if columns else "A1"
    widths = _widths(names, columns, sheet)
    cols = "".join(
        f'<col min="{k}" max="{k}" width="{width}" customWidth="1"/>'
        for k, width in enumerate(widths, start=1)
    )
    tall = heights(frame, names, widths, sheet.wrap)
    head = (
        f'{_DECLARATION}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="{used}"/><sheetViews>'
        '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
        'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView>'
        '</sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")  # an empty <cols> is invalid
        # two lines for the header: LibreOffice keeps a row one line high when opening it
        + f'<sheetData><row r="1" ht="{_HEADER_HEIGHT}" customHeight="1">{header}</row>'
    ).encode()
    tail = ("</sheetData>" + (f'<autoFilter ref="{used}"/>' if columns else "")
            + validations(names, sheet) + PAGE + breaks(sheet.breaks) + "</worksheet>")
    # a bound of the XML's length (the tags of a cell or of a row take under 50 bytes), from
    # which zipfile chooses zip64 for a sheet over 2 GiB
    size = len(head) + len(tail) + (len(frame) + 1) * 50 * (len(columns) + 1)
    size += sum(column.content.nbytes for column in columns)
    with archive.open(_member(member, size), "w") as out:
        out.write(head)
        for start in range(0, len(frame), _BLOCK_ROWS):
            out.write(_rows(columns, start, min(start + _BLOCK_ROWS, len(frame)), tall))
        out.write(tail.encode())


def _widths(names: list[str], columns: list[_Column], sheet: Sheet) -> list[int]:
    """Return each column's width: its values, or its header over two lines, plus 2.

    A header wraps at its spaces, so its column need only hold the longest word, and half
    the header; wrapped text columns stop at 32, others at 60.
    """
    widths = []
    for name, column in zip(names, columns, strict=True):
        words = max((len(word) for word in name.split()), default=0)
        title = max(words, math.ceil(len(name) / 2)) if " " in name.strip() else len(name)
        most = _WRAP_WIDTH if name in sheet.wrap else _MAX_WIDTH
        width = min(max(title, column.longest) + 2, most)
        widths.append(max(width, sheet.widths.get(name, 0)))
    return widths


def _column(series: pd.Series, wrap: bool = False) -> _Column:
    """Return the cells of one column, by the kind of its values; ``wrap``: text wraps."""
    if series.dtype == object:
        series = series.convert_dtypes()  # Python ints, floats, ... as their own kind
    kind = series.dtype
    if pd.api.types.is_datetime64_any_dtype(kind):
        local = series.dt.tz_localize(None) if series.dt.tz is not None else series
        local = local.dt.as_unit("ms")  # what Excel keeps; in nanoseconds, 2193 overflows
        days = ((local - _EPOCH) / pd.Timedelta(days=1)).to_numpy("float64", na_value=np.nan)
        # Excel counts a 29 February 1900 that never was: the days before it are one less
        days = np.where((days >= 1) & (days < 61), days - 1, days)
        # days without a time of day (planned dates) are shown as days
        whole = bool(np.all(np.isnan(days) | (days == np.floor(days))))
        return _Column(f' s="{_DAY if whole else _DATE}"', _value(_float_text(days)),
                       10 if whole else 16)
    if pd.api.types.is_bool_dtype(kind):
        values = _whole(pa.array(series, pa.bool_(), from_pandas=True))
        shown = pc.if_else(values, "TRUE", "FALSE")
        return _Column(f' t="b" s="{_TOP}"', _value(pc.if_else(values, "1", "0")),
                       _longest(shown))
    if pd.api.types.is_integer_dtype(kind):
        text = _whole(pa.array(series, from_pandas=True)).cast(pa.large_string())
        return _Column(f' s="{_TOP}"', _value(text), _longest(text))
    if pd.api.types.is_float_dtype(kind):
        text = _float_text(series.to_numpy("float64", na_value=np.nan))
        return _Column(f' s="{_TOP}"', _value(text), _longest(text))
    content, clean = _text(_whole(pa.array(series.astype("string"), from_pandas=True)))
    style = f' s="{_WRAP if wrap else _TOP}"'
    return _Column(f' t="inlineStr"{style}', content, _longest(clean))


def _whole(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Return one array (a column pandas holds in Arrow chunks comes as a chunked one)."""
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _float_text(values: np.ndarray) -> pa.Array:
    """Return floats as their shortest exact text ("2" as "2.0", so readers keep a float).

    Missing values and infinities are null.
    """
    finite = np.where(np.isfinite(values), values, np.nan)
    text = pa.array(finite, from_pandas=True).cast(pa.large_string())
    whole = pc.match_substring_regex(text, r"^-?[0-9]+$")
    return pc.if_else(whole, join(text, ".0"), text)


def _value(text: pa.Array) -> pa.Array:
    return join("<v>", text, "</v>")


def _text(strings: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Return inline strings of ``strings`` and the texts they show.

    Characters XML cannot hold are dropped; missing and empty texts give null.
    """
    clean = pc.replace_substring_regex(strings.cast(pa.large_string()), _ILLEGAL, "")
    clean = pc.if_else(pc.equal(clean, ""), pa.scalar(None, pa.large_string()), clean)
    escaped = clean
    for character, entity in [("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")]:
        escaped = pc.replace_substring(escaped, character, entity)  # XML reads a bare \r as \n
    spaced = pc.match_substring_regex(clean, r"^\s|\s$")  # Excel drops them without the flag
    opening = pc.if_else(spaced, '<is><t xml:space="preserve">', "<is><t>")
    return join(opening, escaped, "</t></is>"), clean


def _longest(text: pa.Array) -> int:
    return pc.max(pc.utf8_length(text)).as_py() or 0


def _rows(columns: list[_Column], start: int, stop: int, heights: pa.Array) -> memoryview:
    """Return the XML of rows ``start`` to ``stop`` (0-based, header excluded), column-wise.

    ``heights``: each row's attributes of height (:func:`cakupan.render._layout.heights`).
    """
    numbers = pa.array(np.arange(start + 2, stop + 2)).cast(pa.large_string())
    cells = [
        join(
            f'<c r="{letter(k)}',
            numbers,
            f'"{column.attributes}>',
            column.content[start:stop],
            "</c>",
        )
        for k, column in enumerate(columns, start=1)
    ]
    rows = join('<row r="', numbers, '"', heights[start:stop], ">", *cells, "</row>",
                 null_handling="replace")
    # the rows' texts lie one after another in the array's data buffer
    _, offsets, data = rows.buffers()
    first, last = np.frombuffer(offsets, np.int64)[[rows.offset, rows.offset + len(rows)]]
    return memoryview(data)[first:last]
