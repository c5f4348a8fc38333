"""The supervisor worklist: what to do tomorrow, one table per kind of task.

Takes the coverage table (the columns of ``coverage.csv``), the interviews with their flags
(:func:`cakupan.detect.flags.flag_interviews` joined to the interviews frame, or their tally)
and the enumerator scores (:func:`cakupan.detect.enumerators.enumerator_scores`), and returns three
sheets as DataFrames, worded in Bahasa Indonesia or English (:mod:`cakupan.labels`): RTs to
revisit, interviews to verify and enumerators to call, each grouped by supervisor (the most
urgent group first) and sorted by urgency within it; :func:`worklist_sheets` does it for a
run's result, with supervisors' decisions applied (verified rows left out, revisited RTs
marked), the changes since a previous run and a legend, and :func:`worklist_book` lays the
sheets out for filling in and printing. Computation only:
:func:`cakupan.render._xlsx.write_xlsx` writes the sheets. No names or other personal data
reach the sheets: interviews are named by their ID and their household's ID.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from cakupan import formats
from cakupan.config import Config, Coverage
from cakupan.detect.decisions import in_effect
from cakupan.detect.enumerators import score_enumerators
from cakupan.detect.flags import FLAG_WEIGHTS, FLAGS
from cakupan.detect.tally import piece
from cakupan.labels import labels as words
from cakupan.render._places import places
from cakupan.render._points import evidence as flag_evidence
from cakupan.render.legend import changes_sheet, legend_sheet
from cakupan.render.plan import pace_sheet, plan_sheet
from cakupan.render.report import to_revisit

_RT_KEY = ["kelurahan_code", "rw", "rt"]
# An enumerator is worth a call for one serious flag, or for minor ones on this share of work.
_SERIOUS = 0.5
_CALL_SHARE = 0.5


def build_worklist(
    coverage: pd.DataFrame,
    interviews: pd.DataFrame,
    enumerator_scores: pd.DataFrame,
    lang: str = "id",
    owners: pd.DataFrame | None = None,
    during: bool = False,
    decided: pd.DataFrame | None = None,
    min_missing: float = Coverage().worklist_min_missing,
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
    owners : pandas.DataFrame, optional
        Per RT (``kelurahan_code``, ``rw``, ``rt``): ``enumerator_id``, ``supervisor_id``,
        ``last_day`` and ``planned_so_far`` (:attr:`cakupan.measure.schedule.Schedule.plan`):
        the RT sheet then names the RT's owners, and says why an RT is behind or stalled.
    during : bool
        Whether fieldwork is under way (:attr:`cakupan.measure.schedule.Schedule.during`):
        an RT ``under`` is then on pace, being worked on, and is not listed to revisit.
    decided : pandas.DataFrame, optional
        Decisions and outcomes (:func:`cakupan.detect.decisions.settle`): rows ``verified``
        or ``rejected`` left out, RTs ``revisited`` marked, last of their supervisor's.
    min_missing : float
        A ``complete`` RT still missing more households than this is listed too
        (``[coverage] worklist_min_missing``).

    Returns
    -------
    dict of str to pandas.DataFrame
        The sheets below, in this order.

    Rules
    -----
    Sheets (names in Bahasa Indonesia / English):

        - ``RT dikunjungi ulang`` / ``RTs to revisit``: RTs ``under``, ``not_started``,
          ``doubtful``, ``behind`` or ``stalled``, and ``complete`` ones missing more than
          ``min_missing`` households, with their gap and reason; the enumerator and supervisor
          are the RT's owners (``owners``), else the supervisor is the one of most interviews
          declared in that RT, else in its kelurahan. Urgency: households missing. A
          ``Keputusan`` / ``Decision`` and a ``Catatan`` / ``Comment`` column, empty, to fill in.
        - ``Wawancara diperiksa`` / ``Interviews to verify``: interviews whose ``severity``
          is ``serious`` or ``verify`` (a ``note``, such as a poor GPS fix, is no task), or
          ``far_outside``, with the evidence of all their flags. Urgency: the flags' weights.
          Decision and comment columns as above.
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
    labels = words(lang)
    tables = {
        "revisit": _revisit(coverage, interviews, lang, owners, during, decided, min_missing),
        "verify": _verify(interviews, lang, coverage, decided),
        "call": _call(enumerator_scores, labels),
    }
    return {
        labels["sheet"][key]: table.rename(columns=labels["column"])
        for key, table in tables.items()
    }


def worklist_sheets(result, audience: str = "supervisor", lang: str = "id",
                    config: Config = Config()) -> dict:
    """Return the worklist of a run (:class:`cakupan._flow.Result`), as ``worklist.xlsx`` holds it.

    The sheets of :func:`build_worklist`, what changed since the run given with
    ``--previous`` (:func:`cakupan.render.legend.changes_sheet`) and, last, the legend of
    every column (:func:`cakupan.render.legend.legend_sheet`). Planners get the RTs to
    revisit only, without officers or decision columns, and the legend.
    """
    counts = result.tally
    schedule = getattr(result, "schedule", None)
    sheets = build_worklist(result.coverage, counts,
                            score_enumerators(counts.enumerators, counts.officers), lang=lang,
                            owners=None if schedule is None else schedule.plan,
                            during=schedule is not None and schedule.during,
                            decided=result.decisions,
                            min_missing=config.coverage.worklist_min_missing)
    if schedule is not None and audience != "planner":
        sheets[words(lang)["sheet"]["plan"]] = plan_sheet(
            schedule, result.coverage, result.blind_spots, piece(counts, "flagged"), lang)
        sheets[words(lang)["sheet"]["pace"]] = pace_sheet(schedule, lang)
    column = words(lang)["column"]
    if audience == "planner":
        name = words(lang)["sheet"]["revisit"]
        private = [column[c] for c in ("supervisor_id", "enumerator_id", "decision", "comment")]
        sheets = {name: sheets[name].drop(columns=private, errors="ignore")}
    elif result.changes is not None:
        sheets[words(lang)["sheet"]["changes"]] = changes_sheet(
            result.changes, _responsible_of(result.coverage, counts), lang)
    sheets[words(lang)["sheet"]["legend"]] = legend_sheet(sheets, lang)
    return sheets


def _responsible_of(coverage, interviews) -> pd.Series:
    """Return the supervisor responsible for each RT (index: its codes joined by ``/``)."""
    rts = coverage[coverage["level"].eq("rt")][_RT_KEY].astype("string")
    who = _responsible(rts, interviews)
    return pd.Series(who.to_numpy(), index=rt_keys(rts).to_numpy())


def _revisit(coverage, interviews, lang, owners=None, during=False, decided=None,
             min_missing=np.inf):
    """RTs to revisit, with reason and the officers responsible (see :func:`build_worklist`).

    During fieldwork an RT ``under`` is on pace (:mod:`cakupan.measure.schedule`): not listed.
    """
    values, text = words(lang)["value"], words(lang)["text"]
    number = partial(formats.texts, how=formats.number, lang=lang)
    rts = coverage[to_revisit(coverage, during, min_missing)].copy()
    for column in _RT_KEY:
        rts[column] = rts[column].astype("string")
    rts["kecamatan"], rts["kelurahan"] = places(coverage, rts["kelurahan_code"])
    rts["supervisor_id"] = _responsible(rts, interviews)
    rts["enumerator_id"] = _interviewer(rts, interviews)
    if owners is not None:
        rts = _owned(rts, owners, lang)
    for officer in ("supervisor_id", "enumerator_id"):
        rts[officer] = rts[officer].fillna(values["no_supervisor"])

    # households are shown whole (a raster's or buildings' estimate is fractional);
    # coverage.csv keeps the exact figures
    expected = rts["expected_households"].astype("float64").round(0)
    pct = (rts["coverage_ratio"].astype("float64") * 100).round(0)
    reason = formats.fill(text["under"], {"pct": number(pct), "expected": number(expected)},
                          rts.index)
    effective = rts["counted_households"] - rts.get("doubtful_households", 0)
    reason = reason.where(effective > 0, text["not_started"])
    reason = reason.mask(rts["status"] == "doubtful", text["doubtful"])
    gap = rts["gap_households"].astype("float64").round(0)
    complete = formats.fill(text["complete_missing"], {"pct": number(pct), "gap": number(gap)},
                            rts.index)
    reason = reason.where(rts["status"] != "complete", complete)
    doubtful = _doubtful_per_rt(interviews).reindex(pd.MultiIndex.from_frame(rts[_RT_KEY]))
    doubtful = pd.Series(doubtful.to_numpy(dtype="float64", na_value=np.nan), index=rts.index)
    extra = formats.fill(text["doubtful_in_rt"], {"n": number(doubtful)}, rts.index)
    reason = reason.where(~(doubtful > 0), reason + extra)
    if "schedule_reason" in rts:
        reason = reason + rts["schedule_reason"].fillna("")
    keys = rt_keys(rts)
    verified, revisited = (_decided_rts(decided, kind) for kind in ("verified", "revisited"))
    revisit = keys.isin(revisited)
    status = rts["status"].map(values).fillna(rts["status"]).astype("string")
    status = status.mask(revisit, values["revisited"])
    reason = reason.mask(revisit, reason + text["revisited"])
    out = pd.DataFrame(
        {
            "supervisor_id": rts["supervisor_id"],
            "enumerator_id": rts["enumerator_id"],
            "kecamatan": rts["kecamatan"],
            "kelurahan_code": rts["kelurahan_code"],
            "kelurahan": rts["kelurahan"],
            "rw": rts["rw"],
            "rt": rts["rt"],
            "name": rts["name"],
            "counted_households": rts["counted_households"],
            "doubtful_households": _column(rts, "doubtful_households", "Int64").fillna(0),
            "expected_households": expected,
            "expected_source": formats.texts(rts["expected_source"], formats.word, lang),
            "coverage_pct": pct,
            "gap_households": gap,
            "status": status,
            "reason": reason.astype("string"),
            "decision": pd.Series(pd.NA, index=rts.index, dtype="string"),
            "comment": pd.Series(pd.NA, index=rts.index, dtype="string"),
            "_revisited": revisit,
        }
    )[~keys.isin(verified).to_numpy()]
    out = _grouped(out, "gap_households",
                   ["_revisited", "gap_households", "kelurahan_code", "rw", "rt"],
                   [True, False, True, True, True])
    return out.drop(columns="_revisited")


def _decided_rts(decided, decision) -> pd.Index:
    """Return the RTs (codes joined by ``/``) whose ``decision`` is in effect."""
    rows = in_effect(decided, "rt", decision)
    return pd.Index(rt_keys(rows).unique())


def _owned(rts, owners, lang):
    """RTs with their owners from the schedule's plan, and why behind or stalled."""
    text = words(lang)["text"]
    plan = owners.drop_duplicates(_RT_KEY).set_index(_RT_KEY).reindex(
        pd.MultiIndex.from_frame(rts[_RT_KEY]))
    rts["enumerator_id"] = pd.array(plan["enumerator_id"], dtype="string")
    rts["supervisor_id"] = pd.array(plan["supervisor_id"], dtype="string").fillna(
        rts["supervisor_id"].to_numpy())
    since = formats.texts(pd.Series(pd.to_datetime(plan["last_day"]).to_numpy(),
                                    index=rts.index), formats.date, lang)
    planned = formats.texts(pd.Series(plan["planned_so_far"].to_numpy(), index=rts.index)
                            .round(0), formats.number, lang)
    rts["schedule_reason"] = formats.fill(text["behind"], {"planned": planned}, rts.index).where(
        rts["status"].eq("behind"), formats.fill(text["stalled"], {"date": since}, rts.index).where(
            rts["status"].eq("stalled"), ""))
    return rts


def _interviewer(rts, interviews):
    """Return the enumerator of most counted interviews in each RT (missing: none there)."""
    rows = piece(interviews, "work")
    rows = rows[rows["enumerator_id"].notna()].rename(columns={"enumerator_id": "who"})
    counts = rows.dropna(subset=_RT_KEY).groupby([*_RT_KEY, "who"], sort=True)["rows"].sum()
    counts = counts.rename("n").reset_index().sort_values(
        [*_RT_KEY, "n", "who"], ascending=[True, True, True, False, True])
    top = counts.drop_duplicates(_RT_KEY).set_index(_RT_KEY)["who"]
    chosen = top.reindex(pd.MultiIndex.from_frame(rts[_RT_KEY]))
    return pd.Series(chosen.to_numpy(), index=rts.index, dtype="string")


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


def _verify(interviews, lang, coverage=None, decided=None):
    """Interviews with a flag or far outside their RT, with evidence text."""
    values = words(lang)["value"]
    interviews = piece(interviews, "flagged")
    done = pd.concat([in_effect(decided, "interview", kind)["interview_id"]
                      for kind in ("verified", "rejected")])
    if len(done):
        ids = interviews["interview_id"].astype("string")
        interviews = interviews[~ids.isin(done.astype("string")).to_numpy()]
    flags = interviews["flags"].astype("string").fillna("")
    location = (
        interviews["location_check"].astype("string")
        if "location_check" in interviews
        else pd.Series(pd.NA, index=interviews.index, dtype="string")
    )
    far = (location == "far_outside").fillna(False)
    # the checks decide what is a task (cakupan.detect.flags.severity): notes are no rows
    task = (interviews["severity"].isin(["serious", "verify"]).fillna(False)
            if "severity" in interviews else flags != "")
    rows = interviews[task | far]
    flags, far, location = flags[rows.index], far[rows.index], location[rows.index]
    column = partial(_column, rows)
    when = pd.to_datetime(column("interviewed_at", "datetime64[ns]"))
    names, evidence = flag_evidence(rows, flags.astype(object), lang)
    urgency = far.astype("float64") * FLAG_WEIGHTS["far_outside"]
    for name in FLAGS:
        has = flags.str.contains(rf"(?:^|;){name}(?:;|$)", regex=True)
        urgency = urgency + has.astype("float64") * FLAG_WEIGHTS[name]
    doubtful = column("doubtful", "boolean").fillna(False)
    # what a printed page needs first, up to the comment; the rest to sort and filter on screen
    out = pd.DataFrame(
        {
            "supervisor_id": column("supervisor_id", "string").fillna(values["no_supervisor"]),
            "enumerator_id": column("enumerator_id", "string"),
            "interview_id": column("interview_id", "string"),
            "household_id": column("household_id", "string"),
            "interviewed_at": when,
            "kelurahan": _kelurahan_names(coverage, column("kelurahan_code", "string")),
            "rw": column("rw", "string"),
            "rt": column("rt", "string"),
            "flags": names.astype("string"),
            "evidence": evidence.astype("string"),
            "urgency": urgency.round(2),
            "decision": pd.Series(pd.NA, index=rows.index, dtype="string"),
            "comment": pd.Series(pd.NA, index=rows.index, dtype="string"),
            "kelurahan_code": column("kelurahan_code", "string"),
            "status": _localise(column("status", "string"), values),
            "location_check": _localise(location, values),
            "doubtful": doubtful.map({True: values["yes"], False: ""}).astype("string"),
            "lat": column("lat").round(6),
            "lon": column("lon").round(6),
        }
    )
    return _grouped(out, "urgency",
                    ["urgency", "enumerator_id", "interviewed_at", "interview_id"],
                    [False, True, True, True])


def _kelurahan_names(coverage, codes: pd.Series) -> pd.Series:
    """Return the name of each kelurahan code (missing where the coverage table has none)."""
    if coverage is None:
        return pd.Series(pd.NA, index=codes.index, dtype="string")
    return places(coverage, codes)[1]


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
    column = partial(_column, rows)
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


def rt_keys(rows: pd.DataFrame) -> pd.Series:
    """Return each row's RT as one text, ``kelurahan_code/rw/rt``."""
    codes = rows[_RT_KEY].astype("string")
    return codes["kelurahan_code"] + "/" + codes["rw"] + "/" + codes["rt"]


def _column(rows: pd.DataFrame, name: str, dtype="float64") -> pd.Series:
    """Return ``rows[name]`` as ``dtype``; all missing when ``rows`` has no such column."""
    if name in rows:
        return rows[name].astype(dtype)
    return pd.Series(None, index=rows.index, dtype=dtype)


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


def _localise(values: pd.Series, table: dict) -> pd.Series:
    """Translate the values found in ``table``; keep the others as they are."""
    values = values.astype("string")
    return values.map(table).astype("string").fillna(values)
