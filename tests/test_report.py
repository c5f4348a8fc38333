"""report.html: figures, charts and escaping from its bytes; sortable tables offline in a real
browser (marked ``browser``)."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from cakupan._flow import Inputs, one_pass, read_files
from cakupan.measure.progress import daily_series
from cakupan.render import report
from cakupan.sample import make_world, write_world
from tests.browser import browser, offline_page

EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    world = make_world("tiny")
    kelurahan = world.kelurahan.copy()
    kelurahan.loc[kelurahan.index[0], "nama"] = EVIL
    world = dataclasses.replace(world, kelurahan=kelurahan)
    paths = write_world(world, tmp_path_factory.mktemp("report"))
    return one_pass(read_files(Inputs(boundaries=paths["boundaries"],
                                      interviews=paths["interviews"], units=paths["units"],
                                      prelist=paths["prelist"])))


@pytest.fixture(scope="module")
def page_path(result, tmp_path_factory):
    path = tmp_path_factory.mktemp("page") / "report.html"
    path.write_text(report.render_report(result.coverage, result.accounting,
                                         interviews=result.interviews), "utf-8")
    return path


def test_summary_figures_and_accounting(result, page_path):
    text = page_path.read_text("utf-8")
    kec = result.coverage[result.coverage["level"].eq("kecamatan")]
    assert f"{int(kec['counted_households'].sum()):,}" in text
    account = result.accounting["interviews"]
    assert f"{account['rows_read']:,}" in text and f"{account['rows_set_aside']:,}" in text
    assert 'id="progress"' in text and 'id="histogram"' in text


def test_text_from_the_data_is_escaped(page_path):
    text = page_path.read_text("utf-8")
    assert EVIL not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_no_interview_ids_or_points(result, page_path):
    text = page_path.read_text("utf-8")
    assert not re.search(r"\bW\d{7}\b|\bP[PM]L\d+", text)
    assert not re.search(r"106\.\d{4,}", text)


def test_daily_series_counts_every_counted_interview(result):
    series = daily_series(result.interviews)
    counted = result.interviews["status"].eq("counted") & result.interviews[
        "interviewed_at"].notna()
    assert series["cumulative"].iloc[-1] == int(counted.sum())
    assert (series["date"].diff().dropna() == pd.Timedelta(days=1)).all()


def test_english_labels(result):
    page = report.render_report(result.coverage, result.accounting, lang="en")
    assert "Households counted" in page and "Ruta terdata" not in page


@pytest.mark.slow
@pytest.mark.browser
def test_tables_sort_offline_without_errors(page_path, tmp_path):
    with browser() as chromium, offline_page(chromium, page_path) as (page, watch):
        header = page.locator("#kelurahan th").nth(4)  # coverage ratio
        header.click()
        values = [float(v) for v in page.locator("#kelurahan tbody tr td:nth-child(5)")
                  .evaluate_all("cells => cells.map(c => c.dataset.sort)")]
        assert values == sorted(values)
        header.click()
        values = [float(v) for v in page.locator("#kelurahan tbody tr td:nth-child(5)")
                  .evaluate_all("cells => cells.map(c => c.dataset.sort)")]
        assert values == sorted(values, reverse=True)
        assert page.locator("img[src=x]").count() == 0
        page.screenshot(path=tmp_path / "report.png", full_page=True)
        assert watch.errors == [] and watch.dialogs == [] and watch.blocked == []
