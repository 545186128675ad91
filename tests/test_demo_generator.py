"""The synthetic BUS generator: determinism, valid content, month-to-month consistency and realistic rates."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from divobench_pipeline.defs.bus_uploads.layout import KENMERKEN
from divobench_pipeline.demo.generator import GeneratedUpload, UploadSpec, generate_uploads, load_inwoners

XSD = Path(__file__).resolve().parents[1] / "divobench_pipeline" / "defs" / "bus_uploads" / "bus.xsd"
MONTHS = [dt.date(2025, m, 1) for m in range(1, 13)]
SPECS = [UploadSpec("GM0637", ("GM0637",)), UploadSpec("SV-TEST", ("GM0534", "GM0553"))]
BY_ELEMENT = {k.element: k for k in KENMERKEN}
BSN_ELEMENT = re.compile(r"<Burgerservicenummer>(.*?)</Burgerservicenummer>")


def elfproef(bsn: str) -> bool:
    return len(bsn) == 9 and bsn.isdigit() and sum(
        int(c) * w for c, w in zip(bsn, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True)) % 11 == 0


def parse(path: Path) -> dict[str, dict[str, dict]]:
    """Gemeentecode → Registratienummer → uitkering as plain values, from one file."""
    root = etree.parse(str(path)).getroot()
    out: dict[str, dict[str, dict]] = {}
    for lev in root.iter("Levering"):
        records = out.setdefault(lev.findtext("Gemeentecode"), {})
        for u in lev.iter("Uitkering"):
            persons = [{
                "bsn": p.findtext("Burgerservicenummer"), "geb": p.findtext("Geboortedatum"),
                "geslacht": p.findtext("Geslacht"), "aanvang": p.findtext("AanvangsdatumUitkering"),
                "einde": p.findtext("EinddatumUitkering") or None, "reden": p.findtext("RedenBeeindigingUitkering"),
                "ontheffing": p.findtext("OntheffingArbeidsverplichting"),
                "werk": any(i.findtext("Soort") == "11" and int(i.findtext("Bedrag")) > 0 for i in p.iter("Inkomsten")),
            } for p in u.iter("Persoon")]
            reg = u.findtext("Registratienummer")
            assert reg not in records, f"duplicate Registratienummer {reg} in {path.name}"
            ends = [p["einde"] for p in persons]
            records[reg] = {
                "code": u.findtext("Statistiekcode"), "persons": persons,
                "aanvang": min(p["aanvang"] for p in persons),
                "einde": max(ends) if all(ends) else None,
                "reden": persons[0]["reden"] or next((p["reden"] for p in persons if p["reden"]), None),
            }
    return out


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> list[GeneratedUpload]:
    return generate_uploads(tmp_path_factory.mktemp("clean"), SPECS, MONTHS, signaleringen=False)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory) -> list[GeneratedUpload]:
    return generate_uploads(tmp_path_factory.mktemp("dirty"), SPECS, MONTHS, signaleringen=True)


@pytest.fixture(scope="module")
def parsed_clean(clean) -> dict[tuple[str, dt.date], dict[str, dict[str, dict]]]:
    return {(g.participant_id, g.month): parse(g.path) for g in clean}


def by_gemeente(parsed, gemeentecode: str) -> list[dict[str, dict]]:
    """The gemeente's records per month, in month order."""
    return [files[gemeentecode] for (_, _), files in sorted(parsed.items(), key=lambda kv: kv[0][1])
            if gemeentecode in files]


def month_bounds(month: dt.date) -> tuple[str, str, str]:
    ym = f"{month:%Y%m}"
    return ym, f"{ym}01", f"{ym}{calendar.monthrange(month.year, month.month)[1]:02d}"


def test_deterministic_and_prefix_stable(tmp_path, dirty):
    first = generate_uploads(tmp_path / "a", SPECS, MONTHS[:3], seed=2026)
    second = generate_uploads(tmp_path / "b", SPECS, MONTHS[:3], seed=2026)
    for a, b, full in zip(first, second, dirty, strict=False):
        assert a.path.read_bytes() == b.path.read_bytes()
        assert a.path.read_bytes() == full.path.read_bytes(), "a shorter run must reproduce the same months"
    other = generate_uploads(tmp_path / "c", SPECS[:1], MONTHS[:1], seed=7)
    assert other[0].path.read_bytes() != first[0].path.read_bytes()


def test_files_are_well_formed_valid_and_counted(clean, dirty):
    assert [(g.participant_id, g.month) for g in clean] == [(s.participant_id, m) for m in MONTHS for s in SPECS]
    schema = etree.XMLSchema(etree.parse(str(XSD))) if XSD.exists() else None
    for g in clean + dirty:
        assert g.path == g.path.parent.parent / g.participant_id / f"bus_{g.participant_id}_{g.month:%Y-%m}.xml"
        doc = etree.parse(str(g.path))
        if schema is not None:
            assert schema.validate(doc), f"{g.path.name}: {schema.error_log.last_error}"
        root = doc.getroot()
        assert root.tag == "BUS" and root.get("versie") == "2015"
        spec = next(s for s in SPECS if s.participant_id == g.participant_id)
        leveringen = root.findall("Levering")
        assert [lev.findtext("Gemeentecode") for lev in leveringen] == [c[2:] for c in spec.gemeenten]
        for lev in leveringen:
            assert lev.findtext("Statistiekjaar") == f"{g.month.year}"
            assert lev.findtext("Statistiekmaand") == f"{g.month.month:02d}"
            assert lev.findtext("Berichtgevercode") == spec.gemeenten[0][2:]
            assert len(lev.findall("Uitkering")) > 0
        assert g.n_uitkeringen == len(root.findall("Levering/Uitkering"))
        assert g.n_personen == len(root.findall("Levering/Uitkering/Persoon"))


def test_bsns_are_test_numbers_and_one_per_person(parsed_clean, clean, dirty):
    person: dict[str, tuple[str, str]] = {}
    for files in parsed_clean.values():
        for records in files.values():
            for u in records.values():
                for p in u["persons"]:
                    assert p["bsn"].startswith("999") and elfproef(p["bsn"]), p["bsn"]
                    assert person.setdefault(p["bsn"], (p["geb"], p["geslacht"])) == (p["geb"], p["geslacht"])
    failing = []
    for c, d in zip(clean, dirty, strict=True):
        clean_bsns = BSN_ELEMENT.findall(c.path.read_text("latin-1"))
        dirty_bsns = BSN_ELEMENT.findall(d.path.read_text("latin-1"))
        assert len(clean_bsns) == len(dirty_bsns)
        for before, after in zip(clean_bsns, dirty_bsns, strict=True):
            assert after.startswith("999") and len(after) == 9
            # a BSN is changed only by a signalering, and then it fails the 11-proef
            assert elfproef(after) == (after == before), (before, after)
            if after != before:
                failing.append(after)
    assert 1 <= len(failing) <= len(dirty), failing


def test_file_holds_exactly_the_uitkeringen_of_its_month(parsed_clean):
    for (_, month), files in parsed_clean.items():
        _, first, last = month_bounds(month)
        for records in files.values():
            for reg, u in records.items():
                assert len(reg) <= 15
                assert u["aanvang"] <= last
                assert u["einde"] is None or first <= u["einde"] <= last
                assert u["einde"] is None or u["einde"] >= u["aanvang"]
                if u["einde"] is not None:
                    assert all(p["reden"] for p in u["persons"])
                if u["code"] == "12":
                    assert u["aanvang"][:6] == u["einde"][:6] == first[:6] and u["reden"] == "98"


def test_month_to_month_consistency(parsed_clean):
    for code in ("0637", "0534", "0553"):
        series = by_gemeente(parsed_clean, code)
        for month, this, following in zip(MONTHS, series, series[1:], strict=False):
            next_ym = f"{month.year + month.month // 12}{month.month % 12 + 1:02d}"
            for reg, u in this.items():
                if u["einde"] is not None:
                    assert reg not in following, f"{reg} ended in {month} but is still delivered"
                    continue
                later = following[reg]
                assert later["aanvang"] == u["aanvang"] and later["code"] == u["code"]
                before = {p["bsn"] for p in u["persons"]}
                after = {p["bsn"]: p for p in later["persons"]}
                assert before <= set(after)
                assert all(after[b]["aanvang"][:6] == next_ym for b in set(after) - before)


def test_realistic_rates_for_one_gemeente(parsed_clean):
    werk = uitstroom_total = 0
    for month, records in zip(MONTHS, by_gemeente(parsed_clean, "0637"), strict=True):
        ym, _, last = month_bounds(month)
        pw = [u for u in records.values() if u["code"] == "01"]
        lopend = [u for u in pw if u["einde"] is None or u["einde"] > last]
        bestand = len(lopend)
        assert 2000 <= bestand <= 4000
        instroom = sum(1 for u in pw if u["aanvang"][:6] == ym)
        uitstroom = [u for u in pw if u["einde"] is not None and u["einde"][:6] == ym]
        assert 0.01 <= instroom / bestand <= 0.035
        assert 0.01 <= len(uitstroom) / bestand <= 0.035
        werk += sum(1 for u in uitstroom if u["reden"] in ("11", "13"))
        uitstroom_total += len(uitstroom)
        parttime = sum(1 for u in lopend if any(p["werk"] for p in u["persons"]))
        assert 0.05 <= parttime / bestand <= 0.12
        ontheffing = Counter(p["ontheffing"] for u in lopend for p in u["persons"])
        assert 0.3 <= sum(ontheffing[c] for c in "456") / sum(ontheffing[c] for c in "2456") <= 0.5
        durations = [12 * (month.year - int(u["aanvang"][:4])) + month.month - int(u["aanvang"][4:6]) for u in lopend]
        assert sum(d >= 60 for d in durations) / bestand >= 0.3
        eenmalig = sum(1 for u in records.values() if u["code"] == "12")
        assert 0.003 <= eenmalig / bestand <= 0.02
        codes = Counter(u["code"] for u in records.values() if u["einde"] is None)
        assert 0.015 <= codes["02"] / bestand <= 0.05 and codes["14"] > 0 and codes["11"] > 0
        persons = sum(len(u["persons"]) for u in lopend)
        assert 1.08 <= persons / bestand <= 1.22
    assert 0.20 <= werk / uitstroom_total <= 0.45


def invalid_values(root: etree._Element) -> list[tuple[str, str]]:
    """(element, value) of every value outside its code list, date, number or length rule, and every missing reden
    or einde before aanvang."""
    problems = []
    valid: set[tuple[str, str]] = set()
    for el in root.iter(*BY_ELEMENT):
        value = (el.text or "").strip()
        if not value or (el.tag, value) in valid:
            continue
        k = BY_ELEMENT[el.tag]
        ok = True
        if k.kind == "code":
            ok = value in k.allowed_codes()
        elif k.kind == "date":
            try:
                dt.date(int(value[:4]), int(value[4:6]), int(value[6:8]))
                ok = len(value) == 8
            except ValueError:
                ok = False
        elif k.kind in ("amount", "count"):
            ok = value.isdigit() and (k.bounds is None or k.bounds[0] <= int(value) <= k.bounds[1])
        elif k.kind == "signed":
            ok = re.fullmatch(r"-?\d+", value) is not None
        elif k.kind == "bsn":
            ok = elfproef(value)
        elif k.kind == "text":
            ok = k.max_length is None or len(value) <= k.max_length
        if ok:
            valid.add((el.tag, value))
        else:
            problems.append((el.tag, value))
    for persoon in root.iter("Persoon"):
        aanvang, einde = persoon.findtext("AanvangsdatumUitkering"), persoon.findtext("EinddatumUitkering")
        if einde and not persoon.findtext("RedenBeeindigingUitkering"):
            problems.append(("RedenBeeindigingUitkering", ""))
        if einde and einde < aanvang:
            problems.append(("EinddatumUitkering", einde))
    return problems


def test_clean_files_have_no_invalid_values(clean):
    for g in clean:
        assert invalid_values(etree.parse(str(g.path)).getroot()) == [], g.path.name


def test_signaleringen_are_few_and_regular(clean, dirty):
    per_participant: dict[str, list[int]] = {}
    kinds = Counter()
    for c, d in zip(clean, dirty, strict=True):
        clean_records = re.findall(rb"<Uitkering>.*?</Uitkering>", c.path.read_bytes(), flags=re.DOTALL)
        dirty_records = re.findall(rb"<Uitkering>.*?</Uitkering>", d.path.read_bytes(), flags=re.DOTALL)
        assert len(clean_records) == len(dirty_records)
        changed = [b for a, b in zip(clean_records, dirty_records, strict=True) if a != b]
        assert len(changed) <= max(3, len(clean_records) / 400)
        for record in changed:
            problems = invalid_values(etree.fromstring(record))
            assert problems, record
            kinds.update(tag for tag, _ in problems)
        per_participant.setdefault(c.participant_id, []).append(len(changed))
    for counts in per_participant.values():
        assert all(sum(counts[i:i + 3]) >= 1 for i in range(len(counts) - 2))
    assert len(kinds) >= 3


def test_national_size_at_small_scale(tmp_path):
    inwoners = load_inwoners()
    assert len(inwoners) == 342
    specs = [UploadSpec(gm, (gm,)) for gm in inwoners]
    uploads = generate_uploads(tmp_path, specs, [dt.date(2026, 1, 1)], scale=0.02, signaleringen=False)
    assert len(uploads) == 342
    pw_persons = 0
    for g in uploads:
        root = etree.parse(str(g.path)).getroot()
        for u in root.iterfind("Levering/Uitkering"):
            if u.findtext("Statistiekcode") == "01":
                pw_persons += sum(1 for p in u.iterfind("Persoon") if not p.findtext("EinddatumUitkering"))
    assert 0.02 * 360_000 <= pw_persons <= 0.02 * 440_000 + 342 * 3


def test_rejects_a_gemeente_delivered_twice_or_unknown(tmp_path):
    with pytest.raises(ValueError, match="more than one"):
        generate_uploads(tmp_path, [UploadSpec("A", ("GM0637",)), UploadSpec("B", ("GM0637",))], MONTHS[:1])
    with pytest.raises(ValueError, match="GM9999"):
        generate_uploads(tmp_path, [UploadSpec("A", ("GM9999",))], MONTHS[:1])
