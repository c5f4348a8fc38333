"""Reading an earlier run's output folder, to compare a run with it (``--previous``).

Takes the folder and returns its ``coverage.csv``, the officer and status columns of its
``interviews.csv`` (None when it has none: a planner's run) and its ``manifest.json``.
Never compares anything: that is :mod:`cakupan.measure.changes`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from cakupan.errors import InputError, InputFileError

_CODES = ("code", "parent_code", "kelurahan_code", "rw", "rt", "name", "status")
_OFFICERS = ("enumerator_id", "supervisor_id", "status")


class PreviousRun(NamedTuple):
    """What a comparison needs of an earlier run's outputs."""

    folder: Path
    coverage: pd.DataFrame
    interviews: pd.DataFrame | None  # enumerator_id, supervisor_id, status
    manifest: dict


def read_previous(folder) -> PreviousRun:
    """Return the outputs of the run in ``folder`` that a comparison uses.

    Raises
    ------
    cakupan.errors.InputError
        When ``folder`` holds no ``coverage.csv`` or ``manifest.json`` (not an output
        folder of cakupan, or a run that did not finish).
    """
    folder = Path(folder)
    for name in ("coverage.csv", "manifest.json"):
        if not (folder / name).is_file():
            raise InputFileError(f"has no {name}: give the output folder of an earlier "
                                 "cakupan run (--previous)", path=folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        coverage = _csv(folder / "coverage.csv", _CODES)
        listed = folder / "interviews.csv"
        interviews = _csv(listed, _OFFICERS, only=True) if listed.is_file() else None
    except (ValueError, pa.ArrowInvalid) as error:
        raise InputError(f"cannot be read as an output folder of cakupan ({error})",
                         path=folder) from None
    return PreviousRun(folder, coverage, interviews, manifest)


def _csv(path: Path, text: tuple[str, ...], only: bool = False) -> pd.DataFrame:
    """Read a CSV cakupan wrote; ``text`` columns as text (codes keep their zeros)."""
    names = pd.read_csv(path, nrows=0).columns
    kinds = {name: pa.string() for name in text if name in names}
    options = pacsv.ConvertOptions(column_types=kinds,
                                   include_columns=list(kinds) if only else None,
                                   strings_can_be_null=True)
    return pacsv.read_csv(path, convert_options=options).to_pandas(
        types_mapper={pa.string(): pd.StringDtype()}.get)
