"""Scores of a run against its sample world's ground truth, per kind of settlement.

Takes the folder of a run's outputs and the world's truth files (``truth/rt.csv``,
``truth/interviews.csv``) and returns the figures the checks and statuses are held to:
invented and genuine interviews flagged serious, complete RTs reported short, RTs hidden by
invented interviews and RTs with many households missed found, the share of the worklist's
interview rows that are true faults, and every unit whose status contradicts its counts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: Statuses that send an RT back to the field (the worklist's RTs to revisit).
SHORT = ("under", "not_started", "doubtful")


def read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def interview_scores(out: Path, truth: Path) -> pd.DataFrame:
    """Return per kind of settlement: invented and genuine rows and their shares flagged serious.

    Serious: counted as doubtful (``severity`` = ``serious``).
    """
    rows = read(out / "interviews.csv")
    faults = read(truth / "interviews.csv")
    assert rows["interview_id"].tolist() == faults["interview_id"].tolist()
    serious = rows["severity"].eq("serious")
    frame = pd.DataFrame({"kind": faults["settlement"], "fault": faults["fault"],
                          "serious": serious})
    invented = frame[frame["fault"].eq("invented")].groupby("kind")["serious"]
    genuine = frame[frame["fault"].eq("")].groupby("kind")["serious"]
    return pd.DataFrame({"invented": invented.size(), "invented_serious": invented.mean(),
                         "genuine": genuine.size(), "genuine_serious": genuine.mean()})


def rt_scores(out: Path, truth: Path) -> pd.DataFrame:
    """Return per kind: complete RTs and RTs with 40% or more missed, and the shares found.

    Complete: at most 5% missed. New housing blocks are left out of the 40% (the prelist
    knows nothing of them; the independent sources find them, scored elsewhere).
    """
    scored = _rts(out, truth)
    missed = scored["missed_share"].astype(float)
    short = scored["status"].isin(SHORT)
    complete = missed <= 0.05
    many = (missed >= 0.4) & scored["fault"].ne("new_block")
    kind = scored["settlement"]
    return pd.DataFrame({
        "complete": complete.groupby(kind).sum(),
        "complete_short": short[complete].groupby(kind[complete]).mean(),
        "missed_40": many.groupby(kind).sum(),
        "missed_40_found": short[many].groupby(kind[many]).mean(),
    })


def hidden_found(out: Path, truth: Path) -> tuple[int, float]:
    """Return the RTs where interviews were invented, and the share of them reported short."""
    faults = read(truth / "interviews.csv")
    rows = read(out / "interviews.csv")
    invented = rows.loc[faults["fault"].eq("invented").to_numpy(), ["kelurahan_code", "rw", "rt"]]
    codes = set((invented["kelurahan_code"] + invented["rw"] + invented["rt"]).unique())
    scored = _rts(out, truth)
    hidden = scored[scored["code"].isin(codes)]
    assert len(hidden) == len(codes)
    return len(hidden), float(hidden["status"].isin(SHORT).mean())


def worklist_true_share(out: Path, truth: Path) -> tuple[int, float]:
    """Return the worklist's interview rows and the share of them that are true faults.

    The rows: tasks (``serious``, ``verify``) and ``far_outside`` interviews.
    """
    rows = read(out / "interviews.csv")
    faults = read(truth / "interviews.csv")
    task = rows["severity"].isin(["serious", "verify"]) | rows["location_check"].eq("far_outside")
    return int(task.sum()), float(faults.loc[task.to_numpy(), "fault"].ne("").mean())


def contradictions(coverage: pd.DataFrame, under_ratio=0.9, over_ratio=1.1) -> pd.DataFrame:
    """Return the units (any level) whose status contradicts their counts."""
    counted = pd.to_numeric(coverage["counted_households"])
    doubtful = pd.to_numeric(coverage["doubtful_households"])
    expected = pd.to_numeric(coverage["expected_households"], errors="coerce")
    ratio = (counted - doubtful) / expected
    status = coverage["status"]
    has = expected > 0
    wrong = (
        (status.eq("not_started") & (counted > 0))
        | ((counted <= 0) & has & status.ne("not_started"))
        | (status.eq("no_expected") & has)
        | (has & (counted > 0) & status.ne("doubtful").eq(doubtful * 2 > counted))
        | (status.eq("complete") & ~ratio.between(under_ratio, over_ratio))
        | (status.eq("under") & ~(ratio < under_ratio))
        | (status.eq("over") & ~(ratio > over_ratio))
        | (doubtful > counted)
    )
    return coverage[wrong.to_numpy(dtype=bool)]


def _rts(out: Path, truth: Path) -> pd.DataFrame:
    coverage = read(out / "coverage.csv")
    rts = coverage[coverage["level"].eq("rt")]
    scored = read(truth / "rt.csv")
    scored["code"] = scored["kelurahan_code"] + scored["rw"] + scored["rt"]
    scored = scored.merge(rts[["code", "status"]], on="code", how="left", validate="one_to_one")
    assert scored["status"].notna().all()
    return scored


def report(name: str, out: Path, truth: Path) -> dict:
    """Print and return every figure of a run (``pytest -s`` shows them)."""
    interviews, rts = interview_scores(out, truth), rt_scores(out, truth)
    hidden = hidden_found(out, truth)
    worklist = worklist_true_share(out, truth)
    with pd.option_context("display.precision", 4):
        print(f"\n== {name}\n{interviews.join(rts, how='outer').to_string()}")
    print(f"RTs with invented interviews: {hidden[0]}, reported short: {hidden[1]:.3f}; "
          f"worklist interview rows: {worklist[0]}, true faults: {worklist[1]:.3f}")
    return {"interviews": interviews, "rts": rts, "hidden": hidden, "worklist": worklist}


def assert_done(figures: dict, genuine_limit: float) -> None:
    """Hold a run to the figures the checks promise (see the README, "Interview checks")."""
    interviews, rts = figures["interviews"], figures["rts"]
    worked = interviews[interviews["invented"] > 0]
    assert (worked["invented_serious"] >= 0.90).all(), worked
    assert (interviews["genuine_serious"] <= genuine_limit).all(), interviews
    assert (rts["complete_short"].fillna(0) <= 0.05).all(), rts
    assert figures["hidden"][1] >= 0.85
    many = rts["missed_40"].sum()
    found = (rts["missed_40_found"].fillna(0) * rts["missed_40"]).sum() / many
    assert found >= 0.95, rts
    assert np.isfinite(found)
