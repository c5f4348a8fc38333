"""Normalise: map input columns to the canonical ones and clean every value.

Owns: finding the canonical columns from the headers (:mod:`~cakupan.normalise.headers`),
reading values as text, numbers, geopoints (:mod:`~cakupan.normalise.values`) and times
(:mod:`~cakupan.normalise.times`), the RT each row declares (:mod:`~cakupan.normalise.sls`),
the interview and prelist tables (:mod:`~cakupan.normalise.tables`) and the kelurahan and SLS
polygons (:mod:`~cakupan.normalise.vector`). Rows are never dropped and nothing touches the
disk.

May import: the ground floor (:mod:`cakupan.codes`, :mod:`cakupan.columns`,
:mod:`cakupan.errors`, :mod:`cakupan._text`, ...) and :mod:`cakupan.read`; no later stage.
"""
