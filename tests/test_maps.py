"""map.html: escaping, privacy and determinism from its bytes; polygons, popups, legend and
search in a real browser, offline (marked ``browser``)."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from cakupan import formats
from cakupan._flow import Inputs
from cakupan.labels import STATUS_COLOURS
from cakupan.measure.schedule import SCHEDULE_STATUSES
from cakupan.render import maps, write
from cakupan.sample import make_world, write_world
from cakupan.scale.files import run_files
from tests.browser import browser, map_at_rest, offline_page

EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """The tiny world, one kelurahan renamed to an HTML injection, written for both audiences."""
    world = make_world("tiny")
    kelurahan = world.kelurahan.copy()
    kelurahan.loc[kelurahan.index[0], "nama"] = EVIL
    world = dataclasses.replace(world, kelurahan=kelurahan)
    folder = tmp_path_factory.mktemp("maps")
    paths = write_world(world, folder / "world")
    inputs = Inputs(boundaries=paths["boundaries"], interviews=paths["interviews"],
                    units=paths["units"], prelist=paths["prelist"])
    result = run_files(inputs, folder / "supervisor")
    write.write_outputs(result, folder / "planner", inputs=inputs, audience="planner")
    return {"result": result, "supervisor": folder / "supervisor", "planner": folder / "planner"}


@pytest.fixture(scope="module")
def chromium():
    with browser() as launched:
        yield launched


@pytest.fixture
def page(outputs, chromium):
    with offline_page(chromium, outputs["supervisor"] / "map.html") as (opened, watch):
        opened.wait_for_function("window.cakupan !== undefined")
        yield opened
        assert watch.errors == []
        assert watch.dialogs == []
        assert all(not url.startswith("file:") for url in watch.blocked)


def names_of(table) -> pd.Series:
    return table[table["level"].eq("kelurahan")].set_index("code")["name"]


def coverage_csv(folder):
    return pd.read_csv(folder / "coverage.csv", dtype={"code": str, "parent_code": str,
                                                       "kelurahan_code": str})


def popup_figures(page) -> dict[str, str]:
    # a closed popup fades out for a moment: wait until the one opened last is alone
    # and read its rows in one step, so a popup redrawn meanwhile cannot mix two of them
    return page.wait_for_function(
        "(() => { const open = document.querySelectorAll('.leaflet-popup');"
        " if (open.length !== 1) { return null; }"
        " const rows = [...open[0].querySelectorAll('.leaflet-popup-content tr')];"
        " if (!rows.length) { return null; }"
        " return Object.fromEntries(rows.map(r => [r.getAttribute('data-field'),"
        " r.querySelector('td') ? r.querySelector('td').innerText : '']));"
        " })()").json_value()


def number(text: str) -> float:
    """Parse an Indonesian-formatted number ("1.234,5" or "95,3%")."""
    return float(text.replace("%", "").replace(".", "").replace(",", ".").strip())


def test_page_asks_for_nothing_but_tiles(outputs):
    page = (outputs["supervisor"] / "map.html").read_text("utf-8")
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", page)
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()
    assert "cdn" not in " ".join(re.findall(r"https?://[^\s\"'<>]+", page))


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("level", ["kecamatan", "kelurahan", "rw", "rt"])
def test_one_polygon_per_unit(outputs, page, level):
    table = coverage_csv(outputs["supervisor"])
    page.evaluate(f"window.cakupan.setLevel('{level}')")
    drawn = page.locator(f".leaflet-cakupan-{level}-pane path").count()
    assert drawn == int(table["level"].eq(level).sum())


@pytest.mark.slow
@pytest.mark.browser
def test_clicking_an_rt_shows_its_row(outputs, page, tmp_path):
    table = coverage_csv(outputs["supervisor"])
    rt = table[table["level"].eq("rt") & table["status"].eq("under")].iloc[0]
    page.locator(".cakupan-search input").fill(rt["code"])
    page.locator(".cakupan-search li").first.click()
    page.locator(".leaflet-popup-close-button").click()
    # flagged interviews lie above the RTs: put them away to click the RT itself
    page.evaluate("(() => { const c = window.cakupan; Object.values(c.overlays)"
                  ".forEach(layer => c.map.removeLayer(layer)); })()")
    map_at_rest(page)
    shapes = outputs["result"].shapes["rt"]
    inside = shapes.loc[shapes["code"].eq(rt["code"]), "geometry"].iloc[0].point_on_surface()
    x, y = page.evaluate(
        f"(() => {{ const p = window.cakupan.map.latLngToContainerPoint([{inside.y}, {inside.x}]);"
        f" const r = window.cakupan.map.getContainer().getBoundingClientRect();"
        f" return [p.x + r.left, p.y + r.top]; }})()")
    page.mouse.click(x, y)
    map_at_rest(page)  # the opened popup pans the map; read it once it stands still
    shown = popup_figures(page)
    assert shown.get("code") == rt["code"], shown
    assert shown["name"] == rt["name"]
    # "40", or "40 (Ruta diragukan 12)": the doubtful households beside the counted ones
    counted, _, doubtful = shown["counted_households"].partition(" (")
    assert number(counted) == rt["counted_households"]
    assert (number(doubtful.rsplit(" ", 1)[-1].rstrip(")")) if doubtful else 0) == rt[
        "doubtful_households"]
    # households are shown whole; coverage.csv keeps the exact figures
    assert shown["expected_households"] == formats.households(rt["expected_households"], "id")
    assert shown["coverage_ratio"] == formats.percent(rt["coverage_ratio"], "id")
    assert shown["gap_households"] == formats.households(rt["gap_households"], "id")
    assert shown["status"] == "Kurang"
    assert shown["expected_source"] == formats.word(rt["expected_source"], "id")
    assert shown["place"].startswith(names_of(table)[rt["kelurahan_code"]])
    page.screenshot(path=tmp_path / "map.png")
    assert (tmp_path / "map.png").stat().st_size > 10_000


@pytest.mark.slow
@pytest.mark.browser
def test_legend_names_colours_and_hides_a_class(outputs, page):
    table = coverage_csv(outputs["supervisor"])
    page.evaluate("window.cakupan.setLevel('rt')")
    items = page.locator(".cakupan-legend .item")
    # the statuses of fieldwork under way only where a unit has one (none after the window)
    shown = [s for s in STATUS_COLOURS
             if s not in SCHEDULE_STATUSES or table["status"].eq(s).any()]
    assert items.count() == len(shown)
    counts = table[table["level"].eq("rt")]["status"].value_counts()
    for i, status in enumerate(shown):
        item = items.nth(i)
        assert item.get_attribute("data-status") == status
        assert int(item.locator(".count").inner_text()) == counts.get(status, 0)
    under = page.locator(".cakupan-legend .item[data-status=under]")
    fills = page.locator(".leaflet-cakupan-rt-pane path[fill='#fc8d59']")
    assert fills.count() == counts["under"]
    assert fills.first.get_attribute("fill-opacity") == "0.6"
    under.click()
    assert fills.first.get_attribute("fill-opacity") == "0"
    assert "off" in page.locator(".cakupan-legend .item[data-status=under]").get_attribute("class")


@pytest.mark.slow
@pytest.mark.browser
def test_search_finds_kelurahan_by_name_and_escapes_it(outputs, page):
    box = page.locator(".cakupan-search input")
    box.fill("onerror")
    found = page.locator(".cakupan-search li")
    assert found.count() == 1
    assert EVIL in found.first.inner_text()
    found.first.click()
    assert found.count() == 0  # the list closes after a choice
    assert page.locator(".leaflet-cakupan-selected-pane path").count() == 1
    assert page.locator("input[name=cakupan-level][value=rt]").is_checked()
    page.locator(".leaflet-cakupan-rt-pane path").first.hover()
    assert page.locator("img[src=x]").count() == 0
    assert page.evaluate("window.cakupan.map.getZoom()") >= 12


@pytest.mark.slow
@pytest.mark.browser
def test_supervisor_map_has_points(outputs, page):
    result = outputs["result"]
    interviews = result.interviews
    # the map shows the worklist's interviews to verify, not the notes
    task = (interviews["severity"].isin(["serious", "verify"])
            | interviews["location_check"].eq("far_outside"))
    flagged = task.fillna(False) & interviews["lon"].notna()
    names = page.evaluate("Object.keys(window.cakupan.overlays)")
    assert "Wawancara bermasalah" in names and any("klaster" in n for n in names)
    html = (outputs["supervisor"] / "map.html").read_text("utf-8")
    first = interviews.loc[flagged, "interview_id"].iloc[0]
    assert first in html
    note = interviews["severity"].eq("note") & ~flagged
    if note.any():
        assert interviews.loc[note, "interview_id"].iloc[0] not in html


# ---- privacy of the planner's pages ------------------------------------------------------

PAIR = re.compile(r"(-?\d{1,3}\.\d+)\s*,\s*(-?\d{1,3}\.\d+)")


def coordinate_pairs(text: str) -> set[tuple[float, float]]:
    pairs = set()
    for a, b in PAIR.findall(text):
        a, b = round(float(a), 5), round(float(b), 5)
        pairs.update({(a, b), (b, a)})
    return pairs


@pytest.mark.parametrize("name", ["map.html", "report.html"])
def test_planner_pages_hold_no_interview_points_or_ids(outputs, name):
    text = (outputs["planner"] / name).read_text("utf-8")
    interviews = outputs["result"].interviews.dropna(subset=["lon", "lat"])
    points = set(zip(interviews["lon"].round(5), interviews["lat"].round(5), strict=True))
    assert not coordinate_pairs(text) & points
    assert not re.search(r"\bW\d{7}\b", text)
    assert not re.search(r"\bP[PM]L\d+", text)
    supervisor = (outputs["supervisor"] / "map.html").read_text("utf-8")
    assert re.search(r"\bW\d{7}\b", supervisor)  # the check can see what it looks for


def test_script_json_cannot_close_the_script():
    text = maps.script_json({"a": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "\u2028" not in text


def test_same_inputs_same_bytes(outputs):
    result = outputs["result"]
    pages = [maps.map_page(result) for _ in range(2)]
    assert pages[0] == pages[1]
    assert pages[0] == (outputs["supervisor"] / "map.html").read_text("utf-8")


def test_planner_folder_holds_no_file_with_a_row_per_interview(outputs):
    import geopandas as gpd
    import openpyxl
    import pyogrio

    folder = outputs["planner"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(write.output_names("planner"))
    assert "interviews.csv" not in write.output_names("planner")
    rts = int(coverage_csv(folder)["level"].eq("rt").sum())
    personal = {"interview_id", "household_id", "source_row", "enumerator_id", "supervisor_id"}
    tables = {"coverage.csv": coverage_csv(folder)}
    for layer, _ in pyogrio.list_layers(folder / "coverage.gpkg"):
        tables[f"coverage.gpkg:{layer}"] = gpd.read_file(folder / "coverage.gpkg", layer=layer)
    tables["gaps.geojson"] = gpd.read_file(folder / "gaps.geojson")
    book = openpyxl.load_workbook(folder / "worklist.xlsx", read_only=True)
    # RTs to revisit and the legend of their columns, nothing per interview
    assert book.sheetnames == ["RT dikunjungi ulang", "Keterangan"]
    for name, table in tables.items():
        assert not personal & set(table.columns), name
        assert len(table) <= 4 * rts, name  # rows per area, never per interview
        if isinstance(table, gpd.GeoDataFrame) and len(table):
            assert set(table.geom_type) <= {"Polygon", "MultiPolygon"}, name
