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
from cakupan.config import Config
from cakupan.labels import STATUS_COLOURS, labels
from cakupan.measure.progress import daily_series

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


def progress_chart(series: pd.DataFrame, expected: float | None) -> dict | None:
    """Return the cumulative line, daily bars and expected line of the progress chart."""
    if series.empty:
        return None
    c = CHART
    plot_w = c["width"] - c["left"] - c["right"]
    plot_h = c["height"] - c["top"] - c["bottom"]
    top = max(float(series["cumulative"].max()), float(expected or 0), 1.0)
    n = len(series)
    step = plot_w / n

    def y(value):
        return round(c["top"] + plot_h * (1 - value / top), 1)

    points = " ".join(f"{round(c['left'] + (i + 0.5) * step, 1)},{y(v)}"
                      for i, v in enumerate(series["cumulative"].tolist()))
    bars = [{"x": round(c["left"] + i * step + 1, 1), "y": y(v), "w": round(max(step - 2, 1), 1),
             "h": round(plot_h * v / top, 1), "count": v,
             "date": day.strftime("%Y-%m-%d")}
            for i, (day, v) in enumerate(zip(series["date"], series["counted"].tolist(),
                                             strict=True))]
    return {"points": points, "bars": bars, "chart": c, "top": f"{top:,.0f}",
            "expected_y": None if not expected else y(expected),
            "expected": None if not expected else f"{expected:,.0f}",
            "first": bars[0]["date"], "last": bars[-1]["date"],
            "final": f"{int(series['cumulative'].iloc[-1]):,}"}


def render_report(coverage: pd.DataFrame, accounting: dict, lang: str = "id",
                  revisit_limit: int = 200, interviews=None,
                  thresholds: tuple[float, float] = (0.9, 1.1)) -> str:
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
    rts = coverage[coverage["level"].eq("rt")
                   & coverage["status"].isin(["under", "not_started", "doubtful"])]
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
                                None if pd.isna(expected) else float(expected)),
        version=__version__,
    )


def report_page(result, config: Config = Config(), lang: str = "id") -> str:
    """Return ``report.html`` of a run (:class:`cakupan._flow.Result`).

    ``config`` gives the ``[coverage]`` ratios of the histogram's colours.
    """
    return render_report(result.coverage, result.accounting, lang, interviews=result.tally,
                         thresholds=(config.coverage.under_ratio, config.coverage.over_ratio))
