"""Detect: check each interview and count what the checks found.

Owns the location check of a fix against the unit it declares (:mod:`~cakupan.detect.location`),
the QA flags of interviews that look wrong (:mod:`~cakupan.detect.flags`, with its pair and
cluster search in :mod:`~cakupan.detect._pairs`), the enumerators' scores
(:mod:`~cakupan.detect.enumerators`) and the tally of checked rows that later stages count
from (:mod:`~cakupan.detect.tally`). Computation only: no disk, no module state.

May import: the ground floor (:mod:`cakupan.config`, :mod:`cakupan.crs`, :mod:`cakupan._text`,
...), :mod:`cakupan.read`, :mod:`cakupan.normalise` and :mod:`cakupan.assign`; no later stage.
"""
