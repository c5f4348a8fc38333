"""Benchmark of the whole ``cakupan run`` (no HTML) at city and province size.

Builds, once, a registration on the assignment benchmark's workload (``workloads.py``): its
units become RT polygons (about 59 to a kelurahan, 5 to an RW, kelurahan grouped into
kecamatan and kabupaten by location), the kelurahan are their union, every point is an
interview (Parquet with the canonical columns: codes and IDs as text, coordinates and
accuracy as numbers) declaring the RT it lies in, one enumerator per RT over 30 days, and a
prelist per RT. Then times, each in its own process (so that its peak memory is its own):

- io: the I/O floor, reading the interviews' lon and lat into two numpy arrays;
- run: ``cakupan run --no-html`` as the command line runs it (``cakupan.run``,
  in process or with ``--workers N``), wall time from process start, with the time of each
  step (read, assign, check, measure, gaps, write), the cores each step kept busy on
  average (the machine's, from ``/proc/stat``: a step well below the machine's cores waits
  on one process), and peak RSS (the largest of the process and any one of its worker
  processes);
- memory: the same run again, its peak total memory (the proportional set size of the
  process and all its workers together, sampled every 0.1 s, overall and per step). The
  sampling costs the run seconds of CPU, so it is not the timed run.

The last line printed is one JSON object. ``--size city`` takes about a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import workloads  # noqa: E402

RT_PER_KELURAHAN = 64  # leaves of a median split; about 59 after empty cells are dropped
KELURAHAN_PER_KECAMATAN = 16
KECAMATAN_PER_KABUPATEN = 16


def folder(size: str) -> Path:
    return workloads.DATA / f"{size}_pipeline"


def inputs(size: str) -> dict[str, Path]:
    base = folder(size)
    return {"boundaries": base / "kelurahan.gpkg", "units": base / "rt.gpkg",
            "interviews": base / "interviews.parquet", "prelist": base / "prelist.csv"}


def _median_split(xy, ids, leaves):
    """Order ``ids`` so that runs of ``len(ids) / leaves`` are compact areas (a k-d split)."""
    import numpy as np

    if leaves <= 1 or len(ids) <= 1:
        return [ids]
    axis = 0 if np.ptp(xy[ids, 0]) >= np.ptp(xy[ids, 1]) else 1
    order = ids[np.argsort(xy[ids, axis], kind="stable")]
    half = len(order) // 2
    return (_median_split(xy, order[:half], leaves // 2)
            + _median_split(xy, order[half:], leaves - leaves // 2))


def build(size: str) -> dict[str, Path]:
    """Write the registration of workload ``size``; return the input paths."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    import pyproj
    import shapely

    sys.path.insert(0, str(HERE.parent))
    from cakupan.assign._grid import PolygonIndex

    points_path, units_path = workloads.ensure(size)
    units = gpd.read_parquet(units_path)
    rng = np.random.default_rng(7)
    centre = shapely.get_coordinates(shapely.point_on_surface(units.geometry.to_numpy()))
    n_kel = max(len(units) // RT_PER_KELURAHAN, 1)
    groups = _median_split(centre, np.arange(len(units)), n_kel)
    kel_of = np.empty(len(units), dtype=np.int64)
    order_in = np.empty(len(units), dtype=np.int64)
    for k, ids in enumerate(groups):
        kel_of[ids] = k
        # RT numbered along the kelurahan's own split, so an RW's five RTs are neighbours
        sub = np.concatenate(_median_split(centre, ids, max(len(ids) // 5, 1)))
        order_in[sub] = np.arange(len(sub))
    per_kab = KELURAHAN_PER_KECAMATAN * KECAMATAN_PER_KABUPATEN
    kel_code = np.array([f"36{k // per_kab + 1:02d}"
                         f"{(k // KELURAHAN_PER_KECAMATAN) % KECAMATAN_PER_KABUPATEN + 1:03d}"
                         f"{k % KELURAHAN_PER_KECAMATAN + 1:03d}" for k in range(n_kel)])
    rw = order_in // 5 + 1
    rt = order_in % 5 + 1
    sls = np.array([f"{kel_code[k]}{w:02d}{t:02d}" for k, w, t in zip(kel_of, rw, rt, strict=True)])
    rt_frame = gpd.GeoDataFrame(
        {"sls_code": sls, "kelurahan_code": kel_code[kel_of], "rw": [f"{w:03d}" for w in rw],
         "rt": [f"{t:03d}" for t in rt], "sls_name": [f"RT {t:03d} RW {w:03d}"
                                                      for w, t in zip(rw, rt, strict=True)]},
        geometry=units.geometry.to_numpy(), crs=units.crs).sort_values("sls_code")
    kel_geoms = [shapely.coverage_union_all(units.geometry.to_numpy()[ids]) for ids in groups]
    kel_frame = gpd.GeoDataFrame(
        {"kelurahan_code": kel_code, "kelurahan_name": [f"Desa {c}" for c in kel_code],
         "kecamatan_code": [c[:7] for c in kel_code],
         "kecamatan_name": [f"Kecamatan {c[:7]}" for c in kel_code]},
        geometry=kel_geoms, crs=units.crs)

    table = pq.read_table(points_path, columns=["x", "y"])
    x, y = table["x"].to_numpy(), table["y"].to_numpy()
    n = len(x)
    index = PolygonIndex(units.geometry.to_numpy())
    point, polygon = index.locate_all(x, y)
    where = np.full(n, -1, dtype=np.int64)
    where[point[::-1]] = polygon[::-1]  # lowest unit where several cover a point
    outside = where < 0
    where[outside] = rng.integers(0, len(units), int(outside.sum()))
    lon, lat = pyproj.Transformer.from_crs(units.crs, 4326, always_xy=True).transform(x, y)
    day = rng.integers(0, 30, n)
    seconds = rng.integers(8 * 3600, 18 * 3600, n)
    when = (np.datetime64("2022-10-15T00:00:00", "s") + day.astype("timedelta64[D]")
            + seconds.astype("timedelta64[s]"))
    sls_by_point = pa.array(sls).take(pa.array(where))
    serial = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1)), pa.string()), 8, "0")
    interviews = pa.table({
        "interview_id": pc.binary_join_element_wise("W", serial, ""),
        "sls_code": sls_by_point,
        "household_id": pc.binary_join_element_wise(sls_by_point, serial, "-"),
        "household_size": pa.array(rng.integers(1, 8, n)),
        "lon": pa.array(np.round(lon, 7)),
        "lat": pa.array(np.round(lat, 7)),
        "gps_accuracy_m": pa.array(np.round(rng.gamma(2.0, 2.5, n) + 2, 1)),
        "interviewed_at": pc.strftime(pa.array(when), format="%Y-%m-%d %H:%M:%S"),
        "enumerator_id": pc.binary_join_element_wise(
            "PPL", pc.cast(pa.array(where), pa.string()), ""),
        "supervisor_id": pc.binary_join_element_wise(
            "PML", pc.cast(pa.array(where // 6), pa.string()), ""),
    })
    base = folder(size)
    base.mkdir(parents=True, exist_ok=True)
    paths = inputs(size)
    pq.write_table(interviews, paths["interviews"], row_group_size=1 << 20)
    kel_frame.to_file(paths["boundaries"], driver="GPKG", engine="pyogrio")
    rt_frame.to_file(paths["units"], driver="GPKG", engine="pyogrio")
    counts = np.bincount(where[~outside], minlength=len(units))
    expected = np.round(counts * rng.uniform(0.9, 1.15, len(units)))
    pd.DataFrame({"sls_code": sls, "expected_households": expected.astype(int)}).sort_values(
        "sls_code").to_csv(paths["prelist"], index=False)
    return paths


def ensure(size: str) -> dict[str, Path]:
    paths = inputs(size)
    if not all(p.exists() for p in paths.values()):
        build(size)
    return paths


# -- steps, each in a child process ---------------------------------------------------------


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def step_io(size: str, out: str, workers: int) -> dict:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    import pyogrio

    paths = inputs(size)
    times, every = [], []
    for _ in range(3):  # best of three: the first pays pyarrow's lazy set-up
        start = time.perf_counter()
        table = pq.read_table(paths["interviews"], columns=["lon", "lat"])
        lon, lat = table["lon"].to_numpy(), table["lat"].to_numpy()
        times.append(time.perf_counter() - start)
        del table, lon, lat
        start = time.perf_counter()
        table = pq.read_table(paths["interviews"])
        layers = [pyogrio.read_dataframe(paths[name]) for name in ("boundaries", "units")]
        prelist = pacsv.read_csv(paths["prelist"])
        every.append(time.perf_counter() - start)
        del table, layers, prelist
    return {"io_floor_s": min(times), "io_first_s": times[0], "io_all_inputs_s": min(every)}


def _tree_pss_kb(pid: int) -> int:
    """Return the proportional set size of process ``pid`` and its descendants (kB).

    Pages that forked processes share are counted once between them, unlike RSS.
    """
    total, stack = 0, [pid]
    while stack:
        pid = stack.pop()
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            total += int(next(line.split()[1] for line in rollup.splitlines()
                              if line.startswith("Pss:")))
            for task in os.listdir(f"/proc/{pid}/task"):
                stack += map(int, Path(f"/proc/{pid}/task/{task}/children").read_text().split())
        except (OSError, StopIteration):  # ended meanwhile
            continue
    return total


class _PeakMemory(threading.Thread):
    """Samples, every 0.1 s, the memory of this process and its children together."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_kb, self.stop, self.step, self.by_step = 0, threading.Event(), "", {}

    def run(self):
        while not self.stop.wait(0.1):
            now = _tree_pss_kb(os.getpid())
            self.peak_kb = max(self.peak_kb, now)
            self.by_step[self.step] = max(self.by_step.get(self.step, 0), now)


def _busy_s() -> float | None:
    """Return the CPU seconds this machine's cores have been busy since boot (None: unknown)."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(n) for n in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # not idle, iowait


def step_run(size: str, out: str, workers: int, sample: bool = False) -> dict:
    """Run ``cakupan run --no-html``; with ``sample``, sample its memory every 0.1 s.

    Sampling reads every process's page tables: on two cores it takes the run several
    seconds, so the timed run and the sampled run are two runs.
    """
    start = time.perf_counter()
    sampler = _PeakMemory()
    if sample:
        sampler.start()
    import cakupan

    marks, busy = {}, {}
    paths = inputs(size)
    result = cakupan.run(paths["boundaries"], paths["interviews"], Path(out),
                         units=paths["units"], prelist=paths["prelist"], html=False,
                         workers=workers or None,
                         progress=lambda name: (marks.setdefault(name, time.perf_counter()),
                                                busy.setdefault(name, _busy_s()),
                                                setattr(sampler, "step", name)))
    end, busy_end = time.perf_counter(), _busy_s()
    sampler.stop.set()
    names = list(marks)
    ends = [*(marks[name] for name in names[1:]), end]
    busy_ends = [*(busy[name] for name in names[1:]), busy_end]
    steps = {name: round(stop - marks[name], 3) for name, stop in zip(names, ends, strict=True)}
    cores = {} if busy_end is None else {
        name: round((later - busy[name]) / max(stop - marks[name], 1e-9), 2)
        for name, stop, later in zip(names, ends, busy_ends, strict=True)}
    return {"run_s": end - start, "imports_s": marks["read"] - start, "steps_s": steps,
            "cores_busy_by_step": cores,
            "rows": int(result.accounting["interviews"]["rows_read"]),
            "peak_total_mb": round(sampler.peak_kb / 1024, 1),
            "peak_total_mb_by_step": {name: round(kb / 1024) for name, kb
                                      in sampler.by_step.items()}}


def _child(step: str, size: str, out: str, workers: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", step, "--size", size, "--out", out,
         "--workers", str(workers)], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(HERE.parent)})
    if done.returncode != 0:
        sys.exit(f"The {step} step failed; its last output:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["small", "city", "province"], default="small")
    parser.add_argument("--workers", type=int, default=0,
                        help="run on a local dask cluster of N processes (0: in process)")
    parser.add_argument("--out", default=str(workloads.DATA / "pipeline_out"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step = {"io": step_io, "run": step_run, "memory": partial(step_run, sample=True)}
        found = step[args.child](args.size, args.out, args.workers)
        found["peak_rss_mb"] = round(_peak_mb(), 1)
        print(json.dumps(found))
        return
    start = time.perf_counter()
    paths = ensure(args.size)
    built = time.perf_counter() - start
    io = _child("io", args.size, args.out, args.workers)
    ran = _child("run", args.size, args.out, args.workers)
    sampled = _child("memory", args.size, args.out, args.workers)
    write_s = ran["steps_s"].get("write", 0.0)
    floor = io["io_floor_s"]
    summary = {
        "size": args.size, "workers": args.workers, "rows": ran["rows"],
        "input_bytes": {k: p.stat().st_size for k, p in paths.items()},
        "io_floor_s": round(floor, 3), "run_s": round(ran["run_s"], 2),
        "imports_s": round(ran["imports_s"], 2), "write_s": write_s, "steps_s": ran["steps_s"],
        "cores_busy_by_step": ran["cores_busy_by_step"],
        "io_all_inputs_s": round(io["io_all_inputs_s"], 3),
        # the time target, "within 2x of the I/O floor plus the time to write its outputs", read
        # both ways: 2 x floor + write (strict), and 2 x (every input read + write)
        "budget_s": round(2 * floor + write_s, 2),
        "within_budget": ran["run_s"] <= 2 * floor + write_s,
        "budget_all_inputs_s": round(2 * (io["io_all_inputs_s"] + write_s), 2),
        "within_budget_all_inputs": ran["run_s"] <= 2 * (io["io_all_inputs_s"] + write_s),
        "peak_rss_mb": ran["peak_rss_mb"], "peak_total_mb": sampled["peak_total_mb"],
        "peak_total_mb_by_step": sampled["peak_total_mb_by_step"],
        "sampled_run_s": round(sampled["run_s"], 2),
        "io_peak_rss_mb": io["peak_rss_mb"],
        "build_s": round(built, 1),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
