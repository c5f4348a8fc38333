"""The worklist's sheets laid out for ``worklist.xlsx``: page breaks, drop-downs, widths.

Takes the sheets of :func:`cakupan.render.worklist.worklist_sheets` and returns
:class:`cakupan.render._xlsx.Sheet` objects the workbook writer lays out. Computation only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cakupan.labels import labels as words
from cakupan.render._xlsx import Sheet


def worklist_book(sheets: dict[str, pd.DataFrame], lang: str = "id") -> dict[str, Sheet]:
    """Return ``sheets`` laid out for ``worklist.xlsx`` (:class:`cakupan.render._xlsx.Sheet`).

    A sheet grouped by supervisor (the supervisor in its first column) starts a new printed
    page at each supervisor; a decision column offers the decisions that apply to its rows
    (interviews: verified, rejected; RTs: verified, revisited) in a drop-down list; reasons,
    evidence and explanations wrap; decision and comment columns leave room to write, and
    are the last columns printed (those after them are for the screen).
    """
    column, value = words(lang)["column"], words(lang)["value"]
    supervisor, decision = column["supervisor_id"], column["decision"]
    wrap = (column["reason"], column["evidence"], column["flags"], column["meaning"])
    widths = {decision: 16, column["comment"]: 20, column["meaning"]: 90}
    book = {}
    for name, frame in sheets.items():
        breaks = ()
        if len(frame.columns) and frame.columns[0] == supervisor and len(frame):
            who = frame[supervisor].astype("string").fillna("").to_numpy(dtype=str)
            breaks = tuple(int(k) + 1 for k in np.flatnonzero(who[1:] != who[:-1]))
        choices = {}
        if decision in frame.columns:
            kinds = ("rejected",) if column["interview_id"] in frame.columns else ("revisited",)
            choices = {decision: tuple(value[kind] for kind in ("verified", *kinds))}
        headers = list(frame.columns)
        printed = headers.index(column["comment"]) + 1 if column["comment"] in headers else 0
        book[name] = Sheet(frame, breaks, choices, wrap, widths, printed)
    return book
