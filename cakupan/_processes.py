"""Processes forked from this one, for work that keeps every core busy.

A forked process starts with this one's memory (polygons, grid indexes, results so far)
shared, not copied, so work is handed to a pool's process as small arguments, or through a
module global set before the fork; :func:`fork` hands a single call its arguments whole, as
they are inherited rather than pickled. Where processes cannot be forked (not Linux),
everything runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import traceback
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
        text = "".join(traceback.format_exception(error))
        try:
            pickle.dumps(error)
        except Exception:  # one that cannot travel: its text does
            error = RuntimeError(f"{type(error).__name__}: {error}")
        failure = (error, text)
    writer.send(failure)
    writer.close()
