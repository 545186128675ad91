"""A short CBS overview of participating gemeenten, for the demo's closing lines."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

ATTRIBUTION = "Bron: CBS (StatLine open data, CC BY 4.0)"


def gemeente_overview(con: duckdb.DuckDBPyConnection, gemeenten: Sequence[str]) -> list[str]:
    """Per gemeente, in the latest month with data: bijstandsdichtheid, inwoners and its reference groups."""
    rows = con.execute("""
        WITH latest AS (
          SELECT unit, max(month) AS month FROM indicator_value
          WHERE indicator = 'wi.bijstandsdichtheid.pw' AND level = 'gemeente' GROUP BY unit)
        SELECT i.gemeentecode, i.gemeente_naam, strftime(l.month, '%Y-%m'), v.value, v.denominator,
               i.grootteklasse_naam, i.provincie_naam, i.arbeidsmarktregio_naam, i.corop_naam, i.jaar
        FROM latest l
        JOIN indicator_value v ON v.unit = l.unit AND v.month = l.month
             AND v.indicator = 'wi.bijstandsdichtheid.pw' AND v.level = 'gemeente'
        JOIN gemeente_indeling i ON i.gemeentecode = l.unit AND i.jaar = year(l.month)
        WHERE l.unit IN (SELECT unnest(?::VARCHAR[]))
        ORDER BY 1""", [list(gemeenten)]).fetchall()
    lines = [f"CBS reference data ({ATTRIBUTION}):"]
    for code, naam, month, value, inwoners, klasse, provincie, amr, corop, jaar in rows:
        lines.append(f"  {code} {naam}: {value:.1f} personen in de bijstand per 1.000 inwoners in {month} "
                     f"({int(inwoners)} inwoners op 1-1-{jaar}); {klasse}; provincie {provincie}; "
                     f"arbeidsmarktregio {amr}; COROP {corop}")
    return lines + kerncijfers_overview(con, gemeenten)


def kerncijfers_overview(con: duckdb.DuckDBPyConnection, gemeenten: Sequence[str]) -> list[str]:
    """Per gemeente, the latest CBS kerncijfers year: bijstandsontvangers and WSW-werknemers (15+) and densities."""
    rows = con.execute("""
        WITH latest AS (SELECT max(month) AS month FROM indicator_value WHERE indicator = 'cbs.bijstandsdichtheid')
        SELECT unit, year(month),
               max(value) FILTER (WHERE indicator = 'cbs.bijstandsontvangers'),
               max(value) FILTER (WHERE indicator = 'cbs.bijstandsdichtheid'),
               max(value) FILTER (WHERE indicator = 'cbs.wsw_werknemers'),
               max(value) FILTER (WHERE indicator = 'cbs.wsw_dichtheid')
        FROM indicator_value WHERE level = 'gemeente' AND month = (SELECT month FROM latest)
          AND unit IN (SELECT unnest(?::VARCHAR[]))
        GROUP BY ALL ORDER BY 1""", [list(gemeenten)]).fetchall()
    if not rows:
        return []
    lines = [f"CBS kerncijfers {rows[0][1]} (bijstand, re-integratie en WSW; {ATTRIBUTION}):"]
    for code, _, bijstand, dichtheid, wsw, wsw_dichtheid in rows:
        lines.append(f"  {code}: {_n(bijstand)} bijstandsontvangers ({_d(dichtheid)} per 1.000 inwoners van 15+), "
                     f"{_n(wsw)} WSW-werknemers ({_d(wsw_dichtheid)} per 1.000 inwoners van 15 tot AOW-leeftijd)")
    return lines


def _n(value: float | None) -> str:
    return "onbekend" if value is None else f"{value:.0f}"


def _d(value: float | None) -> str:
    return "onbekend" if value is None else f"{value:.1f}"
