"""Workbooks, budgets and participants for the questionnaire tests: real files made with the real generator."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import load_registry, write_registry
from divobench_pipeline.defs.questionnaires.periods import Period
from divobench_pipeline.defs.questionnaires.questions import questionnaire_for
from divobench_pipeline.defs.questionnaires.workbook import write_workbook
from divobench_pipeline.demo.questionnaires import fill

PARTICIPANTS = [
    {"id": "GM0153", "name": "Enschede", "gemeenten": ["GM0153"],
     "modules": ["wi_basis", "wi_verdiepend", "armoede_schulden"]},
    {"id": "GM0637", "name": "Zoetermeer", "gemeenten": ["GM0637"], "modules": ["wi_basis"]},
    {"id": "SV-TWEE", "name": "Twee samen", "gemeenten": ["GM0534", "GM0553"], "reporting": 2,
     "modules": ["wi_basis", "wi_verdiepend", "armoede_schulden"]},
]
QUARTER = {"fte_eigen_personeel": 50, "fte_inhuur": 10, "fte_klantmanager_inkomen": 20, "fte_reintegratie": 8,
           "fte_terugvordering_verhaal": 3, "fte_sociale_recherche": 2, "verzuimpercentage": 5.5,
           "uitvoeringskosten": 1_200_000, "uitgaven_reintegratie": 300_000, "aanvragen_afgehandeld": 400,
           "aanvragen_binnen_4_weken": 300, "aanvragen_binnen_8_weken": 380, "maatregelen": 30,
           "fraudevorderingen": 12, "fraudevorderingen_bedrag": 40_000, "loonkostensubsidies": 90, "beschut_werk": 25,
           "lasten_buig": 9_000_000, "baten_buig": 200_000}
YEAR = {"shv_aanmeldingen": 1200, "shv_eerste_gesprekken": 1000, "shv_eerste_gesprek_binnen_4_weken": 800,
        "shv_crisis_aanmeldingen": 150, "shv_crisis_binnen_3_werkdagen": 120, "shv_schuldregelingen_gestart": 200,
        "shv_schuldregelingen_binnen_120_dagen": 150, "shv_uitstroom": 700, "shv_uitstroom_schuldenvrij": 280,
        "shv_uitgaven": 1_800_000, "minima_uitgaven": 5_500_000, "minima_huishoudens": 6000,
        "kwijtschelding_bedrag": 400_000}


def registered(home: DivobenchHome, participants=PARTICIPANTS):
    write_registry(home.participants_file, participants)
    return load_registry(home.participants_file)


def workbook(path: Path, participant_id: str, period: str, answers: dict | None = None, registry=None,
             details: dict | None = None) -> Path:
    """A workbook as the generator writes it, filled with ``answers`` (default: the quarter's or year's set),
    its Gegevens optionally overwritten (``details``)."""
    import openpyxl

    p = Period.parse(period)
    participant = registry[participant_id] if registry else _participant(participant_id)
    write_workbook(path, participant, questionnaire_for(p), p, None, None)
    fill(path, answers if answers is not None else (QUARTER if p.quarter else YEAR))
    if details:
        book = openpyxl.load_workbook(path)
        for row in book["Gegevens"].iter_rows():
            if row[0].value in details:
                row[1].value = details[row[0].value]
        book.save(path)
    return path


def _participant(participant_id: str):
    from divobench_pipeline.core.participants import Participant

    entry = next(p for p in PARTICIPANTS if p["id"] == participant_id)
    return Participant(entry["id"], entry["name"], tuple(entry["gemeenten"]), tuple(entry["modules"]))


def rezip(source: Path, target: Path, add: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None
          ) -> Path:
    """A copy of the xlsx with parts added or replaced (macros, external links, formulas)."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in original.infolist():
            data = original.read(item.filename)
            out.writestr(item.filename, (replace or {}).get(item.filename, data))
        for name, data in (add or {}).items():
            out.writestr(name, data)
    return target


def zip_bomb(target: Path, uncompressed_mb: int = 300) -> Path:
    """A small zip that claims to be a workbook and inflates to ``uncompressed_mb`` MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("[Content_Types].xml", "<Types/>")
        out.writestr("xl/workbook.xml", "<workbook/>")
        with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"\0" * 2**20
            for _ in range(uncompressed_mb):
                member.write(block)
    target.write_bytes(buffer.getvalue())
    return target


def last_quarter(today: dt.date | None = None) -> Period:
    """The last quarter that ended before today."""
    today = today or dt.date.today()
    quarter = Period(today.year, (today.month - 1) // 3 + 1).previous()
    return quarter
