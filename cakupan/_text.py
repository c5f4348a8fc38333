"""Text columns handled in Arrow: look-ups and takes over millions of rows without objects.

pandas holds text in Arrow arrays; going through numpy object arrays costs seconds and
gigabytes at province size, so look-ups by code and takes by position stay in Arrow. Values
compared often are compared as 64-bit :func:`fingerprints`, looked up in sorted arrays
(:func:`in_sorted`). Takes arrays and Series and returns new ones; keeps no state.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _arrow(values: pd.Series) -> pa.Array:
    return pa.array(values.astype("string"), type=pa.string(), from_pandas=True)


def as_arrow(values: pd.Series) -> pa.Array:
    """Return a column as one Arrow ``large_string`` array (other values printed as pandas does).

    ``large_string`` is how pandas holds text: no copy, and :func:`text_series` takes the
    result back without one.
    """
    text = pa.array(values.astype("string"), type=pa.large_string(), from_pandas=True)
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def text_series(values: pa.Array | pa.ChunkedArray, index=None) -> pd.Series:
    """Return Arrow strings as a pandas text column (dtype ``string``)."""
    return pd.Series(pd.arrays.ArrowStringArray(values), index=index)


def offsets_and_bytes(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Return the value offsets (one more than the values) and the bytes of Arrow text.

    Value i is ``bytes[offsets[i]:offsets[i + 1]]``; numpy views, no copy.
    """
    wide = pa.types.is_large_string(text.type)
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64 if wide else np.int32)
    return (offsets[text.offset:][:len(text) + 1],
            np.frombuffer(text.buffers()[2] or b"", dtype=np.uint8))


#: The multiplier of :func:`fingerprints` (odd, its bits well spread: 2**64 / golden ratio).
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def fingerprints(text: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Return a 64-bit number per value of Arrow text: equal values, equal numbers.

    Unequal values rarely share one: values whose number is unique are unique, and only the
    few others need comparing whole (:func:`cakupan.assign.repeats.repeated`). Missing values
    get 0, as the empty text does. A polynomial over the bytes, computed in numpy without objects.

    Why not pandas' ``hash_pandas_object``: it makes a Python string of every value. On
    8,000,000 unique IDs (the city pipeline's, stretched) this takes 0.44 s (one width) and
    1.08 s (mixed widths), pandas 2.6 and 2.8 s (CPU medians on a 2-core machine,
    ``python benchmarks/kernels.py --size city --rows 8000000 --kernels fingerprints``).

    Examples
    --------
    >>> a, b, c, empty, missing = fingerprints(pa.array(["ab", "ba", "ab", "", None]))
    >>> bool(a == c), bool(a == b), int(empty), int(missing)
    (True, False, 0, 0)
    """
    if isinstance(text, pa.ChunkedArray):
        return np.concatenate([fingerprints(chunk) for chunk in text.chunks]
                              or [np.zeros(0, dtype=np.uint64)])
    offsets, data = offsets_and_bytes(text)
    offsets = offsets.astype(np.int64)
    lengths, starts = np.diff(offsets), offsets[:-1] - offsets[0]
    span = data[offsets[0]:offsets[-1]]
    powers = np.cumprod(np.full(int(lengths.max(initial=0)), _MULTIPLIER))
    if len(starts) and (lengths == len(powers)).all():  # of one width, as IDs often are
        table = span.reshape(len(starts), -1)
        sums = np.zeros(len(starts), dtype=np.uint64)
        for column, power in enumerate(powers):  # a byte of every value at a time
            sums += table[:, column] * power
    elif len(starts):
        position = np.arange(len(span)) - np.repeat(starts, lengths)
        sums = np.add.reduceat(np.append(span * powers[position], np.uint64(0)), starts)
    else:
        sums = starts
    out = np.where(lengths > 0, sums, 0).astype(np.uint64) * _MULTIPLIER + lengths.astype(
        np.uint64)
    if text.null_count:
        out[text.is_null().to_numpy(zero_copy_only=False)] = 0
    return out


def in_sorted(values: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Return whether each value is among ``sorted_keys``: a binary search, no hash of them.

    Examples
    --------
    >>> in_sorted(np.array([3, 1, 4]), np.array([1, 2, 3])).tolist()
    [True, True, False]
    """
    at = np.minimum(np.searchsorted(sorted_keys, values), max(len(sorted_keys) - 1, 0))
    return (sorted_keys[at] == values) if len(sorted_keys) else np.zeros(len(values), bool)


def maybe_padded(text: pa.Array) -> np.ndarray:
    r"""Return, per value, whether it may begin or end with whitespace.

    Looks at two bytes per value instead of trimming each: a value whose first and last bytes
    are printable ASCII has no surrounding whitespace of any kind (every other whitespace
    character, Unicode's included, is a control byte, a space or non-ASCII). False for empty
    and missing values.

    Examples
    --------
    >>> maybe_padded(pa.array(["a b", " a", "a\t", "", None, "\u00a0a"])).tolist()
    [False, True, True, False, False, True]
    """
    offsets, data = offsets_and_bytes(text)
    out = np.zeros(len(text), dtype=bool)
    span = data[offsets[0]:offsets[-1]]
    if not len(span) or (span.min() > 0x20 and span.max() < 0x7F):
        return out  # no space, control or non-ASCII byte anywhere: a quicker look
    filled = np.flatnonzero(offsets[1:] > offsets[:-1])
    first, last = data[offsets[filled]], data[offsets[filled + 1] - 1]
    out[filled] = (first <= 0x20) | (first >= 0x7F) | (last <= 0x20) | (last >= 0x7F)
    return out


def positions_in(values: pd.Series, listed: pd.Series) -> np.ndarray:
    """Return the position of each value in ``listed`` (its first), -1 where it is not listed.

    Examples
    --------
    >>> positions_in(pd.Series(["b", None, "c", "a"]), pd.Series(["a", "b", "a"])).tolist()
    [1, -1, -1, 0]
    """
    found = pc.index_in(_arrow(values), value_set=_arrow(listed))
    return found.fill_null(-1).to_numpy().astype(np.int64)


def take_text(values: pd.Series, positions: np.ndarray, index=None) -> pd.Series:
    """Return ``values`` (text) at ``positions``, missing where a position is -1.

    Examples
    --------
    >>> take_text(pd.Series(["a", "b"]), np.array([1, -1, 0])).tolist()
    ['b', <NA>, 'a']
    """
    text = _arrow(values)
    taken = text.take(pa.array(np.maximum(positions, 0), mask=np.asarray(positions) < 0))
    return pd.Series(pd.arrays.ArrowStringArray(taken), index=index)


def joined_keys(frame: pd.DataFrame) -> pa.Array:
    """Return each row's values joined into one text key (Arrow); null where one is missing."""
    parts = [_arrow(frame[name]) for name in frame.columns]
    return pc.binary_join_element_wise(*parts, "\x1f")


def joined_codes(frame: pd.DataFrame) -> pd.Series:
    """Return each row's values joined into one text (missing ones as ""), as a categorical.

    Categories sorted; the text is built once per distinct row, not once per row.

    Examples
    --------
    >>> frame = pd.DataFrame({"k": ["1", "1", None], "rt": ["002", "001", "002"]})
    >>> joined_codes(frame.astype("category")).tolist()
    ['1002', '1001', '002']
    """
    key = np.zeros(len(frame), dtype=np.int64)
    levels = []
    for name in frame.columns:
        codes, uniques = pd.factorize(frame[name])  # a categorical's own codes: no hashing
        text = pd.Series(pd.Index(uniques).astype("string")).fillna("")
        levels.append(pd.concat([text, pd.Series([""], dtype="string")], ignore_index=True))
        key = key * (len(uniques) + 1) + np.where(codes < 0, len(uniques), codes)
    distinct, positions = np.unique(key, return_inverse=True)
    text = pd.Series("", index=range(len(distinct)), dtype="string")
    for level, width in zip(levels, _widths(levels), strict=True):
        text = text + level.take(distinct // width % len(level)).to_numpy()
    categories, codes = np.unique(text.to_numpy(dtype=object), return_inverse=True)
    return pd.Series(pd.Categorical.from_codes(codes[positions], categories=categories),
                     index=frame.index)


def _widths(levels) -> list[int]:
    """Return the place value of each level in the mixed-radix key of :func:`joined_codes`."""
    widths, width = [], 1
    for level in reversed(levels):
        widths.append(width)
        width *= len(level)
    return widths[::-1]
