"""Write DataFrames as the sheets of one xlsx workbook (the worklist).

Each sheet gets a bold, frozen header row, an autofilter over its columns and column widths
that fit their contents. The file is written to a temporary name beside ``path`` and renamed,
so an interrupted run leaves no half file, and carries fixed time stamps, so the same sheets
give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

_FIXED_TIME = dt.datetime(2000, 1, 1)
_MAX_WIDTH = 60
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


def write_xlsx(path, sheets: dict[str, pd.DataFrame]) -> Path:
    """Write ``sheets`` (name -> frame, in order) to the workbook ``path``.

    Texts that look like formulas (``=...``) are written as text; characters Excel cannot hold
    are dropped; sheet names are cut to Excel's 31 characters.

    Parameters
    ----------
    path : str or pathlib.Path
        The xlsx file to write; replaced if it exists.
    sheets : dict of str to pandas.DataFrame
        One sheet per entry; the frame's columns become the header, its index is not written.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "cakupan"
    workbook.properties.created = _FIXED_TIME
    workbook.properties.modified = _FIXED_TIME
    used = set()
    for name, frame in sheets.items():
        title = _sheet_title(name, used)
        used.add(title.lower())
        _write_sheet(workbook.create_sheet(title), frame)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    data = _fixed_zip_times(buffer.getvalue())

    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the worklist from colleagues
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _sheet_title(name, used):
    title = _SHEET_NAME.sub("_", str(name))[:31] or "Sheet"
    base, number = title, 2
    while title.lower() in used:
        suffix = f" ({number})"
        title, number = base[: 31 - len(suffix)] + suffix, number + 1
    return title


def _write_sheet(sheet, frame: pd.DataFrame):
    header = [str(column) for column in frame.columns]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    columns = [_cells(frame[column]) for column in frame.columns]
    widths = [len(text) for text in header]
    for row in zip(*columns, strict=True):
        sheet.append(row)
    for number, (values, series) in enumerate(zip(columns, frame.columns, strict=True), start=1):
        letter = get_column_letter(number)
        kind = frame[series].dtype
        if pd.api.types.is_datetime64_any_dtype(kind):
            for cell in sheet[letter][1:]:
                cell.number_format = "yyyy-mm-dd hh:mm"
            longest = 16
        else:
            longest = max((len(str(v)) for v in values if v is not None), default=0)
        for cell in sheet[letter][1:]:
            if cell.data_type == "f":  # a text starting with "=" from the data
                cell.data_type = "s"
        sheet.column_dimensions[letter].width = min(
            max(widths[number - 1], longest) + 2, _MAX_WIDTH
        )
    sheet.freeze_panes = "A2"
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(len(frame), 0) + 1}"


def _cells(series: pd.Series) -> list:
    """Return a column's values as plain Python values openpyxl writes; missing as None."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = series.dt.tz_localize(None) if series.dt.tz is not None else series
        return [None if pd.isna(v) else v.to_pydatetime() for v in values]
    if pd.api.types.is_bool_dtype(series.dtype) and not isinstance(series.dtype, pd.BooleanDtype):
        return [bool(v) for v in series.to_numpy()]
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        array = series.astype("float64").to_numpy(na_value=np.nan)
        integral = pd.api.types.is_integer_dtype(series.dtype)
        return [None if np.isnan(v) else (int(v) if integral else float(v)) for v in array.tolist()]
    out = []
    for value in series.astype("object").tolist():
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            out.append(None)
        elif isinstance(value, (bool, int, float, str)):
            out.append(ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)
        else:
            out.append(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    return out


def _fixed_zip_times(data: bytes) -> bytes:
    """Rewrite a zip archive with every member dated ``_FIXED_TIME``."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
