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
from divobench_pipeline.defs.comparisons.groups import group_input_digests, reporting_choices
from divobench_pipeline.defs.wi_indicators.registry import INDICATORS, Indicator
from divobench_pipeline.orchestration.plan import PlannedRun, SourceVersions, content_digest

INDICATOR_JOB = "indicator_job"
MONTH_UPLOADS_SOURCE = "wi_month_uploads"
CBS_INPUTS_SOURCE = "wi_cbs_inputs"
PARTICIPANTS_SOURCE = "wi_participants"


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
    groups, months = _month_inputs(uploads, registry, con)
    common = json.dumps([definitions_digest(indicators), sorted(registry.gemeenten_by_participant().items())])
    return {month: hashlib.sha256((common + json.dumps([entries, year_before, groups.get("*"), groups.get(month.year)])
                                   ).encode()).hexdigest()
            for month, (entries, year_before) in months.items()}


def _month_inputs(uploads: Mapping[UploadKey, str], registry: Registry, con: duckdb.DuckDBPyConnection | None
                  ) -> tuple[dict, dict[Month, tuple[list, list]]]:
    """(group input digests, per month with data: its uploads (participant, sha256) and those of M−12)."""
    groups = group_input_digests(con, registry) if con is not None else {}
    by_month: dict[Month, list[tuple[str, str]]] = {}
    for (month, pid), sha in uploads.items():
        by_month.setdefault(month, []).append((pid, sha))
    return groups, {month: (sorted(entries), sorted(by_month.get(shift_month(month, -12), [])))
                    for month, entries in by_month.items()}


def source_versions(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None
                    ) -> list[SourceVersions]:
    """The month fingerprint in parts, one Dagster source each (the definitions are the assets' code version):
    the uploads of M and M−12, the CBS groups and kenmerken of M's year, the participants' gemeenten and
    reporting choices. A month's fingerprint changes exactly when one of its parts does."""
    if con is None:
        return []
    groups, months = _month_inputs(accepted_uploads(home, registry), registry, con)
    return [
        SourceVersions(MONTH_UPLOADS_SOURCE, {m: content_digest(*parts) for m, parts in months.items()},
                       "an upload of this month or of the same month a year earlier changed"),
        SourceVersions(CBS_INPUTS_SOURCE, {m: content_digest(groups.get(m.year)) for m in months},
                       "CBS groups or kenmerken (inwoners, indeling) of this month's year changed"),
        SourceVersions(PARTICIPANTS_SOURCE, {None: participants_version(registry)},
                       "participants.yaml changed: a participant's gemeenten, reporting option or selections"),
    ]


def participants_version(registry: Registry) -> str:
    """The data version of ``wi_participants``: the participants' gemeenten and reporting choices."""
    return content_digest(sorted(registry.gemeenten_by_participant().items()), reporting_choices(registry))


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
