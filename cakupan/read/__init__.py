"""Reading inputs: the only stage besides :mod:`cakupan.render.write` that touches the disk.

Readers return frames with the file's own columns (all text, so codes keep their leading
zeros) and a ``source_row`` a person can find in the file; :mod:`cakupan.normalise.tables` maps them
to the canonical columns. Large Parquet and CSV tables can also be read a batch at a time,
only the columns wanted, numbers kept as numbers (:func:`iter_batches`). Rasters come back as
arrays with their transform and CRS. Survey platforms' exports (ODK Central's zip,
Kobo's workbook) are read as their submissions table, each repeat group joined as a row count
per submission (:mod:`~cakupan.read.odk`, :mod:`~cakupan.read.kobo`,
:mod:`~cakupan.read.repeats`); :func:`describe_table` says what was joined.
"""

from cakupan.read.batches import (
    BATCH_ROWS,
    WholeFileNeeded,
    batch_columns,
    count_rows,
    iter_batches,
    row_groups,
)
from cakupan.read.buildings import read_buildings
from cakupan.read.raster import PopulationRaster, read_population_raster
from cakupan.read.tables import describe_table, read_table
from cakupan.read.vector import read_vector

__all__ = ["BATCH_ROWS", "PopulationRaster", "WholeFileNeeded", "batch_columns", "count_rows",
           "iter_batches", "row_groups",
           "read_buildings", "read_population_raster", "read_table", "read_vector",
           "describe_table"]
