"""The README's demo: every contract file, scored against the sample's ground truth."""

from __future__ import annotations

import json

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest

from cakupan.measure.coverage import COLUMNS as COVERAGE_COLUMNS

pytestmark = pytest.mark.slow

CONTRACT = ("coverage.csv", "interviews.csv", "gaps.geojson", "map.html", "report.html",
            "worklist.xlsx", "coverage.gpkg", "manifest.json")


def _read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_demo_writes_every_contract_file(city_demo):
    for name in CONTRACT:
        assert (city_demo / name).stat().st_size > 0, name
    assert not list(city_demo.glob(".*.part.*"))
    coverage = _read(city_demo / "coverage.csv")
    assert tuple(coverage.columns[: len(COVERAGE_COLUMNS)]) == COVERAGE_COLUMNS
    assert set(coverage["level"]) == {"kecamatan", "kelurahan", "rw", "rt"}
    assert (coverage["level"] == "kelurahan").sum() == 104
    assert (coverage["level"] == "kecamatan").sum() == 13
    layers = {name for name, _ in pyogrio.list_layers(city_demo / "coverage.gpkg")}
    assert {"kecamatan", "kelurahan", "rw", "rt"} <= layers
    gaps = gpd.read_file(city_demo / "gaps.geojson")
    assert gaps["rank"].tolist() == list(range(1, len(gaps) + 1))
    openpyxl.load_workbook(city_demo / "worklist.xlsx")


def test_interviews_csv_accounts_for_every_input_row(city_demo):
    source = _read(city_demo / "input" / "interviews.csv")
    out = _read(city_demo / "interviews.csv")
    assert len(out) == len(source)
    assert out["interview_id"].tolist() == source["interview_id"].tolist()
    assert out["source_row"].astype(int).tolist() == list(range(2, len(source) + 2))
    assert not {"lon", "lat", "nama_krt", "x", "y"} & set(out.columns)
    manifest = json.loads((city_demo / "manifest.json").read_text())
    account = manifest["row_accounting"]["interviews"]
    assert account["rows_read"] == len(source)
    assert account["rows_counted"] + account["rows_set_aside"] == account["rows_read"]
    assert account["rows_counted"] == (out["status"] == "counted").sum()
    for reason, n in account["set_aside_by_reason"].items():
        assert (out["status"] == reason).sum() == n
    assert set(manifest["inputs"]) == {"boundaries", "interviews", "units", "prelist",
                                       "population", "buildings"}
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"].values())


def test_demo_finds_undercounted_rts(city_demo):
    """Recall of RTs with >= 40% of households missed, false alarms on complete RTs."""
    coverage = _read(city_demo / "coverage.csv")
    rt = coverage[coverage["level"] == "rt"]
    truth = _read(city_demo / "truth" / "rt.csv")
    truth["code"] = truth["kelurahan_code"] + truth["rw"] + truth["rt"]
    scored = truth.merge(rt, on="code", how="left", validate="one_to_one")
    assert scored["status"].notna().all()
    missed = scored["missed_share"].astype(float)
    flagged = scored["status"].isin(["under", "not_started"])
    undercounted, complete = missed >= 0.4, missed <= 0.05
    recall = flagged[undercounted].mean()
    false_alarms = flagged[complete].mean()
    print(f"\nRTs >= 40% missed: {undercounted.sum()}, found {recall:.3f}; "
          f"complete RTs: {complete.sum()}, false alarms {false_alarms:.3f}")
    assert undercounted.sum() > 100
    assert recall >= 0.95
    assert false_alarms <= 0.05
