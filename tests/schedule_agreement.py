"""Agreement of the fieldwork statuses with the sample world's truth, on the demo cut by day.

``python -m tests.schedule_agreement [tiny|small|city]`` prints, for the demo's interviews
cut after days 7, 14 and 30 of fieldwork, how often each status of the truth
(:func:`cakupan.sample.plan.truth_statuses`) is the status cakupan gives (recall) and how
often a status cakupan gives is the truth's (precision). ``tests/test_schedule.py`` runs it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from cakupan._flow import Inputs, one_pass, read_files
from cakupan.config import Config
from cakupan.sample import make_world, write_world
from cakupan.sample.plan import START, truth_statuses

DAYS = (7, 14, 30)
STATUSES = ("not_reached", "behind", "stalled", "complete")


def cut(world, paths, days: int, folder: Path) -> tuple[Path, pd.Timestamp]:
    """Write the interviews of the first ``days`` days of fieldwork; return it and its day."""
    last = START + pd.Timedelta(days=days - 1)
    when = pd.to_datetime(world.interviews["interviewed_at"]).dt.normalize()
    path = Path(folder) / f"interviews_day{days}.csv"
    world.interviews[(when <= last).to_numpy()].to_csv(path, index=False)
    return path, last


def run_cut(world, paths, days: int, folder: Path, config: Config = Config()):
    """Return the result of the run on the cut, and the truth of that day, by RT code."""
    interviews, last = cut(world, paths, days, folder)
    inputs = Inputs(paths["boundaries"], interviews, paths["units"], paths["prelist"],
                    assignments=paths["assignments"])
    result = one_pass(read_files(inputs, config), config)
    truth = truth_statuses(world.truth_plan, world.interviews, world.truth_interviews,
                           world.truth_rt, last, config.coverage.under_ratio,
                           config.checks.stalled_days)
    plan = world.truth_plan.set_index("sls_code")
    codes = plan["kelurahan_code"] + plan["rw"] + plan["rt"]
    truth.index = codes.reindex(truth.index).to_numpy()
    return result, truth


def agreement(result, truth: pd.Series) -> pd.DataFrame:
    """Per status: RTs in the truth, recall and precision of cakupan's status."""
    rt = result.coverage[result.coverage["level"].eq("rt")].set_index("code")["status"]
    found = rt.reindex(truth.index).astype("string").replace({"over": "complete"})
    rows = []
    for status in STATUSES:
        said, true = found.eq(status), truth.eq(status)
        rows.append({"status": status, "truth": int(true.sum()), "given": int(said.sum()),
                     "recall": (said & true).sum() / max(true.sum(), 1),
                     "precision": (said & true).sum() / max(said.sum(), 1)})
    return pd.DataFrame(rows)


def main(size: str = "small") -> None:
    import tempfile

    world = make_world(size)
    with tempfile.TemporaryDirectory() as folder:
        paths = write_world(world, folder)
        for days in DAYS:
            result, truth = run_cut(world, paths, days, Path(folder))
            table = agreement(result, truth)
            print(f"day {days} (data as of {result.schedule.as_of_text}), {len(truth)} RT")
            print(table.to_string(index=False, float_format="{:.3f}".format))


if __name__ == "__main__":
    main(*sys.argv[1:])
