"""The supervisor worklist: what to do tomorrow, one table per kind of task.

Takes the coverage table (the columns of ``coverage.csv``), the interviews with their flags
(:func:`cakupan.detect.flags.flag_interviews` joined to the interviews frame) and the
enumerator scores (:func:`cakupan.detect.enumerators.enumerator_scores`), and returns three
sheets as DataFrames with
labels in Bahasa Indonesia (or English): RTs to revisit, interviews to verify and enumerators
to call, each grouped by supervisor (the most urgent group first) and sorted by urgency within
it. Computation only: :func:`cakupan.render._xlsx.write_xlsx` writes the sheets. No names or other
personal data reach the sheets: interviews are named by their ID.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cakupan.detect.flags import FLAG_WEIGHTS, FLAGS
from cakupan.detect.tally import piece

LABELS = {
    "id": {
        "sheet": {
            "revisit": "RT dikunjungi ulang",
            "verify": "Wawancara diperiksa",
            "call": "Petugas dihubungi",
        },
        "column": {
            "supervisor_id": "Pengawas (PML)",
            "enumerator_id": "Petugas (PPL)",
            "kecamatan": "Kecamatan",
            "kelurahan_code": "Kode kelurahan",
            "kelurahan": "Kelurahan",
            "rw": "RW",
            "rt": "RT",
            "name": "Nama SLS",
            "counted_households": "Ruta tercacah",
            "expected_households": "Ruta diharapkan",
            "expected_source": "Sumber perkiraan",
            "coverage_pct": "Cakupan (%)",
            "gap_households": "Kekurangan ruta",
            "status": "Status",
            "reason": "Alasan",
            "interview_id": "ID wawancara",
            "interviewed_at": "Waktu",
            "location_check": "Cek lokasi",
            "flags": "Tanda",
            "evidence": "Bukti",
            "doubtful": "Diragukan",
            "lat": "Lintang",
            "lon": "Bujur",
            "urgency": "Urgensi",
            "interviews": "Wawancara",
            "counted": "Tercacah",
            "flagged": "Ditandai",
            "share_flagged_pct": "Ditandai (%)",
            "score": "Skor",
            "main_flag": "Tanda utama",
        },
        "value": {
            "under": "kurang",
            "not_started": "belum dimulai",
            "counted": "tercacah",
            "duplicate": "duplikat",
            "no_coordinates": "tanpa koordinat",
            "invalid_coordinates": "koordinat tidak sah",
            "outside_area": "di luar wilayah",
            "inside": "di dalam",
            "boundary_ambiguous": "di batas",
            "neighbour": "di tetangga",
            "far_outside": "jauh di luar",
            "unknown": "tidak diketahui",
            "invented_cluster": "klaster buatan",
            "too_fast_travel": "perpindahan terlalu cepat",
            "route_detour": "menyimpang dari rute",
            "duplicate_location": "lokasi kembar",
            "duplicate_household_id": "ID ruta ganda",
            "near_duplicate_location": "lokasi hampir kembar",
            "outside_fieldwork_window": "di luar masa pencacahan",
            "night_time": "malam hari",
            "poor_gps": "GPS kurang akurat",
            "yes": "ya",
            "no_supervisor": "(tidak diketahui)",
        },
        "text": {
            "not_started": "belum ada wawancara di RT ini",
            "under": "baru {pct}% dari {expected} ruta",
            "doubtful_in_rt": "; {n} wawancara diragukan",
            "invented_cluster": "klaster #{id}: {size} wawancara di satu titik",
            "too_fast_travel": "{speed} km/jam dari wawancara sebelumnya",
            "route_detour": "jauh dari wawancara sebelum dan sesudahnya",
            "duplicate_location": "koordinat sama dengan wawancara lain",
            "near_duplicate_location": "{nearest} m dari wawancara lain",
            "duplicate_household_id": "ID ruta sama dengan wawancara lain di RT ini",
            "outside_fieldwork_window": "tanggal {date}",
            "night_time": "pukul {time}",
            "poor_gps": "akurasi {accuracy} m",
            "far_outside": "jauh di luar RT yang dinyatakan",
        },
    },
    "en": {
        "sheet": {
            "revisit": "RTs to revisit",
            "verify": "Interviews to verify",
            "call": "Enumerators to call",
        },
        "column": {
            "supervisor_id": "Supervisor (PML)",
            "enumerator_id": "Enumerator (PPL)",
            "kecamatan": "Kecamatan",
            "kelurahan_code": "Kelurahan code",
            "kelurahan": "Kelurahan",
            "rw": "RW",
            "rt": "RT",
            "name": "SLS name",
            "counted_households": "Households counted",
            "expected_households": "Households expected",
            "expected_source": "Expected from",
            "coverage_pct": "Coverage (%)",
            "gap_households": "Households missing",
            "status": "Status",
            "reason": "Reason",
            "interview_id": "Interview ID",
            "interviewed_at": "Time",
            "location_check": "Location check",
            "flags": "Flags",
            "evidence": "Evidence",
            "doubtful": "Doubtful",
            "lat": "Latitude",
            "lon": "Longitude",
            "urgency": "Urgency",
            "interviews": "Interviews",
            "counted": "Counted",
            "flagged": "Flagged",
            "share_flagged_pct": "Flagged (%)",
            "score": "Score",
            "main_flag": "Main flag",
        },
        "value": {
            "under": "under",
            "not_started": "not started",
            "counted": "counted",
            "duplicate": "duplicate",
            "no_coordinates": "no coordinates",
            "invalid_coordinates": "invalid coordinates",
            "outside_area": "outside area",
            "inside": "inside",
            "boundary_ambiguous": "on the boundary",
            "neighbour": "in a neighbour",
            "far_outside": "far outside",
            "unknown": "unknown",
            "invented_cluster": "invented cluster",
            "too_fast_travel": "too fast travel",
            "route_detour": "route detour",
            "duplicate_location": "duplicate location",
            "duplicate_household_id": "duplicate household ID",
            "near_duplicate_location": "near duplicate location",
            "outside_fieldwork_window": "outside fieldwork window",
            "night_time": "night time",
            "poor_gps": "poor GPS",
            "yes": "yes",
            "no_supervisor": "(unknown)",
        },
        "text": {
            "not_started": "no interview in this RT yet",
            "under": "only {pct}% of {expected} households",
            "doubtful_in_rt": "; {n} doubtful interviews",
            "invented_cluster": "cluster #{id}: {size} interviews at one spot",
            "too_fast_travel": "{speed} km/h from the previous interview",
            "route_detour": "far from the interviews before and after it",
            "duplicate_location": "same coordinates as another interview",
            "near_duplicate_location": "{nearest} m from another interview",
            "duplicate_household_id": "same household ID as another interview in this RT",
            "outside_fieldwork_window": "dated {date}",
            "night_time": "at {time}",
            "poor_gps": "accuracy {accuracy} m",
            "far_outside": "far outside the declared RT",
        },
    },
}

_RT_KEY = ["kelurahan_code", "rw", "rt"]
# An enumerator is worth a call for one serious flag, or for minor ones on this share of work.
_SERIOUS = 0.5
_CALL_SHARE = 0.5


def build_worklist(
    coverage: pd.DataFrame,
    interviews: pd.DataFrame,
    enumerator_scores: pd.DataFrame,
    lang: str = "id",
) -> dict[str, pd.DataFrame]:
    """Build the three worklist sheets.

    Parameters
    ----------
    coverage : pandas.DataFrame
        The columns of ``coverage.csv``: ``level``, ``code``, ``parent_code``, ``name``,
        ``kelurahan_code``, ``rw``, ``rt``, ``counted_households``, ``expected_households``,
        ``expected_source``, ``coverage_ratio``, ``gap_households``, ``status``.
    interviews : pandas.DataFrame or cakupan.detect.tally.Tally
        Interviews with their flags: ``interview_id``, ``interviewed_at``, ``enumerator_id``,
        ``supervisor_id``, ``kelurahan_code``, ``rw``, ``rt``, ``status``, ``flags``; used
        when present: ``location_check``, ``doubtful``, ``cluster_id``, ``cluster_size``,
        ``nearest_m``, ``speed_kmh``, ``gps_accuracy_m``, ``lat``, ``lon``. Or their tally.
    enumerator_scores : pandas.DataFrame
        The result of :func:`cakupan.detect.enumerators.enumerator_scores`.
    lang : {"id", "en"}
        Language of sheet names, headers and texts.

    Returns
    -------
    dict of str to pandas.DataFrame
        In this order (names in Bahasa Indonesia / English):

        - ``RT dikunjungi ulang`` / ``RTs to revisit``: RTs ``under`` or ``not_started``, with
          their gap and reason; the supervisor responsible is the one of most interviews
          declared in that RT, else in its kelurahan. Urgency: households missing.
        - ``Wawancara diperiksa`` / ``Interviews to verify``: interviews with a flag or
          ``far_outside``, with the evidence. Urgency: the flags' weights.
        - ``Petugas dihubungi`` / ``Enumerators to call``: enumerators with an interview
          flagged seriously (a flag weighing 0.5 or more in
          :data:`cakupan.detect.flags.FLAG_WEIGHTS`) or with half their interviews flagged.
          Urgency: their score.

    Examples
    --------
    >>> coverage = pd.DataFrame({"level": ["kelurahan", "rt"], "code": ["3671010001", "x"],
    ...     "parent_code": ["3671010", "y"], "name": ["Sukasari", "RT 001"],
    ...     "kelurahan_code": "3671010001", "rw": [pd.NA, "001"], "rt": [pd.NA, "001"],
    ...     "counted_households": [0, 0], "expected_households": [40.0, 40.0],
    ...     "expected_source": "prelist", "coverage_ratio": [0.0, 0.0],
    ...     "gap_households": [40.0, 40.0], "status": "not_started"})
    >>> interviews = pd.DataFrame({"interview_id": ["a"], "enumerator_id": ["p1"],
    ...     "supervisor_id": ["s1"], "kelurahan_code": ["3671010001"], "rw": ["002"],
    ...     "rt": ["001"], "status": ["counted"], "flags": [""],
    ...     "interviewed_at": pd.to_datetime(["2022-10-20 10:00"])})
    >>> scores = pd.DataFrame(columns=["enumerator_id", "supervisor_id", "flagged"])
    >>> sheets = build_worklist(coverage, interviews, scores, lang="en")
    >>> list(sheets)
    ['RTs to revisit', 'Interviews to verify', 'Enumerators to call']
    >>> sheets["RTs to revisit"][["Supervisor (PML)", "RT", "Reason"]].values.tolist()
    [['s1', '001', 'no interview in this RT yet']]
    """
    if lang not in LABELS:
        raise ValueError(f"lang must be one of {', '.join(LABELS)}, got {lang!r}")
    labels = LABELS[lang]
    tables = {
        "revisit": _revisit(coverage, interviews, labels),
        "verify": _verify(interviews, labels),
        "call": _call(enumerator_scores, labels),
    }
    return {
        labels["sheet"][key]: table.rename(columns=labels["column"])
        for key, table in tables.items()
    }


def _revisit(coverage, interviews, labels):
    """RTs under or not started, with reason and the supervisor responsible."""
    values, text = labels["value"], labels["text"]
    rts = coverage[(coverage["level"] == "rt") & coverage["status"].isin(["under", "not_started"])]
    rts = rts.copy()
    for column in _RT_KEY:
        rts[column] = rts[column].astype("string")
    names = coverage[coverage["level"] == "kelurahan"].drop_duplicates("code")
    names = names.assign(code=names["code"].astype("string")).set_index("code")
    kecamatan = coverage[coverage["level"] == "kecamatan"].drop_duplicates("code")
    kecamatan_names = kecamatan.assign(code=kecamatan["code"].astype("string")).set_index("code")
    parent = names["parent_code"].astype("string").reindex(rts["kelurahan_code"]).to_numpy()
    rts["kecamatan"] = pd.array(kecamatan_names["name"].reindex(parent), dtype="string")
    rts["kelurahan"] = pd.array(names["name"].reindex(rts["kelurahan_code"]), dtype="string")
    rts["supervisor_id"] = _responsible(rts, interviews).fillna(values["no_supervisor"])

    expected = rts["expected_households"].astype("float64")
    pct = (rts["coverage_ratio"].astype("float64") * 100).round(0)
    reason = _fill(text["under"], {"pct": _number(pct), "expected": _number(expected)}, rts.index)
    reason = reason.where(rts["status"] == "under", text["not_started"])
    doubtful = _doubtful_per_rt(interviews).reindex(pd.MultiIndex.from_frame(rts[_RT_KEY]))
    doubtful = pd.Series(doubtful.to_numpy(dtype="float64", na_value=np.nan), index=rts.index)
    extra = _fill(text["doubtful_in_rt"], {"n": _number(doubtful)}, rts.index)
    reason = reason.where(~(doubtful > 0), reason + extra)
    out = pd.DataFrame(
        {
            "supervisor_id": rts["supervisor_id"],
            "kecamatan": rts["kecamatan"],
            "kelurahan_code": rts["kelurahan_code"],
            "kelurahan": rts["kelurahan"],
            "rw": rts["rw"],
            "rt": rts["rt"],
            "name": rts["name"],
            "counted_households": rts["counted_households"],
            "expected_households": expected,
            "expected_source": rts["expected_source"],
            "coverage_pct": pct,
            "gap_households": rts["gap_households"].astype("float64"),
            "status": rts["status"].map(values).astype("string"),
            "reason": reason.astype("string"),
        }
    )
    return _grouped(
        out,
        "gap_households",
        ["gap_households", "kelurahan_code", "rw", "rt"],
        [False, True, True, True],
    )


def _responsible(rts, interviews):
    """Return the supervisor of most interviews declared in each RT, else in its kelurahan."""
    rows = piece(interviews, "by_rt")
    rows = rows[rows["supervisor_id"].notna()]
    by_rt = _top(rows, _RT_KEY).reindex(pd.MultiIndex.from_frame(rts[_RT_KEY]))
    by_kelurahan = _top(rows, ["kelurahan_code"]).reindex(rts["kelurahan_code"])
    chosen = pd.Series(by_rt.to_numpy(), index=rts.index, dtype="string")
    return chosen.fillna(pd.Series(by_kelurahan.to_numpy(), index=rts.index, dtype="string"))


def _top(rows, keys):
    """Most frequent supervisor per key (ties: the smallest ID); rows missing a key left out."""
    counts = rows.dropna(subset=keys).groupby([*keys, "supervisor_id"], sort=True)["rows"].sum()
    counts = counts.rename("n").reset_index().sort_values(
        [*keys, "n", "supervisor_id"], ascending=[True] * len(keys) + [False, True]
    )
    return counts.drop_duplicates(keys).set_index(keys)["supervisor_id"]


def _doubtful_per_rt(interviews):
    rows = piece(interviews, "by_rt").dropna(subset=_RT_KEY)
    return rows.groupby(_RT_KEY, sort=True)["doubtful"].sum()


def _verify(interviews, labels):
    """Interviews with a flag or far outside their RT, with evidence text."""
    values, text = labels["value"], labels["text"]
    interviews = piece(interviews, "flagged")
    flags = interviews["flags"].astype("string").fillna("")
    location = (
        interviews["location_check"].astype("string")
        if "location_check" in interviews
        else pd.Series(pd.NA, index=interviews.index, dtype="string")
    )
    far = (location == "far_outside").fillna(False)
    rows = interviews[(flags != "") | far]
    flags, far, location = flags[rows.index], far[rows.index], location[rows.index]

    def column(name, dtype="float64"):
        if name in rows:
            return rows[name].astype(dtype)
        return pd.Series(None, index=rows.index, dtype=dtype)

    has = {name: flags.str.contains(rf"(?:^|;){name}(?:;|$)", regex=True) for name in FLAGS}
    has["far_outside"] = far
    when = pd.to_datetime(column("interviewed_at", "datetime64[ns]"))
    fill = {
        "id": _number(column("cluster_id", "Int64")),
        "size": _number(column("cluster_size", "Int64")),
        "speed": _number(column("speed_kmh").round(0)),
        "nearest": _number(column("nearest_m").round(1), decimals=1),
        "date": when.dt.strftime("%Y-%m-%d").astype("string").fillna("?"),
        "time": when.dt.strftime("%H:%M").astype("string").fillna("?"),
        "accuracy": _number(column("gps_accuracy_m").round(0)),
    }
    evidence = pd.Series("", index=rows.index, dtype="string")
    names = pd.Series("", index=rows.index, dtype="string")
    urgency = pd.Series(0.0, index=rows.index)
    for name in [*FLAGS, "far_outside"]:
        said = _fill(text[name], fill, rows.index)
        evidence = evidence.mask(has[name], evidence + "; " + said)
        names = names.mask(has[name], names + "; " + values.get(name, name))
        urgency = urgency + has[name].astype("float64") * FLAG_WEIGHTS[name]
    doubtful = column("doubtful", "boolean").fillna(False)
    out = pd.DataFrame(
        {
            "supervisor_id": column("supervisor_id", "string").fillna(values["no_supervisor"]),
            "enumerator_id": column("enumerator_id", "string"),
            "interview_id": column("interview_id", "string"),
            "interviewed_at": when,
            "kelurahan_code": column("kelurahan_code", "string"),
            "rw": column("rw", "string"),
            "rt": column("rt", "string"),
            "status": _localise(column("status", "string"), values),
            "location_check": _localise(location, values),
            "flags": names.str.slice(2),
            "evidence": evidence.str.slice(2),
            "doubtful": doubtful.map({True: values["yes"], False: ""}).astype("string"),
            "lat": column("lat").round(6),
            "lon": column("lon").round(6),
            "urgency": urgency.round(2),
        }
    )
    return _grouped(
        out,
        "urgency",
        ["urgency", "enumerator_id", "interviewed_at", "interview_id"],
        [False, True, True, True],
    )


def _call(scores, labels):
    """List enumerators with a serious flag, or with half their interviews flagged."""
    values = labels["value"]
    counts = [name for name in [*FLAGS, "far_outside"] if name in scores]
    serious = [name for name in counts if FLAG_WEIGHTS[name] >= _SERIOUS]
    call = scores[serious].sum(axis=1) > 0 if serious else pd.Series(False, index=scores.index)
    if "share_flagged" in scores:
        call |= scores["share_flagged"] >= _CALL_SHARE
    rows = scores[call & (scores["flagged"] > 0)] if len(scores) else scores
    weighted = pd.DataFrame(
        {name: rows[name] * FLAG_WEIGHTS[name] for name in counts}, index=rows.index
    )
    main = (
        weighted.idxmax(axis=1).map(values).astype("string")
        if len(rows) and counts
        else pd.Series(pd.NA, index=rows.index, dtype="string")
    )

    def column(name, dtype):
        if name in rows:
            return rows[name].astype(dtype)
        return pd.Series(None, index=rows.index, dtype=dtype)

    out = pd.DataFrame(
        {
            "supervisor_id": column("supervisor_id", "string").fillna(values["no_supervisor"]),
            "enumerator_id": column("enumerator_id", "string"),
            "interviews": column("interviews", "Int64"),
            "counted": column("counted", "Int64"),
            "flagged": column("flagged", "Int64"),
            "share_flagged_pct": (column("share_flagged", "float64") * 100).round(1),
            "doubtful": column("doubtful", "Int64"),
            "score": column("score", "float64"),
            "main_flag": main,
        },
        index=rows.index,
    )
    for name in counts:
        out[values.get(name, name)] = rows[name].astype("Int64")
    return _grouped(out, "score", ["score", "flagged", "enumerator_id"], [False, False, True])


def _grouped(frame, urgency, by, ascending):
    """Order rows by supervisor, the most urgent supervisor first, then by urgency within."""
    total = frame.groupby("supervisor_id", dropna=False)[urgency].transform("sum")
    ordered = frame.assign(_total=total.to_numpy()).sort_values(
        ["_total", "supervisor_id", *by],
        ascending=[False, True, *ascending],
        na_position="last",
        kind="stable",
    )
    return ordered.drop(columns="_total").reset_index(drop=True)


def _number(values: pd.Series, decimals: int = 0) -> pd.Series:
    """Format non-negative numbers for text with ``decimals`` places; missing as ``?``."""
    number = pd.to_numeric(pd.Series(values), errors="coerce").astype("float64")
    scale = 10**decimals
    scaled = (number * scale).round().astype("Int64")
    text = (scaled // scale).astype("string")
    if decimals:
        text = text + "." + (scaled % scale).astype("string").str.zfill(decimals)
    return text.fillna("?")


def _fill(template: str, fill: dict, index) -> pd.Series:
    """Fill ``{name}`` fields of a template from Series of texts, vectorised."""
    out = pd.Series("", index=index, dtype="string")
    rest = template
    while "{" in rest:
        head, _, tail = rest.partition("{")
        name, _, rest = tail.partition("}")
        out = out + head + fill[name]
    return out + rest


def _localise(values: pd.Series, table: dict) -> pd.Series:
    """Translate the values found in ``table``; keep the others as they are."""
    values = values.astype("string")
    return values.map(table).astype("string").fillna(values)
