"""The dashboard as a person sees it: headless Chromium (Debian's chromium-headless-shell, Playwright for Python)
renders every chart, shows the warehouse's numbers, logs no console error and requests nothing from a network;
a screenshot is not blank."""

from __future__ import annotations

import io

import pytest
from comparison_fixtures import query
from PIL import Image
from report_fixtures import JUNE, build

from divobench_pipeline.core.catalogue import catalogue_entry
from divobench_pipeline.core.participants import load_registry
from divobench_pipeline.core.warehouse import read_warehouse
from divobench_pipeline.defs.reports.browser import CHROMIUM_ARGS, chromium_path, printer
from divobench_pipeline.defs.reports.data import load_month
from divobench_pipeline.defs.reports.formatting import format_value
from divobench_pipeline.defs.reports.writer import write_participant


@pytest.fixture
def dashboard(home, tmp_path):
    build(home)
    registry = load_registry(home.participants_file)
    with read_warehouse(home.warehouse) as con, printer() as pdf:
        write_participant(con, load_month(con, JUNE), registry, "GM0001", tmp_path / "GM0001", pdf, None)
    return tmp_path / "GM0001" / "benchmarkrapport.html"


def test_dashboard_renders_every_chart_offline_with_the_warehouse_numbers(dashboard, home):
    from playwright.sync_api import sync_playwright

    errors, requests = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(dashboard.as_uri(), wait_until="load")
            charts = page.eval_on_selector_all(
                "figure[data-chart] img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
            tables = page.eval_on_selector_all("figure[data-chart]", "fs => fs.map(f => !!f.querySelector('table'))")
            tiles = dict(page.eval_on_selector_all(
                ".tile", "ts => ts.map(t => [t.dataset.indicator, t.querySelector('.value').innerText])"))
            overview = dict(page.eval_on_selector_all(
                "table.overview tr[data-indicator]",
                "rs => rs.map(r => [r.dataset.indicator, r.querySelector('td.own').innerText])"))
            hover = page.get_attribute("tr[data-indicator='wi.bestand.pw'] span.def", "title")
            shot = page.screenshot()
        finally:
            browser.close()
    assert len(charts) >= 6 and all(done and w > 100 and h > 100 for done, w, h in charts), charts
    assert len(tables) == len(charts) and all(tables)  # a table of the same numbers with every chart
    assert not errors, errors
    assert requests == [dashboard.as_uri()], requests  # the page itself, nothing else
    values = dict(query(home, "SELECT indicator, value FROM indicator_value WHERE unit = 'GM0001' "
                              "AND level = 'gemeente' AND month = ?", [JUNE]))
    assert tiles["wi.bestand.pw"] == "10" == format_value("uitkeringen", values["wi.bestand.pw"])
    assert tiles["wi.aandeel_uitstroom_werk.pw"] == "37,5%"
    for code in ("wi.bestand.pw", "wi.uitstroom.pw", "wi.gemiddelde_duur_maanden.pw"):
        unit = catalogue_entry(code).unit_of_measure
        assert overview[code].split()[0] == format_value(unit, values[code]), code
    assert hover.startswith("Algemene bijstand uitkeringen")
    image = Image.open(io.BytesIO(shot)).convert("L")
    histogram = image.histogram()
    assert image.size == (1280, 900)
    assert max(histogram) < 0.95 * sum(histogram)  # not one colour
    assert len([n for n in histogram if n]) > 50   # text and chart, not a blank page
