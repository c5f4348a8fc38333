"""Report: the HTML summary of a run, for a supervisor's evening or a planners' meeting.

Takes the coverage table, row accounting and (optionally) the interviews, blind spots and
polygons, and returns the page as text; writing it is :mod:`cakupan.render.write`'s job.
Rendered through Jinja2 with autoescaping, so every text from the data reaches the page
escaped; every number and date through :mod:`cakupan.formats`, every code in words.

Two audiences:

- ``supervisor``: headline figures with their definitions, row accounting, progress and
  ratio charts, every RT under or not started (grouped by kecamatan and kelurahan), the blind
  spots, a section per supervisor (:mod:`cakupan.render._people`) and the tables per level.
- ``planner``, made for a meeting and printable on A4: headline figures, an overview map
  drawn into the page (inline SVG, no tiles), the kecamatan and kelurahan tables and charts
  and the blind spots. Nothing about enumerators or interviews: no accounting of interview
  rows, no progress per day, no supervisor.

Charts and the map are inline SVG and the sorting script is inline: the page needs no
network. The page holds no interview, household, coordinate or enumerator.
"""

from __future__ import annotations

import jinja2
import numpy as np
import pandas as pd

from cakupan import formats
from cakupan._public import __version__
from cakupan.config import Config, Coverage
from cakupan.detect.decisions import OUTCOMES
from cakupan.labels import STATUS_COLOURS, labels
from cakupan.measure.progress import daily_series
from cakupan.measure.schedule import planned_series
from cakupan.render import _people, _svg
from cakupan.render._places import kecamatan_of, names_of
from cakupan.render.maps import NEUTRAL, data_date, statuses_of, title_of

COLUMNS = ("code", "name", "counted_households", "doubtful_households", "expected_households",
           "coverage_ratio", "gap_households", "status")
HOUSEHOLDS = ("counted_households", "doubtful_households", "expected_households",
              "gap_households")
#: Upper edges of the coverage-ratio classes of the histogram (the last class is open).
RATIO_EDGES = tuple(round(x, 1) for x in np.arange(0.1, 1.6, 0.1))
CHART = {"width": 640, "height": 220, "left": 48, "bottom": 28, "top": 10, "right": 10}
#: Statuses of the RTs a supervisor must send someone back to: those short of their count,
#: and during fieldwork those behind the plan or stalled (not those not yet due, nor those
#: under but on pace: the caller leaves ``under`` out then).
REVISIT = ("under", "not_started", "doubtful", "behind", "stalled")


def to_revisit(coverage: pd.DataFrame, during: bool = False,
               min_missing: float = np.inf) -> pd.Series:
    """Return which rows of ``coverage`` are RTs a supervisor must send someone back to.

    RTs of a :data:`REVISIT` status (``under`` only after fieldwork: during it an RT under is
    on pace) and ``complete`` ones still missing more than ``min_missing`` households. The
    worklist and the report list the same RTs.
    """
    listed = [s for s in REVISIT if not (during and s == "under")]
    missing = coverage["status"].eq("complete") & (
        coverage["gap_households"].astype("float64") > min_missing)
    return coverage["level"].eq("rt") & (coverage["status"].isin(listed) | missing)

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("cakupan", "templates"),
    autoescape=True,
    keep_trailing_newline=True,
)


def table_rows(frame: pd.DataFrame, lang: str = "id", columns=COLUMNS) -> list[dict]:
    """Rows of a table: shown text plus a ``sort`` value per column for the sorting script.

    Households are whole numbers, ratios percentages, statuses words (with the code kept
    for the colour); other columns as they are.
    """
    shown, sort = {}, {}
    for column in columns:
        values = frame[column]
        numeric = column in HOUSEHOLDS or column == "coverage_ratio" or (
            pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values))
        if column == "coverage_ratio":
            shown[column] = formats.texts(values.astype("float64"), formats.percent, lang)
        elif numeric:
            shown[column] = formats.texts(values.astype("float64"), formats.households, lang)
        elif column == "status":
            shown[column] = formats.texts(values.astype(object), formats.status_word, lang)
        else:
            shown[column] = values.astype(object).where(values.notna(), "").astype(str)
        if numeric:
            number = values.astype("float64")
            sort[column] = number.round(6).astype(str).where(number.notna(), "")
        else:
            sort[column] = values.astype(object).where(values.notna(), "").astype(str)
    return [{column: {"text": shown[column].iloc[i], "sort": sort[column].iloc[i]}
             for column in columns} for i in range(len(frame))]


def ratio_histogram(coverage: pd.DataFrame, under: float = 0.9, over: float = 1.1,
                    lang: str = "id") -> dict:
    """Return the bars of the histogram of RT coverage ratios, in chart pixels.

    Examples
    --------
    >>> table = pd.DataFrame({"level": ["rt"] * 3, "coverage_ratio": [0.5, 1.0, 2.0]})
    >>> [bar["count"] for bar in ratio_histogram(table)["bars"] if bar["count"]]
    [1, 1, 1]
    """
    ratios = coverage.loc[coverage["level"].eq("rt"), "coverage_ratio"].dropna().to_numpy()
    edges = np.array(RATIO_EDGES)
    counts = np.bincount(np.searchsorted(edges, ratios, side="right"),
                         minlength=len(edges) + 1)
    c = CHART
    plot_w = c["width"] - c["left"] - c["right"]
    plot_h = c["height"] - c["top"] - c["bottom"]
    top = max(int(counts.max(initial=0)), 1)
    width = plot_w / len(counts)
    bars = []
    for i, count in enumerate(counts.tolist()):
        low = 0.0 if i == 0 else edges[i - 1]
        mid = low + 0.05
        status = "under" if mid < under else "over" if mid > over else "complete"
        h = plot_h * count / top
        label = formats.percent(low, lang, 0)
        bars.append({"x": round(c["left"] + i * width, 1), "y": round(c["top"] + plot_h - h, 1),
                     "w": round(width - 2, 1), "h": round(h, 1), "count": count,
                     "count_text": formats.number(count, lang),
                     "label": ("≥" + label) if i == len(edges) else label,
                     "colour": STATUS_COLOURS[status]})
    return {"bars": bars, "max": formats.number(top, lang), "chart": c, "n": int(len(ratios)),
            "n_text": formats.number(len(ratios), lang)}


def progress_chart(series: pd.DataFrame, expected: float | None, lang: str = "id",
                   planned: pd.Series | None = None) -> dict | None:
    """Return the cumulative line, daily bars and expected line of the progress chart.

    ``planned``: households planned by each day (:func:`cakupan.measure.schedule.planned_series`,
    over the fieldwork window): drawn as a dashed line, the chart then spanning its days too.
    """
    if series.empty:
        return None
    if planned is not None and len(planned):
        days = pd.date_range(min(series["date"].min(), planned.index.min()),
                             max(series["date"].max(), planned.index.max()))
        series = series.set_index("date").reindex(days).rename_axis("date").reset_index()
        series["counted"] = series["counted"].fillna(0).astype("int64")
        planned = planned.reindex(days)
    c = CHART
    plot_w = c["width"] - c["left"] - c["right"]
    plot_h = c["height"] - c["top"] - c["bottom"]
    top = max(float(series["cumulative"].max()), float(expected or 0), 1.0)
    step = plot_w / len(series)

    def y(value):
        return round(c["top"] + plot_h * (1 - value / top), 1)

    points = " ".join(f"{round(c['left'] + (i + 0.5) * step, 1)},{y(v)}"
                      for i, v in enumerate(series["cumulative"].tolist()) if pd.notna(v))
    plan_points = "" if planned is None else " ".join(
        f"{round(c['left'] + (i + 0.5) * step, 1)},{y(v)}"
        for i, v in enumerate(planned.tolist()) if pd.notna(v))
    days = formats.texts(series["date"], formats.date, lang)
    bars = [{"x": round(c["left"] + i * step + 1, 1), "y": y(v), "w": round(max(step - 2, 1), 1),
             "h": round(plot_h * v / top, 1), "count": formats.number(v, lang), "date": day}
            for i, (day, v) in enumerate(zip(days, series["counted"].tolist(), strict=True))]
    return {"points": points, "bars": bars, "chart": c, "top": formats.number(top, lang),
            "expected_y": None if not expected else y(expected),
            "expected": None if not expected else formats.households(expected, lang),
            "first": bars[0]["date"], "last": bars[-1]["date"],
            "final": formats.number(int(series["cumulative"].dropna().iloc[-1]), lang),
            "planned": plan_points}


def headline(coverage: pd.DataFrame, lang: str = "id") -> list[dict]:
    """Return the four headline figures, each with its definition under it."""
    words = labels(lang)["page"]
    top = coverage[coverage["level"].eq("kecamatan")]
    expected = top["expected_households"].sum(min_count=1)
    counted = int(top["counted_households"].sum())
    effective = counted - int(top["doubtful_households"].sum())
    ratio = None if pd.isna(expected) or expected == 0 else effective / expected
    difference = None if pd.isna(expected) else expected - counted
    return [
        {"id": "counted", "value": formats.households(counted, lang),
         "label": words["counted_households"], "definition": words["def_counted"]},
        {"id": "expected", "value": formats.households(expected, lang),
         "label": words["expected_households"], "definition": words["def_expected"]},
        {"id": "ratio", "value": formats.percent(ratio, lang), "label": words["coverage_ratio"],
         "definition": words["def_ratio"]},
        {"id": "gap", "value": formats.households(top["gap_households"].sum(), lang),
         "label": words["gap_households"], "definition": words["def_gap"].format(
             difference=formats.households(difference, lang))},
    ]


def accounting_rows(accounting: dict, lang: str = "id", planner: bool = False) -> list[dict]:
    """Return the row accounting per input in words (planners: no interview rows)."""
    words = labels(lang)["page"]
    out = []
    for name, row in sorted(accounting.items()):
        if planner and name == "interviews":
            continue
        reasons = [f"{formats.word(reason, lang)}: {formats.number(n, lang)}"
                   for reason, n in row.get("set_aside_by_reason", {}).items()]
        topology = row.get("overlaps_and_gaps")
        if topology:
            reasons.append(words["topology"].format(
                formats.number(topology["overlap_pairs"], lang),
                formats.number(topology["overlap_ha"], lang, 2),
                formats.number(topology["gaps"], lang),
                formats.number(topology["gap_ha"], lang, 2)))
        out.append({"input": words.get("input_" + name, formats.word(name, lang)),
                    "read": formats.number(row["rows_read"], lang),
                    "counted": formats.number(row["rows_counted"], lang),
                    "aside": formats.number(row["rows_set_aside"], lang),
                    "reasons": "; ".join(reasons)})
    return out


def revisit_groups(coverage: pd.DataFrame, lang: str = "id", during: bool = False,
                   min_missing: float = np.inf) -> dict:
    """Return every RT to revisit (:func:`to_revisit`), grouped by kecamatan and kelurahan.

    Groups and RTs within them: the largest shortfall first. Each group carries its names,
    count and shortfall.
    """
    rts = coverage[to_revisit(coverage, during, min_missing)].copy()
    rts["kel"] = rts["kelurahan_code"].astype(str)
    rts["kec"] = kecamatan_of(coverage).reindex(rts["kel"]).to_numpy()
    rts["gap"] = rts["gap_households"].astype("float64").fillna(0)
    rts["kel_gap"] = rts.groupby("kel")["gap"].transform("sum")
    rts["kec_gap"] = rts.groupby("kec", dropna=False)["gap"].transform("sum")
    rts = rts.sort_values(["kec_gap", "kec", "kel_gap", "kel", "gap", "code"],
                          ascending=[False, True, False, True, False, True], kind="stable")
    kec_names, kel_names = names_of(coverage, "kecamatan"), names_of(coverage, "kelurahan")
    columns = ("rw", "rt", "name", "counted_households", "expected_households",
               "coverage_ratio", "gap_households", "status")
    shown = table_rows(rts, lang, columns)
    groups: list[dict] = []
    for row, kec, kel, gap in zip(shown, rts["kec"], rts["kel"], rts["gap"], strict=True):
        if not groups or groups[-1]["code"] != kec:
            groups.append({"code": kec, "name": kec_names.get(kec, kec), "kelurahan": [],
                           "n": 0, "gap": 0.0})
        group = groups[-1]
        if not group["kelurahan"] or group["kelurahan"][-1]["code"] != kel:
            group["kelurahan"].append({"code": kel, "name": kel_names.get(kel, kel), "rows": [],
                                       "gap": 0.0})
        group["kelurahan"][-1]["rows"].append(row)
        group["kelurahan"][-1]["gap"] += gap
        group["n"] += 1
        group["gap"] += gap
    for group in groups:
        group["gap_text"] = formats.households(group["gap"], lang)
        group["n_text"] = formats.number(group["n"], lang)
        for kel in group["kelurahan"]:
            kel["gap_text"] = formats.households(kel["gap"], lang)
            kel["n_text"] = formats.number(len(kel["rows"]), lang)
    return {"groups": groups, "n": formats.number(len(rts), lang), "columns": columns}


def blind_spot_rows(blind_spots, coverage: pd.DataFrame, lang: str = "id") -> list[dict]:
    """Return the blind spots, largest first: rank, nearest RT and its place, households."""
    if blind_spots is None or not len(blind_spots):
        return []
    kel_names, kec_names = names_of(coverage, "kelurahan"), names_of(coverage, "kecamatan")
    kel = blind_spots["kelurahan_code"].astype(str)
    kec = kecamatan_of(coverage).reindex(kel).to_numpy()
    return [{"rank": formats.number(rank, lang),
             "rt": f"RW {rw} / RT {rt}", "code": f"{k}{rw}{rt}",
             "kelurahan": kel_names.get(k, k), "kecamatan": kec_names.get(c, "") if c else "",
             "households": formats.households(n, lang),
             "area": formats.hectares(area / 10_000, lang)}
            for rank, k, rw, rt, c, n, area in zip(
                blind_spots["rank"], kel, blind_spots["rw"], blind_spots["rt"], kec,
                blind_spots["estimated_households"],
                blind_spots.get("area_m2", pd.Series(np.nan, index=blind_spots.index)),
                strict=True)]


def level_table(coverage: pd.DataFrame, level: str, lang: str = "id") -> dict:
    """Return the table of a level, the kelurahan one with its kecamatan and RTs to revisit."""
    rows = coverage[coverage["level"].eq(level)].copy()
    columns = list(COLUMNS)
    if level == "kelurahan":
        rows["kecamatan"] = names_of(coverage, "kecamatan").reindex(
            rows["parent_code"].astype(str)).to_numpy()
        rts = coverage[coverage["level"].eq("rt")]
        under = rts[rts["status"].isin(REVISIT)].groupby(
            rts["kelurahan_code"].astype(str)).size()
        rows["under_count"] = under.reindex(rows["code"].astype(str)).fillna(0).astype(
            int).to_numpy()
        columns = ["code", "name", "kecamatan", *COLUMNS[2:], "under_count"]
    return {"level": level, "columns": columns, "rows": table_rows(rows, lang, columns)}


def render_report(coverage: pd.DataFrame, accounting: dict, lang: str = "id",
                  interviews=None, thresholds: tuple[float, float] = (0.9, 1.1),
                  audience: str = "supervisor", blind_spots=None, shapes=None, schedule=None,
                  decided=None, changes: dict | None = None,
                  min_missing: float = Coverage().worklist_min_missing) -> str:
    """Return ``report.html`` for ``audience`` (see the module docstring).

    Parameters
    ----------
    coverage : DataFrame
        The coverage table.
    accounting : dict
        Row accounting per input (:attr:`cakupan._flow.Result.accounting`).
    lang : {"id", "en"}
        Language of words, numbers and dates.
    interviews : DataFrame or cakupan.detect.tally.Tally, optional
        Interviews or their tally: the days of counted ones (progress), the date of the data
        and, for supervisors, who supervises which RT and the flagged interviews per
        supervisor.
    thresholds : (float, float)
        ``under_ratio`` and ``over_ratio``, for the colours of the charts.
    audience : {"supervisor", "planner"}
        ``planner``: the meeting's report, nothing about enumerators or interviews.
    blind_spots : GeoDataFrame, optional
        The blind spots (:attr:`cakupan._flow.Result.blind_spots`).
    shapes : dict of str to GeoDataFrame, optional
        Polygons per level, for the planner's overview map.
    schedule : cakupan.measure.schedule.Schedule, optional
        Whether officers were assigned or inferred, and the pace against the plan per
        kecamatan and kelurahan (no officer is named).
    decided : DataFrame, optional
        Supervisors' decisions with their outcome: rows per outcome, and where each one not
        applied is (file, sheet, row, the value typed; no interview ID).
    changes : dict, optional
        What changed since the previous run (:attr:`cakupan._flow.Result.changes`): counts
        only; per officer they are in the worklist.
    min_missing : float
        ``complete`` RTs missing more households than this are listed to revisit too, as
        the worklist lists them.
    """
    if audience not in ("supervisor", "planner"):
        raise ValueError(f"audience must be 'supervisor' or 'planner', not {audience!r}")
    planner = audience == "planner"
    words = labels(lang)["page"]
    latest = data_date(interviews)
    top = coverage[coverage["level"].eq("kecamatan")]
    expected = top["expected_households"].sum(min_count=1)
    shapes = shapes or {}
    during = schedule is not None and schedule.during
    kecamatan = coverage[coverage["level"].eq("kecamatan")]
    kelurahan = coverage[coverage["level"].eq("kelurahan")].sort_values(
        ["coverage_ratio", "code"], na_position="last", kind="stable")
    return _ENV.get_template("report.html").render(
        lang=lang, w=words, planner=planner, words=labels(lang),
        title=title_of(coverage, latest, lang) | (
            {"title": words["planner_title"]} if planner else {}),
        headline=headline(coverage, lang),
        accounting=accounting_rows(accounting, lang, planner),
        tables=[level_table(coverage, level, lang) for level in ("kecamatan", "kelurahan")],
        revisit=revisit_groups(coverage, lang, during, min_missing),
        spots=blind_spot_rows(blind_spots, coverage, lang),
        colours={s: STATUS_COLOURS.get(s, NEUTRAL) for s in statuses_of(coverage)},
        histogram=ratio_histogram(coverage, *thresholds, lang=lang),
        progress=None if planner or interviews is None else progress_chart(
            daily_series(interviews), None if pd.isna(expected) else float(expected), lang,
            _planned(schedule)),
        people=None if planner or interviews is None else _people.supervisor_sections(
            coverage, interviews, lang, to_revisit(coverage, during, min_missing)),
        overview=_svg.overview_map(shapes.get("kelurahan"), shapes.get("kecamatan"),
                                   coverage, lang) if planner else None,
        kecamatan_bars=_svg.ratio_bars(kecamatan, lang, *thresholds) if planner else None,
        kelurahan_bars=_svg.ratio_bars(kelurahan, lang, *thresholds) if planner else None,
        owners=None if schedule is None else ("owners_inferred" if schedule.inferred
                                              else "owners_assigned"),
        pace=[] if schedule is None else _pace_rows(schedule.pace, coverage, lang),
        decisions=_decisions(decided, lang),
        changes=_changes(changes, lang),
        version=__version__,
    )


PACE_COLUMNS = ("code", "name", "expected_households", "planned_so_far", "counted",
                "planned_pace", "recent_pace", "projected_finish")


def _planned(schedule) -> pd.Series | None:
    """Households planned by each day of the plan (None without a schedule or a plan)."""
    if schedule is None or schedule.plan.empty:
        return None
    plan = schedule.plan.dropna(subset=["planned_start", "planned_end"])
    if plan.empty:
        return None
    days = pd.date_range(plan["planned_start"].min(), plan["planned_end"].max())
    return planned_series(plan, days)


def _pace_rows(pace: pd.DataFrame, coverage: pd.DataFrame,
               lang: str = "id") -> list[tuple[str, list]]:
    """Rows of the pace tables of kecamatan and kelurahan, as text."""
    if pace is None or pace.empty:
        return []
    names = coverage.drop_duplicates(["level", "code"]).set_index(["level", "code"])["name"]
    out = []
    for level in ("kecamatan", "kelurahan"):
        rows = pace[pace["level"].eq(level)]
        rows = rows.assign(name=names.reindex(pd.MultiIndex.from_arrays(
            [rows["level"], rows["code"]])).to_numpy())
        texts = []
        for record in rows[list(PACE_COLUMNS)].to_dict("records"):
            finish = record["projected_finish"]
            texts.append([str(record["code"]), str(record["name"]),
                          formats.households(record["expected_households"], lang),
                          formats.households(record["planned_so_far"], lang),
                          formats.number(record["counted"], lang),
                          # households a day of a whole kelurahan or kecamatan: whole numbers
                          formats.number(record["planned_pace"], lang),
                          formats.number(record["recent_pace"], lang),
                          "" if pd.isna(finish) else formats.date(finish, lang)])
        out.append((level, texts))
    return out


_SHOWN = ("unreadable", "not_applicable", "no_key", "conflicting", "no_longer_present")


def _decisions(decided, lang: str = "id") -> dict | None:
    """Return rows per outcome and the rows not applied for a reason worth fixing."""
    if decided is None:
        return None
    counts = decided["outcome"].value_counts()
    problems = decided[decided["outcome"].isin(_SHOWN)]
    return {"by_outcome": {name: formats.number(int(counts.get(name, 0)), lang)
                           for name in OUTCOMES if counts.get(name, 0)},
            "problems": problems[["file", "sheet", "row", "value", "outcome"]].astype(object)
            .where(problems[["file", "sheet", "row", "value", "outcome"]].notna(), None)
            .to_dict("records")}


def _changes(changes, lang: str = "id") -> dict | None:
    """Return what changed since the previous run as text: counts only."""
    if changes is None:
        return None
    gained = [changes[f"gained_per_{level}"] for level in ("enumerator", "supervisor")]
    officers = None if gained[0] is None else " / ".join(
        formats.number(int((table["gained"] > 0).sum()), lang) for table in gained)
    return {"previous": changes["previous"],
            "previous_created_at": changes["previous_created_at"] or "",
            "rts_newly_complete": formats.number(len(changes["rts_newly_complete"]), lang),
            "rts_newly_stalled": formats.number(len(changes["rts_newly_stalled"]), lang),
            "households_gained": formats.households(changes["households_gained"], lang),
            "officers": officers,
            "decisions_applied_since": formats.number(changes["decisions_applied_since"],
                                                      lang)}


def report_page(result, config: Config = Config(), lang: str = "id",
                audience: str = "supervisor") -> str:
    """Return ``report.html`` of a run (:class:`cakupan._flow.Result`) for ``audience``.

    ``config`` gives the ``[coverage]`` ratios of the charts' colours.
    """
    return render_report(result.coverage, result.accounting, lang, interviews=result.tally,
                         thresholds=(config.coverage.under_ratio, config.coverage.over_ratio),
                         audience=audience, blind_spots=result.blind_spots,
                         shapes=result.shapes if audience == "planner" else None,
                         schedule=result.schedule,
                         decided=result.decisions, changes=result.changes,
                         min_missing=config.coverage.worklist_min_missing)
