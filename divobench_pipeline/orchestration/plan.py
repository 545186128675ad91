"""The shape of the one orchestration path: what is out of date, as runs to ask for.

Every domain contributes a planner: a plain function from the data directory, the participant registry and a
read-only warehouse connection (None while there is no warehouse) to the runs that would bring its assets up to
date. The sensor turns the ``PlannedRun``s into Dagster run requests; ``divobench refresh`` executes the same
ones in-process. A planner returns nothing when its domain is up to date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import Registry


@dataclass(frozen=True)
class PlannedRun:
    """One run: ``job`` over the partitions ``start`` … ``end`` (both None: unpartitioned).

    ``content`` is a digest of everything the run will read (upload hashes, fingerprints, table versions);
    the sensor's run key derives from it, so the same content never launches twice and new content always does.
    """

    job: str
    content: str
    start: str | None = None
    end: str | None = None
    label: str = ""


Planner = Callable[[DivobenchHome, Registry, "duckdb.DuckDBPyConnection | None"], list[PlannedRun]]
