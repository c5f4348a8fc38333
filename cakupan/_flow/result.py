"""What a run computes (:class:`Result`), whichever way it went through the interviews.

A run in one pass keeps the checked interviews in memory (:class:`InMemory`); a run by parts
keeps only their rows of ``interviews.csv``, on disk (:class:`cakupan.scale.spill.Spilled`).
Both are :class:`Rows`, and :attr:`Result.interviews` is a frame of every input row either
way. Nothing here writes; the polygons of each level are dissolved when first asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import geopandas as gpd
import pandas as pd

from cakupan.detect.tally import Tally
from cakupan.measure.levels import level_shapes
from cakupan.measure.schedule import Schedule

#: A run's progress callback, called with each step's name as it starts (``read``,
#: ``assign``, ``check``, ...). One that also has a ``detail(text)`` method is told during
#: long steps how far they are (``5/17 parts checked``, rows of ``interviews.csv`` written).
Progress = Callable[[str], None]


def quiet(name: str) -> None:
    """Say nothing of a run's progress (the callback when none is given)."""


class Rows(Protocol):
    """The checked interviews of a run, one row per input row, in input order."""

    @property
    def columns(self) -> list[str]:
        """The columns kept."""

    def frame(self) -> pd.DataFrame:
        """Return every row, as one frame."""

    def select(self, columns: Sequence[str]) -> pd.DataFrame | Iterator[pd.DataFrame]:
        """Return the ``columns`` of every row: one frame, or frames of consecutive rows."""


@dataclass(frozen=True)
class InMemory:
    """Checked interviews held in memory (a run in one pass): every column of the checks."""

    checked: pd.DataFrame

    @property
    def columns(self) -> list[str]:
        """The columns kept: every one."""
        return list(self.checked.columns)

    def frame(self) -> pd.DataFrame:
        """Return the checked interviews."""
        return self.checked

    def select(self, columns: Sequence[str]) -> pd.DataFrame:
        """Return the ``columns`` of the checked interviews."""
        return self.checked[list(columns)]


@dataclass(frozen=True)
class Result:
    """Everything a run computes; :mod:`cakupan.render.write` turns it into files."""

    kelurahan: gpd.GeoDataFrame
    units: gpd.GeoDataFrame | None
    """RT polygons: the SLS polygons given, else territories drawn from interviews
    (``rt_source`` says which)."""
    rows: Rows
    """The checked interviews (:attr:`interviews`), in memory or on disk."""
    coverage: pd.DataFrame
    blind_spots: gpd.GeoDataFrame
    """Populated places with no interview nearby, ranked (``gaps.geojson``)."""
    accounting: dict
    crosswalk: dict = field(default_factory=dict)
    rt_source: str = "sls"
    tally: Tally | None = None
    """What the worklist, map and report are made from (:mod:`cakupan.detect.tally`)."""
    schedule: Schedule | None = None
    """Owners, plan and pace of every RT (:mod:`cakupan.measure.schedule`)."""
    decisions: pd.DataFrame | None = None
    """Supervisors' decisions with their ``outcome`` (:func:`cakupan.detect.decisions.settle`),
    or None when none were given."""
    changes: dict | None = None
    """What changed since the run given with ``--previous``
    (:func:`cakupan.measure.changes.changes`), or None."""

    @cached_property
    def shapes(self) -> dict[str, gpd.GeoDataFrame]:
        """``code`` and geometry of every level (:func:`cakupan.measure.levels.level_shapes`).

        Dissolved once, when first asked for: a run asks in the process that writes the map
        and the GeoPackage, beside the one writing ``interviews.csv``.
        """
        return level_shapes(self.kelurahan, self.units)

    @property
    def interviews(self) -> pd.DataFrame:
        """Every input row, checked, in input order.

        A run in one pass holds every column of the checks in memory; a run by parts (more
        than a million rows) keeps the columns of ``interviews.csv`` on disk, and each access
        reads them back whole.
        """
        return self.rows.frame()
