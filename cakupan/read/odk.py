"""ODK Central's export zip: which CSV holds the submissions, which hold its repeat groups.

ODK Central's "Download all" (``/submissions.csv.zip``) writes ``<formId>.csv`` (one row per
submission: ``SubmissionDate``, the questions with their groups joined by ``-``,
``grp-lokasi-Latitude``/``-Longitude``/``-Altitude``/``-Accuracy`` for a geopoint, then
``KEY``, ``SubmitterID``, ``SubmitterName``, ``ReviewState``, ...), one
``<formId>-<repeat>.csv`` per repeat group (``~2`` added when two groups share a name) whose
last columns are ``PARENT_KEY`` and ``KEY``, the client audit log ``<formId> - audit.csv``
and the attachments under ``media/``. The same files zipped again from their folder have one
more folder level; it is looked through.

Takes the zip and returns the names of its tables (:func:`layout`), and the submissions read
with their repeat groups' row counts (:func:`read_zip`): the submissions table is
the CSV without ``PARENT_KEY`` (among several, the one the repeat tables are named after,
or the one named like the zip, or the one ``[input] interviews_layer`` names); the repeat tables are
joined to it by :mod:`cakupan.read.repeats`. Reads the zip only, through the CSV reader
given (a table is written to a temporary folder to be read).
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from cakupan.errors import InputError, InputFileError
from cakupan.read.repeats import Repeat, joined, repeat_name

#: Files in a zip that make it a vector layer GDAL reads, not an export of tables.
VECTOR_MEMBERS = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".fgb")

#: The ODK columns that link a repeat row to its parent, and name a submission.
PARENT_KEY, KEY = "PARENT_KEY", "KEY"


@dataclass(frozen=True)
class Layout:
    """The tables of an export zip: the submissions' member, and the repeat groups' members."""

    main: str
    repeats: dict[str, str]
    """``{repeat group name: member}``."""


def read_zip(path: Path, table: str, read_csv: Callable[[Path], pd.DataFrame],
             kind: str = "interviews") -> tuple[pd.DataFrame, dict]:
    """Return the submissions of an export zip with their repeat groups' row counts.

    Each table is written to a temporary folder and read by ``read_csv`` (the reader of
    :mod:`cakupan.read.tables`, so ``source_row`` is the line in the zip's CSV); the second
    value says what was joined (:func:`cakupan.read.repeats.joined`). ``table``: the
    submissions' file named in the config (``[input] <kind>_layer``).
    """
    tables = layout(path, csv_members(path), table, kind)
    with tempfile.TemporaryDirectory(prefix="cakupan-") as folder:
        frame = _read_member(path, tables.main, Path(folder), read_csv)
        repeats = [Repeat(name, _read_member(path, member, Path(folder), read_csv), PARENT_KEY)
                   for name, member in tables.repeats.items()]
    if KEY not in frame.columns:  # no key, no link: the repeat groups are left out
        repeats = []
    nested = [r for r in repeats if is_nested(r.frame[PARENT_KEY])]
    direct = [r for r in repeats if all(r is not n for n in nested)]
    return joined(frame, KEY, direct, tables.main, nested)


def _read_member(path: Path, member: str, folder: Path, read_csv) -> pd.DataFrame:
    """Read one CSV of a zip; an error names the zip and the member (``export.zip/form.csv``)."""
    try:
        return read_csv(extract(path, member, folder))
    except InputError as error:
        error.path = f"{path}/{member}"
        raise


def csv_members(path: Path) -> list[str]:
    """Return the CSV tables in a zip of tables; empty when it holds a vector layer or none.

    Attachments (``media/``), the client audit log and macOS's ``__MACOSX`` copies are no
    tables.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
    except (zipfile.BadZipFile, OSError):
        return []
    names = [n for n in names if "__MACOSX" not in n and "media" not in PurePosixPath(n)
             .parts[:-1]]
    if any(n.lower().endswith(VECTOR_MEMBERS) for n in names):
        return []
    return [n for n in names if n.lower().endswith(".csv")
            and not n.lower().endswith(" - audit.csv")]


def layout(path: Path, members: list[str], table: str = "", kind: str = "interviews"
           ) -> Layout:
    """Return which member holds the submissions and which hold repeat groups.

    Parameters
    ----------
    path : Path
        The zip.
    members : list of str
        Its CSV tables (:func:`csv_members`).
    table : str
        The submissions' file named in the config (``[input] interviews_layer`` or
        ``prelist_layer``, as ``kind`` says), with or without ``.csv``; empty: found as the
        module says.
    """
    headers = {member: _header(path, member) for member in members}
    repeats = [m for m in members if PARENT_KEY in headers[m]]
    if table:
        named = [m for m in members if PurePosixPath(m).name in (table, f"{table}.csv")]
        if not named:
            raise InputError(f"has no table {table!r}; tables: {_names(members)}", path=path)
        main = named[0]
    else:
        main = _main(path, [m for m in members if m not in repeats], repeats, kind)
    form = PurePosixPath(main).stem
    # a zip of several forms: the repeat tables named after this one are its own
    own = [m for m in repeats if PurePosixPath(m).stem.startswith(form + "-")] or repeats
    return Layout(main, {repeat_name(PurePosixPath(m).stem, form): m for m in own})


def _main(path: Path, candidates: list[str], repeats: list[str], kind: str) -> str:
    """Return the submissions' member among the CSVs without ``PARENT_KEY``."""
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise InputError("holds only repeat tables (every CSV has PARENT_KEY), no submissions "
                         "table", path=path)
    stems = {m: PurePosixPath(m).stem for m in candidates}
    by_repeats = [m for m, stem in stems.items() if repeats and all(
        PurePosixPath(r).stem.startswith(stem + "-") for r in repeats)]
    zip_stem = path.name.removesuffix(".zip").removesuffix(".csv")
    for found in (by_repeats, [m for m, stem in stems.items() if stem == zip_stem]):
        if len(found) == 1:
            return found[0]
    raise InputError(f"holds the submissions of {len(candidates)} forms ({_names(candidates)}); "
                     f'choose one with [input] {kind}_layer = "..." in the config', path=path)


def _names(members: list[str]) -> str:
    return ", ".join(PurePosixPath(m).name for m in members)


def _header(path: Path, member: str) -> list[str]:
    """Return the column names on a CSV member's first line (UTF-8, any delimiter)."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(member) as handle:
            line = handle.readline(1 << 20).decode("utf-8-sig", errors="replace")
    except (zipfile.BadZipFile, OSError, RuntimeError) as error:
        raise InputFileError(f"cannot read {member} ({error})", path=path) from None
    try:
        delimiter = csv.Sniffer().sniff(line, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    return [c.strip() for c in next(csv.reader(io.StringIO(line), delimiter=delimiter), [])]


def is_nested(parents: pd.Series) -> bool:
    """Return True for a repeat group inside a repeat group: its parents are repeat rows.

    A submission's ``KEY`` is its instance ID (``uuid:...``); a repeat row's ends in its
    group and number (``uuid:.../anggota[2]``).

    Examples
    --------
    >>> is_nested(pd.Series(["uuid:a/anggota[1]", "uuid:a/anggota[2]"]))
    True
    """
    return bool(parents.astype("string").str.contains(r"\[\d+\]\s*$", regex=True).any())


def extract(path: Path, member: str, folder: Path) -> Path:
    """Write one member of the zip into ``folder`` and return its path there."""
    target = folder / PurePosixPath(member).name
    try:
        with zipfile.ZipFile(path) as archive, archive.open(member) as source, \
                open(target, "wb") as out:
            while chunk := source.read(1 << 24):
                out.write(chunk)
    except (zipfile.BadZipFile, OSError, RuntimeError) as error:
        raise InputFileError(f"cannot read {member} ({error})", path=path) from None
    return target
