"""Which years of CBS tables the warehouse still needs before indicators of the uploaded months can be computed."""

from __future__ import annotations

import duckdb

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.months import contiguous_runs
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.defs.bus_uploads.planning import accepted_uploads, inbox_listing
from divobench_pipeline.defs.cbs.client import CbsClient, cache_root, client_for_home, extract_dir
from divobench_pipeline.defs.cbs.store import missing_years
from divobench_pipeline.defs.cbs.tables import (
    BEVOLKING,
    BIJSTAND,
    FIRST_YEAR,
    LAST_YEAR,
    gebieden_tabel,
    kerncijfers_tabel,
)
from divobench_pipeline.orchestration.plan import PlannedRun, content_digest

CBS_JOB = "cbs_job"


def cbs_years_needed(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None,
                     client: CbsClient) -> list[int]:
    """Years with uploads whose indeling or inwoners are missing; offline, only years a local source has."""
    months = [month for month, _ in accepted_uploads(home, registry)
              if FIRST_YEAR <= month.year <= LAST_YEAR]
    years = missing_years(con, months)
    if not client.online:
        cache = cache_root(home)
        years = [y for y in years if extract_dir(gebieden_tabel(y)) or (cache / gebieden_tabel(y)).is_dir()]
    return years


def year_ranges(years: list[int]) -> list[tuple[str, str]]:
    """Consecutive years as (first, last) partition keys of the yearly CBS assets."""
    return [(str(first), str(last)) for first, last in contiguous_runs(sorted(set(years)))]


def table_versions(client: CbsClient, years: list[int]) -> list[tuple[str, str | None]]:
    """(table, Modified of the cached copy, None if not cached) of every table the CBS job reads for ``years``."""
    tables = sorted({BEVOLKING, BIJSTAND, *(gebieden_tabel(y) for y in years), *(kerncijfers_tabel(y) for y in years)})
    return [(table, client.cached_modified(table)) for table in tables]


def plan(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None) -> list[PlannedRun]:
    """One CBS run per range of consecutive missing years (content: the years and the versions of the tables
    it reads). Waits while files are in the inbox, whose months may need more years. A year no source has stays
    missing: the same content, so the same run key, and no new run until a table version changes."""
    if inbox_listing(home, registry.ids):
        return []
    client = client_for_home(home)
    years = cbs_years_needed(home, registry, con, client)
    if not years:
        return []
    content = content_digest("cbs", years, table_versions(client, years), client.online)
    return [PlannedRun(CBS_JOB, content, start, end, label=f"CBS {start}…{end}") for start, end in year_ranges(years)]
