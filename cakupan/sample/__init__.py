"""The sample world: a deterministic registration of Kota Tangerang with known faults.

Built on the real kelurahan boundaries shipped in ``boundaries/``; everything else (RW and RT
polygons, households, prelist, interviews) is generated, so the ground truth is known and
tests can score how well cakupan finds what was missed.
"""

from cakupan.sample.world import SIZES, World, make_world, write_world

__all__ = ["SIZES", "World", "make_world", "write_world"]
