"""Benchmark: assigning household points to unit polygons, cakupan against sjoin and DuckDB.

Times, on one workload (see workloads.py), each step in its own subprocess so that its peak
memory can be read:

- io: the I/O floor, reading the points Parquet into two numpy arrays;
- cakupan: ``PolygonIndex(units).locate(x, y)`` and counts per unit (``np.bincount``), index
  build included;
- sjoin: ``geopandas.sjoin`` of a points GeoDataFrame built from x, y (predicate intersects),
  lowest unit per point, counts per unit;
- duckdb: DuckDB's spatial extension joining points (``ST_Point(x, y)``) to units with
  ``ST_Intersects``, lowest unit per point, counts per unit.

Data are loaded before the clock starts (except for io); each step is timed as the best of
``--repeat`` runs. Per-unit counts (and the count of points outside every unit) must be identical.
With ``--json`` the last line printed is one JSON object.

DuckDB's spatial extension cannot be downloaded here. The runner looks for an interpreter whose
duckdb can load it offline: this one, ``--duckdb-python``, ``$CAKUPAN_DUCKDB_PYTHON``, then
``benchmarks/data/duckdb-venv`` (made by ``--setup-duckdb``: duckdb 1.5.5 and the PyPI package
``duckdb-extension-spatial`` 1.5.5, which ships the extension binary). Without one, duckdb_s
is null and the output says why.

This module imports only the standard library at the top: the duckdb step runs it under an
interpreter that has nothing but duckdb.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DUCKDB_VENV = HERE / "data" / "duckdb-venv"
DUCKDB_PINS = ["duckdb==1.5.5", "duckdb-extension-spatial==1.5.5"]
STEPS = ("io", "cakupan", "sjoin", "duckdb")


# -- steps, each run in a child process ------------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _best(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), times, result


def _read_xy(points: str):
    import pyarrow.parquet as pq

    table = pq.read_table(points, columns=["x", "y"])
    return table["x"].to_numpy(), table["y"].to_numpy()


def step_io(points: str, units: str, repeat: int):
    import numpy  # noqa: F401  (imported before the clock)
    import pyarrow.parquet  # noqa: F401

    base = _rss_mb()
    best, times, _ = _best(lambda: _read_xy(points), repeat)
    return best, times, base, None


def step_cakupan(points: str, units: str, repeat: int):
    import geopandas as gpd
    import numpy as np

    from cakupan.assign._grid import PolygonIndex

    x, y = _read_xy(points)
    geoms = gpd.read_parquet(units).geometry
    base = _rss_mb()

    def run():
        pos = PolygonIndex(geoms).locate(x, y)
        return np.bincount(pos + 1, minlength=len(geoms) + 1)

    best, times, counts = _best(run, repeat)
    return best, times, base, counts.tolist()


def step_sjoin(points: str, units: str, repeat: int):
    import geopandas as gpd
    import numpy as np

    x, y = _read_xy(points)
    frame = gpd.read_parquet(units)[["geometry"]]  # RangeIndex: index_right is the position
    base = _rss_mb()

    def run():
        pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=frame.crs)
        joined = gpd.sjoin(pts, frame, predicate="intersects", how="inner")
        lowest = joined["index_right"].groupby(level=0).min().to_numpy()
        counts = np.bincount(lowest + 1, minlength=len(frame) + 1)
        counts[0] = len(x) - len(lowest)
        return counts

    best, times, counts = _best(run, repeat)
    return best, times, base, counts.tolist()


def _duckdb_connect():
    """A DuckDB connection with spatial loaded offline, or an exception saying why not."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("LOAD spatial")
        return con, "installed extension"
    except duckdb.Error as first:
        try:
            import duckdb_extension_spatial as pkg
        except ImportError:
            raise RuntimeError(
                f"duckdb {duckdb.__version__} here cannot load spatial ({first}); no "
                "duckdb_extension_spatial package either"
            ) from None
        found = sorted(Path(pkg.__file__).parent.glob("extensions/*/spatial.duckdb_extension"))
        if not found:
            raise RuntimeError("duckdb_extension_spatial ships no extension binary") from None
        con.execute(f"LOAD '{found[-1]}'")
        return con, f"pip package duckdb-extension-spatial ({found[-1].parent.name})"


def step_duckdb(points: str, units: str, repeat: int):
    import duckdb

    con, how = _duckdb_connect()
    con.execute(
        "CREATE TABLE units AS SELECT CAST(row_number() OVER (ORDER BY unit_code) - 1 AS INTEGER)"
        f" AS pos, geometry AS geom FROM read_parquet('{units}')"
    )
    con.execute(
        "CREATE TABLE pts AS SELECT row_number() OVER () AS pid, x, y"
        f" FROM read_parquet('{points}')"
    )
    n_units, n_points = (
        con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("units", "pts")
    )
    base = _rss_mb()
    query = """
        SELECT pos, count(*) FROM (
            SELECT min(u.pos) AS pos
            FROM pts p JOIN units u ON ST_Intersects(u.geom, ST_Point(p.x, p.y))
            GROUP BY p.pid
        ) GROUP BY pos
    """

    def run():
        counts = [0] * (n_units + 1)
        for pos, n in con.execute(query).fetchall():
            counts[pos + 1] = n
        counts[0] = n_points - sum(counts)
        return counts

    best, times, counts = _best(run, repeat)
    note = f"duckdb {duckdb.__version__}, spatial from {how}"
    return best, times, base, counts, note


def child(step: str, size: str, repeat: int, out: str) -> None:
    from workloads import paths  # the child runs with benchmarks/ on sys.path

    points, units = (str(p) for p in paths(size))
    res = {"step": step}
    try:
        best, times, base, counts, *note = globals()[f"step_{step}"](points, units, repeat)
        res.update(seconds=best, times=times, base_rss_mb=base, peak_rss_mb=_peak_mb())
        res["note"] = note[0] if note else None
        Path(out).write_text(json.dumps(counts))
    except Exception as exc:  # reported to the parent, which decides what it means
        res["error"] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(res))


# -- the parent ----------------------------------------------------------------------------


def run_child(
    python: str, step: str, size: str, repeat: int, tmp: Path
) -> tuple[dict, list | None]:
    out = tmp / f"{step}.json"
    cmd = [python, str(Path(__file__)), "--step", step, "--size", size, "--repeat", str(repeat)]
    cmd += ["--out", str(out)]
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
    )
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    lines = proc.stdout.strip().splitlines()
    try:
        res = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        res = {"step": step, "error": f"exit {proc.returncode}: {proc.stderr.strip()[-500:]}"}
    counts = json.loads(out.read_text()) if out.exists() and "error" not in res else None
    return res, counts


def duckdb_pythons(explicit: str | None) -> list[str]:
    found = [sys.executable, explicit, os.environ.get("CAKUPAN_DUCKDB_PYTHON")]
    found.append(str(DUCKDB_VENV / "bin" / "python"))
    return list(dict.fromkeys(p for p in found if p and Path(p).exists()))


def setup_duckdb() -> None:
    """Make benchmarks/data/duckdb-venv with a duckdb whose spatial extension ships on PyPI."""
    subprocess.run([sys.executable, "-m", "venv", str(DUCKDB_VENV)], check=True)
    pip = [str(DUCKDB_VENV / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run(pip + DUCKDB_PINS, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark point-in-polygon assignment.")
    parser.add_argument("--size", choices=("small", "city", "province"), default="small")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument("--repeat", type=int, help="best of N (default 3; 1 for province)")
    parser.add_argument("--steps", default=",".join(STEPS), help="comma-separated subset")
    parser.add_argument("--duckdb-python", help="interpreter whose duckdb can load spatial")
    parser.add_argument("--setup-duckdb", action="store_true", help=setup_duckdb.__doc__)
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    repeat = args.repeat or (1 if args.size == "province" else 3)
    if args.step:
        child(args.step, args.size, repeat, args.out)
        return
    if args.setup_duckdb:
        setup_duckdb()

    sys.path.insert(0, str(HERE))
    from workloads import ensure

    ensure(args.size)
    steps = [s for s in args.steps.split(",") if s]
    results, counts = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for step in steps:
            pythons = duckdb_pythons(args.duckdb_python) if step == "duckdb" else [sys.executable]
            errors = []
            for python in pythons:
                res, cnt = run_child(python, step, args.size, repeat, Path(tmp))
                if "error" not in res:
                    break
                errors.append(f"{python}: {res['error']}")
            if "error" in res:
                res["error"] = " | ".join(errors)
            results[step], counts[step] = res, cnt

    def secs(step):
        return results.get(step, {}).get("seconds")

    def times_faster(peer_s):
        """How many times cakupan is faster than a peer; None when either failed."""
        return peer_s / secs("cakupan") if peer_s and secs("cakupan") else None

    ref = counts.get("cakupan")
    peers = [s for s in ("duckdb", "sjoin") if secs(s) is not None]
    identical = ref is not None and all(counts[s] == ref for s in peers)
    fastest = min((secs(s) for s in peers), default=None)
    summary = {
        "size": args.size,
        "n_units": len(ref) - 1 if ref else None,
        "n_points": sum(ref) if ref else None,
        "n_outside": ref[0] if ref else None,
        "io_floor_s": secs("io"),
        "cakupan_s": secs("cakupan"),
        "duckdb_s": secs("duckdb"),
        "sjoin_s": secs("sjoin"),
        "identical": identical,
        "ratio_vs_fastest_peer": times_faster(fastest),
        "ratio_vs_duckdb": times_faster(secs("duckdb")),
        "ratio_vs_sjoin": times_faster(secs("sjoin")),
        "peak_rss_mb": {s: r.get("peak_rss_mb") for s, r in results.items()},
        "step_extra_rss_mb": {
            s: round(r["peak_rss_mb"] - r["base_rss_mb"], 1)
            for s, r in results.items()
            if "peak_rss_mb" in r
        },
        "repeat": repeat,
        "duckdb_note": results.get("duckdb", {}).get("note")
        or results.get("duckdb", {}).get("error"),
        "errors": {s: r["error"] for s, r in results.items() if "error" in r},
    }
    print(
        f"workload {args.size}: {summary['n_units']} units, {summary['n_points']} points, "
        f"{summary['n_outside']} outside every unit (best of {repeat})"
    )
    for step in STEPS:
        if step not in results:
            continue
        r = results[step]
        if "error" in r:
            print(f"  {step:8s} not run: {r['error']}")
            continue
        ratio = (
            ""
            if step in ("io", "cakupan") or not secs("cakupan")
            else f"  {r['seconds'] / secs('cakupan'):5.1f}x cakupan"
        )
        same = (
            ""
            if step in ("io", "cakupan") or ref is None
            else ("  counts identical" if counts[step] == ref else "  COUNTS DIFFER")
        )
        print(
            f"  {step:8s} {r['seconds']:8.3f} s  peak RSS {r['peak_rss_mb']:7.0f} MB "
            f"(+{r['peak_rss_mb'] - r['base_rss_mb']:.0f} MB in step){ratio}{same}"
        )
    if "duckdb" in results and "error" in results["duckdb"]:
        print(
            "  DuckDB spatial could not be loaded offline: run with --setup-duckdb "
            f"(pip installs {' '.join(DUCKDB_PINS)} into {DUCKDB_VENV}) or pass --duckdb-python."
        )
    elif summary["duckdb_note"]:
        print(f"  duckdb: {summary['duckdb_note']}")
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
