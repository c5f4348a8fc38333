"""How a worksheet of the workbook is laid out to fill in and to print.

Takes a frame and what its sheet asks for (:class:`Sheet`) and returns SpreadsheetML
fragments that :mod:`cakupan.render._xlsx` places in the worksheet: row heights for wrapped
text, drop-down lists, page breaks and the page setup (landscape A4, fitted to the page's
width). Writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# printed on A4 (paperSize 9) across, as wide as the page: as many pages down as needed
PAGE = (
    '<printOptions gridLines="1"/>'
    '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
    '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
    "<headerFooter><oddHeader>&amp;L&amp;A</oddHeader>"
    "<oddFooter>&amp;C&amp;P / &amp;N</oddFooter></headerFooter>"
)


@dataclass(frozen=True)
class Sheet:
    """A frame and how its sheet is laid out for filling in and printing.

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows; its columns become the header.
    breaks : tuple of int
        Positions (0-based, in ``frame``) of the rows that start a new printed page.
    choices : mapping of str to tuple of str
        Column header -> the values its drop-down list offers. Other values are accepted
        after a warning: whoever reads the sheet back decides what they mean.
    wrap : tuple of str
        Headers of columns whose long texts wrap inside a column at most 32 wide.
    widths : mapping of str to int
        Header -> the least width of its column (room to write by hand on paper).
    printed : int
        How many columns, from the first, are printed (the print area); 0: all. Columns
        after them are there to sort and filter on screen.
    """

    frame: pd.DataFrame
    breaks: tuple[int, ...] = ()
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    wrap: tuple[str, ...] = ()
    widths: Mapping[str, int] = field(default_factory=dict)
    printed: int = 0


def heights(frame: pd.DataFrame, names: list[str], widths: list[int], wrap) -> pa.Array:
    """Return each row's attributes of height: as many lines as its longest wrapped text needs.

    Neither LibreOffice nor Excel grows a row to its wrapped text when opening a file, so
    the height is set here (15 points a line). A width counts digits, and a line of words
    holds about 1.2 times as many of their characters in Calibri (39 in a column of 32, by
    LibreOffice's PDF of the worklist): a line is taken to hold 1.15 times, less one for the
    word wrapped whole, so that a row is rather a line too high than cut off.
    Rows of one line get none.
    """
    lines = np.ones(len(frame), dtype=np.int64)
    for k, name in enumerate(names):
        if name in wrap:
            length = frame.iloc[:, k].astype("string").str.len().to_numpy("float64", na_value=0)
            holds = max(round(widths[k] * 1.15) - 1, 1)
            lines = np.maximum(lines, np.ceil(length / holds).astype(np.int64))
    points = pa.array(lines * 15).cast(pa.large_string())
    tall = pa.array(lines > 1)
    return pc.if_else(tall, join(' ht="', points, '" customHeight="1"'), "")


def validations(names: list[str], sheet: Sheet) -> str:
    """Return the drop-down lists of ``sheet.choices``: a warning, not a refusal, off the list."""
    rows = len(sheet.frame)
    lists = []
    for k, name in enumerate(names, start=1):
        if name in sheet.choices and rows:
            values = ",".join(sheet.choices[name]).replace('"', '""')
            lists.append(
                '<dataValidation type="list" errorStyle="warning" allowBlank="1" '
                f'showInputMessage="1" showErrorMessage="1" sqref="{letter(k)}2:'
                f'{letter(k)}{rows + 1}"><formula1>{escape(chr(34) + values + chr(34))}'
                "</formula1></dataValidation>")
    if not lists:
        return ""
    return f'<dataValidations count="{len(lists)}">{"".join(lists)}</dataValidations>'


def breaks(starts: tuple[int, ...]) -> str:
    """Return the page breaks above the rows at ``starts`` (0-based below the header)."""
    rows = sorted({start + 1 for start in starts if start > 0})  # the last row of each page
    if not rows:
        return ""
    breaks = "".join(f'<brk id="{row}" max="16383" man="1"/>' for row in rows)
    return f'<rowBreaks count="{len(rows)}" manualBreakCount="{len(rows)}">{breaks}</rowBreaks>'


def join(*parts, null_handling="emit_null") -> pa.Array:
    """Join arrays of texts element-wise; a ``str`` part is repeated on every row."""
    parts = [pa.scalar(part) if isinstance(part, str) else part for part in parts]
    parts = [part.cast(pa.large_string()) for part in [*parts, pa.scalar("")]]
    return pc.binary_join_element_wise(*parts, null_handling=null_handling)


def letter(number: int) -> str:
    """Return the letters of the 1-based column ``number``: 1 is A, 27 is AA."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
