"""Questionnaire definitions as data: the docs, the workbook and the validation all follow vragenlijsten.yaml."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pandera.errors
import pytest
from questionnaire_fixtures import PARTICIPANTS, _participant

from divobench_pipeline.defs.questionnaires.periods import Period, ended_periods, period_keys
from divobench_pipeline.defs.questionnaires.questions import docs_markdown, pandera_schema, questionnaires
from divobench_pipeline.defs.questionnaires.registry import INDICATORS
from divobench_pipeline.defs.questionnaires.workbook import write_workbook

DOCS = Path(__file__).resolve().parents[1] / "docs" / "questionnaires.md"


def test_generated_docs_are_in_step_with_the_definitions():
    assert DOCS.read_text(encoding="utf-8") == docs_markdown(), \
        "regenerate: python -m divobench_pipeline.defs.questionnaires.questions"


def test_every_question_of_the_contract_with_unit_and_required():
    wi = {q.code: q for q in questionnaires()["bedrijfsvoering_wi"].questions(Period(2026, 3))}
    as_ = {q.code: q for q in questionnaires()["armoede_schulden"].questions(Period(2025))}
    assert len(wi) == 19 and len(as_) == 13
    assert (wi["verzuimpercentage"].eenheid, wi["verzuimpercentage"].maximum) == ("procent", 100)
    assert not wi["maatregelen"].verplicht and wi["lasten_buig"].verplicht and wi["fte_inhuur"].eenheid == "fte"
    assert as_["shv_crisis_aanmeldingen"].verplicht is False and as_["minima_uitgaven"].eenheid == "euro"


def test_indicators_named_in_the_definitions_are_those_using_the_questions():
    """Each question lists exactly the indicators whose inputs include it."""
    for questionnaire in questionnaires().values():
        for _, questions in questionnaire.versions:
            for q in questions:
                using = {i.code for i in INDICATORS if q.code in i.uses or (
                    q.code in ("lasten_buig", "baten_buig") and {"lasten_jaar", "baten_jaar"} & set(i.uses))}
                assert set(q.indicatoren) == using, q.code


def test_pandera_schema_checks_types_ranges_and_required():
    schema = pandera_schema(questionnaires()["bedrijfsvoering_wi"], Period(2026, 3))
    good = {q.code: 1.0 for q in questionnaires()["bedrijfsvoering_wi"].questions(Period(2026, 3))}
    schema.validate(pd.DataFrame([good]))
    schema.validate(pd.DataFrame([{**good, "maatregelen": float("nan")}]))
    for bad in ({"fte_inhuur": -1.0}, {"verzuimpercentage": 100.5}, {"lasten_buig": float("nan")}):
        with pytest.raises(pandera.errors.SchemaErrors):
            schema.validate(pd.DataFrame([{**good, **bad}]), lazy=True)


def test_periods():
    assert Period.parse("2026-Q3").last_month.isoformat() == "2026-09-01"
    assert Period.parse("2025").last_month.isoformat() == "2025-12-01"
    assert str(Period.parse("2026-Q1").previous()) == "2025-Q4" and str(Period(2025).previous()) == "2024"
    assert Period.parse("2026-Q3").deadline().isoformat() == "2026-11-11"  # 30 Sept + 6 weeks
    assert Period(2025).deadline().isoformat() == "2026-04-01"
    assert period_keys(2015) == ["2015-Q1", "2015-Q2", "2015-Q3", "2015-Q4", "2015"]
    assert [str(p) for p in ended_periods("kwartaal", Period(2025, 4).first_day, Period(2026, 2).last_day)] == \
        ["2025-Q4", "2026-Q1"]
    for bad in ("2026-Q5", "26-Q1", "2026Q1", "", None):
        with pytest.raises(ValueError):
            Period.parse(bad)


def test_workbook_has_the_contracts_sheets_prefill_and_validation(tmp_path):
    participant = _participant("GM0153")
    questionnaire = questionnaires()["bedrijfsvoering_wi"]
    path = write_workbook(tmp_path / "w.xlsx", participant, questionnaire, Period(2026, 3),
                          {"fte_inhuur": 12.5, "maatregelen": None}, Period(2026, 2))
    book = openpyxl.load_workbook(path)
    assert {"Vragenlijst", "Gegevens", "Toelichting"} <= set(book.sheetnames)
    sheet = book["Vragenlijst"]
    header = [c.value for c in sheet[1]]
    assert {"code", "vraag", "eenheid", "antwoord"} <= set(header)
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 19
    assert rows["fte_inhuur"]["antwoord"] == 12.5
    assert rows["fte_inhuur"]["toelichting"] == "vooringevuld: antwoord van 2026-Q2"
    assert rows["maatregelen"]["antwoord"] is None and not rows["maatregelen"]["toelichting"]
    details = {r[0]: r[1] for r in book["Gegevens"].iter_rows(values_only=True)}
    assert (details["deelnemer"], details["vragenlijst"], details["periode"]) == \
        ("GM0153", "bedrijfsvoering_wi", "2026-Q3")
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    answer_column = "ABCDEFG"[header.index("antwoord")]
    assert len(validations) == 19
    row_of = {code: k for k, code in enumerate(rows, start=2)}
    verzuim = validations[f"{answer_column}{row_of['verzuimpercentage']}"]
    assert (verzuim.type, verzuim.formula1, verzuim.formula2) == ("decimal", "0", "100")
    assert validations[f"{answer_column}{row_of['aanvragen_afgehandeld']}"].type == "whole"
    instruction = " ".join(r[0] for r in book["Toelichting"].iter_rows(values_only=True))
    assert "Vul op het werkblad 'Vragenlijst'" in instruction and "11-11-2026" in instruction
    assert any(p["id"] == "GM0153" for p in PARTICIPANTS)
