"""The embedded DuckDB warehouse."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from divobench_pipeline.schemas import TABLES


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB file holding staged BUS data and indicators.

    DuckDB allows one writing process per file; every asset that opens it runs in the ``duckdb_write`` pool.
    A connection that meets another process's lock (a sensor reading, a command-line refresh) waits for it.
    """

    path: str
    lock_wait_seconds: float = 120.0

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = open_warehouse(self.path, read_only=read_only, lock_wait_seconds=self.lock_wait_seconds)
        try:
            yield con
        finally:
            con.close()


def open_warehouse(path: str, *, read_only: bool = False, lock_wait_seconds: float = 120.0
                   ) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, creating its tables when writable, waiting while another process holds the lock."""
    deadline = time.monotonic() + lock_wait_seconds
    while True:
        try:
            con = duckdb.connect(path, read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    if not read_only:
        for table in TABLES:
            con.execute(table.ddl())
    return con


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the warehouse has this table yet (a read-only connection to a new file has none)."""
    found = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()
    return bool(found[0])
