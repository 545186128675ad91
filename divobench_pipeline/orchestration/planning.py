"""What is out of date: which participant-months to (re)stage and which months' indicators to (re)compute.

Shared by the upload sensor (the daemon's pace) and ``divobench refresh`` (at once), so both do the same work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import duckdb

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.core.warehouse import has_table
from divobench_pipeline.defs.bus_uploads.intake import uploads_in_force
from divobench_pipeline.defs.comparisons.groups import group_input_digests
from divobench_pipeline.defs.wi_indicators.registry import INDICATORS
from divobench_pipeline.orchestration.partitions import month_participant_key

UploadKey = tuple[dt.date, str]


@dataclass(frozen=True)
class RefreshPlan:
    staging: list[UploadKey]
    indicator_months: list[dt.date]

    @property
    def empty(self) -> bool:
        return not self.staging and not self.indicator_months


def accepted_uploads(home: DivobenchHome, registry: Registry) -> dict[UploadKey, str]:
    """(month, participant) → sha256 of the upload in force, for participants still in the registry."""
    return {(dt.date.fromisoformat(month), pid): receipt.sha256
            for (month, pid), receipt in uploads_in_force(home).items() if pid in registry}


def staged_uploads(con: duckdb.DuckDBPyConnection) -> dict[UploadKey, str]:
    if not has_table(con, "bus_upload_in_force"):
        return {}
    rows = con.execute("SELECT month, participant_id, upload_sha256 FROM bus_upload_in_force").fetchall()
    return {(month, pid): sha for month, pid, sha in rows}


def computed_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[dt.date, str]:
    if not has_table(con, "indicator_month_state"):
        return {}
    return dict(con.execute("SELECT month, fingerprint FROM indicator_month_state").fetchall())


def indicator_fingerprints(uploads: Mapping[UploadKey, str], registry: Registry,
                           con: duckdb.DuckDBPyConnection | None = None) -> dict[dt.date, str]:
    """Per month with data: a hash of everything its indicators depend on.

    That is the uploads in force for the month and for twelve months earlier (volumeontwikkeling), which
    gemeenten form each participant, and the indicator definitions themselves: a new or changed indicator
    makes every month out of date, so history is recomputed without a hand-made backfill. With ``con``, also
    what group membership rests on (CBS groups and kenmerken of the month's year, reporting options, named
    selections), so group values follow.
    """
    groups = group_input_digests(con, registry) if con is not None else {}
    by_month: dict[dt.date, list[tuple[str, str]]] = {}
    for (month, pid), sha in uploads.items():
        by_month.setdefault(month, []).append((pid, sha))
    common = json.dumps([repr(INDICATORS), sorted(registry.gemeenten_by_participant().items())]).encode()
    fingerprints = {}
    for month, entries in by_month.items():
        year_before = by_month.get(shift_month(month, -12), [])
        payload = json.dumps([sorted(entries), sorted(year_before), groups.get("*"),
                              groups.get(month.year)]).encode()
        fingerprints[month] = hashlib.sha256(common + payload).hexdigest()
    return fingerprints


def plan_refresh(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None) -> RefreshPlan:
    """Compare the uploads in force with what the warehouse holds."""
    wanted = accepted_uploads(home, registry)
    staged = staged_uploads(con) if con is not None else {}
    computed = computed_fingerprints(con) if con is not None else {}
    staging = sorted(key for key, sha in wanted.items() if staged.get(key) != sha)
    months = sorted(m for m, fp in indicator_fingerprints(wanted, registry, con).items() if computed.get(m) != fp)
    return RefreshPlan(staging, months)


def staging_ranges(keys: Iterable[UploadKey], participant_order: Sequence[str]) -> list[tuple[str, str]]:
    """Cover ``keys`` with as few month × participant rectangles as practical, each one run.

    Within a month, participants that are adjacent in the partition order form one range; consecutive
    months with the same ranges merge, so a full history of all participants is a single run.
    """
    position = {pid: index for index, pid in enumerate(participant_order)}
    by_month: dict[dt.date, list[int]] = {}
    for month, pid in keys:
        by_month.setdefault(month, []).append(position[pid])
    blocks: list[tuple[dt.date, dt.date, tuple[tuple[int, int], ...]]] = []
    for month in sorted(by_month):
        runs = tuple(contiguous_runs(sorted(by_month[month])))
        if blocks and blocks[-1][2] == runs and shift_month(blocks[-1][1], 1) == month:
            blocks[-1] = (blocks[-1][0], month, runs)
        else:
            blocks.append((month, month, runs))
    return [(month_participant_key(first, participant_order[lo]), month_participant_key(last, participant_order[hi]))
            for first, last, runs in blocks for lo, hi in runs]


def month_ranges(months: Iterable[dt.date]) -> list[tuple[str, str]]:
    """Consecutive months as (first, last) partition keys."""
    runs: list[tuple[dt.date, dt.date]] = []
    for month in sorted(months):
        if runs and shift_month(runs[-1][1], 1) == month:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return [(first.isoformat(), last.isoformat()) for first, last in runs]


def contiguous_runs(values: list[int]) -> Iterable[tuple[int, int]]:
    """Sorted integers as (first, last) of each run of consecutive values."""
    start = previous = None
    for value in values:
        if start is None:
            start = previous = value
        elif value == previous + 1:
            previous = value
        else:
            yield start, previous
            start = previous = value
    if start is not None:
        yield start, previous


def shift_month(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
