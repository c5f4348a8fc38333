"""The worklist's last sheets: what changed since the previous run, and the legend.

Takes the worklist's sheets (as :func:`cakupan.render.worklist.build_worklist` names them)
or a run's changes (:func:`cakupan._flow.previous.compared`) and returns frames for more
sheets: :func:`legend_sheet` explains every column of every sheet, the score and the
urgency, in Bahasa Indonesia or English; :func:`changes_sheet` lists what changed. The
explanations are kept here rather than in :mod:`cakupan.labels`, whose short words they
explain, so that each stays a table one can read through. Computation only.
"""

from __future__ import annotations

import re

import pandas as pd

from cakupan.detect.flags import FLAG_WEIGHTS
from cakupan.labels import labels as words

#: What each column means, by its key in :mod:`cakupan.labels`' ``column`` section;
#: ``sheet:key`` overrides a key on one sheet.
EXPLAIN = {
    "id": {
        "doubtful_households": "Ruta yang tercacah tetapi diragukan (bukti kuat wawancara "
                               "dikarang); tidak dihitung dalam rasio cakupan.",
        "koseka_id": "Koordinator statistik kecamatan (Koseka) dari daftar alokasi.",
        "planned_start": "Tanggal mulai RT ini menurut rencana (daftar alokasi, atau dibagi "
                         "rata dalam masa pencacahan).",
        "planned_end": "Tanggal selesai RT ini menurut rencana.",
        "planned_pace": "Ruta per hari yang diperlukan menurut rencana.",
        "recent_pace": "Ruta per hari yang dicacah petugas dalam 7 hari terakhir.",
        "capacity": "Ruta yang dapat dicacah petugas besok, menurut lajunya sendiri.",
        "task": "Tugas besok untuk petugas ini, dalam kata-kata.",
        "owner_source": "Dari mana penugasan RT ini: daftar alokasi, atau diduga dari "
                        "wawancara atau RT terdekat.",
        "data_as_of": "Waktu wawancara terakhir dalam data: lembar ini berlaku sampai saat itu.",
        "planned_so_far": "Ruta yang menurut rencana sudah tercacah sampai hari ini.",
        "pace_needed": "Ruta per hari yang diperlukan agar selesai pada akhir rencana.",
        "projected_finish": "Tanggal selesai bila laju 7 hari terakhir berlanjut.",
        "supervisor_id": "Pengawas yang bertanggung jawab; setiap pengawas mulai di halaman "
                         "baru saat dicetak.",
        "enumerator_id": "Petugas pencacah.",
        "kecamatan": "Nama kecamatan.",
        "kelurahan_code": "Kode BPS kelurahan/desa (10 angka).",
        "kelurahan": "Nama kelurahan/desa.",
        "rw": "Nomor RW (3 angka).",
        "rt": "Nomor RT (3 angka).",
        "name": "Nama SLS (satuan lingkungan setempat).",
        "counted_households": "Ruta yang sudah tercacah (wawancara dihitung) di RT ini.",
        "expected_households": "Ruta yang diharapkan menurut sumber perkiraan.",
        "expected_source": "Asal jumlah ruta diharapkan: prelist, raster penduduk, atau "
                           "bangunan.",
        "coverage_pct": "Ruta tercacah (dikurangi yang diragukan) dibagi ruta diharapkan, "
                        "dalam persen.",
        "gap_households": "Ruta diharapkan yang belum tercacah; RT diurutkan menurut angka "
                          "ini (paling banyak dulu).",
        "status": "kurang: di bawah 90%; belum dimulai: belum ada wawancara; lengkap: "
                  "90% atau lebih tetapi masih ada ruta yang kurang; sudah dikunjungi: "
                  "pengawas mencatat kunjungan ulang, menunggu wawancara baru.",
        "verify:status": "tercacah: dihitung; ditolak: ditolak pengawas; duplikat dan "
                         "lainnya: tidak dihitung.",
        "reason": "Mengapa RT ini ada di daftar.",
        "interview_id": "ID wawancara, untuk mencarinya di aplikasi.",
        "household_id": "ID rumah tangga yang diwawancarai.",
        "interviewed_at": "Tanggal dan jam wawancara selesai.",
        "location_check": "Titik GPS dibanding RT yang dinyatakan: di dalam, di batas, di "
                          "tetangga, jauh di luar, atau tidak diketahui (GPS kurang akurat).",
        "flags": "Tanda pemeriksaan yang ditemukan (lihat daftar tanda di bawah).",
        "evidence": "Bukti setiap tanda, dalam urutan yang sama.",
        "doubtful": "ya: wawancara diragukan dan tidak menambah rasio cakupan.",
        "lat": "Lintang titik GPS.",
        "lon": "Bujur titik GPS.",
        "urgency": "Jumlah bobot tanda wawancara ini (bobot di bawah); makin tinggi makin "
                   "mendesak diperiksa.",
        "interviews": "Semua wawancara petugas.",
        "counted": "Wawancara petugas yang dihitung.",
        "flagged": "Wawancara petugas yang bertanda.",
        "share_flagged_pct": "Wawancara bertanda dibagi semua wawancara, dalam persen.",
        "score": "Jumlah, atas semua wawancara petugas, dari bobot setiap tanda; makin "
                 "tinggi makin perlu dihubungi.",
        "main_flag": "Tanda dengan bobot terbesar pada petugas ini.",
        "decision": "Isi keputusan: benar (wawancara/RT sudah diperiksa, hapus dari "
                    "daftar), ditolak (wawancara tidak dihitung lagi), sudah dikunjungi "
                    "(RT sudah dikunjungi ulang). Berikan file ini lagi dengan --decisions.",
        "comment": "Catatan bebas pengawas; disimpan di manifest.json.",
        "change": "Jenis perubahan sejak pengolahan sebelumnya.",
        "before": "Angka pada pengolahan sebelumnya.",
        "now": "Angka sekarang.",
        "difference": "Sekarang dikurangi sebelumnya.",
        "flag_count": "Jumlah wawancara petugas dengan tanda ini.",
        "flag": "Tanda",
        "weight": "bobot",
    },
    "en": {
        "doubtful_households": "Households counted but doubtful (strong evidence of made-up "
                               "interviews); left out of the coverage ratio.",
        "koseka_id": "The kecamatan's statistics coordinator (Koseka), from the assignments.",
        "planned_start": "The day this RT was planned to start (from the assignments, or "
                         "spread evenly over the fieldwork window).",
        "planned_end": "The day this RT was planned to be finished.",
        "planned_pace": "Households a day the plan needs.",
        "recent_pace": "Households a day the enumerator counted over the last 7 days.",
        "capacity": "Households the enumerator can count tomorrow, at their own pace.",
        "task": "Tomorrow's task for this enumerator, in words.",
        "owner_source": "Where this RT's assignment comes from: the assignment file, or "
                        "inferred from interviews or the nearest RT.",
        "data_as_of": "Time of the latest interview in the data: the sheet holds until then.",
        "planned_so_far": "Households the plan expected counted by today.",
        "pace_needed": "Households a day needed to finish by the end of the plan.",
        "projected_finish": "The day the work ends if the last 7 days' pace goes on.",
        "supervisor_id": "The supervisor responsible; each supervisor starts a new page when "
                         "printed.",
        "enumerator_id": "The enumerator.",
        "kecamatan": "Name of the kecamatan (district).",
        "kelurahan_code": "BPS code of the kelurahan/desa (10 digits).",
        "kelurahan": "Name of the kelurahan/desa (village).",
        "rw": "RW number (3 digits).",
        "rt": "RT number (3 digits).",
        "name": "Name of the SLS (local area unit).",
        "counted_households": "Households counted (interviews counted) in this RT.",
        "expected_households": "Households expected by the expected-count source.",
        "expected_source": "Where the expected count comes from: prelist, population raster "
                           "or buildings.",
        "coverage_pct": "Households counted (less doubtful ones) divided by households "
                        "expected, in percent.",
        "gap_households": "Expected households not counted yet; RTs are sorted by it "
                          "(most first).",
        "status": "under: below 90%; not started: no interview yet; complete: 90% or more "
                  "but households still missing; revisited: the supervisor recorded a "
                  "revisit, waiting for new interviews.",
        "verify:status": "counted: counted; rejected: rejected by a supervisor; duplicate "
                         "and others: not counted.",
        "reason": "Why this RT is on the list.",
        "interview_id": "Interview ID, to find it in the app.",
        "household_id": "ID of the household interviewed.",
        "interviewed_at": "Date and time the interview ended.",
        "location_check": "GPS point against the declared RT: inside, on the boundary, in a "
                          "neighbour, far outside, or unknown (poor GPS).",
        "flags": "Check flags found (see the list of flags below).",
        "evidence": "The evidence of each flag, in the same order.",
        "doubtful": "yes: the interview is doubtful and adds nothing to the coverage ratio.",
        "lat": "Latitude of the GPS point.",
        "lon": "Longitude of the GPS point.",
        "urgency": "Sum of the weights of this interview's flags (weights below); higher is "
                   "more urgent to check.",
        "interviews": "All interviews of the enumerator.",
        "counted": "Interviews of the enumerator counted.",
        "flagged": "Interviews of the enumerator flagged.",
        "share_flagged_pct": "Flagged interviews divided by all interviews, in percent.",
        "score": "Sum, over all the enumerator's interviews, of each flag's weight; higher "
                 "needs a call sooner.",
        "main_flag": "The flag of largest weight for this enumerator.",
        "decision": "Fill in a decision: verified (interview/RT checked, take it off the "
                    "list), rejected (interview no longer counted), revisited (RT visited "
                    "again). Give this file back with --decisions.",
        "comment": "The supervisor's free comment; kept in manifest.json.",
        "change": "Kind of change since the previous run.",
        "before": "The figure in the previous run.",
        "now": "The figure now.",
        "difference": "Now minus before.",
        "flag_count": "Interviews of the enumerator with this flag.",
        "flag": "Flag",
        "weight": "weight",
    },
}
_SHEETS = ("revisit", "verify", "call", "changes")


def legend_sheet(sheets: dict[str, pd.DataFrame], lang: str = "id") -> pd.DataFrame:
    """Return the legend: one row per column of each of ``sheets``, then each flag's weight.

    Columns are recognised by their header (:mod:`cakupan.labels`); one without an
    explanation is listed with an empty one, which ``tests/test_worklist.py`` forbids.

    Examples
    --------
    >>> sheets = {"RTs to revisit": pd.DataFrame(columns=["RT", "Households missing"])}
    >>> legend_sheet(sheets, "en").iloc[:2, 2].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['RT number (3 digits).',
     'Expected households not counted yet; RTs are sorted by it (most first).']
    """
    table, explain = words(lang), EXPLAIN[lang]
    keys = {header: key for key, header in table["column"].items()}
    flags = {table["value"].get(name, name): name for name in FLAG_WEIGHTS}
    names = {table["sheet"][key]: key for key in _SHEETS}
    rows = []
    for sheet, frame in sheets.items():
        for header in frame.columns:
            key = keys.get(header)
            if key is None and header in flags:
                text = f"{explain['flag_count']} {explain['weight']} {FLAG_WEIGHTS[flags[header]]}."
            else:
                text = explain.get(f"{names.get(sheet)}:{key}", explain.get(key, ""))
            rows.append((sheet, header, text))
    verify = table["sheet"]["verify"]
    for name, weight in FLAG_WEIGHTS.items():
        # the evidence's template, its figures left out: "cluster #…: … interviews at one spot"
        said = re.sub(r"\{\w+\}", "…", table["text"].get(name, ""))
        rows.append((verify, f"{explain['flag']}: {table['value'].get(name, name)}",
                     f"{explain['weight'].capitalize()} {weight}. {said}".strip()))
    column = table["column"]
    return pd.DataFrame(rows, columns=[column["sheet"], column["column"], column["meaning"]],
                        dtype="string")


def changes_sheet(changes: dict, responsible: pd.Series, lang: str = "id") -> pd.DataFrame:
    """Return what changed since the previous run, as one table.

    RTs newly complete and newly stalled (with the supervisor ``responsible`` for each, a
    Series by ``kelurahan/rw/rt``), households gained per supervisor and per enumerator,
    decisions newly applied. Columns in the words of ``lang``.
    """
    values, column = words(lang)["value"], words(lang)["column"]
    parts = []
    for key in ("newly_complete", "newly_stalled"):
        rts = changes[f"rts_{key}"]
        codes = rts[["kelurahan_code", "rw", "rt"]].astype("string")
        parts.append(pd.DataFrame({
            "change": values[key],
            "supervisor_id": responsible.reindex(
                codes["kelurahan_code"] + "/" + codes["rw"] + "/" + codes["rt"]).to_numpy(),
            **{name: codes[name] for name in codes}, "name": rts["name"],
            "before": rts["counted_before"], "now": rts["counted_now"],
            "difference": rts["counted_now"] - rts["counted_before"].fillna(0)}))
    for key, level in (("gained_supervisor", "supervisor"), ("gained_enumerator", "enumerator")):
        gained = changes[f"gained_per_{level}"]
        if gained is not None:
            parts.append(gained.rename(columns={"gained": "difference"}).assign(
                change=values[key]))
    parts.append(pd.DataFrame({"change": [values["decisions_since"]],
                               "now": [changes["decisions_applied_since"]]}))
    order = ["change", "supervisor_id", "enumerator_id", "kelurahan_code", "rw", "rt", "name",
             "before", "now", "difference"]
    table = pd.concat([part for part in parts if len(part)], ignore_index=True)
    table = table.reindex(columns=order)
    table = table.astype({name: "string" for name in order[:7]})
    table = table.astype({name: "Int64" for name in order[7:]})
    return table.rename(columns=column)
