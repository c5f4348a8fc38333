"""Reading inputs: the only stage besides :mod:`cakupan.write` that touches the disk.

Readers return frames with the file's own columns (all text, so codes keep their leading
zeros) and a ``source_row`` a person can find in the file; :mod:`cakupan.normalise` maps them
to the canonical columns. Rasters come back as arrays with their transform and CRS.
"""

from .buildings import read_buildings
from .raster import PopulationRaster, read_population_raster
from .tables import read_table
from .vector import read_vector

__all__ = ["PopulationRaster", "read_buildings", "read_population_raster", "read_table",
           "read_vector"]
