"""Which years of CBS tables the warehouse still needs before indicators of the uploaded months can be computed."""

from __future__ import annotations

from pathlib import Path

import duckdb

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.defs.cbs.client import extract_dir
from divobench_pipeline.defs.cbs.resources import OFFLINE, CbsResource
from divobench_pipeline.defs.cbs.store import missing_years
from divobench_pipeline.defs.cbs.tables import FIRST_YEAR, LAST_YEAR, gebieden_tabel
from divobench_pipeline.orchestration.planning import accepted_uploads, contiguous_runs


def cbs_years_needed(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None,
                     cbs: CbsResource) -> list[int]:
    """Years with uploads whose indeling or inwoners are missing; offline, only years a local source has."""
    months = [month for month, _ in accepted_uploads(home, registry)
              if FIRST_YEAR <= month.year <= LAST_YEAR]
    years = missing_years(con, months)
    if cbs.mode == OFFLINE:
        cache = Path(cbs.cache_dir)
        years = [y for y in years if extract_dir(gebieden_tabel(y)) or (cache / gebieden_tabel(y)).is_dir()]
    return years


def year_ranges(years: list[int]) -> list[tuple[str, str]]:
    """Consecutive years as (first, last) partition keys of the yearly CBS assets."""
    return [(str(first), str(last)) for first, last in contiguous_runs(sorted(set(years)))]
