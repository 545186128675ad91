"""Bringing a warehouse file to the schema registry: tables created, old column names renamed, columns documented.

Run on every writable connection (``core/warehouse.py: open_warehouse``). A file already in step carries the
digest of the registry it was brought to (``SCHEMA_MARK``), which costs one small query to compare; otherwise the
catalogue is read once and only what differs is written. A data directory made by an earlier version
keeps its rows: a column renamed in the registry is renamed in the file (``RENAMED_COLUMNS``), never dropped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import cache

import duckdb

from divobench_pipeline.core.schemas import Table

RENAMED_COLUMNS: dict[str, str] = {"gemeente_code": "gemeentecode", "periode": "period"}
"""Old column name → the registry's one spelling of the concept (issue 9.7: one spelling per concept)."""


SCHEMA_MARK = "divobench_schema"
"""A one-row table: the digest of the registry tables the file was last brought to. A connection to a file in
step costs one small query (~1 ms) instead of reading and comparing the catalogue (~15 ms); a national refresh
opens the warehouse dozens of times."""


def prepare_tables(con: duckdb.DuckDBPyConnection, tables: Iterable[Table]) -> None:
    """Create missing tables, rename old columns, and set table and column comments (description, unit)."""
    tables = tuple(tables)
    digest = registry_digest(tables)
    if _marked(con) == digest:
        return
    found = _catalogue(con)
    changes = [t.ddl() for t in tables if t.name not in found] + rename_statements(found, tables)
    if changes:
        for statement in changes:
            con.execute(statement)
        found = _catalogue(con)
    for statement in comment_statements(found, tables):
        con.execute(statement)
    con.execute(f"CREATE OR REPLACE TABLE {SCHEMA_MARK} AS SELECT ?::VARCHAR AS digest", [digest])


def needs_renames(con: duckdb.DuckDBPyConnection, tables: Iterable[Table]) -> bool:
    """Whether the file still has a column under an old name (read-only connections check this)."""
    tables = tuple(tables)
    return _marked(con) != registry_digest(tables) and bool(rename_statements(_catalogue(con), tables))


@cache
def registry_digest(tables: tuple[Table, ...]) -> str:
    """A digest of everything ``prepare_tables`` brings a file to: the tables' DDL, comments and the renames."""
    described = [(t.ddl(), t.description, [(c.name, c.comment) for c in t.columns]) for t in tables]
    return hashlib.sha256(json.dumps([described, RENAMED_COLUMNS]).encode()).hexdigest()


def _marked(con: duckdb.DuckDBPyConnection) -> str | None:
    """The digest the file was last prepared to; None for a file without the mark."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?",
                       [SCHEMA_MARK]).fetchone()[0]:
        return None
    return con.execute(f"SELECT any_value(digest) FROM {SCHEMA_MARK}").fetchone()[0]


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
