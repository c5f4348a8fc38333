"""The checks and statuses per kind of settlement, on the demo city and on a world drawn
differently (real desa of Kabupaten Tangerang, another seed, a faster pace, more
fabricators), with and without a buildings layer.

Run with ``-s`` to print the figures per kind (apartment, shared, kampung, estate, rural).
"""

from __future__ import annotations

import pandas as pd
import pytest

import cakupan
from cakupan.sample import make_world, write_world
from tests.settlement_scores import assert_done, contradictions, read, report

pytestmark = pytest.mark.slow

DESA = "tests/data/kab_tangerang_rajeg_kosambi_desa.geojson"


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory):
    """A world on real desa polygons, seed 5, interviews at 0.7 of the usual length."""
    from pathlib import Path

    folder = tmp_path_factory.mktemp("elsewhere")
    world = make_world("small", seed=5, pace=0.7, fabricators=8,
                       boundaries=Path(__file__).resolve().parents[1] / DESA)
    paths = write_world(world, folder)
    runs = {}
    for name, buildings in (("with buildings", paths["buildings"]), ("without", None)):
        out = folder / name.replace(" ", "_")
        cakupan.run(paths["boundaries"], paths["interviews"], out, units=paths["units"],
                    prelist=paths["prelist"], population=paths["population"],
                    buildings=buildings, html=False)
        runs[name] = out
    return folder / "truth", runs


def test_demo_city_per_settlement(city_demo):
    figures = report("demo city, with buildings", city_demo, city_demo / "truth")
    kinds = set(figures["interviews"].index)
    assert kinds == {"apartment", "shared", "kampung", "estate", "rural"}
    assert (figures["interviews"]["invented"] > 0).all()  # fabricators work everywhere
    assert_done(figures, genuine_limit=0.02)
    total, true_share = figures["worklist"]
    assert total > 500 and true_share >= 0.5


@pytest.mark.parametrize(("name", "limit"), [("with buildings", 0.02), ("without", 0.05)])
def test_elsewhere_per_settlement(elsewhere, name, limit):
    truth, runs = elsewhere
    figures = report(f"Kabupaten desa, seed 5, pace 0.7, {name}", runs[name], truth)
    assert (figures["interviews"]["invented"] > 0).sum() >= 4
    assert_done(figures, genuine_limit=limit)


def test_no_status_contradicts_its_counts(city_demo, elsewhere):
    for out in (city_demo, *elsewhere[1].values()):
        coverage = read(out / "coverage.csv")
        assert set(coverage["level"]) == {"kecamatan", "kelurahan", "rw", "rt"}
        wrong = contradictions(coverage)
        assert wrong.empty, wrong.head().to_string()
        mostly = coverage[pd.to_numeric(coverage["doubtful_households"]) * 2
                          > pd.to_numeric(coverage["counted_households"])]
        assert not mostly["status"].eq("not_started").any()
