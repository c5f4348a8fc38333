"""The stages on interviews as a run calls them: polygons projected, rows placed, then checked.

Takes normalised frames (:mod:`cakupan._flow.inputs`) and returns new frames aligned to the
interviews: placed in kelurahan and RTs with repeats set aside (:func:`place`), then checked
(:func:`check`). Polygons may be given as frames or as
:class:`~cakupan.assign.indexed.Indexed` layers whose indexes are reused. Never reads or
writes a file.
"""

from __future__ import annotations

from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from cakupan.assign import locate as assign
from cakupan.assign import repeats
from cakupan.assign.indexed import Indexed
from cakupan.config import Config
from cakupan.crs import metric_crs
from cakupan.detect import decisions, flags, location
from cakupan.detect.tally import piece
from cakupan.errors import InputError
from cakupan.normalise import sls


class Projected(NamedTuple):
    """Polygons as the stages need them: in the area's metric CRS."""

    crs: pyproj.CRS
    kelurahan: gpd.GeoDataFrame
    units: gpd.GeoDataFrame | None


def project(kelurahan: gpd.GeoDataFrame, units: gpd.GeoDataFrame | None = None) -> Projected:
    """Return (metric CRS, kelurahan, units) as the stages need them.

    The CRS is the UTM zone of the area; kelurahan are sorted by code (ties in assignment go
    to the lowest); units missing a kelurahan code get the one they lie in.
    """
    crs = metric_crs(kelurahan)
    kelurahan = kelurahan.to_crs(crs).sort_values("kelurahan_code").reset_index(drop=True)
    if units is not None:
        units = assign.attach_units(units.to_crs(crs), kelurahan)
        if units[["kelurahan_code", "rw", "rt"]].isna().any(axis=1).all():
            raise InputError("no RT polygon (--units) both has an RT label and lies in, or "
                             "names, a kelurahan of the boundaries; are both files of the "
                             "same area?")
    return Projected(crs, kelurahan, units)


def place(interviews: pd.DataFrame, kelurahan, units=None, config: Config = Config(),
          rejected: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Return interviews placed in kelurahan and RTs, repeats set aside as ``duplicate``.

    Frames as :func:`project` returns them; SLS codes the units list take their RT from
    the units (:func:`cakupan.normalise.sls.resolve_sls`). Counted rows of ``rejected``
    interview IDs are ``rejected``, before households are de-duplicated: a household whose
    interview a supervisor rejected counts through its other interview.
    """
    if units is not None:
        interviews = sls.resolve_sls(interviews, Indexed.of(units).frame)
    placed = assign.place_interviews(interviews, kelurahan, units,
                                     config.assign.sliver_tolerance_m)
    placed["status"] = decisions.reject(placed["status"], placed["interview_id"], rejected)
    placed["status"] = repeats.mark_duplicates(placed, repeats.repeated(placed["interview_id"]))
    return placed


def check(placed: pd.DataFrame, kelurahan, units=None, config: Config = Config()
          ) -> pd.DataFrame:
    """Return placed interviews with ``location_check``, ``flags`` and ``doubtful``.

    Frames as :func:`project` returns them; every check compares rows of one enumerator,
    households of one RT.
    """
    return with_checks(placed, kelurahan, units, config,
                       flags.flag_interviews(placed, config.checks))


def with_checks(placed: pd.DataFrame, kelurahan, units, config: Config,
                flagged: pd.DataFrame) -> pd.DataFrame:
    """Return placed interviews with their ``location_check`` and ``flagged`` joined.

    ``flagged``: :func:`cakupan.detect.flags.flag_interviews` of the rows.
    """
    out = placed.copy(deep=False)
    out["location_check"] = _location_check(out, kelurahan, units, config)
    return out.join(flagged)


def _location_check(placed, kelurahan, units, config) -> pd.Series:
    # the declared RT, in the kelurahan the interview is counted in (crosswalk applied)
    if units is not None:
        layer = Indexed.of(units)
        declared = assign.unit_positions(placed, layer.frame)
    else:
        layer = Indexed.of(kelurahan)
        declared = assign.unit_positions(placed, layer.frame, keys=("kelurahan_code",))
    usable = placed["status"].isin(["counted", "duplicate"]).to_numpy()
    x = np.where(usable, placed["x"].to_numpy(), np.nan)
    return location.location_check(x, placed["y"].to_numpy(),
                                   placed["gps_accuracy_m"].to_numpy(), declared, layer,
                                   config.checks).set_axis(placed.index)


def crosswalk(placed, kelurahan: gpd.GeoDataFrame) -> pd.Series:
    """Return the declared kelurahan codes matched to boundary codes by location.

    The match :func:`cakupan.assign.locate.place_interviews` made (the kelurahan where most
    rows declaring an unknown code lie), recomputed from the columns it leaves
    (``declared_kelurahan_code``, ``location_kelurahan_code``) or from their tally.
    """
    pairs = piece(placed, "pairs")
    unknown = ~pairs["declared_kelurahan_code"].isin(set(kelurahan["kelurahan_code"]))
    return assign.most_located(pairs[unknown], "declared_kelurahan_code")
