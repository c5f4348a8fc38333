"""Processes forked from this one, for work that keeps every core busy.

A forked process starts with this one's memory (polygons, grid indexes, results so far)
shared, not copied: :func:`map_forked` hands its processes a job as it is in memory and
small tasks through a queue, :func:`fork` hands a single call its arguments whole (both are
inherited rather than pickled); a pool's process (:func:`pool`) gets its work's arguments
pickled. Where processes cannot be forked (not Linux), everything runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import sys
import traceback
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor


def available() -> int:
    """Return how many processes to work in at once: one per core this process may use.

    ``CAKUPAN_PROCESSES=N`` in the environment sets another number (1: all in this
    process); where processes cannot be forked, 1.
    """
    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    setting = os.environ.get("CAKUPAN_PROCESSES", "").strip()
    if setting.isdigit() and int(setting) > 0:
        return int(setting)
    return len(os.sched_getaffinity(0))


def pool(processes: int) -> ProcessPoolExecutor:
    """Return a pool of ``processes`` processes forked from this one (at their first task)."""
    return ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"))


def map_forked(job, tasks: Sequence[tuple], processes: int, meanwhile=None,
               told=None) -> list:
    """Return ``[work(job, *args) for work, *args in tasks]``, worked on in forked processes.

    Up to ``processes`` processes are forked from this one. They inherit ``job`` as it is in
    memory (polygons, indexes: never pickled); each task, a module-level function and small
    arguments, reaches them through a queue, and its result comes back pickled.
    ``meanwhile()``, if given, runs here while they work. ``told(done, total)``, if given, is
    called as tasks end (and with 0 before ``meanwhile``). A task's error is raised here,
    with its traceback as the cause, once the processes are stopped.
    """
    tasks = list(tasks)
    context = multiprocessing.get_context("fork")
    todo, done = context.Queue(), context.Queue()
    workers = [context.Process(target=_serve, args=(job, todo, done), daemon=True)
               for _ in range(max(min(processes, len(tasks)), 1))]
    for worker in workers:  # forked before the queue's feeding thread starts
        worker.start()
    results, complete = [None] * len(tasks), False
    try:
        for number, task in enumerate(tasks):
            todo.put((number, task))
        for _ in workers:
            todo.put(None)
        if meanwhile is not None:
            if told is not None:
                told(0, len(tasks))
            meanwhile()
        for count in range(1, len(tasks) + 1):
            number, failed, value = _next(done, workers)
            if failed:
                error, text = value
                raise error from _RemoteTraceback(text)
            results[number] = value
            if told is not None:
                told(count, len(tasks))
        complete = True
    finally:
        for worker in workers:
            if not complete:
                worker.terminate()
            worker.join()
        todo.close()
        done.close()
    return results


def _serve(job, todo, done) -> None:
    """Work on the tasks of :func:`map_forked` until told to stop (None)."""
    for number, (work, *args) in iter(todo.get, None):
        try:
            done.put((number, False, work(job, *args)))
        except BaseException as error:  # the parent raises it again
            done.put((number, True, _failure(error)))


def _next(done, workers) -> tuple:
    """Return the next ``(number, failed, value)`` a worker of :func:`map_forked` sends."""
    while True:
        try:
            return done.get(timeout=1.0)
        except queue.Empty:
            ended = [worker.exitcode for worker in workers if worker.exitcode is not None]
            if any(code != 0 for code in ended) or len(ended) == len(workers):
                raise ChildProcessError("a forked process ended before its work was done "
                                        f"(exit codes {sorted(set(ended))})") from None


class Forked:
    """A call running in a process forked from this one (:func:`fork`).

    Used as a context manager, the block's end waits for the process to end.
    """

    def __init__(self, target, args: tuple):
        context = multiprocessing.get_context("fork")
        self._reader, writer = context.Pipe(duplex=False)
        # with fork the process inherits target and args: they are never pickled
        self._process = context.Process(target=_call, args=(writer, target, args))
        self._process.start()
        writer.close()

    def result(self) -> None:
        """Wait for the call to end; raise what it raised, its traceback as the cause."""
        try:
            failure = self._reader.recv()
        except EOFError:  # it died without a word (killed, or out of memory)
            self._process.join()
            raise ChildProcessError(
                f"the forked process ended with exit code {self._process.exitcode}") from None
        if failure is not None:
            error, text = failure
            raise error from _RemoteTraceback(text)

    def __enter__(self) -> Forked:
        return self

    def __exit__(self, *exc) -> None:
        self._process.join()
        self._reader.close()


def fork(target, *args) -> Forked:
    """Start ``target(*args)`` in a process forked from this one; return its :class:`Forked`.

    The arguments reach the process as they are in memory (frames of millions of rows
    included) and its return value is dropped: the call's work is its side effect.
    """
    return Forked(target, args)


class _RemoteTraceback(Exception):
    """The traceback of an exception raised in a forked process, as text."""

    def __str__(self) -> str:
        return self.args[0]


def _call(writer, target, args) -> None:
    """Run ``target(*args)``; send None, or what it raised and its traceback, to ``writer``."""
    try:
        target(*args)
        failure = None
    except BaseException as error:  # the parent raises it again
        failure = _failure(error)
    writer.send(failure)
    writer.close()


def _failure(error: BaseException) -> tuple[BaseException, str]:
    """Return an error raised here, fit to send to the parent, and its traceback as text."""
    text = "".join(traceback.format_exception(error))
    try:
        pickle.dumps(error)
    except Exception:  # one that cannot travel: its text does
        error = RuntimeError(f"{type(error).__name__}: {error}")
    return error, text
