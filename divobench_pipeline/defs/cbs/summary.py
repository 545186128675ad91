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
        SELECT i.gemeente_code, i.gemeente_naam, strftime(l.month, '%Y-%m'), v.value, v.denominator,
               i.grootteklasse_naam, i.provincie_naam, i.arbeidsmarktregio_naam, i.corop_naam, i.jaar
        FROM latest l
        JOIN indicator_value v ON v.unit = l.unit AND v.month = l.month
             AND v.indicator = 'wi.bijstandsdichtheid.pw' AND v.level = 'gemeente'
        JOIN gemeente_indeling i ON i.gemeente_code = l.unit AND i.jaar = year(l.month)
        WHERE l.unit IN (SELECT unnest(?::VARCHAR[]))
        ORDER BY 1""", [list(gemeenten)]).fetchall()
    lines = [f"CBS reference data ({ATTRIBUTION}):"]
    for code, naam, month, value, inwoners, klasse, provincie, amr, corop, jaar in rows:
        lines.append(f"  {code} {naam}: {value:.1f} personen in de bijstand per 1.000 inwoners in {month} "
                     f"({int(inwoners)} inwoners op 1-1-{jaar}); {klasse}; provincie {provincie}; "
                     f"arbeidsmarktregio {amr}; COROP {corop}")
    return lines
