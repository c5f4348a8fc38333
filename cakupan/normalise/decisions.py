"""Supervisors' decisions, as read back from filled worklists, in canonical form.

Takes the sheets :func:`cakupan.read.decisions.read_decision_sheets` returns and gives one
row per row a supervisor filled in (a decision, a comment or both): where it is (``file``,
``sheet``, ``row``), what it is about (an interview, ``interview_id``, or an RT,
``kelurahan_code``, ``rw``, ``rt``), the decision as typed (``value``) and as understood
(``decision``: ``verified``, ``rejected``, ``revisited`` or missing), the ``comment`` and,
when the row cannot be applied whatever the data, why (``problem``). Headers and values
are recognised in Bahasa Indonesia and English whatever the run's language, in any case,
trimmed, spaces collapsed (``Sudah  Dikunjungi`` is ``revisited``). Conflicts between rows
are found here too (:func:`conflicts`). Reads nothing and applies nothing: that is
:mod:`cakupan.detect.decisions`.

Rules
-----
- A row of an interview sheet (its header names an interview ID) is about that interview;
  ``verified`` and ``rejected`` apply to it. A row of an RT sheet (kelurahan code, RW and
  RT, no interview ID) is about that RT; ``verified`` and ``revisited`` apply to it.
- Another decision on the row is ``not_applicable``; a value none of the accepted ones (a
  typo) ``unreadable``; a row missing its ID or codes ``no_key``.
"""

from __future__ import annotations

import pandas as pd

from cakupan.codes import clean_code, pad_number
from cakupan.labels import LABELS

DECISIONS = ("verified", "rejected", "revisited")
#: The decisions that apply to each kind of row.
APPLIES = {"interview": ("verified", "rejected"), "rt": ("verified", "revisited")}
KEYS = {"interview": ["interview_id"], "rt": ["kelurahan_code", "rw", "rt"]}
COLUMNS = ["file", "sheet", "row", "kind", "interview_id", "kelurahan_code", "rw", "rt",
           "counted_households", "value", "decision", "comment", "problem"]
_READ = ("interview_id", "kelurahan_code", "rw", "rt", "counted_households", "decision",
         "comment")


def _words(section: str, key: str) -> set[str]:
    return {" ".join(LABELS[lang][section][key].split()).lower() for lang in LABELS} | {key}


#: Headers (simplified) that mark a decision column, in either language.
DECISION_HEADERS = frozenset(_words("column", "decision"))
_HEADERS = {key: _words("column", key) for key in _READ}
_VALUES = {word: key for key in DECISIONS for word in _words("value", key)}


def decision_rows(sheets) -> pd.DataFrame:
    """Return the filled rows of ``sheets`` (:class:`cakupan.read.decisions.DecisionSheet`).

    Rows with neither a decision nor a comment are left out: a worklist is mostly unfilled.

    Examples
    --------
    >>> from cakupan.read.decisions import DecisionSheet
    >>> rows = pd.DataFrame({"source_row": [2, 3, 4], "ID wawancara": ["W1", "W2", "W3"],
    ...                      "Keputusan": [" Benar ", "ditolk", None],
    ...                      "Catatan": [None, None, None]}, dtype="string")
    >>> table = decision_rows([DecisionSheet("w.xlsx", "Wawancara diperiksa", rows)])
    >>> table[["row", "interview_id", "decision", "problem"]].values.tolist()
    [[2, 'W1', 'verified', <NA>], [3, 'W2', <NA>, 'unreadable']]
    """
    frames = [_sheet_rows(sheet) for sheet in sheets]
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return pd.DataFrame({name: pd.Series(dtype="string") for name in COLUMNS})
    return conflicts(pd.concat(frames, ignore_index=True))


def _sheet_rows(sheet) -> pd.DataFrame:
    found = {}
    for column in sheet.rows.columns:
        simple = " ".join(str(column).split()).lower()
        for key, words in _HEADERS.items():
            if simple in words and key not in found:
                found[key] = column
    rows = sheet.rows

    def text(key):
        if key not in found:
            return pd.Series(pd.NA, index=rows.index, dtype="string")
        value = rows[found[key]].astype("string").str.strip()
        return value.mask(value.eq(""))

    value, comment = text("decision"), text("comment")
    filled = value.notna() | comment.notna()
    kind = "interview" if "interview_id" in found else "rt"
    out = pd.DataFrame({
        "file": str(sheet.path), "sheet": sheet.sheet,
        "row": rows["source_row"].astype("int64"), "kind": kind,
        "interview_id": text("interview_id"),
        "kelurahan_code": clean_code(text("kelurahan_code")),
        "rw": pad_number(text("rw")), "rt": pad_number(text("rt")),
        "counted_households": pd.to_numeric(text("counted_households"), errors="coerce"),
        "value": value, "comment": comment,
    })[filled.to_numpy()]
    simple = out["value"].str.split().str.join(" ").str.lower()
    out["decision"] = simple.map(_VALUES).astype("string")
    keyed = out[KEYS[kind]].notna().all(axis=1)
    applies = out["decision"].isin(APPLIES[kind])
    problem = pd.Series(pd.NA, index=out.index, dtype="string")
    problem = problem.mask(out["value"].notna() & ~applies, "not_applicable")
    problem = problem.mask(out["value"].notna() & out["decision"].isna(), "unreadable")
    out["problem"] = problem.mask(~keyed, "no_key")
    return out[COLUMNS]


def key_of(rows: pd.DataFrame) -> pd.Series:
    """Return each row's key as one text: ``i:<interview ID>`` or ``r:<kelurahan>/<RW>/<RT>``."""
    rt = ("r:" + rows["kelurahan_code"].astype("string") + "/" + rows["rw"].astype("string")
          + "/" + rows["rt"].astype("string"))
    return ("i:" + rows["interview_id"].astype("string")).where(rows["kind"].eq("interview"),
                                                               rt)


def conflicts(rows: pd.DataFrame) -> pd.DataFrame:
    """Mark ``conflicting`` the decisions of a row that other rows decide otherwise.

    Only decisions that could apply are compared (no ``problem``); a comment alone decides
    nothing. Two files agreeing is no conflict.
    """
    usable = rows["problem"].isna() & rows["decision"].notna()
    keys = key_of(rows)
    kinds = rows[usable].groupby(keys[usable])["decision"].nunique()
    torn = keys.isin(kinds.index[kinds > 1]) & usable
    return rows.assign(problem=rows["problem"].mask(torn, "conflicting"))
