"""Reading an Excel sheet of interviews: pandas with calamine against pandas with openpyxl.

Usage: python benchmarks/excel_read.py [--rows 150000] [--repeat 1]

Builds the small sample world, repeats its interviews up to ``--rows`` rows with numbers and
times stored as numbers and dates (as survey exports hold them), writes them as one sheet
(:mod:`cakupan.render._xlsx`, not timed), then reads the sheet as cakupan does
(``cakupan.read.tables._read_sheet``: header found, cells as text) through each engine,
best of ``--repeat``, and checks that both give the same frame. Prints each time and the
ratio openpyxl / calamine (above 1: calamine, cakupan's engine, is faster).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cakupan.read import tables
from cakupan.render._xlsx import write_xlsx
from cakupan.sample import make_world, write_world


def sheet_of(rows: int, folder: Path) -> Path:
    """Write ``rows`` interviews of the small sample world as one sheet; return its path."""
    paths = write_world(make_world("small"), folder / "world")
    frame = pd.read_csv(paths["interviews"], dtype={"sls_code": str, "kelurahan_code": str,
                                                    "rw": str, "rt": str})
    frame = frame.iloc[np.arange(rows) % len(frame)].reset_index(drop=True)
    frame["interviewed_at"] = pd.to_datetime(frame["interviewed_at"], errors="coerce",
                                             utc=True).dt.tz_localize(None)
    return write_xlsx(folder / "wawancara.xlsx", {"Wawancara": frame})


def read(path: Path, engine: str) -> pd.DataFrame:
    with pd.ExcelFile(path, engine=engine) as book:
        return tables._read_sheet(book, path, "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = sheet_of(args.rows, Path(folder))
        times, frames = {}, {}
        for engine in ("calamine", "openpyxl"):
            runs = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                frames[engine] = read(path, engine)
                runs.append(time.perf_counter() - start)
            times[engine] = min(runs)
            print(f"{engine:<9} {times[engine]:7.2f} s  {frames[engine].shape[0]:,} rows")
        same = frames["calamine"].equals(frames["openpyxl"])
        print(f"openpyxl / calamine: {times['openpyxl'] / times['calamine']:.1f}x; "
              f"same frame: {same}")


if __name__ == "__main__":
    main()
