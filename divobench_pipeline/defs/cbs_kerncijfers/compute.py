"""CBS kerncijfers as indicator values: per gemeente for December of the CBS year, pooled per participant, and
the landelijk value set against CBS's own NL01 row.

A ``.`` at CBS gives no value (never 0): the gemeente has no row for that indicator and year, so it is left out
of every group value and of its participant's pool (a participant only gets a value when all its gemeenten have
one).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from divobench_pipeline.core.schemas import INDICATOR_VALUE
from divobench_pipeline.defs.cbs_kerncijfers.registry import INDICATORS, CbsIndicator
from divobench_pipeline.defs.cbs_kerncijfers.source import NEDERLAND

ROUNDING = 5.0
"""CBS rounds every count to tens: each gemeente's published count is at most 5 from the true one."""
MOVES_COUNT = ("cbs.instroom_bijstand", "cbs.uitstroom_bijstand")
"""Flows in which a move between gemeenten counts (uitstroom in one, instroom in the other) but not in CBS's
national figure: the sum over gemeenten is not expected to equal NL01, so they are shown, not judged."""


def december(year: int) -> dt.date:
    return dt.date(year, 12, 1)


def _lookup(kern: pd.DataFrame) -> dict[tuple, float]:
    return {(j, r, lft, k): w for j, r, lft, k, w in kern[["jaar", "regio_code", "leeftijd", "kenmerk", "waarde"]]
            .itertuples(index=False)}


def _pair(values: Mapping[tuple, float], year: int, regio: str, i: CbsIndicator) -> tuple[float, float | None] | None:
    """(numerator, denominator) of one indicator for one region, or None when CBS has no figure."""
    num = values.get((year, regio, i.leeftijd, i.numerator), math.nan)
    den = values.get((year, regio, i.leeftijd, i.denominator), math.nan) if i.denominator else None
    if math.isnan(num) or den is not None and (math.isnan(den) or den == 0):
        return None
    return i.factor * num, den


def indicator_values(kern: pd.DataFrame, gemeenten_by_participant: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Rows of ``indicator_value``: every gemeente of ``kern`` (long CBS rows of one or more years) and every
    participant whose gemeenten all have the figure (numerator and denominator summed over them)."""
    values = _lookup(kern)
    gemeenten = kern.loc[kern["regio_code"].str.startswith("GM"), ["jaar", "regio_code"]].drop_duplicates()
    rows, per_gemeente = [], {}
    for year, regio in gemeenten.itertuples(index=False):
        for i in INDICATORS:
            pair = _pair(values, year, regio, i)
            if pair is not None:
                per_gemeente[(i.code, year, regio)] = pair
                rows.append((i.code, "gemeente", regio, december(year), *pair))
    for year in sorted(set(gemeenten["jaar"])):
        for participant, members in gemeenten_by_participant.items():
            for i in INDICATORS:
                pairs = [per_gemeente.get((i.code, year, g)) for g in members]
                if pairs and all(p is not None for p in pairs):
                    den = sum(p[1] for p in pairs) if i.has_denominator else None
                    rows.append((i.code, "participant", participant, december(year), sum(p[0] for p in pairs), den))
    frame = pd.DataFrame(rows, columns=["indicator", "level", "unit", "month", "numerator", "denominator"])
    frame["denominator"] = frame["denominator"].astype(float)
    frame["value"] = (frame["numerator"] / frame["denominator"]).where(frame["denominator"].notna(),
                                                                      frame["numerator"])
    frame["month"] = pd.to_datetime(frame["month"])
    return frame[INDICATOR_VALUE.column_names]


def landelijk_against_nl01(con: duckdb.DuckDBPyConnection, years: Sequence[int]) -> pd.DataFrame:
    """Per indicator and year: the landelijk group's numerator and denominator (pooled from the gemeenten) next to
    CBS's NL01 figures, with the margin the rounding to tens allows (5 per gemeente with a value, times the
    factor). ``binnen_marge`` is False beyond it, None where NL01 itself is unknown or the indicator is a flow that
    moves between gemeenten inflate (``MOVES_COUNT``)."""
    group = con.execute("""
        SELECT g.indicator, year(g.month) AS jaar, g.numerator, g.denominator,
               (SELECT count(*) FROM indicator_value v WHERE v.indicator = g.indicator AND v.month = g.month
                  AND v.level = 'gemeente') AS gemeenten
        FROM group_value g
        WHERE g.group_type = 'landelijk' AND month(g.month) = 12 AND year(g.month) IN (SELECT unnest(?::INTEGER[]))
        """, [list(years)]).df()
    nl = con.execute("SELECT jaar, regio_code, leeftijd, kenmerk, waarde FROM cbs_kerncijfer WHERE regio_code = ? "
                     "AND jaar IN (SELECT unnest(?::INTEGER[]))", [NEDERLAND, list(years)]).df()
    values = _lookup(nl)
    by_code = {i.code: i for i in INDICATORS}
    rows = []
    for r in group[group["indicator"].isin(by_code)].itertuples(index=False):
        i = by_code[r.indicator]
        for part, kenmerk, factor, landelijk in (("teller", i.numerator, i.factor, r.numerator),
                                                 ("noemer", i.denominator, 1.0, r.denominator)):
            if kenmerk is None:
                continue
            cbs = values.get((r.jaar, NEDERLAND, i.leeftijd, kenmerk), math.nan)
            margin = factor * ROUNDING * r.gemeenten
            judged = not math.isnan(cbs) and r.indicator not in MOVES_COUNT
            ok = bool(abs(landelijk - factor * cbs) <= margin) if judged else None
            rows.append((r.indicator, r.jaar, part, landelijk, None if math.isnan(cbs) else factor * cbs, margin, ok))
    return pd.DataFrame(rows, columns=["indicator", "jaar", "deel", "landelijk", "cbs_nl01", "marge", "binnen_marge"])
