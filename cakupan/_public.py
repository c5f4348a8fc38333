"""The public names and the version of cakupan.

On the ground floor, so that the package (which imports its API only when a name is first
used), the API itself and the writers of the manifest and report may all name them.
"""

__version__ = "0.1.0"

#: What ``from cakupan import *`` gives: the names of :mod:`cakupan.api`.
PUBLIC = (
    "Config",
    "analyse",
    "assign_interviews",
    "check_interviews",
    "coverage_layers",
    "coverage_map",
    "find_blind_spots",
    "load",
    "load_config",
    "make_world",
    "measure_coverage",
    "read_inputs",
    "run",
    "validate",
    "worklist_sheets",
    "write_outputs",
    "write_world",
)
