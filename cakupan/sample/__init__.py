"""The sample world: a deterministic registration of Kota Tangerang with known faults.

Built on the real kelurahan boundaries shipped in ``boundaries/``; everything else (RW and RT
polygons, households, prelist, interviews) is generated, so the ground truth is known and
tests can score how well cakupan finds what was missed. Owns the places, RTs and households
(:mod:`~cakupan.sample.world`), the fieldwork and its faults (:mod:`~cakupan.sample.fieldwork`),
the plan of who was meant to be where when, and who fell behind (:mod:`~cakupan.sample.plan`)
and the independent layers, a population raster and buildings (:mod:`~cakupan.sample.layers`).

May import: the ground floor and :mod:`cakupan.read` only, so that the world stands apart
from the code it tests.
"""

from cakupan.sample.world import SIZES, World, make_world, write_world

__all__ = ["SIZES", "World", "make_world", "write_world"]
