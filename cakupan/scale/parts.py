"""Which part of a run by parts each interview belongs to, so that no rule crosses a part.

A row is keyed (:func:`keys`) by the kelurahan code it declares when the boundaries know it,
else by the declared unknown code *and* the kelurahan it lies in (linking the two), else by
where it lies; and by its enumerator. Keys met in one row form groups no rule crosses
(:func:`plan`): the crosswalk looks at every row declaring one unknown code, household
duplicates at every row counted in one kelurahan, every check at one enumerator's rows.
Groups are packed, in code order, into parts of about ``part_rows`` rows; a spilled file is
split by part (:func:`split`). Arrow tables and numpy arrays in, the same out; files only
through :mod:`cakupan.scale.spill`.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from cakupan.scale.spill import take_table

#: A row's keys: ``a`` and ``b`` the kelurahan it is counted in or may be, ``e`` its
#: enumerator.
KEYS = ["a", "b", "e"]


def keys(table, known) -> pa.Table:
    """Key each row by the kelurahan it is counted in, or may be, and by its enumerator.

    See the module docstring.
    """
    declared = table["declared_kelurahan_code"].cast(pa.string())
    located = table["location_kelurahan_code"].cast(pa.string())
    listed = pc.is_in(declared, value_set=known)
    officer = table["enumerator_id"].cast(pa.string())
    return pa.table({"a": pc.coalesce(declared, located),
                     "b": pc.if_else(pc.or_kleene(listed, pc.is_null(declared)),
                                     pa.nulls(len(table), pa.string()), located),
                     "e": officer})


def count_keys(table: pa.Table) -> pa.Table:
    """Return the rows of each combination of keys in ``table`` (column ``rows``).

    Arrow's hash grouping, in this thread: the batches are located in a process per core.
    """
    names = table.column_names
    counted = table.group_by(names, use_threads=False).aggregate([([], "count_all")])
    return pa.table({**{name: counted[name] for name in names}, "rows": counted["count_all"]})


class Parts(NamedTuple):
    """The part of every key seen (linked keys share one); the rows of the largest group."""

    areas: pa.Table  # key (a kelurahan code, as in ``a`` and ``b``), part
    officers: pa.Table  # key (an enumerator ID), part
    count: int  # parts 0, 1, ... count - 1
    largest: int


def plan(links: pd.DataFrame, names: list[str], part_rows: int) -> Parts:
    """Return the parts of the rows of ``links`` (keys, ``rows``), keyed by ``names``.

    Keys met in one row are in one group; groups fill parts in the order of their lowest
    key, so that a part is a run of neighbouring codes. Rows of no key get part -1.
    """
    links = links.groupby(names, dropna=False, sort=False, observed=True)["rows"].sum()
    links = links.reset_index()
    # the keys, kelurahan codes then enumerator IDs (so that no code is taken for an ID)
    areas = _distinct([links[n] for n in names if n != "e"])
    officers = _distinct([links["e"]] if "e" in names else [])
    position = {n: areas.get_indexer(links[n]) for n in names if n != "e"}
    if "e" in names:
        found = officers.get_indexer(links["e"])
        position["e"] = np.where(found >= 0, found + len(areas), -1)
    at = np.column_stack([position[n] for n in names])  # -1: none
    nodes = len(areas) + len(officers)
    hub = at.max(axis=1)  # one key of each row, -1 when it has none
    tie = at >= 0
    graph = coo_matrix((np.ones(tie.sum()), (np.broadcast_to(hub[:, None], at.shape)[tie],
                                             at[tie])), shape=(nodes, nodes))
    _, group = connected_components(graph, directed=False)
    some = hub >= 0
    rows = np.bincount(group[hub[some]], weights=links["rows"].to_numpy()[some],
                       minlength=group.max() + 1 if len(group) else 0)
    part = np.zeros(len(rows), dtype=np.int64)
    filled, current = 0, 0
    for g in pd.unique(group):  # groups by their lowest key, as nodes are sorted
        if filled and filled + rows[g] > part_rows:
            current, filled = current + 1, 0
        part[g] = current
        filled += rows[g]
    node_part = part[group]
    return Parts(pa.table({"key": pa.array(areas, pa.string()),
                           "part": node_part[:len(areas)]}),
                 pa.table({"key": pa.array(officers, pa.string()),
                           "part": node_part[len(areas):]}),
                 int(part.max(initial=-1)) + 1, int(rows.max()) if len(rows) else 0)


def _distinct(columns: list[pd.Series]) -> pd.Index:
    """Return the keys in ``columns``, sorted, missing ones left out."""
    if not columns:
        return pd.Index([], dtype="string")
    return pd.Index(pd.unique(pd.concat(columns).dropna())).sort_values()


def part_of(table: pa.Table, names: list[str], parts: Parts) -> np.ndarray:
    """Return the part of each row of interviews in ``table`` keyed by ``names`` (-1: none).

    A row's keys are all in one group, so its first key found decides: the kelurahan it
    declares, else where it lies (``a``; ``b`` is linked to ``a``), else its enumerator
    (``e``). Looked up one column at a time, on the rows not yet placed.
    """
    part = np.full(table.num_rows, -1, dtype=np.int64)
    lookups = []
    if "a" in names:
        lookups += [("declared_kelurahan_code", parts.areas),
                    ("location_kelurahan_code", parts.areas)]
    if "e" in names:
        lookups.append(("enumerator_id", parts.officers))
    for column, known in lookups:
        rows = np.flatnonzero(part < 0)
        if not len(rows):
            break
        values = table[column].cast(pa.string())
        if len(rows) < len(part):
            values = values.take(pa.array(rows))
        at = pc.fill_null(pc.index_in(values, value_set=known["key"]), -1).to_numpy()
        found = at >= 0
        part[rows[found]] = known["part"].to_numpy()[at[found]]
    return part


def split(spill: Path, names: list[str], parts: Parts, part_rows: int) -> set[int]:
    """Split a spilled file into files ``<spill>-<part>``, by part; return the parts.

    Rows are keyed by their keys ``names`` (:func:`keys`) and put in their part of
    ``parts``; rows with none fill parts of their own, ``part_rows`` input rows at a time.
    The spilled file is deleted.
    """
    table = take_table([spill])
    part = part_of(table, names, parts)
    lone = np.flatnonzero(part < 0)
    row = table[table.schema.pandas_metadata["index_columns"][0]].to_numpy()  # input row
    part[lone] = parts.count + row[lone] // part_rows
    order = pc.sort_indices(pa.array(part))  # stable: each part's rows, in input order
    table, part = table.take(order), part[order.to_numpy()]
    numbers, starts = np.unique(part, return_index=True)
    for p, start, end in zip(numbers, starts, [*starts[1:], len(part)], strict=True):
        with pa.ipc.new_stream(spill.with_name(f"{spill.name}-{p}"), table.schema) as writer:
            writer.write_table(table.slice(start, end - start))
    return set(numbers.tolist())
