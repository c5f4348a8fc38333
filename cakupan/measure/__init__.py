"""Measure: coverage per unit, the counts it is measured against, and what was missed.

Owns the expected households from a prelist, a population raster or buildings
(:mod:`~cakupan.measure.expected`), coverage per RT, RW, kelurahan and kecamatan
(:mod:`~cakupan.measure.coverage`), progress over the fieldwork days
(:mod:`~cakupan.measure.progress`), the schedule: owners of each RT, its planned dates, pace
against the plan and the statuses during fieldwork (:mod:`~cakupan.measure.schedule`),
approximate RT territories where no SLS polygons are given
(:mod:`~cakupan.measure.territories`), blind spots, populated places with no interview
(:mod:`~cakupan.measure.blind_spots`), and the overlaps and holes of a polygon layer
(:mod:`~cakupan.measure.topology`). Computation only: no disk, no module state.

May import: the ground floor, :mod:`cakupan.read` (the raster's type), :mod:`cakupan.normalise`,
:mod:`cakupan.assign` and :mod:`cakupan.detect`; no later stage.
"""
