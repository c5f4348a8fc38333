"""Approximate RT territories drawn from interview points, for runs without SLS polygons.

Method: within each kelurahan, every interview location is the seed of a Voronoi cell (the
part of the plane nearer to it than to any other interview of that kelurahan); the cells are
clipped to the kelurahan boundary and joined by the RT the interviews declared. The
territories of one kelurahan do not overlap and together cover it exactly, so RT coverage can
be mapped and a population raster or building count can be summed per RT.

Limits, which the map and report should state:

- An RT with no interview gets no territory: its area is shared out among its neighbours, so a
  skipped RT shows up as a neighbour that looks over-covered, never as an empty RT. Only real
  SLS polygons (``--units``) show skipped RTs on the map.
- Boundaries run halfway between interviews, not along streets or rivers; where interviews are
  sparse (early in fieldwork, or at the edge of a kelurahan) the lines are arbitrary, and
  expected counts summed over these territories carry that error.
- A wrong declared RT or a GPS error makes a stray piece of one RT inside another; territories
  can therefore be multi-part.
- Interviews outside their declared kelurahan (or declaring one not in the boundaries) are not
  seeds; several interviews at one spot are one seed, with the RT most of them declared (ties:
  the smallest RW, then RT).
- A kelurahan with no usable interview has no territory.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cakupan.crs import require_same_crs

TERRITORY_COLUMNS = ("kelurahan_code", "rw", "rt", "n_points")


def approximate_territories(
    points: gpd.GeoDataFrame, kelurahan: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Return approximate RT territories: Voronoi cells of interviews joined by declared RT.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Counted interviews (points, metric CRS) with ``kelurahan_code``, ``rw`` and ``rt``.
    kelurahan : geopandas.GeoDataFrame
        Kelurahan polygons in the same CRS with ``kelurahan_code``; rows sharing a code are
        joined.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per RT: ``kelurahan_code``, ``rw``, ``rt``, ``n_points`` (seed locations) and
        the territory (polygon or multipolygon), sorted by code, RW and RT. ``attrs`` hold
        ``points_ignored`` (interviews that are not seeds) and ``kelurahan_without_points``.

    Examples
    --------
    >>> kel = gpd.GeoDataFrame({"kelurahan_code": ["3671011001"]},
    ...                        geometry=[shapely.box(0, 0, 100, 100)], crs=32748)
    >>> pts = gpd.GeoDataFrame({"kelurahan_code": ["3671011001"] * 3, "rw": ["001"] * 3,
    ...                         "rt": ["001", "001", "002"]}, crs=32748,
    ...                        geometry=shapely.points([(10, 50), (30, 50), (90, 50)]))
    >>> t = approximate_territories(pts, kel)
    >>> t[["rt", "n_points"]].values.tolist(), t.area.round(6).tolist()
    ([['001', 2], ['002', 1]], [6000.0, 4000.0])
    """
    require_same_crs(points, kelurahan, "interview points", "kelurahan")
    for frame, name, needed in (
        (points, "interview points", ("kelurahan_code", "rw", "rt")),
        (kelurahan, "kelurahan", ("kelurahan_code",)),
    ):
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} lack column(s) {', '.join(missing)}")

    kel = _kelurahan(kelurahan)
    seeds, ignored = _seeds(points, kel)
    codes = kel["kelurahan_code"].to_numpy()
    used = np.unique(seeds["kel"].to_numpy())
    without = sorted(set(codes.tolist()) - set(codes[used].tolist()))
    if not len(seeds):
        out = _frame([], [], [], [], [], kelurahan.crs)
        out.attrs.update(points_ignored=ignored, kelurahan_without_points=without)
        return out

    kel_geoms = kel.geometry.to_numpy()
    site_kel = seeds["kel"].to_numpy()
    parts, part_site = _clipped(*_voronoi_cells(seeds, kel_geoms, used), kel_geoms[site_kel])
    pieces = gpd.GeoDataFrame(
        {
            "kelurahan_code": codes[site_kel[part_site]],
            "rw": seeds["rw"].to_numpy()[part_site],
            "rt": seeds["rt"].to_numpy()[part_site],
            "site": part_site,
        },
        geometry=parts,
        crs=kelurahan.crs,
    )
    by = ["kelurahan_code", "rw", "rt"]
    try:
        # Voronoi cells share their edges exactly: a coverage union is ten times faster.
        joined = pieces.dissolve(by=by, method="coverage", sort=True)
    except shapely.errors.GEOSException:
        # Clipping can leave a boundary vertex a hair off; the general union copes.
        joined = pieces.dissolve(by=by, method="unary", sort=True)
    n_points = seeds.assign(kelurahan_code=codes[site_kel]).groupby(by).size()
    keys = joined.index.to_frame(index=False)
    out = _frame(
        keys["kelurahan_code"], keys["rw"], keys["rt"], n_points.reindex(joined.index).to_numpy(),
        joined.geometry.to_numpy(), kelurahan.crs,
    )  # fmt: skip
    out.attrs.update(points_ignored=ignored, kelurahan_without_points=without)
    return out


def _voronoi_cells(seeds: pd.DataFrame, kel_geoms: np.ndarray, used: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Return the Voronoi cell of every seed among its kelurahan's seeds, and its seed.

    Cells reach beyond the kelurahan (clip them with :func:`_clipped`).
    """
    site_geoms = shapely.points(seeds["x"].to_numpy(), seeds["y"].to_numpy())
    site_kel = seeds["kel"].to_numpy()
    # One multipoint per kelurahan with seeds, numbered 0..m-1 in kelurahan order.
    group = np.searchsorted(used, site_kel)
    sites = shapely.multipoints(site_geoms, indices=group)
    diagrams = shapely.voronoi_polygons(sites, extend_to=kel_geoms[used])
    cells, cell_group = shapely.get_parts(diagrams, return_index=True)
    # Each cell holds exactly one seed of its own kelurahan; seeds of other kelurahan may fall
    # in it too (cells reach beyond the boundary), so match on the kelurahan as well.
    cell_idx, site_idx = shapely.STRtree(site_geoms).query(cells, predicate="contains")
    same = group[site_idx] == cell_group[cell_idx]
    cell_idx, site_idx = cell_idx[same], site_idx[same]
    cell_site = np.full(len(cells), -1)
    cell_site[cell_idx] = site_idx
    cells, cell_site = cells[cell_site >= 0], cell_site[cell_site >= 0]
    # Some GEOS versions return an empty diagram for a single seed: its cell is the kelurahan.
    has_cells = np.zeros(len(used), dtype=bool)
    has_cells[group[cell_site]] = True
    lone_site = np.flatnonzero(np.isin(group, np.flatnonzero(~has_cells)))
    return (np.concatenate([cells, kel_geoms[site_kel[lone_site]]]),
            np.concatenate([cell_site, lone_site]))


def _clipped(cells: np.ndarray, cell_site: np.ndarray, site_kelurahan: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """Return the polygonal parts of each cell inside its seed's kelurahan, and their seeds."""
    # Clip only the cells that cross the boundary: most lie wholly inside their kelurahan.
    shapely.prepare(site_kelurahan)
    owner = site_kelurahan[cell_site]
    clipped = cells.copy()
    crossing = ~shapely.contains(owner, cells)
    clipped[crossing] = shapely.intersection(cells[crossing], owner[crossing])
    parts, part_cell = shapely.get_parts(clipped, return_index=True)
    polygonal = shapely.get_type_id(parts) == 3
    return parts[polygonal], cell_site[part_cell[polygonal]]


def _kelurahan(kelurahan: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"kelurahan_code": kelurahan["kelurahan_code"].astype("string").to_numpy()},
        geometry=kelurahan.geometry.to_numpy(),
        crs=kelurahan.crs,
    )
    geoms = frame.geometry.to_numpy()
    frame = frame[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    frame = frame[frame["kelurahan_code"].notna()]
    if frame["kelurahan_code"].duplicated().any():
        frame = frame.dissolve(by="kelurahan_code", method="unary", sort=True).reset_index()
    return frame.sort_values("kelurahan_code").reset_index(drop=True)


def _seeds(points: gpd.GeoDataFrame, kel: gpd.GeoDataFrame) -> tuple[pd.DataFrame, int]:
    """Return one seed per kelurahan and location, with its majority RT, and the rows dropped."""
    geoms = points.geometry.to_numpy()
    codes = pd.Index(kel["kelurahan_code"])
    kel_pos = codes.get_indexer(points["kelurahan_code"].astype("string"))
    rw = points["rw"].astype("string").to_numpy()
    rt = points["rt"].astype("string").to_numpy()
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) & (kel_pos >= 0)
    ok &= np.isin(shapely.get_type_id(geoms), [0])
    ok &= ~(pd.isna(rw) | pd.isna(rt))
    inside = np.zeros(len(points), dtype=bool)
    inside[ok] = shapely.covers(kel.geometry.to_numpy()[kel_pos[ok]], geoms[ok])
    ok &= inside
    frame = pd.DataFrame(
        {
            "kel": kel_pos[ok],
            "x": shapely.get_x(geoms[ok]),
            "y": shapely.get_y(geoms[ok]),
            "rw": rw[ok],
            "rt": rt[ok],
        }
    )
    votes = frame.groupby(["kel", "x", "y", "rw", "rt"]).size().rename("votes").reset_index()
    votes = votes.sort_values(
        ["kel", "x", "y", "votes", "rw", "rt"], ascending=[True, True, True, False, True, True]
    )
    seeds = votes.drop_duplicates(["kel", "x", "y"]).reset_index(drop=True)
    return seeds[["kel", "x", "y", "rw", "rt"]], int((~ok).sum())


def _frame(code, rw, rt, n_points, geometry, crs) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "kelurahan_code": pd.array(np.asarray(code, dtype=object), dtype="string"),
            "rw": pd.array(np.asarray(rw, dtype=object), dtype="string"),
            "rt": pd.array(np.asarray(rt, dtype=object), dtype="string"),
            "n_points": np.asarray(n_points, dtype="int64"),
        },
        geometry=list(geometry) if not len(geometry) else geometry,
        crs=crs,
    )
