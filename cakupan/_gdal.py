"""GDAL settings held only for the length of a block, then given back.

GDAL's configuration options are global to the process: one set for a write of cakupan's
would change every later write of the caller's (a notebook user's own GeoPackages). So each is
set here around the writes that need it and the previous value restored afterwards.
"""

from __future__ import annotations

import contextlib

import pyogrio

#: The change date written into every GeoPackage cakupan makes; a fixed one keeps reruns
#: byte-identical (GDAL would write the time of writing).
GEOPACKAGE_DATE = "2000-01-01T00:00:00.000Z"


@contextlib.contextmanager
def fixed_date(date: str = GEOPACKAGE_DATE):
    """Within the block, GeoPackages written through pyogrio carry ``date`` as their date.

    Examples
    --------
    >>> before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    >>> with fixed_date():
    ...     pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    '2000-01-01T00:00:00.000Z'
    >>> pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") == before
    True
    """
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": date})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
