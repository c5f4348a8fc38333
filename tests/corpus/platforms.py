"""The sample's interviews written as survey platforms export them: ODK Central, KoboToolbox.

Shapes follow the platforms' public descriptions and source: ODK Central's
``/submissions.csv.zip`` (``<formId>.csv`` with groups joined by ``-``, a geopoint split into
``-Latitude``/``-Longitude``/``-Altitude``/``-Accuracy``, ``KEY``, ``SubmitterID`` ...; one
``<formId>-<repeat>.csv`` per repeat group ending in ``PARENT_KEY``, ``KEY``; ``media/``) and
Kobo's formpack exports (XLSX headed by question labels or by names with group paths, a
sheet per repeat group with ``_parent_table_name``, ``_parent_index``, ``_submission__id``
...; CSV with every value quoted and ``;`` between them). Every value comes from the frame
given (the sample world's canonical interviews), so the same rows can be run in both shapes
and their coverage compared. Household size is given by a household-member repeat group
(one row per member) where the shape has no size question; every household also gets 1 to 4
visit rows, which must never count as interviews.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

FORM = "regsosek_ruta"
MAIN_SHEET = "Regsosek Rumah Tangga"
_KOBO_META = ("_validation_status", "_notes", "_status", "__version__", "_tags")


def _times(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return start, end (local, ``+07:00``) and the server's receipt time (UTC, ``Z``)."""
    end = pd.to_datetime(frame["interviewed_at"])
    start = end - pd.to_timedelta(12, unit="min")
    received = end - pd.to_timedelta(7, unit="h") + pd.to_timedelta(3, unit="min")
    local = "%Y-%m-%dT%H:%M:%S.000+07:00"
    return (start.dt.strftime(local), end.dt.strftime(local),
            received.dt.strftime("%Y-%m-%dT%H:%M:%S.000Z"))


def _uuids(frame: pd.DataFrame) -> pd.Series:
    return "uuid:" + frame["interview_id"].str.lower().str.rjust(36, "0")


def _members(frame: pd.DataFrame) -> pd.Series:
    """Return the submission row of each household member (``household_size`` rows each)."""
    sizes = pd.to_numeric(frame["household_size"]).astype(int).to_numpy()
    return pd.Series(np.repeat(np.arange(len(frame)), sizes))


def _visits(frame: pd.DataFrame) -> pd.Series:
    """Return the submission row of each visit: 1 to 4 per household, the last one done."""
    count = 1 + np.arange(len(frame)) % 4
    return pd.Series(np.repeat(np.arange(len(frame)), count))


def odk_tables(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Return ``{file name: table}`` of ODK Central's export of the interviews."""
    start, end, received = _times(frame)
    key = _uuids(frame)
    main = pd.DataFrame({
        "SubmissionDate": received, "start": start, "end": end,
        "deviceid": "collect:" + frame["enumerator_id"].str.lower(),
        "grp-wilayah-idsls": frame["sls_code"], "grp-wilayah-kode_desa": frame["kelurahan_code"],
        "grp-wilayah-rw": frame["rw"], "grp-wilayah-rt": frame["rt"],
        "grp-ruta-id_ruta": frame["household_id"], "grp-ruta-nama_krt": frame["nama_krt"],
        "grp-lokasi-gps-Latitude": frame["lat"], "grp-lokasi-gps-Longitude": frame["lon"],
        "grp-lokasi-gps-Altitude": np.where(frame["lat"].eq(""), "", "12.0"),
        "grp-lokasi-gps-Accuracy": frame["gps_accuracy_m"],
        "grp-petugas-kode_pml": frame["supervisor_id"],
        "meta-instanceID": key, "KEY": key,
        "SubmitterID": frame["enumerator_id"].str[3:].astype(int).astype(str),
        "SubmitterName": frame["enumerator_id"],
        "AttachmentsPresent": "0", "AttachmentsExpected": "0", "Status": "",
        "ReviewState": "", "DeviceID": "", "Edits": "0", "FormVersion": "2022101401",
    })
    members, visits = _members(frame), _visits(frame)
    anggota = pd.DataFrame({
        "nama": "ART " + (members.groupby(members).cumcount() + 1).astype(str),
        "umur": (20 + members % 50).astype(str),
        "PARENT_KEY": key.iloc[members].to_numpy(),
        "KEY": key.iloc[members].to_numpy() + "/grp-ruta/anggota["
        + (members.groupby(members).cumcount() + 1).astype(str) + "]"})
    kunjungan = pd.DataFrame({
        "tanggal": end.iloc[visits].str[:10].to_numpy(),
        "hasil": np.where(visits.ne(visits.shift(-1)), "selesai", "tidak_ada_orang"),
        "PARENT_KEY": key.iloc[visits].to_numpy(),
        "KEY": key.iloc[visits].to_numpy() + "/kunjungan["
        + (visits.groupby(visits).cumcount() + 1).astype(str) + "]"})
    return {f"{FORM}.csv": main, f"{FORM}-anggota.csv": anggota,
            f"{FORM}-kunjungan.csv": kunjungan}


def odk_zip(folder: Path, frame: pd.DataFrame, top: str = "", extra: dict | None = None,
            name: str = f"{FORM}.zip") -> Path:
    """Write ODK Central's export zip; ``top``: zipped again from its folder ``top/``.

    ``extra``: more tables ``{file name: table}`` in the zip (another form's export).
    """
    path = Path(folder) / name
    prefix = f"{top}/" if top else ""
    tables = {**odk_tables(frame), **(extra or {})}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, table in tables.items():
            archive.writestr(prefix + name, table.to_csv(index=False))
        archive.writestr(f"{prefix}media/1665800000000.jpg", b"\xff\xd8\xff\xe0 not a photo")
        archive.writestr(f"{prefix}{FORM} - audit.csv",
                         "instance ID,event,node,start,end\nuuid:1,form start,,1,\n")
    return path


def kobo_sheets(frame: pd.DataFrame, labels: bool = True) -> dict[str, pd.DataFrame]:
    """Return Kobo's XLSX export of the interviews, sheet by sheet.

    ``labels``: headed by the question labels (Kobo's default), the size asked in the form;
    else by the question names with their group paths, the size left to the member roster.
    """
    start, end, received = _times(frame)
    point = frame["lat"] + " " + frame["lon"] + " 12.0 " + frame["gps_accuracy_m"]
    point = point.where(frame["lat"].ne(""), "")
    if labels:
        names = {"idsls": "ID SLS", "kel": "Kode Kelurahan", "rw": "Nomor RW",
                 "rt": "Nomor RT", "ruta": "ID Rumah Tangga", "pml": "Kode Pengawas",
                 "gps": "Koordinat GPS", "size": "Jumlah Anggota Rumah Tangga"}
        gps = "_Koordinat GPS_{}"
    else:
        names = {"idsls": "grp_wilayah/idsls", "kel": "grp_wilayah/kode_kel",
                 "rw": "grp_wilayah/rw", "rt": "grp_wilayah/rt", "ruta": "grp_ruta/id_ruta",
                 "pml": "grp_petugas/kode_pml", "gps": "grp_lokasi/gps"}
        gps = "grp_lokasi/_gps_{}"
    ids = (100000 + np.arange(len(frame))).astype(str)
    uuid = _uuids(frame).str[5:]
    main = pd.DataFrame({
        "start": start, "end": end, "today": end.str[:10],
        "username": frame["enumerator_id"].str.lower(),
        names["idsls"]: frame["sls_code"], names["kel"]: frame["kelurahan_code"],
        names["rw"]: frame["rw"], names["rt"]: frame["rt"], names["ruta"]: frame["household_id"],
        names["pml"]: frame["supervisor_id"], names["gps"]: point,
        gps.format("latitude"): frame["lat"], gps.format("longitude"): frame["lon"],
        gps.format("altitude"): np.where(frame["lat"].eq(""), "", "12.0"),
        gps.format("precision"): frame["gps_accuracy_m"],
        **({names["size"]: frame["household_size"]} if labels else {}),
        "_id": ids, "_uuid": uuid, "_submission_time": received.str[:19],
        **dict.fromkeys(_KOBO_META, ""), "_submitted_by": frame["enumerator_id"].str.lower(),
        "_index": (np.arange(len(frame)) + 1).astype(str)})
    members, visits = _members(frame), _visits(frame)
    anggota = pd.DataFrame({"Umur" if labels else "anggota/umur":
                            (20 + members % 50).astype(str).to_numpy()})
    kunjungan = pd.DataFrame({
        "Tanggal Kunjungan" if labels else "kunjungan/tanggal":
        end.iloc[visits].str[:10].to_numpy(),
        "Hasil Kunjungan" if labels else "kunjungan/hasil":
        np.where(visits.ne(visits.shift(-1)), "Selesai", "Tidak ada orang")})
    sheets = {MAIN_SHEET: main}
    for name, rows, table in (("anggota", members, anggota), ("kunjungan", visits, kunjungan)):
        table["_parent_table_name"] = MAIN_SHEET
        table["_parent_index"] = main["_index"].iloc[rows].to_numpy()
        table["_submission__id"] = ids[rows]
        table["_submission__uuid"] = uuid.iloc[rows].to_numpy()
        sheets[name] = table
    return sheets


def kobo_xlsx(folder: Path, frame: pd.DataFrame, labels: bool = True) -> Path:
    """Write Kobo's XLSX export.

    With labels, values as text (Kobo's default); with group paths, numbers as numbers (its
    option "store numbers as text" off): codes, counts and coordinates lose their leading
    zeros and become numbers where they read as one.
    """
    path = Path(folder) / ("kobo_labels.xlsx" if labels else "kobo_groups.xlsx")
    with pd.ExcelWriter(path) as book:
        for name, sheet in kobo_sheets(frame, labels).items():
            if not labels:
                sheet = sheet.apply(_as_numbers)
            sheet.to_excel(book, sheet_name=name, index=False)
    return path


def _as_numbers(column: pd.Series) -> pd.Series:
    """Return a column's numbers as numbers, other cells as they are (``_uuid``: text)."""
    numbers = pd.to_numeric(column, errors="coerce")
    if column.name in ("_uuid", "_submission__uuid") or numbers.isna().all():
        return column
    return column.astype(object).where(numbers.isna(), numbers)


def kobo_csv(folder: Path, frame: pd.DataFrame) -> Path:
    """Write Kobo's CSV export: the submissions only, labels, values quoted, ``;`` between."""
    path = Path(folder) / "kobo.csv"
    main = kobo_sheets(frame, labels=True)[MAIN_SHEET].drop(columns="_index")
    main.to_csv(path, sep=";", quoting=csv.QUOTE_ALL, index=False, lineterminator="\r\n")
    return path
