"""The data directory's own Dagster instance."""

from __future__ import annotations

import sqlite3
from functools import cache

import dagster as dg

from divobench_pipeline.core.home import DivobenchHome


def dagster_instance(home: DivobenchHome) -> dg.DagsterInstance:
    """The data directory's own Dagster instance (``DAGSTER_HOME`` when the environment sets one)."""
    _write_ahead_sqlite()
    return dg.DagsterInstance.from_config(str(home.dagster_home))


@cache
def _write_ahead_sqlite() -> None:
    """Let this process's SQLite connections (Dagster's event log and run storage) use a write-ahead log with
    ``synchronous=NORMAL``: a commit then appends to the log instead of syncing and deleting a rollback journal.
    Dagster's SQLite event log opens a connection and commits once per event, so a run over 342 partitions
    (a planned and a materialization event each) spent ~7 s in journal syncs and deletes. Durable against a
    killed process (what ``runs.py`` recovers from); readers in other processes (the webserver) work unchanged.
    """
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _pragmas(connection, _record) -> None:
        if isinstance(connection, sqlite3.Connection):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
