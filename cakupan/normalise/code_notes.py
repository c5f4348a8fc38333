"""What ``cakupan validate`` says about a file's codes: the rule applied, and odd values.

Takes the columns found (``{canonical: source}``), the normalised rows and, when there is
one, the file as read; returns one line of text. Reads no file, keeps no state.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from cakupan import codes
from cakupan.columns import DWELLINGS, FAMILIES, simplify
from cakupan.normalise import parts
from cakupan.normalise.sls import is_bps
from cakupan.normalise.values import column_text

#: Lengths each code has when whole.
_WHOLE = {"kelurahan_code": (10,), "sls_code": (14, 16)}


def code_notes(found: Mapping[str, str], rows: pd.DataFrame,
               raw: pd.DataFrame | None = None) -> str:
    r"""Return the code rule applied to a file and warnings on values that look like parts.

    Examples
    --------
    >>> rows = pd.DataFrame({"sls_code": ["61010200150052"], "rw": ["012"], "rt": ["004"]})
    >>> print(code_notes({"sls_code": "idsls"}, rows).replace("; ", "\n"))
    sls_code: BPS rule (idsls = desa 10 + kdsls 4, idsubsls + kdsubsls 2
    kdsls is not RW+RT)
    rows with an RT 1, SLS as a unit of its own (no RT known, RT = kdsls) 0
    >>> raw = pd.DataFrame({"kode": ["001", "3671011001"]})
    >>> print(code_notes({"kelurahan_code": "kode"}, rows, raw).replace(", ", "\n"))
    warning: kode has 1 value of 3 digits
    which looks like part of a code (kdkec or kddesa?)
    not a whole kelurahan_code
    """
    notes = []
    if "sls_code" in found:
        if is_bps(found):
            notes.append("sls_code: BPS rule (idsls = desa 10 + kdsls 4, idsubsls + kdsubsls 2;"
                         " kdsls is not RW+RT)")
        else:
            notes.append("sls_code: cakupan's rule (14 digits: kelurahan + RW 2 + RT 2; "
                         "16: kelurahan + RW 3 + RT 3)")
        if is_bps(found) and {"rw", "rt"} <= set(rows.columns):
            own = rows["rt"].astype("string").str.len().eq(4).fillna(False)
            stated = rows["rt"].notna() & ~own
            notes[-1] += (f"; rows with an RT {int(stated.sum()):,}, SLS as a unit of its own "
                          f"(no RT known, RT = kdsls) {int(own.sum()):,}")
    if raw is not None:
        notes += [warning for name in _WHOLE if (warning := _part_like(raw, found, name))]
        notes += _households(found, raw)
    return "; ".join(notes)


def _households(found: Mapping[str, str], raw: pd.DataFrame) -> list[str]:
    """Return which column counts a prelist's households, and the counts left aside."""
    if "expected_households" not in found:
        return []
    column = found["expected_households"]
    aside = [f"{c} ({'families' if simplify(c) in FAMILIES else 'buildings'})"
             for c in raw.columns if simplify(c) in FAMILIES + DWELLINGS and c != column]
    what = ("SIPW's load of the SLS, as no column counts households (ruta)"
            if simplify(column) == "muatan" else "households (ruta)")
    return [f"expected_households <- {column}: {what}"
            + (f"; not counted as households: {', '.join(aside)}" if aside else "")]


def _part_like(raw: pd.DataFrame, found: Mapping[str, str], name: str) -> str:
    """Return a warning when a code column holds values of a part's length, else ''."""
    column = found.get(name)
    if column is None or parts.is_rule(raw, column) or column not in raw.columns:
        return ""
    values = codes.clean_code(column_text(raw, found, name)).dropna()
    length = values.str.len()
    short = length[(length <= 4) & values.str.fullmatch(r"\d+").fillna(False)]
    if short.empty:
        return ""
    common = int(short.mode().iloc[0])
    guess = {2: "kdprov or kdkab", 3: "kdkec or kddesa", 4: "kdsls"}.get(common, "a part")
    count = len(short)
    return (f"warning: {column} has {count:,} value{'s' if count > 1 else ''} of {common} "
            f"digits, which looks like part of a code ({guess}?), not a whole {name}")
