"""KoboToolbox's XLSX export: the submissions sheet and the sheets of its repeat groups.

Kobo (formpack) writes the submissions on the first sheet, one row each, ending in ``_id``,
``_uuid``, ``_submission_time``, ``_validation_status``, ``_notes``, ``_status``,
``_submitted_by``, ``__version__``, ``_tags`` and, when the form has repeat groups,
``_index``; each repeat group gets a sheet of its own (named after the group) whose rows end
in ``_parent_table_name``, ``_parent_index`` (the ``_index`` of its parent row),
``_submission__id``, ``_submission__uuid``, .... Headers are the question labels by default
(``Nomor RT``; a geopoint ``Koordinat GPS`` has ``_Koordinat GPS_latitude``,
``_..._longitude``, ``_..._altitude``, ``_..._precision`` beside it) or the question names,
with their groups when asked (``grp/kode_kel``). Kobo's CSV export holds the submissions
alone, every value quoted, ``;`` between them; :mod:`cakupan.read.tables` reads it as any CSV.

Takes the sheets as read and returns the repeat groups joined to the submissions sheet (only
groups directly under it; a group inside a group links to its parent group's rows). Never
touches the disk.
"""

from __future__ import annotations

import pandas as pd

from cakupan.read.repeats import Repeat

#: Kobo's row number of a submission, and the columns that link a repeat row to its parent.
INDEX, PARENT_INDEX, PARENT_TABLE = "_index", "_parent_index", "_parent_table_name"


def is_repeat_sheet(columns) -> bool:
    """Return True for the header of a repeat group's sheet."""
    return PARENT_INDEX in set(map(str, columns))


def children(main: str, sheets: dict[str, pd.DataFrame]) -> list[Repeat]:
    """Return the repeat groups directly under the submissions sheet ``main``.

    A sheet whose ``_parent_table_name`` names another repeat sheet is a group inside a
    group, linked to that group's ``_index``, not to a submission: it is left out. Kobo names
    a sheet after its group, cut to Excel's 31 characters, so a parent is matched by the
    first 31 characters of its name.
    """
    groups = {name[:31] for name in sheets if name != main}
    found = []
    for name, frame in sheets.items():
        if name == main or not is_repeat_sheet(frame.columns):
            continue
        parents = frame[PARENT_TABLE].dropna().astype(str) if PARENT_TABLE in frame else []
        if any(parent[:31] in groups for parent in pd.unique(pd.Series(parents))):
            continue
        found.append(Repeat(name, frame, PARENT_INDEX))
    return found
