"""Processes forked from this one, for work that keeps every core busy.

A forked process starts with this one's memory (polygons, grid indexes, results so far)
shared, not copied, so work is handed to it as small arguments, or through a module global
set before the fork. Where processes cannot be forked (not Linux), everything runs in
this process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
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
