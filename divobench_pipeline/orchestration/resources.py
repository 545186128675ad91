"""Dagster resources shared by every domain: the data directory with its keys, and the DuckDB warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from divobench_pipeline.core.home import ARCHIVE_KEY_ENV, PSEUDONYM_KEY_ENV, DivobenchHome, decode_key
from divobench_pipeline.core.participants import Registry, load_registry
from divobench_pipeline.core.warehouse import open_warehouse


class DivobenchHomeResource(dg.ConfigurableResource):
    """Where uploads, receipts, reports and the archive live; keys come from the environment."""

    root: str
    pseudonym_key: str = dg.EnvVar(PSEUDONYM_KEY_ENV)
    archive_key: str = dg.EnvVar(ARCHIVE_KEY_ENV)

    @property
    def home(self) -> DivobenchHome:
        return DivobenchHome(Path(self.root))

    def registry(self) -> Registry:
        return load_registry(self.home.participants_file)

    def pseudonym_key_bytes(self) -> bytes:
        return decode_key(PSEUDONYM_KEY_ENV, self.pseudonym_key)

    def archive_key_bytes(self) -> bytes:
        return decode_key(ARCHIVE_KEY_ENV, self.archive_key)

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
