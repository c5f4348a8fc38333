"""cakupan: find whom a door-to-door registration left uncounted, and where.

The Python API, the command line's twin (each name is documented in :mod:`cakupan.api`):

- read: :func:`read_inputs` (alias :func:`load`), :func:`load_config`, :class:`Config`;
- analyse in one go: :func:`analyse`, or :func:`run` to read, analyse and write (by parts
  for large files, on dask if asked); :func:`validate` to check the inputs only;
- stage by stage: :func:`assign_interviews`, :func:`check_interviews`,
  :func:`measure_coverage`, :func:`find_blind_spots`;
- look and write: :func:`coverage_map` (a :class:`folium.Map`, inline in Jupyter),
  :func:`coverage_layers`, :func:`worklist_sheets`, :func:`write_outputs`;
- the sample world: :func:`make_world`, :func:`write_world`.

Names are imported on first use, so ``cakupan --help`` stays instant.

Examples
--------
>>> import cakupan
>>> cakupan.Config().coverage.under_ratio
0.9
>>> cakupan.load is cakupan.read_inputs
True
"""

from cakupan._public import PUBLIC
from cakupan._public import __version__ as __version__

__all__ = list(PUBLIC)


def __getattr__(name):
    # geopandas and folium take a second to import; the command line imports this package
    if name in __all__:
        from cakupan import api

        return getattr(api, name)
    raise AttributeError(f"module 'cakupan' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *__all__])
