"""The upload report a municipal employee reads after uploading a BUS file."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from bus_builders import BSN_FAILING, BSN_OTHER, BSN_PARTNER, TEST_BSNS, bus_document, levering, persoon, uitkering
from lxml import html

from divobench_pipeline.defs.bus_uploads.parser import ParsedUpload, UploadRejected, parse_bus_upload
from divobench_pipeline.defs.bus_uploads.report import render_upload_report

EXAMPLE = Path(__file__).parent / "fixtures" / "bus" / "bus_voorbeeld.xml"
SHA = "3f5a9c0e1d2b" + "a" * 52
RECEIVED = datetime(2026, 10, 3, 14, 5)


def pseudonymise(bsn: str) -> str:
    return hmac.new(b"test-key", bsn.encode(), hashlib.sha256).hexdigest()[:32]


def parse(tmp_path: Path, document: bytes, allowed: set[str] | None = None) -> ParsedUpload:
    path = tmp_path / "bus.xml"
    path.write_bytes(document)
    return parse_bus_upload(path, pseudonymise=pseudonymise, allowed_gemeenten=allowed or {"GM0363"},
                            today=date(2026, 11, 23))


def render(parsed: ParsedUpload | None, status: str, **overrides) -> str:
    options = {"participant_id": "GM0363", "participant_name": "Amsterdam", "filename": "bus_2026_09.xml",
               "sha256": SHA, "received_at": RECEIVED, "status": status, "parsed": parsed, **overrides}
    return render_upload_report(**options)


def table_rows(page: str, heading: str) -> list[list[str]]:
    """The body rows of the table under a heading, as cell texts."""
    tree = html.fromstring(page)
    [table] = tree.xpath(f"//h2[.='{heading}']/following-sibling::table[1]")
    return [[cell.text_content() for cell in row.xpath("td")] for row in table.xpath("tbody/tr")]


def test_an_accepted_upload(tmp_path):
    page = render(parse(tmp_path, EXAMPLE.read_bytes()), "geaccepteerd")
    tree = html.fromstring(page)
    assert tree.findtext(".//title") == "Uploadrapport BUS"
    assert tree.get("lang") == "nl"
    [status] = tree.xpath("//div[contains(@class, 'status')]")
    assert status.get("class") == "status ok"
    assert status.findtext("strong") == "Geaccepteerd"
    assert "vervangt een eventuele eerdere upload van dezelfde maand" in status.text_content()
    details = dict(zip(tree.xpath("//dt/text()"), [dd.text_content() for dd in tree.xpath("//dd")], strict=True))
    assert details == {"Bestand": "bus_2026_09.xml", "Statistiekmaand": "september 2026",
                       "Ontvangen op": "3 oktober 2026 om 14:05", "Kenmerk": "3f5a9c0e1d2b"}
    assert table_rows(page, "Leveringen") == [["1", "0363", "0363", "sam 4.12.1", "3", "4"]]
    assert "Geen: alle waarden konden worden gebruikt." in page
    assert "Waarom het bestand is afgewezen" not in page


def test_received_at_in_dutch_time(tmp_path):
    parsed = parse(tmp_path, EXAMPLE.read_bytes())
    summer = render(parsed, "geaccepteerd", received_at=datetime(2026, 10, 3, 12, 5, tzinfo=UTC))
    winter = render(parsed, "geaccepteerd", received_at=datetime(2026, 11, 3, 12, 5, tzinfo=UTC))
    assert "<dd>3 oktober 2026 om 14:05</dd>" in summer
    assert "<dd>3 november 2026 om 13:05</dd>" in winter


def test_completeness_per_kenmerk(tmp_path):
    rows = table_rows(render(parse(tmp_path, EXAMPLE.read_bytes()), "geaccepteerd"), "Volledigheid per kenmerk")
    assert len(rows) == 30
    assert rows[0] == ["5 naam softwarepakket", "levering", "0", "1", "0,0 %"]
    assert rows[12] == ["17 cluster bijzondere bijstand", "uitkering", "2", "3", "66,7 %"]
    assert rows[16] == ["21 huisvesting", "persoon", "1", "4", "25,0 %"]
    assert rows[23] == ["28 reden vermindering na afstemming", "vermindering", "0", "0", "—"]


def test_an_upload_with_signaleringen_lists_every_one_by_gemeente_and_registratienummer(tmp_path):
    document = bus_document(
        levering(uitkering("U9", persoon(), persoon(Burgerservicenummer=BSN_PARTNER, Geboortedatum="20260231")),
                 uitkering("U1", Leefvorm="7"), NaamSoftwarepakket="xyz", Gemeentecode="0534"),
        levering(uitkering("U5", persoon(EinddatumUitkering="20260918"))))
    parsed = parse(tmp_path, document, {"GM0363", "GM0534"})
    page = render(parsed, "geaccepteerd met signaleringen")
    assert html.fromstring(page).xpath("//div[contains(@class, 'status')]")[0].get("class") == "status warn"
    assert table_rows(page, "Signaleringen") == [
        ["0363", "U5", "aanvrager", "34 reden beëindiging uitkering persoon", "(leeg)",
         "reden beëindiging uitkering ontbreekt, terwijl de einddatum uitkering 20260918 is ingevuld"],
        ["0534", "(levering)", "—", "5 naam softwarepakket", "xyz",
         "code xyz komt niet voor in de codelijst van naam softwarepakket"],
        ["0534", "U1", "—", "10 leefvorm", "7", "code 7 komt niet voor in de codelijst van leefvorm"],
        ["0534", "U9", "persoon 2", "19 geboortedatum", "20260231", "20260231 is geen bestaande datum"]]
    assert table_rows(page, "Leveringen") == [["1", "0534", "0363", "4.12.1", "2", "3"],
                                              ["2", "0363", "0363", "sam 4.12.1", "1", "1"],
                                              ["", "Totaal", "", "", "3", "4"]]
    assert "4 waarden zijn opgeslagen als onbekend" in page


def test_a_rejected_upload_lists_the_reasons_and_says_nothing_is_used(tmp_path):
    document = bus_document(levering(uitkering("U1"), uitkering("U1"))).replace(b"</Levering>",
                                                                               b"<Kleur/></Levering>")
    with pytest.raises(UploadRejected) as caught:
        parse(tmp_path, document)
    page = render(None, "afgewezen", reasons=caught.value.reasons)
    tree = html.fromstring(page)
    status = tree.xpath("//div[contains(@class, 'status')]")[0]
    assert status.get("class") == "status bad"
    assert status.findtext("strong") == "Afgewezen"
    assert "Niets uit dit bestand wordt gebruikt; de vorige upload van deze maand blijft gelden." in \
        status.text_content()
    assert [li.text_content() for li in tree.xpath("//ol[@class='reasons']/li")] == caught.value.reasons
    assert "&lt;Kleur&gt;" in page
    assert "<Kleur>" not in page
    assert "Statistiekmaand</dt><dd>onbekend" in page
    assert "Signaleringen" not in page and "Volledigheid" not in page


def test_every_value_is_escaped(tmp_path):
    parsed = parse(tmp_path, bus_document(levering(uitkering("<b>U1</b>", Leefvorm="<i>&amp;"))))
    page = render(parsed, "geaccepteerd met signaleringen", participant_name="Bollen & Streek <ISD>",
                  filename='"><script>alert(1)</script>.xml', reasons=["<img src=x>"])
    assert "<script" not in page and "<img" not in page and "<b>U1" not in page and "<i>" not in page
    assert "Bollen &amp; Streek &lt;ISD&gt;" in page
    assert "&lt;b&gt;U1&lt;/b&gt;" in page
    assert "&lt;i&gt;&amp;amp;" in page


def test_the_page_is_self_contained(tmp_path):
    page = render(parse(tmp_path, EXAMPLE.read_bytes()), "geaccepteerd")
    assert not re.search(r"https?://|<link|<script|<img|src=|@import|url\(", page)
    assert "<style>" in page


def test_no_bsn_in_the_report(tmp_path):
    document = bus_document(levering(
        uitkering("U1", persoon(), persoon(Burgerservicenummer=BSN_FAILING), Leefvorm=BSN_OTHER),
        uitkering("U2", persoon(Burgerservicenummer=BSN_PARTNER, Geboortedatum=BSN_OTHER)),
        uitkering("999990032", Leefvorm="8")))
    page = render(parse(tmp_path, document), "geaccepteerd met signaleringen")
    with pytest.raises(UploadRejected) as caught:
        parse(tmp_path, bus_document(levering(Gemeentecode=BSN_OTHER)))
    rejected_page = render(None, "afgewezen", reasons=[*caught.value.reasons, f"intake: bsn {BSN_PARTNER}"],
                           filename=f"bus_{BSN_FAILING}.xml", participant_name=f"Gemeente {BSN_OTHER}")
    for bsn in TEST_BSNS:
        assert bsn not in page and bsn not in rejected_page
    assert "(9 cijfers, niet getoond)" in page and "(9 cijfers, niet getoond)" in rejected_page


def test_an_unknown_status_is_refused():
    with pytest.raises(ValueError, match="unknown upload status"):
        render(None, "misschien")
