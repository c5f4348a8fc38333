"""A corpus of bad and odd inputs: each ends in a documented repair or a one-line error.

Every case builds its own small files (see :mod:`tests.corpus`). A case with ``error`` is run
through the real command line (``python -m cakupan run``) and must exit 2 with one line that
holds every expected piece (file, row, column where there is one) and no traceback. A case
with ``check`` is loaded and analysed through the API, and ``check`` asserts the rows'
``status`` and ``repairs`` (or the polygons' ``repairs``).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from cakupan._flow import Inputs, one_pass, read_files
from cakupan.config import load_config
from tests import corpus as c
from tests.conftest import cakupan

H = c.HEADER
A1, A2 = c.GOOD_ROWS


@dataclass
class Case:
    """One odd input: ``build(folder)`` returns the files that differ from the good ones."""

    id: str
    build: Callable[[Path], dict]
    error: tuple[str, ...] = ()
    check: Callable | None = None
    extra: dict = field(default_factory=dict)


def rows(result) -> pd.DataFrame:
    """interviews.csv's rows by interview ID."""
    return result.interviews.set_index("interview_id")


def statuses(*expected):
    """Check that the interview rows have these (status, repairs), in input order."""
    def check(loaded, result):
        got = list(zip(result.interviews["status"], result.interviews["repairs"].fillna(""),
                       strict=True))
        assert got == list(expected)
    return check


def counted(n, **values):
    """Check that all n rows are counted and that row A1 has ``values``."""
    def check(loaded, result):
        assert result.interviews["status"].tolist() == ["counted"] * n
        row = rows(result).loc["A1"] if "A1" in rows(result).index else result.interviews.iloc[0]
        for name, value in values.items():
            assert str(row[name]) == value, (name, row[name])
    return check


def source_rows(*numbers, status=None):
    def check(loaded, result):
        assert result.interviews["source_row"].tolist() == list(numbers)
        if status is not None:
            assert result.interviews["status"].tolist() == list(status)
    return check


def kelurahan_repairs(codes, repairs):
    def check(loaded, result):
        frame = loaded.kelurahan
        assert frame["kelurahan_code"].tolist() == list(codes)
        assert frame["repairs"].fillna("").tolist() == list(repairs)
        assert frame.geometry.is_valid.all()
    return check


def prelist_status(*expected, rt=None):
    def check(loaded, result):
        assert loaded.prelist["status"].tolist() == list(expected)
        if rt is not None:
            assert loaded.prelist["rt"].tolist() == list(rt)
        account = result.accounting["prelist"]
        assert account["rows_counted"] + account["rows_set_aside"] == len(expected)
    return check


def prelist_codes(codes):
    def check(loaded, result):
        assert loaded.prelist["status"].tolist() == ["counted"] * len(codes)
        assert loaded.prelist["kelurahan_code"].tolist() == list(codes)
    return check


def assigned(statuses, owners, unknown=()):
    """Check the assignment rows' statuses, the RTs' owners and the unknown RTs reported."""
    def check(loaded, result):
        # an unknown RT is found once the RTs are known, by the analysis
        read = ["counted" if s == "unknown_rt" else s for s in statuses]
        assert loaded.assignments["status"].tolist() == read
        account = result.accounting["assignments"]
        assert account["rows_counted"] + account["rows_set_aside"] == len(statuses)
        assert {"counted": account["rows_counted"], **account["set_aside_by_reason"]} == {
            s: statuses.count(s) for s in statuses}
        assert account["unknown_rts"] == list(unknown)
        plan = result.schedule.plan.set_index("code")
        for code, (enumerator, supervisor, start) in owners.items():
            row = plan.loc[code]
            assert (row["enumerator_id"], row["supervisor_id"]) == (enumerator, supervisor)
            assert row["owner_source"] == "assigned"
            assert str(row["planned_start"].date()) == start
        assert not result.schedule.inferred
    return check


def units_codes(kelurahan, sls):
    def check(loaded, result):
        units = loaded.units.sort_values("sls_code")
        assert units["kelurahan_code"].tolist() == list(kelurahan)
        assert units["sls_code"].tolist() == list(sls)
    return check


def _units_in_parts(folder):
    """Two RT polygons of a BPS SLS layer: the codes in parts, kdsls as numbers."""
    path = folder / "sls.geojson"
    frame = gpd.GeoDataFrame(
        {"kdprov": ["36"] * 2, "kdkab": ["71"] * 2, "kdkec": ["011"] * 2, "kddesa": ["001"] * 2,
         "kdsls": [101, 102], "nmsls": ["RT 001 RW 001", "RT 002 RW 001"]},
        geometry=[box(106.600, -6.20, 106.605, -6.19), box(106.605, -6.20, 106.610, -6.19)],
        crs="EPSG:4326")
    frame.to_file(path)
    return path


def units_repairs(*expected):
    def check(loaded, result):
        assert sorted(loaded.units["repairs"].fillna("").tolist()) == sorted(expected)
    return check


def boundaries_ok(loaded, result):
    assert sorted(loaded.kelurahan["kelurahan_code"]) == ["3671011001", "3671011002"]
    assert result.interviews["status"].tolist() == ["counted", "counted"]
    assert result.interviews["kelurahan_code"].tolist() == ["3671011001", "3671011002"]


def _reviewed_odk(n: int, state: str) -> str:
    """ODK_ROW as submission ``n`` (its own instance and household), reviewed ``state``."""
    return (ODK_ROW.replace("0a1b", f"0a2{n}").replace(",0001,", f",000{n + 1},")
            .replace(",0,0,,,collect", f",0,0,,{state},collect"))


def csv(*lines, **kwargs):
    return lambda d: {"interviews": c.interviews_csv(d, *lines, **kwargs)}


def config(text):
    return lambda d: _write(d / "cakupan.toml", text)


def _write(path, text):
    path.write_text(text)
    return path


ODK_HEADER = ("SubmissionDate,start,end,grp-identitas-idsls,grp-identitas-nurt,"
              "grp-lokasi-Latitude,grp-lokasi-Longitude,grp-lokasi-Altitude,"
              "grp-lokasi-Accuracy,meta-instanceID,KEY,SubmitterID,SubmitterName,"
              "AttachmentsPresent,AttachmentsExpected,Status,ReviewState,DeviceID,Edits")
ODK_ROW = ("2022-10-16T02:05:11.123Z,2022-10-16T08:50:00.000+07:00,"
           "2022-10-16T09:00:00.000+07:00,36710110010101,0001,-6.195,106.605,12.5,4.9,"
           "uuid:0a1b,uuid:0a1b,17,Budi,0,0,,,collect:abc,0")
KOBO_HEADER = ("start,end,today,idsls,nurt,lokasi,_lokasi_latitude,_lokasi_longitude,"
               "_lokasi_altitude,_lokasi_precision,_id,_uuid,_submission_time,_validation_status,"
               "_notes,_status,_submitted_by,__version__,_tags,_index,_geolocation")
KOBO_ROW = ('2022-10-16T08:50:00.000+07:00,2022-10-16T09:00:00.000+07:00,2022-10-16,'
            '36710110010101,0001,-6.195 106.605 10 4.5,-6.195,106.605,10,4.5,123456,'
            'f1e2d3,2022-10-16T02:01:00,,,submitted_via_web,ppl017,v1,[],1,"[-6.195, 106.605]"')

KOBO_LABELS = ("start,end,Kode Kelurahan,Nomor RW,Nomor RT,ID Rumah Tangga,Koordinat GPS,"
               "_Koordinat GPS_latitude,_Koordinat GPS_longitude,_Koordinat GPS_altitude,"
               "_Koordinat GPS_precision,_id,_uuid,_submission_time,_submitted_by,_index")
KOBO_LABEL_ROW = ("2022-10-16T08:50:00.000+07:00,2022-10-16T09:00:00.000+07:00,3671011001,"
                  "001,001,0001,-6.195 106.605 10 4.5,-6.195,106.605,10,4.5,123456,f1e2d3,"
                  "2022-10-16T02:01:00,ppl017")


def _odk_zip(folder, forms=1):
    """ODK Central's zip: the form's submissions, its member roster, media; a second form."""
    path = folder / ("rumah_tangga.zip" if forms == 1 else "unduhan.zip")
    members = "nama,umur,PARENT_KEY,KEY\n" + "".join(
        f"ART {i},{40 - i},uuid:0a1b,uuid:0a1b/anggota[{i}]\n" for i in (1, 2))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("rumah_tangga.csv", f"{ODK_HEADER}\n{ODK_ROW}\n")
        archive.writestr("rumah_tangga-anggota.csv", members)
        archive.writestr("media/1.jpg", b"not a photo")
        if forms == 2:
            archive.writestr("usaha.csv", f"{ODK_HEADER}\n{ODK_ROW}\n")
            archive.writestr("usaha-pekerja.csv", members)
    return path


CASES = [
    # --- boundaries ------------------------------------------------------------------------
    Case("zip-shapefile-without-prj", lambda d: {"boundaries": c.zipped_shapefile(d, False)},
         error=("kelurahan.zip", "no coordinate reference system", "[input] boundaries_crs")),
    Case("zip-shapefile-without-prj-crs-in-config",
         lambda d: {"boundaries": c.zipped_shapefile(d, False),
                    "config": config('[input]\nboundaries_crs = "EPSG:4326"\n')(d)},
         check=boundaries_ok),
    Case("zip-shapefile-in-a-folder", lambda d: {"boundaries": c.zipped_shapefile(d, True,
                                                                                   "data/")},
         check=boundaries_ok),
    Case("geopackage-two-layers", lambda d: {"boundaries": c.two_layer_geopackage(d)},
         error=("batas.gpkg", "has 2 layers (kelurahan, kota)", "[input] boundaries_layer")),
    Case("geopackage-layer-from-config",
         lambda d: {"boundaries": c.two_layer_geopackage(d),
                    "config": config('[input]\nboundaries_layer = "kelurahan"\n')(d)},
         check=boundaries_ok),
    Case("geopackage-layer-missing",
         lambda d: {"boundaries": c.two_layer_geopackage(d),
                    "config": config('[input]\nboundaries_layer = "desa"\n')(d)},
         error=("batas.gpkg", "no layer 'desa'; layers: kelurahan, kota")),
    Case("kml", lambda d: {"boundaries": c.write_boundaries(d, "k.kml", driver="LIBKML")},
         check=boundaries_ok),
    Case("kmz", lambda d: {"boundaries": c.kmz(d)}, check=boundaries_ok),
    Case("flatgeobuf", lambda d: {"boundaries": c.write_boundaries(d, "k.fgb")},
         check=boundaries_ok),
    Case("geoparquet", lambda d: {"boundaries": c.write_boundaries(d, "k.parquet")},
         check=boundaries_ok),
    Case("boundaries-in-utm-48s",
         lambda d: {"boundaries": c.write_boundaries(d, frame=c.kelurahan(crs="EPSG:32748"))},
         check=boundaries_ok),
    Case("self-crossing-bowtie", lambda d: {"boundaries": c.bowtie(d)},
         check=kelurahan_repairs(["3671011001", "3671011002"], ["make_valid", ""])),
    Case("kelurahan-in-two-pieces", lambda d: {"boundaries": c.pieces(d)},
         check=kelurahan_repairs(["3671011001", "3671011002"], ["", "merged_pieces"])),
    Case("codes-as-floats",
         lambda d: {"boundaries": c.with_codes(d, ["3671011001.0", "3671011002.0"])},
         check=kelurahan_repairs(["3671011001", "3671011002"], ["", ""])),
    Case("kelurahan-code-column-missing",
         lambda d: {"boundaries": c.write_boundaries(d, frame=c.kelurahan().rename(
             columns={"kode": "something"}))},
         error=("kelurahan.geojson", "no kelurahan code column", "[boundaries] kelurahan_code")),
    Case("empty-code-in-row-2", lambda d: {"boundaries": c.with_codes(d, [c.CODES[0], ""])},
         error=("kelurahan.geojson", "row 2", "column kode", "kelurahan code is empty")),
    Case("boundaries-are-points", lambda d: {"boundaries": c.points_as_boundaries(d)},
         error=("kelurahan.geojson", "row 1", "a Point, not a polygon")),
    Case("boundaries-not-vector", lambda d: {"boundaries": _write(d / "k.geojson", "{oops")},
         error=("k.geojson", "not a vector file GDAL can read")),
    Case("boundaries-config-names-missing-column",
         lambda d: {"config": config('[boundaries]\nkelurahan_code = "KDEPUM"\n')(d)},
         error=("kelurahan.geojson", "column KDEPUM", "config names column 'KDEPUM'")),
    # --- interviews: files -------------------------------------------------------------------
    Case("semicolon-delimiter",
         csv(*[r.replace(",", ";") for r in (A1, A2)], header=H.replace(",", ";")),
         check=statuses(("counted", ""), ("counted", ""))),
    Case("semicolon-delimiter-with-decimal-commas",
         csv("A1;106,605;-6,195;36.71.01.1001;001;001;h1;2022-10-16 09:00",
             header=H.replace(",", ";")),
         check=statuses(("counted", "decimal_comma"))),
    Case("tab-delimiter", csv(*[r.replace(",", "\t") for r in (A1, A2)],
                              header=H.replace(",", "\t"), name="w.tsv"),
         check=statuses(("counted", ""), ("counted", ""))),
    Case("cp1252-encoding",
         csv(A1 + ",José", A2 + ",Andrés", header=H + ",petugas", encoding="cp1252"),
         check=counted(2, enumerator_id="José")),
    Case("utf8-bom", csv(A1, A2, encoding="utf-8-sig"), check=counted(2, source_row="2")),
    Case("excel-unicode-text-utf16-tabs",
         csv(*[r.replace(",", "\t") for r in (A1, A2)], header=H.replace(",", "\t"),
             name="w.txt", encoding="utf-16"),
         check=statuses(("counted", ""), ("counted", ""))),
    Case("crlf-line-ends", csv(A1, A2, newline="\r\n"),
         check=source_rows(2, 3, status=["counted"] * 2)),
    Case("stray-carriage-return-in-a-value", csv(A1.replace("A1,", "A1\r,"), A2),
         check=source_rows(2, 3, status=["counted"] * 2)),
    Case("old-mac-cr-line-ends", csv(A1, A2, newline="\r"),
         check=source_rows(2, 3, status=["counted"] * 2)),
    Case("excel-two-title-rows",
         lambda d: {"interviews": c.excel(d, {"Data": [
             ["Hasil Regsosek 2022"], ["Kota Tangerang", None, "per 16 Oktober"],
             H.split(","), A1.split(","), [], A2.split(",")]})},
         check=source_rows(4, 6, status=["counted"] * 2)),
    Case("excel-second-sheet-from-config",
         lambda d: {"interviews": c.excel(d, {"Catatan": [["lihat lembar kedua"]],
                                              "Wawancara": [H.split(","), A1.split(",")]}),
                    "config": config('[input]\nsheet = "Wawancara"\n')(d)},
         check=statuses(("counted", ""))),
    Case("excel-sheet-missing",
         lambda d: {"interviews": c.excel(d, {"Data": [H.split(","), A1.split(",")]}),
                    "config": config('[input]\nsheet = "Lembar9"\n')(d)},
         error=("wawancara.xlsx", "cannot read sheet 'Lembar9'", "sheets: Data")),
    Case("excel-numbers-as-numbers",
         lambda d: {"interviews": c.excel(d, {"Data": [
             H.split(","), ["A1", 106.605, -6.195, 3671011001.0, 1, 1.0, "h1",
                            pd.Timestamp("2022-10-16 09:00").to_pydatetime()]]})},
         check=counted(1, kelurahan_code="3671011001", rw="001", rt="001",
                       interviewed_at="2022-10-16 09:00:00")),
    Case("xlsx-that-is-really-csv", csv(A1, A2, name="wawancara.xlsx"),
         check=statuses(("counted", ""), ("counted", ""))),
    Case("parquet-interviews",
         lambda d: {"interviews": _parquet(d)}, check=statuses(("counted", ""), ("counted", ""))),
    Case("geojson-points-interviews",
         lambda d: {"interviews": _points(d)}, check=statuses(("counted", ""), ("counted", ""))),
    Case("blank-lines", csv("", A1, "", "", A2, ""),
         check=source_rows(3, 6, status=["counted"] * 2)),
    Case("quoted-newline", csv('A0,106.605,-6.195,"36.71.01\n.1001",001,001,h0,', A1, A2),
         check=source_rows(2, 4, 5)),
    Case("row-with-extra-cells", csv(A1, A2 + ",x,y"),
         check=statuses(("counted", ""), ("extra_cells", ""))),
    Case("short-row", csv(A1, "A2,106.615"),
         check=statuses(("counted", ""), ("no_coordinates", ""))),
    Case("header-only", csv(), error=("wawancara.csv", "has a header but no rows")),
    Case("empty-file", lambda d: {"interviews": _write(d / "wawancara.csv", "")},
         error=("wawancara.csv", "is empty")),
    Case("blank-first-line", lambda d: {"interviews": _write(d / "w.csv", "\n" + H + "\n" + A1)},
         error=("w.csv", "has an empty first line")),
    Case("binary-garbage-named-csv",
         lambda d: {"interviews": _write_bytes(d / "wawancara.csv", bytes(range(256)) * 8)},
         error=("wawancara.csv", "binary data")),
    Case("missing-file", lambda d: {"interviews": d / "tidak_ada.csv"},
         error=("tidak_ada.csv", "file not found")),
    Case("config-names-missing-column",
         lambda d: {"config": config('[interviews]\nlat = "GPS_LAT"\n')(d)},
         error=("wawancara.csv", "column GPS_LAT", "config names column 'GPS_LAT' for lat")),
    Case("no-coordinate-columns", csv("A1,001", header="interview_id,rt"),
         error=("wawancara.csv", "no coordinate columns", "[interviews]")),
    Case("unknown-config-table", lambda d: {"config": config('[interview]\nlat = "y"\n')(d)},
         error=("cakupan.toml", "unknown table [interview]")),
    # --- interviews: rows --------------------------------------------------------------------
    Case("decimal-comma", csv('A1,"106,605","-6,195",36.71.01.1001,001,001,h1,'),
         check=statuses(("counted", "decimal_comma"))),
    Case("swapped-lat-lon", csv("A1,-6.195,106.605,36.71.01.1001,001,001,h1,"),
         check=statuses(("counted", "swapped_lat_lon"))),
    Case("swapped-but-still-outside", csv("A1,-6.195,150.0,36.71.01.1001,001,001,h1,"),
         check=statuses(("invalid_coordinates", ""))),
    Case("zero-zero", csv(A1, "A2,0,0,36.71.01.1001,001,001,h2,"),
         check=statuses(("counted", ""), ("invalid_coordinates", ""))),
    Case("utm-48s-metres", csv(f"A1,{c.WEST_UTM[0]},{c.WEST_UTM[1]},36.71.01.1001,001,001,h1,"),
         check=statuses(("counted", "utm_coordinates"))),
    Case("out-of-range", csv("A1,500,-95,36.71.01.1001,001,001,h1,"),
         check=statuses(("invalid_coordinates", ""))),
    Case("text-in-coordinates", csv("A1,bujur,-6.195,36.71.01.1001,001,001,h1,"),
         check=statuses(("invalid_coordinates", ""))),
    Case("missing-coordinates", csv(A1, "A2,,,36.71.01.1001,001,001,h2,"),
         check=statuses(("counted", ""), ("no_coordinates", ""))),
    Case("outside-area", csv(A1, "A2,106.95,-6.15,36.71.01.1001,001,001,h2,"),
         check=statuses(("counted", ""), ("outside_area", ""))),
    Case("duplicated-interview-id", csv(A1, A2, A1),
         check=statuses(("counted", ""), ("counted", ""), ("duplicate", ""))),
    Case("duplicated-household-id", csv(A1, A1.replace("A1,", "A9,")),
         check=statuses(("counted", ""), ("duplicate", ""))),
    Case("missing-interview-id", csv(A1, A2.replace("A2,", ",")),
         check=lambda loaded, result: result.interviews["interview_id"].tolist() == ["A1",
                                                                                     "row-3"]),
    Case("odk-central-export", csv(ODK_ROW, header=ODK_HEADER),
         check=counted(1, interview_id="uuid:0a1b", gps_accuracy_m="4.9", enumerator_id="17",
                       kelurahan_code="3671011001", rt="0101",
                       interviewed_at="2022-10-16 09:00:00")),
    # a reviewer's verdict: rejected submissions are set aside, the others count
    Case("odk-central-review-states",
         csv(*(_reviewed_odk(n, state) for n, state in
               enumerate(["approved", "rejected", "hasIssues", "", "edited"])),
             header=ODK_HEADER),
         check=statuses(("counted", ""), ("rejected_in_review", ""), ("counted", ""),
                        ("counted", ""), ("counted", ""))),
    Case("kobo-validation-status", csv(
        KOBO_ROW.replace("2022-10-16T02:01:00,,", "2022-10-16T02:01:00,"
                         "validation_status_not_approved,"),
        KOBO_ROW.replace("123456", "123457").replace(",0001,", ",0002,").replace(
            "2022-10-16T02:01:00,,", "2022-10-16T02:01:00,Approved,"), header=KOBO_HEADER),
         check=statuses(("rejected_in_review", ""), ("counted", ""))),
    Case("kobo-export", csv(KOBO_ROW, header=KOBO_HEADER),
         check=counted(1, interview_id="123456", gps_accuracy_m="4.5", enumerator_id="ppl017",
                       interviewed_at="2022-10-16 09:00:00")),
    Case("odk-central-zip-as-downloaded", lambda d: {"interviews": _odk_zip(d)},
         check=counted(1, interview_id="uuid:0a1b", household_size="2.0", rt="0101")),
    Case("odk-central-zip-of-two-forms", lambda d: {"interviews": _odk_zip(d, forms=2)},
         error=("unduhan.zip", "holds the submissions of 2 forms (rumah_tangga.csv, usaha.csv)",
                '[input] interviews_layer = "..."')),
    Case("odk-central-zip-form-from-config",
         lambda d: {"interviews": _odk_zip(d, forms=2),
                    "config": config('[input]\ninterviews_layer = "rumah_tangga.csv"\n')(d)},
         check=counted(1, interview_id="uuid:0a1b", household_size="2.0")),
    Case("kobo-xlsx-labels-and-repeat-sheets",
         lambda d: {"interviews": c.excel(d, {
             "Rumah Tangga": [KOBO_LABELS.split(","), KOBO_LABEL_ROW.split(",") + ["1"]],
             "anggota": [["Umur", "_parent_table_name", "_parent_index", "_submission__id"],
                         ["40", "Rumah Tangga", "1", "123456"],
                         ["12", "Rumah Tangga", "1", "123456"]],
             "kunjungan": [["Hasil", "_parent_table_name", "_parent_index"],
                           *[["x", "Rumah Tangga", "1"]] * 4]})},
         check=counted(1, interview_id="123456", household_id="0001", rt="001", rw="001",
                       kelurahan_code="3671011001", household_size="2.0")),
    Case("kobo-geolocation-only", csv('1,"[-6.195, 106.605]"', header="_id,_geolocation"),
         check=counted(1, lon="106.605", lat="-6.195")),
    Case("geopoint-single-column", csv("A1,-6.195 106.605 12.0 4.5", header="id,lokasi"),
         check=counted(1, lon="106.605", gps_accuracy_m="4.5")),
    Case("timestamps-with-zones",
         csv(A1[:-16] + "2022-10-16T09:00:00+07:00", A2[:-16] + "2022-10-16T02:00:00Z"),
         check=lambda loaded, result: result.interviews["interviewed_at"].astype(str).tolist()
         == ["2022-10-16 09:00:00"] * 2),
    Case("day-first-dates", csv(A1[:-16] + "16/10/2022 09:00", A2[:-16] + "01-11-2022 10:15"),
         check=lambda loaded, result: result.interviews["interviewed_at"].astype(str).tolist()
         == ["2022-10-16 09:00:00", "2022-11-01 10:15:00"]),
    Case("unknown-timestamp", csv(A1[:-16] + "kemarin sore", A2),
         check=statuses(("counted", "unreadable_time_dropped"), ("counted", ""))),
    # BPS's idsls: desa + kdsls, which is not RW + RT; without an SLS layer the SLS is a
    # unit of its own (RW 000, RT its kdsls)
    Case("sls-code-as-float",
         csv("A1,106.605,-6.195,36710110010203.0,h1", header="interview_id,lon,lat,idsls,nurt"),
         check=counted(1, kelurahan_code="3671011001", rw="000", rt="0203")),
    # cakupan's own sls_code column: kelurahan + RW + RT
    Case("own-sls-code-as-float",
         csv("A1,106.605,-6.195,36710110010203.0,h1",
             header="interview_id,lon,lat,sls_code,nurt"),
         check=counted(1, kelurahan_code="3671011001", rw="002", rt="003")),
    Case("own-sls-code-of-16-digits",
         csv("A1,106.605,-6.195,3671011001012003,h1",
             header="interview_id,lon,lat,sls_code,nurt"),
         check=counted(1, kelurahan_code="3671011001", rw="012", rt="003")),
    Case("codes-as-floats-in-interviews",
         csv("A1,106.605,-6.195,3671011001.0,1.0,001.0,h1",
             header="interview_id,lon,lat,kode_desa,rw,rt,nurt"),
         check=counted(1, kelurahan_code="3671011001", rw="001", rt="001")),
    Case("interview-code-parts",
         csv("A1,106.605,-6.195,36,71,11,1,1,1,h1",
             header="interview_id,lon,lat,kdprov,kdkab,kdkec,kddesa,rw,rt,nurt"),
         check=counted(1, kelurahan_code="3671011001", rw="001", rt="001")),
    Case("interview-code-parts-with-kdsls",
         csv("A1,106.605,-6.195,36,71,011,001,0203,h1",
             header="interview_id,lon,lat,kdprov,kdkab,kdkec,kddesa,kdsls,nurt"),
         check=counted(1, sls_code="36710110010203", kelurahan_code="3671011001", rw="000",
                       rt="0203")),
    # --- prelist -----------------------------------------------------------------------------
    Case("prelist-bad-counts",
         lambda d: {"prelist": _write(d / "prelist.csv", "kode_desa,rw,rt,jumlah_ruta\n"
                                      + "\n".join(f"36.71.01.1001,001,00{i},{n}" for i, n in
                                                  enumerate(["10", "-3", "2.5", "banyak", "",
                                                             '"7,0"'], 1)) + "\n")},
         check=prelist_status("counted", "invalid_count", "invalid_count", "invalid_count",
                              "invalid_count", "counted")),
    Case("prelist-duplicate-rt",
         lambda d: {"prelist": _write(d / "prelist.csv", "kode_desa,rw,rt,jumlah_ruta\n"
                                      "36.71.01.1001,001,001,x\n36.71.01.1001,001,001,10\n"
                                      "36.71.01.1001,1,1,12\n")},
         check=prelist_status("invalid_count", "counted", "duplicate")),
    Case("prelist-rt-label-styles",
         lambda d: {"prelist": _write(d / "prelist.csv", "kode_desa,rw,rt,muatan\n"
                                      "36.71.01.1001,RW 001,RT 001,1\n3671011001,002,1,2\n"
                                      "3671011001.0,003.0,001.0,3\n,001,002,4\n")},
         check=prelist_status("counted", "counted", "counted", "no_code",
                              rt=["001", "001", "001", "002"])),
    Case("prelist-excel-title-rows",
         lambda d: {"prelist": c.excel(d, {"Prelist": [["Prelist Regsosek"], [],
                                                       ["sls_code", "muatan"],
                                                       ["36710110010001", 12]]},
                                       name="prelist.xlsx")},
         check=prelist_status("counted")),
    Case("prelist-without-count-column",
         lambda d: {"prelist": _write(d / "prelist.csv", "kode_desa,rw,rt\n3671011001,1,1\n")},
         error=("prelist.csv", "no column of expected households")),
    Case("prelist-code-parts-as-text",
         lambda d: {"prelist": _write(d / "prelist.csv", "Kode Prov,Kode Kab,Kode Kec,Kode Desa,"
                                      "RW,RT,muatan\n36,71,011,001,001,001,10\n"
                                      "36,71,011,002,001,001,12\n")},
         check=prelist_codes(["3671011001", "3671011002"])),
    Case("prelist-code-parts-as-excel-numbers",
         lambda d: {"prelist": c.excel(d, {"Prelist": [
             ["Kode Prov", "Kode Kab", "Kode Kec", "Kode Desa", "RW", "RT", "muatan"],
             [36, 71, 11, 1, 1, 1, 10], [36, 71, 11.0, 2.0, 1, 1, 12]]}, name="prelist.xlsx")},
         check=prelist_codes(["3671011001", "3671011002"])),
    Case("prelist-kode-desa-alone",
         lambda d: {"prelist": _write(d / "prelist.csv", "Kode Desa,RW,RT,muatan\n"
                                      "001,001,001,10\n002,001,001,12\n")},
         error=("prelist.csv", "column Kode Desa", "kdprov, kdkab, kdkec are missing",
                '[prelist] kelurahan_code = "..."')),
    # --- assignments -------------------------------------------------------------------------
    Case("assignments-bps-alokasi-headers",
         lambda d: {"assignments": _write(
             d / "alokasi.csv", "idsls,nmsls,kode_ppl,nama_ppl,kode_pml,koseka,tanggal_mulai,"
             "tanggal_selesai\n36710110010101,RT 001 RW 001,PPL01,Siti,PML01,KSK1,15/10/2022,"
             "20/10/2022\n36710110020101,RT 001 RW 001,PPL02,Agus,PML01,KSK1,2022-10-16,"
             "2022-10-25\n36710199990101,RT 001 RW 001,PPL03,Dewi,PML02,KSK1,2022-10-16,"
             "2022-10-25\n36710110010101,RT 001 RW 001,PPL09,Eko,PML09,KSK1,,\n")},
         check=assigned(["counted", "counted", "unknown_rt", "duplicate"],
                        {"3671011001001001": ("PPL01", "PML01", "2022-10-15"),
                         "3671011002001001": ("PPL02", "PML01", "2022-10-16")},
                        ["3671019999001001"])),
    Case("assignments-excel-title-rows",
         lambda d: {"assignments": c.excel(d, {"Alokasi": [
             ["Alokasi petugas Regsosek 2022"], [],
             ["Kode Desa", "RW", "RT", "PPL", "PML", "Tanggal Mulai", "Tanggal Selesai"],
             ["3671011001", 1, 1, "PPL01", "PML01", "2022-10-15", "2022-10-20"],
             ["3671011002", "001", "RT 001", "PPL02", "PML02", "2022-10-21", "2022-10-19"],
             [None, None, None, "PPL03", "PML02", None, None]]}, name="alokasi.xlsx")},
         check=assigned(["counted", "counted", "no_code"],
                        {"3671011001001001": ("PPL01", "PML01", "2022-10-15")})),
    Case("assignments-rt-not-in-prelist",
         lambda d: {"prelist": _write(d / "prelist.csv", "kode_desa,rw,rt,jumlah_ruta\n"
                                      "3671011001,1,1,10\n3671011002,1,1,10\n"),
                    "assignments": _write(d / "alokasi.csv", "kode_desa,rw,rt,ppl,pml\n"
                                          "3671011001,1,1,A,S\n3671011001,1,7,B,S\n")},
         check=assigned(["counted", "unknown_rt"], {}, ["3671011001001007"])),
    Case("assignments-columns-named-in-config",
         lambda d: {"assignments": _write(d / "alokasi.csv", "SLS,Petugas Lapangan,Pengawas\n"
                                          "36710110010101,A,S\n"),
                    "config": config('[assignments]\nsls_code = "SLS"\n'
                                     'enumerator_id = "Petugas Lapangan"\n')(d)},
         check=assigned(["counted"], {"3671011001001001": ("A", "S", "2022-10-15")})),
    Case("assignments-without-enumerator-column",
         lambda d: {"assignments": _write(d / "alokasi.csv", "idsls,kode_pml\n"
                                          "36710110010101,PML01\n")},
         error=("alokasi.csv", "no enumerator (PPL) column", "[assignments] enumerator_id")),
    Case("assignments-without-rt-columns",
         lambda d: {"assignments": _write(d / "alokasi.csv", "kode_ppl,kode_pml\nA,S\n")},
         error=("alokasi.csv", "no RT column", "[assignments] sls_code")),
    # --- units -------------------------------------------------------------------------------
    Case("units-code-parts-with-kdsls",
         lambda d: {"units": _units_in_parts(d)},
         check=units_codes(["3671011001"] * 2, ["36710110010101", "36710110010102"])),
    Case("units-null-rt-label",
         lambda d: {"units": c.units(d, [("002", "RT 001"), ("002", None), ("002", "RT 002")])},
         check=units_repairs("", "", "no_rt_label")),
    Case("units-split-identity",
         lambda d: {"units": c.units(d, [("002", "RT 001"), ("002", "1"), ("002", "RT 002")])},
         check=units_repairs("merged_pieces", "")),
    Case("units-without-crs",
         lambda d: {"units": _no_crs(c.units(d, [("002", "RT 001")], name="rt.shp"))},
         error=("rt.shp", "no coordinate reference system", "[input] units_crs")),
]


def _write_bytes(path, data):
    path.write_bytes(data)
    return path


def _parquet(folder):
    path = folder / "wawancara.parquet"
    frame = pd.read_csv(c.interviews_csv(folder, A1, A2), dtype=str)
    frame.to_parquet(path)
    return path


def _points(folder):
    path = folder / "wawancara.geojson"
    frame = pd.read_csv(c.interviews_csv(folder, A1, A2), dtype=str)
    gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), crs="EPSG:4326",
                     geometry=gpd.points_from_xy(frame["lon"].astype(float),
                                                 frame["lat"].astype(float))).to_file(path)
    return path


def _no_crs(path):
    path.with_suffix(".prj").unlink()
    return path


def test_corpus_is_large_enough():
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


def _inputs(case, folder):
    files = {"boundaries": c.write_boundaries(folder),
             "interviews": c.interviews_csv(folder, A1, A2)}
    files.update(case.build(folder))
    return files


@pytest.mark.slow
@pytest.mark.parametrize("case", [k for k in CASES if k.error], ids=lambda k: k.id)
def test_bad_input_is_one_line_error(case, tmp_path):
    files = _inputs(case, tmp_path)
    args = ["run", "--boundaries", files["boundaries"], "--interviews", files["interviews"]]
    for name in ("units", "prelist", "assignments", "config"):
        if name in files:
            args += [f"--{name}", files[name]]
    done = cakupan(*args, "--out", tmp_path / "out")
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("cakupan: ")
    for piece in case.error:
        assert piece in lines[0], (piece, lines[0])
    assert not (tmp_path / "out" / "coverage.csv").exists()


@pytest.mark.slow
@pytest.mark.parametrize("case", [k for k in CASES if k.check], ids=lambda k: k.id)
def test_odd_input_is_repaired_or_set_aside(case, tmp_path):
    files = _inputs(case, tmp_path)
    config = load_config(files.pop("config", None))
    loaded = read_files(Inputs(**files), config)
    result = one_pass(loaded, config)
    outcome = case.check(loaded, result)
    assert outcome is None or outcome is True
    account = result.accounting["interviews"]
    assert account["rows_read"] == len(result.interviews)
    assert account["rows_counted"] + account["rows_set_aside"] == account["rows_read"]


@pytest.mark.slow
def test_directory_instead_of_file(tmp_path):
    folder = tmp_path / "wawancara.csv"
    folder.mkdir()
    done = cakupan("run", "--boundaries", c.write_boundaries(tmp_path), "--interviews", folder,
                   "--out", tmp_path / "out")
    assert done.returncode == 2
    assert done.stderr == f"cakupan: {folder}: is a folder, not a file\n"
