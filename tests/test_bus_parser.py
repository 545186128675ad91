"""The BUS upload parser: what is rejected, what is accepted with signaleringen, and what lands in the tables."""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from bus_builders import (
    BSN_AANVRAGER,
    BSN_FAILING,
    BSN_OTHER,
    BSN_PARTNER,
    TEST_BSNS,
    bus_document,
    levering,
    line_of,
    persoon,
    uitkering,
    write_large_bus,
)
from lxml import etree

from divobench_pipeline.core import schemas
from divobench_pipeline.core.pseudonym import bsn_pseudonymiser
from divobench_pipeline.defs.bus_uploads import stream
from divobench_pipeline.defs.bus_uploads.layout import GROUP_ELEMENTS, kenmerken_of
from divobench_pipeline.defs.bus_uploads.parser import (
    DEFAULT_MAX_BYTES,
    HIDDEN,
    ParsedUpload,
    UploadRejected,
    bsn_valid,
    parse_bus_upload,
)
from divobench_pipeline.defs.bus_uploads.values import (
    CHECKS,
    FAILS_11_PROEF,
    NOT_NINE_DIGITS,
    Invalid,
    bsn_problem,
    bsn_problems,
    checked_dates,
)

FIXTURES = Path(__file__).parent / "fixtures" / "bus"
EXAMPLE = FIXTURES / "bus_voorbeeld.xml"
XSD = Path(__file__).parents[1] / "divobench_pipeline" / "defs" / "bus_uploads" / "bus.xsd"
TODAY = date(2026, 11, 23)
SHA = "0" * 64


def pseudonymise(bsn: str) -> str:
    return hmac.new(b"test-key", bsn.encode(), hashlib.sha256).hexdigest()[:32]


def parse(source, **overrides) -> ParsedUpload:
    options = {"pseudonymise": pseudonymise, "allowed_gemeenten": {"GM0363"}, "today": TODAY, **overrides}
    return parse_bus_upload(source, **options)


@pytest.fixture
def upload(tmp_path):
    """Write a document to a real file and parse it."""
    def run(document: bytes, **overrides) -> ParsedUpload:
        path = tmp_path / "bus.xml"
        path.write_bytes(document)
        return parse(path, **overrides)
    return run


@pytest.fixture
def rejected(upload):
    """Parse a document that must be rejected; returns the reasons."""
    def run(document: bytes, **overrides) -> list[str]:
        with pytest.raises(UploadRejected) as caught:
            upload(document, **overrides)
        assert str(caught.value) == "\n".join(caught.value.reasons)
        return caught.value.reasons
    return run


def single_signalering(parsed: ParsedUpload) -> dict:
    """The one signalering of an upload as a plain dict (NA as None)."""
    assert len(parsed.signaleringen) == 1, parsed.signaleringen.to_string()
    return {name: None if pd.isna(value) else value for name, value in parsed.signaleringen.iloc[0].items()}


def with_caller_columns(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(month=pd.Timestamp("2026-09-01"), participant_id="GM0363", upload_sha256=SHA)


# --- the example ---

def test_example_parses_without_signaleringen(tmp_path):
    path = tmp_path / "voorbeeld.xml"
    shutil.copy(EXAMPLE, path)
    parsed = parse(path)
    assert parsed.month == date(2026, 9, 1)
    assert parsed.n_uitkeringen == 3
    assert parsed.n_personen == 4
    assert parsed.signaleringen.empty
    assert parsed.leveringen == [{"levering_nr": 1, "gemeentecode": "GM0363", "berichtgevercode": "0363",
                                  "naam_softwarepakket": "sam", "versie_softwarepakket": "4.12.1",
                                  "n_uitkeringen": 3}]
    uitkering_rows = parsed.tables["bus_uitkering"]
    assert list(uitkering_rows["registratienummer"]) == ["U2024000117", "U2026000388", "U2026000412"]
    assert list(uitkering_rows["statistiekcode"]) == ["01", "01", "12"]
    assert uitkering_rows["bedrag_inkomsten_uitkering"].tolist() == [-450, 0, pd.NA]
    assert uitkering_rows["cluster_bijzondere_bijstand"].tolist() == [None, None, "b"]
    personen = parsed.tables["bus_persoon"]
    assert personen["persoon_nr"].tolist() == [1, 1, 2, 1]
    assert personen["bsn_pseudoniem"].tolist() == [pseudonymise(b) for b in
                                                   ("999993653", "999990019", "999990020", "999990032")]
    assert personen["einddatum_uitkering"].isna().tolist() == [True, False, False, False]
    assert personen["reden_beeindiging_uitkering"].tolist() == [None, "11", "97", "98"]
    inkomsten = parsed.tables["bus_inkomsten"]
    assert inkomsten[["registratienummer", "persoon_nr", "volgnr", "soort", "bedrag", "vrijlating"]].values.tolist() \
        == [["U2024000117", 1, 1, "11", 450, "1"]]
    assert parsed.tables["bus_vermindering"].empty


def test_example_tables_have_the_staged_columns_and_validate():
    parsed = parse(EXAMPLE)
    for table in schemas.STAGED_TABLES:
        frame = parsed.tables[table.name]
        assert list(frame.columns) == [c for c in table.column_names
                                       if c not in ("month", "participant_id", "upload_sha256")]
        table.pandera_schema().validate(with_caller_columns(frame)[table.column_names])


def test_types_codes_stay_strings_dates_and_integers():
    personen = parse(EXAMPLE).tables["bus_persoon"]
    assert str(personen["geboortedatum"].dtype) == "datetime64[ns]"
    assert str(personen["persoon_nr"].dtype) == "Int64"
    assert personen.loc[0, "geboortedatum"] == pd.Timestamp("1983-02-14")
    uitkeringen = parse(EXAMPLE).tables["bus_uitkering"]
    assert str(uitkeringen["bedrag_norm"].dtype) == "Int64"
    assert uitkeringen.loc[0, "statistiekcode"] == "01"


def test_volledigheid_counts_absent_and_empty_per_level():
    volledigheid = parse(EXAMPLE).volledigheid
    assert volledigheid["kenmerk_nr"].tolist() == list(range(5, 35))
    assert list(volledigheid.columns) == ["kenmerk_nr", "element", "niveau", "leeg", "totaal"]
    rows = volledigheid.set_index("kenmerk_nr")
    assert rows.loc[5, ["element", "niveau", "leeg", "totaal"]].tolist() == ["NaamSoftwarepakket", "levering", 0, 1]
    assert rows.loc[17, ["niveau", "leeg", "totaal"]].tolist() == ["uitkering", 2, 3]
    assert rows.loc[21, ["niveau", "leeg", "totaal"]].tolist() == ["persoon", 1, 4]
    assert rows.loc[23, ["leeg", "totaal"]].tolist() == [1, 4]  # <EinddatumUitkering/> counts as empty
    assert rows.loc[31, ["niveau", "leeg", "totaal"]].tolist() == ["inkomsten", 0, 1]
    assert rows.loc[28, ["niveau", "leeg", "totaal"]].tolist() == ["vermindering", 0, 0]


def test_sources_path_string_and_binary_stream():
    by_path = parse(str(EXAMPLE))
    by_stream = parse(io.BytesIO(EXAMPLE.read_bytes()))
    pd.testing.assert_frame_equal(by_path.tables["bus_persoon"], by_stream.tables["bus_persoon"])


def test_persoon_nr_and_volgnr_follow_the_document(upload):
    parsed = upload(bus_document(levering(uitkering(
        "U1",
        persoon(),
        persoon(Burgerservicenummer=BSN_PARTNER,
                Vermindering=[{"Reden": "01", "Aanvangsdatum": "20260901", "Einddatum": "20260930"}],
                Inkomsten=[{"Soort": "11", "Bedrag": "300", "Vrijlating": "1"},
                           {"Soort": "23", "Bedrag": "-20", "Vrijlating": "2"}]),
        Leefvorm="3"))))
    assert parsed.tables["bus_persoon"]["persoon_nr"].tolist() == [1, 2]
    vermindering = parsed.tables["bus_vermindering"]
    assert vermindering[["persoon_nr", "volgnr", "reden"]].values.tolist() == [[2, 1, "01"]]
    assert vermindering.loc[0, "einddatum"] == pd.Timestamp("2026-09-30")
    inkomsten = parsed.tables["bus_inkomsten"]
    assert inkomsten[["persoon_nr", "volgnr", "soort", "bedrag"]].values.tolist() == [[2, 1, "11", 300],
                                                                                      [2, 2, "23", -20]]


def test_a_realistic_file(tmp_path):
    path = tmp_path / "groot.xml"
    n_personen = write_large_bus(path, 3_000)
    parsed = parse(path)
    assert (parsed.n_uitkeringen, parsed.n_personen, len(parsed.signaleringen)) == (3_000, n_personen, 0)
    assert parsed.tables["bus_persoon"]["bsn_pseudoniem"].is_unique


def test_several_leveringen_of_one_participant(upload):
    parsed = upload(bus_document(levering(uitkering("A1")), levering(uitkering("A1"), uitkering("A2"),
                                                                        Gemeentecode="0534", Berichtgevercode="0534")),
                    allowed_gemeenten={"GM0363", "GM0534"})
    assert [(lev["levering_nr"], lev["gemeentecode"], lev["n_uitkeringen"]) for lev in parsed.leveringen] == [
        (1, "GM0363", 1), (2, "GM0534", 2)]
    assert parsed.tables["bus_uitkering"][["gemeentecode", "registratienummer"]].values.tolist() == [
        ["GM0363", "A1"], ["GM0534", "A1"], ["GM0534", "A2"]]


def test_a_levering_without_uitkering_next_to_one_with(upload):
    parsed = upload(bus_document(levering(Uitkering=[]), levering(Gemeentecode="0534")),
                    allowed_gemeenten={"GM0363", "GM0534"})
    assert [lev["n_uitkeringen"] for lev in parsed.leveringen] == [0, 1]


# --- encoding and whitespace ---

@pytest.mark.parametrize("encoding", ["UTF-8", "ISO-8859-1"])
def test_encoding_from_the_declaration(upload, encoding):
    document = bus_document(levering(uitkering("Zoë-2026-01"), VersieSoftwarepakket="Citroën 4.1"),
                            encoding=encoding)
    assert "Citroën".encode(encoding) in document
    parsed = upload(document)
    assert parsed.leveringen[0]["versie_softwarepakket"] == "Citroën 4.1"
    assert parsed.tables["bus_uitkering"]["registratienummer"].tolist() == ["Zoë-2026-01"]
    assert parsed.signaleringen.empty


def test_latin1_bytes_in_a_utf8_file_are_rejected(rejected):
    document = bus_document(levering(VersieSoftwarepakket="Citroën")).replace("ë".encode(), b"\xeb")
    [reason] = rejected(document)
    assert reason.startswith(f"Het bestand is geen geldige XML (regel {line_of(document, 'VersieSoftware')}, kolom ")


def test_whitespace_around_values_is_insignificant(upload):
    document = bus_document(levering(uitkering("U1", Leefvorm="1"))).replace(
        b"<Leefvorm>1</Leefvorm>", b"<Leefvorm>\n   1\t </Leefvorm>").replace(
        b"<Registratienummer>U1</Registratienummer>", b"<Registratienummer>  U1 </Registratienummer>")
    parsed = upload(document)
    assert parsed.tables["bus_uitkering"][["registratienummer", "leefvorm"]].values.tolist() == [["U1", "1"]]
    assert parsed.signaleringen.empty


def test_values_differing_only_in_whitespace_are_one_value_also_in_a_record_checked_child_by_child(upload):
    document = bus_document(levering(uitkering("U1"), uitkering("U2"), uitkering("U3")))
    leefvormen = iter([b"<Leefvorm>1</Leefvorm>", "<Leefvorm> 1 </Leefvorm>\u00a0".encode(),
                       b"<Leefvorm> \t </Leefvorm>"])
    document = re.sub(rb"<Leefvorm>1</Leefvorm>", lambda _: next(leefvormen), document)
    document = document.replace(b"<Geboortedatum>19710902</Geboortedatum>",
                                b"<Geboortedatum>\n 19710902 </Geboortedatum>", 1)
    parsed = upload(document)
    assert "\u00a0".encode() in document  # a tail libxml2 keeps (not XML whitespace) and Python's isspace accepts
    assert parsed.tables["bus_uitkering"]["leefvorm"].tolist() == ["1", "1", None]
    assert parsed.tables["bus_persoon"]["geboortedatum"].tolist() == [pd.Timestamp("1971-09-02")] * 3
    assert parsed.signaleringen.empty
    assert parsed.volledigheid.set_index("kenmerk_nr").loc[10, "leeg"] == 1


@pytest.mark.parametrize("empty", [b"<Leefvorm/>", b"<Leefvorm></Leefvorm>", b"<Leefvorm>  \n </Leefvorm>", b""])
def test_an_empty_element_equals_an_absent_one(upload, empty):
    document = bus_document(levering(uitkering("U1", Leefvorm="1"))).replace(b"<Leefvorm>1</Leefvorm>", empty)
    parsed = upload(document)
    assert parsed.tables["bus_uitkering"]["leefvorm"].tolist() == [None]
    assert parsed.signaleringen.empty
    assert parsed.volledigheid.set_index("kenmerk_nr").loc[10, "leeg"] == 1


def test_comments_and_processing_instructions_are_ignored(upload):
    document = bus_document().replace(b"<Leefvorm>1</Leefvorm>",
                                      b"<!-- leefvorm --><Leefvorm>1</Leefvorm><?pakket x?>")
    assert upload(document).tables["bus_uitkering"]["leefvorm"].tolist() == ["1"]


# --- rejections: the file ---

@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n  "])
def test_reject_an_empty_file(rejected, content):
    assert rejected(content) == ["Het bestand is leeg."]


def test_reject_xml_that_is_not_well_formed_with_line_and_column(rejected):
    document = bus_document().replace(b"</Leefvorm>", b"</Leefvrom>")
    [reason] = rejected(document)
    line = line_of(document, "</Leefvrom>")
    assert re.match(rf"Het bestand is geen geldige XML \(regel {line}, kolom \d+\): .*Leefvorm.*Leefvrom", reason)


def test_reject_an_undefined_entity_naming_it(rejected):
    document = bus_document().replace(b"4.12.1", b"&versie;")
    assert rejected(document) == [
        f"Het bestand is geen geldige XML (regel {line_of(document, '&versie;')}, kolom 35): Entity 'versie' not "
        "defined. Controleer of het bestand volledig en onbewerkt uit het softwarepakket komt."]


def test_reject_a_file_cut_off_halfway(rejected):
    document = bus_document()[:-40]
    assert rejected(document)[0].startswith("Het bestand is geen geldige XML (regel ")


def test_reject_a_file_larger_than_max_bytes_before_opening_it(tmp_path, monkeypatch):
    path = tmp_path / "groot.xml"
    path.write_bytes(bus_document())
    monkeypatch.setattr(stream, "open", lambda *args: pytest.fail("the file was opened"), raising=False)
    with pytest.raises(UploadRejected) as caught:
        parse(path, max_bytes=100)
    assert caught.value.reasons == ["Het bestand is groter dan 100 bytes, het maximum voor één upload. Lever per "
                                    "maand één bestand met alleen de gegevens van die maand."]


def test_reject_a_stream_larger_than_max_bytes_before_reading_it():
    class Huge(io.RawIOBase):
        """A seekable stream of DEFAULT_MAX_BYTES + 1 bytes that may not be read."""

        position = 0

        def seekable(self) -> bool:
            return True

        def tell(self) -> int:
            return self.position

        def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
            self.position = offset + (DEFAULT_MAX_BYTES + 1 if whence == io.SEEK_END else 0)
            return self.position

        def read(self, size: int = -1) -> bytes:
            raise AssertionError("the stream was read")

    with pytest.raises(UploadRejected, match="groter dan 256 MB"):
        parse(Huge())
    document = bus_document()
    assert parse(io.BytesIO(document), max_bytes=len(document)).n_uitkeringen == 1


def test_reject_an_unseekable_stream_once_it_passes_max_bytes():
    class Unseekable(io.RawIOBase):
        def __init__(self, data: bytes):
            self.data, self.position = data, 0

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def read(self, size: int = -1) -> bytes:
            size = len(self.data) if size is None or size < 0 else size
            chunk = self.data[self.position:self.position + size]
            self.position += len(chunk)
            return chunk

    document = bus_document(levering(*(uitkering(f"U{i}") for i in range(200))))
    with pytest.raises(UploadRejected, match="groter dan"):
        parse(Unseekable(document), max_bytes=len(document) // 2)
    assert parse(Unseekable(document)).n_uitkeringen == 200
    assert DEFAULT_MAX_BYTES == 256 * 1024 * 1024


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE BUS [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<BUS versie="2015"><Levering><Statistiekjaar>2026</Statistiekjaar><Statistiekmaand>09</Statistiekmaand>
<Berichtgevercode>0363</Berichtgevercode><Gemeentecode>0363</Gemeentecode><VersieSoftwarepakket>&lol9;</VersieSoftwarepakket>
<Uitkering><Registratienummer>U1</Registratienummer><Persoon/></Uitkering></Levering></BUS>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE BUS [ <!ENTITY geheim SYSTEM "file:///etc/passwd"> ]>
<BUS versie="2015"><Levering><Statistiekjaar>2026</Statistiekjaar><Statistiekmaand>09</Statistiekmaand>
<Berichtgevercode>0363</Berichtgevercode><Gemeentecode>0363</Gemeentecode><VersieSoftwarepakket>&geheim;</VersieSoftwarepakket>
<Uitkering><Registratienummer>U1</Registratienummer><Persoon/></Uitkering></Levering></BUS>
"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_reject_a_doctype_before_anything_is_expanded(rejected, document):
    [reason] = rejected(document)
    assert reason.startswith("Het bestand bevat een DOCTYPE-declaratie.")
    assert "root:" not in reason and "lol" not in reason


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_reject_a_doctype_behind_comments(rejected, document):
    declaration, rest = document.split(b"\n", 1)
    padded = declaration + b"\n<!--" + b" opvulling " * 5_000 + b"-->\n<?pakket x?>\n" + rest
    [reason] = rejected(padded)
    assert reason.startswith("Het bestand bevat een DOCTYPE-declaratie.")


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_reject_a_prolog_too_long_to_check(rejected, document):
    declaration, rest = document.split(b"\n", 1)
    padded = declaration + b"\n<!--" + b" opvulling " * 10_000 + b"-->\n" + rest
    assert rejected(padded) == [
        "Vóór het element <BUS> staat meer dan 64 kB aan commentaar of instructies; zo'n bestand wordt niet gelezen. "
        "Lever het bestand zoals het softwarepakket het maakt."]


def test_a_large_file_that_is_no_xml_at_all(rejected):
    [reason] = rejected(b"registratienummer;bsn\n" * 10_000)
    assert reason.startswith("Het bestand is geen geldige XML (regel 1, kolom 1): ")


# --- rejections: the structure ---

STRUCTURE_ERRORS = {
    "unknown element": (
        lambda d: d.replace(b"<Leefvorm>1</Leefvorm>", b"<Leefvorm>1</Leefvorm>\n<Kleur>rood</Kleur>"),
        "<Kleur>", "element <Kleur> hoort niet in Uitkering U0001 (regel {uitkering})."),
    "element of another level": (
        lambda d: d.replace(b"<Geslacht>1</Geslacht>", b"<Geslacht>1</Geslacht>\n<Leefvorm>4</Leefvorm>"),
        "<Leefvorm>4",
        "element <Leefvorm> hoort niet in <Persoon> 1 (regel {persoon}) van Uitkering U0001 (regel {uitkering})."),
    "wrong order": (
        lambda d: d.replace(b"<Geslacht>1</Geslacht>\n        <Huisvesting>1</Huisvesting>",
                            b"<Huisvesting>1</Huisvesting>\n        <Geslacht>1</Geslacht>"),
        "<Geslacht>", "<Geslacht> staat op de verkeerde plaats in <Persoon> 1 (regel {persoon}) van Uitkering "
                      "U0001 (regel {uitkering}); het hoort vóór <Huisvesting>."),
    "repeated element": (
        lambda d: d.replace(b"<Geslacht>1</Geslacht>", b"<Geslacht>1</Geslacht>\n<Geslacht>2</Geslacht>"),
        "<Geslacht>2", "<Geslacht> komt meer dan één keer voor in <Persoon> 1 (regel {persoon}) van Uitkering U0001 "
                       "(regel {uitkering})."),
    "persoon before uitkering kenmerk": (
        lambda d: d.replace(b"</Persoon>", b"</Persoon>\n<Leefvorm>2</Leefvorm>").replace(
            b"<Leefvorm>1</Leefvorm>", b""),
        "<Leefvorm>2", "<Leefvorm> staat op de verkeerde plaats in Uitkering U0001 (regel {uitkering}); het hoort "
                       "vóór <Persoon>."),
    "header after uitkering": (
        lambda d: d.replace(b"<VersieSoftwarepakket>4.12.1</VersieSoftwarepakket>", b"").replace(
            b"</Uitkering>", b"</Uitkering>\n<VersieSoftwarepakket>4.12.1</VersieSoftwarepakket>"),
        "<VersieSoftwarepakket>", "<VersieSoftwarepakket> staat op de verkeerde plaats in <Levering> (regel 3); "
                                  "het hoort vóór <Uitkering>."),
    "element between uitkeringen": (
        lambda d: bus_document(levering(uitkering("U1"), uitkering("U2"))).replace(
            b"</Uitkering>", b"</Uitkering>\n<Opmerking/>", 1),
        "<Opmerking/>", "element <Opmerking> hoort niet in <Levering> (regel 3)."),
    "uitkering outside levering": (
        lambda d: d.replace(b"</Levering>", b"</Levering>\n<Uitkering><Registratienummer>X</Registratienummer>"
                                            b"<Persoon/></Uitkering>"),
        "<Uitkering><Registratienummer>X", "<Uitkering> staat niet direct in een <Levering>."),
    "uitkering in persoon": (
        lambda d: d.replace(b"</Persoon>", b"<Uitkering><Registratienummer>X</Registratienummer><Persoon/>"
                                           b"</Uitkering></Persoon>"),
        "<Uitkering><Registratienummer>X", "<Uitkering> staat niet direct in een <Levering>."),
    "wrong root": (
        lambda d: d.replace(b'<BUS versie="2015">', b"<Bijstand>").replace(b"</BUS>", b"</Bijstand>"),
        "<Bijstand>", "het hoofdelement moet <BUS> zijn, niet <Bijstand>."),
    "root without versie": (
        lambda d: d.replace(b' versie="2015"', b""),
        "<BUS>", "<BUS> mist het attribuut versie (versie=\"2015\")."),
    "bus without levering": (
        lambda d: b'<?xml version="1.0"?>\n<BUS versie="2015">\n</BUS>\n',
        "<BUS", "<BUS> bevat geen <Levering>."),
    "text between elements": (
        lambda d: d.replace(b"<Leefvorm>1</Leefvorm>", b"<Leefvorm>1</Leefvorm> los"),
        "<Uitkering>", "losse tekst in Uitkering U0001 (regel {uitkering}) buiten een element."),
    "attribute on a leaf": (
        lambda d: d.replace(b"<Leefvorm>1</Leefvorm>", b'<Leefvorm code="1">1</Leefvorm>'),
        "<Leefvorm code", "<Leefvorm> mag geen attributen hebben."),
    "element inside a leaf": (
        lambda d: d.replace(b"<Leefvorm>1</Leefvorm>", b"<Leefvorm><Code>1</Code></Leefvorm>"),
        "<Leefvorm><Code>", "<Leefvorm> mag alleen een waarde bevatten, geen elementen."),
    "namespace": (
        lambda d: d.replace(b'<BUS versie="2015">', b'<BUS xmlns="urn:cbs:bus" versie="2015">'),
        "<BUS", "het hoofdelement moet <BUS> zijn, niet <{{urn:cbs:bus}}BUS>."),
}


@pytest.mark.parametrize("name", STRUCTURE_ERRORS)
def test_reject_a_wrong_structure_naming_element_and_line(rejected, name):
    mutate, marker, message = STRUCTURE_ERRORS[name]
    document = mutate(bus_document())
    [reason] = rejected(document)
    lines = {name: line_of(document, f"<{name.capitalize()}>") for name in ("uitkering", "persoon")
             if f"{{{name}}}" in message}
    expected = message.format(**lines)
    assert reason == f"Het bestand heeft niet de BUS-structuur: regel {line_of(document, marker)}: {expected}"


@pytest.mark.parametrize("name", STRUCTURE_ERRORS)
def test_the_xsd_rejects_the_same_structures(name):
    schema = etree.XMLSchema(file=str(XSD))
    assert not schema.validate(etree.fromstring(STRUCTURE_ERRORS[name][0](bus_document())))


def test_the_xsd_accepts_the_example_and_invalid_values():
    schema = etree.XMLSchema(file=str(XSD))
    schema.assertValid(etree.parse(str(EXAMPLE)))
    schema.assertValid(etree.fromstring(bus_document(levering(uitkering(
        "U1", persoon(Geboortedatum="20260231", Burgerservicenummer="12", Geslacht="x", AanvangsdatumUitkering=None,
                      Vermindering=[{"Reden": "99"}, {}], Inkomsten=[{"Bedrag": "1,5"}], RedenBeeindigingUitkering=""),
        Statistiekcode=None, Leefvorm="7", BedragNorm="veel"), NaamSoftwarepakket="abc"))))


def test_the_xsd_names_every_element_of_the_layout_at_its_level():
    tree = etree.parse(str(XSD))
    xs = {"xs": "http://www.w3.org/2001/XMLSchema"}
    for element, level in GROUP_ELEMENTS.items():
        declared = tree.xpath(f"//xs:complexType[@name='{element}']//xs:element/@name", namespaces=xs)
        leaves = [k.element for k in kenmerken_of(level)]
        assert [name for name in declared if name not in GROUP_ELEMENTS] == leaves


def test_reject_a_repeated_element_in_an_uitkering_which_the_xsd_cannot(rejected):
    document = bus_document().replace(b"<Leefvorm>1</Leefvorm>", b"<Leefvorm>1</Leefvorm>\n<Leefvorm>2</Leefvorm>")
    assert rejected(document) == [
        f"Het bestand heeft niet de BUS-structuur: regel {line_of(document, '<Leefvorm>2')}: <Leefvorm> komt meer "
        f"dan één keer voor in Uitkering U0001 (regel {line_of(document, '<Uitkering>')})."]
    assert etree.XMLSchema(file=str(XSD)).validate(etree.fromstring(document))


def test_a_uitkering_may_list_its_kenmerken_in_any_order(upload):
    document = bus_document().replace(b"<Statistiekcode>01</Statistiekcode>", b"").replace(
        b"<DatumInvoering>20260928</DatumInvoering>",
        b"<DatumInvoering>20260928</DatumInvoering><Statistiekcode>01</Statistiekcode>")
    assert upload(document).tables["bus_uitkering"]["statistiekcode"].tolist() == ["01"]
    etree.XMLSchema(file=str(XSD)).assertValid(etree.fromstring(document))


# --- rejections: the Levering ---

@pytest.mark.parametrize("element", ["Statistiekjaar", "Statistiekmaand", "Berichtgevercode", "Gemeentecode"])
@pytest.mark.parametrize("value", [None, ""], ids=["absent", "empty"])
def test_reject_a_missing_levering_field(rejected, element, value):
    reasons = rejected(bus_document(levering(**{element: value})))
    gemeente = "" if element == "Gemeentecode" else "gemeente 0363, "
    assert f"Levering 1 ({gemeente}regel 3): het verplichte veld {element} ontbreekt of is leeg." in reasons


@pytest.mark.parametrize(("element", "value", "expected"), [
    ("Statistiekjaar", "2014", "Statistiekjaar 2014 is ongeldig; verwacht een jaar van vier cijfers, 2015 of later."),
    ("Statistiekjaar", "26", "Statistiekjaar 26 is ongeldig; verwacht een jaar van vier cijfers, 2015 of later."),
    ("Statistiekmaand", "13", "Statistiekmaand 13 is ongeldig; verwacht twee cijfers, 01 tot en met 12."),
    ("Statistiekmaand", "9", "Statistiekmaand 9 is ongeldig; verwacht twee cijfers, 01 tot en met 12."),
    ("Statistiekmaand", "00", "Statistiekmaand 00 is ongeldig; verwacht twee cijfers, 01 tot en met 12."),
    ("Berichtgevercode", "363", "Berichtgevercode 363 is ongeldig; verwacht vier cijfers."),
])
def test_reject_an_invalid_levering_field(rejected, element, value, expected):
    assert rejected(bus_document(levering(**{element: value}))) == [f"Levering 1 (gemeente 0363, regel 3): {expected}"]


@pytest.mark.parametrize("value", ["GM0363", "363", "03630"])
def test_reject_an_invalid_gemeentecode(rejected, value):
    assert rejected(bus_document(levering(Gemeentecode=value))) == [
        f"Levering 1 (regel 3): Gemeentecode {value} is ongeldig; verwacht de CBS-gemeentecode van vier cijfers, "
        "bijvoorbeeld 0363."]


def test_reject_a_gemeente_the_participant_does_not_deliver_for(rejected):
    assert rejected(bus_document(levering(Gemeentecode="0599")), allowed_gemeenten={"GM0363", "GM0534"}) == [
        "Levering 1 (gemeente 0599, regel 3): u levert niet voor gemeente 0599. Met deze upload mag u alleen "
        "gegevens leveren van gemeente 0363, 0534."]


def test_reject_a_statistiekmaand_in_the_future(rejected, upload):
    assert rejected(bus_document(levering(Statistiekmaand="12"))) == [
        "Levering 1 (gemeente 0363, regel 3): Statistiekmaand december 2026 ligt in de toekomst."]
    assert upload(bus_document(levering(Statistiekmaand="11"))).month == date(2026, 11, 1)


def test_reject_leveringen_of_different_months(rejected):
    document = bus_document(levering(), levering(Gemeentecode="0534", Statistiekmaand="08"))
    assert rejected(document, allowed_gemeenten={"GM0363", "GM0534"}) == [
        f"Levering 2 (gemeente 0534, regel {line_of(document, '<Levering>', 2)}): deze Levering is voor augustus "
        "2026, maar Levering 1 voor september 2026; een bestand bevat de gegevens van één maand."]


def test_reject_the_same_gemeente_twice(rejected):
    document = bus_document(levering(uitkering("U1")), levering(uitkering("U2")))
    assert rejected(document) == [
        f"Levering 2 (gemeente 0363, regel {line_of(document, '<Levering>', 2)}): gemeente 0363 staat ook al in "
        "Levering 1 (regel 3); lever elke gemeente één keer per bestand."]


def test_reject_the_same_registratienummer_twice_in_one_levering(rejected, upload):
    document = bus_document(levering(uitkering("U7"), uitkering("U8"), uitkering("U7")))
    assert rejected(document) == [
        f"Levering 1 (gemeente 0363, regel 3): Registratienummer U7 komt twee keer voor (regel "
        f"{line_of(document, '>U7<', 1)} en regel {line_of(document, '>U7<', 2)}); elk "
        "Registratienummer mag één keer per Levering voorkomen."]
    two_leveringen = bus_document(levering(uitkering("U7")), levering(uitkering("U7"), Gemeentecode="0534"))
    assert upload(two_leveringen, allowed_gemeenten={"GM0363", "GM0534"}).n_uitkeringen == 2


def test_reject_a_file_without_any_uitkering(rejected):
    assert rejected(bus_document(levering(Uitkering=[]))) == [
        "Het bestand bevat geen enkele Uitkering; er valt niets te verwerken."]
    assert rejected(bus_document(levering(Uitkering=[], Statistiekmaand="12"))) == [
        "Levering 1 (gemeente 0363, regel 3): Statistiekmaand december 2026 ligt in de toekomst.",
        "Het bestand bevat geen enkele Uitkering; er valt niets te verwerken."]


def test_line_numbers_stay_exact_in_a_long_file(rejected):
    document = bus_document(levering(*(uitkering(f"U{i}") for i in range(4_000)), uitkering("U3999")))
    assert line_of(document, ">U3999<", 2) > 65_535
    [reason] = rejected(document)
    assert f"(regel {line_of(document, '>U3999<', 1)} en regel {line_of(document, '>U3999<', 2)})" in reason


@pytest.mark.parametrize("value", [None, "", "   "], ids=["absent", "empty", "blank"])
def test_reject_an_uitkering_without_registratienummer(rejected, value):
    document = bus_document(levering(uitkering(value)))
    assert rejected(document) == [
        f"Levering 1 (gemeente 0363, regel 3): de Uitkering op regel {line_of(document, '<Uitkering>')} heeft geen "
        "Registratienummer."]


def test_reject_an_uitkering_without_persoon(rejected):
    document = bus_document(levering(uitkering("U1", Persoon=[])))
    assert rejected(document) == [
        f"Levering 1 (gemeente 0363, regel 3): de Uitkering met Registratienummer U1 (regel "
        f"{line_of(document, '<Uitkering>')}) heeft geen Persoon."]


def test_all_reasons_are_reported_together(rejected):
    document = bus_document(levering(uitkering("U1"), uitkering("U1"), Statistiekmaand="12", Gemeentecode="0599"))
    uitkering_lines = (line_of(document, ">U1<", 1), line_of(document, ">U1<", 2))
    assert rejected(document) == [
        "Levering 1 (gemeente 0599, regel 3): u levert niet voor gemeente 0599. Met deze upload mag u alleen "
        "gegevens leveren van gemeente 0363.",
        "Levering 1 (gemeente 0599, regel 3): Statistiekmaand december 2026 ligt in de toekomst.",
        "Levering 1 (gemeente 0599, regel 3): Registratienummer U1 komt twee keer voor (regel {} en regel {}); elk "
        "Registratienummer mag één keer per Levering voorkomen.".format(*uitkering_lines)]


def test_a_structure_error_follows_the_reasons_found_before_it(rejected):
    document = bus_document(levering(uitkering("U1"), uitkering("U1"))).replace(
        b"</Levering>", b"<Kleur/></Levering>")
    reasons = rejected(document)
    assert len(reasons) == 2
    assert "Registratienummer U1 komt twee keer voor" in reasons[0]
    assert "element <Kleur> hoort niet in <Levering>" in reasons[1]


def test_many_reasons_are_capped(rejected):
    document = bus_document(levering(*(uitkering("U1") for _ in range(60))))
    reasons = rejected(document)
    assert len(reasons) == 51
    assert reasons[-1] == "... en nog 9 redenen van dezelfde soort."


# --- signaleringen ---

def test_signal_a_code_outside_its_code_list(upload):
    parsed = upload(bus_document(levering(uitkering("U1", Leefvorm="7"))))
    assert single_signalering(parsed) == {
        "gemeentecode": "GM0363", "registratienummer": "U1", "persoon_nr": None, "kenmerk_nr": 10,
        "element": "Leefvorm", "waarde": "7", "melding": "code 7 komt niet voor in de codelijst van leefvorm"}
    assert parsed.tables["bus_uitkering"]["leefvorm"].tolist() == [None]
    assert parsed.volledigheid.set_index("kenmerk_nr").loc[10, "leeg"] == 0


def test_signal_a_code_written_without_leading_zero(upload):
    parsed = upload(bus_document(levering(uitkering("U1", Statistiekcode="1"))))
    signalering = single_signalering(parsed)
    assert (signalering["kenmerk_nr"], signalering["waarde"]) == (8, "1")
    assert parsed.tables["bus_uitkering"]["statistiekcode"].tolist() == [None]


def test_signal_a_levering_code_outside_its_code_list(upload):
    parsed = upload(bus_document(levering(NaamSoftwarepakket="xyz")))
    assert single_signalering(parsed) == {
        "gemeentecode": "GM0363", "registratienummer": None, "persoon_nr": None, "kenmerk_nr": 5,
        "element": "NaamSoftwarepakket", "waarde": "xyz",
        "melding": "code xyz komt niet voor in de codelijst van naam softwarepakket"}
    assert parsed.leveringen[0]["naam_softwarepakket"] is None


@pytest.mark.parametrize(("value", "melding"), [
    ("20260231", "20260231 is geen bestaande datum"),
    ("19831402", "19831402 is geen bestaande datum"),
    ("1983-02-14", "1983-02-14 is geen datum in de vorm jjjjmmdd"),
    ("14-02-1983", "14-02-1983 is geen datum in de vorm jjjjmmdd"),
    ("00010101", "00010101 ligt niet tussen 1900 en 2099"),
])
def test_signal_an_impossible_date(upload, value, melding):
    parsed = upload(bus_document(levering(uitkering("U1", persoon(), persoon(Burgerservicenummer=BSN_PARTNER,
                                                                             Geboortedatum=value)))))
    assert single_signalering(parsed) == {
        "gemeentecode": "GM0363", "registratienummer": "U1", "persoon_nr": 2, "kenmerk_nr": 19,
        "element": "Geboortedatum", "waarde": value, "melding": melding}
    assert parsed.tables["bus_persoon"]["geboortedatum"].isna().tolist() == [False, True]


@pytest.mark.parametrize(("element", "value", "melding"), [
    ("BedragNorm", "1401,50", "1401,50 is geen bedrag in hele euro's"),
    ("BedragNorm", "1401.50", "1401.50 is geen bedrag in hele euro's"),
    ("BedragNorm", "€ 1401", "€ 1401 is geen bedrag in hele euro's"),
    ("BedragNorm", "-5", "-5 is negatief; dit bedrag kan niet negatief zijn"),
    ("BetaalbaarBedrag", "-862", "-862 is negatief; dit bedrag kan niet negatief zijn"),
    ("BedragInkomstenUitkering", "-4,50", "-4,50 is geen bedrag in hele euro's"),
    ("BedragVerminderingAfstemming", "99999999999", "99999999999 is te groot voor een bedrag"),
    ("BedragVerminderingAfstemming", "-0002147483648", "-0002147483648 is te groot voor een bedrag"),
    ("BedragVerminderingAfstemming", "9" * 5_000, "9" * 60 + "… is te groot voor een bedrag"),
])
def test_signal_an_amount_that_is_not_a_whole_number(upload, element, value, melding):
    parsed = upload(bus_document(levering(uitkering("U1", **{element: value}))))
    signalering = single_signalering(parsed)
    assert (signalering["element"], signalering["waarde"], signalering["melding"]) == (element, value[:60] + (
        "…" if len(value) > 60 else ""), melding)
    column = next(k.column for k in kenmerken_of("uitkering") if k.element == element)
    assert pd.isna(parsed.tables["bus_uitkering"].loc[0, column])


def test_leading_zeros_in_an_amount(upload):
    parsed = upload(bus_document(levering(uitkering("U1", BedragNorm="000000000001401"))))
    assert parsed.signaleringen.empty
    assert parsed.tables["bus_uitkering"]["bedrag_norm"].tolist() == [1401]


def test_a_signed_amount_may_be_negative(upload):
    parsed = upload(bus_document(levering(uitkering("U1", BedragVerminderingAfstemming="-120",
                                                    BedragInkomstenUitkering="-450"))))
    assert parsed.signaleringen.empty
    assert parsed.tables["bus_uitkering"][["bedrag_vermindering_afstemming", "bedrag_inkomsten_uitkering"]] \
        .values.tolist() == [[-120, -450]]


@pytest.mark.parametrize(("value", "melding"), [("100", "100 ligt niet tussen 0 en 99"),
                                                ("1" * 5_000, "1" * 60 + "… ligt niet tussen 0 en 99"),
                                                ("-1", "-1 is geen geheel getal"),
                                                ("twee", "twee is geen geheel getal")])
def test_signal_a_count_outside_its_bounds(upload, value, melding):
    parsed = upload(bus_document(levering(uitkering("U1", AantalKostendelers=value))))
    assert single_signalering(parsed) == {
        "gemeentecode": "GM0363", "registratienummer": "U1", "persoon_nr": None, "kenmerk_nr": 11,
        "element": "AantalKostendelers", "waarde": melding.split(" ")[0], "melding": melding}
    assert parsed.tables["bus_uitkering"]["aantal_kostendelers"].isna().all()


def test_signal_a_text_longer_than_allowed(upload):
    parsed = upload(bus_document(levering(VersieSoftwarepakket="4.12.1-build77")))
    assert single_signalering(parsed) == {
        "gemeentecode": "GM0363", "registratienummer": None, "persoon_nr": None, "kenmerk_nr": 6,
        "element": "VersieSoftwarepakket", "waarde": "4.12.1-build77",
        "melding": "de waarde is langer dan 12 tekens"}
    assert parsed.leveringen[0]["versie_softwarepakket"] is None


def test_signal_a_registratienummer_longer_than_allowed_but_keep_it(upload):
    parsed = upload(bus_document(levering(uitkering("U-2026-000000012345"))))
    assert single_signalering(parsed) == {
        "gemeentecode": "GM0363", "registratienummer": "U-2026-000000012345", "persoon_nr": None,
        "kenmerk_nr": 7, "element": "Registratienummer", "waarde": "U-2026-000000012345",
        "melding": "het registratienummer is langer dan 15 tekens"}
    assert parsed.tables["bus_uitkering"]["registratienummer"].tolist() == ["U-2026-000000012345"]


@pytest.mark.parametrize(("value", "melding"), [
    (BSN_FAILING, "het burgerservicenummer voldoet niet aan de 11-proef (nummer niet getoond)"),
    ("99999001", "het burgerservicenummer bestaat niet uit 9 cijfers (nummer niet getoond)"),
    ("9999 9001 9", "het burgerservicenummer bestaat niet uit 9 cijfers (nummer niet getoond)"),
])
def test_signal_a_bsn_failing_the_11_proef_without_showing_it(upload, value, melding):
    calls = []

    def recording(bsn: str) -> str:
        calls.append(bsn)
        return pseudonymise(bsn)

    parsed = upload(bus_document(levering(uitkering("U1", persoon(), persoon(Burgerservicenummer=value)))),
                    pseudonymise=recording)
    assert single_signalering(parsed) == {
        "gemeentecode": "GM0363", "registratienummer": "U1", "persoon_nr": 2, "kenmerk_nr": 18,
        "element": "Burgerservicenummer", "waarde": None, "melding": melding}
    assert parsed.tables["bus_persoon"]["bsn_pseudoniem"].tolist() == [pseudonymise(BSN_AANVRAGER), None]
    assert calls == [BSN_AANVRAGER]
    assert parsed.volledigheid.set_index("kenmerk_nr").loc[18, "leeg"] == 0


def test_the_11_proef():
    assert all(bsn_valid(bsn) for bsn in (BSN_AANVRAGER, BSN_PARTNER, BSN_OTHER, "999990032"))
    assert not any(bsn_valid(bsn) for bsn in (BSN_FAILING, "99999001", "9999900190", "99999001x", "９９９９９００１９"))


def test_the_bsn_check_over_a_whole_column_says_what_the_check_of_one_value_says():
    values = [BSN_AANVRAGER, BSN_FAILING, "99999001", "9999900190", "99999001x", "９９９９９００１９", "9999 9001 9",
              "99999365\u0663", "", "x" * 40, *(f"{n:09d}" for n in range(999990000, 999990400))]
    assert list(bsn_problems(values)) == [bsn_problem(v) for v in values]
    assert {bsn_problem(v) for v in values} == {None, NOT_NINE_DIGITS, FAILS_11_PROEF}
    assert list(bsn_problems([])) == []


def test_the_date_check_over_a_whole_column_says_what_the_check_of_one_value_says():
    check = CHECKS[19]  # Geboortedatum
    values = ["20240229", "20230229", "19000229", "20000229", "19000101", "20991231", "18991231", "21000101",
              "00000101", "20241301", "20240100", "20240431", "2024011", "202401011", "2024-1-1", "２０２４０１０１",
              "2024010\u0663", *(f"{y}{m:02d}{d:02d}" for y in (1899, 1900, 1996, 2000, 2024, 2100)
                                   for m in range(0, 14) for d in (0, 1, 28, 29, 30, 31, 32))]

    def passes(value: str) -> bool:
        try:
            check(value)
        except Invalid:
            return False
        return True

    accepted, converted = checked_dates(values)
    assert accepted.tolist() == [passes(v) for v in values]
    good = [v if passes(v) else None for v in values]
    assert converted.dtype == "datetime64[ns]"
    assert pd.Series(converted).equals(pd.to_datetime(pd.Series(good, dtype=object), format="%Y%m%d"))


@pytest.mark.parametrize("key", [b"", b"test-key", b"k" * 64, b"k" * 65, bytes(range(256))])
def test_the_pseudonym_is_the_hmac_sha256_of_the_prefixed_bsn(key):
    pseudonymise_bsn = bsn_pseudonymiser(key)
    for bsn in (BSN_AANVRAGER, BSN_PARTNER, "999990032"):
        assert pseudonymise_bsn(bsn) == hmac.new(key, b"bsn:" + bsn.encode(), hashlib.sha256).hexdigest()[:32]


def test_signal_an_einddatum_before_the_aanvangsdatum_and_store_it_as_onbekend(upload):
    parsed = upload(bus_document(levering(uitkering("U1", persoon(AanvangsdatumUitkering="20260205",
                                                                  EinddatumUitkering="20260105")))))
    assert single_signalering(parsed) == {
        "gemeentecode": "GM0363", "registratienummer": "U1", "persoon_nr": 1, "kenmerk_nr": 23,
        "element": "EinddatumUitkering", "waarde": "20260105",
        "melding": "einddatum uitkering 20260105 ligt vóór de aanvangsdatum uitkering 20260205"}
    assert parsed.tables["bus_persoon"]["einddatum_uitkering"].isna().all()


def test_an_uitkering_may_end_on_its_first_day(upload):
    parsed = upload(bus_document(levering(uitkering("U1", persoon(
        AanvangsdatumUitkering="20260915", EinddatumUitkering="20260915", RedenBeeindigingUitkering="98")))))
    assert parsed.signaleringen.empty


def test_signal_a_missing_reden_beeindiging_on_an_ended_uitkering(upload):
    parsed = upload(bus_document(levering(uitkering("U1", persoon(EinddatumUitkering="20260918",
                                                                  RedenBeeindigingUitkering="")))))
    assert single_signalering(parsed) == {
        "gemeentecode": "GM0363", "registratienummer": "U1", "persoon_nr": 1, "kenmerk_nr": 34,
        "element": "RedenBeeindigingUitkering", "waarde": None,
        "melding": "reden beëindiging uitkering ontbreekt, terwijl de einddatum uitkering 20260918 is ingevuld"}
    assert parsed.tables["bus_persoon"]["einddatum_uitkering"].tolist() == [pd.Timestamp("2026-09-18")]


@pytest.mark.parametrize(("level", "element", "nr"), [
    ("uitkering", "Statistiekcode", 8), ("persoon", "Burgerservicenummer", 18), ("persoon", "Geboortedatum", 19),
    ("persoon", "AanvangsdatumUitkering", 22)])
@pytest.mark.parametrize("value", [None, ""], ids=["absent", "empty"])
def test_signal_a_missing_required_kenmerk(upload, level, element, nr, value):
    if level == "uitkering":
        record = uitkering("U1", **{element: value})
    else:
        record = uitkering("U1", persoon(**{element: value}))
    parsed = upload(bus_document(levering(record)))
    assert single_signalering(parsed) == {
        "gemeentecode": "GM0363", "registratienummer": "U1", "persoon_nr": 1 if level == "persoon" else None,
        "kenmerk_nr": nr, "element": element, "waarde": None, "melding": "verplicht kenmerk ontbreekt"}
    assert parsed.volledigheid.set_index("kenmerk_nr").loc[nr, "leeg"] == 1


def test_signal_nadere_classificatie_bbz_outside_statistiekcode_14(upload):
    parsed = upload(bus_document(levering(uitkering("U1", NadereClassificatieBbz="2"),
                                          uitkering("U2", Statistiekcode="14", NadereClassificatieBbz="2"))))
    assert single_signalering(parsed) == {
        "gemeentecode": "GM0363", "registratienummer": "U1", "persoon_nr": None, "kenmerk_nr": 9,
        "element": "NadereClassificatieBbz", "waarde": "2",
        "melding": "nadere classificatie Bbz hoort alleen bij statistiekcode 14 (Bbz), niet bij statistiekcode 01"}
    assert parsed.tables["bus_uitkering"]["nadere_classificatie_bbz"].tolist() == [None, "2"]


def test_signal_cluster_bijzondere_bijstand_outside_statistiekcode_11_12(upload):
    parsed = upload(bus_document(levering(uitkering("U1", ClusterBijzondereBijstand="b"),
                                          uitkering("U2", Statistiekcode="11", ClusterBijzondereBijstand="b"),
                                          uitkering("U3", Statistiekcode="x", ClusterBijzondereBijstand="c"))))
    signaleringen = parsed.signaleringen
    assert signaleringen[["registratienummer", "kenmerk_nr", "waarde", "melding"]].values.tolist() == [
        ["U1", 17, "b", "cluster bijzondere bijstand hoort alleen bij statistiekcode 11 of 12 (bijzondere bijstand), "
                        "niet bij statistiekcode 01"],
        ["U3", 8, "x", "code x komt niet voor in de codelijst van statistiekcode"]]
    assert parsed.tables["bus_uitkering"]["cluster_bijzondere_bijstand"].tolist() == [None, "b", "c"]


def test_signal_a_value_in_inkomsten_names_which_one(upload):
    parsed = upload(bus_document(levering(uitkering("U1", persoon(Inkomsten=[
        {"Soort": "11", "Bedrag": "100", "Vrijlating": "1"}, {"Soort": "12", "Bedrag": "10", "Vrijlating": "3"}])))))
    assert parsed.signaleringen[["persoon_nr", "kenmerk_nr", "waarde", "melding"]].values.tolist() == [
        [1, 31, "12", "code 12 komt niet voor in de codelijst van soort inkomsten (inkomsten 2)"],
        [1, 33, "3", "code 3 komt niet voor in de codelijst van vrijlating inkomsten (inkomsten 2)"]]
    assert parsed.tables["bus_inkomsten"][["volgnr", "soort", "vrijlating"]].values.tolist() == [
        [1, "11", "1"], [2, None, None]]


def test_signal_a_value_in_vermindering(upload):
    parsed = upload(bus_document(levering(uitkering("U1", persoon(Vermindering=[
        {"Reden": "01", "Aanvangsdatum": "20260901", "Einddatum": "20260931"}])))))
    assert single_signalering(parsed)["melding"] == "20260931 is geen bestaande datum (vermindering 1)"
    assert parsed.tables["bus_vermindering"]["einddatum"].isna().all()


def test_a_nine_digit_value_is_never_shown(upload):
    parsed = upload(bus_document(levering(uitkering("U1", Leefvorm=BSN_OTHER,
                                                    BetaalbaarBedrag=f"{BSN_PARTNER},00"))))
    assert parsed.signaleringen[["kenmerk_nr", "waarde", "melding"]].values.tolist() == [
        [10, HIDDEN, f"code {HIDDEN} komt niet voor in de codelijst van leefvorm"],
        [15, f"{HIDDEN},00", f"{HIDDEN},00 is geen bedrag in hele euro's"]]


def test_signaleringen_follow_the_document_and_validate(upload):
    parsed = upload(bus_document(
        levering(uitkering("U2", persoon(Geslacht="3"), Leefvorm="9"), uitkering("U1", persoon(Huisvesting="0")),
                 NaamSoftwarepakket="x")))
    signaleringen = parsed.signaleringen
    assert signaleringen[["registratienummer", "kenmerk_nr"]].values.tolist() == [
        [None, 5], ["U2", 10], ["U2", 20], ["U1", 21]]
    schemas.BUS_SIGNALERING.pandera_schema().validate(with_caller_columns(signaleringen)[
        schemas.BUS_SIGNALERING.column_names])
    for table in schemas.STAGED_TABLES:
        table.pandera_schema().validate(with_caller_columns(parsed.tables[table.name])[table.column_names])


# --- the BSN never leaves ---

def test_no_bsn_anywhere_in_the_tables(upload):
    document = bus_document(levering(
        uitkering("U1", persoon(), persoon(Burgerservicenummer=BSN_FAILING), Leefvorm=BSN_OTHER),
        uitkering("U2", persoon(Burgerservicenummer=BSN_PARTNER, Geboortedatum=BSN_OTHER),
                  persoon(Burgerservicenummer="999990032"))))
    parsed = upload(document)
    assert len(parsed.signaleringen) == 3
    dump = "\n".join(frame.to_csv() for frame in (*parsed.tables.values(), parsed.volledigheid)) + repr(parsed)
    for bsn in TEST_BSNS:
        assert bsn not in dump


def test_a_nine_digit_registratienummer_is_not_shown_in_reasons(rejected):
    reasons = rejected(bus_document(levering(uitkering(BSN_OTHER), uitkering(BSN_OTHER))))
    assert reasons[0].startswith(f"Levering 1 (gemeente 0363, regel 3): Registratienummer {HIDDEN} komt twee keer")


def test_no_bsn_in_the_reasons_for_rejection(rejected):
    document = bus_document(levering(uitkering("U1", persoon(Burgerservicenummer=BSN_AANVRAGER)),
                                     Gemeentecode=BSN_OTHER, Statistiekjaar=BSN_PARTNER)).replace(
        b"</Persoon>", b"<X999990032/></Persoon>")
    reasons = rejected(document)
    assert len(reasons) == 3
    for bsn in TEST_BSNS:
        assert all(bsn not in reason for reason in reasons)
