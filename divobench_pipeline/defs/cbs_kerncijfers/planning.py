"""Which CBS kerncijfers years to (re)load: those not in the warehouse yet, or loaded from another table version."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.core.warehouse import has_table
from divobench_pipeline.defs.cbs.client import CbsClient, client_for_home, extract_dir
from divobench_pipeline.defs.cbs.planning import year_ranges
from divobench_pipeline.defs.cbs_kerncijfers.source import TABLES
from divobench_pipeline.orchestration.plan import PlannedRun

KERNCIJFERS_JOB = "cbs_kerncijfers_job"


def table_version(client: CbsClient, table_id: str) -> str | None:
    """The Modified of the version a run would read: CBS's current one (online, when it answers), else the
    cache's, else the shipped extract's; None when there is no source at all."""
    if client.online:
        try:
            return client.remote_modified(table_id)
        except Exception:  # noqa: BLE001 - unreachable CBS: the run would read the cache, so plan on its version
            pass
    cached = client.cached_modified(table_id)
    if cached:
        return cached
    folder = extract_dir(table_id)
    if folder is None:
        return None
    return json.loads(Path(folder, "TableInfos.json").read_text(encoding="utf-8"))["value"][0]["Modified"]


def loaded_versions(con: duckdb.DuckDBPyConnection | None) -> dict[int, str]:
    """Year → the table version its rows in ``cbs_kerncijfer`` came from."""
    if con is None or not has_table(con, "cbs_kerncijfer"):
        return {}
    return dict(con.execute("SELECT jaar, min(modified) FROM cbs_kerncijfer GROUP BY jaar").fetchall())


def plan_kerncijfers(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None
                     ) -> list[PlannedRun]:
    """One ``cbs_kerncijfers_job`` run per range of consecutive years that are missing or whose table version
    changed; ``content`` is the years' table ids and versions."""
    client = client_for_home(home)
    loaded = loaded_versions(con)
    versions = {year: table_version(client, table) for year, table in TABLES.items()}
    stale = [year for year, version in versions.items() if version and loaded.get(year) != version]
    runs = []
    for start, end in year_ranges(stale):
        span = {y: (TABLES[y], versions[y]) for y in range(int(start), int(end) + 1)}
        digest = hashlib.sha256(json.dumps(span, sort_keys=True).encode()).hexdigest()
        runs.append(PlannedRun(KERNCIJFERS_JOB, digest, start, end, f"{start} … {end}"))
    return runs


plan = plan_kerncijfers
"""This domain's planner, as orchestration collects it."""
