"""Scale: a run from its files, in one pass, by parts in processes forked one per core, or on dask.

Owns reading a run's files and choosing how to go through them (:mod:`~cakupan.scale.files`),
the run by parts (:mod:`~cakupan.scale.by_parts`, with :mod:`~cakupan.scale.parts` for the
keys and routing, :mod:`~cakupan.scale.spill` for the rows waiting on disk and
:mod:`~cakupan.scale.runner` for where tasks are worked on) and the dask cluster
(:mod:`~cakupan.scale.cluster`). May import the ground floor and every stage below it,
:mod:`cakupan._flow` and :mod:`cakupan.render`; never validate, api or cli.
"""
