"""Canonical column names and the aliases loaders recognise.

Loaders rename input columns to these names. An alias is compared after lower-casing and
turning every run of non-alphanumerics into ``_``, so ``"GPS Accuracy (m)"`` matches
``gps_accuracy_m``. A TOML config can name any column explicitly (see :mod:`cakupan.config`).
"""

from __future__ import annotations

import re

BOUNDARIES = ("kelurahan_code", "kelurahan_name", "kecamatan_code", "kecamatan_name")
UNITS = ("sls_code", "kelurahan_code", "rw", "rt", "sls_name")
INTERVIEWS = (
    "interview_id",
    "lon",
    "lat",
    "gps_accuracy_m",
    "started_at",
    "interviewed_at",
    "enumerator_id",
    "supervisor_id",
    "sls_code",
    "kelurahan_code",
    "rw",
    "rt",
    "household_id",
    "household_size",
    "review_state",
)
#: Review verdicts that take an interview out of the count: ODK Central's ``ReviewState``,
#: KoboToolbox's ``_validation_status`` (its value or its label), compared simplified.
REJECTED_IN_REVIEW = ("rejected", "validation_status_not_approved", "not_approved", "ditolak",
                      "tidak_disetujui")
PRELIST = ("sls_code", "kelurahan_code", "rw", "rt", "expected_households")
#: Who is assigned where, and when (BPS's "alokasi petugas": SLS to PPL to PML, and Koseka).
ASSIGNMENTS = ("sls_code", "kelurahan_code", "rw", "rt", "sls_name", "enumerator_id",
               "supervisor_id", "planned_start", "planned_end", "koseka_id")

#: Columns that hold personal data; never copied to outputs.
PERSONAL = ("nama", "name", "nama_krt", "nik", "no_kk", "kk", "phone", "telepon", "no_hp", "hp")

ALIASES: dict[str, tuple[str, ...]] = {
    "kelurahan_code": (
        "kelurahan_code", "kode", "kode_kel", "kode_kelurahan", "kode_desa", "kddesa", "kdkel",
        "kdepum", "iddesa", "id_desa", "desa_code", "village_code", "kel_code", "kode_wilayah",
        "idkel", "kelurahan_id",
    ),
    "kelurahan_name": (
        "kelurahan_name", "nama", "nama_kel", "nama_kelurahan", "nama_desa", "nmdesa", "wadmkd",
        "desa", "kelurahan", "village", "village_name", "name",
    ),
    "kecamatan_code": (
        "kecamatan_code", "kec_kode", "kode_kec", "kode_kecamatan", "kdkec", "kdcpum", "idkec",
        "district_code",
    ),
    "kecamatan_name": (
        "kecamatan_name", "kec_nama", "nama_kec", "nama_kecamatan", "nmkec", "wadmkc",
        "kecamatan", "district", "district_name",
    ),
    "sls_code": ("sls_code", "idsls", "id_sls", "kode_sls", "kdsls", "sls_id", "idsubsls"),
    "sls_name": ("sls_name", "nmsls", "nama_sls", "sls"),
    "rw": ("rw", "kode_rw", "no_rw", "wadmrw", "rw_no", "kdrw", "rw_dki", "nmrw"),
    "rt": ("rt", "kode_rt", "no_rt", "rt_no", "kdrt", "rt_dki", "nmrt"),
    "interview_id": (
        "interview_id", "id", "_id", "_uuid", "instanceid", "meta_instanceid", "key", "_index",
        "submission_id", "id_wawancara", "no_urut_wawancara",
    ),
    "lon": (
        "lon", "lng", "long", "longitude", "bujur", "x", "gps_longitude", "_gps_longitude",
        "koordinat_longitude", "geopoint_longitude", "_geolocation_longitude",
    ),
    "lat": (
        "lat", "latitude", "lintang", "y", "gps_latitude", "_gps_latitude",
        "koordinat_latitude", "geopoint_latitude", "_geolocation_latitude",
    ),
    "gps_accuracy_m": (
        "gps_accuracy_m", "accuracy", "gps_accuracy", "akurasi", "akurasi_gps", "accuracy_m",
        "_gps_precision", "gps_precision", "geopoint_accuracy", "precision",
    ),
    # the start of the interview: ODK/Kobo `start`, Survey Solutions and CSPro start times
    "started_at": (
        "started_at", "start", "starttime", "start_time", "time_start", "timestart",
        "interview_start", "interview_start_time", "started", "mulai", "waktu_mulai",
        "jam_mulai", "waktu_awal", "tanggal_mulai", "mulai_wawancara",
    ),
    # the end of the interview (ODK/Kobo `end`), else when it was recorded or sent
    "interviewed_at": (
        "interviewed_at", "timestamp", "waktu", "waktu_wawancara", "tanggal", "date", "time",
        "datetime", "end", "endtime", "end_time", "time_end", "timeend", "interview_end",
        "interview_end_time", "waktu_selesai", "jam_selesai", "selesai", "tanggal_selesai",
        "_submission_time", "submissiondate", "submission_date", "tanggal_wawancara",
    ),
    "enumerator_id": (
        "enumerator_id", "ppl", "id_ppl", "kode_ppl", "petugas", "enumerator", "username",
        "_submitted_by", "submitterid", "submitter_id", "deviceid", "petugas_id",
        "kode_petugas", "nama_ppl",
    ),
    "supervisor_id": ("supervisor_id", "pml", "id_pml", "kode_pml", "pengawas", "supervisor",
                      "nama_pml"),
    "koseka_id": ("koseka_id", "koseka", "kode_koseka", "id_koseka", "nama_koseka"),
    "planned_start": (
        "planned_start", "tanggal_mulai", "tgl_mulai", "mulai", "rencana_mulai", "jadwal_mulai",
        "start_date", "start",
    ),
    "planned_end": (
        "planned_end", "tanggal_selesai", "tgl_selesai", "selesai", "rencana_selesai",
        "jadwal_selesai", "end_date", "end",
    ),
    "household_id": (
        "household_id", "idrt", "id_rt_tangga", "id_ruta", "ruta_id", "kode_ruta", "nurt",
        "no_ruta", "hh_id", "household", "keluarga_id", "id_keluarga",
    ),
    "household_size": (
        "household_size", "jumlah_art", "jml_art", "art", "hh_size", "anggota_rumah_tangga",
    ),
    # a reviewer's verdict on the submission (ODK Central, KoboToolbox)
    "review_state": ("review_state", "reviewstate", "review_status", "validation_status",
                     "status_validasi", "status_pemeriksaan"),
    # households (ruta) first; ``muatan`` (an SLS's load as SIPW lists it) only without
    # them; families (kk) and buildings (btt) never: see FAMILIES and DWELLINGS
    "expected_households": (
        "expected_households", "jumlah_ruta", "jml_ruta", "jml_ruta_prelist",
        "jumlah_ruta_prelist", "ruta_prelist", "ruta", "jumlah_rumah_tangga", "jml_rt_tangga",
        "households", "prelist", "expected", "muatan",
    ),
}

#: Prelist columns that count families (kartu keluarga) or buildings (bangunan tempat
#: tinggal), never taken for households unless named: ``[prelist] expected_households``.
FAMILIES = ("kk", "jumlah_kk", "jml_kk", "jumlah_keluarga", "jml_keluarga", "keluarga")
DWELLINGS = ("btt", "bstt", "bsbtt", "jumlah_btt", "jml_btt")


#: Question labels of survey forms, as KoboToolbox's default export heads its columns with
#: them (``Nomor RT``, ``ID Rumah Tangga``), compared as :data:`ALIASES` are, after them.
LABELS: dict[str, tuple[str, ...]] = {
    "kelurahan_code": ("kode_desa_kelurahan", "kode_kelurahan_desa"),
    "rw": ("nomor_rw", "nomor_rukun_warga", "rukun_warga"),
    "rt": ("nomor_rt", "nomor_rukun_tetangga", "rukun_tetangga"),
    "household_id": ("id_rumah_tangga", "kode_rumah_tangga", "nomor_rumah_tangga",
                     "nomor_urut_rumah_tangga", "no_urut_ruta", "id_ruta_regsosek"),
    "household_size": ("jumlah_anggota_rumah_tangga", "jumlah_anggota_ruta",
                       "banyaknya_anggota_rumah_tangga", "jumlah_anggota_keluarga"),
    "enumerator_id": ("kode_petugas", "id_petugas", "kode_pencacah", "id_pencacah"),
    "supervisor_id": ("kode_pengawas", "id_pengawas", "kode_pemeriksa"),
    "interviewed_at": ("waktu_pencacahan", "tanggal_pencacahan"),
}

def simplify(name: str) -> str:
    """Return a header in the form aliases are compared in.

    Examples
    --------
    >>> simplify("GPS Accuracy (m)")
    'gps_accuracy_m'
    """
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")
