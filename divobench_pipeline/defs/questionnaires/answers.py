"""Reading and judging a filled questionnaire workbook: what is rejected, what is accepted with signaleringen.

The contract is questionnaires.md. Every message is a Dutch sentence naming the question code and the value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
import pandera.errors

from divobench_pipeline.core.participants import Participant
from divobench_pipeline.defs.questionnaires.periods import FIRST_YEAR, Period, PeriodError
from divobench_pipeline.defs.questionnaires.questions import Questionnaire, pandera_schema, questionnaires
from divobench_pipeline.defs.questionnaires.xlsx import WorkbookRejected, check_workbook_file

QUESTIONS_SHEET = "Vragenlijst"
DETAILS_SHEET = "Gegevens"
REQUIRED_COLUMNS = ("code", "vraag", "eenheid", "antwoord")
PLAUSIBLE_SHARE = 0.5
PLAUSIBLE_UNITS = 10
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)*$")


@dataclass
class RawWorkbook:
    details: dict[str, object]
    rows: list[tuple[int, str, object]]  # (row number, code, answer cell as read)


@dataclass
class Answers:
    """An accepted questionnaire: its answers by question code (None: left empty) and its signaleringen."""

    questionnaire: str
    period: Period
    values: dict[str, float | None]
    signaleringen: list[str] = field(default_factory=list)


def read_workbook(path: Path, max_bytes: int, name: str | None = None) -> RawWorkbook:
    """The Gegevens (name → value) and the Vragenlijst rows of a workbook that passed the file checks."""
    check_workbook_file(path, max_bytes, name)
    with open(path, "rb") as handle:
        return _read_open_workbook(handle, name or path.name)


def _read_open_workbook(handle, name: str) -> RawWorkbook:
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure to open is a broken workbook
        raise WorkbookRejected([f"Het bestand {name} is geen leesbare xlsx-werkmap ({type(exc).__name__})."]
                               ) from None
    try:
        missing = [s for s in (QUESTIONS_SHEET, DETAILS_SHEET) if s not in book.sheetnames]
        if missing:
            raise WorkbookRejected([f"Het werkblad '{s}' ontbreekt in de werkmap." for s in missing])
        details = {str(row[0]).strip().lower(): row[1] for row in book[DETAILS_SHEET].iter_rows(
            min_col=1, max_col=2, values_only=True) if len(row) > 1 and row[0] is not None}
        return RawWorkbook(details, _question_rows(book[QUESTIONS_SHEET]))
    finally:
        book.close()


def _question_rows(sheet) -> list[tuple[int, str, object]]:
    rows = sheet.iter_rows(values_only=True)
    header_at, columns = None, {}
    for number, row in enumerate(rows, start=1):
        names = [str(c).strip().lower() if c is not None else "" for c in row]
        if "code" in names and "antwoord" in names:
            header_at, columns = number, {name: k for k, name in enumerate(names) if name}
            break
        if number > 20:
            break
    if header_at is None or any(c not in columns for c in REQUIRED_COLUMNS):
        raise WorkbookRejected([f"Het werkblad '{QUESTIONS_SHEET}' heeft geen kopregel met de kolommen "
                                f"{', '.join(REQUIRED_COLUMNS)}."])
    found = []
    for number, row in enumerate(rows, start=header_at + 1):
        code = row[columns["code"]] if columns["code"] < len(row) else None
        if code is None or not str(code).strip():
            continue
        answer = row[columns["antwoord"]] if columns["antwoord"] < len(row) else None
        found.append((number, str(code).strip(), answer))
    return found


def parse_number(value: object) -> float | None:
    """An answer as a number: Excel's number type, or text like ``1.234,5``, ``1234.5`` or ``12,5``; empty: None.

    Raises ValueError for anything else.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(value)
    if isinstance(value, int | float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(value)
        return float(value)
    text = value.strip().replace("\u00a0", "").replace(" ", "").removeprefix("€")
    if not _NUMBER.match(text):
        raise ValueError(value)
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
    elif text.count(",") == 1 or text.count(".") == 1:
        decimal = "," if "," in text else "."
    else:
        decimal = None
    thousands = {",", "."} - {decimal}
    for separator in thousands:
        text = text.replace(separator, "")
    return float(text.replace(",", ".")) if decimal else float(text)


def judge(raw: RawWorkbook, participant: Participant, *, today: dt.date, joined: dt.date | None,
          previous: dict[str, float | None] | None, previous_period: str = "") -> Answers:
    """Accept the workbook (with signaleringen) or raise WorkbookRejected with every reason found."""
    questionnaire, period = _details(raw, participant, today=today, joined=joined)
    questions = {q.code: q for q in questionnaire.questions(period)}
    reasons, signaleringen, values = [], [], {}
    seen: dict[str, int] = {}
    for number, code, cell in raw.rows:
        if code in seen:
            reasons.append(f"Vraag {code} staat twee keer in de vragenlijst (rij {seen[code]} en rij {number}).")
            continue
        seen[code] = number
        if code not in questions:
            signaleringen.append(f"Onbekende vraag {code} (rij {number}, antwoord {_shown(cell)}) is genegeerd.")
            continue
        try:
            values[code] = parse_number(cell)
        except ValueError:
            reasons.append(f"Vraag {code}: het antwoord {_shown(cell)} is geen getal.")
    for code in questions:
        values.setdefault(code, None)
    reasons += _schema_reasons(questionnaire, period, values)
    if reasons:
        raise WorkbookRejected(reasons)
    for q in questions.values():
        if values[q.code] is None and not q.verplicht:
            effect = f"; {', '.join(q.indicatoren)} krijgt daardoor geen waarde" if q.indicatoren else ""
            signaleringen.append(f"Vraag {q.code} is niet ingevuld (niet verplicht){effect}.")
    signaleringen += _inconsistencies(questions.values(), values)
    signaleringen += _implausible(values, previous or {}, previous_period)
    return Answers(questionnaire.code, period, values, signaleringen)


def _details(raw: RawWorkbook, participant: Participant, *, today: dt.date, joined: dt.date | None
             ) -> tuple[Questionnaire, Period]:
    for name in ("deelnemer", "vragenlijst", "periode"):
        if raw.details.get(name) in (None, ""):
            raise WorkbookRejected([f"Op het werkblad '{DETAILS_SHEET}' ontbreekt '{name}'."])
    reasons = []
    deelnemer = str(raw.details["deelnemer"]).strip()
    if deelnemer != participant.id:
        reasons.append(f"Gegevens: deelnemer {deelnemer} is niet de deelnemer waarvoor de werkmap is aangeleverd "
                       f"({participant.id}).")
    code = str(raw.details["vragenlijst"]).strip()
    questionnaire = questionnaires().get(code)
    if questionnaire is None:
        reasons.append(f"Gegevens: vragenlijst {code} is onbekend (bekend: {', '.join(questionnaires())}).")
    elif questionnaire.module not in participant.modules:
        reasons.append(f"Gegevens: vragenlijst {code} hoort bij de module {questionnaire.module}, die "
                       f"{participant.id} niet afneemt.")
    try:
        period = Period.parse(raw.details["periode"])
    except PeriodError as exc:
        raise WorkbookRejected([*reasons, f"Gegevens: {exc}."]) from None
    if questionnaire is not None and period.kind != questionnaire.periode:
        reasons.append(f"Gegevens: periode {period} is geen {questionnaire.periode}, zoals vragenlijst {code} vraagt.")
    if period.last_day >= today:
        reasons.append(f"Gegevens: periode {period} ligt in de toekomst (is nog niet voorbij).")
    if period.year < FIRST_YEAR or (joined is not None and period.last_day < joined):
        since = joined.strftime("%Y-%m") if joined else str(FIRST_YEAR)
        reasons.append(f"Gegevens: periode {period} ligt vóór de deelname van {participant.id} (sinds {since}).")
    if reasons:
        raise WorkbookRejected(reasons)
    return questionnaire, period


def _schema_reasons(questionnaire: Questionnaire, period: Period, values: dict[str, float | None]) -> list[str]:
    """Types, ranges and required questions, checked by the Pandera schema generated from the definitions."""
    frame = pd.DataFrame([{code: (math.nan if v is None else v) for code, v in values.items()}], dtype=float)
    try:
        pandera_schema(questionnaire, period).validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        reasons = []
        for case in errors.failure_cases.itertuples(index=False):
            code, check = case.column, str(case.check)
            value = values.get(code)
            if "not_nullable" in check:
                reasons.append(f"Vraag {code} is verplicht maar niet ingevuld.")
            elif check == "negatief":
                reasons.append(f"Vraag {code}: het antwoord {_number(value)} is negatief.")
            elif check.startswith("boven"):
                reasons.append(f"Vraag {code}: het antwoord {_number(value)} is meer dan 100 procent.")
            else:
                reasons.append(f"Vraag {code}: het antwoord {_number(value)} voldoet niet ({check}).")
        return reasons
    return []


def _inconsistencies(questions, values: dict[str, float | None]) -> list[str]:
    found = []
    for q in questions:
        parts = [values.get(c) for c in q.hoogstens]
        if q.hoogstens and values.get(q.code) is not None and None not in parts and values[q.code] > sum(parts):
            found.append(f"Vraag {q.code}: {_number(values[q.code])} is groter dan {' + '.join(q.hoogstens)} "
                         f"({_number(sum(parts))}); dat kan niet kloppen.")
    return found


def _implausible(values: dict[str, float | None], previous: dict[str, float | None], previous_period: str
                 ) -> list[str]:
    found = []
    for code, value in values.items():
        before = previous.get(code)
        if value is None or before is None:
            continue
        change = abs(value - before)
        if change > PLAUSIBLE_UNITS and change > PLAUSIBLE_SHARE * abs(before):
            found.append(f"Vraag {code}: {_number(value)} wijkt meer dan 50% en meer dan 10 af van "
                         f"{_number(before)} in {previous_period}; controleer het antwoord.")
    return found


def _shown(cell: object) -> str:
    return f"'{str(cell)[:60]}'"


def _number(value: float | None) -> str:
    if value is None:
        return "(leeg)"
    return f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".").removesuffix(",00")
