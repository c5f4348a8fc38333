"""A dask cluster's workers, doing the work of a run by parts.

With a cluster (a local one of ``workers`` processes, or a running scheduler's address), every
interview file is analysed by parts (:mod:`cakupan.scale.by_parts`), and what a run on one
machine hands to processes forked one per core, the workers do instead (:class:`Cluster`):
locating each Parquet row group, routing rows to parts, and counting and checking each part
(whole groups of kelurahan and enumerators, so no rule crosses a part). Only the IDs, the
keys' counts and each part's tally come back; the rows wait in temporary files, which is why
every worker must be able to read the interview file and read and write the folder ``TMPDIR``
names (on one machine, any folder does; on several, a shared one). The outputs are the same,
byte for byte, as without dask. Needs the ``dask`` extra: ``pip install 'cakupan[dask]'``.

Each worker gets the run's job (polygons, settings) once a pass and builds on its copy the
indexes its tasks reuse, which is why one machine is faster without dask: forked processes
share the indexes built once.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from cakupan.errors import CakupanError


class Cluster:
    """The workers of a dask ``client``, running the tasks of a run by parts.

    :class:`cakupan.scale.runner.Runner` hands it what it would otherwise fork processes for.
    """

    def __init__(self, client):
        self.client = client
        self.workers = max(len(client.scheduler_info().get("workers", {})), 1)

    def run(self, job, tasks, told=None) -> list:
        """Return ``[work(job, *args) for work, *args in tasks]``, run on the workers.

        ``job`` (:class:`cakupan.scale.by_parts.Job`, what every task needs) is sent to each
        worker once, not with every task. ``told(done, total)``, if given, is called as
        tasks end.
        """
        from distributed import as_completed

        shared = self.client.scatter(job, broadcast=True, hash=False)
        futures = [self.client.submit(_task, shared, *task, pure=False) for task in tasks]
        try:
            for done, future in enumerate(as_completed(futures) if told else (), 1):
                if future.status == "error":
                    break  # gather says what went wrong now, not once the others end
                told(done, len(futures))
            return self.client.gather(futures)
        except FileNotFoundError as error:
            raise CakupanError(
                f"a dask worker could not open a file ({error}). The workers must reach the "
                "interview file and this run's temporary files at the same paths: set TMPDIR "
                "to a folder every machine shares.") from None


def _task(job, work, *args):
    """Run a task of a run by parts on a dask worker, one at a time on each worker.

    The worker keeps one copy of the job a pass, and the indexes built on it, for all the
    tasks it runs; GEOS objects must not be shared between threads, so a worker of several
    threads runs such tasks one after another.
    """
    from distributed import get_worker

    lock = get_worker().__dict__.setdefault("cakupan_one_task", threading.Lock())
    with lock:
        return work(job, *args)


@contextlib.contextmanager
def connected(workers: int | None = None, scheduler: str | None = None):
    """Yield a :class:`Cluster` of the dask scheduler given, or of a local cluster, or None.

    ``scheduler`` is an address (``tcp://host:port``) or a scheduler file; without it, a
    local cluster of ``workers`` processes of one thread each is started here, on 127.0.0.1;
    with neither, there is no cluster (None).
    """
    if not (workers or scheduler):
        yield None
        return
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
            yield Cluster(client)
        return
    with LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield Cluster(client)
