"""Analyse a large registration a part of the rows at a time, so that memory stays small.

A province's interviews (millions of rows) do not fit in a laptop's memory with everything
the analysis adds to them. :func:`analyse` runs the stages of
:func:`cakupan._flow.analyse` on a part of the rows at a time and gives the same result:

1. **Locate.** The interviews are read a batch at a time, normalised and located, each row
   on its own (:func:`cakupan.assign.locate.locate_interviews`), and spilled to temporary Arrow
   files. Kept from each batch: the interview IDs (an ID repeated anywhere in the file is a
   duplicate) and how many rows each combination of keys (below) has.
2. **Count, a group of kelurahan at a time.** The crosswalk looks at every row declaring one
   unknown code, household duplicates at every row counted in one kelurahan. A row is keyed
   by the kelurahan code it declares when the boundaries know it, else by the declared
   unknown code *and* the kelurahan it lies in (linking the two), else by where it lies.
   Linked keys form groups no rule crosses; groups are packed, in code order, into parts of
   about ``part_rows`` rows, and each part is counted
   (:func:`cakupan.assign.locate.count_interviews`)
   and de-duplicated.
3. **Check, a group of enumerators at a time.** Every check compares an enumerator's own
   interviews (or none), so parts are runs of enumerators
   (:func:`cakupan._flow.check_interviews`). Of each checked part only its tally is kept
   in memory (:mod:`cakupan.detect.tally`: counts and the flagged rows); its rows of
   ``interviews.csv`` are spilled to disk (:class:`Spilled`).
4. **Add up.** The parts' tallies are added up (invented clusters numbered again by their
   first row) and coverage, blind spots and accounting computed from the whole. No frame of
   every row is ever built: :class:`Spilled` gives ``interviews.csv`` its rows in input
   order, a slice at a time.

When every enumerator's rows fall in one group of kelurahan (as assignments are made),
steps 2 and 3 are one: a part holds whole groups of both keys, counted then checked at once.
Otherwise rows are routed to parts twice, by kelurahan then by enumerator.

Parts, and a Parquet file's row groups, are worked on in processes forked from this one,
one per core (:func:`cakupan._processes.available`): they share its polygons and indexes, and each
part has ``part_rows / processes`` rows, so memory stays about the same (down to a quarter
of a million rows a part: beyond a few processes memory grows with their number).

Given a dask cluster (:class:`cakupan.scale.cluster.Cluster`), the row groups and parts are
worked on by its workers instead: each gets what forked processes inherit (:class:`_Job`)
once per pass and builds the polygon indexes once (:func:`run_task`); the temporary files
must then be in a folder every worker can read (``TMPDIR``).

Rows with no key (no code, no location, no enumerator) are compared with nothing and fill
parts of their own. A group larger than ``part_rows`` is a part of its own: an enumerator
who worked everywhere costs memory, never exactness. ``tests/test_run_by_parts.py`` checks that
every output file is identical, byte for byte, to one pass, in one process or several.
"""

from __future__ import annotations

import contextlib
import ctypes
import shutil
import tempfile
import weakref
from collections.abc import Iterable
from concurrent.futures import Future, as_completed
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from cakupan import _flow as pipeline
from cakupan import _processes, read
from cakupan._text import as_arrow, fingerprints
from cakupan.assign import locate as assign
from cakupan.assign._grid import index_of, reusing_indexes
from cakupan.config import Config
from cakupan.detect import flags, location
from cakupan.detect.tally import combine, tally
from cakupan.errors import InputError

#: Rows per part: about 1 GB of working memory at the peak of counting or checking one.
PART_ROWS = 1_000_000
#: Rows per slice that :meth:`Spilled.frames` gives back: each slice's CSV text is built
#: whole, about 0.5 GB a million rows.
SLICE_ROWS = 1 << 18
#: Parts and a Parquet row group's batches, shared among processes, stop shrinking here:
#: beyond, memory grows with the processes rather than the files between passes (parts
#: times batches) without end.
LEAST_PART_ROWS, LEAST_BATCH_ROWS = 1 << 18, 1 << 16
_REPEATED = "repeated_household"  # carried from counting to checking


def analyse(path, polygons: pipeline.Loaded, config: Config = Config(),
            progress: pipeline.Progress | None = None, part_rows: int = PART_ROWS,
            processes: int | None = None, cluster=None) -> pipeline.Result:
    """Return :func:`cakupan._flow.analyse`'s result for the interviews at ``path``.

    ``polygons`` is :func:`cakupan._flow.load`'s result without interviews (its
    ``interviews`` is not used). Parts are counted and checked in ``processes`` processes
    at once (:func:`cakupan._processes.available` by default), each part of ``part_rows /
    processes`` rows (at least a quarter of a million), so that memory stays about the same
    whatever their number. Given a ``cluster`` (:class:`cakupan.scale.cluster.Cluster`), its
    workers do that work instead, each part of ``part_rows / workers`` rows.
    """
    step = progress or (lambda name: None)
    if cluster is not None:  # its workers read the file too, from folders of their own
        path, processes = Path(path).absolute(), cluster.workers
    processes = max(int(processes or _processes.available()), 1)
    points = pipeline.needs_points(polygons)
    _, kelurahan, units = pipeline.project(polygons.kelurahan, polygons.units)
    known = pa.array(kelurahan["kelurahan_code"].astype("string"), type=pa.string(),
                     from_pandas=True)
    step("assign")
    spilled = Spilled()
    global _JOB, _CLUSTER, _DETAIL
    _JOB, _CLUSTER = _Job(kelurahan, units, config, points, known, processes), cluster
    _DETAIL = getattr(progress, "detail", None)
    try:
        with tempfile.TemporaryDirectory(prefix="cakupan-") as name, reusing_indexes():
            with _beside(processes, pipeline.account_polygons, kelurahan, units) as beside:
                if cluster is None:  # the processes locating share it; workers build their own
                    index_of(kelurahan.geometry.to_numpy())
                (ids, prints), links, located = _locate(path, config, Path(name), processes)
            accounting = beside.result()  # its process has ended: its memory is free
            _JOB.repeated_id = assign.repeated(ids, prints)
            del ids, prints
            step("check")
            tallies = _count_and_check(located, links,
                                       _per_process(part_rows, processes, LEAST_PART_ROWS),
                                       processes, spilled)
    finally:
        _JOB = _CLUSTER = _DETAIL = None
    return pipeline.finish(combine(tallies, points), kelurahan, units, polygons, config, step,
                           spilled=spilled, polygon_accounting=accounting)


@contextlib.contextmanager
def _beside(processes: int, work, *args):
    """Yield the future of ``work(*args)``, run in a process of its own beside the block.

    Given one process, it runs here after the block. The polygon layers' accounting (the
    overlaps and gaps of 60,000 RT polygons take seconds) is worked out while rows are
    located, in a process of its own so that the parts need not wait for it.
    """
    if processes <= 1:
        later = Future()
        yield later
        later.set_result(work(*args))
        return
    with _processes.pool(1) as pool:
        yield pool.submit(work, *args)


@dataclass
class _Job:
    """What every part's work needs; forked processes inherit it (see :data:`_JOB`)."""

    kelurahan: object
    units: object
    config: Config
    points: bool
    known: pa.Array  # the boundaries' kelurahan codes
    processes: int
    repeated_id: np.ndarray | None = None  # once every row is located
    route: tuple | None = None  # how rows are routed to parts (:func:`_route`)

    @property
    def checked_units(self):
        """The polygons interviews are checked against: RT, else kelurahan."""
        return self.kelurahan if self.units is None else self.units


#: The run's :class:`_Job`, set while its parts are counted and checked: a module global so
#: that processes forked for the parts inherit it instead of receiving a copy.
_JOB: _Job | None = None
#: Where the run's tasks go instead of forked processes (:func:`_run`), if anywhere.
_CLUSTER = None
#: The run's progress callback's ``detail``, told how many tasks of a pass are done.
_DETAIL = None


def _count_and_check(located: list[Path], links: pd.DataFrame, part_rows: int,
                     processes: int, spilled: Spilled) -> list:
    """Count and check every located row, a part at a time; return the parts' tallies.

    When the groups of areas and of enumerators nest (an enumerator works in one area, as
    assignments are made), one part holds whole groups of both, and is counted then checked
    at once. Otherwise rows are counted by area, then routed again and checked by
    enumerator.
    """
    area = _parts(links, ["a", "b"], part_rows)
    officer = _parts(links, ["e"], part_rows)
    joint = _parts(links, ["a", "b", "e"], part_rows)
    if joint.largest <= max(part_rows, area.largest, officer.largest):
        parts = _route(located, ["a", "b", "e"], joint, part_rows, processes, _index_units)
        tasks = [(_counted_and_checked, files, spilled.next_path(i))
                 for i, files in enumerate(parts)]
        return spilled.keep(_run(tasks, processes, what="parts checked"))
    parts = _route(located, ["a", "b"], area, part_rows, processes, _index_units)
    counted = [located[0].with_name(f"counted-{i}") for i in range(len(parts))]
    _run(list(zip([_counted_only] * len(parts), parts, counted, strict=True)), processes,
         what="parts counted")
    parts = _route(counted, ["e"], officer, part_rows, processes)
    tasks = [(_checked_only, files, spilled.next_path(i)) for i, files in enumerate(parts)]
    return spilled.keep(_run(tasks, processes, what="parts checked"))


def _index_units() -> None:
    """Build here the indexes of the units that counting and checking reuse.

    Built once (:func:`reusing_indexes`), before the processes counting and checking parts
    are forked: they inherit them. At province size they take seconds and hundreds of MB
    while built, so they are built while rows are routed, which takes little memory; the
    checks' edges and adjacency (:func:`_index_checks`) are built before, while rows are
    located, so that routing need not wait for them.
    """
    index_of(_JOB.checked_units.geometry.to_numpy())
    _index_checks()


def _index_checks() -> None:
    location.index_units(_JOB.checked_units, _JOB.config)


def _run(tasks: Iterable[tuple], processes: int, meanwhile=None, what: str = "") -> list:
    """Return ``[work(source, target) for work, source, target in tasks]``.

    Tasks run in up to ``processes`` processes forked from this one, which inherit the
    polygon indexes (:func:`reusing_indexes`) and :data:`_JOB`; their sources and targets
    are small (file names, a row group's number), their work reads the rows.
    ``meanwhile()``, if given, runs here while they work. On a cluster (:data:`_CLUSTER`)
    they run on its workers, and ``meanwhile`` not at all: it builds what forked processes
    would inherit, and the workers build their own. As tasks end, :data:`_DETAIL` is told
    how many of them (``what``) are done.
    """
    if _CLUSTER is not None:
        return _CLUSTER.run(tasks, _JOB, partial(_tell, what) if _DETAIL else None)
    if processes <= 1:
        if meanwhile:
            meanwhile()
        return _here(tasks, what)
    release_memory()  # memory this process freed: the forked ones would copy it as they reuse it
    with _processes.pool(processes) as pool:
        futures = [pool.submit(*task) for task in tasks]
        if meanwhile:
            _tell(what, 0, len(futures))  # a pass that has begun, though none is told done
            meanwhile()
        for done, _ in enumerate(as_completed(futures), 1):
            _tell(what, done, len(futures))
        return [future.result() for future in futures]


def _here(tasks: Iterable[tuple], what: str = "") -> list:
    """Return ``[work(source, target) for work, source, target in tasks]``, run here."""
    total, done = (len(tasks) if hasattr(tasks, "__len__") else None), []
    for work, source, target in tasks:
        done.append(work(source, target))
        _tell(what, len(done), total)
    return done


def _tell(what: str, done: int, total: int | None = None) -> None:
    if _DETAIL is not None and what:
        _DETAIL(f"{done}/{total} {what}" if total else f"{done} {what}")


def run_task(job: _Job, work, source, target, built: dict):
    """Run a task of :func:`_run` in a process not forked from the run (a dask worker).

    ``job`` is what a forked process would inherit (:data:`_JOB`); ``built`` keeps the
    polygon indexes the task builds (:func:`reusing_indexes`) for the job's next tasks.
    """
    global _JOB
    outer, _JOB = _JOB, job  # a worker may be a thread of the run's own process
    try:
        with reusing_indexes(built):
            return work(source, target)
    finally:
        _JOB = outer


def _counted(source: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """Return a part's rows counted and de-duplicated, and which repeat a household."""
    placed = assign.count_interviews(_take(source), _JOB.kelurahan, _JOB.units)
    households = fingerprints(as_arrow(placed["household_id"]))
    placed["status"] = assign.mark_duplicates(placed, _JOB.repeated_id[placed.index],
                                              households)
    return placed, flags.repeated_households(placed, households)


def _checked(placed: pd.DataFrame, repeated: np.ndarray, target: Path):
    """Check a part's counted rows; spill them to ``target``; return (tally, target, rows).

    The rows are tallied as text: only the few the tally keeps become categoricals.
    """
    checked = pipeline.check_interviews(placed, _JOB.kelurahan, _JOB.units, _JOB.config,
                                        repeated)
    del placed
    return tally(checked, _JOB.points), target, spill_rows(checked, target)


def _counted_and_checked(source: Path, target: Path):
    return _checked(*_counted(source), target)


def _counted_only(source: Path, target: Path) -> None:
    placed, repeated = _counted(source)
    placed[_REPEATED] = repeated
    _spill(placed, target)


def _checked_only(source: Path, target: Path):
    placed = _take(source)
    repeated = placed.pop(_REPEATED).to_numpy(dtype=bool)
    return _checked(placed, repeated, target)


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

    @property
    def columns(self) -> list[str]:
        """The ``interviews.csv`` columns spilled."""
        if not self.files:
            return []
        with pa.OSFile(str(self.files[0])) as file:
            return [name for name in pa.ipc.open_stream(file).schema.names if name != "_row"]

    def add(self, checked: pd.DataFrame) -> None:
        """Spill the ``interviews.csv`` columns of a checked part (see :func:`spill_rows`)."""
        path = self.next_path(len(self.files))
        self.keep([(None, path, spill_rows(checked, path))])

    def next_path(self, number: int) -> Path:
        """Return the file the part ``number`` is spilled to."""
        return self.folder / f"rows-{number}"

    def keep(self, parts: list[tuple]) -> list:
        """Take the parts ``(tally, path, rows)`` spilled; return their tallies."""
        for _, path, rows in parts:
            self.files.append(path)
            self.rows += rows
        return [part[0] for part in parts]

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


def spill_rows(checked: pd.DataFrame, path: Path) -> int:
    """Write the ``interviews.csv`` columns of checked rows to ``path``; return how many.

    Categoricals are written as text, rows in input order (a part's rows come in runs of
    input order, one per part of the counting), which :meth:`Spilled.frames` relies on.
    """
    from cakupan.render.write import INTERVIEW_COLUMNS

    frame = checked[[c for c in INTERVIEW_COLUMNS if c in checked]].sort_index()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.append_column("_row", pa.array(frame.index.to_numpy(), pa.int64()))
    table = pa.table({name: (pc.cast(column, column.type.value_type)
                             if pa.types.is_dictionary(column.type) else column)
                      for name, column in zip(table.column_names, table.columns, strict=True)})
    with pa.ipc.new_stream(path, table.schema) as writer:
        writer.write_table(table, max_chunksize=1 << 16)
    return len(frame)


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


def _spill(frame: pd.DataFrame, path: Path) -> pa.Table:
    """Write ``frame`` (with its index) to an Arrow stream file at ``path``; return it."""
    frame = frame.copy(deep=False)
    frame.attrs = {}  # per-run notes (the crosswalk), not rows
    table = pa.Table.from_pandas(frame, preserve_index=True)
    with pa.ipc.new_stream(path, table.schema) as writer:
        writer.write_table(table)
    return table


def _slices(path, config):
    """Yield the normalised interviews of a file read whole, in slices."""
    frame, _ = pipeline.load_interviews(path, config, _JOB.units)
    rows = read.batches.BATCH_ROWS
    for start in range(0, max(len(frame), 1), rows):
        yield frame.iloc[start:start + rows]


def _locate(path, config, folder: Path, processes: int):
    """Locate every row into files in ``folder``.

    A Parquet file's row groups are read and located in ``processes`` processes at once;
    other files are read in this one, a batch at a time. Returns the interview IDs, the
    rows per combination of keys (:func:`_keys`) and the files, in input order. The IDs
    come with their fingerprints (:func:`cakupan._text.fingerprints`), worked out here
    while each process has a batch at hand, so that finding repeated IDs takes little.
    """
    groups = read.row_groups(path) if processes > 1 or _CLUSTER is not None else 0
    try:
        if groups > 1:
            tasks = ((_located, partial(_row_group, path, g), folder / f"located-{g}")
                     for g in range(groups))
        else:
            tasks = ((_located, [batch], folder / f"located-{i}")
                     for i, batch in enumerate(pipeline.interview_batches(path, config,
                                                                          units=_JOB.units)))
        return _gathered(_run(tasks, processes, _index_checks, "row groups located") if groups > 1
                         else _here(tasks, "batches located"))
    except (InputError, read.WholeFileNeeded):
        # read_table reads the file line by line, or says first what is wrong with it
        tasks = ((_located, [batch], folder / f"located-{i}")
                 for i, batch in enumerate(_slices(path, config)))
        return _gathered(_here(tasks, "batches located"))


def _located(batches, target: Path):
    """Locate batches of normalised interviews (an iterable, or a function yielding them).

    Each is spilled to a file named after ``target``. Returns, per batch, its interview
    IDs and their fingerprints, its rows per combination of keys, and its file.
    """
    found = []
    for i, batch in enumerate(batches() if callable(batches) else batches):
        located = assign.locate_interviews(batch, _JOB.kelurahan,
                                           _JOB.config.assign.sliver_tolerance_m)
        del batch
        file = target.with_name(f"{target.name}-{i}")
        table = _spill(located, file)
        del located
        links = _count_keys(_keys(table, _JOB.known))
        ids = table["interview_id"]
        found.append(((ids, fingerprints(ids)), links, file))
    return found


def _row_group(path, number: int):
    # a batch per process at a time: smaller batches, so that memory stays the same
    rows = _per_process(read.batches.BATCH_ROWS, _JOB.processes, LEAST_BATCH_ROWS)
    return pipeline.interview_batches(path, _JOB.config, number, rows, _JOB.units)


def _per_process(rows: int, processes: int, least: int) -> int:
    """Return ``rows`` shared among ``processes``, but not below ``least`` (or ``rows``).

    Examples
    --------
    >>> _per_process(1_000_000, 2, 1 << 18), _per_process(1_000_000, 64, 1 << 18)
    (500000, 262144)
    >>> _per_process(700, 2, 1 << 18)
    700
    """
    return max(rows // processes, min(rows, least), 1)


def _gathered(found: list[list[tuple]]):
    found = [batch for task in found for batch in task]
    ids = [chunk for (ids, _), _, _ in found for chunk in ids.chunks]
    prints = np.concatenate([prints for (_, prints), _, _ in found]
                            or [np.zeros(0, dtype=np.uint64)])
    links = pa.concat_tables([links for _, links, _ in found])
    links = links.group_by(_KEYS).aggregate([("rows", "sum")])
    return ((pa.chunked_array(ids, type=ids[0].type if ids else pa.string()), prints),
            links.rename_columns([*_KEYS, "rows"]).select([*_KEYS, "rows"]).to_pandas(),
            [file for _, _, file in found])


#: A row's keys: ``a`` and ``b`` the kelurahan it is counted in or may be, ``e`` its
#: enumerator.
_KEYS = ["a", "b", "e"]


def _keys(table, known) -> pa.Table:
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


def _count_keys(keys: pa.Table) -> pa.Table:
    """Return the rows of each combination of keys in ``keys`` (column ``rows``).

    Arrow's hash grouping, in this thread: the batches are located in a process per core.
    """
    names = keys.column_names
    counted = keys.group_by(names, use_threads=False).aggregate([([], "count_all")])
    return pa.table({**{name: counted[name] for name in names}, "rows": counted["count_all"]})


class Parts(NamedTuple):
    """The part of every key seen (linked keys share one); the rows of the largest group."""

    areas: pa.Table  # key (a kelurahan code, as in ``a`` and ``b``), part
    officers: pa.Table  # key (an enumerator ID), part
    count: int  # parts 0, 1, ... count - 1
    largest: int


def _parts(links: pd.DataFrame, names: list[str], part_rows: int) -> Parts:
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


def _part_of(table: pa.Table, names: list[str], parts: Parts) -> np.ndarray:
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


def _route(spills: list[Path], names: list[str], parts: Parts, part_rows: int,
           processes: int, meanwhile=None) -> list[list[Path]]:
    """Split the rows spilled at ``spills`` by part; return each part's files, in order.

    Rows are keyed by their keys ``names`` (:func:`_keys`); rows with none fill parts of
    their own, by input row. Files are split in ``processes`` processes at once, and
    deleted; ``meanwhile()``, if given, runs here while they are.
    """
    _JOB.route = (names, parts, part_rows)
    split = _run([(_split, spill, spill) for spill in spills], processes, meanwhile,
                 what="files sorted into parts")
    made = list(zip(spills, split, strict=True))
    return [[spill.with_name(f"{spill.name}-{p}") for spill, numbers in made if p in numbers]
            for p in sorted(set().union(*split))]


def _split(spill: Path, _) -> set[int]:
    """Split a spilled file into files ``<spill>-<part>`` as :func:`_route`; return the parts."""
    names, parts, part_rows = _JOB.route
    table = _take_table([spill])
    part = _part_of(table, names, parts)
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


def release_memory() -> None:
    """Give the memory this process freed back to the system.

    Arrow's allocator and glibc's keep freed blocks for reuse. Done before forking: a
    forked process that reuses such a block copies it. A process working on parts keeps
    its blocks for the next part, which needs as many (giving them back and taking them
    again made the province run seconds slower); they go when it ends, with the pool.
    """
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: its allocator decides
        pass


def _take(paths: list[Path]) -> pd.DataFrame:
    """Return the rows spilled to ``paths``, one after another, and delete the files."""
    return _take_table(paths).to_pandas()


def _take_table(paths: list[Path]) -> pa.Table:
    tables = []
    for path in paths:
        # read, not memory-mapped: mapped pages would count against the run's memory until
        # the file is closed
        with pa.OSFile(str(path)) as file:
            tables.append(pa.ipc.open_stream(file).read_all())
        path.unlink()
    schema = tables[0].schema  # a column all empty in one file has another type
    return pa.concat_tables([t if t.schema.equals(schema) else t.cast(schema) for t in tables])
