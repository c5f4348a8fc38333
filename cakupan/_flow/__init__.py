"""The stage glue: a run's inputs read, its stages called in turn, and its result.

Owns the run's types (:class:`Inputs`, :class:`Loaded`, :class:`Result`), reading and
normalising the input files (:mod:`~cakupan._flow.inputs`), the stages on interviews as a run
calls them (:mod:`~cakupan._flow.stages`), coverage and blind spots
(:mod:`~cakupan._flow.measured`), row accounting (:mod:`~cakupan._flow.accounting`) and the
analysis in one pass (:mod:`~cakupan._flow.analysis`). Private: the public path is
:mod:`cakupan.api`, which calls these through :mod:`cakupan.scale`, as
:mod:`cakupan._validate` does.

May import the ground floor, :mod:`cakupan.read`, :mod:`cakupan.normalise`,
:mod:`cakupan.assign`, :mod:`cakupan.detect` and :mod:`cakupan.measure`; never render, scale,
validate, api or cli. Writes nothing.
"""

from cakupan._flow.analysis import finish, needs_points, one_pass
from cakupan._flow.inputs import Inputs, Loaded, interview_batches, read_files, read_interviews
from cakupan._flow.result import InMemory, Progress, Result, Rows

__all__ = ["InMemory", "Inputs", "Loaded", "Progress", "Result", "Rows", "finish",
           "interview_batches", "needs_points", "one_pass", "read_files", "read_interviews"]
