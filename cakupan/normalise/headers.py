"""Which input column is which canonical one, found from the headers alone.

Takes a frame's column names and the config's explicit names, and returns ``{canonical:
source column}``; also names the columns that look like personal data. Reads no values,
touches no disk.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pandas as pd

from cakupan.columns import (
    ALIASES,
    ASSIGNMENTS,
    BOUNDARIES,
    INTERVIEWS,
    LABELS,
    PERSONAL,
    PRELIST,
    UNITS,
    simplify,
)
from cakupan.errors import InputError
from cakupan.normalise import parts
from cakupan.read.repeats import is_roster_count
from cakupan.read.tables import PROBLEM

#: Endings of ODK/Kobo geopoint parts (``lokasi-Latitude``), tried after the aliases.
_SUFFIXES = {"lon": ("_longitude", "_lng", "_lon"), "lat": ("_latitude", "_lat"),
             "gps_accuracy_m": ("_accuracy", "_precision")}

#: Canonical interview columns that hold numbers or times: a reader can keep a file's types.
NUMBERS = ("lon", "lat", "gps_accuracy_m", "started_at", "interviewed_at", "household_size")


def _last_part(column) -> str:
    """Return the last part of a grouped name, simplified.

    ODK Central writes groups as ``grp-lokasi-Latitude``, Kobo as ``grp_lokasi/latitude``.
    """
    return simplify(re.split(r"[-/]", str(column))[-1])


def find_columns(
    frame: pd.DataFrame, wanted: tuple[str, ...], explicit: Mapping[str, str], path=None
) -> dict[str, str]:
    """Return ``{canonical: source column}`` for the canonical columns found in ``frame``.

    A column named in the config wins; otherwise the first alias present (see
    :data:`cakupan.columns.ALIASES`, then the question labels of
    :data:`cakupan.columns.LABELS`), then the same on the last part of a grouped ODK/Kobo
    name (``grp-identitas-idsls``), then a name ending like an ODK/Kobo geopoint part
    (``lokasi-Latitude``, ``_Koordinat GPS_latitude``). The household size, failing all
    these, is the row count of a household roster repeat group
    (:func:`cakupan.read.repeats.is_roster_count`). Each source column is used once. Aliases
    are compared in the simplified form (:func:`cakupan.columns.simplify`), so Kobo's
    ``_submission_time`` matches. A code given in parts is found as the rule that assembles
    it (``kdprov+kdkab+kdkec+kddesa``, :func:`cakupan.normalise.parts.with_rules`).

    Examples
    --------
    >>> find_columns(pd.DataFrame(columns=["Lintang", "gps-Longitude", "ID"]),
    ...              ("interview_id", "lon", "lat"), {})
    {'interview_id': 'ID', 'lon': 'gps-Longitude', 'lat': 'Lintang'}
    """
    by_simple: dict[str, str] = {}
    by_last: dict[str, str] = {}
    for column in frame.columns:
        if column in ("source_row", PROBLEM):
            continue
        by_simple.setdefault(simplify(column), column)
        by_last.setdefault(_last_part(column), column)
    found = _named(frame, wanted, explicit, path)
    for name, column in _shapefile_names(frame.columns, wanted).items():
        if name not in found and column not in found.values():
            found[name] = column
    used = set(found.values()) | {"source_row", PROBLEM}
    for lookup in (by_simple, by_last):
        for name in wanted:
            if name in found:
                continue
            for alias in ALIASES.get(name, (name,)) + LABELS.get(name, ()):
                column = lookup.get(simplify(alias))
                if column is not None and column not in used:
                    found[name] = column
                    used.add(column)
                    break
    for name, endings in _SUFFIXES.items():
        if name in wanted and name not in found:
            for simple, column in by_simple.items():
                if column not in used and simple.endswith(endings):
                    found[name] = column
                    used.add(column)
                    break
    if "household_size" in wanted and "household_size" not in found:
        roster = [c for c in frame.columns if c not in used and is_roster_count(c)]
        if roster:
            found["household_size"] = roster[0]
    found = parts.with_rules(frame, found, wanted, explicit, path, _section(wanted))
    return {name: found[name] for name in wanted if name in found}


def _section(wanted: tuple[str, ...]) -> str:
    """Return the config table of the canonical columns ``wanted``."""
    tables = {BOUNDARIES: "boundaries", UNITS: "units", PRELIST: "prelist",
              ASSIGNMENTS: "assignments"}
    return tables.get(tuple(wanted), "interviews")


#: Longest field name a Shapefile (dBASE) holds.
_DBF_WIDTH = 10


def _shapefile_names(columns, wanted: tuple[str, ...]) -> dict[str, str]:
    """Return ``{canonical: column}`` for canonical names a Shapefile cut to 10 characters.

    GDAL cuts ``kelurahan_code`` to ``kelurahan_`` and the next name that would cut the same
    (``kelurahan_name``) to ``keluraha_1``; the canonical names are taken in their order.

    Examples
    --------
    >>> _shapefile_names(["kelurahan_", "keluraha_1", "kecamatan_"],
    ...                  ("kelurahan_code", "kelurahan_name", "kecamatan_code"))
    {'kelurahan_code': 'kelurahan_', 'kelurahan_name': 'keluraha_1', 'kecamatan_code': 'kecamatan_'}
    """
    present = {str(c).lower(): c for c in columns}
    seen: dict[str, int] = {}
    found = {}
    for name in wanted:
        if len(name) <= _DBF_WIDTH:
            continue
        cut = name[:_DBF_WIDTH]
        count = seen.get(cut, 0)
        seen[cut] = count + 1
        short = cut if count == 0 else name[:_DBF_WIDTH - len(f"_{count}")] + f"_{count}"
        if short in present:
            found[name] = present[short]
    return found


def _named(frame: pd.DataFrame, wanted, explicit: Mapping[str, str], path) -> dict[str, str]:
    """Return the wanted columns the config names; one the file lacks is an error."""
    found: dict[str, str] = {}
    for name, source in explicit.items():
        if name in wanted:
            if source not in frame.columns and not parts.is_rule(frame, source):
                have = [str(c) for c in frame.columns if c not in ("source_row", PROBLEM)
                        and c != getattr(frame, "_geometry_column_name", None)]
                raise InputError(
                    f"config names column {source!r} for {name}, but the file has "
                    f"{', '.join(have)}",
                    path=path,
                    column=source,
                )
            found[name] = source
    return found


def require_column(source: Mapping[str, str], name: str, what: str, looked_for: str,
                   section: str, path=None) -> None:
    """Raise :class:`InputError` when ``name`` was not found, saying how to name it.

    Examples
    --------
    >>> require_column({}, "rt", "RT column", "rt, no_rt", "units")
    Traceback (most recent call last):
    ...
    cakupan.errors.InputError: no RT column (looked for rt, no_rt); name it with [units] rt = "..."
    """
    if name not in source:
        raise InputError(
            f"no {what} (looked for {looked_for}); name it with [{section}] {name} = \"...\"",
            path=path,
        )


def interview_columns(names: Sequence[str], columns: Mapping[str, str], path=None
                      ) -> dict[str, str]:
    """Return ``{canonical: source column}`` as the interviews' normaliser finds them.

    Only the names count (see :func:`find_columns`), so a reader can read just these
    columns; pass the result to :func:`cakupan.normalise.tables.interviews` as ``columns``
    to find the same ones in such a narrower frame.
    """
    return find_columns(pd.DataFrame(columns=list(names)), INTERVIEWS, columns, path)


def personal_columns(frame: pd.DataFrame) -> list[str]:
    """Return the input columns that look like personal data (names, NIK, phone numbers).

    The last part of a grouped ODK/Kobo name counts too (``grp-identitas-nama_krt``).

    Examples
    --------
    >>> personal_columns(pd.DataFrame(columns=["NIK", "grp-identitas-nama_krt",
    ...                                        "grp_kontak/no_hp", "lon"]))
    ['NIK', 'grp-identitas-nama_krt', 'grp_kontak/no_hp']
    """
    return [c for c in frame.columns if simplify(c) in PERSONAL or _last_part(c) in PERSONAL]
