"""A run from its files: read, analysed in one pass, by parts or on dask, and written.

Takes the input paths (:class:`cakupan._flow.Inputs`) and returns the run's result
(:func:`analyse_files`), or also writes every output file (:func:`run_files`). A file of at
most ``part_rows`` interviews (a million by default) is read whole and analysed in one pass
(:func:`cakupan._flow.one_pass`); a larger one, or any file given a dask cluster, a part at a
time (:func:`cakupan.scale.by_parts.analyse_in_parts`). Every way gives the same outputs,
byte for byte. :func:`cakupan.api.run` and the command line call these.
"""

from __future__ import annotations

from pathlib import Path

from cakupan import _processes, read
from cakupan._flow import Inputs, Progress, Result, one_pass, read_files
from cakupan._flow.previous import compared
from cakupan._flow.result import quiet
from cakupan.config import Config
from cakupan.read.previous import read_previous
from cakupan.render import write
from cakupan.scale.by_parts import PART_ROWS, analyse_in_parts
from cakupan.scale.cluster import Cluster, connected
from cakupan.scale.runner import Runner


def analyse_files(inputs: Inputs, config: Config = Config(), progress: Progress | None = None,
                  part_rows: int | None = None, processes: int | None = None,
                  cluster: Cluster | None = None) -> Result:
    """Return the result of the files named in ``inputs``, without writing any.

    Interviews of more than ``part_rows`` rows (default
    :data:`cakupan.scale.by_parts.PART_ROWS`) are analysed a part of the areas at a time, in
    ``processes`` processes at once (default: one per core,
    :func:`cakupan._processes.available`): the same result in a fraction of the memory. A
    dask ``cluster`` does that work on its workers instead, whatever the file's size.
    """
    part_rows = part_rows or PART_ROWS
    if cluster is None and read.count_rows(inputs.interviews) <= part_rows:
        return one_pass(read_files(inputs, config), config, progress)
    runner = runner_for(processes, cluster, getattr(progress, "detail", None))
    return analyse_in_parts(inputs.interviews, read_files(inputs, config, interviews=False),
                            runner, config, progress, part_rows)


def runner_for(processes: int | None = None, cluster: Cluster | None = None,
               detail=None) -> Runner:
    """Return the :class:`Runner` of a run by parts: on ``cluster``, else in processes."""
    if cluster is not None:
        return Runner(cluster.workers, cluster, detail)
    return Runner(max(int(processes or _processes.available()), 1), None, detail)


def run_files(inputs: Inputs, out, config: Config = Config(), audience: str = "supervisor",
              lang: str = "id", html: bool = True, workers: int | None = None,
              scheduler: str | None = None, progress: Progress | None = None,
              previous=None) -> Result:
    """Read the inputs, analyse them and write every output file to ``out``.

    ``workers`` or ``scheduler``: on a local dask cluster of that many processes, or on the
    running one at that address (:func:`cakupan.scale.cluster.connected`). ``html=False``
    leaves out ``map.html`` and ``report.html``. ``previous``: an earlier run's output
    folder to compare with (read first, so it may be ``out`` itself).
    """
    step = progress or quiet
    step("read")
    earlier = None if previous is None else read_previous(previous)
    with connected(workers, scheduler) as cluster:
        result = analyse_files(inputs, config, step, cluster=cluster)
    if earlier is not None:
        result = compared(result, earlier)
    step("write")
    write.write_outputs(result, Path(out), inputs=inputs, config=config, audience=audience,
                        lang=lang, html=html, detail=getattr(progress, "detail", None))
    return result
