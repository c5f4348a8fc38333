"""cakupan's own xlsx and TopoJSON writers against the libraries they stand in for, in one run.

Usage: python benchmarks/render_libraries.py [--size city] [--repeat 3]

Builds the sample world of ``--size`` and runs cakupan on it (not timed), then times, best of
``--repeat``, each side by side on the same input:

- the worklist (the three sheets of the demo's ``worklist.xlsx``, all rows):
  ``cakupan.render._xlsx.write_xlsx`` against XlsxWriter writing the same sheets a column at a
  time (``write_column``) with the same bold frozen header, autofilter and column widths, and
  against pandas' ``to_excel`` through XlsxWriter (header, freeze and autofilter only);
- the map's polygons (every level and the blind spots, simplified as ``map.html`` holds them):
  ``cakupan.render._topo.topology`` against the topojson package's
  ``Topology(...).to_dict()`` quantised to the same step (1e-5 degrees), nothing simplified.

Prints each time and the ratio library / cakupan (above 1: cakupan is faster). Needs
``pip install xlsxwriter topojson``, which cakupan itself does not depend on.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

import cakupan
from cakupan.config import Config
from cakupan.render import _topo, _xlsx, maps
from cakupan.render.worklist import worklist_sheets


def best(repeat: int, work) -> float:
    """Return the least wall time of ``repeat`` calls of ``work()``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def xlsxwriter_columns(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """The worklist through XlsxWriter, a column at a time, formatted as cakupan's."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                           "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, frame in sheets.items():
        sheet = book.add_worksheet(name[:31])
        sheet.write_row(0, 0, [str(c) for c in frame.columns], bold)
        for k, column in enumerate(frame.columns):
            values = frame[column]
            shown = values.astype("string").str.len().max()
            width = min(max(len(str(column)), 0 if pd.isna(shown) else int(shown)) + 2, 60)
            sheet.set_column(k, k, width)
            dated = pd.api.types.is_datetime64_any_dtype(values.dtype)
            cells = values.astype(object).where(values.notna(), None)
            if dated:
                cells = [None if v is None else v.to_pydatetime() for v in cells]
            sheet.write_column(1, k, list(cells), when if dated else None)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, len(frame), max(frame.shape[1] - 1, 0))
    book.close()


def pandas_xlsxwriter(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """The worklist through pandas' to_excel with the XlsxWriter engine."""
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False, freeze_panes=(1, 0))
            writer.sheets[name[:31]].autofilter(0, 0, len(frame), max(frame.shape[1] - 1, 0))


def topojson_package(layers: dict[str, gpd.GeoSeries]) -> dict:
    """The map's polygons through the topojson package, on cakupan's quantisation step."""
    import topojson

    west, south, east, north = gpd.GeoSeries(
        np.concatenate([s.to_numpy() for s in layers.values()]), crs=4326).total_bounds
    ticks = math.ceil(max(east - west, north - south) / _topo.STEP) + 1
    frames = [gpd.GeoDataFrame(geometry=series.reset_index(drop=True), crs=4326)
              for series in layers.values()]
    return topojson.Topology(frames, object_name=list(layers), prequantize=ticks,
                             topology=True).to_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="city", choices=["tiny", "small", "city"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        paths = cakupan.write_world(cakupan.make_world(args.size), folder / "world")
        result = cakupan.analyse(cakupan.read_inputs(
            paths["boundaries"], paths["interviews"], units=paths["units"],
            prelist=paths["prelist"]))
        sheets = worklist_sheets(result)
        rows = {name: len(frame) for name, frame in sheets.items()}
        simplify_m = Config().map.simplify_m
        layers = {level: maps.simplify(frame, simplify_m)
                  for level, frame in result.shapes.items()}
        if len(result.blind_spots):
            layers["gaps"] = maps.simplify(result.blind_spots.to_crs(4326), simplify_m)
        polygons = {name: len(series) for name, series in layers.items()}

        ours = best(args.repeat, lambda: _xlsx.write_xlsx(folder / "ours.xlsx", sheets))
        columns = best(args.repeat, lambda: xlsxwriter_columns(folder / "columns.xlsx", sheets))
        frames = best(args.repeat, lambda: pandas_xlsxwriter(folder / "pandas.xlsx", sheets))
        print(f"worklist.xlsx ({args.size}; rows per sheet {rows}):")
        line("cakupan _xlsx.write_xlsx", ours)
        line("XlsxWriter, write_column", columns, ours)
        line("pandas to_excel (xlsxwriter)", frames, ours)
        ours = best(args.repeat, lambda: _topo.topology(layers))
        package = best(args.repeat, lambda: topojson_package(layers))
        print(f"map TopoJSON ({args.size}; polygons per layer {polygons}):")
        line("cakupan _topo.topology", ours)
        line("topojson.Topology(...).to_dict()", package, ours)


def line(what: str, seconds: float, ours: float | None = None) -> None:
    ratio = "" if ours is None else f"  ratio {seconds / ours:5.1f}"
    print(f"  {what:<34} {seconds:7.2f} s{ratio}")


if __name__ == "__main__":
    main()
