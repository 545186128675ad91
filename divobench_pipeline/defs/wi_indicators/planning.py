"""Which months' indicators (with their group values and the aanleverstatus) are out of date.

A month is out of date when the fingerprint of everything its indicators rest on differs from the one stored
with them (``indicator_month_state``): the uploads in force of M and M−12, which gemeenten form each participant,
the indicator definitions, and what group membership rests on (CBS groups and kenmerken of M's year, reporting
options, named selections).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import duckdb

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.months import Month, month_ranges, shift_month
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.core.warehouse import has_table
from divobench_pipeline.defs.bus_uploads.planning import UploadKey, accepted_uploads, uploads_pending
from divobench_pipeline.defs.comparisons.groups import group_input_digests
from divobench_pipeline.defs.wi_indicators.registry import INDICATORS, Indicator
from divobench_pipeline.orchestration.plan import PlannedRun, content_digest

INDICATOR_JOB = "indicator_job"


def definitions_digest(indicators: tuple[Indicator, ...] | list[Indicator] = INDICATORS) -> str:
    """A hash of the indicator definitions: a new or changed indicator changes it (and so every month's
    fingerprint and the asset's code version)."""
    return hashlib.sha256(repr(list(indicators)).encode()).hexdigest()[:16]


def computed_fingerprints(con: duckdb.DuckDBPyConnection | None) -> dict[Month, str]:
    if con is None or not has_table(con, "indicator_month_state"):
        return {}
    return dict(con.execute("SELECT month, fingerprint FROM indicator_month_state").fetchall())


def indicator_fingerprints(uploads: Mapping[UploadKey, str], registry: Registry,
                           con: duckdb.DuckDBPyConnection | None = None,
                           indicators: tuple[Indicator, ...] | list[Indicator] = INDICATORS) -> dict[Month, str]:
    """Per month with data: a hash of everything its indicators depend on (see the module docstring); with
    ``con``, also what group membership rests on, so group values follow."""
    groups = group_input_digests(con, registry) if con is not None else {}
    by_month: dict[Month, list[tuple[str, str]]] = {}
    for (month, pid), sha in uploads.items():
        by_month.setdefault(month, []).append((pid, sha))
    common = json.dumps([definitions_digest(indicators), sorted(registry.gemeenten_by_participant().items())])
    fingerprints = {}
    for month, entries in by_month.items():
        year_before = by_month.get(shift_month(month, -12), [])
        payload = json.dumps([sorted(entries), sorted(year_before), groups.get("*"), groups.get(month.year)])
        fingerprints[month] = hashlib.sha256((common + payload).encode()).hexdigest()
    return fingerprints


def months_due(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None
               ) -> dict[Month, tuple[str | None, str]]:
    """Months to (re)compute: month → (fingerprint stored or None, fingerprint of the inputs in force)."""
    computed = computed_fingerprints(con)
    wanted = indicator_fingerprints(accepted_uploads(home, registry), registry, con)
    return {m: (computed.get(m), fp) for m, fp in wanted.items() if computed.get(m) != fp}


def indicators_pending(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None) -> bool:
    return bool(months_due(home, registry, con))


def plan(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None) -> list[PlannedRun]:
    """One indicator run per range of consecutive out-of-date months (content: the fingerprint stored and the
    fingerprint in force of each month). Waits while uploads are on their way; not for CBS years, which may never
    come (a year CBS has not published): the CBS groups and kenmerken are part of the fingerprint, so months are
    recomputed when they arrive."""
    if uploads_pending(home, registry, con):
        return []
    due = months_due(home, registry, con)
    runs = []
    for first, last in month_ranges(due):
        months = sorted(m for m in due if first <= m <= last)
        runs.append(PlannedRun(INDICATOR_JOB, content_digest("indicators", [(m, *due[m]) for m in months]),
                               first.isoformat(), last.isoformat(), label=f"{first:%Y-%m}…{last:%Y-%m}"))
    return runs
