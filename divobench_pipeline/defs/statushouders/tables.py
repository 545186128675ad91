"""Warehouse tables of the statushouders domain: CBS cohort vintages, COA taakstelling, KIS answers, state."""

from __future__ import annotations

from dataclasses import replace

import pandera.pandas as pa

from divobench_pipeline.core.schemas import (
    _COMPUTED_AT,
    _FINGERPRINT,
    _GEMEENTE,
    _GEMEENTE_NAAM,
    _JAAR,
    _PERIOD,
    _SHA256,
    Column,
    Table,
)

_SH_UPLOAD = Column("upload_sha256", "VARCHAR", False, (_SHA256,), "the archived source file these rows come from")
SH_CBS_COHORT = Table(
    "sh_cbs_cohort",
    "CBS Gemeentelijke benchmark statushouders: every delivery (levering) kept as a vintage, one row per "
    "gemeente, indicator and peildatum; Teller/Noemer NULL where CBS suppressed the cell (unknown, never 0).",
    (Column("levering", "VARCHAR", False, (pa.Check.str_matches(r"^\d{4}-H[12]$"),)), _GEMEENTE,
     _GEMEENTE_NAAM,
     Column("indicator", "VARCHAR", False, (), "CBS's indicator code in the file (cohort, promillage, ...)"),
     Column("peildatum", "DATE", False),
     Column("teller", "DOUBLE", True, (pa.Check.ge(0),), "NULL = suppressed", "personen"),
     Column("noemer", "DOUBLE", True, (pa.Check.ge(0),), "inwoners for promillage; NULL = suppressed", "personen"),
     _SH_UPLOAD),
    ("levering", "gemeentecode", "indicator", "peildatum"),
)
COA_TAAKSTELLING = Table(
    "coa_taakstelling",
    "COA/BZK taakstelling huisvesting vergunninghouders per half year and gemeente (the newest file of each "
    "half year), with the derived gecorrigeerde taakstelling and achterstand at the end.",
    (replace(_PERIOD, checks=(pa.Check.str_matches(r"^\d{4}-(I|II)$"),), description="half year: 2025-I, 2025-II"),
     _GEMEENTE,
     _GEMEENTE_NAAM,
     Column("landelijk_aantal", "INTEGER", False, (pa.Check.ge(0),), "", "personen"),
     Column("taakstelling", "INTEGER", False, (pa.Check.ge(0),), "", "personen"),
     Column("achterstand_begin", "INTEGER", False, (), "negative = voorsprong", "personen"),
     Column("realisatie", "INTEGER", False, (pa.Check.ge(0),), "", "personen"),
     Column("opmerking", "VARCHAR", True, (), "'herindeling': the province fixed the number (no formula check)"),
     Column("gecorrigeerde_taakstelling", "INTEGER", False, (), "taakstelling + achterstand_begin", "personen"),
     Column("achterstand_eind", "INTEGER", False, (), "gecorrigeerde_taakstelling − realisatie", "personen"),
     _SH_UPLOAD),
    ("period", "gemeentecode"),
)
KIS_ANTWOORD = Table(
    "kis_antwoord",
    "KIS survey answers, only of gemeenten whose participant gave kis_consent (others are never stored).",
    (replace(_JAAR, description="survey year"), _GEMEENTE,
     Column("vraag", "VARCHAR", False),
     Column("antwoord", "VARCHAR", False, (pa.Check.isin(["ja", "nee", "gedeeltelijk", "onbekend"]),)),
     _SH_UPLOAD),
    ("jaar", "gemeentecode", "vraag"),
)
SH_STATE = Table(
    "statushouders_state",
    "The fingerprint (source files in force, participants, consent, CBS groups, definitions) the statushouders "
    "tables and indicators were last built from; the planner compares it.",
    (_FINGERPRINT, _COMPUTED_AT),
)
TABLES: tuple[Table, ...] = (SH_CBS_COHORT, COA_TAAKSTELLING, KIS_ANTWOORD, SH_STATE)
