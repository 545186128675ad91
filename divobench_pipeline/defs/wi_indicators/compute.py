"""Computing the registry's indicators in DuckDB: per gemeente and month, then pooled per participant.

Each base relation of ``registry.BASES`` is built here in SQL from the staged BUS tables, and all indicators
over one base are computed in one grouped query. A gemeente has data for a month when ``bus_uitkering`` holds
rows for it; only such gemeente-months get values, and a participant is pooled over those of its gemeenten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import duckdb
import numpy as np
import pandas as pd

from divobench_pipeline.core.months import month_of, shift_month
from divobench_pipeline.core.schemas import INDICATOR_VALUE
from divobench_pipeline.defs.wi_indicators.registry import BASES, INDICATORS, Indicator

PW = ("01",)
BUIG = ("01", "02", "03", "14")

_IN_PW = ", ".join(f"'{c}'" for c in PW)
_IN_BUIG = ", ".join(f"'{c}'" for c in BUIG)

# ``$months`` is the list of months (first days) to prepare, ``$lo``/``$hi`` its bounds (they let DuckDB skip the
# row groups of other months). reden: the aanvrager's (persoon_nr 1) if filled in,
# else the first filled-in one in persoon_nr order; both are "the first non-NULL in persoon_nr order".
_BASE_CTES = f"""
maanden AS (
  SELECT DISTINCT m AS month, last_day(m) AS peildatum FROM unnest($months::DATE[]) AS t(m)
),
periode AS (
  SELECT p.month, p.gemeentecode, p.registratienummer,
         min(p.aanvangsdatum_uitkering) AS aanvang,
         CASE WHEN count(p.einddatum_uitkering) = count(*) THEN max(p.einddatum_uitkering) END AS einde,
         arg_min(p.reden_beeindiging_uitkering, p.persoon_nr)
           FILTER (WHERE p.reden_beeindiging_uitkering IS NOT NULL) AS reden
  FROM bus_persoon p SEMI JOIN maanden m ON p.month = m.month
  WHERE p.month BETWEEN $lo AND $hi
  GROUP BY p.month, p.gemeentecode, p.registratienummer
),
werk AS (
  SELECT DISTINCT i.month, i.gemeentecode, i.registratienummer
  FROM bus_inkomsten i SEMI JOIN maanden m ON i.month = m.month
  WHERE i.month BETWEEN $lo AND $hi AND i.soort = '11' AND i.bedrag > 0
),
uitkering AS (
  SELECT u.month, u.gemeentecode, u.registratienummer, m.peildatum, u.statistiekcode, u.betaalbaar_bedrag,
         pe.aanvang, pe.einde, pe.reden,
         coalesce(u.statistiekcode IN ({_IN_PW}), false) AS is_pw,
         coalesce(u.statistiekcode IN ({_IN_BUIG}), false) AS is_buig,
         coalesce(pe.aanvang <= m.peildatum AND (pe.einde IS NULL OR pe.einde > m.peildatum), false) AS lopend,
         coalesce(pe.aanvang BETWEEN u.month AND m.peildatum, false) AS instroom,
         coalesce(pe.einde BETWEEN u.month AND m.peildatum, false) AS uitstroom,
         12 * (year(m.peildatum) - year(pe.aanvang)) + month(m.peildatum) - month(pe.aanvang) AS maanden_duur,
         w.registratienummer IS NOT NULL AS heeft_werk_inkomsten
  FROM bus_uitkering u
  JOIN maanden m ON u.month = m.month
  LEFT JOIN periode pe
    ON pe.month = u.month AND pe.gemeentecode = u.gemeentecode AND pe.registratienummer = u.registratienummer
  LEFT JOIN werk w
    ON w.month = u.month AND w.gemeentecode = u.gemeentecode AND w.registratienummer = u.registratienummer
  WHERE u.month BETWEEN $lo AND $hi
),
persoon AS (
  SELECT p.month, p.gemeentecode, p.registratienummer, p.persoon_nr,
         coalesce(p.bsn_pseudoniem, p.registratienummer || '#' || p.persoon_nr) AS persoon_key,
         coalesce(p.aanvangsdatum_uitkering <= u.peildatum
                  AND (p.einddatum_uitkering IS NULL OR p.einddatum_uitkering > u.peildatum), false) AS persoon_lopend,
         p.ontheffing_arbeidsverplichting AS ontheffing,
         u.statistiekcode, u.is_pw, u.is_buig, u.lopend AS uitkering_lopend
  FROM bus_persoon p
  JOIN uitkering u
    ON u.month = p.month AND u.gemeentecode = p.gemeentecode AND u.registratienummer = p.registratienummer
  WHERE p.month BETWEEN $lo AND $hi
)"""

_BUILT_BASES = ("uitkering", "persoon")  # "uitkering" first: its groups are the gemeente-months with data
if set(_BUILT_BASES) != set(BASES):
    raise RuntimeError("registry.BASES and the relations built in compute.py differ")

_KEYS = ["indicator", "level", "unit", "month"]
_FLOWS = {"bestand": "wi.bestand.pw", "instroom": "wi.instroom.pw", "uitstroom": "wi.uitstroom.pw"}
MONTHS_PER_QUERY = 6  # a national month of staged rows takes ~100 MiB in DuckDB's joins: bounds a backfill's memory


def compute_indicators(con: duckdb.DuckDBPyConnection, months: Sequence[dt.date],
                       participants: Mapping[str, Sequence[str]],
                       indicators: Sequence[Indicator] = INDICATORS) -> pd.DataFrame:
    """Every indicator (of ``indicators``, default the registry) for every gemeente of ``participants`` and every
    participant with data in each of ``months``.

    ``participants`` maps a participant id to its gemeentecodes (GMxxxx). Returns the columns of
    ``indicator_value``; a participant's numerator and denominator are the sums over its gemeenten with data.
    Staged rows of gemeenten no participant holds (a participant removed from participants.yaml) are kept in
    the warehouse but yield no values, so they count in no group.
    """
    months = sorted({month_of(m) for m in months})
    batches = [months[k:k + MONTHS_PER_QUERY] for k in range(0, len(months), MONTHS_PER_QUERY)]
    gemeente = pd.concat([_gemeente_batch(con, batch, indicators) for batch in batches], ignore_index=True)
    gemeente = gemeente[gemeente["unit"].isin({g for codes in participants.values() for g in codes})]
    result = pd.concat([gemeente.assign(level="gemeente"), _pooled(gemeente, participants).assign(level="participant")],
                       ignore_index=True)
    return _finish(result, indicators)


def _gemeente_batch(con: duckdb.DuckDBPyConnection, months: list[dt.date], indicators: Sequence[Indicator]
                    ) -> pd.DataFrame:
    values = _with_kenmerk_denominators(con, _gemeente_values(con, months, indicators), indicators)
    values = pd.concat([values, *_changes_12m(values, indicators)], ignore_index=True)
    return values[values["month"].isin(pd.to_datetime(months))]


def flow_reconciliation(con: duckdb.DuckDBPyConnection, months: Sequence[dt.date]) -> pd.DataFrame:
    """Per month and gemeente with indicator values in M−1 and M: bestand(M−1) + instroom − uitstroom vs bestand.

    For algemene bijstand, from the stored ``indicator_value`` rows; ``verschil`` = bestand −
    (bestand_vorige_maand + instroom − uitstroom), 0 when the two months' uploads agree on which uitkeringen exist.
    """
    months = sorted({month_of(m) for m in months})
    wanted = sorted(set(months) | {shift_month(m, -1) for m in months})
    pivot = ", ".join(f"max(numerator) FILTER (WHERE indicator = '{code}') AS {name}" for name, code in _FLOWS.items())
    flows = con.execute(f"""
        WITH v AS (
          SELECT month, unit AS gemeentecode, {pivot} FROM {INDICATOR_VALUE.name}
          WHERE level = 'gemeente' AND month IN (SELECT unnest($wanted::DATE[]))
          GROUP BY ALL)
        SELECT strftime(cur.month, '%Y-%m') AS month, cur.gemeentecode, prev.bestand AS bestand_vorige_maand,
               cur.instroom, cur.uitstroom, cur.bestand
        FROM v cur JOIN v prev ON prev.gemeentecode = cur.gemeentecode AND prev.month = cur.month - INTERVAL 1 MONTH
        WHERE cur.month IN (SELECT unnest($months::DATE[]))
        ORDER BY cur.month, cur.gemeentecode""", {"wanted": wanted, "months": months}).df()
    flows = flows.astype({c: "int64" for c in ("bestand_vorige_maand", "instroom", "uitstroom", "bestand")})
    flows["verschil"] = flows["bestand"] - (flows["bestand_vorige_maand"] + flows["instroom"] - flows["uitstroom"])
    return flows


def _gemeente_values(con: duckdb.DuckDBPyConnection, months: list[dt.date], indicators: Sequence[Indicator]
                     ) -> pd.DataFrame:
    """Numerator and denominator of every base indicator per gemeente and month (long format).

    Of the months twelve months earlier, only the indicators that a ``change_12m_of`` indicator refers to.
    """
    targets = {i.change_12m_of for i in indicators if i.change_12m_of}
    year_before = sorted({shift_month(m, -12) for m in months} - set(months)) if targets else []
    frames = [_base_values(con, months, indicators)]
    if year_before:
        by_code = {i.code: i for i in indicators}
        frames.append(_base_values(con, year_before, [by_code[code] for code in sorted(targets)]))
    return pd.concat(frames, ignore_index=True)


def _base_values(con: duckdb.DuckDBPyConnection, months: list[dt.date], indicators: Sequence[Indicator]
                 ) -> pd.DataFrame:
    """``indicators`` for ``months``: one grouped query per base, for every gemeente-month with data."""
    frames, present = [], None
    for base in _BUILT_BASES:
        members = [i for i in indicators if i.base == base]
        if present is not None and not members:
            continue
        aggregates = "".join(
            f", ({i.numerator}) AS n{k}" + (f", ({i.denominator}) AS d{k}" if i.denominator else "")
            for k, i in enumerate(members))
        wide = con.execute(f"WITH {_BASE_CTES} SELECT month, gemeentecode{aggregates} FROM {base} "
                           "GROUP BY month, gemeentecode", _month_parameters(months)).df()
        wide["month"] = pd.to_datetime(wide["month"]).astype("datetime64[ns]")
        if present is None:
            present = wide[["month", "gemeentecode"]]
        elif len(wide) < len(present):
            empty = con.execute(f"WITH {_BASE_CTES} SELECT 0 AS _{aggregates} FROM (FROM {base} LIMIT 0)",
                                _month_parameters(months)).df()
            wide = present.merge(wide, on=["month", "gemeentecode"], how="left").fillna(empty.iloc[0].to_dict())
        for k, i in enumerate(members):
            frames.append(pd.DataFrame({
                "indicator": i.code, "unit": wide["gemeentecode"], "month": wide["month"],
                "numerator": wide[f"n{k}"].astype("float64"),
                "denominator": wide[f"d{k}"].astype("float64") if i.denominator else np.nan}))
    return pd.concat(frames, ignore_index=True)


def _with_kenmerk_denominators(con: duckdb.DuckDBPyConnection, values: pd.DataFrame,
                               indicators: Sequence[Indicator]) -> pd.DataFrame:
    """Denominators from ``gemeente_kenmerk`` (of M's year); rows of gemeenten without that kenmerk are dropped."""
    kenmerken = {i.code: i.denominator_kenmerk for i in indicators if i.denominator_kenmerk}
    if not kenmerken:
        return values
    from_kenmerk = values["indicator"].isin(list(kenmerken))
    rows = values[from_kenmerk]
    rows = rows.assign(jaar=rows["month"].dt.year, kenmerk=rows["indicator"].map(kenmerken))
    known = con.execute("SELECT jaar, gemeentecode AS unit, kenmerk, waarde FROM gemeente_kenmerk "
                        "WHERE kenmerk IN (SELECT unnest(?::VARCHAR[]))", [sorted(set(kenmerken.values()))]).df()
    rows = rows.merge(known.astype({"jaar": "int64"}), on=["jaar", "unit", "kenmerk"], how="inner")
    rows["denominator"] = rows["waarde"].astype("float64")
    return pd.concat([values[~from_kenmerk], rows[values.columns]], ignore_index=True)


def _changes_12m(values: pd.DataFrame, indicators: Sequence[Indicator]) -> list[pd.DataFrame]:
    """Change against twelve months earlier, where the gemeente has data in both months."""
    frames = []
    for i in indicators:
        if i.change_12m_of is None:
            continue
        of = values[values["indicator"] == i.change_12m_of][["unit", "month", "numerator"]]
        earlier = of.assign(month=of["month"] + pd.DateOffset(months=12)).rename(columns={"numerator": "earlier"})
        both = of.merge(earlier, on=["unit", "month"])
        frames.append(pd.DataFrame({"indicator": i.code, "unit": both["unit"], "month": both["month"],
                                    "numerator": both["numerator"] - both["earlier"],
                                    "denominator": both["earlier"]}))
    return frames


def _pooled(gemeente: pd.DataFrame, participants: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Σ numerators and Σ denominators over each participant's gemeenten that have the indicator-month."""
    members = pd.DataFrame([(pid, g) for pid, codes in participants.items() for g in codes],
                           columns=["participant", "unit"]).drop_duplicates()
    joined = gemeente.merge(members, on="unit")
    pooled = (joined.groupby(["indicator", "participant", "month"], sort=False)[["numerator", "denominator"]]
              .sum(min_count=1).reset_index())
    return pooled.rename(columns={"participant": "unit"})


def _finish(values: pd.DataFrame, indicators: Sequence[Indicator]) -> pd.DataFrame:
    """Values from numerators and denominators; rows in registry order, then level, unit and month."""
    has_denominator = values["indicator"].map({i.code: i.has_denominator for i in indicators}).astype(bool)
    denominator = values["denominator"].where(values["denominator"] != 0)
    values["value"] = np.where(has_denominator, values["numerator"] / denominator, values["numerator"])
    values["denominator"] = values["denominator"].where(has_denominator)
    order = {i.code: k for k, i in enumerate(indicators)}
    values = values.sort_values(_KEYS, key=lambda s: s.map(order) if s.name == "indicator" else s)
    values = values[INDICATOR_VALUE.column_names].reset_index(drop=True)
    values["month"] = values["month"].astype("datetime64[ns]")
    return values.astype({"numerator": "float64", "denominator": "float64", "value": "float64"})


def _month_parameters(months: Sequence[dt.date]) -> dict:
    return {"months": list(months), "lo": min(months), "hi": max(months)}


