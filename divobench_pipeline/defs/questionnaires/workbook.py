"""The questionnaire workbook a participant fills in (openpyxl), generated from the definitions.

Sheets: ``Vragenlijst`` (code, vraag, eenheid, verplicht, bereik, antwoord, toelichting; one row per question,
Excel data validation per answer cell, answers of the previous period pre-filled and marked), ``Gegevens``
(deelnemer, vragenlijst, periode; names in A, values in B) and ``Toelichting`` (a short Dutch instruction).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from divobench_pipeline.core.participants import Participant
from divobench_pipeline.defs.questionnaires.periods import Period
from divobench_pipeline.defs.questionnaires.questions import UNITS, Questionnaire

HEADER = ("code", "vraag", "eenheid", "verplicht", "bereik", "antwoord", "toelichting")
PREFILLED = PatternFill("solid", fgColor="FFF3C4")
ANSWER_COLUMN = "F"
MAX_ANSWER = 1e12


def instruction(questionnaire: Questionnaire, period: Period) -> list[str]:
    return [
        f"{questionnaire.titel}, periode {period}",
        "Vul op het werkblad 'Vragenlijst' per vraag de kolom 'antwoord' in, als getal (bijvoorbeeld 12,5 of 1234).",
        "Geel gemarkeerde antwoorden zijn vooringevuld met uw antwoord van de vorige periode: controleer en "
        "overschrijf ze.",
        "Laat een vraag die niet verplicht is leeg als u het antwoord niet weet; vul nooit 0 in voor 'onbekend'.",
        "Bedragen in euro over de periode, exclusief btw; fte met twee decimalen; procenten van 0 tot 100.",
        "Wijzig de codes en het werkblad 'Gegevens' niet, en gebruik geen macro's, koppelingen of formules naar "
        "andere bestanden: zo'n werkmap wordt afgewezen.",
        "Lever de werkmap aan met 'divobench upload --participant <id> <bestand>.xlsx' of zet haar in uw inbox. "
        f"De uiterste datum is {period.deadline():%d-%m-%Y}.",
    ]


def write_workbook(path: Path, participant: Participant, questionnaire: Questionnaire, period: Period,
                   previous: dict[str, float | None] | None, previous_period: Period | None) -> Path:
    """Write the workbook for one participant and period; ``previous``: the answers in force of the period before."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Vragenlijst"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row, q in enumerate(questionnaire.questions(period), start=2):
        bereik = f"0 – {q.maximum:g}" if q.maximum is not None else "0 of meer"
        before = (previous or {}).get(q.code)
        note = f"vooringevuld: antwoord van {previous_period}" if before is not None else ""
        sheet.append([q.code, q.vraag, UNITS[q.eenheid], "ja" if q.verplicht else "nee", bereik, before, note])
        if before is not None:
            sheet[f"{ANSWER_COLUMN}{row}"].fill = PREFILLED
        _validation(sheet, q, row)
    for column, width in zip("ABCDEFG", (34, 90, 30, 10, 12, 14, 34), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"

    details = book.create_sheet("Gegevens")
    for name, value in (("deelnemer", participant.id), ("vragenlijst", questionnaire.code),
                        ("periode", str(period)), ("naam", participant.name),
                        ("versie", questionnaire.version_of(period))):
        details.append([name, value])
    details.column_dimensions["A"].width = 14
    details.column_dimensions["B"].width = 40

    notes = book.create_sheet("Toelichting")
    for line in instruction(questionnaire, period):
        notes.append([line])
    notes["A1"].font = Font(bold=True, size=13)
    notes.column_dimensions["A"].width = 120
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _validation(sheet, question, row: int) -> None:
    maximum = question.maximum if question.maximum is not None else MAX_ANSWER
    kind = "whole" if question.is_count else "decimal"
    validation = DataValidation(
        type=kind, operator="between", formula1="0", formula2=f"{maximum:g}", allow_blank=True,
        showErrorMessage=True, errorTitle="Ongeldig antwoord",
        error=f"Vul een {'geheel ' if question.is_count else ''}getal in van 0 tot en met {maximum:g}.",
        promptTitle=question.code, prompt=UNITS[question.eenheid][:255], showInputMessage=True)
    validation.add(f"{ANSWER_COLUMN}{row}")
    sheet.add_data_validation(validation)
