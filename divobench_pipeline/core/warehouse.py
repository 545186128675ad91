"""The embedded DuckDB warehouse."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from divobench_pipeline.core.ddl import needs_renames, prepare_tables
from divobench_pipeline.core.schemas import Table, all_tables


@contextmanager
def read_warehouse(path: str | Path) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A read-only connection to the warehouse (waiting while a writer holds it), or None while there is none."""
    if not Path(path).exists():
        yield None
        return
    con = open_warehouse(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def open_warehouse(path: str, *, read_only: bool = False, lock_wait_seconds: float = 120.0
                   ) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting while another process holds the lock; a writable one is brought to the schema
    registry first (tables created, old column names renamed, comments set: ``core/ddl.py``). A read-only one
    that finds old column names (a warehouse of an earlier version) has them renamed through a writable one first,
    so readers such as the planners never see the old spelling."""
    con = _connect(path, read_only, lock_wait_seconds)
    try:
        if not read_only:
            with transaction(con):
                prepare_tables(con, all_tables())
        elif needs_renames(con, all_tables()):
            con.close()
            open_warehouse(path, lock_wait_seconds=lock_wait_seconds).close()
            con = _connect(path, read_only, lock_wait_seconds)
    except BaseException:
        con.close()
        raise
    return con


def _connect(path: str, read_only: bool, lock_wait_seconds: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + lock_wait_seconds
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the warehouse has this table yet (a read-only connection to a new file has none)."""
    found = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()
    return bool(found[0])


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction: committed when the block ends, rolled back when it raises."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def insert_rows(con: duckdb.DuckDBPyConnection, table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Validate ``frame`` against the table's schema (columns, types, checks, primary key), then insert it,
    columns matched by name; returns the validated rows. Raises ``pandera.errors.SchemaError`` naming the column
    and the failing values, before anything is written."""
    frame = table.pandera_schema().validate(frame[table.column_names].reset_index(drop=True))
    con.register("new_rows", frame)
    try:
        con.execute(f"INSERT INTO {table.name} BY NAME SELECT * FROM new_rows")
    finally:
        con.unregister("new_rows")
    return frame


def replace_rows(con: duckdb.DuckDBPyConnection, table: Table, frame: pd.DataFrame, where: str,
                 params: Sequence) -> int:
    """Validate ``frame`` against the table's schema, then delete ``where`` and insert it, in one transaction."""
    with transaction(con):
        con.execute(f"DELETE FROM {table.name} WHERE {where}", list(params))
        return len(insert_rows(con, table, frame))
