"""Report: the HTML summary of a run, aggregates only.

Takes the coverage table and row accounting and returns the page as text; writing it is
:mod:`cakupan.write`'s job. Rendered through Jinja2 with autoescaping, so every text from the
data reaches the page escaped. It holds no interview, household or enumerator.
"""

from __future__ import annotations

import jinja2
import pandas as pd

from . import __version__
from .labels import STATUS_COLOURS, labels

COLUMNS = ("code", "name", "counted_households", "expected_households", "coverage_ratio",
           "gap_households", "status")

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("cakupan", "templates"),
    autoescape=True,
    keep_trailing_newline=True,
)


def _rows(frame: pd.DataFrame) -> list[dict]:
    shown = frame[list(COLUMNS)].copy()
    shown["expected_households"] = shown["expected_households"].map(
        lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    shown["coverage_ratio"] = shown["coverage_ratio"].map(
        lambda v: "" if pd.isna(v) else f"{v:.1%}")
    shown["gap_households"] = shown["gap_households"].map(lambda v: f"{v:,.0f}")
    shown = shown.astype(object).where(shown.notna(), "")
    return shown.to_dict("records")


def render_report(coverage: pd.DataFrame, accounting: dict, lang: str = "id",
                  revisit_limit: int = 200) -> str:
    """Return ``report.html``: summary figures, row accounting, tables and RTs to revisit."""
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
    rts = coverage[coverage["level"].eq("rt") & coverage["status"].isin(["under", "not_started"])]
    rts = rts.sort_values(["gap_households", "code"], ascending=[False, True], kind="stable")
    tables = [(level, _rows(coverage[coverage["level"].eq(level)]))
              for level in ("kecamatan", "kelurahan")]
    return _ENV.get_template("report.html").render(
        lang=lang,
        w=labels(lang),
        totals=totals,
        accounting=sorted(accounting.items()),
        tables=tables,
        columns=COLUMNS,
        revisit=_rows(rts.head(revisit_limit)),
        colours=STATUS_COLOURS,
        version=__version__,
    )
