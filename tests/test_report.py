"""report.html: figures, charts and escaping from its bytes; sortable tables offline in a real
browser (marked ``browser``)."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from cakupan import formats
from cakupan._flow import Inputs, one_pass, read_files
from cakupan.config import Config
from cakupan.measure.progress import daily_series
from cakupan.render import report
from cakupan.render.report import REVISIT
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
    path.write_text(report.report_page(result), "utf-8")
    return path


def test_summary_figures_and_accounting(result, page_path):
    text = page_path.read_text("utf-8")
    kec = result.coverage[result.coverage["level"].eq("kecamatan")]
    counted = int(kec["counted_households"].sum())
    assert counted > 999 and formats.number(counted, "id") in text  # "21.536", not "21,536"
    assert f"{counted:,}" not in text
    account = result.accounting["interviews"]
    assert formats.number(account["rows_read"], "id") in text
    assert 'id="progress"' in text and 'id="histogram"' in text
    reasons = account["set_aside_by_reason"]
    assert reasons and all(f">{reason}:" not in text and f"{reason}:" not in text
                           for reason in reasons if "_" in reason)
    assert all(formats.word(reason, "id") in text for reason in reasons)


def test_gap_headline_says_why_it_differs_from_expected_minus_counted(result, page_path):
    text = page_path.read_text("utf-8")
    kec = result.coverage[result.coverage["level"].eq("kecamatan")]
    difference = kec["expected_households"].sum() - kec["counted_households"].sum()
    gap = kec["gap_households"].sum()
    assert round(gap) != round(difference)  # the figures the definition has to explain
    assert formats.households(gap, "id") in text
    assert f"({formats.households(difference, 'id')})" in text


def test_every_rt_to_revisit_is_listed_under_its_kelurahan(result, page_path):
    text = page_path.read_text("utf-8")
    table = result.coverage
    missing = table["status"].eq("complete") & (
        table["gap_households"] > Config().coverage.worklist_min_missing)
    rts = table[table["level"].eq("rt") & (table["status"].isin(REVISIT) | missing)]
    assert len(rts) > 10
    listed = re.findall(r"<table class=\"revisit\">.*?</table>", text, re.S)
    assert sum(block.count("<tr>") - 1 for block in listed) == len(rts)
    names = table[table["level"].eq("kelurahan")].set_index("code")["name"]
    for code in rts["kelurahan_code"].unique():
        name = names[code].replace("<", "&lt;").replace(">", "&gt;")
        assert f"<h3>{name} <small" in text


def test_supervisor_sections_and_blind_spots(result, page_path):
    text = page_path.read_text("utf-8")
    assert 'id="supervisors"' in text and text.count('<details class="supervisor">') >= 2
    assert 'id="spots"' in text


def test_planner_report_is_for_a_meeting(result):
    page = report.render_report(result.coverage, result.accounting, interviews=result.tally,
                                audience="planner", blind_spots=result.blind_spots,
                                shapes=result.shapes)
    supervisor = report.render_report(result.coverage, result.accounting,
                                      interviews=result.tally, blind_spots=result.blind_spots)
    assert page != supervisor
    assert 'id="overview-map"' in page and page.count("<path d=") >= 3
    assert 'id="kecamatan-chart"' in page and 'id="kelurahan-chart"' in page
    assert 'id="progress"' not in page and 'id="supervisors"' not in page
    assert "PML" not in page and "PPL" not in page and not re.search(r"\bW\d{7}\b", page)
    assert "tile" not in page.lower() and "http" not in page.replace("http-equiv", "")


def test_text_from_the_data_is_escaped(page_path):
    text = page_path.read_text("utf-8")
    assert EVIL not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_no_interview_ids_or_points(result, page_path):
    text = page_path.read_text("utf-8")
    # supervisors are named (a section each), enumerators and interviews never
    assert not re.search(r"\bW\d{7}\b|\bPPL\d+", text) and re.search(r"\bPML\d+", text)
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
