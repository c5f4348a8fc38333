"""Words shown to people, in Bahasa Indonesia (default) and English."""

from __future__ import annotations

LABELS = {
    "id": {
        "title": "Cakupan pendataan",
        "kecamatan": "Kecamatan",
        "kelurahan": "Kelurahan",
        "rw": "RW",
        "rt": "RT",
        "name": "Nama",
        "code": "Kode",
        "counted_households": "Ruta terdata",
        "doubtful_households": "Ruta diragukan",
        "expected_households": "Ruta diharapkan",
        "expected_source": "Sumber",
        "coverage_ratio": "Rasio cakupan",
        "gap_households": "Ruta belum terdata",
        "status": "Status",
        "complete": "Lengkap",
        "under": "Kurang",
        "over": "Lebih",
        "not_started": "Belum dimulai",
        "no_expected": "Tanpa target",
        "gaps": "Titik buta (belum dikunjungi)",
        "legend": "Status cakupan",
        "summary": "Ringkasan",
        "rows": "Akuntansi baris",
        "rows_read": "Baris dibaca",
        "rows_counted": "Baris dihitung",
        "rows_set_aside": "Baris disisihkan",
        "revisit": "RT yang perlu dikunjungi ulang",
        "generated": "Dibuat oleh cakupan",
        "coverage": "Cakupan",
        "input": "Masukan",
        "reason": "Alasan",
        "none": "Tidak ada",
    },
    "en": {
        "title": "Registration coverage",
        "kecamatan": "Kecamatan (district)",
        "kelurahan": "Kelurahan (village)",
        "rw": "RW",
        "rt": "RT",
        "name": "Name",
        "code": "Code",
        "counted_households": "Households counted",
        "doubtful_households": "Doubtful households",
        "expected_households": "Households expected",
        "expected_source": "Source",
        "coverage_ratio": "Coverage ratio",
        "gap_households": "Households missing",
        "status": "Status",
        "complete": "Complete",
        "under": "Under",
        "over": "Over",
        "not_started": "Not started",
        "no_expected": "No expected count",
        "gaps": "Blind spots (not visited)",
        "legend": "Coverage status",
        "summary": "Summary",
        "rows": "Row accounting",
        "rows_read": "Rows read",
        "rows_counted": "Rows counted",
        "rows_set_aside": "Rows set aside",
        "revisit": "RTs to revisit",
        "generated": "Made with cakupan",
        "coverage": "Coverage",
        "input": "Input",
        "reason": "Reason",
        "none": "None",
    },
}

STATUS_COLOURS = {
    "complete": "#1a9850",
    "over": "#4575b4",
    "under": "#fc8d59",
    "not_started": "#b2182b",
    "no_expected": "#9e9e9e",
}


def labels(lang: str) -> dict[str, str]:
    """Return the labels of ``lang`` (``id`` or ``en``)."""
    if lang not in LABELS:
        raise ValueError(f"language must be one of {', '.join(LABELS)}, not {lang!r}")
    return LABELS[lang]
