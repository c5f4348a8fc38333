"""Builders of polygon layers with the defects real boundary and RT exports have.

The world: the two kelurahan squares of :mod:`tests.corpus` and eight RT strips (four per
kelurahan, RW 001 and 002, RT 001 and 002 in each), three interviews in every RT. A defect
is a function that changes the frames (or how they are written); :func:`write_world` writes
them with interviews that declare the RTs the strips were drawn as. Nothing is read from
outside the repository.
"""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyogrio.raw import write as write_raw
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon, box

from tests.corpus import CODES, kelurahan

#: Kelurahan code, RW and RT of each strip, west to east.
STRIPS = [(code, f"{1 + i // 2:03d}", f"{1 + i % 2:03d}") for code in CODES for i in range(4)]
#: DGN95 / Indonesia TM-3 zone 48.2, the national grid BIG uses around Jakarta and Tangerang.
TM3 = "EPSG:23834"


def rts() -> gpd.GeoDataFrame:
    """The eight RT strips, labelled as DKI-style files label them (``RT 001``, ``002``)."""
    rows = [{"kode_desa": code, "WADMRW": rw, "RT": f"RT {rt}",
             "geometry": box(106.60 + i * 0.0025, -6.20, 106.6025 + i * 0.0025, -6.19)}
            for i, (code, rw, rt) in enumerate(STRIPS)]
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def interviews(folder: Path, per_rt: int = 3) -> tuple[Path, int]:
    """Write interviews inside every strip, declaring its RT; return (path, rows)."""
    rows = []
    for i, (code, rw, rt) in enumerate(STRIPS):
        for j in range(per_rt):
            n = len(rows) + 1
            x = 106.60125 + i * 0.0025 + (j - 1) * 0.0005
            y = -6.195 + (j - 1) * 0.002
            rows.append(f"A{n},{x:.6f},{y:.6f},{code},{rw},{rt},h{n},"
                        f"2022-10-16 {8 + j}:{n % 60:02d},E{n % 3}")
    path = Path(folder) / "wawancara.csv"
    path.write_text("interview_id,lon,lat,kelurahan_code,rw,rt,household_id,interviewed_at,"
                    "enumerator_id\n" + "\n".join(rows) + "\n")
    return path, len(rows)


def write_layer(frame: gpd.GeoDataFrame, path: Path, wkb=None) -> Path:
    """Write a layer; ``wkb`` (one per feature) replaces its geometry byte for byte.

    Raw WKB is how a NaN vertex, M values or a curve reach a GeoPackage: shapely and
    GeoJSON cannot carry them all.
    """
    path = Path(path)
    if wkb is None:
        with warnings.catch_warnings():  # a Shapefile cuts long names, as wanted here
            warnings.simplefilter("ignore")
            frame.to_file(path, engine="pyogrio")
        return path
    fields = [c for c in frame.columns if c != frame.geometry.name]
    write_raw(path, geometry=np.array(wkb, dtype=object),
              field_data=[frame[c].astype(str).to_numpy() for c in fields], fields=fields,
              geometry_type="Unknown", crs=frame.crs.to_string(), driver="GPKG")
    return path


def wkb_of(frame: gpd.GeoDataFrame) -> list:
    return list(shapely.to_wkb(frame.geometry.to_numpy()))


def nan_vertex_wkb(geometry) -> bytes:
    """A polygon's WKB with one vertex's x made NaN (a bad export, a failed projection)."""
    coords = np.asarray(geometry.exterior.coords)
    coords[1, 0] = np.nan
    head = struct.pack("<BIII", 1, 3, 1, len(coords))
    return head + coords.astype("<f8").tobytes()


def measured_wkb(geometry) -> bytes:
    """A polygon's WKB as ``POLYGON ZM`` (GPS tracks and CAD exports carry M)."""
    coords = np.asarray(geometry.exterior.coords)
    zm = np.column_stack([coords, np.full(len(coords), 5.0), np.arange(len(coords), dtype=float)])
    return struct.pack("<BIII", 1, 3003, 1, len(zm)) + zm.astype("<f8").tobytes()


def curve_wkb(geometry) -> bytes:
    """A ``CURVEPOLYGON`` of circular arcs through the polygon's box corners and mid-edges."""
    x0, y0, x1, y1 = geometry.bounds
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    points = [(x0, ym), (xm, y0), (x1, ym), (xm, y1), (x0, ym)]
    ring = struct.pack("<BII", 1, 8, len(points)) + np.asarray(points, "<f8").tobytes()
    return struct.pack("<BII", 1, 10, 1) + ring


# --- geometry defects, each a function of one polygon ------------------------------------------

def bowtie(g):
    x0, y0, x1, y1 = g.bounds
    return Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])


def spike(g):
    x0, y0, x1, y1 = g.bounds
    xm = (x0 + x1) / 2
    return Polygon([(x0, y0), (x1, y0), (x1, y1), (xm, y1), (xm, y1 + 0.002), (xm, y1),
                    (x0, y1)])


def hole_touching(g):
    x0, y0, x1, y1 = g.bounds
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    return Polygon(g.exterior.coords, [[(x0, ym), (xm, ym + 0.001), (xm, ym - 0.001)]])


def hole_outside(g):
    x0, y0, x1, y1 = g.bounds
    return Polygon(g.exterior.coords, [[(x1 + 0.01, y0), (x1 + 0.02, y0), (x1 + 0.02, y1)]])


def with_z(g):
    return shapely.force_3d(g, 12.5)


def collapsed(g):
    x0, y0, x1, _ = g.bounds
    return Polygon([(x0, y0), (x1, y0), (x1, y0), (x0, y0)])


def as_line(g):
    return g.exterior


def as_point(g):
    return g.centroid


def empty(g):
    return Polygon()


def null(g):
    return None


def with_line(g):
    x0, y0, x1, _ = g.bounds
    return GeometryCollection([g, LineString([(x0, y0), (x1 + 0.001, y0)])])


def touching_at_vertex(g):
    x0, y0, x1, y1 = g.bounds
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    return MultiPolygon([box(x0, y0, xm, ym), box(xm, ym, x1, y1)])


def swapped(g):
    return shapely.transform(g, lambda xy: xy[:, ::-1])


def far_away(g):
    return shapely.affinity.translate(g, 1.0, 1.0)


def huge(g):
    return box(106.55, -6.25, 106.67, -6.14)


def sliver(g):
    x0, y0, _, _ = g.bounds
    return box(x0, y0, x0 + 1e-7, y0 + 1e-7)


def with_enclave_hole(g):
    x0, y0, x1, y1 = g.bounds
    return Polygon(g.exterior.coords, [box(x0 + 0.002, y0 + 0.002, x0 + 0.004, y0 + 0.004)
                                       .exterior.coords])


def changed(frame: gpd.GeoDataFrame, defect, rows=(0,)) -> gpd.GeoDataFrame:
    """Return ``frame`` with ``defect`` applied to the geometry of ``rows`` (all: None)."""
    out = frame.copy()
    rows = range(len(out)) if rows is None else rows
    geometry = out.geometry.to_numpy().copy()
    for row in rows:
        geometry[row] = defect(geometry[row])
    return gpd.GeoDataFrame(out.drop(columns="geometry"), geometry=list(geometry),
                            crs=out.crs)


def metres_labelled_degrees(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """UTM zone 48S metres in a file that says EPSG:4326 (a common export slip)."""
    return frame.to_crs("EPSG:32748").set_crs("EPSG:4326", allow_override=True)


def degrees_labelled_metres(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.set_crs("EPSG:32748", allow_override=True)


def enclave(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A third kelurahan inside a hole of the west one (an enclave)."""
    out = changed(frame, with_enclave_hole)
    inner = box(106.602, -6.198, 106.604, -6.196)
    extra = gpd.GeoDataFrame({"kode": ["36.71.01.1003"], "nama": ["Tiga"]}, geometry=[inner],
                             crs=frame.crs)
    return pd.concat([out, extra], ignore_index=True)


def duplicated(frame: gpd.GeoDataFrame, row: int = 0) -> gpd.GeoDataFrame:
    return pd.concat([frame, frame.iloc[[row]]], ignore_index=True)


def split_in_two(frame: gpd.GeoDataFrame, row: int = 0) -> gpd.GeoDataFrame:
    """One feature drawn as two, with the same attributes."""
    x0, y0, x1, y1 = frame.geometry.iloc[row].bounds
    ym = (y0 + y1) / 2
    halves = frame.iloc[[row, row]].copy()
    halves["geometry"] = [box(x0, y0, x1, ym), box(x0, ym, x1, y1)]
    return pd.concat([frame.drop(index=frame.index[row]), halves], ignore_index=True)


def with_point_feature(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    extra = frame.iloc[[0]].copy()
    extra["geometry"] = [Point(106.601, -6.199)]
    return pd.concat([frame, extra], ignore_index=True)


def shapefile_names(frame: gpd.GeoDataFrame, names: dict) -> gpd.GeoDataFrame:
    """Columns renamed to long canonical names, which a Shapefile cuts to 10 characters."""
    return frame.rename(columns=names)


def kelurahan_frame() -> gpd.GeoDataFrame:
    return kelurahan()
