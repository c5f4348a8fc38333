"""The README's demo at full city size writes every contract file and accounts for every row.

How well it finds the faults injected in it is scored in ``test_demo_scores.py``.
"""

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
                                       "population", "buildings", "assignments"}
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"].values())
