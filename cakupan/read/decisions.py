"""Reading supervisors' decisions back: the sheets of filled worklists, or CSV files.

Takes the path of a filled ``worklist.xlsx`` (any sheet whose header row names a decision
column) or of a CSV with the same columns, and returns each sheet's rows as text with the
spreadsheet row a person sees. Knows which headers name a decision column only through the
words it is given; what the columns mean is :mod:`cakupan.normalise.decisions`' job.
Never interprets a value.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pandas as pd

from cakupan.errors import InputError, InputFileError
from cakupan.read.tables import EXCEL_ENGINE, _excel_text, blank_rows, read_table, table_kind


class DecisionSheet(NamedTuple):
    """The rows of one sheet of a decision file: every value as text."""

    path: Path
    sheet: str  # empty for a CSV
    rows: pd.DataFrame  # the sheet's columns and ``source_row`` (the row a person sees)


def read_decision_sheets(path, wanted: set[str]) -> list[DecisionSheet]:
    """Return the sheets of ``path`` whose header holds one of ``wanted`` (compared simplified).

    Parameters
    ----------
    path : str or Path
        A filled worklist (xlsx) or a CSV of its columns.
    wanted : set of str
        Headers, lower case with single spaces, that mark a sheet of decisions.

    Returns
    -------
    list of DecisionSheet
        In the workbook's order; sheets without such a header are left out.

    Raises
    ------
    cakupan.errors.InputError
        When the file is missing or cannot be read, or no sheet holds such a header.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError("file not found", path=path)
    if table_kind(path) == "excel":
        found = _excel_sheets(path, wanted)
    else:
        frame = read_table(path)
        found = [DecisionSheet(path, "", frame)] if _marked(frame.columns, wanted) else []
    if not found:
        raise InputError(f"no sheet has a decision column ({' or '.join(sorted(wanted))}); "
                         "give a worklist.xlsx filled in, or a CSV with its columns",
                         path=path)
    return found


def simplify(header) -> str:
    """Return a header lower case, trimmed, with single spaces: how headers are compared."""
    return " ".join(str(header).split()).lower()


def _marked(columns, wanted: set[str]) -> bool:
    return any(simplify(column) in wanted for column in columns)


def _excel_sheets(path: Path, wanted: set[str]) -> list[DecisionSheet]:
    try:
        book = pd.ExcelFile(path, engine=EXCEL_ENGINE)
    except Exception as error:  # calamine raises many kinds for a damaged file
        raise InputFileError(f"is not a readable Excel file ({error})", path=path) from None
    found = []
    with book:
        for name in book.sheet_names:
            head = pd.read_excel(book, name, header=None, nrows=1, dtype=object)
            if head.empty or not _marked(head.iloc[0].dropna(), wanted):
                continue
            raw = pd.read_excel(book, name, header=None, dtype=object)
            header = [str(v).strip() if pd.notna(v) else f"column_{k + 1}"
                      for k, v in enumerate(raw.iloc[0])]
            body = raw.iloc[1:]
            frame = pd.DataFrame(body.to_numpy(), columns=header).map(_excel_text)
            frame = frame.astype("string")
            frame.insert(0, "source_row", body.index.to_numpy() + 1)
            found.append(DecisionSheet(path, str(name),
                                       frame[~blank_rows(frame)].reset_index(drop=True)))
    return found
