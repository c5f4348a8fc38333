"""Polygons with the indexes built on them, each built once, when first asked for.

Takes a polygon layer in a metric CRS (a GeoDataFrame, a GeoSeries or an array of
geometries) and keeps, beside it, what locating points in it needs: the grid index
(:class:`cakupan.assign._grid.PolygonIndex`), a shapely STRtree, and anything else a stage
builds on the same polygons (the checks' edges and neighbours). Whoever holds the object
reuses them: a run by parts (:mod:`cakupan.scale.by_parts`) builds them once and hands the
object to every part. Nothing is kept anywhere else; the indexes are never pickled (a copy
sent to another process builds its own).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import numpy as np
import shapely

from cakupan.assign._grid import PolygonIndex


class Indexed:
    """A polygon layer and the indexes built on it so far.

    Parameters
    ----------
    polygons : geopandas.GeoDataFrame, geopandas.GeoSeries or numpy.ndarray
        The polygons, in the order that decides ties; kept as :attr:`frame`.

    Examples
    --------
    >>> squares = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    >>> layer = Indexed(squares)
    >>> layer.index.locate(np.array([0.5, 1.5]), np.array([0.5, 0.5])).tolist()
    [0, 1]
    >>> layer.index is layer.index and Indexed.of(layer) is layer
    True
    """

    def __init__(self, polygons):
        self.frame = polygons
        geometry = getattr(polygons, "geometry", polygons)
        self.geoms = np.asarray(getattr(geometry, "array", geometry), dtype=object)
        self._built: dict = {}

    @classmethod
    def of(cls, polygons) -> Indexed:
        """Return ``polygons`` if it is an :class:`Indexed`, else a new one on them."""
        return polygons if isinstance(polygons, cls) else cls(polygons)

    @property
    def crs(self):
        """The layer's CRS (None for a bare array)."""
        return getattr(self.frame, "crs", None)

    def __len__(self) -> int:
        return len(self.geoms)

    def built(self, what: Hashable, build: Callable):
        """Return ``build()`` the first time ``what`` is asked for, then the same object."""
        if what not in self._built:
            self._built[what] = build()
        return self._built[what]

    @property
    def index(self) -> PolygonIndex:
        """The grid index of the polygons (points covered by each)."""
        return self.built("index", lambda: PolygonIndex(self.geoms))

    @property
    def tree(self) -> shapely.STRtree:
        """A shapely STRtree of the polygons (the nearest to a point)."""
        return self.built("tree", lambda: shapely.STRtree(self.geoms))

    def __getstate__(self) -> dict:
        return {"frame": self.frame}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["frame"])
