"""Repeats: interviews set aside as ``duplicate`` so that no household is counted twice.

Takes placed interviews (or the IDs of a whole file, read a part at a time) and returns
booleans or a new ``status``, aligned to the rows: which rows repeat an interview ID that
came earlier (:func:`repeated`), and ``status`` with those, and the repeats of a counted
household within its kelurahan, set to ``duplicate`` (:func:`mark_duplicates`). Values are
compared by their fingerprints first (:func:`cakupan._text.fingerprints`) and whole only
where a fingerprint repeats. Nothing here touches the disk.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cakupan._text import as_arrow, fingerprints, in_sorted


def mark_duplicates(interviews: pd.DataFrame, repeated_id: np.ndarray,
                    prints: np.ndarray | None = None) -> pd.Series:
    """Return ``status`` with repeated interviews set to ``duplicate``.

    The first row of an interview ID wins: ``repeated_id`` (booleans, one per row) says which
    rows repeat an ID that came earlier in the file (:func:`repeated` of the file's IDs).
    Among counted rows, the first of a household (``household_id`` within its kelurahan)
    wins, so no household is counted twice. ``prints``: the household IDs'
    :func:`cakupan._text.fingerprints`, when already worked out.

    Examples
    --------
    >>> frame = pd.DataFrame({"interview_id": ["a", "a", "b", "c"],
    ...                       "status": ["counted"] * 4, "kelurahan_code": ["1"] * 4,
    ...                       "household_id": ["h1", "h1", "h2", "h2"]})
    >>> mark_duplicates(frame, repeated(frame["interview_id"])).tolist()
    ['counted', 'duplicate', 'counted', 'duplicate']
    """
    status = interviews["status"].copy()
    status[np.asarray(repeated_id, dtype=bool)] = "duplicate"
    household = interviews["household_id"]
    if prints is None:
        prints = fingerprints(as_arrow(household))
    counted = (status.eq("counted") & household.notna()).fillna(False).to_numpy(dtype=bool)
    # compare whole keys only where a household's fingerprint repeats
    rows = sharing(prints, np.flatnonzero(counted))
    key = interviews[["kelurahan_code", "household_id"]].iloc[rows]
    again = key.duplicated().to_numpy()
    status[interviews.index[rows[again]]] = "duplicate"
    return status.astype("string")


def sharing(prints: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Return the ``rows`` whose fingerprint occurs at more than one of ``rows``, in order.

    Examples
    --------
    >>> sharing(np.array([7, 5, 7, 5, 9]), np.array([0, 1, 2, 4])).tolist()
    [0, 2]
    """
    return rows[_repeats(prints[rows])]


def _repeats(prints: np.ndarray) -> np.ndarray:
    """Return, per fingerprint, whether it occurs more than once."""
    again = np.sort(prints)
    again = again[1:][again[1:] == again[:-1]]  # sorted: no need to drop its repeats
    return in_sorted(prints, again)


def repeated(values, fingerprints: np.ndarray | None = None) -> np.ndarray:
    """Return, per value, whether an equal one came before it.

    Missing values are equal, as in :meth:`pandas.Series.duplicated`. ``values``: a Series
    or an Arrow array. Given the values' :func:`cakupan._text.fingerprints` (computed where
    the values were read), only values whose fingerprint repeats are compared whole.

    Examples
    --------
    >>> repeated(pd.Series(["a", "b", "a", None, None], dtype="string")).tolist()
    [False, False, True, False, True]
    """
    if fingerprints is not None:
        some = np.flatnonzero(_repeats(fingerprints))  # every repeat, and a few more
        out = np.zeros(len(fingerprints), dtype=bool)
        out[some] = repeated(values.take(some))
        return out
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        # one array's dictionary is built in order of first appearance, as factorize's
        encoded = pc.dictionary_encode(values, null_encoding="encode")
        codes = encoded.indices.to_numpy(zero_copy_only=False)
    else:
        codes = _codes(values)
    return _seen_before(codes)


def _codes(values) -> np.ndarray:
    """Return a code per value, equal for equal values (missing values are one value).

    Codes are numbered in order of first appearance.
    """
    return pd.factorize(values, use_na_sentinel=False)[0]


def _seen_before(codes: np.ndarray) -> np.ndarray:
    """Return, per position, whether its code occurs at an earlier position.

    ``codes`` are numbered 0, 1, 2... in order of first appearance: a code is new exactly
    when it is larger than every code before it.

    Examples
    --------
    >>> _seen_before(np.array([0, 1, 0, 2, 1])).tolist()
    [False, False, True, False, True]
    """
    before = np.maximum.accumulate(codes)
    return codes <= np.concatenate([[-1], before[:-1]])
