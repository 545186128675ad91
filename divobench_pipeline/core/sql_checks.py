"""The registry's Pandera checks, expressed in SQL and run inside DuckDB over Parquet files.

Staging validates ~1.3 million rows of a national month; reading them into pandas for Pandera cost seconds, so the
same checks (columns, types, nullability, the column checks, the primary key) are generated from the schema
registry (``core/schemas.py``) as one aggregate query per table. Only when a table fails is a second query run for
its failure cases, in the shape of Pandera's ``failure_cases`` (schema_context, column, check, check_number,
failure_case, index), so the reports read the same. A table with a check SQL cannot express falls back to Pandera.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pandera.errors
import pandera.pandas as pa

from divobench_pipeline.core.schemas import Column, Table

CUSTOM_SQL = {
    "first_of_month": "day({c}) = 1",
    "no_nine_digit_number": "NOT regexp_full_match({c}, '\\d{{9}}')",
}
"""SQL of the registry's own (named) checks; ``{c}`` is the column. Nulls pass, as in Pandera."""

_FAILURE_COLUMNS = ["schema_context", "column", "check", "check_number", "failure_case", "index"]


def check_sql(check: pa.Check, column: str) -> tuple[str, list] | None:
    """(condition a non-null value must meet, parameters) for a Pandera check, or None when SQL cannot say it."""
    c, stats = f'"{column}"', check.statistics
    if check.name == "str_matches":
        pattern = stats["pattern"]
        return f"regexp_matches({c}, ?)", [pattern if pattern.startswith("^") else "^" + pattern]
    if check.name == "isin":
        return f"list_contains(?, {c})", [list(stats["allowed_values"])]
    if check.name == "greater_than_or_equal_to":
        return f"{c} >= ?", [stats["min_value"]]
    if check.name == "in_range":
        low, high = (">=" if stats["include_min"] else ">"), ("<=" if stats["include_max"] else "<")
        return f"{c} {low} ? AND {c} {high} ?", [stats["min_value"], stats["max_value"]]
    if check.name in CUSTOM_SQL:
        return CUSTOM_SQL[check.name].format(c=c), []
    return None


def _conditions(table: Table) -> list[tuple[Column | None, str, int | None, str, list]] | None:
    """Per rule: (column, check label, check number, failure condition over one row, parameters)."""
    rules = []
    for column in table.columns:
        c = f'"{column.name}"'
        rules.append((column, f"coerce_dtype('{column.sql_type}')", None,
                      f"{c} IS NOT NULL AND TRY_CAST({c} AS {column.sql_type}) IS NULL", []))
        if not column.nullable:
            rules.append((column, "not_nullable", None, f"{c} IS NULL", []))
        for number, check in enumerate(column.checks):
            sql = check_sql(check, column.name)
            if sql is None:
                return None
            rules.append((column, check.error or check.name, number, f"{c} IS NOT NULL AND NOT ({sql[0]})", sql[1]))
    return rules


def sql_failure_cases(con: duckdb.DuckDBPyConnection, table: Table, rows: list[str] | str) -> pd.DataFrame | None:
    """Failure cases of ``rows`` against ``table``'s schema, first 50; None when they pass.

    ``rows``: Parquet files, or the name of a table or view in ``con``."""
    source, source_params = ("read_parquet(?)", [rows]) if isinstance(rows, list) else (f'"{rows}"', [])
    found = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}", source_params).fetchall()]
    missing = [n for n in table.column_names if n not in found]
    extra = [n for n in found if n not in table.column_names]
    if missing or extra:
        return pd.DataFrame([{"schema_context": "DataFrameSchema", "column": table.name, "check": check,
                              "check_number": None, "failure_case": name, "index": None}
                             for check, names in (("column_in_dataframe", missing), ("column_in_schema", extra))
                             for name in names], columns=_FAILURE_COLUMNS)
    rules = _conditions(table)
    if rules is None:
        return _pandera_failure_cases(con, table, source, source_params)
    key = ", ".join(f'"{n}"' for n in table.primary_key)
    counts = ", ".join(f"count(*) FILTER (WHERE {cond})" for _, _, _, cond, _ in rules)
    duplicates = f", count(*) - count(DISTINCT ({key}))" if key else ", 0"
    params = [p for *_, rule_params in rules for p in rule_params]
    totals = con.execute(f"SELECT {counts}{duplicates} FROM {source}", [*params, *source_params]).fetchall()[0]
    if not any(totals):
        return None
    return _cases(con, table, rules, totals, source, source_params)


def _cases(con, table: Table, rules, totals, source: str, source_params: list) -> pd.DataFrame:
    numbered = f"(SELECT *, row_number() OVER () - 1 AS __index FROM {source})"
    frames = []
    for (column, label, number, cond, params), total in zip(rules, totals, strict=False):
        if total:
            frames.append(con.execute(
                f"""SELECT 'Column' AS schema_context, ? AS "column", ? AS "check", ? AS check_number,
                           CAST("{column.name}" AS VARCHAR) AS failure_case, __index AS "index"
                    FROM {numbered} WHERE {cond} ORDER BY __index LIMIT 50""",
                [column.name, label, number, *source_params, *params]).df())
    if totals[-1]:
        key = ", ".join(f'"{n}"' for n in table.primary_key)
        frames.append(con.execute(
            f"""SELECT 'DataFrameSchema' AS schema_context, NULL AS "column", 'multiple_fields_uniqueness' AS "check",
                       NULL AS check_number, CAST(({key}) AS VARCHAR) AS failure_case, __index AS "index"
                FROM {numbered} QUALIFY count(*) OVER (PARTITION BY {key}) > 1 ORDER BY __index LIMIT 50""",
            source_params).df())
    return pd.concat(frames, ignore_index=True)[_FAILURE_COLUMNS].head(50)


def _pandera_failure_cases(con, table: Table, source: str, source_params: list) -> pd.DataFrame | None:
    frame = con.execute(f"SELECT * FROM {source}", source_params).df()
    try:
        table.pandera_schema().validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        return errors.failure_cases.head(50)
    return None
