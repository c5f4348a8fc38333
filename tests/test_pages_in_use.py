"""map.html and report.html used as a person would, in Chromium offline, on a laptop
(1400 px) and a phone (390 px): flagged interviews, search, panels, words and numbers, and
the planner's report printed to PDF (all marked ``slow`` and ``browser``)."""

from __future__ import annotations

import re
import subprocess

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import cakupan
from cakupan import formats
from cakupan._flow import Inputs
from cakupan.render import write
from cakupan.sample import make_world, write_world
from cakupan.scale.files import run_files
from tests.browser import browser, map_at_rest, offline_page

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SIZES = {"laptop": (1400, 900), "phone": (390, 800)}
SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
HOUSEHOLD_FIELDS = ("counted_households", "expected_households", "gap_households",
                    "estimated_households")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """The tiny world's outputs: supervisor in both languages, planner in Bahasa Indonesia."""
    folder = tmp_path_factory.mktemp("in_use")
    paths = write_world(make_world("tiny"), folder / "world")
    inputs = Inputs(boundaries=paths["boundaries"], interviews=paths["interviews"],
                    units=paths["units"], prelist=paths["prelist"])
    result = run_files(inputs, folder / "id")
    write.write_outputs(result, folder / "en", inputs=inputs, lang="en")
    write.write_outputs(result, folder / "planner", inputs=inputs, audience="planner")
    table = pd.read_csv(folder / "id" / "coverage.csv",
                        dtype={"code": str, "parent_code": str, "kelurahan_code": str,
                               "rw": str, "rt": str})
    return {"folder": folder, "result": result, "table": table}


@pytest.fixture(scope="module")
def chromium():
    with browser() as launched:
        yield launched


def opened_map(chromium, path, size):
    """Open a map page, waiting for its script; yields (page, watch) via offline_page."""
    return offline_page(chromium, path, viewport=SIZES[size])


def ready(page):
    page.wait_for_function("window.cakupan !== undefined")
    map_at_rest(page)


# centre a flagged point at the closest zoom and say where to click: on the point, or on the
# bubble it still shares there (points a few metres apart), which a click spreads out
SHOW_FLAGGED = """(i) => new Promise(done => {
  const c = window.cakupan, m = c.flaggedMarkers[i];
  c.map.closePopup();
  c.flagged.unspiderfy();  // folding a spread bubble back takes an animation
  setTimeout(() => {
    c.map.setView(m.getLatLng(), c.map.getMaxZoom(), {animate: false});
    // the first time points show, they are clustered in chunks: wait for this one
    let waited = 0;
    const look = () => {
      const shown = c.flagged.getVisibleParent(m);
      const p = c.map.latLngToContainerPoint((shown || m).getLatLng());
      const r = c.map.getContainer().getBoundingClientRect();
      const x = p.x + r.left, y = p.y + r.top, under = document.elementFromPoint(x, y);
      const there = under && under.closest('.leaflet-cakupan-flagged-pane');
      if (!there && waited < 5000) { waited += 100; setTimeout(look, 100); return; }
      done([x, y, m.options.interview, !!shown && shown !== m]);
    };
    setTimeout(look, 250);
  }, 350);
})"""
WHERE = """(i) => { const c = window.cakupan, m = c.flaggedMarkers[i];
  // a spread bubble of a hundred points at one spot reaches past the screen: follow the point
  if (!c.map.getBounds().pad(-0.1).contains(m.getLatLng())) {
    c.map.panTo(m.getLatLng(), {animate: false}); }
  const p = c.map.latLngToContainerPoint(m.getLatLng());
  const r = c.map.getContainer().getBoundingClientRect();
  return [p.x + r.left, p.y + r.top]; }"""


def click_flagged(page, i) -> str:
    """Click flagged point ``i`` as a person would; return its interview ID."""
    x, y, interview, bundled = page.evaluate(SHOW_FLAGGED, i)
    if bundled:
        # ends in null: the page would otherwise hand back the whole cluster group, which
        # Playwright takes many seconds to serialise
        page.evaluate("window.__spread = false; window.cakupan.flagged.once('spiderfied',"
                      " () => { window.__spread = true; }); null")
        page.mouse.click(x, y)
        page.wait_for_function("window.__spread === true")  # the bubble spreads out
        page.wait_for_timeout(100)
        x, y = page.evaluate(WHERE, i)
    map_at_rest(page)
    page.mouse.click(x, y)
    return interview


@pytest.mark.parametrize("size", SIZES)
def test_flagged_points_each_open_their_own_popup(outputs, chromium, size):
    with opened_map(chromium, outputs["folder"] / "id" / "map.html", size) as (page, watch):
        ready(page)
        n = page.evaluate("window.cakupan.flaggedMarkers.length")
        assert n >= 90  # the tiny world's interviews to verify; 100 of them, or every one
        opened = []
        for i in np.linspace(0, n - 1, min(n, 100)).round().astype(int).tolist():
            interview = click_flagged(page, i)
            content = page.locator(".leaflet-popup-content")
            content.last.wait_for()
            text = content.last.inner_text()
            opened.append((interview, text.splitlines()[0]))
            assert f"\t{interview}\n" in text + "\n", (i, text)
        assert {header for _, header in opened} == {"Wawancara bermasalah"}
        assert watch.errors == []


def rt_inside_view(page, code) -> bool:
    return page.evaluate("""(code) => {
      const c = window.cakupan, view = c.map.getBounds();
      let inside = null;
      c.layers.rt.eachLayer(l => { if (l.feature.properties.code === code) {
        inside = view.contains(l.getBounds()); } });
      return inside; }""", code)


@pytest.mark.parametrize("size", SIZES)
def test_search_finds_rts_by_name_rw_rt_and_by_code(outputs, chromium, size):
    table = outputs["table"]
    names = table[table["level"].eq("kelurahan")].set_index("code")["name"]
    rts = table[table["level"].eq("rt")].iloc[[3, 60, 120]]
    with opened_map(chromium, outputs["folder"] / "id" / "map.html", size) as (page, watch):
        ready(page)
        box = page.locator(".cakupan-search input")
        for rt in rts.itertuples():
            name = names[rt.kelurahan_code]
            for query in (f"{name} RW {rt.rw} RT {rt.rt}",
                          f"{name.lower()} {int(rt.rw)}/{int(rt.rt)}", rt.code):
                box.fill(query)
                found = page.locator(".cakupan-search li")
                assert found.count() == 1, query
                assert rt.code in found.first.inner_text() and name in found.first.inner_text()
                found.first.click()
                assert found.count() == 0  # the list closes after a choice
                map_at_rest(page)
                assert rt_inside_view(page, rt.code)
                assert rt.code in page.locator(".leaflet-popup-content").last.inner_text()
        assert watch.errors == []


POPUP_FITS = """() => {
  const popup = document.querySelector('.leaflet-popup-content-wrapper').getBoundingClientRect();
  const table = document.querySelector('.leaflet-popup-content table').getBoundingClientRect();
  const panels = Array.from(document.querySelectorAll('.leaflet-top .leaflet-control'))
    .map(e => e.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0);
  const covered = panels.some(r => r.left < popup.right && popup.left < r.right
                                   && r.top < popup.bottom && popup.top < r.bottom);
  return {inside: popup.left >= 0 && popup.top >= 0 && popup.right <= innerWidth
                  && popup.bottom <= innerHeight,
          table: table.right <= popup.right && table.left >= popup.left, covered: covered};
}"""


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("size", SIZES)
def test_a_chosen_units_popup_fits_the_screen(outputs, chromium, size, lang):
    """Its figures within the popup, the popup within the screen and clear of the panels."""
    rts = outputs["table"][outputs["table"]["level"].eq("rt")].iloc[[0, 77]]
    with opened_map(chromium, outputs["folder"] / lang / "map.html", size) as (page, watch):
        ready(page)
        for code in rts["code"]:
            page.locator(".cakupan-search input").fill(code)
            page.locator(".cakupan-search li").first.click()
            map_at_rest(page)
            assert page.evaluate(POPUP_FITS) == {"inside": True, "table": True,
                                                 "covered": False}, code
        assert watch.errors == []


def test_search_puts_the_kelurahan_named_so_first(tmp_path, chromium):
    """A desa named like its kecamatan ("Rajeg" in kecamatan Rajeg): its RTs come first."""
    world = make_world("tiny")
    paths = write_world(world, tmp_path / "world")
    boundaries = gpd.read_file(paths["boundaries"])
    last = boundaries.index[-1]
    boundaries.loc[last, "nama"] = boundaries.loc[last, "kec_nama"]
    boundaries.to_file(paths["boundaries"], driver="GeoJSON")
    cakupan.run(paths["boundaries"], paths["interviews"], tmp_path / "out",
                units=paths["units"], prelist=paths["prelist"])
    code = boundaries.loc[last, "kode"].replace(".", "")
    with opened_map(chromium, tmp_path / "out" / "map.html", "laptop") as (page, watch):
        ready(page)
        found = page.evaluate(f"""window.cakupan.find("{boundaries.loc[last, 'nama']} 1/1")
            .map(l => l.feature.properties.code)""")
        assert len(found) == len(boundaries)  # RT 001 of RW 001 in each kelurahan
        assert found[0].startswith(code), found
        assert watch.errors == []


@pytest.mark.parametrize("size", SIZES)
def test_choosing_a_kelurahan_shows_all_its_rts(outputs, chromium, size):
    table = outputs["table"]
    kelurahan = table[table["level"].eq("kelurahan")]
    with opened_map(chromium, outputs["folder"] / "id" / "map.html", size) as (page, watch):
        ready(page)
        for kel in kelurahan.itertuples():
            page.locator(".cakupan-search input").fill(kel.name)
            entry = page.locator(".cakupan-search li", has_text="Kelurahan:").first
            entry.click()
            map_at_rest(page)
            assert page.locator("input[name=cakupan-level][value=rt]").is_checked()
            codes = table.loc[table["level"].eq("rt")
                              & table["kelurahan_code"].eq(kel.code), "code"]
            assert len(codes) > 5
            drawn = page.locator(".leaflet-cakupan-rt-pane path").count()
            assert drawn >= len(codes)
            assert all(rt_inside_view(page, code) for code in codes), kel.name
        assert watch.errors == []


PANELS = """() => Array.from(document.querySelectorAll('.leaflet-control'))
  .map(e => e.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0)
  .map(r => [r.left, r.top, r.right, r.bottom])"""


@pytest.mark.parametrize("size", SIZES)
def test_panels_do_not_overlap_and_leave_the_map_visible(outputs, chromium, size):
    width, height = SIZES[size]
    with opened_map(chromium, outputs["folder"] / "id" / "map.html", size) as (page, watch):
        ready(page)
        rects = page.evaluate(PANELS)
        assert len(rects) >= 6
        for i, a in enumerate(rects):
            for b in rects[i + 1:]:
                overlap_w = min(a[2], b[2]) - max(a[0], b[0])
                overlap_h = min(a[3], b[3]) - max(a[1], b[1])
                assert overlap_w <= 0 or overlap_h <= 0, (a, b)
        covered = sum((r[2] - r[0]) * (r[3] - r[1]) for r in rects) / (width * height)
        if size == "phone":
            assert covered < 0.40
        page.keyboard.press("Tab")  # the keyboard shows where it is, a click does not
        assert page.evaluate("document.activeElement.matches(':focus-visible')")
        assert watch.errors == []


SEEN = """() => {
  const c = window.cakupan, seen = [];
  const rows = () => Array.from(document.querySelectorAll('.leaflet-popup-content tr,'
                                                         + ' .leaflet-tooltip tr'));
  const keep = () => rows().forEach(r => seen.push([r.dataset.field || '', r.innerText]));
  ['kecamatan', 'kelurahan', 'rw', 'rt'].forEach(level => {
    if (!c.layers[level]) { return; }
    c.setLevel(level);
    const all = c.layers[level].getLayers();
    [0, Math.floor(all.length / 2), all.length - 1].forEach(i => {
      all[i].openPopup(); keep(); c.map.closePopup(); });
  });
  let tooltips = 0;
  Object.values(c.overlays).forEach(group => group.eachLayer && group.eachLayer(l => {
    if (l._map && l.getTooltip && l.getTooltip() && tooltips < 30) {
      tooltips += 1; l.openTooltip(); keep(); l.closeTooltip(); } }));
  seen.push(['page', document.body.innerText]);
  return seen; }"""


def flagged_popup_rows(page, indices) -> list[list[str]]:
    out = []
    for i in indices:
        click_flagged(page, i)
        page.locator(".leaflet-popup-content").last.wait_for()
        out += page.evaluate("""() => Array.from(document.querySelectorAll(
            '.leaflet-popup-content tr')).map(r => [r.dataset.field, r.innerText])""")
    return out


@pytest.mark.parametrize("lang", ["id", "en"])
def test_map_text_speaks_words_and_whole_households(outputs, chromium, lang):
    with opened_map(chromium, outputs["folder"] / lang / "map.html", "laptop") as (page, watch):
        ready(page)
        seen = page.evaluate(SEEN)
        n = page.evaluate("window.cakupan.flaggedMarkers.length")
        seen += flagged_popup_rows(page, range(0, n, max(n // 25, 1)))
        fields = {field for field, _ in seen}
        assert {"status", "expected_source", "flags", "evidence", "location_check",
                "nearest_rt"} <= fields
        text = "\n".join(t for _, t in seen)
        assert not SNAKE.findall(text), set(SNAKE.findall(text))
        decimal = "," if lang == "id" else "."
        for field, row in seen:
            if field in HOUSEHOLD_FIELDS:
                assert decimal not in row.split("\t")[-1], row
        assert ("Kurang" if lang == "id" else "Under") in text
        assert watch.errors == []


def report_text(page) -> str:
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    text = page.evaluate("document.body.innerText")
    return text.rsplit("\n", 1)[0] if "cakupan 0" in text.rsplit("\n", 1)[-1] else text


@pytest.mark.parametrize(("folder", "lang"), [("id", "id"), ("en", "en"), ("planner", "id")])
def test_report_text_and_phone_width(outputs, chromium, folder, lang):
    path = outputs["folder"] / folder / "report.html"
    with offline_page(chromium, path, viewport=SIZES["phone"]) as (page, watch):
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES["phone"][0]
        text = report_text(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES["phone"][0]
        assert not SNAKE.findall(text), set(SNAKE.findall(text))
        decimal = r"\d,\d" if lang == "id" else r"\d\.\d"
        fractions = re.findall(decimal + r"+(?!\d*\s*(?:%|ha\b))", text)
        assert fractions == []
        assert formats.status_word("not_started", lang) in text
        assert watch.errors == []


def test_planner_report_prints_on_a4(outputs, chromium, tmp_path):
    path = outputs["folder"] / "planner" / "report.html"
    pdf = tmp_path / "report.pdf"
    with offline_page(chromium, path) as (page, watch):
        page.emulate_media(media="print")
        page.pdf(path=pdf, format="A4", print_background=True)
        assert watch.errors == []
    first = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "2", pdf, "-"],
                           capture_output=True, text=True, check=True).stdout
    every = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "Cakupan pendataan: ringkasan untuk rapat" in first
    assert "data s.d." in first
    assert "Peta cakupan per kelurahan" in first
    assert "Rasio cakupan per kecamatan" in first and "Ruta belum terdata" in first
    kecamatan = outputs["table"].loc[outputs["table"]["level"].eq("kecamatan"), "name"]
    assert all(name in first for name in kecamatan)
    assert not re.search(r"\bW\d{7}\b|\bPPL\d+|\bPML\d+|\d{14}-\d{4}", every)
    pages = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True,
                           check=True).stdout
    assert re.search(r"Page size:.*\(A4\)", pages)
