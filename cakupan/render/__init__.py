"""Rendering a run's result for people: map, report, worklist, and the files that hold them.

Owns what is built from :class:`cakupan._flow.Result` for reading (:mod:`~cakupan.render.maps`
the map page, :mod:`~cakupan.render.report` the report, :mod:`~cakupan.render.worklist` the
worksheets, :mod:`~cakupan.render.plan` tomorrow's plan and the officers' progress among them,
:mod:`~cakupan.render.layers` the layers per level; private helpers:
:mod:`~cakupan.render._points` the map's interview points, :mod:`~cakupan.render._svg` the
report's inline pictures, :mod:`~cakupan.render._people` the report's supervisors) and
writing every output file (:mod:`~cakupan.render.write`, with :mod:`~cakupan.render._xlsx`
for the workbook and :mod:`~cakupan.render._layout` for its sheets' print layout; the
worklist's last sheets, legend and changes, in :mod:`~cakupan.render.legend`). May import
the ground floor (:mod:`cakupan.labels`, :mod:`cakupan._gdal` and the like) and the stages
below it (:mod:`cakupan.assign`, :mod:`cakupan.detect`, :mod:`cakupan.measure`); never
:mod:`cakupan.scale`, :mod:`cakupan.api` or :mod:`cakupan.cli`.
"""
