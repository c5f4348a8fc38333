"""The hand-written kernels against the library calls they stand in for: same answer, time.

On the pipeline benchmark's registration (``run_pipeline.py``'s workload), each kernel and
its library twin run in turn (interleaved, ``--repeat`` pairs), and the median CPU time of
each is printed (CPU, not wall, time: the machine may be shared):

- times: ``cakupan.normalise.times._read_usual_times`` against ``pyarrow.compute.strptime``
  (both forms, kept to what the kernel reads: 19 characters, 1900 to 2199). strptime accepts
  30 February and one-digit fields, so its answer is compared where both read a time;
- fingerprints: ``cakupan._text.fingerprints`` of the interview and household IDs against
  ``pandas.util.hash_pandas_object``;
- edges: the location check's edge kernel (``cakupan.detect.location._edge_tests``) against
  shapely's prepared ``dwithin`` of the unit's boundary and ``intersects_xy``.

``--rows N`` repeats the interviews' columns to N rows (IDs kept unique), e.g. 8,000,000 for
a province's times without building the province. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import run_pipeline  # noqa: E402


def _pairs(kernel, library, repeat: int) -> tuple[float, float, tuple, tuple]:
    """Run both ``repeat`` times in turn; return their median CPU seconds and last answers."""
    spent = ([], [])
    for _ in range(repeat):
        for times, fn in zip(spent, (kernel, library), strict=True):
            start = time.process_time()
            answer = fn()
            times.append(time.process_time() - start)
            if fn is kernel:
                first = answer
            else:
                second = answer
    return statistics.median(spent[0]), statistics.median(spent[1]), first, second


def _stretched(values, rows: int | None, unique: bool):
    """Return Arrow ``values`` repeated to ``rows``; ``unique``: each copy ends in its digits."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not rows:
        return values
    copies = -(-rows // len(values))
    nothing = pa.scalar("", values.type)
    parts = [pc.binary_join_element_wise(values, pa.scalar(f"{k:02d}", values.type), nothing)
             if unique else values for k in range(copies)]
    return pa.concat_arrays(parts).slice(0, rows)


def _strptime(text):
    """Read what ``_read_usual_times`` reads with ``pyarrow.compute.strptime``."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    rows = np.arange(len(text))
    low, high = pa.scalar(-2208988800, pa.int64()), pa.scalar(7258118400, pa.int64())
    for form in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):  # the "T" form on the rest only
        part = text.take(rows) if len(rows) < len(text) else text
        parsed = pc.strptime(part, format=form, unit="s", error_is_null=True)
        seconds = parsed.cast(pa.int64())
        ok = pc.and_(pc.and_(pc.equal(pc.binary_length(part), 19), pc.is_valid(parsed)),
                     pc.and_(pc.greater_equal(seconds, low), pc.less(seconds, high)))
        ok = pc.fill_null(ok, False).to_numpy(zero_copy_only=False)
        out[rows[ok]] = seconds.to_numpy(zero_copy_only=False)[ok].astype("datetime64[s]")
        rows = rows[~ok]
        if not len(rows):
            break
    return out


def times(table, rows, repeat) -> dict:
    import numpy as np

    from cakupan._text import as_arrow
    from cakupan.normalise.times import _read_usual_times

    text = _stretched(as_arrow(table["interviewed_at"].to_pandas()), rows, unique=False)
    mine, theirs, (got, read), want = _pairs(lambda: _read_usual_times(text),
                                             lambda: _strptime(text), repeat)
    both = read & ~np.isnat(want)
    return {"rows": len(text), "kernel_s": round(mine, 3), "strptime_s": round(theirs, 3),
            "same_where_both_read": bool(np.array_equal(got[both], want[both]))}


def fingerprints(table, rows, repeat) -> dict:
    import pandas as pd

    from cakupan._text import as_arrow, fingerprints

    out = {}
    for column in ("interview_id", "household_id"):
        text = _stretched(as_arrow(table[column].to_pandas()), rows, unique=True)
        mine, theirs, _, _ = _pairs(lambda text=text: fingerprints(text), lambda text=text: (
            pd.util.hash_pandas_object(pd.Series(pd.arrays.ArrowStringArray(text)),
                                       index=False).to_numpy()), repeat)
        out[column] = {"rows": len(text), "kernel_s": round(mine, 3),
                       "hash_pandas_object_s": round(theirs, 3)}
    return out


def edges(paths, repeat) -> dict:
    import numpy as np
    import shapely

    from cakupan import _flow
    from cakupan._flow.stages import place, project
    from cakupan.assign.locate import unit_positions
    from cakupan.config import Config
    from cakupan.detect import location

    loaded = _flow.read_files(_flow.Inputs(boundaries=paths["boundaries"],
                                           interviews=paths["interviews"], units=paths["units"]))
    _, kelurahan, units = project(loaded.kelurahan, loaded.units)
    placed = place(loaded.interviews, kelurahan, units)
    geoms = np.asarray(units.geometry.array, dtype=object)
    x, y = placed["x"].to_numpy(), placed["y"].to_numpy()
    radius = placed["gps_accuracy_m"].to_numpy(dtype=float)
    declared = unit_positions(placed, units)
    rows = location._checkable(x, y, radius, declared, geoms, Config().checks.max_accuracy_m)
    x, y, radius, unit = x[rows], y[rows], radius[rows], declared[rows]
    boundary = shapely.boundary(geoms)
    shapely.prepare(boundary)

    def library():
        near = shapely.dwithin(boundary[unit], shapely.points(x, y), radius)
        inside = ~near
        inside[inside] = shapely.intersects_xy(geoms[unit[inside]], x[inside], y[inside])
        return near, inside

    location._edge_tests(x, y, radius, unit, geoms)  # the edges, built once as a run does
    mine, theirs, got, want = _pairs(lambda: location._edge_tests(x, y, radius, unit, geoms),
                                     library, repeat)
    return {"rows": len(rows), "units": len(geoms), "kernel_s": round(mine, 3),
            "shapely_s": round(theirs, 3),
            "same": bool(all(np.array_equal(a, b) for a, b in zip(got, want, strict=True)))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["small", "city", "province"], default="small")
    parser.add_argument("--rows", type=int, default=None,
                        help="stretch the times and IDs to this many rows")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--kernels", default="times,fingerprints,edges")
    args = parser.parse_args()
    import pyarrow.parquet as pq

    paths = run_pipeline.ensure(args.size)
    table = pq.read_table(paths["interviews"], columns=["interviewed_at", "interview_id",
                                                        "household_id"])
    wanted = args.kernels.split(",")
    result = {"size": args.size}
    if "times" in wanted:
        result["times"] = times(table, args.rows, args.repeat)
    if "fingerprints" in wanted:
        result["fingerprints"] = fingerprints(table, args.rows, args.repeat)
    if "edges" in wanted:
        result["edges"] = edges(paths, args.repeat)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
