"""The questionnaires as data (``vragenlijsten.yaml``): questions per questionnaire and version year.

The workbook (``workbook.py``), the validation (``pandera_schema``) and docs/questionnaires.md (``docs_markdown``)
are all generated from these definitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import pandera.pandas as pa
import yaml

from divobench_pipeline.defs.questionnaires.periods import Period

SOURCE = Path(__file__).with_name("vragenlijsten.yaml")
UNITS = {"fte": "fte (voltijdsequivalenten, 2 decimalen)", "euro": "euro in de periode, excl. btw",
         "aantal": "aantal", "procent": "procent (0–100)", "dagen": "dagen"}


@dataclass(frozen=True)
class Question:
    code: str
    vraag: str
    eenheid: str
    verplicht: bool
    maximum: float | None = None
    hoogstens: tuple[str, ...] = ()
    indicatoren: tuple[str, ...] = ()

    @property
    def is_count(self) -> bool:
        return self.eenheid == "aantal"


@dataclass(frozen=True)
class Questionnaire:
    code: str
    titel: str
    module: str
    periode: str
    versions: tuple[tuple[int, tuple[Question, ...]], ...]

    def questions(self, period: Period) -> tuple[Question, ...]:
        """The questions of the version in force for the period's year."""
        chosen = [qs for year, qs in self.versions if year <= period.year]
        if not chosen:
            raise ValueError(f"vragenlijst {self.code} heeft geen versie voor {period}")
        return chosen[-1]

    def version_of(self, period: Period) -> int:
        return max(year for year, _ in self.versions if year <= period.year)


@cache
def questionnaires() -> dict[str, Questionnaire]:
    """Every questionnaire by code, read and checked once."""
    document = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    found = {}
    for code, entry in document.items():
        versions = []
        for year, rows in sorted(entry["versies"].items()):
            questions = tuple(Question(
                code=r["code"], vraag=r["vraag"], eenheid=r["eenheid"], verplicht=bool(r["verplicht"]),
                maximum=r.get("max"), hoogstens=tuple(r.get("hoogstens", ())),
                indicatoren=tuple(r.get("indicatoren", ()))) for r in rows)
            _check_version(code, year, questions)
            versions.append((int(year), questions))
        found[code] = Questionnaire(code, entry["titel"], entry["module"], entry["periode"], tuple(versions))
    return found


def _check_version(code: str, year: int, questions: tuple[Question, ...]) -> None:
    codes = [q.code for q in questions]
    if len(set(codes)) != len(codes):
        raise ValueError(f"{SOURCE.name}: {code} {year} lists a question twice")
    for q in questions:
        if q.eenheid not in UNITS or not set(q.hoogstens) <= set(codes):
            raise ValueError(f"{SOURCE.name}: {code} {year} {q.code}: unknown eenheid or hoogstens")


def questionnaire_for(period: Period) -> Questionnaire:
    """The questionnaire answered per period of this kind (a quarter: bedrijfsvoering, a year: A&S)."""
    return next(q for q in questionnaires().values() if q.periode == period.kind)


@lru_cache(maxsize=64)
def pandera_schema(questionnaire: Questionnaire, period: Period) -> pa.DataFrameSchema:
    """One row of answers (column per question code, float, empty = NaN): types, ranges and required. Built once
    per questionnaire and period (a national quarter checks 342 workbooks against the same schema)."""
    columns = {}
    for q in questionnaire.questions(period):
        checks = [pa.Check.ge(0, error="negatief")]
        if q.maximum is not None:
            checks.append(pa.Check.le(q.maximum, error=f"boven {q.maximum:g}"))
        columns[q.code] = pa.Column(float, checks=checks, nullable=not q.verplicht, required=True)
    return pa.DataFrameSchema(columns, name=f"{questionnaire.code} {questionnaire.version_of(period)}", strict=True)


def docs_markdown() -> str:
    """docs/questionnaires.md: every questionnaire and version as tables (generated; a test keeps it in step)."""
    lines = ["# Questionnaires", "",
             "Generated from `divobench_pipeline/defs/questionnaires/vragenlijsten.yaml` by "
             "`python -m divobench_pipeline.defs.questionnaires.questions`; do not edit by hand. The workbook, its "
             "validation and this page come from the same definitions. What is rejected and what is a signalering: "
             "[`vragenlijsten`](../README.md#vragenlijsten-en-buig-budgetten).", ""]
    for q in questionnaires().values():
        for year, questions in q.versions:
            lines += [f"## {q.titel} (`{q.code}`), versie {year}", "",
                      f"Module `{q.module}`, periode: {q.periode}.", "",
                      "| code | eenheid | verplicht | bereik | hoogstens | vraag | indicatoren |",
                      "|---|---|---|---|---|---|---|"]
            for x in questions:
                bereik = f"0–{x.maximum:g}" if x.maximum is not None else "≥ 0"
                lines.append(f"| `{x.code}` | {x.eenheid} | {'ja' if x.verplicht else 'nee'} | {bereik} | "
                             f"{' + '.join(x.hoogstens)} | {x.vraag} | "
                             f"{', '.join(f'`{i}`' for i in x.indicatoren)} |")
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    Path(__file__).resolve().parents[3].joinpath("docs", "questionnaires.md").write_text(
        docs_markdown(), encoding="utf-8")
