"""Report: the HTML summary of a run, aggregates only.

Takes the coverage table, row accounting and (optionally) the interviews and returns the page
as text; writing it is :mod:`cakupan.render.write`'s job. Rendered through Jinja2 with autoescaping,
so every text from the data reaches the page escaped. From the interviews it takes only the
day of each counted one, for the progress chart: the page holds no interview, household,
coordinate or enumerator. Charts are inline SVG and the sorting script is inline, so the page
needs no network and prints cleanly.
"""

from __future__ import annotations

import jinja2
import numpy as np
import pandas as pd

from cakupan._public import __version__
from cakupan.config import Config, Coverage
from cakupan.detect.decisions import OUTCOMES
from cakupan.labels import STATUS_COLOURS, labels
from cakupan.measure.progress import daily_series
from cakupan.measure.schedule import planned_series

COLUMNS = ("code", "name", "counted_households", "doubtful_households", "expected_households",
           "coverage_ratio", "gap_households", "status")
#: Upper edges of the coverage-ratio classes of the histogram (the last class is open).
RATIO_EDGES = tuple(round(x, 1) for x in np.arange(0.1, 1.6, 0.1))
CHART = {"width": 640, "height": 220, "left": 48, "bottom": 28, "top": 10, "right": 10}

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("cakupan", "templates"),
    autoescape=True,
    keep_trailing_newline=True,
)


def _rows(frame: pd.DataFrame) -> list[dict]:
    """Rows of a table: shown text plus a ``sort`` value per column for the sorting script."""
    out = []
    for record in frame[list(COLUMNS)].to_dict("records"):
        row = {}
        for column, value in record.items():
            missing = value is None or value is pd.NA or (isinstance(value, float)
                                                           and np.isnan(value))
            if missing:
                row[column] = {"text": "", "sort": ""}
            elif column == "coverage_ratio":
                row[column] = {"text": f"{value:.1%}", "sort": f"{value:.6f}"}
            elif column in ("expected_households", "gap_households", "counted_households",
                            "doubtful_households"):
                row[column] = {"text": f"{value:,.0f}", "sort": f"{float(value):.3f}"}
            else:
                row[column] = {"text": str(value), "sort": str(value)}
        out.append(row)
    return out


def ratio_histogram(coverage: pd.DataFrame, under: float = 0.9, over: float = 1.1) -> dict:
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
        label = f"≥{low:.0%}" if i == len(edges) else f"{low:.0%}"
        bars.append({"x": round(c["left"] + i * width, 1), "y": round(c["top"] + plot_h - h, 1),
                     "w": round(width - 2, 1), "h": round(h, 1), "count": count,
                     "label": label, "colour": STATUS_COLOURS[status]})
    return {"bars": bars, "max": top, "chart": c, "n": int(len(ratios))}


def progress_chart(series: pd.DataFrame, expected: float | None,
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
    n = len(series)
    step = plot_w / n

    def y(value):
        return round(c["top"] + plot_h * (1 - value / top), 1)

    points = " ".join(f"{round(c['left'] + (i + 0.5) * step, 1)},{y(v)}"
                      for i, v in enumerate(series["cumulative"].tolist()) if pd.notna(v))
    plan_points = "" if planned is None else " ".join(
        f"{round(c['left'] + (i + 0.5) * step, 1)},{y(v)}"
        for i, v in enumerate(planned.tolist()) if pd.notna(v))
    bars = [{"x": round(c["left"] + i * step + 1, 1), "y": y(v), "w": round(max(step - 2, 1), 1),
             "h": round(plot_h * v / top, 1), "count": v,
             "date": day.strftime("%Y-%m-%d")}
            for i, (day, v) in enumerate(zip(series["date"], series["counted"].tolist(),
                                             strict=True))]
    return {"points": points, "bars": bars, "chart": c, "top": f"{top:,.0f}",
            "expected_y": None if not expected else y(expected),
            "expected": None if not expected else f"{expected:,.0f}",
            "first": bars[0]["date"], "last": bars[-1]["date"],
            "final": f"{int(series['cumulative'].dropna().iloc[-1]):,}",
            "planned": plan_points}


def render_report(coverage: pd.DataFrame, accounting: dict, lang: str = "id",
                  revisit_limit: int = 200, interviews=None,
                  thresholds: tuple[float, float] = (0.9, 1.1), schedule=None, decided=None,
                  changes: dict | None = None,
                  min_missing: float = Coverage().worklist_min_missing) -> str:
    """Return ``report.html``: summary figures, row accounting, charts and sortable tables.

    Parameters
    ----------
    coverage : DataFrame
        The coverage table.
    accounting : dict
        Row accounting per input (:attr:`cakupan._flow.Result.accounting`).
    lang : {"id", "en"}
        Language of labels.
    revisit_limit : int
        Most RTs listed to revisit (largest gap first).
    interviews : DataFrame or cakupan.detect.tally.Tally, optional
        Interviews (``status``, ``interviewed_at``), or their tally: only the days of counted
        ones are used.
    thresholds : (float, float)
        ``under_ratio`` and ``over_ratio``, for the colours of the histogram.
    schedule : cakupan.measure.schedule.Schedule, optional
        The data's time (shown under the title), whether officers were assigned or inferred,
        and the pace against the plan per kecamatan and kelurahan (no officer is named).
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
    top = coverage[coverage["level"].eq("kecamatan")]
    expected = top["expected_households"].sum(min_count=1)
    counted = int(top["counted_households"].sum())
    effective = counted - int(top["doubtful_households"].sum())
    totals = {
        "counted": counted,
        "expected": "" if pd.isna(expected) else f"{expected:,.0f}",
        "ratio": "" if pd.isna(expected) or expected == 0 else f"{effective / expected:.1%}",
        "gap": f"{top['gap_households'].sum():,.0f}",
    }
    during = schedule is not None and schedule.during
    listed = [s for s in REVISIT if not (during and s == "under")]
    missing = coverage["status"].eq("complete") & (coverage["gap_households"] > min_missing)
    rts = coverage[coverage["level"].eq("rt") & (coverage["status"].isin(listed) | missing)]
    rts = rts.sort_values(["gap_households", "code"], ascending=[False, True], kind="stable")
    tables = [(level, _rows(coverage[coverage["level"].eq(level)]))
              for level in ("kecamatan", "kelurahan")]
    return _ENV.get_template("report.html").render(
        lang=lang,
        w=labels(lang)["page"],
        totals=totals,
        accounting=sorted(accounting.items()),
        tables=tables,
        columns=COLUMNS,
        revisit=_rows(rts.head(revisit_limit)),
        colours=STATUS_COLOURS,
        histogram=ratio_histogram(coverage, *thresholds),
        progress=progress_chart(daily_series(interviews),
                                None if pd.isna(expected) else float(expected),
                                _planned(schedule)),
        version=__version__,
        as_of="" if schedule is None else schedule.as_of_text,
        owners=None if schedule is None else ("owners_inferred" if schedule.inferred
                                              else "owners_assigned"),
        pace=[] if schedule is None else _pace_rows(schedule.pace, coverage),
        words=labels(lang),
        decisions=_decisions(decided),
        changes=_changes(changes),
    )


#: RT statuses listed to revisit: those short of their count, and during fieldwork those
#: behind the plan or stalled (not those not yet due, nor those under but on pace).
REVISIT = ("under", "not_started", "doubtful", "behind", "stalled")
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


def _pace_rows(pace: pd.DataFrame, coverage: pd.DataFrame) -> list[tuple[str, list]]:
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
                          f"{record['expected_households']:,.0f}",
                          f"{record['planned_so_far']:,.0f}", f"{record['counted']:,}",
                          f"{record['planned_pace']:,.1f}", f"{record['recent_pace']:,.1f}",
                          "" if pd.isna(finish) else f"{finish:%Y-%m-%d}"])
        out.append((level, texts))
    return out


_SHOWN = ("unreadable", "not_applicable", "no_key", "conflicting", "no_longer_present")


def _decisions(decided) -> dict | None:
    """Return rows per outcome and the rows not applied for a reason worth fixing."""
    if decided is None:
        return None
    counts = decided["outcome"].value_counts()
    problems = decided[decided["outcome"].isin(_SHOWN)]
    return {"by_outcome": {name: int(counts.get(name, 0)) for name in OUTCOMES},
            "problems": problems[["file", "sheet", "row", "value", "outcome"]].astype(object)
            .where(problems[["file", "sheet", "row", "value", "outcome"]].notna(), None)
            .to_dict("records")}


def _changes(changes) -> dict | None:
    if changes is None:
        return None
    gained = [changes[f"gained_per_{level}"] for level in ("enumerator", "supervisor")]
    officers = None if gained[0] is None else "{:,} / {:,}".format(
        *(int((table["gained"] > 0).sum()) for table in gained))
    return {"previous": changes["previous"],
            "previous_created_at": changes["previous_created_at"] or "",
            "rts_newly_complete": len(changes["rts_newly_complete"]),
            "rts_newly_stalled": len(changes["rts_newly_stalled"]),
            "households_gained": changes["households_gained"], "officers": officers,
            "decisions_applied_since": changes["decisions_applied_since"]}


def report_page(result, config: Config = Config(), lang: str = "id") -> str:
    """Return ``report.html`` of a run (:class:`cakupan._flow.Result`).

    ``config`` gives the ``[coverage]`` ratios of the histogram's colours.
    """
    return render_report(result.coverage, result.accounting, lang, interviews=result.tally,
                         thresholds=(config.coverage.under_ratio, config.coverage.over_ratio),
                         schedule=result.schedule,
                         decided=result.decisions, changes=result.changes,
                         min_missing=config.coverage.worklist_min_missing)
