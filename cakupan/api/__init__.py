"""The public Python API: the one path the command line and notebooks go through.

Every name here is re-exported by :mod:`cakupan`. The command line calls the same functions
(``cakupan run`` is :func:`run`, ``cakupan validate`` is :func:`validate`), so a run through
the API gives the same files, byte for byte, as ``cakupan run``. Functions take and return
(Geo)DataFrames or plain values; only :func:`read_inputs`, :func:`write_world`,
:func:`write_outputs`, :func:`load_config`, :func:`run` and :func:`validate` touch the disk.

Two ways through it:

- in one go (:mod:`~cakupan.api.runs`): :func:`read_inputs` (alias :func:`load`) ->
  :func:`analyse` -> :func:`write_outputs`, or :func:`run` for all three (by parts for
  large files, on dask if asked), and :func:`validate`; with :func:`coverage_map`,
  :func:`coverage_layers` and :func:`worklist_sheets` to look at the result
  (:mod:`~cakupan.api.results`);
- stage by stage (:mod:`~cakupan.api.stages`), to look at or change what flows between
  them: :func:`assign_interviews` -> :func:`check_interviews` -> :func:`measure_coverage`
  -> :func:`find_blind_spots`.

``config`` may be a :class:`Config`, the path of a TOML settings file, or ``None`` (the
defaults) wherever it is accepted. This package may import every module of cakupan but
:mod:`cakupan.cli`; only the command line imports it (through :mod:`cakupan`).
"""

# re-exported: the names of __all__ (cakupan._public.PUBLIC, which cakupan names too)
from cakupan._public import PUBLIC
from cakupan.api.results import coverage_layers, coverage_map, worklist_sheets  # noqa: F401
from cakupan.api.runs import (  # noqa: F401
    analyse,
    load,
    load_config,
    read_inputs,
    run,
    validate,
    write_outputs,
)
from cakupan.api.samples import make_world, write_world  # noqa: F401
from cakupan.api.stages import (  # noqa: F401
    assign_interviews,
    check_interviews,
    find_blind_spots,
    measure_coverage,
)
from cakupan.config import Config  # noqa: F401

__all__ = list(PUBLIC)
