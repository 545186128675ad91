"""Questionnaire indicators per period: gather each participant's inputs from the warehouse, apply the registry.

Only participants with the indicator's module get a value. Values are rows of ``indicator_value`` at level
participant, month = the last month of the period.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import duckdb
import pandas as pd

from divobench_pipeline.core.participants import Participant, Registry
from divobench_pipeline.core.schemas import INDICATOR_VALUE
from divobench_pipeline.core.warehouse import has_table
from divobench_pipeline.defs.questionnaires.periods import Period
from divobench_pipeline.defs.questionnaires.registry import INDICATORS, Inputs, indicators_of

BESTAND = "wi.bestand.buig"


def gather_inputs(con: duckdb.DuckDBPyConnection, participant: Participant, period: Period) -> Inputs:
    """Every input of one participant and period (None where it is missing; see the registry's docstring)."""
    inputs: Inputs = dict(_answers(con, participant.id, period))
    if period.quarter is not None:
        inputs["bestand"] = _mean_bestand(con, participant.id, period)
    else:
        quarters = [dict(_answers(con, participant.id, q)) for q in period.quarters]
        for name, code in (("lasten_jaar", "lasten_buig"), ("baten_jaar", "baten_buig")):
            found = [q.get(code) for q in quarters]
            inputs[name] = None if None in found else sum(found)
        inputs["budget"] = _summed(con, participant, "SELECT gemeentecode, budget FROM buig_budget WHERE jaar = ?",
                                   period.year, "buig_budget")
        inputs["inwoners"] = _summed(con, participant, "SELECT gemeentecode, waarde FROM gemeente_kenmerk "
                                     "WHERE jaar = ? AND kenmerk = 'inwoners'", period.year, "gemeente_kenmerk")
    return inputs


def _answers(con: duckdb.DuckDBPyConnection, participant_id: str, period: Period) -> list[tuple[str, float | None]]:
    return con.execute("SELECT code, value FROM questionnaire_answer WHERE period = ? AND participant_id = ?",
                       [str(period), participant_id]).fetchall()


def _mean_bestand(con: duckdb.DuckDBPyConnection, participant_id: str, period: Period) -> float | None:
    rows = con.execute("SELECT numerator FROM indicator_value WHERE indicator = ? AND level = 'participant' "
                       "AND unit = ? AND month IN (SELECT unnest(?::DATE[])) AND numerator IS NOT NULL",
                       [BESTAND, participant_id, period.months]).fetchall()
    return sum(r[0] for r in rows) / 3 if len(rows) == 3 else None


def _summed(con: duckdb.DuckDBPyConnection, participant: Participant, sql: str, year: int, table: str
            ) -> float | None:
    """The sum over the participant's gemeenten, or None unless every gemeente has a figure."""
    if not has_table(con, table):
        return None
    found = {code: value for code, value in con.execute(sql, [year]).fetchall() if value is not None}
    if any(g not in found for g in participant.gemeenten):
        return None
    return float(sum(found[g] for g in participant.gemeenten))


def compute_period(con: duckdb.DuckDBPyConnection, registry: Registry, period: Period) -> pd.DataFrame:
    """Rows of ``indicator_value`` for one period, for every participant with the module."""
    rows = []
    for participant in registry.participants:
        chosen = [i for i in indicators_of(period.kind) if i.module in participant.modules]
        if not chosen:
            continue
        inputs = gather_inputs(con, participant, period)
        for indicator in chosen:
            result = indicator.compute(inputs)
            if result is not None:
                rows.append({"indicator": indicator.code, "level": "participant", "unit": participant.id,
                             "month": pd.Timestamp(period.last_month), "numerator": result[0],
                             "denominator": result[1], "value": result[2]})
    return pd.DataFrame(rows, columns=INDICATOR_VALUE.column_names)


def period_fingerprint(con: duckdb.DuckDBPyConnection | None, registry: Registry, period: Period) -> str:
    """A digest of everything the period's indicators rest on (answers, bestand, budgets, inwoners, modules)."""
    if con is None:
        return ""
    parts: list = [[i.code for i in INDICATORS],
                   sorted((p.id, p.gemeenten, p.modules) for p in registry.participants)]
    periods = [str(p) for p in period.quarters] + [str(period)]
    queries = [
        ("questionnaire_in_force", "SELECT period, participant_id, upload_sha256 FROM questionnaire_in_force "
                                   "WHERE period IN (SELECT unnest(?::VARCHAR[])) ORDER BY ALL", [periods]),
        ("indicator_value", "SELECT unit, month, numerator FROM indicator_value WHERE indicator = ? AND level = "
                            "'participant' AND month IN (SELECT unnest(?::DATE[])) ORDER BY ALL",
         [BESTAND, period.months]),
        ("buig_budget", "SELECT gemeentecode, budget FROM buig_budget WHERE jaar = ? ORDER BY ALL", [period.year]),
        ("gemeente_kenmerk", "SELECT gemeentecode, waarde FROM gemeente_kenmerk WHERE jaar = ? AND kenmerk = "
                             "'inwoners' ORDER BY ALL", [period.year]),
    ]
    for table, sql, params in queries:
        parts.append(con.execute(sql, params).fetchall() if has_table(con, table) else None)
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def periods_with_answers(con: duckdb.DuckDBPyConnection | None) -> list[Period]:
    """Every period with answers in force, and the year of every quarter (for budgetresultaat)."""
    if con is None or not has_table(con, "questionnaire_in_force"):
        return []
    found = {Period.parse(p) for (p,) in con.execute("SELECT DISTINCT period FROM questionnaire_in_force").fetchall()}
    return sorted(found | {Period(p.year) for p in found}, key=lambda p: p.sort_key)


def computed_fingerprints(con: duckdb.DuckDBPyConnection | None) -> dict[str, str]:
    if con is None or not has_table(con, "questionnaire_indicator_state"):
        return {}
    return dict(con.execute("SELECT period, fingerprint FROM questionnaire_indicator_state").fetchall())


def stale_periods(con: duckdb.DuckDBPyConnection | None, registry: Registry,
                  candidates: Sequence[Period] | None = None) -> list[Period]:
    """Periods whose indicators are missing or rest on changed inputs."""
    computed = computed_fingerprints(con)
    wanted = candidates if candidates is not None else periods_with_answers(con)
    stale = {Period.parse(p) for p in computed if Period.parse(p) not in set(wanted)}
    stale |= {p for p in wanted if computed.get(str(p)) != period_fingerprint(con, registry, p)}
    return sorted(stale, key=lambda p: p.sort_key)
