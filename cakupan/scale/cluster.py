"""Run the pipeline on dask, partitioned by area.

Takes the same inputs as :func:`cakupan._flow.run` and a dask cluster (a local one of
``workers`` processes, or a running scheduler's address) and writes the same files, byte for
byte. Needs the ``dask`` extra: ``pip install 'cakupan[dask]'``.

A file of more than a million interviews is analysed by parts (:mod:`cakupan.scale.by_parts`), and
what a run on one machine hands to processes forked one per core, the workers do instead
(:class:`Cluster`): locating each Parquet row group, routing rows to parts, and counting
and checking each part (whole groups of kelurahan and enumerators, so no rule
crosses a part). Only the IDs, the keys' counts and each part's tally come back; the rows
wait in temporary files, which is why every worker must be able to read and write the
folder ``TMPDIR`` names (on one machine, any folder does; on several, a shared one).

A smaller file is read here whole, and only the placement is spread:

- Workers place interviews (:func:`cakupan.assign.locate.assign_interviews`, the costly point in
  polygon work), one partition per group of declared kelurahan. Every row that declares a
  code is in one partition with all the other rows declaring it: the crosswalk, which matches
  an unknown declared code to the kelurahan where most of its rows lie, sees the same rows as
  a single process. Kelurahan are packed into partitions in code order, so a partition holds
  neighbouring kelurahan (a kecamatan or a run of them) as far as the sizes allow. Rows
  that declare no code are split into chunks of any size (their placement depends on
  nothing but themselves). Each worker gets every polygon, so a point outside its declared
  area is still found.
- The client concatenates the partitions in input order and runs the rest of
  :func:`cakupan._flow.analyse` unchanged: duplicates (an interview ID anywhere in the
  file), the checks (per enumerator, and enumerators cross kecamatan), coverage (roll-ups above
  the RT) and blind spots. These are cheap beside placement, and global by nature.

Nothing here reads or writes files but through :mod:`cakupan._flow` and
:mod:`cakupan.render.write`.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import numpy as np
import pandas as pd

from cakupan import _flow as pipeline
from cakupan.assign import locate as assign
from cakupan.config import Config
from cakupan.errors import CakupanError
from cakupan.scale import by_parts as by_area

#: Partitions per worker: a few, so a slow partition does not leave other workers idle.
PARTITIONS_PER_WORKER = 4


def partition_keys(interviews: pd.DataFrame) -> pd.Series:
    """Return the key that keeps rows together: the declared kelurahan, ``<NA>`` for none.

    Examples
    --------
    >>> partition_keys(pd.DataFrame({"kelurahan_code": ["3671011001", None]})).tolist()
    ['3671011001', <NA>]
    """
    return interviews["kelurahan_code"].astype("string")


def partitions(interviews: pd.DataFrame, n: int) -> list[np.ndarray]:
    """Return up to ``n`` arrays of row positions, balanced by rows, each sorted.

    Rows of one declared kelurahan stay in one array, and kelurahan are cut into ``n`` runs
    of consecutive codes of about equal rows (so a partition is one area, not a scatter);
    rows declaring nothing are spread evenly. Every row is in exactly one array.

    Examples
    --------
    >>> frame = pd.DataFrame({"kelurahan_code": ["1111111001"] * 3 + ["2222222001", None]})
    >>> [p.tolist() for p in partitions(frame, 2)]
    [[0, 1, 2], [3, 4]]
    """
    n = max(int(n), 1)
    key = partition_keys(interviews)
    codes, uniques = pd.factorize(key, sort=True, use_na_sentinel=True)
    sizes = np.bincount(codes[codes >= 0], minlength=len(uniques))
    loose = np.flatnonzero(codes < 0)
    total = len(interviews)
    # consecutive codes up to each n-th of all rows (the loose ones counted too)
    ends = np.cumsum(sizes)
    bin_of = np.minimum((n * (ends - sizes / 2)) // max(total, 1), n - 1).astype(np.int64)
    row_bin = np.where(codes >= 0, bin_of[np.maximum(codes, 0)], -1)
    loads = np.bincount(bin_of, weights=sizes, minlength=n)
    for part in np.array_split(loose, n) if len(loose) else []:
        if len(part):
            target = int(np.argmin(loads))
            row_bin[part] = target
            loads[target] += len(part)
    return [rows for rows in (np.flatnonzero(row_bin == b) for b in range(n)) if len(rows)]


def _workers(client) -> int:
    return max(len(client.scheduler_info().get("workers", {})), 1)


def _place_part(interviews, kelurahan, units, tolerance):
    return assign.assign_interviews(interviews, kelurahan, units, tolerance)


def place_on_dask(client, interviews: pd.DataFrame, kelurahan, units=None,
                  sliver_tolerance_m: float = 30.0) -> pd.DataFrame:
    """Return :func:`cakupan.assign.locate.assign_interviews`'s result, computed on ``client``.

    Same arguments (after ``client``) and the same frame, row for row, as the single-process
    function, with the crosswalk in ``attrs`` gathered from every partition.
    """
    parts = partitions(interviews, _workers(client) * PARTITIONS_PER_WORKER)
    if len(parts) <= 1:
        return assign.assign_interviews(interviews, kelurahan, units, sliver_tolerance_m)
    # every worker needs the polygons: send them once, not once per partition
    shared = client.scatter([kelurahan, units], broadcast=True)
    futures = [client.submit(_place_part, interviews.iloc[rows], shared[0], shared[1],
                             sliver_tolerance_m, pure=False) for rows in parts]
    placed = client.gather(futures)
    crosswalks = [p.attrs.get("crosswalk") for p in placed]
    crosswalks = [c for c in crosswalks if c is not None and len(c)]
    for frame in placed:
        frame.attrs = {}
    out = pd.concat(placed).reindex(interviews.index)
    out.attrs["crosswalk"] = (pd.concat(crosswalks).sort_index() if crosswalks
                              else pd.Series(dtype="string")).astype("string")
    return out


class Cluster:
    """The workers of a dask ``client``, running the tasks of a run by parts.

    :func:`cakupan.scale.by_parts.analyse` hands it what it would otherwise fork processes for.
    """

    def __init__(self, client):
        self.client = client
        self.workers = _workers(client)

    def run(self, tasks, job, tell=None) -> list:
        """Return ``[work(source, target) for work, source, target in tasks]``, run on workers.

        ``job`` (:class:`cakupan.scale.by_parts._Job`, what every task needs) is sent to each
        worker once, not with every task. ``tell(done, total)``, if given, is called as
        tasks end.
        """
        from distributed import as_completed

        shared = self.client.scatter(job, broadcast=True, hash=False)
        futures = [self.client.submit(_task, shared, *task, pure=False) for task in tasks]
        try:
            for done, future in enumerate(as_completed(futures) if tell else (), 1):
                if future.status == "error":
                    break  # gather says what went wrong now, not once the others end
                tell(done, len(futures))
            return self.client.gather(futures)
        except FileNotFoundError as error:
            raise CakupanError(
                f"a dask worker could not open a file ({error}). The workers must reach the "
                "interview file and this run's temporary files at the same paths: set TMPDIR "
                "to a folder every machine shares.") from None
        finally:
            self.client.run(_forget)  # the job and its indexes: not needed by the next pass

    def place(self, *args, **kwargs) -> pd.DataFrame:
        """:func:`place_on_dask` on these workers."""
        return place_on_dask(self.client, *args, **kwargs)


#: On a worker: one task of a run by parts at a time (they share the job and its indexes,
#: and GEOS objects must not be shared between threads), and the job they last had.
_ONE_AT_A_TIME = threading.Lock()
_LAST = {"job": None, "built": {}}


def _task(job, work, source, target):
    with _ONE_AT_A_TIME:
        if _LAST["job"] is not job:
            _LAST.update(job=job, built={})
        return by_area.run_task(job, work, source, target, _LAST["built"])


def _forget() -> None:
    with _ONE_AT_A_TIME:
        _LAST.update(job=None, built={})


@contextlib.contextmanager
def connect(workers: int | None = None, scheduler: str | None = None):
    """Yield a dask client to ``scheduler``, else to a local cluster started here.

    ``scheduler`` is an address (``tcp://host:port``) or a scheduler file; the local cluster
    has ``workers`` processes of one thread each, on 127.0.0.1.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as error:  # pragma: no cover - the extra is installed in tests
        raise CakupanError("--workers and --scheduler need dask: "
                           "pip install 'cakupan[dask]'") from error
    if scheduler:
        if Path(scheduler).is_file():
            client = Client(scheduler_file=str(scheduler))
        else:
            client = Client(scheduler)
        with client:
            yield client
        return
    with LocalCluster(n_workers=int(workers or 1), threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


def run(inputs: pipeline.Inputs, out: Path, config: Config = Config(),
        audience: str = "supervisor", lang: str = "id", progress=None, *,
        workers: int | None = None, scheduler: str | None = None,
        html: bool = True) -> pipeline.Result:
    """Do what :func:`cakupan._flow.run` does, placing interviews on a dask cluster.

    Without ``workers`` and ``scheduler`` everything runs in this process, as
    :func:`cakupan._flow.run` runs it (large files a part at a time,
    :func:`cakupan._flow.analyse_files`); ``html=False`` is then the only difference.
    """
    from cakupan.render import write

    step = progress or (lambda name: None)
    step("read")
    if workers or scheduler:
        with connect(workers, scheduler) as client:
            result = pipeline.analyse_files(inputs, config, step, cluster=Cluster(client))
    else:
        result = pipeline.analyse_files(inputs, config, step)
    step("write")
    write.write_outputs(result, Path(out), inputs=inputs, config=config, audience=audience,
                        lang=lang, html=html, detail=getattr(progress, "detail", None))
    return result
