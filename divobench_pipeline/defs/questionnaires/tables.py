"""Warehouse tables of the questionnaires domain: answers in force, BUIG budgets, indicator state, status."""

from __future__ import annotations

from dataclasses import replace

import pandera.pandas as pa

from divobench_pipeline.core.schemas import (
    _COMPUTED_AT,
    _FINGERPRINT,
    _GEMEENTE,
    _GEMEENTE_NAAM,
    _JAAR,
    _PARTICIPANT,
    _PERIOD,
    _UPLOAD,
    Column,
    Table,
)

_QUESTIONNAIRE_PERIOD = replace(_PERIOD, checks=(pa.Check.str_matches(r"^\d{4}(-Q[1-4])?$"),),
                                description="questionnaire period: a quarter 2026-Q3 or a year 2025")
_QUESTIONNAIRE = Column("questionnaire", "VARCHAR", False,
                        (pa.Check.isin(["bedrijfsvoering_wi", "armoede_schulden"]),))
QUESTIONNAIRE_ANSWER = Table(
    "questionnaire_answer",
    "Answers in force per period and participant (verdiepende module, Armoede & Schulden); value NULL = left empty.",
    (_QUESTIONNAIRE_PERIOD, _PARTICIPANT, _QUESTIONNAIRE, Column("code", "VARCHAR", False),
     Column("value", "DOUBLE", True, (pa.Check.ge(0),), "", "per vraag"), _UPLOAD),
    ("period", "participant_id", "code"),
)
QUESTIONNAIRE_IN_FORCE = Table(
    "questionnaire_in_force",
    "Which accepted workbook is in force for each period and participant.",
    (_QUESTIONNAIRE_PERIOD, _PARTICIPANT, _QUESTIONNAIRE, _UPLOAD,
     Column("received_at", "TIMESTAMP", False), Column("original_filename", "VARCHAR", False),
     Column("n_signaleringen", "INTEGER", False, (pa.Check.ge(0),), "", "aantal")),
    ("period", "participant_id"),
)
BUIG_BUDGET = Table(
    "buig_budget",
    "BUIG budget per year and gemeente (ministry of SZW), the latest soort received (definitief > nader_voorlopig "
    "> voorlopig).",
    (_JAAR, _GEMEENTE, _GEMEENTE_NAAM,
     Column("soort", "VARCHAR", False, (pa.Check.isin(["voorlopig", "nader_voorlopig", "definitief"]),)),
     Column("budget", "DOUBLE", False, (pa.Check.ge(0),), "BUIG budget for the year", "euro"), _UPLOAD),
    ("jaar", "gemeentecode"),
)
QUESTIONNAIRE_INDICATOR_STATE = Table(
    "questionnaire_indicator_state",
    "Per questionnaire period, the fingerprint of the inputs its indicators were last computed from.",
    (_QUESTIONNAIRE_PERIOD, _FINGERPRINT, _COMPUTED_AT),
    ("period",),
)
QUESTIONNAIRE_STATUS = Table(
    "questionnaire_status",
    "Per period and participant with the module: whether the questionnaire is in (op tijd / te laat), missing "
    "or still expected.",
    (_QUESTIONNAIRE_PERIOD, _PARTICIPANT, _QUESTIONNAIRE,
     Column("deadline", "DATE", False, (), "six weeks after the quarter; 1 April of the next year"),
     Column("status", "VARCHAR", False, (pa.Check.isin(["op_tijd", "te_laat", "ontbreekt", "verwacht"]),)),
     Column("eerste_ontvangst", "DATE", True), Column("as_of", "DATE", False)),
    ("period", "participant_id"),
)
TABLES: tuple[Table, ...] = (QUESTIONNAIRE_ANSWER, QUESTIONNAIRE_IN_FORCE, BUIG_BUDGET, QUESTIONNAIRE_INDICATOR_STATE,
                             QUESTIONNAIRE_STATUS)
