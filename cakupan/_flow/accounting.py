"""Row accounting: rows read = rows counted + rows set aside, by reason, per input.

Takes the ``status`` of an input's rows (or how many rows have each) and the polygon layers,
and returns the plain dictionaries the manifest and the report show. Computes nothing else.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from cakupan.measure import topology
from cakupan.normalise import vector


def account(status: pd.Series) -> dict:
    """Return rows read, counted and set aside by reason; read = counted + set aside."""
    return account_counts(status.value_counts())


def account_counts(counts: pd.Series) -> dict:
    """:func:`account` from the rows per status."""
    counts = counts[counts > 0].sort_index()
    aside = {str(k): int(v) for k, v in counts.items() if k != "counted"}
    return {"rows_read": int(counts.sum()), "rows_counted": int(counts.get("counted", 0)),
            "rows_set_aside": int(sum(aside.values())), "set_aside_by_reason": aside}


def account_polygons(kelurahan: gpd.GeoDataFrame, units: gpd.GeoDataFrame | None) -> dict:
    """Return the accounting of the boundaries and units (metric CRS, as projected)."""
    accounting = {"boundaries": _account_polygons(kelurahan, "kelurahan_code")}
    if units is not None:
        accounting["units"] = _account_polygons(units, "sls_code")
    return accounting


def _account_polygons(frame: gpd.GeoDataFrame, code: str) -> dict:
    """Return the accounting of a polygon layer (metric CRS).

    Polygons read, used, set aside (no RT label, no usable polygon) and repaired (set-aside
    reasons are not repairs), and the overlaps and holes between neighbours
    (``overlaps_and_gaps``, as the manifest names them).
    """
    status = vector.polygon_status(frame)
    shapes = frame.assign(**{code: frame[code].fillna("")})
    return {**account(status), "repaired": int(vector.repaired(frame).sum()),
            "overlaps_and_gaps": topology.summary(*topology.overlaps_and_holes(shapes, code))}


def name_counts(values: pd.Series) -> pd.Series:
    """Return how many times each ``;``-separated name occurs in ``values``, by name.

    Examples
    --------
    >>> name_counts(pd.Series(["a", "a;b", "", None, "b", "a"])).to_dict()
    {'a': 3, 'b': 2}
    """
    names = values.dropna().astype(str).str.split(";").explode()
    names = names[names.str.strip().ne("")]
    return names.value_counts().sort_index().rename(None).rename_axis(None)


def placement_counts(placed: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Return the rows per ``status`` and per repair (``repairs`` names) of placed rows."""
    return placed["status"].value_counts(), name_counts(placed["repairs"])
