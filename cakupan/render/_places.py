"""Names of areas by code, read from the coverage table: for the report, worklist and plan.

Every unit of ``coverage.csv`` has a name (its code when the inputs name none).
"""

from __future__ import annotations

import pandas as pd


def names_of(coverage: pd.DataFrame, level: str) -> pd.Series:
    """Return the name of each unit of ``level``, indexed by its code as text."""
    rows = coverage[coverage["level"].eq(level)].drop_duplicates("code")
    return pd.Series(rows["name"].astype(str).to_numpy(), index=rows["code"].astype(str))


def kecamatan_of(coverage: pd.DataFrame) -> pd.Series:
    """Return the kecamatan code of each kelurahan, indexed by the kelurahan's code as text."""
    rows = coverage[coverage["level"].eq("kelurahan")].drop_duplicates("code")
    return pd.Series(rows["parent_code"].astype(str).to_numpy(),
                     index=rows["code"].astype(str))


def places(coverage: pd.DataFrame, kelurahan_codes: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return the kecamatan and kelurahan names of each kelurahan code, as text.

    Aligned to ``kelurahan_codes``; missing where the table has no such kelurahan.
    """
    codes = kelurahan_codes.astype("string").to_numpy()
    kecamatan = kecamatan_of(coverage).reindex(codes).to_numpy()
    return (pd.Series(names_of(coverage, "kecamatan").reindex(kecamatan).to_numpy(),
                      index=kelurahan_codes.index, dtype="string"),
            pd.Series(names_of(coverage, "kelurahan").reindex(codes).to_numpy(),
                      index=kelurahan_codes.index, dtype="string"))
