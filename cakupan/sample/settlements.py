"""Kinds of settlement in the sample world: where households stand, and who shares a building.

Takes kelurahan polygons and household counts (EPSG:32748 metres) and returns household
positions shaped like the places of Kota and Kabupaten Tangerang:

- ``kampung``: dense kampung, doors 4-6 m apart around a few centres;
- ``estate``: a housing estate (perumahan), houses on a regular 9 m grid;
- ``rural``: a sparse rural desa, houses strung along roads, 8-15 m off them;
- ``apartment``: an RT that is one apartment block (rusunawa, rusunami, apartemen) of 180-360
  households at one spot;
- ``shared``: an RT of buildings shared by 2-4 households (rumah petak, kos, extended
  families); elsewhere in kampung and estates a few buildings are shared too.

Each kelurahan has a kind (:data:`PATTERN`, in code order, so that every sample size has
each); apartment and shared RTs are drawn among the RTs of kampung and estates. Deterministic
given the ``numpy.random.Generator``; nothing here touches the disk.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

#: The kind of the i-th kelurahan (in code order) is ``PATTERN[i % len(PATTERN)]``.
PATTERN = ("kampung", "estate", "rural", "kampung", "estate", "kampung", "estate")
#: Households per km2 relative to the city's mean, per kind of kelurahan.
DENSITY = {"kampung": 1.4, "estate": 1.0, "rural": 0.3}
#: Share of the RTs of kampung and estates that are apartment blocks, and shared buildings.
APARTMENT_RT = 0.03
SHARED_RT = 0.10
#: Share of households in a shared building: in a shared RT, and elsewhere in towns.
SHARED_HOUSEHOLDS = {"shared": 0.75, "other": 0.08}
#: Grid step of household cells (metres) per kind.
_STEP = {"kampung": 5.0, "estate": 9.0}
#: Every kind of settlement, as truth tables name them.
KINDS = ("apartment", "shared", "kampung", "estate", "rural")


def kind_of(i: int) -> str:
    """Return the kind of the ``i``-th kelurahan (in code order)."""
    return PATTERN[i % len(PATTERN)]


def place(polygon, n: int, kind: str, rng) -> np.ndarray:
    """Return ``n`` household points inside ``polygon`` for a kelurahan of ``kind``."""
    if kind == "rural":
        return _along_roads(polygon, n, rng)
    return _clustered(polygon, n, _STEP[kind], rng, jitter=1.0 if kind == "kampung" else 0.4)


def _clustered(polygon, n, step, rng, jitter) -> np.ndarray:
    """Return ``n`` points in settlements around a few centres, one per ``step`` cell."""
    west, south, east, north = polygon.bounds
    n_centres = max(3, int(polygon.area / 1e6 * 4))
    centres = np.column_stack([rng.uniform(west, east, n_centres * 4),
                               rng.uniform(south, north, n_centres * 4)])
    centres = centres[shapely.contains_xy(polygon, centres[:, 0], centres[:, 1])][:n_centres]
    spread = rng.uniform(60, 220, len(centres)) * step / 7.0
    cells = np.empty((0, 2), dtype=np.int64)
    while len(cells) < n:
        m = 3 * (n - len(cells)) + 100
        pick = rng.integers(0, len(centres), m)
        pts = centres[pick] + rng.normal(0, 1, (m, 2)) * spread[pick, None]
        uniform = rng.random(m) < 0.02
        pts[uniform] = np.column_stack([rng.uniform(west, east, uniform.sum()),
                                        rng.uniform(south, north, uniform.sum())])
        pts = pts[shapely.contains_xy(polygon, pts[:, 0], pts[:, 1])]
        new = np.floor(pts / step).astype(np.int64)
        cells = np.unique(np.vstack([cells, new]), axis=0)
    cells = cells[rng.permutation(len(cells))[:n]]
    xy = (cells + 0.5) * step + rng.uniform(-jitter, jitter, cells.shape)
    inside = shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])
    xy[~inside] = (cells[~inside] + 0.5) * step
    return xy


def _along_roads(polygon, n, rng) -> np.ndarray:
    """Return ``n`` houses along straight roads across ``polygon``, 8-15 m either side."""
    west, south, east, north = polygon.bounds
    reach = np.hypot(east - west, north - south)
    xy = np.empty((0, 2))
    while len(xy) < n:
        # roads through random points inside, at random angles, clipped to the desa
        k = 16
        at = np.column_stack([rng.uniform(west, east, k), rng.uniform(south, north, k)])
        angle = rng.uniform(0, np.pi, k)
        dx, dy = np.cos(angle) * reach, np.sin(angle) * reach
        roads = shapely.intersection(
            shapely.linestrings(np.stack([at - np.column_stack([dx, dy]),
                                          at + np.column_stack([dx, dy])], axis=1)), polygon)
        roads = roads[shapely.length(roads) > 50]
        if not len(roads):
            continue
        length = shapely.length(roads)
        m = 2 * (n - len(xy)) + 50
        road = rng.choice(len(roads), m, p=length / length.sum())
        along = rng.uniform(0, 1, m) * length[road]
        here = shapely.get_coordinates(shapely.line_interpolate_point(roads[road], along))
        ahead = shapely.get_coordinates(shapely.line_interpolate_point(roads[road], along + 1.0))
        tangent = ahead - here
        norm = np.hypot(tangent[:, 0], tangent[:, 1])
        norm[norm == 0] = 1.0
        side = rng.choice([-1.0, 1.0], m) * rng.uniform(8, 15, m)
        pts = here + np.column_stack([-tangent[:, 1], tangent[:, 0]]) / norm[:, None] * side[:,
                                                                                             None]
        pts = pts[shapely.contains_xy(polygon, pts[:, 0], pts[:, 1])]
        xy = np.vstack([xy, pts])
    return xy[:n]


def settle(households: pd.DataFrame, kinds: pd.Series, rng) -> pd.DataFrame:
    """Return households with apartment and shared RTs made, ``settlement`` and ``building``.

    ``kinds``: the kind of each kelurahan (index ``kelurahan_code``). An apartment RT's
    households are replaced by 180-360 in one block around the household nearest the RT's
    centre; in shared RTs (and a few elsewhere) neighbours within a 12 m square share a
    building of 2-4, standing within 1.5 m of its first household. ``building``: a number
    per apartment block or shared building, -1 for a house of its own.
    """
    key = households["kelurahan_code"] + households["rw"] + households["rt"]
    kind = households["kelurahan_code"].map(kinds).to_numpy()
    rt_kind = pd.Series(kind, index=key.to_numpy()).groupby(level=0, sort=False).first()
    town = (rt_kind != "rural").to_numpy()
    draw = rng.random(len(rt_kind))
    apartment = town & (draw < APARTMENT_RT)
    shared = town & ~apartment & (draw < APARTMENT_RT + SHARED_RT)
    rt_type = pd.Series(np.where(apartment, "apartment", np.where(shared, "shared", rt_kind)),
                        index=rt_kind.index)
    in_block = key.isin(rt_type.index[apartment]).to_numpy()
    blocks = [_block(rt, rng) for _, rt in households[in_block].groupby(key[in_block],
                                                                         sort=False)]
    households = households[~in_block]
    households = _shared_buildings(households, rt_type, rng)
    if blocks:
        start = households["building"].max() + 1
        blocks = [b.assign(building=start + i) for i, b in enumerate(blocks)]
        households = pd.concat([households, *blocks], ignore_index=True)
    households = households.sort_values(["kelurahan_code", "rw", "rt", "household_id"],
                                        kind="stable").reset_index(drop=True)
    key = households["kelurahan_code"] + households["rw"] + households["rt"]
    return households.assign(settlement=key.map(rt_type).to_numpy())


def _block(rt: pd.DataFrame, rng) -> pd.DataFrame:
    """Return the households of one apartment block standing where the RT's middle is."""
    xy = rt[["x", "y"]].to_numpy()
    middle = xy[np.argmin(np.hypot(*(xy - xy.mean(axis=0)).T))]
    m = int(rng.integers(180, 361))
    prefix = rt["household_id"].iat[0][:-4]
    return pd.DataFrame({
        "kelurahan_code": rt["kelurahan_code"].iat[0], "rw": rt["rw"].iat[0],
        "rt": rt["rt"].iat[0],
        "x": middle[0] + rng.uniform(-15, 15, m), "y": middle[1] + rng.uniform(-9, 9, m),
        "household_size": np.clip(rng.poisson(2.5, m) + 1, 1, 8),
        "household_id": [f"{prefix}{j + 1:04d}" for j in range(m)],
    })


def _shared_buildings(households: pd.DataFrame, rt_type: pd.Series, rng) -> pd.DataFrame:
    """Return households with ``building``: neighbours grouped 2-4 to a shared building."""
    key = households["kelurahan_code"] + households["rw"] + households["rt"]
    square = pd.DataFrame({"key": key, "cx": np.floor(households["x"] / 12.0),
                           "cy": np.floor(households["y"] / 12.0)})
    square_id = square.groupby(["key", "cx", "cy"], sort=True).ngroup().to_numpy()
    size = rng.integers(2, 5, square_id.max() + 1 if len(square_id) else 0)
    position = pd.Series(square_id).groupby(square_id).cumcount().to_numpy()
    group = pd.DataFrame({"s": square_id, "c": position // size[square_id]})
    group_id = group.groupby(["s", "c"], sort=True).ngroup().to_numpy()
    count = np.bincount(group_id)
    share = np.where(key.map(rt_type).to_numpy() == "shared", SHARED_HOUSEHOLDS["shared"],
                     SHARED_HOUSEHOLDS["other"])
    rural = key.map(rt_type).to_numpy() == "rural"
    chosen = rng.random(len(count)) < np.bincount(group_id, weights=share) / count
    in_shared = chosen[group_id] & (count[group_id] >= 2) & ~rural
    _, building = np.unique(group_id[in_shared], return_inverse=True)
    out = households.assign(building=-1)
    out.loc[in_shared, "building"] = building
    first = out[in_shared].groupby("building")[["x", "y"]].transform("first")
    out.loc[in_shared, "x"] = first["x"].to_numpy() + rng.uniform(-1.5, 1.5, in_shared.sum())
    out.loc[in_shared, "y"] = first["y"].to_numpy() + rng.uniform(-1.5, 1.5, in_shared.sum())
    return out
