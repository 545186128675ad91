"""Sensor ticks read the warehouse without waiting: a busy warehouse means "next tick"."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import dagster as dg
import duckdb

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.warehouse import open_warehouse

T = TypeVar("T")


def read_warehouse_now(home: DivobenchHome, read: Callable[[duckdb.DuckDBPyConnection | None], T], *,
                       absent_ok: bool = False) -> T | dg.SkipReason:
    """``read`` on a read-only connection, or a SkipReason when a run holds the warehouse. While there is no
    warehouse yet: ``read(None)`` with ``absent_ok``, else a SkipReason."""
    if not home.warehouse.exists():
        return read(None) if absent_ok else dg.SkipReason("no warehouse yet")
    try:
        con = open_warehouse(str(home.warehouse), read_only=True, lock_wait_seconds=0)
    except duckdb.IOException:
        return dg.SkipReason("the warehouse is in use; trying again next tick")
    try:
        return read(con)
    finally:
        con.close()
