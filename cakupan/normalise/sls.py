"""The RT each row declares: its SLS code and its own kelurahan, RW and RT columns.

Takes a raw frame and the columns found in it (and, when given, the SLS polygons' table) and
returns ``sls_code``, ``kelurahan_code``, ``rw`` and ``rt`` per row, codes as zero-padded
text. Codes repeat (an SLS has dozens of households), so each distinct value is parsed once;
a file read a batch at a time can carry what its batches parsed in a :class:`Parsed`, made
for that file and passed to each batch. No module state, no disk.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cakupan import codes
from cakupan._text import as_arrow, positions_in, text_series
from cakupan.columns import simplify
from cakupan.normalise.values import TEXT, column_text


class Parsed:
    """What the batches of one file have parsed: results per distinct value, and SLS codes.

    Make one per file, pass it to the normalising of each of its batches, and drop it with
    the file: a batch then parses only the codes no earlier batch met. Holds at most
    :attr:`MOST` values per function (about 100 bytes each; a province has some 60,000 SLS
    codes); beyond that, each batch works out its own.
    """

    MOST = 1 << 20

    def __init__(self):
        self._met: dict[Callable, tuple[pa.Array, pd.DataFrame | pd.Series]] = {}
        self._listed: tuple[pd.DataFrame, pd.DataFrame] | None = None

    def results(self, function: Callable, distinct: pa.Array):
        """Return ``function(text_series(distinct))``, worked out only for values not met."""
        keys, results = self._met.get(function, (distinct[:0], None))
        keys = keys.cast(distinct.type)
        at = pc.index_in(distinct, value_set=keys)
        if at.null_count:  # values not met before (all of them, the first time)
            new = distinct.filter(pc.is_null(at))
            made = function(text_series(new)).reset_index(drop=True)
            keys = pa.concat_arrays([keys, new])
            results = made if results is None else pd.concat([results, made], ignore_index=True)
            if len(keys) <= self.MOST:
                self._met[function] = keys, results
            at = pc.index_in(distinct, value_set=keys)
        return results.take(at.to_numpy()).reset_index(drop=True)

    def listed(self, units: pd.DataFrame) -> pd.DataFrame:
        """Return :func:`listed` of ``units``, worked out once for the file's units."""
        if self._listed is None or self._listed[0] is not units:
            self._listed = units, listed(units)
        return self._listed[1]


def declared_rt(raw: pd.DataFrame, source: Mapping[str, str],
                units: pd.DataFrame | None = None, parsed: Parsed | None = None,
                names: pd.Series | None = None) -> pd.DataFrame:
    """Return ``sls_code``, ``kelurahan_code``, ``rw`` and ``rt`` as each row declares them.

    Rules
    -----
    - cakupan's own ``sls_code`` column: the code's digits give the kelurahan, RW and RT
      (:func:`cakupan.codes.split_sls`).
    - A code from a column BPS names (``idsls``, ``idsubsls``, ``kdsls`` and the parts that
      make them, :func:`is_bps`): the digits give the kelurahan only
      (:func:`cakupan.codes.bps_sls`).
    - The row's own kelurahan, RW and RT columns win over the code; then, for BPS codes, the
      SLS name ``names`` (an SLS layer's ``nmsls``: ``RT 004 RW 012``,
      :func:`cakupan.codes.rw_rt_in_name`); an SLS whose RT is still not known is a unit of
      its own (:func:`cakupan.codes.own_unit`; ``names`` given: the table is a whole layer).
    - Given the SLS polygons' table ``units``, the codes it lists take its kelurahan, RW and
      RT (:func:`resolve_sls`). ``parsed``: what earlier batches of the file parsed.
    """
    given = [name for name in ("kelurahan_code", "rw", "rt") if name in source]
    bps = is_bps(source)
    # with no code columns of its own, a row's are a function of its SLS code alone:
    # resolved once per distinct code
    resolve = None if units is None else partial(resolve_sls, units=units, parsed=parsed)
    # BPS codes alone (the usual interview file): the SLS of its own is a function of the
    # code too, worked out once per distinct code
    alone = bps and not given and names is None
    late = bool(given) or (bps and not alone)
    then = _own_then_resolved(resolve) if alone else None if late else resolve
    declared = each_distinct(codes.bps_sls if bps else sls_parts,
                             column_text(raw, source, "sls_code"), then=then, parsed=parsed)
    for name, clean in (("kelurahan_code", codes.clean_code), ("rw", codes.pad_number),
                        ("rt", codes.pad_number)):
        if name in given:
            cleaned = each_distinct(clean, column_text(raw, source, name), parsed=parsed)
            declared[name] = text_series(pc.coalesce(as_arrow(cleaned),
                                                     as_arrow(declared[name])), raw.index)
    if bps and not alone:
        if names is not None:
            stated = codes.rw_rt_in_name(names)
            for name in ("rw", "rt"):
                declared[name] = declared[name].fillna(stated[name])
        declared[["rw", "rt"]] = codes.own_unit(declared[["rw", "rt"]], declared["sls_code"],
                                                whole=names is not None)
    return resolve(declared) if late and resolve else declared


def _own_then_resolved(resolve: Callable | None) -> Callable:
    """Return a function giving BPS codes' own units (:func:`cakupan.codes.own_unit`), resolved."""
    def own(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame[["rw", "rt"]] = codes.own_unit(frame[["rw", "rt"]], frame["sls_code"])
        return frame if resolve is None else resolve(frame)
    return own


def is_bps(source: Mapping[str, str]) -> bool:
    """Return whether the SLS code comes from a column BPS names, or from BPS's parts.

    Examples
    --------
    >>> is_bps({"sls_code": "grp-identitas-idsls"}), is_bps({"sls_code": "sls_code"})
    (True, False)
    >>> is_bps({"sls_code": "kdprov+kdkab+kdkec+kddesa+kdsls"})
    True
    """
    column = source.get("sls_code")
    if column is None:
        return False
    last = simplify(re.split(r"[-/]", str(column))[-1])
    return "+" in str(column) or last in codes.BPS_SLS_COLUMNS


def sls_parts(values: pd.Series) -> pd.DataFrame:
    """Return SLS codes cleaned, with the kelurahan, RW and RT their digits give.

    Examples
    --------
    >>> sls_parts(pd.Series(["36710110010103"])).values.tolist()
    [['36710110010103', '3671011001', '001', '003']]
    """
    sls = codes.clean_code(values)
    return pd.concat([sls.rename("sls_code"), codes.split_sls(sls)], axis=1)


def each_distinct(function: Callable, values: pd.Series, then: Callable | None = None,
                  parsed: Parsed | None = None):
    """Return ``function(values)`` for a function of each value alone, run once per value.

    Codes and RT labels repeat (an SLS has dozens of households) and the functions of
    :mod:`cakupan.codes` run regular expressions, so this is much faster on millions of rows.
    ``parsed`` holds the results of values earlier batches of the file met. ``then``, a
    function of each row of those results alone, is applied to them before they are spread
    over the rows.
    """
    text = as_arrow(values)
    encoded = pc.dictionary_encode(text)
    distinct = pa.concat_arrays([encoded.dictionary, pa.nulls(1, text.type)])
    positions = encoded.indices.fill_null(len(encoded.dictionary))  # missing: the last one

    def each(column: pd.Series) -> pd.Series:
        if column.dtype != TEXT:
            return column.take(positions.to_numpy()).set_axis(values.index)
        result = as_arrow(column)
        # a column the function left as it was is the input itself: no take
        return text_series(text if result.equals(distinct) else result.take(positions),
                           values.index)

    done = (function(text_series(distinct)).reset_index(drop=True) if parsed is None
            else parsed.results(function, distinct))
    if then is not None:
        done = then(done)
    if isinstance(done, pd.Series):
        return each(done).rename(done.name)
    return pd.DataFrame({name: each(column) for name, column in done.items()}, index=values.index)


def listed(units: pd.DataFrame) -> pd.DataFrame:
    """Return the codes of the units with an SLS code, the first of each.

    Every code of pieces merged into one unit counts (``sls_codes``); a 16-digit sub-SLS
    code also lists its 14-digit SLS code, so that an ``idsls`` finds a layer of
    ``idsubsls`` (its first sub-SLS).
    """
    columns = ["sls_code", "kelurahan_code", "rw", "rt"]
    found = units[columns].dropna(subset=["sls_code"])
    if "sls_codes" in units:
        every = units[columns[1:]].assign(sls_code=units["sls_codes"].str.split(" "))
        found = pd.concat([found, every.explode("sls_code")[columns].dropna(
            subset=["sls_code"])], ignore_index=True)
    code = found["sls_code"].astype("string")
    whole = found.assign(sls_code=code.str.slice(0, 14))[code.str.len().eq(16).to_numpy()]
    return pd.concat([found, whole], ignore_index=True).drop_duplicates("sls_code")


def resolve_sls(frame: pd.DataFrame, units: pd.DataFrame, parsed: Parsed | None = None
                ) -> pd.DataFrame:
    """Return ``frame`` with kelurahan, RW and RT taken from ``units`` for known SLS codes.

    A BPS SLS code's last four digits are not RW and RT; where the SLS polygons list the
    code, their kelurahan, RW and RT win over the digits. A 16-digit sub-SLS code the units
    do not list rolls up to its 14-digit SLS. ``parsed`` keeps the units' codes for the next
    batch of a file.
    """
    if "sls_code" not in frame:
        return frame
    known_codes = listed(units) if parsed is None else parsed.listed(units)
    if not len(known_codes):
        return frame
    where = positions_in(frame["sls_code"], known_codes["sls_code"])
    if (where < 0).any():  # a sub-SLS code rolls up to its SLS
        code = frame["sls_code"].astype("string")
        rolled = positions_in(code.str.slice(0, 14).where(code.str.len().eq(16)),
                              known_codes["sls_code"])
        where = np.where(where < 0, rolled, where)
    known = where >= 0
    if not known.any():
        return frame
    out = frame.copy(deep=False)
    found = pa.array(np.maximum(where, 0), mask=~known)
    for name in ("kelurahan_code", "rw", "rt"):
        taken = as_arrow(known_codes[name]).take(found)
        if out[name].dtype != TEXT:
            out[name] = out[name].mask(known, text_series(taken, frame.index))
        elif known.all():
            out[name] = text_series(taken, frame.index)
        else:  # in Arrow: pandas' mask costs a second per million rows
            out[name] = text_series(pc.if_else(known, taken, as_arrow(out[name])), frame.index)
    return out
