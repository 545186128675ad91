"""Dagster resources shared by every domain: the data directory with its keys, and the DuckDB warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from divobench_pipeline.core.home import ARCHIVE_KEY_ENV, PSEUDONYM_KEY_ENV, DivobenchHome, decode_key, ensure_key
from divobench_pipeline.core.participants import Registry, load_registry
from divobench_pipeline.core.warehouse import open_warehouse


class DivobenchHomeResource(dg.ConfigurableResource):
    """Where uploads, receipts, reports and the archive live. Keys: as configured, else from the environment,
    else from the data directory's ``keys/`` (created on first use). The data directory is prepared when a run
    or sensor first uses the resource, never when the definitions are imported."""

    root: str
    pseudonym_key: str | None = None
    archive_key: str | None = None

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self.home.prepare()

    @property
    def home(self) -> DivobenchHome:
        return DivobenchHome(Path(self.root))

    def registry(self) -> Registry:
        return load_registry(self.home.participants_file)

    def pseudonym_key_bytes(self) -> bytes:
        if self.pseudonym_key:
            return decode_key(PSEUDONYM_KEY_ENV, self.pseudonym_key)
        return ensure_key(self.home, PSEUDONYM_KEY_ENV)

    def archive_key_bytes(self) -> bytes:
        if self.archive_key:
            return decode_key(ARCHIVE_KEY_ENV, self.archive_key)
        return ensure_key(self.home, ARCHIVE_KEY_ENV)

class WarehouseResource(DuckDBResource):
    """The DuckDB file holding staged BUS data and indicators (dagster-duckdb's resource, ``database`` = the file).

    DuckDB allows one writing process per file; every asset that opens it runs in the ``duckdb_write`` pool.
    A connection that meets another process's lock (a sensor reading, a command-line refresh) waits for it, and
    a writable one has every table of the schema registry.
    """

    lock_wait_seconds: float = 120.0

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = open_warehouse(self.database, read_only=read_only, lock_wait_seconds=self.lock_wait_seconds)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.connect() as con:
            yield con
