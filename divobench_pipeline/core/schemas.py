"""The schema registry: every warehouse table, its columns and the Pandera checks its rows must pass.

DuckDB DDL, Pandera schemas and the asset checks on staged data are all generated from this one table.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

import pandera.pandas as pa

from divobench_pipeline.defs.bus_uploads.layout import kenmerken_of

_PANDAS = {"VARCHAR": "object", "DATE": "datetime64[ns]", "INTEGER": "Int64", "DOUBLE": "float64",
           "TIMESTAMP": "datetime64[ns]"}


UNITS: dict[str, str] = {
    "aantal": "a count of things (uitkeringen in an upload, signaleringen, units of a group)",
    "uitkeringen": "a count of uitkeringen",
    "personen": "a count of persons",
    "euro": "an amount in euros (BUS amounts are whole euros, not cents)",
    "fractie": "a share between 0 and 1",
    "per indicator": "the unit of the row's indicator (docs/indicators.md)",
    "per kenmerk": "the unit of the row's kenmerk (as CBS publishes it)",
    "per vraag": "the unit of the row's question: fte, euro or aantal (docs/questionnaires.md)",
}
"""The units a column may carry; a column without one is a key, code, date, text or ordinal."""


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    nullable: bool = True
    checks: tuple[pa.Check, ...] = ()
    description: str = ""
    unit: str = ""

    def __post_init__(self) -> None:
        if self.unit and self.unit not in UNITS:
            raise ValueError(f"column {self.name}: unknown unit {self.unit!r} (one of {', '.join(UNITS)})")

    @property
    def comment(self) -> str:
        """The column's documentation in the warehouse (DuckDB ``COMMENT ON COLUMN``): description and unit."""
        return "; ".join(part for part in (self.description, f"eenheid: {self.unit}" if self.unit else "") if part)


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()  # checked by Pandera per partition; DuckDB gets no index (delete + insert)

    def ddl(self) -> str:
        cols = [f"{c.name} {c.sql_type}{'' if c.nullable else ' NOT NULL'}" for c in self.columns]
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  " + ",\n  ".join(cols) + "\n)"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def pandera_schema(self) -> pa.DataFrameSchema:
        return _pandera_schema(self)


@cache
def _pandera_schema(table: Table) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {c.name: pa.Column(_PANDAS[c.sql_type], checks=list(c.checks), nullable=c.nullable, coerce=True,
                           description=c.comment or None)
         for c in table.columns},
        name=table.name,
        strict=True,
        unique=list(table.primary_key) or None,
    )


_GEMEENTECODE = pa.Check.str_matches(r"^GM\d{4}$")
_SHA256 = pa.Check.str_matches(r"^[0-9a-f]{64}$")
_PSEUDONIEM = pa.Check.str_matches(r"^[0-9a-f]{32}$")
_FIRST_OF_MONTH = pa.Check(lambda s: s.dt.day == 1, element_wise=False, error="month is the first day of a month",
                           name="first_of_month")

_MONTH = Column("month", "DATE", False, (_FIRST_OF_MONTH,), "the month (its first day)")
_PARTICIPANT = Column("participant_id", "VARCHAR", False, (), "the participant (participants.yaml id)")
_GEMEENTE = Column("gemeentecode", "VARCHAR", False, (_GEMEENTECODE,), "CBS gemeentecode, GMxxxx")
_PERIOD = Column("period", "VARCHAR", False, (),
                 "reporting period: a quarter 2026-Q3, a half year 2025-II or a year 2025 (each table checks its own)")
_GEMEENTE_NAAM = Column("gemeente_naam", "VARCHAR", False, (), "the gemeente's name (as the source gives it)")
_REGISTRATIENUMMER = Column("registratienummer", "VARCHAR", False, (), "kenmerk 7: registratienummer uitkering")
_FINGERPRINT = Column("fingerprint", "VARCHAR", False, (), "digest of the inputs and definitions last computed from")
_COMPUTED_AT = Column("computed_at", "TIMESTAMP", False, (), "when it was computed (UTC)")
"""Columns shared by many tables, one spelling per concept (``dataclasses.replace`` for a table's own checks)."""

_PARTITION = (replace(_MONTH, description="statistiekmaand (first day)"),
              replace(_PARTICIPANT, description="the participant that uploaded it"),
              replace(_GEMEENTE, description="CBS gemeentecode of the Levering, GMxxxx"))
_UPLOAD = Column("upload_sha256", "VARCHAR", False, (_SHA256,), "the archived upload these rows come from")


def _kenmerk_columns(level: str) -> tuple[Column, ...]:
    sql = {"code": "VARCHAR", "date": "DATE", "amount": "INTEGER", "signed": "INTEGER", "count": "INTEGER",
           "text": "VARCHAR", "bsn": "VARCHAR"}
    columns = []
    for k in kenmerken_of(level):
        checks: tuple[pa.Check, ...] = ()
        if k.kind == "code":
            checks = (pa.Check.isin(sorted(k.allowed_codes())),)
        elif k.kind == "bsn":
            checks = (_PSEUDONIEM,)
        elif k.kind == "amount":
            checks = (pa.Check.ge(0),)
        elif k.kind == "count" and k.bounds:
            checks = (pa.Check.in_range(*k.bounds),)
        nullable = not (k.level == "uitkering" and k.nr == 7)
        unit = "euro" if k.kind in ("amount", "signed") else "personen" if k.kind == "count" else ""
        columns.append(Column(k.column, sql[k.kind], nullable, checks, f"kenmerk {k.nr}: {k.label}", unit))
    return tuple(columns)


_PERSOON_NR = Column("persoon_nr", "INTEGER", False, (pa.Check.ge(1),), "position on the uitkering; 1 = aanvrager")
_VOLGNR = Column("volgnr", "INTEGER", False, (pa.Check.ge(1),), "position within the person")

BUS_UITKERING = Table(
    "bus_uitkering",
    "Staged BUS uitkeringen: one row per uitkering in the upload in force for a participant-month.",
    (*_PARTITION, *_kenmerk_columns("uitkering"), _UPLOAD),
    ("month", "gemeentecode", "registratienummer"),
)
BUS_PERSOON = Table(
    "bus_persoon",
    "Staged BUS personen on an uitkering, BSN replaced by its pseudonym.",
    (*_PARTITION, _REGISTRATIENUMMER, _PERSOON_NR, *_kenmerk_columns("persoon"), _UPLOAD),
    ("month", "gemeentecode", "registratienummer", "persoon_nr"),
)
BUS_VERMINDERING = Table(
    "bus_vermindering",
    "Staged verminderingen na afstemming (maatregelen) per persoon.",
    (*_PARTITION, _REGISTRATIENUMMER, _PERSOON_NR, _VOLGNR,
     *_kenmerk_columns("vermindering"), _UPLOAD),
    ("month", "gemeentecode", "registratienummer", "persoon_nr", "volgnr"),
)
BUS_INKOMSTEN = Table(
    "bus_inkomsten",
    "Staged inkomsten per persoon (parttime werk, alimentatie, ...).",
    (*_PARTITION, _REGISTRATIENUMMER, _PERSOON_NR, _VOLGNR,
     *_kenmerk_columns("inkomsten"), _UPLOAD),
    ("month", "gemeentecode", "registratienummer", "persoon_nr", "volgnr"),
)
BUS_SIGNALERING = Table(
    "bus_signalering",
    "Signaleringen of the upload in force: values stored as onbekend, with where to find them.",
    (*_PARTITION,
     replace(_REGISTRATIENUMMER, nullable=True),
     Column("persoon_nr", "INTEGER"),
     Column("kenmerk_nr", "INTEGER", False, (pa.Check.in_range(1, 34),)),
     Column("element", "VARCHAR", False),
     Column("waarde", "VARCHAR", True, (pa.Check(lambda s: ~s.fillna("").str.fullmatch(r"\d{9}"),
                                                  error="a signalering never shows a nine-digit number",
                                                  name="no_nine_digit_number"),)),
     Column("melding", "VARCHAR", False),
     _UPLOAD),
)
BUS_UPLOAD_IN_FORCE = Table(
    "bus_upload_in_force",
    "Which accepted upload is in force for each participant-month, and what it held.",
    (_MONTH, _PARTICIPANT, _UPLOAD,
     Column("received_at", "TIMESTAMP", False),
     Column("original_filename", "VARCHAR", False),
     Column("gemeenten", "VARCHAR", False, (), "comma-separated GM codes delivered"),
     Column("n_uitkeringen", "INTEGER", False, unit="uitkeringen"),
     Column("n_personen", "INTEGER", False, unit="personen"),
     Column("n_signaleringen", "INTEGER", False, unit="aantal")),
    ("month", "participant_id"),
)
INDICATOR_VALUE = Table(
    "indicator_value",
    "Indicator values per month and unit (gemeente or participant), with numerator and denominator.",
    (Column("indicator", "VARCHAR", False),
     Column("level", "VARCHAR", False, (pa.Check.isin(["gemeente", "participant"]),)),
     Column("unit", "VARCHAR", False),
     _MONTH,
     Column("numerator", "DOUBLE", True, unit="per indicator"),
     Column("denominator", "DOUBLE", True, unit="per indicator"),
     Column("value", "DOUBLE", True, unit="per indicator")),
    ("indicator", "level", "unit", "month"),
)

INDICATOR_MONTH_STATE = Table(
    "indicator_month_state",
    "Per month, the fingerprint of the inputs and definitions its indicators were last computed from.",
    (_MONTH,
     _FINGERPRINT, _COMPUTED_AT),
    ("month",),
)

_JAAR = Column("jaar", "INTEGER", False, (pa.Check.in_range(2010, 2100),), "indelingsjaar (CBS indeling of 1 January)")
GROUP_TYPES = ("landelijk", "grootteklasse", "provincie", "arbeidsmarktregio", "corop")

GEMEENTE_INDELING = Table(
    "gemeente_indeling",
    "Per year, each gemeente of CBS Gebieden in Nederland of that year with its regional classification.",
    (_JAAR, _GEMEENTE,
     _GEMEENTE_NAAM,
     Column("provincie_code", "VARCHAR", True, (pa.Check.str_matches(r"^PV\d{2}$"),)),
     Column("provincie_naam", "VARCHAR"),
     Column("corop_code", "VARCHAR", True, (pa.Check.str_matches(r"^CR\d{2}$"),)),
     Column("corop_naam", "VARCHAR"),
     Column("arbeidsmarktregio_code", "VARCHAR", True, (pa.Check.str_matches(r"^AM\d{2}$"),)),
     Column("arbeidsmarktregio_naam", "VARCHAR"),
     Column("grootteklasse_code", "VARCHAR", True, (), "CBS gemeentegrootteklasse (1..8 by inwonertal)"),
     Column("grootteklasse_naam", "VARCHAR"),
     Column("stedelijkheid", "INTEGER", True, (pa.Check.in_range(1, 5),), "1 zeer sterk .. 5 niet stedelijk"),
     Column("inwonertal", "INTEGER", True, (pa.Check.ge(0),), "as published in Gebieden in Nederland", "personen"),
     Column("bron", "VARCHAR", False, (), "CBS table id (and whether it came from the cache or a shipped extract)")),
    ("jaar", "gemeentecode"),
)
GEMEENTE_GROEP = Table(
    "gemeente_groep",
    "Per year, every CBS reference group each gemeente belongs to (landelijk NL, grootteklasse, provincie, "
    "arbeidsmarktregio, COROP-gebied), following Gebieden in Nederland of that year.",
    (_JAAR, _GEMEENTE,
     Column("group_type", "VARCHAR", False, (pa.Check.isin(list(GROUP_TYPES)),)),
     Column("group_code", "VARCHAR", False),
     Column("group_name", "VARCHAR", False)),
    ("jaar", "gemeentecode", "group_type"),
)
GEMEENTE_KENMERK = Table(
    "gemeente_kenmerk",
    "Per year and gemeente, CBS characteristics (long format) used for densities and for finding "
    "vergelijkbare gemeenten: inwoners (1 January), stedelijkheid, bevolkingsdichtheid, ...",
    (_JAAR, _GEMEENTE,
     Column("kenmerk", "VARCHAR", False),
     Column("waarde", "DOUBLE", True, (), "", "per kenmerk"),
     Column("bron", "VARCHAR", False, (), "CBS table id and column")),
    ("jaar", "gemeentecode", "kenmerk"),
)
CBS_TABLES: tuple[Table, ...] = (GEMEENTE_INDELING, GEMEENTE_GROEP, GEMEENTE_KENMERK)

STAGED_TABLES: tuple[Table, ...] = (BUS_UITKERING, BUS_PERSOON, BUS_VERMINDERING, BUS_INKOMSTEN, BUS_SIGNALERING)
STAGED_TABLE_OF_LEVEL: dict[str, Table] = {"uitkering": BUS_UITKERING, "persoon": BUS_PERSOON,
                                           "vermindering": BUS_VERMINDERING, "inkomsten": BUS_INKOMSTEN}

COMPARISON_GROUP_TYPES = (*GROUP_TYPES, "samenwerkingsverband", "selectie", "vergelijkbaar")
_UNIT_LEVEL = Column("unit_level", "VARCHAR", False, (pa.Check.isin(["gemeente", "participant"]),),
                     "gemeente, or participant for a samenwerkingsverband with reporting option 3 (one unit)")
_GROUP_KEY = (Column("group_type", "VARCHAR", False, (pa.Check.isin(list(COMPARISON_GROUP_TYPES)),)),
              Column("group_code", "VARCHAR", False))

GEMEENTE_VERGELIJKBAAR = Table(
    "gemeente_vergelijkbaar",
    "Per year, each gemeente's k nearest participating gemeenten by standardized Euclidean distance on CBS "
    "kenmerken (vergelijkbare gemeenten, docs/comparisons.md).",
    (_JAAR, _GEMEENTE,
     Column("rang", "INTEGER", False, (pa.Check.ge(1),), "1 = most similar"),
     Column("buur_code", "VARCHAR", False, (_GEMEENTECODE,), "the similar gemeente"),
     Column("afstand", "DOUBLE", False, (pa.Check.ge(0),), "standardized Euclidean distance"),
     Column("kenmerken", "VARCHAR", False, (), "the kenmerken the distance was computed on, comma-separated")),
    ("jaar", "gemeentecode", "rang"),
)
GROUP_MEMBER = Table(
    "group_member",
    "Per month, the units (gemeenten, or an option-3 samenwerkingsverband as one) forming each reference group.",
    (_MONTH, *_GROUP_KEY,
     Column("group_name", "VARCHAR", False), _UNIT_LEVEL, Column("unit", "VARCHAR", False)),
    ("month", "group_type", "group_code", "unit_level", "unit"),
)
GROUP_VALUE = Table(
    "group_value",
    "Per month, indicator and reference group: pooled value, median of unit values, number of units with data.",
    (Column("indicator", "VARCHAR", False), _MONTH, *_GROUP_KEY,
     Column("numerator", "DOUBLE", True, (), "Σ numerators of the units with data", "per indicator"),
     Column("denominator", "DOUBLE", True, (), "Σ denominators of the units with data", "per indicator"),
     Column("group_value", "DOUBLE", True, (), "pooled: Σ numerators / Σ denominators (or Σ numerators)",
            "per indicator"),
     Column("group_median", "DOUBLE", True, (), "median of the units' own values", "per indicator"),
     Column("group_n", "INTEGER", False, (pa.Check.ge(1),), "units with data for the month", "aantal"),
     Column("status", "VARCHAR", False, (pa.Check.isin(["voorlopig", "definitief"]),),
            "voorlopig until four weeks after the month ends, definitief after"),
     _COMPUTED_AT),
    ("indicator", "month", "group_type", "group_code"),
)
INDICATOR_LINEAGE = Table(
    "indicator_lineage",
    "Per month and unit: the uploads (content hashes) its indicator values rest on and the code that made them.",
    (_MONTH,
     Column("level", "VARCHAR", False, (pa.Check.isin(["gemeente", "participant"]),)),
     Column("unit", "VARCHAR", False),
     Column("upload_sha256", "VARCHAR", False, (), "uploads of the month, ';'-joined"),
     Column("upload_sha256_12m", "VARCHAR", True, (), "uploads of twelve months earlier (12-month changes)"),
     Column("code_version", "VARCHAR", False),
     Column("dagster_run_id", "VARCHAR", True)),
    ("month", "level", "unit"),
)
AANLEVERSTATUS = Table(
    "aanleverstatus",
    "Per statistiekmaand and participant: whether the BUS upload is in (op tijd / te laat), missing or still "
    "expected, and whether it is far out of line with the participant's own history (docs: freshness.py).",
    (_MONTH, _PARTICIPANT,
     Column("deadline", "DATE", False, (), "last day of the month + 28 days"),
     Column("status", "VARCHAR", False, (pa.Check.isin(["op_tijd", "te_laat", "ontbreekt", "verwacht"]),)),
     Column("eerste_ontvangst", "DATE", True, (), "date the first accepted upload for the month arrived"),
     Column("uitkeringen", "INTEGER", True, (pa.Check.ge(0),), "uitkeringen in the upload in force", "uitkeringen"),
     Column("mediaan_uitkeringen", "DOUBLE", True, (), "median of up to six earlier months", "uitkeringen"),
     Column("volume_signaal", "VARCHAR", True, (), "sprong or instorting against the median"),
     Column("volledigheid_signaal", "VARCHAR", True, (), "kenmerken whose filled share collapsed"),
     Column("as_of", "DATE", False, (), "the day this status was computed")),
    ("month", "participant_id"),
)
CBS_BIJSTAND_MAAND = Table(
    "cbs_bijstand_maand",
    "CBS's own count of lopende algemene bijstand uitkeringen per gemeente and month (82015NED), "
    "the reference for the plausibility check on uploads.",
    (_MONTH, _GEMEENTE,
     Column("uitkeringen", "INTEGER", False, (pa.Check.ge(0),), "", "uitkeringen"),
     Column("bron", "VARCHAR", False)),
    ("month", "gemeentecode"),
)
GEMEENTE_VERSIE = Table(
    "gemeente_versie",
    "Versions of each gemeente: code, name and the period they were valid (geldig_van empty: before 2015).",
    (_GEMEENTE, _GEMEENTE_NAAM, Column("geldig_van", "DATE"), Column("geldig_tot", "DATE")),
    ("gemeentecode", "geldig_van"),
)
GEMEENTE_OVERGANG = Table(
    "gemeente_overgang",
    "Herindelingen: which share (gewicht) of an old gemeente went to which new one, and by which rule "
    "(geheel, gewicht, rechtsopvolger).",
    (Column("datum", "DATE", False),
     Column("oude_code", "VARCHAR", False, (_GEMEENTECODE,)), Column("oude_naam", "VARCHAR", False),
     Column("nieuwe_code", "VARCHAR", False, (_GEMEENTECODE,)), Column("nieuwe_naam", "VARCHAR", False),
     Column("soort", "VARCHAR", False), Column("gewicht", "DOUBLE", False, (pa.Check.in_range(0, 1),), "", "fractie"),
     Column("toedeling", "VARCHAR", False, (pa.Check.isin(["geheel", "gewicht", "rechtsopvolger"]),))),
    ("datum", "oude_code", "nieuwe_code"),
)
CBS_EXTRA_TABLES: tuple[Table, ...] = (CBS_BIJSTAND_MAAND, GEMEENTE_VERSIE, GEMEENTE_OVERGANG)
CBS_KERNCIJFER = Table(
    "cbs_kerncijfer",
    "CBS Sociale zekerheid; bijstand, re-integratie en WSW, gemeenten: every published figure per year, region "
    "(gemeente, COROP, arbeidsmarktregio, provincie, grootteklasse, NL01) and leeftijdsklasse, as CBS published it "
    "(waarde empty where CBS has '.': geheim or onbekend), with the table version it came from.",
    (_JAAR, Column("regio_code", "VARCHAR", False, (), "CBS region code without padding: GM0363, CR23, NL01, ..."),
     Column("leeftijd", "VARCHAR", False, (pa.Check.isin(["20150", "90100"]),),
            "20150 = 15 jaar of ouder, 90100 = 15 jaar tot AOW-leeftijd"),
     Column("kenmerk", "VARCHAR", False), Column("waarde", "DOUBLE", True, (), "empty = '.' at CBS", "per kenmerk"),
     Column("table_id", "VARCHAR", False), Column("modified", "VARCHAR", False, (), "the table's Modified at CBS")),
    ("jaar", "regio_code", "leeftijd", "kenmerk"),
)
TABLES: tuple[Table, ...] = (*STAGED_TABLES, BUS_UPLOAD_IN_FORCE, INDICATOR_VALUE, INDICATOR_MONTH_STATE,
                             INDICATOR_LINEAGE, *CBS_TABLES, *CBS_EXTRA_TABLES, GEMEENTE_VERGELIJKBAAR, GROUP_MEMBER,
                             GROUP_VALUE, AANLEVERSTATUS, CBS_KERNCIJFER)

DOMAIN_TABLE_MODULES: tuple[str, ...] = (
    "divobench_pipeline.defs.questionnaires.tables",
    "divobench_pipeline.defs.statushouders.tables",
)
"""Domains that keep their tables in their own folder (``TABLES`` there), built on this module's columns."""


@cache
def all_tables() -> tuple[Table, ...]:
    """Every warehouse table: ``TABLES`` here and each domain's in ``DOMAIN_TABLE_MODULES``."""
    import importlib

    return (*TABLES, *(t for name in DOMAIN_TABLE_MODULES for t in importlib.import_module(name).TABLES))
