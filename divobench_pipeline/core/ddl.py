"""Bringing a warehouse file to the schema registry: tables created, old column names renamed, columns documented.

Run on every writable connection (``core/warehouse.py: open_warehouse``). It reads the catalogue once and only
writes what differs, so a warehouse already in step costs one query. A data directory made by an earlier version
keeps its rows: a column renamed in the registry is renamed in the file (``RENAMED_COLUMNS``), never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from divobench_pipeline.core.schemas import Table

RENAMED_COLUMNS: dict[str, str] = {"gemeente_code": "gemeentecode", "periode": "period"}
"""Old column name → the registry's one spelling of the concept (issue 9.7: one spelling per concept)."""


def prepare_tables(con: duckdb.DuckDBPyConnection, tables: Iterable[Table]) -> None:
    """Create missing tables, rename old columns, and set table and column comments (description, unit)."""
    tables = tuple(tables)
    found = _catalogue(con)
    changes = [t.ddl() for t in tables if t.name not in found] + rename_statements(found, tables)
    if changes:
        for statement in changes:
            con.execute(statement)
        found = _catalogue(con)
    for statement in comment_statements(found, tables):
        con.execute(statement)


def needs_renames(con: duckdb.DuckDBPyConnection, tables: Iterable[Table]) -> bool:
    """Whether the file still has a column under an old name (read-only connections check this)."""
    return bool(rename_statements(_catalogue(con), tables))


def rename_statements(found: dict[str, dict[str | None, str]], tables: Iterable[Table]) -> list[str]:
    """``ALTER TABLE … RENAME COLUMN`` for every old column name in an existing table whose registry entry has the
    new name instead (and the file does not have it yet)."""
    statements = []
    for table in tables:
        columns = found.get(table.name, {})
        for old, new in RENAMED_COLUMNS.items():
            if old in columns and new not in columns and new in table.column_names:
                statements.append(f'ALTER TABLE {table.name} RENAME COLUMN "{old}" TO "{new}"')
    return statements


def comment_statements(found: dict[str, dict[str | None, str]], tables: Iterable[Table]) -> list[str]:
    """``COMMENT ON`` for each table and column whose comment in the file differs from the registry's."""
    statements = []
    for table in tables:
        columns = found.get(table.name, {})
        if columns.get(None, "") != table.description:
            statements.append(f"COMMENT ON TABLE {table.name} IS {_literal(table.description)}")
        for column in table.columns:
            if column.name in columns and columns[column.name] != column.comment:
                statements.append(f'COMMENT ON COLUMN {table.name}."{column.name}" IS {_literal(column.comment)}')
    return statements


def _catalogue(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str | None, str]]:
    """Per table of the main schema: {column: comment}, with the table's own comment under None."""
    found: dict[str, dict[str | None, str]] = {}
    for table, comment in con.execute("SELECT table_name, comment FROM duckdb_tables() "
                                      "WHERE schema_name = 'main' AND NOT temporary").fetchall():
        found[table] = {None: comment or ""}
    for table, column, comment in con.execute("SELECT table_name, column_name, comment FROM duckdb_columns() "
                                              "WHERE schema_name = 'main' AND NOT internal").fetchall():
        if table in found:
            found[table][column] = comment or ""
    return found


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
