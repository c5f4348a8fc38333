"""Analyse a large registration a part of the rows at a time, so that memory stays small.

A province's interviews (millions of rows) do not fit in a laptop's memory with everything
the analysis adds to them. :func:`analyse` runs the stages of
:func:`cakupan.pipeline.analyse` on a part of the rows at a time and gives the same result:

1. **Locate.** The interviews are read a batch at a time, normalised and located, each row
   on its own (:func:`cakupan.assign.locate_interviews`), and spilled to a temporary Arrow
   file. Kept from each batch: the interview IDs (an ID repeated anywhere in the file is a
   duplicate) and how many rows each kelurahan and each enumerator has.
2. **Count, a group of kelurahan at a time.** The crosswalk looks at every row declaring one
   unknown code, household duplicates at every row counted in one kelurahan. A row is keyed
   by the kelurahan code it declares when the boundaries know it, else by the declared
   unknown code *and* the kelurahan it lies in (linking the two), else by where it lies.
   Linked keys form groups no rule crosses; groups are packed, in code order, into parts of
   about ``part_rows`` rows, and each part is counted (:func:`cakupan.assign.count_interviews`)
   and de-duplicated, then spilled again.
3. **Check, a group of enumerators at a time.** Every check compares an enumerator's own
   interviews (or none), so parts are runs of enumerators
   (:func:`cakupan.pipeline.check_interviews`). Of each checked part only its tally is kept
   in memory (:mod:`cakupan.tally`: counts and the flagged rows); its rows of
   ``interviews.csv`` are spilled to disk (:class:`Spilled`).
4. **Add up.** The parts' tallies are added up (invented clusters numbered again by their
   first row) and coverage, blind spots and accounting computed from the whole. No frame of
   every row is ever built: :class:`Spilled` gives ``interviews.csv`` its rows in input
   order, a slice at a time.

Rows with no key (no code, no location, no enumerator) are compared with nothing and fill
parts of their own. A group larger than ``part_rows`` is a part of its own: an enumerator
who worked everywhere costs memory, never exactness. ``tests/test_by_area.py`` checks that
every output file is identical, byte for byte, to one pass.
"""

from __future__ import annotations

import ctypes
import shutil
import tempfile
import weakref
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from . import assign, checks, normalise, pipeline, read
from ._grid import reusing_indexes
from .config import Config
from .errors import InputError
from .tally import combine, tally

#: Rows per part: about 1 GB of working memory at the peak of counting or checking one.
PART_ROWS = 1_000_000
#: Rows per slice that :meth:`Spilled.frames` gives back: each slice's CSV text is built
#: whole, about 0.5 GB a million rows.
SLICE_ROWS = 1 << 18
_NONE = "\x00"  # a missing key, in joined keys
_REPEATED = "repeated_household"  # carried from counting to checking


def analyse(path, polygons: pipeline.Loaded, config: Config = Config(),
            progress: pipeline.Progress | None = None, part_rows: int = PART_ROWS
            ) -> pipeline.Result:
    """Return :func:`cakupan.pipeline.analyse`'s result for the interviews at ``path``.

    ``polygons`` is :func:`cakupan.pipeline.load`'s result without interviews (its
    ``interviews`` is not used).
    """
    step = progress or (lambda name: None)
    _, kelurahan, units = pipeline.project(polygons.kelurahan, polygons.units)
    known = pa.array(kelurahan["kelurahan_code"].astype("string"), type=pa.string(),
                     from_pandas=True)
    points = pipeline.needs_points(polygons)
    step("assign")
    spilled = Spilled()
    with tempfile.TemporaryDirectory(prefix="cakupan-") as name, reusing_indexes():
        folder = Path(name)
        ids, by_area, by_officer = _locate(path, kelurahan, units, config, folder / "located",
                                           known)
        repeated_id = assign.repeated(ids)
        del ids
        counted = folder / "counted"
        with _Spill(counted) as spill:
            for part in _route(folder / "located", lambda t: _area_keys(t, known),
                               _parts(by_area, part_rows), part_rows):
                placed = assign.count_interviews(_read(part), kelurahan, units)
                placed["status"] = assign.mark_duplicates(placed, repeated_id[placed.index])
                placed[_REPEATED] = checks.repeated_households(placed)
                spill.write(placed)
                del placed
                release_memory()
        step("check")
        tallies = []
        for part in _route(counted, _officer_keys, _parts(by_officer, part_rows), part_rows):
            placed = _read(part)
            repeated = placed.pop(_REPEATED).to_numpy(dtype=bool)
            checked = pipeline.compact(
                pipeline.check_interviews(placed, kelurahan, units, config, repeated))
            del placed
            tallies.append(tally(checked, points))  # filtered rows: buffers of their own
            spilled.add(checked)
            del checked
            release_memory()
    return pipeline.finish(combine(tallies, points), kelurahan, units, polygons, config, step,
                           spilled=spilled)


class Spilled:
    """The rows of ``interviews.csv`` of a run by parts, on disk until they are written.

    Each checked part's rows go to a file of their own, in input order; :meth:`frames`
    merges the parts back into input order a slice at a time. The files live in a
    temporary folder, removed when this object is.
    """

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="cakupan-rows-"))
        weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True)
        self.files: list[Path] = []
        self.rows = 0
        self.columns: list[str] = []

    def add(self, checked: pd.DataFrame) -> None:
        """Spill the ``interviews.csv`` columns of a checked part (categoricals as text).

        A part's rows come in runs of input order (one per part of the counting); they are
        put in input order here, which :meth:`frames` relies on.
        """
        from .write import INTERVIEW_COLUMNS

        frame = checked[[c for c in INTERVIEW_COLUMNS if c in checked]].sort_index()
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.append_column("_row", pa.array(frame.index.to_numpy(), pa.int64()))
        table = pa.table({name: (pc.cast(column, column.type.value_type)
                                 if pa.types.is_dictionary(column.type) else column)
                          for name, column in zip(table.column_names, table.columns,
                                                  strict=True)})
        path = self.folder / f"rows-{len(self.files)}"
        with pa.ipc.new_stream(path, table.schema) as writer:
            writer.write_table(table, max_chunksize=1 << 16)
        self.files.append(path)
        self.rows += len(frame)
        self.columns = list(frame.columns)

    def frames(self, columns, rows: int | None = None):
        """Yield the spilled rows' ``columns`` in input order, a slice at a time.

        ``rows`` per slice, :data:`SLICE_ROWS` by default.
        """
        rows = rows or SLICE_ROWS
        readers = [_InOrder(path) for path in self.files]
        try:
            done = 0
            while done < self.rows:
                pieces = [reader.before(done + rows) for reader in readers]
                table = pa.concat_tables([p for p in pieces if p is not None])
                order = np.argsort(table["_row"].to_numpy(), kind="stable")
                done += len(order)
                yield table.select(list(columns)).take(pa.array(order)).to_pandas(
                    types_mapper=_text_as_string)
        finally:
            for reader in readers:
                reader.close()


def _text_as_string(type_):
    return pd.StringDtype("pyarrow") if pa.types.is_string(type_) else None


class _InOrder:
    """Reads a spilled part (rows in input order) up to a given input row at a time."""

    def __init__(self, path: Path):
        self._file = pa.OSFile(str(path))
        self._batches = iter(pa.ipc.open_stream(self._file))
        self._held = []

    def close(self) -> None:
        self._file.close()

    def before(self, end: int) -> pa.Table | None:
        """Return the part's next rows whose input row is below ``end`` (None for none)."""
        taken = []
        while True:
            if not self._held:
                batch = next(self._batches, None)
                if batch is None:
                    break
                self._held = [batch]
            batch = self._held[0]
            rows = batch.column("_row").to_numpy()
            cut = int(np.searchsorted(rows, end))
            taken.append(batch.slice(0, cut))
            if cut < len(rows):
                self._held = [batch.slice(cut)]
                break
            self._held = []
        taken = [b for b in taken if b.num_rows]
        return pa.Table.from_batches(taken) if taken else None


class _Spill:
    """Frames written one after another to an Arrow stream file, with one schema."""

    def __init__(self, path: Path):
        self.path, self.schema, self.writer = path, None, None

    def __enter__(self):
        return self

    def write(self, frame: pd.DataFrame) -> pa.Table:
        frame = frame.copy(deep=False)
        frame.attrs = {}  # per-run notes (the crosswalk), not rows
        table = pa.Table.from_pandas(frame, schema=self.schema, preserve_index=True)
        if self.writer is None:
            self.schema = table.schema
            self.writer = pa.ipc.new_stream(self.path, self.schema)
        self.writer.write_table(table)
        return table

    def __exit__(self, *exc):
        if self.writer is not None:
            self.writer.close()


def _slices(path, config):
    """Yield the normalised interviews of a file read whole, in slices."""
    frame, _ = pipeline.load_interviews(path, config)
    for start in range(0, max(len(frame), 1), read.BATCH_ROWS):
        yield frame.iloc[start:start + read.BATCH_ROWS]


def _locate(path, kelurahan, units, config, spill: Path, known):
    """Locate every row into ``spill``; return the interview IDs and the rows per key."""
    try:
        return _locate_batches(pipeline.interview_batches(path, config), kelurahan, units,
                               config, spill, known)
    except (InputError, read.WholeFileNeeded):
        # read_table reads the file line by line, or says first what is wrong with it
        return _locate_batches(_slices(path, config), kelurahan, units, config, spill, known)


def _locate_batches(batches, kelurahan, units, config, path: Path, known):
    ids, by_area, by_officer = [], [], []
    with _Spill(path) as spill:
        for batch in batches:
            if units is not None:
                batch = normalise.resolve_sls(batch, units)
            table = spill.write(assign.locate_interviews(batch, kelurahan,
                                                         config.assign.sliver_tolerance_m))
            del batch
            ids.extend(table["interview_id"].chunks)
            by_area.append(_counts(_area_keys(table, known)))
            by_officer.append(_counts(_officer_keys(table)))
    type_ = spill.schema.field("interview_id").type
    return (pa.chunked_array(ids, type=type_), _total(by_area), _total(by_officer))


def _area_keys(table, known) -> pa.Table:
    """Key each row by the kelurahan it is counted in, or may be (see the module docstring)."""
    declared = table["declared_kelurahan_code"].cast(pa.string())
    located = table["location_kelurahan_code"].cast(pa.string())
    listed = pc.is_in(declared, value_set=known)
    return pa.table({"a": pc.coalesce(declared, located),
                     "b": pc.if_else(pc.or_kleene(listed, pc.is_null(declared)),
                                     pa.nulls(len(table), pa.string()), located)})


def _officer_keys(table) -> pa.Table:
    return pa.table({"a": table["enumerator_id"].cast(pa.string()),
                     "b": pa.nulls(len(table), pa.string())})


def _counts(keys: pa.Table) -> pa.Table:
    return keys.group_by(["a", "b"]).aggregate([([], "count_all")])


def _total(counts: list[pa.Table]) -> pd.DataFrame:
    table = pa.concat_tables(counts).group_by(["a", "b"]).aggregate([("count_all", "sum")])
    return table.select(["a", "b", "count_all_sum"]).rename_columns(["a", "b", "rows"]
                                                                    ).to_pandas()


def _parts(links: pd.DataFrame, part_rows: int) -> pa.Table:
    """Return each pair of keys seen (``links``: ``a``, ``b``, ``rows``) with its part.

    Keys met in one row are in one group; groups fill parts in the order of their lowest
    key, so that a part is a run of neighbouring codes. Pairs of no key get part -1.
    """
    nodes = pd.Index(pd.concat([links["a"], links["b"]]).dropna().unique()).sort_values()
    a, b = nodes.get_indexer(links["a"]), nodes.get_indexer(links["b"])
    hub = np.maximum(a, b)  # one key of each pair, -1 when it has none
    tie = (a >= 0) & (b >= 0)
    graph = coo_matrix((np.ones(tie.sum()), (a[tie], b[tie])), shape=(len(nodes),) * 2)
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
    keys = pa.Table.from_pandas(links[["a", "b"]], preserve_index=False)
    return pa.table({"key": _joined(keys),
                     "part": np.where(some, part[group[np.maximum(hub, 0)]], -1)})


def _joined(keys: pa.Table) -> pa.Array:
    """Return each row's two keys as one text (a missing key as NUL)."""
    return pc.binary_join_element_wise(
        *[pc.fill_null(keys[name].cast(pa.string()), _NONE) for name in ("a", "b")], "\x1f")


def _route(spill: Path, keys_of, parts: pa.Table, part_rows: int):
    """Split the rows spilled at ``spill`` into one file per part; yield each in turn.

    ``keys_of`` gives a batch's keys; rows with none fill parts of their own. Each file is
    deleted once the next is asked for, and ``spill`` at once.
    """
    part_of = parts["part"].to_numpy()
    first_loose = int(part_of.max()) + 1 if len(part_of) else 0
    writers, loose = {}, 0
    with pa.ipc.open_stream(pa.OSFile(str(spill))) as reader:
        for batch in reader:
            where = pc.index_in(_joined(keys_of(batch)), value_set=parts["key"])
            part = part_of[where.to_numpy(zero_copy_only=False).astype(np.int64)]
            lone = np.flatnonzero(part < 0)
            part[lone] = first_loose + (loose + np.arange(len(lone))) // part_rows
            loose += len(lone)
            order = np.argsort(part, kind="stable")  # each part's rows, in input order
            batch, part = batch.take(pa.array(order)), part[order]
            ids, starts = np.unique(part, return_index=True)
            for p, start, end in zip(ids, starts, [*starts[1:], len(part)], strict=True):
                if p not in writers:
                    writers[p] = pa.ipc.new_stream(spill.with_name(f"{spill.name}-{p}"),
                                                   batch.schema)
                writers[p].write_batch(batch.slice(start, end - start))
    for writer in writers.values():
        writer.close()
    spill.unlink()
    for p in sorted(writers):
        file = spill.with_name(f"{spill.name}-{p}")
        yield file
        file.unlink()


def release_memory() -> None:
    """Give the memory freed by the last part back to the system.

    Arrow's allocator and glibc's keep freed blocks for reuse; between parts nothing needs
    them, and a laptop's other programs do.
    """
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: its allocator decides
        pass


def _read(path: Path) -> pd.DataFrame:
    # read, not memory-mapped: mapped pages would count against the run's memory until the
    # file is closed
    with pa.ipc.open_stream(pa.OSFile(str(path))) as reader:
        return reader.read_all().to_pandas()
