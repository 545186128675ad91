"""The statushouders planner: what runs would bring the statushouders tables and indicators up to date.

Out of date when a file waits in ``inbox/_cbs_statushouders/``, ``inbox/_coa/`` or ``inbox/_kis/``, or when
the fingerprint of what the tables rest on (the accepted files, participants with their modules and KIS consent,
the CBS groups and kenmerken, the indicator definitions) differs from the one stored by the last build. CBS years
its months (and the taakstelling formula: the year before each half year) need come first, as a ``cbs_job``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import duckdb

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.core.warehouse import has_table
from divobench_pipeline.defs.cbs.client import extract_dir
from divobench_pipeline.defs.cbs.planning import year_ranges
from divobench_pipeline.defs.cbs.resources import OFFLINE, CbsResource
from divobench_pipeline.defs.cbs.store import missing_years
from divobench_pipeline.defs.cbs.tables import FIRST_YEAR, LAST_YEAR, gebieden_tabel
from divobench_pipeline.defs.comparisons.groups import group_input_digests
from divobench_pipeline.defs.statushouders.intake import SOURCES, read_source_receipts, waiting_files
from divobench_pipeline.defs.statushouders.registry import INDICATORS
from divobench_pipeline.orchestration.plan import PlannedRun

JOB = "statushouders_job"


def _digest(items) -> str:
    return hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode()).hexdigest()[:16]


def waiting(home: DivobenchHome) -> list[tuple[str, str, int, int]]:
    return [(source, p.name, p.stat().st_size, p.stat().st_mtime_ns)
            for source in SOURCES for p in waiting_files(home, source)]


def fingerprint(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None) -> str:
    """A digest of everything the statushouders tables and indicators rest on (CBS groups and kenmerken of the
    years its months and the taakstelling formula need, not of other years)."""
    receipts = [(r.source, r.sha256, r.status) for s in SOURCES for r in read_source_receipts(home, s)]
    participants = [(p.id, p.gemeenten, p.modules, p.kis_consent, p.reporting, sorted(p.references.items()))
                    for p in registry.participants]
    groups = group_input_digests(con, registry) if con is not None else {}
    years = {m.year for m in source_months(home)}
    relevant = {key: digest for key, digest in groups.items() if key == "*" or key in years}
    return _digest([receipts, participants, sorted(relevant.items(), key=str), repr(INDICATORS)])


def stored_fingerprint(con: duckdb.DuckDBPyConnection | None) -> str | None:
    if con is None or not has_table(con, "statushouders_state"):
        return None
    found = con.execute("SELECT fingerprint FROM statushouders_state ORDER BY computed_at DESC LIMIT 1").fetchone()
    return found[0] if found else None


def source_months(home: DivobenchHome) -> list[dt.date]:
    """Months the accepted files have figures for, and for each COA half year January of the formula's year."""
    months = set()
    for source in SOURCES:
        for receipt in read_source_receipts(home, source):
            if receipt.accepted:
                found = [dt.date.fromisoformat(m + "-01") for m in receipt.months]
                months |= set(found)
                if source == "coa":
                    months |= {dt.date(m.year - 1, 1, 1) for m in found}
    return sorted(m for m in months if FIRST_YEAR <= m.year <= LAST_YEAR)


def cbs_years(home: DivobenchHome, con: duckdb.DuckDBPyConnection | None) -> list[int]:
    """Years the statushouders data needs from CBS that the warehouse lacks (offline: those a local source has)."""
    years = missing_years(con, source_months(home))
    cbs = CbsResource.for_home(home)
    if cbs.mode == OFFLINE:
        cache = Path(cbs.cache_dir)
        years = [y for y in years if extract_dir(gebieden_tabel(y)) or (cache / gebieden_tabel(y)).is_dir()]
    return years


def plan_statushouders(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None
                       ) -> list[PlannedRun]:
    """The runs that bring statushouders up to date, in order: CBS years first, then the statushouders job."""
    files = waiting(home)
    stored = stored_fingerprint(con)
    if not files and stored is None and not any(read_source_receipts(home, s) for s in SOURCES):
        return []  # no statushouders file was ever handed in
    years = cbs_years(home, con) if not files else []
    current = fingerprint(home, registry, con)
    runs = [PlannedRun("cbs_job", _digest(["statushouders", start, end, current]), start, end, f"CBS {start} … {end}")
            for start, end in year_ranges(years)]
    if files or years or current != stored:
        runs.append(PlannedRun(JOB, _digest([files, current, years]), label="statushouders"))
    return runs


plan = plan_statushouders
"""This domain's planner, as orchestration collects it (the sensor asks for its runs, ``refresh`` executes them)."""
