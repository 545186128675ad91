"""Participant reports on a small warehouse: the model's numbers, honest gaps, new modules, samenwerkingsverbanden,
the PDF and Word text against the warehouse, and the command line."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import json
import os
import re
import shutil
import subprocess
import sys

import docx
import pytest
from comparison_fixtures import query
from PIL import Image
from report_fixtures import JUNE, MAY, build

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import load_registry
from divobench_pipeline.core.warehouse import open_warehouse, read_warehouse
from divobench_pipeline.defs.cbs_kerncijfers.registry import CODES as CBS_CODES
from divobench_pipeline.defs.reports import model
from divobench_pipeline.defs.reports.browser import printer
from divobench_pipeline.defs.reports.data import load_month
from divobench_pipeline.defs.reports.document import build_document
from divobench_pipeline.defs.reports.html import render_html
from divobench_pipeline.defs.reports.planning import report_fingerprints
from divobench_pipeline.defs.reports.word import render_docx
from divobench_pipeline.defs.reports.writer import (
    CHUNK,
    FILES,
    MANIFEST,
    _chunked,
    report_dir,
    write_participant,
    write_reports,
)
from divobench_pipeline.defs.wi_indicators.registry import INDICATORS


@pytest.fixture(scope="module")
def warehouse_home(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        root = tmp_path_factory.mktemp("reports") / "divobench_home"
        patch.setenv("DIVOBENCH_HOME", str(root))
        patch.setenv("DIVOBENCH_CBS_MODE", "offline")
        patch.delenv("DAGSTER_HOME", raising=False)
        home = DivobenchHome(root).prepare()
        build(home)
        yield home


@pytest.fixture(scope="module")
def written(warehouse_home, tmp_path_factory):
    """The reports of GM0001, SV-PER (option 2) and SV-WHOLE (option 3) for June, written once."""
    out = tmp_path_factory.mktemp("written")
    registry = load_registry(warehouse_home.participants_file)
    with read_warehouse(warehouse_home.warehouse) as con, printer() as pdf:
        data = load_month(con, JUNE)
        return {pid: write_participant(con, data, registry, pid, out / pid, pdf, None)
                for pid in ("GM0001", "SV-PER", "SV-WHOLE")}


def report_of(home, pid, level, unit, month=JUNE):
    registry = load_registry(home.participants_file)
    with read_warehouse(home.warehouse) as con:
        return model.build_report(con, load_month(con, month), registry, pid, level, unit)


def test_report_shows_own_value_groups_peers_spread_and_funnel(warehouse_home):
    report = report_of(warehouse_home, "GM0001", "gemeente", "GM0001")
    bestand, aandeel = report.block("wi.bestand.pw"), report.block("wi.aandeel_uitstroom_werk.pw")
    assert bestand.own.text == "10" and aandeel.own.text == "37,5%"  # 3 of 8 uitstromers to werk
    # landelijk over 11 units (SV-WHOLE counts as one): 342 uitkeringen; 34 of 73 uitstromers to werk.
    assert bestand.landelijk.text == "342" and aandeel.landelijk.text == "46,6%"
    assert {g.group_type for g in bestand.groups} == {"landelijk", "provincie", "grootteklasse", "arbeidsmarktregio",
                                                     "vergelijkbaar", "selectie"}
    assert [p.group_code for p in bestand.peers] == ["GM0002", "SV-WHOLE"]
    assert [p.value.text for p in bestand.peers] == ["20", "12"]
    landelijk = next(g for g in bestand.groups if g.group_type == "landelijk")
    # unit values 10, 20, 30, 40, 50, 60, 35, 45, 15, 25, 12: min 10, quartiles 17,5 / 30 / 42,5, max 60.
    assert landelijk.spread == (10, 17.5, 30, 42.5, 60) and landelijk.place == "laagste kwart"
    funnel = aandeel.funnel
    assert funnel.p0 == pytest.approx(34 / 73) and len(funnel.points) == 10  # GM0006 has no uitstroom
    assert funnel.own == (8, 0.375) and funnel.position == "binnen"


def test_funnel_flags_a_unit_beyond_the_limits(warehouse_home):
    # GM0007: 11 of 12. p0 = 34/73 = 0,46575; se = sqrt(0,46575 * 0,53425 / 12) = 0,14400;
    # upper 99,8 % = 0,46575 + 3,090232 * 0,14400 = 0,91075 < 11/12 = 0,91667.
    funnel = report_of(warehouse_home, "GM0007", "gemeente", "GM0007").block("wi.aandeel_uitstroom_werk.pw").funnel
    assert funnel.position == "boven_998"
    assert "99,8%-grens" in funnel.text


def test_a_chart_drawn_on_a_reused_figure_is_the_chart_of_a_fresh_figure(warehouse_home):
    """Each process draws every participant's charts on the same figures; nothing of a participant drawn before
    may show: the PNG bytes equal those drawn on fresh figures."""
    from divobench_pipeline.defs.reports import charts

    reports = {pid: report_of(warehouse_home, pid, "gemeente", pid) for pid in ("GM0001", "GM0004", "GM0006")}

    def pngs(pid):
        return {c.key: c.png for c in build_document(reports[pid]).charts}

    charts._frame.cache_clear()
    fresh = pngs("GM0001")
    charts._frame.cache_clear()
    others = [pngs("GM0004"), pngs("GM0006")]
    assert pngs("GM0001") == fresh
    assert charts._frame.cache_info().hits > 0  # the figures were reused
    assert all(other["volume"] != fresh["volume"] for other in others)


def test_absent_values_are_a_dash_with_their_reason_never_zero(warehouse_home):
    no_uitstroom = report_of(warehouse_home, "GM0006", "gemeente", "GM0006").block("wi.aandeel_uitstroom_werk.pw")
    assert (no_uitstroom.own.text, no_uitstroom.own.reason) == ("–", "geen uitstroom")
    one = report_of(warehouse_home, "GM0004", "gemeente", "GM0004").block("wi.aandeel_uitstroom_werk.pw")
    assert (one.own.text, one.own.reason) == ("–", "te weinig waarnemingen")
    # volumeontwikkeling needs twelve months earlier: absent, not 0.
    change = report_of(warehouse_home, "GM0001", "gemeente", "GM0001").block("wi.volumeontwikkeling_12m.pw")
    assert change is None or change.own.text == "–"


def test_indicators_of_other_modules_and_periods_appear_without_template_edits(warehouse_home, tmp_path,
                                                                               monkeypatch):
    home = DivobenchHome(tmp_path / "copy")
    shutil.copytree(warehouse_home.root, home.root)
    quarterly = dataclasses.replace(INDICATORS[6], code="sh.test.aandeel_gehuisvest", name="Aandeel gehuisvest",
                                    description="Testindicator van een andere module, alleen in mei.",
                                    module="statushouders")
    new_module = dataclasses.replace(INDICATORS[0], code="cbs.test.kern", name="Kerncijfer uit een nieuwe module",
                                     description="Testindicator van een module die het rapport niet kent.",
                                     module="nieuwe_module")
    monkeypatch.setattr(model, "all_indicators", lambda: (*INDICATORS, quarterly, new_module))
    with open_warehouse(str(home.warehouse)) as con:
        con.execute("INSERT INTO indicator_value VALUES ('sh.test.aandeel_gehuisvest', 'gemeente', 'GM0001', ?, "
                    "3, 4, 0.75), ('cbs.test.kern', 'gemeente', 'GM0001', ?, 7, NULL, 7)", [MAY, JUNE])
        con.execute("INSERT INTO group_value VALUES ('sh.test.aandeel_gehuisvest', ?, 'landelijk', 'NL', 30, 60, "
                    "0.5, 0.5, 9, 'definitief', now()::TIMESTAMP)", [MAY])
    report = report_of(home, "GM0001", "gemeente", "GM0001")
    titles = [s.title for s in report.sections]
    assert titles[0] == "Werk & Inkomen: basis" and "Statushouders" in titles and "Nieuwe module" in titles
    housed = report.block("sh.test.aandeel_gehuisvest")
    assert housed.data_month == MAY and housed.landelijk.text == "50,0%"
    assert housed.own == model.Shown(None, "–", "te weinig waarnemingen")  # 3 of 4
    assert report.block("cbs.test.kern").own.text == "7"
    html = render_html(build_document(report))
    assert "Aandeel gehuisvest" in html and "Kerncijfer uit een nieuwe module" in html
    assert "Testindicator van een module die het rapport niet kent." in html


def test_cbs_kerncijfers_of_the_newest_year_up_to_the_report_month_with_source_and_year(warehouse_home, tmp_path):
    home = DivobenchHome(tmp_path / "copy")
    shutil.copytree(warehouse_home.root, home.root)
    with open_warehouse(str(home.warehouse)) as con:
        # 2016: GM0001 has 400 bijstandsontvangers of 10.000 inwoners (40,0 per 1.000); CBS has no WSW figure.
        # 2015 is older and December 2024 lies after the June report: neither is shown.
        con.execute("""INSERT INTO indicator_value VALUES
            ('cbs.bijstandsontvangers', 'gemeente', 'GM0001', DATE '2016-12-01', 400, NULL, 400),
            ('cbs.bijstandsdichtheid', 'gemeente', 'GM0001', DATE '2016-12-01', 400000, 10000, 40),
            ('cbs.bijstandsontvangers', 'gemeente', 'GM0001', DATE '2015-12-01', 390, NULL, 390),
            ('cbs.bijstandsontvangers', 'gemeente', 'GM0001', DATE '2024-12-01', 999, NULL, 999)""")
        con.execute("""INSERT INTO group_value VALUES
            ('cbs.bijstandsontvangers', DATE '2016-12-01', 'landelijk', 'NL', 426000, NULL, 426000, 350, 388,
             'definitief', now()::TIMESTAMP),
            ('cbs.bijstandsdichtheid', DATE '2016-12-01', 'landelijk', 'NL', 426000000, 14200000, 30, 25, 388,
             'definitief', now()::TIMESTAMP)""")
    report = report_of(home, "GM0001", "gemeente", "GM0001")
    section = report.sections[-1]
    assert section.title == "CBS-kerncijfers"
    assert [b.indicator.code for b in section.blocks] == list(CBS_CODES)
    assert {b.data_month for b in section.blocks} == {dt.date(2016, 12, 1)}
    ontvangers, dichtheid = report.block("cbs.bijstandsontvangers"), report.block("cbs.bijstandsdichtheid")
    assert (ontvangers.own.text, ontvangers.landelijk.text) == ("400", "426.000")
    assert (dichtheid.own.text, dichtheid.landelijk.text) == ("40,0", "30,0")
    assert report.block("cbs.wsw_werknemers").own == model.Shown(None, "–", "geen CBS-cijfer")
    assert "Bron: CBS, tabel 83747NED (2016)" in section.note and "CBS-jaar 2016" in section.note
    document = build_document(report)
    html = render_html(document)
    docx_path = tmp_path / "rapport.docx"
    docx_path.write_bytes(render_docx(document))
    word = _docx_text(docx_path)
    for text in (html, word):
        for expected in ("CBS-kerncijfers", "Bron: CBS, tabel 83747NED (2016)", "CBS-jaar 2016", "december 2016",
                         "Bijstandsdichtheid (CBS)", "40,0", "426.000", "geen CBS-cijfer",
                         "Bijstandsontvangers per 1.000 inwoners van 15 jaar of ouder, volgens CBS."):
            assert expected in text, expected
        assert "Geen CBS-kerncijfers beschikbaar" not in text
    without = report_of(warehouse_home, "GM0001", "gemeente", "GM0001").sections[-1]
    assert (without.title, without.blocks) == ("CBS-kerncijfers", [])
    assert without.empty == "Geen CBS-kerncijfers beschikbaar over 2024 of eerder."


def test_option_2_gets_a_report_per_gemeente_option_3_only_the_whole(written, warehouse_home):
    per = {p.relative_to(p.parents[1]).as_posix() if p.parent.name.startswith("GM") else p.name
           for p in written["SV-PER"].files}
    assert per == {*FILES, *(f"GM0011/{f}" for f in FILES), *(f"GM0012/{f}" for f in FILES)}
    assert {p.name for p in written["SV-WHOLE"].files} == set(FILES)
    assert all(p.parent.name == "SV-WHOLE" for p in written["SV-WHOLE"].files)
    gemeente = report_of(warehouse_home, "SV-PER", "gemeente", "GM0011")
    assert gemeente.block("wi.bestand.pw").own.text == "15"


def _docx_text(path) -> str:
    document = docx.Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _expected_figures(home) -> list[str]:
    """Figures of GM0001 in June, read from the warehouse and written the Dutch way by hand."""
    (sha,) = query(home, "SELECT upload_sha256 FROM bus_upload_in_force WHERE participant_id = 'GM0001' "
                         "AND month = ?", [JUNE])[0]
    values = dict(query(home, "SELECT indicator, value FROM indicator_value WHERE unit = 'GM0001' AND "
                              "level = 'gemeente' AND month = ?", [JUNE]))
    landelijk = dict(query(home, "SELECT indicator, group_value FROM group_value WHERE group_type = 'landelijk' "
                                 "AND month = ?", [JUNE]))
    assert (values["wi.bestand.pw"], landelijk["wi.bestand.pw"]) == (10, 342)
    assert values["wi.aandeel_uitstroom_werk.pw"] == 0.375
    return ["juni 2024", sha[:12], "definitief", "37,5%", "46,6%", "342", "Landelijk", "Eigen selectie: buren",
            "Aandeel uitstroom naar werk", "Uitstroom naar werk als deel van alle uitstroom"]


def test_pdf_word_and_html_hold_the_warehouse_figures(written, warehouse_home):
    folder = written["GM0001"].files[0].parent
    pdf_text = subprocess.run(["pdftotext", "-layout", str(folder / "benchmarkrapport.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
    word_text = _docx_text(folder / "benchmarkrapport.docx")
    html = (folder / "benchmarkrapport.html").read_text(encoding="utf-8")
    for figure in _expected_figures(warehouse_home):
        assert figure in pdf_text, figure
        assert figure in word_text, figure
        assert figure in html, figure
    for text in (pdf_text, word_text, html):
        assert "Geen CBS-kerncijfers beschikbaar over 2024 of eerder." in text
    pages = pdf_text.split("\f")[:-1]  # pdftotext ends every page with a form feed
    assert [re.findall(rf"\b(\d+) / {len(pages)}\b", page)[-1:] for page in pages] == [
        [str(k)] for k in range(1, len(pages) + 1)]  # every page numbered "k / n", from the stylesheet's @page
    report = report_of(warehouse_home, "GM0001", "gemeente", "GM0001")
    for chart in build_document(report).charts:  # every chart's table, closed on screen or not, is printed
        for row in (chart.rows[0], chart.rows[-1]):
            assert re.search(r"\s+".join(map(re.escape, row[1:])), pdf_text), (chart.key, row)
    infographic = subprocess.run(["pdftotext", str(folder / "infographic.pdf"), "-"], capture_output=True,
                                 text=True, check=True).stdout
    assert "37,5%" in infographic and "juni 2024" in infographic  # drawn once as PDF, with real text
    with Image.open(folder / "infographic.png") as png:  # the PNG rendered from that PDF: A4 at 100 dpi
        assert png.format == "PNG" and abs(png.width - 827) <= 1 and abs(png.height - 1169) <= 1
    assert len(docx.Document(str(folder / "benchmarkrapport.docx")).inline_shapes) >= 5  # charts as pictures


@pytest.mark.slow
def test_command_line_writes_the_files_and_refuses_with_one_sentence(warehouse_home, tmp_path):
    env = {**os.environ, "DIVOBENCH_HOME": str(warehouse_home.root)}
    command = [sys.executable, "-m", "divobench_pipeline", "report"]
    done = subprocess.run([*command, "--participant", "GM0003", "--month", "2024-06", "--output", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert [line.rsplit("/", 1)[1] for line in done.stdout.splitlines()] == list(FILES)
    assert (tmp_path / "benchmarkrapport.html").stat().st_size > 10_000
    for args, words in ((["--participant", "GM9999", "--month", "2024-06"], "GM9999"),
                        (["--participant", "GM0003", "--month", "2023-01"], "2023-01")):
        refused = subprocess.run([*command, *args], capture_output=True, text=True, env=env, timeout=120)
        assert refused.returncode == 2 and words in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr


def test_reports_of_a_run_carry_their_fingerprints_and_leave_the_collector_unfrozen(warehouse_home):
    """One worker (in this process) over two months: each participant-month's manifest holds the fingerprint the
    planner compares, and the garbage collector, frozen while a month is written, is unfrozen afterwards."""
    registry = load_registry(warehouse_home.participants_file)
    wanted = {MAY: ["GM0002"], JUNE: ["GM0002", "GM0003"]}
    with read_warehouse(warehouse_home.warehouse) as con:
        expected = report_fingerprints(con, registry, list(wanted))
    written = write_reports(warehouse_home, registry, wanted, workers=1)
    assert sorted((w.month, w.participant_id) for w in written) == sorted(
        (month, pid) for month, pids in wanted.items() for pid in pids)
    for w in written:
        manifest = json.loads((report_dir(warehouse_home, w.participant_id, w.month) / MANIFEST).read_text())
        assert manifest["fingerprint"] == expected[(w.month, w.participant_id)]
        assert [p.name for p in w.files] == list(FILES)
    assert gc.get_freeze_count() == 0


def test_work_is_handed_out_in_shrinking_chunks_within_a_month():
    """Every participant-month once, in order, a chunk never over two months; large chunks first (a worker keeps
    to a month), the last ones at most ``CHUNK`` (the workers end together)."""
    national = {JUNE: [f"GM{k:04d}" for k in range(342)]}
    sizes = [len(pids) for _, pids in _chunked(national, workers=2)]
    assert sum(sizes) == 342 and sizes[0] == 342 // 8 and sizes == sorted(sizes, reverse=True)
    assert max(sizes[-5:]) <= CHUNK
    backfill = {MAY: ["A", "B", "C", "D"], JUNE: ["A", "B", "C"]}
    assert list(_chunked(backfill, workers=2)) == [(MAY, ["A", "B"]), (MAY, ["C", "D"]), (JUNE, ["A", "B"]),
                                                   (JUNE, ["C"])]
    months = {MAY.replace(month=m): ["A", "B", "C", "D"] for m in range(1, 13)}
    assert [len(pids) for _, pids in _chunked(months, workers=2)][:5] == [4] * 5  # whole months while much is left
