"""Bad and doubtful workbooks: every rejection and signalering of the contract, through the real command line
(`divobench upload`) and through the inbox and the intake job, and what stays in force."""

from __future__ import annotations

import dagster as dg
import openpyxl
import pytest
from processes import divobench
from questionnaire_fixtures import QUARTER, last_quarter, registered, rezip, workbook, zip_bomb

from divobench_pipeline.definitions import load_defs
from divobench_pipeline.defs.questionnaires.answers import parse_number
from divobench_pipeline.defs.questionnaires.receipts import in_force, read_source_receipts

Q = last_quarter()


def _edit(path, change):
    book = openpyxl.load_workbook(path)
    change(book)
    book.save(path)
    return path


def _append(code, value):
    return lambda book: book["Vragenlijst"].append([code, "extra", "aantal", "nee", "", value])


def rejected_cases(folder, registry) -> dict[str, str]:
    """file name → a fragment its Dutch rejection must hold (question code and value where there is one)."""
    folder.mkdir(parents=True, exist_ok=True)
    q = str(Q)

    def wb(name, answers=None, details=None):
        return workbook(folder / name, "GM0153", q, answers, registry, details)

    base = wb("basis.xlsx")
    (folder / "geen_werkmap.xlsx").write_bytes(b"dit is geen werkmap")
    rezip(base, folder / "macro.xlsx", add={"xl/vbaProject.bin": b"\0" * 64})
    rezip(base, folder / "koppeling.xlsx", add={"xl/externalLinks/externalLink1.xml": b"<externalLink/>"})
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/oleObject" Target="file:///C:/data/begroting.xlsx" TargetMode="External"/>'
            '</Relationships>')
    rezip(base, folder / "externe_relatie.xlsx", add={"xl/worksheets/_rels/sheet1.xml.rels": rels.encode()})
    wb("formule.xlsx", {**QUARTER, "fte_inhuur": "=[begroting.xlsx]Blad1!A1"})
    zip_bomb(folder / "bom_groot.xlsx", 60)
    zip_bomb(folder / "bom_ratio.xlsx", 4)
    _edit(wb("zonder_vragenlijst.xlsx"), lambda b: setattr(b["Vragenlijst"], "title", "Vragen"))
    _edit(wb("zonder_gegevens.xlsx"), lambda b: b.remove(b["Gegevens"]))
    wb("andere_deelnemer.xlsx", details={"deelnemer": "SV-TWEE"})
    wb("periode_fout.xlsx", details={"periode": "2026-Q9"})
    wb("periode_toekomst.xlsx", details={"periode": "2099-Q1"})
    wb("periode_te_vroeg.xlsx", details={"periode": "2014-Q4"})
    wb("vragenlijst_onbekend.xlsx", details={"vragenlijst": "jeugdzorg"})
    wb("geen_getal.xlsx", {**QUARTER, "fte_inhuur": "veel"})
    wb("negatief.xlsx", {**QUARTER, "fte_inhuur": -3})
    wb("procent.xlsx", {**QUARTER, "verzuimpercentage": 120})
    wb("verplicht_leeg.xlsx", {**QUARTER, "lasten_buig": None})
    _edit(wb("dubbel.xlsx"), _append("fte_inhuur", 11))
    base.unlink()
    return {
        "geen_werkmap.xlsx": "geen xlsx-werkmap", "macro.xlsx": "macro's", "koppeling.xlsx": "externe koppelingen",
        "externe_relatie.xlsx": "verwijst naar een extern bestand",
        "formule.xlsx": "=[begroting.xlsx]Blad1!A1", "bom_groot.xlsx": "zip-bom", "bom_ratio.xlsx": "zip-bom",
        "zonder_vragenlijst.xlsx": "werkblad 'Vragenlijst' ontbreekt",
        "zonder_gegevens.xlsx": "werkblad 'Gegevens' ontbreekt",
        "andere_deelnemer.xlsx": "deelnemer SV-TWEE is niet de deelnemer", "periode_fout.xlsx": "'2026-Q9'",
        "periode_toekomst.xlsx": "2099-Q1 ligt in de toekomst",
        "periode_te_vroeg.xlsx": "2014-Q4 ligt vóór de deelname",
        "vragenlijst_onbekend.xlsx": "vragenlijst jeugdzorg is onbekend",
        "geen_getal.xlsx": "Vraag fte_inhuur: het antwoord 'veel' is geen getal",
        "negatief.xlsx": "Vraag fte_inhuur: het antwoord -3 is negatief",
        "procent.xlsx": "Vraag verzuimpercentage: het antwoord 120 is meer dan 100 procent",
        "verplicht_leeg.xlsx": "Vraag lasten_buig is verplicht maar niet ingevuld",
        "dubbel.xlsx": "Vraag fte_inhuur staat twee keer",
    }


def _blocks(stdout: str) -> dict[str, str]:
    blocks, current = {}, None
    for line in stdout.splitlines():
        if not line.startswith("  ") and ": " in line and ".xlsx" in line.split(": ")[0]:
            current = line.split(": ")[0].rsplit("/", 1)[-1]
            blocks[current] = line
        elif current:
            blocks[current] += "\n" + line
    return blocks


@pytest.mark.slow
def test_every_rejection_through_the_command_line(home, tmp_path, monkeypatch):
    registry = registered(home)
    cases = rejected_cases(tmp_path / "bad", registry)
    monkeypatch.setenv("DIVOBENCH_MAX_UPLOAD_MB", "20")
    result = divobench(home.root, "upload", "--participant", "GM0153", *(str(tmp_path / "bad" / n) for n in cases),
                       check=False)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "workbook(s) rejected" in result.stderr
    blocks = _blocks(result.stdout)
    for name, fragment in cases.items():
        assert f"{name}: rejected" in blocks[name], blocks.get(name)
        assert fragment in blocks[name], (name, blocks[name])
    assert in_force(home) == {}
    quarantined = sorted(p.name for p in home.quarantine.glob("GM0153/*/rapport.html"))
    assert len(quarantined) == len(cases)
    module = workbook(tmp_path / "module.xlsx", "GM0153", str(Q), registry=registry, details={"deelnemer": "GM0637"})
    other = divobench(home.root, "upload", "--participant", "GM0637", str(module), check=False)
    assert other.returncode == 2 and "module wi_verdiepend, die GM0637 niet afneemt" in other.stdout


def test_every_rejection_through_the_inbox_and_the_intake_job(home, tmp_path, monkeypatch):
    registry = registered(home)
    monkeypatch.setenv("DIVOBENCH_MAX_UPLOAD_MB", "20")
    cases = rejected_cases(home.inbox_of("GM0153"), registry)
    good = workbook(tmp_path / "goed.xlsx", "GM0153", str(Q), registry=registry)
    receipt_before = divobench(home.root, "upload", "--participant", "GM0153", str(good))
    assert "accepted" in receipt_before.stdout
    before = in_force(home)
    result = load_defs(home).resolve_job_def("bus_intake_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral())
    assert result.success
    receipts = {r.original_filename: r for r in read_source_receipts(home, "GM0153")}
    for name, fragment in cases.items():
        assert receipts[name].status == "rejected" and any(fragment in r for r in receipts[name].reasons), name
        assert (home.root / receipts[name].report).is_file()
    assert in_force(home) == before, "a rejected workbook leaves the answers in force"
    assert not any(home.inbox_of("GM0153").iterdir())


@pytest.mark.slow
def test_signaleringen_are_named_and_the_answers_used(home, tmp_path):
    registry = registered(home)
    previous = workbook(tmp_path / "vorige.xlsx", "GM0153", str(Q.previous()), registry=registry)
    divobench(home.root, "upload", "--participant", "GM0153", str(previous))
    answers = {**QUARTER, "uitvoeringskosten": 2_500_000, "maatregelen": None, "fte_klantmanager_inkomen": 75}
    doubtful = _edit(workbook(tmp_path / "twijfel.xlsx", "GM0153", str(Q), answers, registry),
                     _append("onbekende_vraag", 7))
    result = divobench(home.root, "upload", "--participant", "GM0153", str(doubtful), check=False)
    assert result.returncode == 0, result.stderr
    assert "accepted with signaleringen" in result.stdout
    for fragment in ("Vraag uitvoeringskosten: 2.500.000 wijkt meer dan 50% en meer dan 10 af van 1.200.000 in "
                     f"{Q.previous()}", "Vraag maatregelen is niet ingevuld", "Onbekende vraag onbekende_vraag",
                     "Vraag fte_klantmanager_inkomen: 75 is groter dan fte_eigen_personeel + fte_inhuur (60)"):
        assert fragment in result.stdout, fragment
    receipt = in_force(home)[(str(Q), "GM0153")]
    assert receipt.values["uitvoeringskosten"] == 2_500_000 and receipt.values["maatregelen"] is None
    assert "onbekende_vraag" not in receipt.values
    report = (home.root / receipt.report).read_text(encoding="utf-8")
    assert "Geaccepteerd met signaleringen" in report and "onbekende_vraag" in report


def test_signaleringen_through_the_inbox_and_the_intake_job(home, tmp_path):
    registry = registered(home)
    inbox = home.inbox_of("GM0153")
    inbox.mkdir(parents=True)
    workbook(inbox / "a_vorige.xlsx", "GM0153", str(Q.previous()), registry=registry)
    answers = {**QUARTER, "uitvoeringskosten": 2_500_000, "maatregelen": None, "fte_klantmanager_inkomen": 75}
    _edit(workbook(inbox / "b_twijfel.xlsx", "GM0153", str(Q), answers, registry), _append("onbekende_vraag", 7))
    result = load_defs(home).resolve_job_def("bus_intake_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral())
    assert result.success
    receipt = in_force(home)[(str(Q), "GM0153")]
    assert receipt.status == "accepted with signaleringen"
    assert receipt.signaleringen == [
        "Onbekende vraag onbekende_vraag (rij 21, antwoord '7') is genegeerd.",
        "Vraag maatregelen is niet ingevuld (niet verplicht); wi.maatregelen_per_100_klanten krijgt daardoor "
        "geen waarde.",
        "Vraag fte_klantmanager_inkomen: 75 is groter dan fte_eigen_personeel + fte_inhuur (60); dat kan niet "
        "kloppen.",
        "Vraag fte_klantmanager_inkomen: 75 wijkt meer dan 50% en meer dan 10 af van 20 in "
        f"{Q.previous()}; controleer het antwoord.",
        f"Vraag uitvoeringskosten: 2.500.000 wijkt meer dan 50% en meer dan 10 af van 1.200.000 in {Q.previous()}; "
        "controleer het antwoord."]


@pytest.mark.parametrize(("text", "number"), [
    ("1.234,5", 1234.5), ("1234.5", 1234.5), ("12,5", 12.5), ("1.234.567", 1234567.0), ("1,234.5", 1234.5),
    (" 7 ", 7.0), (3, 3.0), (2.25, 2.25), ("", None), (None, None), ("€ 1.000,00", 1000.0)])
def test_answers_read_as_numbers(text, number):
    assert parse_number(text) == number


@pytest.mark.parametrize("text", ["veel", "1,2,3.4.5x", True, "12-3"])
def test_answers_that_are_not_numbers(text):
    with pytest.raises(ValueError):
        parse_number(text)
