"""Deterministic benchmark workloads: unit polygons and household points around Kota Tangerang.

Units are a Voronoi tessellation of seeds drawn from a clustered settlement density, clipped to
a wavy city outline, in EPSG:32748 (UTM 48S), so neighbours share exact edges and vertices and,
as with real RTs, units are small where people are many. Points are drawn from the same density
(so every unit gets a similar number), about 2% fall outside every unit, and a few sit exactly
on unit vertices or on (the rounding of) shared-edge midpoints.

Files are written once to ``benchmarks/data/`` and reused:
``{size}_points.parquet`` (columns x, y, float64) and ``{size}_units.parquet`` (GeoParquet,
columns unit_code, geometry; rows sorted by unit_code).

Run ``python benchmarks/workloads.py --size city`` to build one ahead of time.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
CRS = "EPSG:32748"
CENTRE = (682_500.0, 9_317_000.0)  # Kota Tangerang in UTM 48S

# units, points, half-width and half-height of the outline (m), settlement clusters, seed
SIZES = {
    "small": (300, 40_000, 4_000.0, 3_000.0, 6, 1),
    "city": (5_000, 600_000, 9_500.0, 7_500.0, 30, 2),
    "province": (60_000, 8_000_000, 55_000.0, 42_000.0, 250, 3),
}


def paths(size: str) -> tuple[Path, Path]:
    """Points and units files of a workload."""
    return DATA / f"{size}_points.parquet", DATA / f"{size}_units.parquet"


def ensure(size: str) -> tuple[Path, Path]:
    """Build the workload's files unless they exist; return their paths."""
    pts, units = paths(size)
    if not (pts.exists() and units.exists()):
        build(size)
    return pts, units


def _outline(hw: float, hh: float):
    import numpy as np
    import shapely

    theta = np.linspace(0, 2 * np.pi, 721)[:-1]
    r = 1 + 0.12 * np.sin(3 * theta + 0.4) + 0.07 * np.cos(7 * theta)
    return shapely.Polygon(
        np.c_[CENTRE[0] + hw * r * np.cos(theta), CENTRE[1] + hh * r * np.sin(theta)]
    )


def _sample(rng, n: int, outline, clusters, hw: float, hh: float, inside: bool):
    """n points from the settlement density, kept inside (or outside) the outline."""
    import numpy as np
    import shapely

    cx, cy, sigma = clusters
    out = []
    got = 0
    while got < n:
        m = 2 * (n - got) + 1000
        k = rng.integers(0, len(cx) + len(cx) // 2, m)  # a third of draws: uniform background
        clustered = k < len(cx)
        kk = np.minimum(k, len(cx) - 1)
        x = np.where(
            clustered,
            cx[kk] + rng.normal(0, 1, m) * sigma[kk],
            CENTRE[0] + rng.uniform(-1.3, 1.3, m) * hw,
        )
        y = np.where(
            clustered,
            cy[kk] + rng.normal(0, 1, m) * sigma[kk],
            CENTRE[1] + rng.uniform(-1.3, 1.3, m) * hh,
        )
        if not inside:
            x = CENTRE[0] + rng.uniform(-1.3, 1.3, m) * hw
            y = CENTRE[1] + rng.uniform(-1.3, 1.3, m) * hh
        keep = shapely.contains_xy(outline, x, y) == inside
        out.append(np.c_[x[keep], y[keep]][: n - got])
        got += len(out[-1])
    return np.concatenate(out)


def build(size: str) -> None:
    """Generate the workload ``size`` and write its two files."""
    import geopandas as gpd
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    import shapely

    n_units, n_points, hw, hh, n_clusters, seed = SIZES[size]
    rng = np.random.default_rng(seed)
    outline = _outline(hw, hh)
    shapely.prepare(outline)
    cx = CENTRE[0] + rng.uniform(-0.9, 0.9, n_clusters) * hw
    cy = CENTRE[1] + rng.uniform(-0.9, 0.9, n_clusters) * hh
    sigma = rng.uniform(0.02, 0.08, n_clusters) * min(hw, hh)
    clusters = (cx, cy, sigma)

    seeds = _sample(rng, n_units, outline, clusters, hw, hh, inside=True)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=outline.envelope)
    )
    cells = shapely.intersection(cells, outline)
    cells = cells[~shapely.is_empty(cells)]
    codes = np.array([f"3671{i:010d}" for i in rng.permutation(len(cells))])
    units = gpd.GeoDataFrame({"unit_code": codes}, geometry=cells, crs=CRS)
    units = units.sort_values("unit_code", ignore_index=True)

    n_edge = 400
    n_out = int(0.02 * n_points)
    n_in = n_points - n_out - n_edge
    pts = [
        _sample(rng, n_in, outline, clusters, hw, hh, inside=True),
        _sample(rng, n_out, outline, clusters, hw, hh, inside=False),
    ]
    # Points exactly on vertices, and on the rounding of shared-edge midpoints.
    xy = shapely.get_coordinates(units.geometry.values)
    pick = rng.integers(0, len(xy) - 1, n_edge // 2)
    pts.append(xy[pick])
    pts.append((xy[pick] + xy[pick + 1]) / 2)
    pts = np.concatenate(pts)[rng.permutation(n_points)]

    DATA.mkdir(parents=True, exist_ok=True)
    p_path, u_path = paths(size)
    tmp = p_path.with_suffix(".tmp")
    pq.write_table(pa.table({"x": pts[:, 0], "y": pts[:, 1]}), tmp)
    tmp.replace(p_path)
    tmp = u_path.with_suffix(".tmp")
    units.to_parquet(tmp)
    tmp.replace(u_path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--force", action="store_true", help="rebuild even if cached")
    args = parser.parse_args()
    if args.force:
        build(args.size)
    for p in ensure(args.size):
        print(p)


if __name__ == "__main__":
    main()
