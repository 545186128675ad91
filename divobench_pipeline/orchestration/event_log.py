"""The embedded instance's event log: Dagster's SQLite event log, keeping its connections open.

Dagster's ``SqliteEventLogStorage`` creates an engine, opens a connection and closes it again for every event
it stores (twice for an asset event: the run's shard and the cross-run index). On a write-ahead-logged SQLite
file the close of the last connection checkpoints the log, so a run over a national month (342 participant
partitions, a planned and a materialization event each) spent most of its Dagster time opening, checkpointing
and closing files (profiled: ~21 s of a 39 s pipeline under py-spy). This storage keeps one pooled engine per
shard for the lifetime of the process (the least recently used of at most ``MAX_OPEN_SHARDS`` are closed), so
an event is an insert and a commit on an open connection. It also writes a batch of asset events of one run
(the planned and the materialization events of a partitioned step: Dagster sends them as a batch when
``DAGSTER_EVENT_BATCH_SIZE`` is set) in one transaction per file, as Dagster's PostgreSQL storage does.
Files, schema and readers are Dagster's own: any Dagster process (webserver, daemon) reads what it writes, and
the data directory stays a standard instance.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import groupby

from dagster._config import StringSource
from dagster._core.events import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine

MAX_OPEN_SHARDS = 8
EVENT_BATCH_SIZE = "1000"
_BATCHED = {DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_OBSERVATION,
            DagsterEventType.ASSET_MATERIALIZATION_PLANNED}


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` with one open engine per shard (the index and the most recent runs)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        self._tables: set[str] = set()
        os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", EVENT_BATCH_SIZE)
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls):
        return {"base_dir": StringSource}

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        with self._engines_lock:
            engine = self._engines.pop(shard, None)
            if engine is None:
                engine = create_engine(self.conn_string_for_shard(shard), pool_size=1, max_overflow=4,
                                       connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                                                     "check_same_thread": False})
                if shard not in self._initialized_dbs:
                    self._initdb(engine)
                    self._initialized_dbs.add(shard)
            self._engines[shard] = engine
            while len(self._engines) > MAX_OPEN_SHARDS:
                self._engines.popitem(last=False)[1].dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            with self._engine(shard).connect() as conn:
                with conn.begin():
                    yield conn

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """Asset events of one run: each unbroken series of planned, materialization or observation events as one
        insert into the run's file and one into the index, each asset's record updated from its last event; any
        other event on its own, in the order received."""
        for batched, series in groupby(events, key=lambda e: e.dagster_event_type in _BATCHED):
            series = list(series)
            if batched and len({e.run_id for e in series}) == 1:
                self._store_asset_events(series)
            else:
                for event in series:
                    self.store_event(event)

    def _store_asset_events(self, events: list[EventLogEntry]) -> None:
        statement = self.prepare_insert_event_batch(events)
        with self.run_connection(events[0].run_id) as conn:
            conn.execute(statement)
        with self.index_transaction() as conn:
            ids = sorted(row[0] for row in conn.execute(statement.returning(SqlEventLogStorageTable.c.id)))
            self._store_asset_event_tags(conn, events, ids)
            last = {e.dagster_event.asset_key: (e, i) for e, i in zip(events, ids, strict=True)}
            for event, event_id in last.values():
                self._store_asset_event(conn, event, event_id)

    def has_table(self, table_name: str) -> bool:
        """Asked before every asset event's tags are stored; a table, once there, stays."""
        if table_name not in self._tables and super().has_table(table_name):
            self._tables.add(table_name)
        return table_name in self._tables

    def close_shards(self) -> None:
        """Close every open connection (they reopen on the next event)."""
        with self._engines_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self.close_shards()
        super().wipe()

    def dispose(self) -> None:
        self.close_shards()
        super().dispose()
