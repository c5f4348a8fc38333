"""Analyse a large registration a part of the rows at a time, so that memory stays small.

A province's interviews (millions of rows) do not fit in a laptop's memory with everything
the analysis adds to them. :func:`analyse_in_parts` runs the stages of
:func:`cakupan._flow.one_pass` on a part of the rows at a time and gives the same result:

1. **Locate.** The interviews are read a batch at a time, normalised and located, each row
   on its own (:func:`cakupan.assign.locate.locate_interviews`), and spilled to temporary
   Arrow files (:mod:`cakupan.scale.spill`). Kept from each batch: the interview IDs (an ID
   repeated anywhere in the file is a duplicate) and how many rows each combination of keys
   has (:mod:`cakupan.scale.parts`).
2. **Count, a group of kelurahan at a time.** Rows are routed to parts of about
   ``part_rows`` rows, whole groups of linked kelurahan codes (the crosswalk and household
   duplicates look no further), and each part is counted
   (:func:`cakupan.assign.locate.count_interviews`) and de-duplicated.
3. **Check, a group of enumerators at a time.** Every check compares an enumerator's own
   interviews (or none), so parts are runs of enumerators. Of each checked part only its
   tally is kept in memory (:mod:`cakupan.detect.tally`: counts and the flagged rows); its
   rows of ``interviews.csv`` are spilled to disk (:class:`cakupan.scale.spill.Spilled`).
4. **Add up.** The parts' tallies are added up (invented clusters numbered again by their
   first row) and coverage, blind spots and accounting computed from the whole
   (:func:`cakupan._flow.finish`). No frame of every row is built: the result's rows wait on
   disk and come back in input order, a slice at a time.

When every enumerator's rows fall in one group of kelurahan (as assignments are made),
steps 2 and 3 are one: a part holds whole groups of both keys, counted then checked at once.
Otherwise rows are routed to parts twice, by kelurahan then by enumerator.

What every task needs (polygons with their indexes, settings: :class:`Job`) is handed to
the tasks explicitly, by a :class:`cakupan.scale.runner.Runner`: to processes forked from
this one, one per core, which inherit it with the indexes built here; or to the workers of a
dask cluster, which get it once a pass and build the indexes they use (the temporary files
must then be in a folder every worker can read, ``TMPDIR``). Each part has ``part_rows /
processes`` rows, so memory stays about the same (down to a quarter of a million rows a
part: beyond a few processes memory grows with their number).

Rows with no key (no code, no location, no enumerator) are compared with nothing and fill
parts of their own. A group larger than ``part_rows`` is a part of its own: an enumerator
who worked everywhere costs memory, never exactness. ``tests/test_run_by_parts.py`` checks that
every output file is identical, byte for byte, to one pass, in one process or several.
"""

from __future__ import annotations

import contextlib
import tempfile
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from cakupan import _processes, read
from cakupan._flow import Loaded, Result, finish, interview_batches, needs_points, read_interviews
from cakupan._flow.accounting import account_polygons, placement_counts
from cakupan._flow.result import Progress, quiet
from cakupan._flow.stages import project, with_checks
from cakupan._text import as_arrow, fingerprints
from cakupan.assign import locate as assign
from cakupan.assign import repeats
from cakupan.assign.indexed import Indexed
from cakupan.config import Config
from cakupan.detect import decisions, flags, location
from cakupan.detect.tally import combine, tally
from cakupan.errors import InputError
from cakupan.normalise import sls
from cakupan.scale.parts import KEYS, count_keys, keys, plan, split
from cakupan.scale.runner import Runner, per_process
from cakupan.scale.spill import Spilled, spill, spill_rows, take

#: Rows per part: about 1 GB of working memory at the peak of counting or checking one.
PART_ROWS = 1_000_000
#: Parts and a Parquet row group's batches, shared among processes, stop shrinking here:
#: beyond, memory grows with the processes rather than the files between passes (parts
#: times batches) without end.
LEAST_PART_ROWS, LEAST_BATCH_ROWS = 1 << 18, 1 << 16
_REPEATED = "repeated_household"  # carried from counting to checking


@dataclass(frozen=True)
class Job:
    """What every task of a run by parts needs, handed to it explicitly."""

    kelurahan: Indexed  # as :func:`cakupan._flow.stages.project` returns them, indexed
    units: Indexed | None
    config: Config
    points: bool  # whether the tallies keep every counted interview's place
    known: pa.Array  # the boundaries' kelurahan codes
    processes: int
    repeated_id: np.ndarray | None = None  # once every row is located
    # codes parsed so far; a forked process has a copy of its own, kept from one task to the
    # next (about 0.15 s of a province's row group)
    parsed: sls.Parsed = field(default_factory=sls.Parsed)
    route: tuple | None = None  # how a pass routes rows to parts: keys, parts, part rows
    rejected: frozenset = frozenset()  # interview IDs a supervisor rejected

    @property
    def checked(self) -> Indexed:
        """The polygons interviews are checked against: RT, else kelurahan."""
        return self.kelurahan if self.units is None else self.units

    @property
    def unit_frame(self):
        """The RT polygons (SLS codes are resolved against them), or None."""
        return None if self.units is None else self.units.frame


def analyse_in_parts(path, polygons: Loaded, runner: Runner, config: Config = Config(),
                     progress: Progress | None = None, part_rows: int = PART_ROWS) -> Result:
    """Return :func:`cakupan._flow.one_pass`'s result for the interviews at ``path``.

    ``polygons`` is :func:`cakupan._flow.read_files`' result without interviews. Parts are
    counted and checked by ``runner``, each of ``part_rows / runner.processes`` rows (at
    least a quarter of a million), so that memory stays about the same whatever their
    number.
    """
    step = progress or quiet
    _, kelurahan, units = project(polygons.kelurahan, polygons.units)
    job = replace(_job(kelurahan, units, config, needs_points(polygons), runner),
                  rejected=decisions.rejected_ids(polygons.decisions))
    step("assign")
    spilled = Spilled()
    with tempfile.TemporaryDirectory(prefix="cakupan-") as folder:
        with _beside(runner.processes, account_polygons, kelurahan, units) as beside:
            job, links, located = _locate(job, _reachable(path, runner), Path(folder), runner)
        accounting = beside.result()  # its process has ended: its memory is free
        step("check")
        tallies = _count_and_check(
            job, located, links, per_process(part_rows, runner.processes, LEAST_PART_ROWS),
            runner, spilled)
    return finish(combine(tallies, job.points), spilled, kelurahan, units, polygons,
                  accounting, config, step)


def place_in_parts(path, polygons: Loaded, runner: Runner, config: Config = Config(),
                   part_rows: int = PART_ROWS) -> list[tuple]:
    """Return, part by part, the placed interviews' rows per status and per repair.

    :func:`cakupan._flow.accounting.placement_counts` of the interviews at ``path``, placed
    as :func:`analyse_in_parts` places them, and not checked.
    """
    _, kelurahan, units = project(polygons.kelurahan, polygons.units)
    job = _job(kelurahan, units, config, False, runner)
    with tempfile.TemporaryDirectory(prefix="cakupan-") as folder:
        job, links, located = _locate(job, _reachable(path, runner), Path(folder), runner)
        part_rows = per_process(part_rows, runner.processes, LEAST_PART_ROWS)
        parts = _route(job, located, ["a", "b"], plan(links, ["a", "b"], part_rows), part_rows,
                       runner, partial(_index_units, job))
        return runner.run(job, [(_placement, files) for files in parts], "parts counted")


def _job(kelurahan, units, config: Config, points: bool, runner: Runner) -> Job:
    known = pa.array(kelurahan["kelurahan_code"].astype("string"), type=pa.string(),
                     from_pandas=True)
    return Job(Indexed(kelurahan), None if units is None else Indexed(units), config, points,
               known, runner.processes)


def _reachable(path, runner: Runner) -> Path:
    """Return ``path``, absolute when a cluster's workers read it from folders of their own."""
    return Path(path).absolute() if runner.cluster is not None else Path(path)


@contextlib.contextmanager
def _beside(processes: int, work, *args):
    """Yield the future of ``work(*args)``, run in a process of its own beside the block.

    Given one process, it runs here after the block. The polygon layers' accounting (the
    overlaps and holes of 60,000 RT polygons take seconds) is worked out while rows are
    located, in a process of its own so that the parts need not wait for it.
    """
    if processes <= 1:
        later = Future()
        yield later
        later.set_result(work(*args))
        return
    with _processes.pool(1) as pool:
        yield pool.submit(work, *args)


def _locate(job: Job, path: Path, folder: Path, runner: Runner):
    """Locate every row into files in ``folder``; return the job, key counts and files.

    A Parquet file's row groups are read and located by ``runner``, several at once (the
    kelurahan index built here first, for forked processes to share); other files are read
    here, a batch at a time. The job returned knows which rows repeat an interview ID.
    The IDs come with their fingerprints (:func:`cakupan._text.fingerprints`), worked out
    while each batch is at hand, so that finding repeated IDs takes little.
    """
    groups = read.row_groups(path) if runner.processes > 1 or runner.cluster else 0
    if groups > 1 and runner.cluster is None:
        _ = job.kelurahan.index
    try:
        if groups > 1:
            tasks = [(_located_group, path, g, folder / f"located-{g}") for g in range(groups)]
            found = runner.run(job, tasks, "row groups located", partial(_index_checks, job))
        else:
            batches = interview_batches(path, job.config, units=job.unit_frame,
                                        parsed=job.parsed)
            found = runner.here(job, ((_located, [batch], folder / f"located-{i}")
                                      for i, batch in enumerate(batches)), "batches located")
    except (InputError, read.WholeFileNeeded):
        # read_table reads the file line by line, or says first what is wrong with it
        found = runner.here(job, ((_located, [batch], folder / f"located-{i}")
                                  for i, batch in enumerate(_slices(job, path))),
                            "batches located")
    (ids, prints), links, located = _gathered(found)
    return replace(job, repeated_id=repeats.repeated(ids, prints)), links, located


def _slices(job: Job, path):
    """Yield the normalised interviews of a file read whole, in slices."""
    frame = read_interviews(path, job.config, job.unit_frame).frame
    rows = read.BATCH_ROWS
    for start in range(0, max(len(frame), 1), rows):
        yield frame.iloc[start:start + rows]


def _located_group(job: Job, path, number: int, target: Path):
    """:func:`_located` of a Parquet row group's batches."""
    # a batch per process at a time: smaller batches, so that memory stays the same
    rows = per_process(read.BATCH_ROWS, job.processes, LEAST_BATCH_ROWS)
    return _located(job, interview_batches(path, job.config, number, rows, job.unit_frame,
                                           job.parsed), target)


def _located(job: Job, batches, target: Path):
    """Locate batches of normalised interviews; spill each to a file named after ``target``.

    Returns, per batch, its interview IDs and their fingerprints, its rows per combination
    of keys, and its file.
    """
    found = []
    for i, batch in enumerate(batches):
        located = assign.locate_interviews(batch, job.kelurahan,
                                           job.config.assign.sliver_tolerance_m)
        del batch
        file = target.with_name(f"{target.name}-{i}")
        table = spill(located, file)
        del located
        links = count_keys(keys(table, job.known))
        ids = table["interview_id"]
        found.append(((ids, fingerprints(ids)), links, file))
    return found


def _gathered(found: list[list[tuple]]):
    found = [batch for task in found for batch in task]
    ids = [chunk for (ids, _), _, _ in found for chunk in ids.chunks]
    prints = np.concatenate([prints for (_, prints), _, _ in found]
                            or [np.zeros(0, dtype=np.uint64)])
    links = pa.concat_tables([links for _, links, _ in found])
    links = links.group_by(KEYS).aggregate([("rows", "sum")])
    return ((pa.chunked_array(ids, type=ids[0].type if ids else pa.string()), prints),
            links.rename_columns([*KEYS, "rows"]).select([*KEYS, "rows"]).to_pandas(),
            [file for _, _, file in found])


def _count_and_check(job: Job, located: list[Path], links: pd.DataFrame, part_rows: int,
                     runner: Runner, spilled: Spilled) -> list:
    """Count and check every located row, a part at a time; return the parts' tallies.

    When the groups of areas and of enumerators nest (an enumerator works in one area, as
    assignments are made), one part holds whole groups of both, and is counted then checked
    at once. Otherwise rows are counted by area, then routed again and checked by
    enumerator.
    """
    area = plan(links, ["a", "b"], part_rows)
    officer = plan(links, ["e"], part_rows)
    joint = plan(links, ["a", "b", "e"], part_rows)
    indexing = partial(_index_for_checks, job)
    if joint.largest <= max(part_rows, area.largest, officer.largest):
        parts = _route(job, located, ["a", "b", "e"], joint, part_rows, runner, indexing)
        tasks = [(_counted_and_checked, files, spilled.next_path(i))
                 for i, files in enumerate(parts)]
        return spilled.keep(runner.run(job, tasks, "parts checked"))
    parts = _route(job, located, ["a", "b"], area, part_rows, runner, indexing)
    counted = [located[0].with_name(f"counted-{i}") for i in range(len(parts))]
    runner.run(job, [(_counted_only, files, target)
                     for files, target in zip(parts, counted, strict=True)], "parts counted")
    parts = _route(job, counted, ["e"], officer, part_rows, runner)
    tasks = [(_checked_only, files, spilled.next_path(i)) for i, files in enumerate(parts)]
    return spilled.keep(runner.run(job, tasks, "parts checked"))


def _route(job: Job, spills: list[Path], names: list[str], parts, part_rows: int,
           runner: Runner, meanwhile=None) -> list[list[Path]]:
    """Split the rows spilled at ``spills`` by part; return each part's files, in order.

    See :func:`cakupan.scale.parts.split`; ``meanwhile()``, if given, runs here while the
    files are split.
    """
    split_by = replace(job, route=(names, parts, part_rows))
    numbers = runner.run(split_by, [(_split, spill) for spill in spills],
                         "files sorted into parts", meanwhile)
    made = list(zip(spills, numbers, strict=True))
    return [[spill.with_name(f"{spill.name}-{p}") for spill, found in made if p in found]
            for p in sorted(set().union(*numbers))]


def _split(job: Job, spill: Path) -> set[int]:
    return split(spill, *job.route)


def _index_units(job: Job) -> None:
    """Build here the index of the units that counting reuses.

    Built once, before the processes counting parts are forked: they inherit it. At
    province size it takes seconds and hundreds of MB while built, so it is built while
    rows are routed, which takes little memory.
    """
    _ = job.checked.index


def _index_checks(job: Job) -> None:
    """Build here the units' edges and adjacency that the checks reuse (as the index)."""
    location.index_units(job.checked, job.config)


def _index_for_checks(job: Job) -> None:
    """Build here what counting and checking reuse; see :func:`_index_units`.

    The checks' edges and adjacency are built before, while rows are located, when rows are
    located in several processes, so that routing need not wait for them.
    """
    _index_units(job)
    _index_checks(job)


def _placed(job: Job, source: list[Path]) -> tuple[pd.DataFrame, np.ndarray]:
    """Return a part's rows counted and de-duplicated, and its households' fingerprints."""
    placed = assign.count_interviews(take(source), job.kelurahan, job.units)
    placed["status"] = decisions.reject(placed["status"], placed["interview_id"], job.rejected)
    prints = fingerprints(as_arrow(placed["household_id"]))
    placed["status"] = repeats.mark_duplicates(placed, job.repeated_id[placed.index], prints)
    return placed, prints


def _checked(job: Job, placed: pd.DataFrame, repeated: np.ndarray, target: Path):
    """Check a part's counted rows; spill them to ``target``; return (tally, target, rows).

    ``repeated``: which rows repeat a household of their RT, worked out when the part was
    counted. The rows are tallied as text: only the few the tally keeps become categoricals.
    """
    flagged = flags.flag_interviews(placed, job.config.checks, repeated)
    checked = with_checks(placed, job.kelurahan, job.units, job.config, flagged)
    del placed, flagged
    return tally(checked, job.points), target, spill_rows(checked, target)


def _counted_and_checked(job: Job, source: list[Path], target: Path):
    placed, prints = _placed(job, source)
    return _checked(job, placed, flags.repeated_households(placed, prints), target)


def _counted_only(job: Job, source: list[Path], target: Path) -> None:
    placed, prints = _placed(job, source)
    placed[_REPEATED] = flags.repeated_households(placed, prints)
    spill(placed, target)


def _checked_only(job: Job, source: list[Path], target: Path):
    placed = take(source)
    repeated = placed.pop(_REPEATED).to_numpy(dtype=bool)
    return _checked(job, placed, repeated, target)


def _placement(job: Job, source: list[Path]) -> tuple:
    return placement_counts(_placed(job, source)[0])
