"""Statushouders indicator values and group values (docs/indicators.md, *Statushouders*).

A gemeente's (numerator, denominator) come straight from its source row: the newest CBS levering, the COA half
year, the KIS answer. A value is **known** when its numerator is, and its denominator too where it has one
(a suppressed CBS cell is unknown, never 0). value = numerator / denominator where the denominator is > 0.

- A participant pools its gemeenten: Σ numerators / Σ denominators, absent if any gemeente is unknown (a partial
  sum would mislead). KIS: the mean over its gemeenten with an answer (Σ scores / number of them).
- A group pools its units (gemeenten; a samenwerkingsverband with reporting option 3 as one, pooled as above)
  over every gemeente of the group that has the figure (the sources cover all gemeenten), known ones only;
  ``group_n`` counts those units. For KIS that is the mean over the gemeenten with an answer.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from divobench_pipeline.core.participants import Registry
from divobench_pipeline.core.schemas import GROUP_MEMBER, GROUP_VALUE, INDICATOR_VALUE
from divobench_pipeline.core.warehouse import insert_rows, transaction
from divobench_pipeline.defs.comparisons.groups import Units, membership
from divobench_pipeline.defs.statushouders.registry import BY_CODE, CODES, INDICATORS, KIS_SCORE
from divobench_pipeline.defs.statushouders.sources import periode_month

_COLUMNS = ["indicator", "unit", "month", "numerator", "denominator"]
MODULE = "statushouders"


def gemeente_values(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """(indicator, unit = gemeente, month, numerator, denominator, value, known) of every gemeente in the sources."""
    frames = [_cbs_values(con), _coa_values(con), _kis_values(con)]
    frame = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else \
        pd.DataFrame(columns=_COLUMNS)
    return _finish(frame)


def _cbs_values(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    raw = con.execute("""SELECT indicator AS field, gemeentecode AS unit,
                                date_trunc('month', peildatum)::DATE AS month, teller, noemer FROM sh_cbs_cohort
                         WHERE levering = (SELECT max(levering) FROM sh_cbs_cohort)""").df()
    frames = []
    for i in (i for i in INDICATORS if i.source == "cbs"):
        rows = raw[raw["field"] == i.field]
        frames.append(pd.DataFrame({"indicator": i.code, "unit": rows["unit"], "month": rows["month"],
                                    "numerator": rows["teller"] * i.multiplier,
                                    "denominator": rows["noemer"] if i.has_denominator else np.nan}))
    return pd.concat(frames, ignore_index=True)


def _coa_values(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    raw = con.execute("SELECT * FROM coa_taakstelling").df()
    month = pd.to_datetime(raw["period"].map(periode_month) + "-01")
    measures = {"taakstelling": (raw["taakstelling"], np.nan), "realisatie": (raw["realisatie"], np.nan),
                "realisatie_pct": (raw["realisatie"], raw["gecorrigeerde_taakstelling"]),
                "achterstand_eind": (raw["achterstand_eind"], np.nan)}
    return pd.concat([pd.DataFrame({"indicator": i.code, "unit": raw["gemeentecode"], "month": month,
                                    "numerator": measures[i.field][0], "denominator": measures[i.field][1]})
                      for i in INDICATORS if i.source == "coa"], ignore_index=True)


def _kis_values(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    raw = con.execute("SELECT * FROM kis_antwoord").df()
    score = raw["antwoord"].map(KIS_SCORE)
    return pd.DataFrame({"indicator": "sh.kis." + raw["vraag"], "unit": raw["gemeentecode"],
                         "month": pd.to_datetime(raw["jaar"].astype(str) + "-12-01"),
                         "numerator": score, "denominator": score.notna().astype(float).where(score.notna())})


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``known`` and ``value`` (numerator / denominator where the denominator is > 0, else none)."""
    frame = frame.astype({"numerator": "float64", "denominator": "float64"})
    frame["month"] = pd.to_datetime(frame["month"])
    with_den = frame["indicator"].map(lambda c: BY_CODE[c].has_denominator).astype(bool)
    frame["known"] = frame["numerator"].notna() & (frame["denominator"].notna() | ~with_den)
    ratio = frame["numerator"] / frame["denominator"].where(frame["denominator"] > 0)
    frame["value"] = np.where(with_den, ratio, frame["numerator"])
    frame.loc[~frame["known"], "value"] = np.nan
    return frame


def pooled(values: pd.DataFrame, units: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """Per unit (participant id → its gemeenten) the pooled (numerator, denominator): every gemeente known, or
    for KIS at least one (the mean over those). Rows of unknown pools are left out."""
    mapping = pd.DataFrame([(u, g) for u, gs in units.items() for g in gs], columns=["owner", "unit"])
    if mapping.empty or values.empty:
        return pd.DataFrame(columns=[*_COLUMNS, "known", "value"])
    joined = values.merge(mapping, on="unit")
    joined = joined.assign(num=joined["numerator"].where(joined["known"]),
                           den=joined["denominator"].where(joined["known"]))
    grouped = joined.groupby(["indicator", "owner", "month"]).agg(
        numerator=("num", lambda s: s.sum(min_count=1)), denominator=("den", lambda s: s.sum(min_count=1)),
        n_known=("known", "sum")).reset_index()
    size = grouped["owner"].map({u: len(gs) for u, gs in units.items()})
    kis = grouped["indicator"].str.startswith("sh.kis.")
    keep = (kis & (grouped["n_known"] > 0)) | (~kis & (grouped["n_known"] == size))
    frame = grouped[keep].rename(columns={"owner": "unit"})[_COLUMNS]
    return _finish(frame)


def indicator_rows(values: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Rows of ``indicator_value``: gemeenten and participants with the module ``statushouders``."""
    participants = {p.id: p.gemeenten for p in registry.participants if MODULE in p.modules}
    gemeenten = {g for gs in participants.values() for g in gs}
    own = values[values["unit"].isin(gemeenten)].assign(level="gemeente")
    whole = pooled(values, participants).assign(level="participant")
    rows = pd.concat([own, whole], ignore_index=True)
    return rows.replace({np.nan: None})[INDICATOR_VALUE.column_names] if len(rows) else \
        pd.DataFrame(columns=INDICATOR_VALUE.column_names)


def group_rows(values: pd.DataFrame, members: pd.DataFrame, registry: Registry, now: dt.datetime) -> pd.DataFrame:
    """Rows of ``group_value``: each group pooled over its units whose figure is known."""
    if values.empty:
        return pd.DataFrame(columns=GROUP_VALUE.column_names)
    whole = Units(registry).whole()
    parts = [values.assign(unit_level="gemeente"),
             pooled(values, {p.id: p.gemeenten for p in whole.values()}).assign(unit_level="participant")]
    unit_values = pd.concat([p for p in parts if len(p)], ignore_index=True)
    known = unit_values[unit_values["known"]]
    joined = members.merge(known, on=["month", "unit_level", "unit"])
    if joined.empty:
        return pd.DataFrame(columns=GROUP_VALUE.column_names)
    grouped = joined.groupby(["indicator", "month", "group_type", "group_code"]).agg(
        numerator=("numerator", "sum"), denominator=("denominator", lambda s: s.sum(min_count=1)),
        group_median=("value", "median"), group_n=("unit", "size")).reset_index()
    with_den = grouped["indicator"].map(lambda c: BY_CODE[c].has_denominator).astype(bool)
    ratio = grouped["numerator"] / grouped["denominator"].where(grouped["denominator"] != 0)
    grouped["group_value"] = np.where(with_den, ratio, grouped["numerator"])
    grouped = grouped.assign(status="definitief", computed_at=now)
    return grouped.replace({np.nan: None})[GROUP_VALUE.column_names]


def write_indicators(con: duckdb.DuckDBPyConnection, registry: Registry) -> dict:
    """Replace every statushouders row of ``indicator_value`` and ``group_value`` (and the group members of their
    months, which are the same rows the W&I group values write) in one transaction."""
    values = gemeente_values(con)
    months = sorted({m.date() for m in values["month"]})
    members, _ = membership(con, registry, months)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = INDICATOR_VALUE.pandera_schema().validate(indicator_rows(values, registry))
    groups = GROUP_VALUE.pandera_schema().validate(group_rows(values, members, registry, now))
    members = GROUP_MEMBER.pandera_schema().validate(members)
    with transaction(con):
        for table in (INDICATOR_VALUE, GROUP_VALUE):
            con.execute(f"DELETE FROM {table.name} WHERE indicator IN (SELECT unnest(?::VARCHAR[]))", [list(CODES)])
        con.execute(f"DELETE FROM {GROUP_MEMBER.name} WHERE month IN (SELECT unnest(?::DATE[]))", [months])
        insert_rows(con, INDICATOR_VALUE, rows)
        insert_rows(con, GROUP_VALUE, groups)
        insert_rows(con, GROUP_MEMBER, members)
    return {"values": rows, "groups": groups, "months": months}
