"""Where the tasks of a run by parts are worked on: here, in forked processes, or on dask.

A task is ``(work, *args)``: a module-level function called as ``work(job, *args)`` with the
run's job (what every task needs: polygons, settings) and small arguments (file names, a
row group's number). :class:`Runner` hands a pass of tasks to processes forked from this
one (:func:`cakupan._processes.map_forked`, which inherit the job), to a dask cluster
(:class:`cakupan.scale.cluster.Cluster`, whose workers get the job once a pass), or works on
them here, and tells the run's progress how many are done. It computes nothing itself.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

import pyarrow as pa

from cakupan import _processes


@dataclass(frozen=True)
class Runner:
    """How a run by parts works on its tasks.

    ``processes``: how many at once; ``cluster``: a :class:`cakupan.scale.cluster.Cluster`
    whose workers work on them instead; ``detail(text)``, if given, is told how many tasks
    of a pass are done.
    """

    processes: int = 1
    cluster: object | None = None
    detail: Callable[[str], None] | None = None

    def run(self, job, tasks: Iterable[tuple], what: str, meanwhile=None) -> list:
        """Return ``[work(job, *args) for work, *args in tasks]``.

        Tasks run on the cluster's workers, else in up to :attr:`processes` processes
        forked from this one, else here. ``meanwhile()``, if given, runs here while they
        work (not at all on a cluster: it builds what forked processes would inherit, and
        the workers build their own). As tasks end, :attr:`detail` is told how many of them
        (``what``) are done.
        """
        tell = partial(self.tell, what)
        if self.cluster is not None:
            return self.cluster.run(job, tasks, tell if self.detail else None)
        if self.processes <= 1:
            if meanwhile:
                meanwhile()
            return self.here(job, tasks, what)
        release_memory()  # freed memory: the forked processes would copy it as they reuse it
        return _processes.map_forked(job, tasks, self.processes, meanwhile, tell)

    def here(self, job, tasks: Iterable[tuple], what: str) -> list:
        """Return ``[work(job, *args) for work, *args in tasks]``, worked on here."""
        total, done = (len(tasks) if hasattr(tasks, "__len__") else None), []
        for work, *args in tasks:
            done.append(work(job, *args))
            self.tell(what, len(done), total)
        return done

    def tell(self, what: str, done: int, total: int | None = None) -> None:
        """Tell :attr:`detail` that ``done`` of ``total`` tasks (``what``) are done."""
        if self.detail is not None and what:
            self.detail(f"{done}/{total} {what}" if total else f"{done} {what}")


def per_process(rows: int, processes: int, least: int) -> int:
    """Return ``rows`` shared among ``processes``, but not below ``least`` (or ``rows``).

    Examples
    --------
    >>> per_process(1_000_000, 2, 1 << 18), per_process(1_000_000, 64, 1 << 18)
    (500000, 262144)
    >>> per_process(700, 2, 1 << 18)
    700
    """
    return max(rows // processes, min(rows, least), 1)


def release_memory() -> None:
    """Give the memory this process freed back to the system.

    Arrow's allocator and glibc's keep freed blocks for reuse. Done before forking: a
    forked process that reuses such a block copies it. A process working on parts keeps
    its blocks for the next part, which needs as many (giving them back and taking them
    again made the province run seconds slower); they go when it ends.
    """
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: its allocator decides
        pass
