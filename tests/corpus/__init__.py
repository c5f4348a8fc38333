"""Builders of small odd input files for the corpus of bad inputs (tests/test_corpus.py).

Every file is written by the tests into a temporary folder: nothing is read from outside the
repository. The world is two square kelurahan in Kota Tangerang, Kemendagri codes
``36.71.01.1001`` (west) and ``36.71.01.1002`` (east), each about 1.1 km across.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, Polygon, box

CODES = ("36.71.01.1001", "36.71.01.1002")
#: A point inside each kelurahan (lon, lat).
WEST, EAST = (106.605, -6.195), (106.615, -6.195)
#: WEST in UTM zone 48S metres (EPSG:32748).
WEST_UTM = (677583.1, 9314971.2)

HEADER = "interview_id,lon,lat,kelurahan_code,rw,rt,household_id,interviewed_at"
GOOD_ROWS = (
    "A1,106.605,-6.195,36.71.01.1001,001,001,h1,2022-10-16 09:00",
    "A2,106.615,-6.195,36.71.01.1002,001,001,h2,2022-10-16 09:30",
)


def kelurahan(codes=CODES, crs="EPSG:4326") -> gpd.GeoDataFrame:
    """The two kelurahan squares, with code and name columns as BIG-derived files have."""
    frame = gpd.GeoDataFrame(
        {"kode": list(codes), "nama": ["Satu", "Dua"][: len(codes)]},
        geometry=[box(106.60, -6.20, 106.61, -6.19), box(106.61, -6.20, 106.62, -6.19)][
            : len(codes)],
        crs="EPSG:4326")
    return frame.to_crs(crs)


def write_boundaries(folder: Path, name="kelurahan.geojson", frame=None, **kwargs) -> Path:
    """Write boundaries with any GDAL driver the file name implies."""
    path = Path(folder) / name
    frame = kelurahan() if frame is None else frame
    if path.suffix in (".parquet",):
        frame.to_parquet(path)
    else:
        frame.to_file(path, **kwargs)
    return path


def zipped_shapefile(folder: Path, prj: bool, subfolder="") -> Path:
    """A shapefile zipped as a BPS office e-mails it, with or without its ``.prj``."""
    shp = Path(folder) / "shp"
    shp.mkdir(exist_ok=True)
    kelurahan().to_file(shp / "kelurahan.shp")
    path = Path(folder) / "kelurahan.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for ext in ("shp", "shx", "dbf", *(["prj"] if prj else [])):
            archive.write(shp / f"kelurahan.{ext}", f"{subfolder}kelurahan.{ext}")
    return path


def kmz(folder: Path) -> Path:
    """A KMZ: a zipped KML named ``doc.kml``."""
    kml = write_boundaries(folder, "kelurahan.kml", driver="LIBKML")
    path = Path(folder) / "kelurahan.kmz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(kml, "doc.kml")
    return path


def two_layer_geopackage(folder: Path) -> Path:
    path = Path(folder) / "batas.gpkg"
    kelurahan().to_file(path, layer="kelurahan", driver="GPKG")
    kelurahan().dissolve().to_file(path, layer="kota", driver="GPKG")
    return path


def bowtie(folder: Path) -> Path:
    """The west kelurahan drawn as a self-crossing bowtie (a digitising slip)."""
    frame = kelurahan()
    frame.loc[0, "geometry"] = Polygon([(106.60, -6.20), (106.61, -6.19), (106.61, -6.20),
                                        (106.60, -6.19)])
    return write_boundaries(folder, frame=frame)


def pieces(folder: Path) -> Path:
    """The east kelurahan split into two features with the same code."""
    frame = kelurahan()
    east = frame.iloc[[1, 1]].copy()
    east["geometry"] = [box(106.61, -6.20, 106.615, -6.19), box(106.615, -6.20, 106.62, -6.19)]
    return write_boundaries(folder, frame=pd.concat([frame.iloc[[0]], east], ignore_index=True))


def with_codes(folder: Path, codes) -> Path:
    frame = kelurahan()
    frame["kode"] = list(codes)
    return write_boundaries(folder, frame=frame)


def points_as_boundaries(folder: Path) -> Path:
    frame = gpd.GeoDataFrame({"kode": list(CODES)}, geometry=[Point(*WEST), Point(*EAST)],
                             crs="EPSG:4326")
    return write_boundaries(folder, frame=frame)


def interviews_csv(folder: Path, *rows, header=HEADER, name="wawancara.csv",
                   encoding="utf-8", newline="\n") -> Path:
    """A CSV of interviews: the header, then ``rows`` as given (text lines)."""
    path = Path(folder) / name
    path.write_bytes(newline.join([header, *rows, ""]).encode(encoding))
    return path


def excel(folder: Path, sheets: dict, name="wawancara.xlsx") -> Path:
    """An Excel workbook: ``{sheet: [row, ...]}``, each row a list of cells (None: empty)."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet, rows in sheets.items():
        page = book.create_sheet(sheet)
        for row in rows:
            page.append(row)
    path = Path(folder) / name
    book.save(path)
    return path


def units(folder: Path, labels, name="rt.geojson", crs="EPSG:4326") -> Path:
    """RT polygons in the west kelurahan: one strip per ``(rw, rt)`` label (None: no label)."""
    n = len(labels)
    width = 0.01 / n
    frame = gpd.GeoDataFrame(
        {"kode_desa": [CODES[0]] * n, "WADMRW": [rw for rw, _ in labels],
         "RT": [rt for _, rt in labels]},
        geometry=[box(106.60 + i * width, -6.20, 106.60 + (i + 1) * width, -6.19)
                  for i in range(n)], crs="EPSG:4326")
    path = Path(folder) / name
    frame.to_crs(crs).to_file(path)
    return path
