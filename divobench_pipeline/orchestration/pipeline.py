"""The one orchestration path: every domain's planner, in ``DOMAINS`` order, and how a PlannedRun becomes runs.

A domain takes part by having ``defs/<domain>/planning.py`` with a ``plan`` function (a ``Planner``) and its
name in ``DOMAINS``. The sensor asks for the launches of the current plan as run requests; ``divobench refresh``
executes the very same launches in-process, round after round, until the plan is empty.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass

import dagster as dg
import duckdb
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.months import Month, contiguous_runs, parse_month_key, shift_month
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.defs import DOMAINS
from divobench_pipeline.orchestration.partitions import (
    month_participant_key,
    participant_partitions,
    partition_range_tags,
)
from divobench_pipeline.orchestration.plan import PlannedRun, Planner, content_digest

RETRY_GENERATION = "divobench/retry_generation"
"""Instance key-value entry that ``divobench retry`` raises: every run key carries it, so work whose run failed
(after the daemon's retry) under unchanged content is asked for once more."""


def planners(domains: Sequence[str] = DOMAINS) -> list[Planner]:
    """The ``plan`` of every domain that has a ``planning.py``, in ``DOMAINS`` order."""
    return planning_functions("plan", domains)


def planning_functions(name: str, domains: Sequence[str] = DOMAINS) -> list:
    """The function ``name`` of every domain's ``planning.py`` that has one, in ``DOMAINS`` order."""
    found = []
    for domain in domains:
        module = f"divobench_pipeline.defs.{domain}.planning"
        if importlib.util.find_spec(module) is not None and hasattr(planning := importlib.import_module(module), name):
            found.append(getattr(planning, name))
    return found


def plan_all(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None,
             skip_jobs: frozenset[str] = frozenset()) -> list[PlannedRun]:
    """Every domain's planned runs; a domain all of whose jobs are in ``skip_jobs`` is not asked."""
    domains = [d for d in DOMAINS if not skip_jobs or not domain_jobs(d) <= skip_jobs]
    return [run for planner in planners(domains) for run in planner(home, registry, con)]


def domain_jobs(domain: str) -> frozenset[str]:
    """The names of the jobs in ``defs/<domain>/jobs.py`` (none when it has no such module)."""
    module = f"divobench_pipeline.defs.{domain}.jobs"
    if importlib.util.find_spec(module) is None:
        return frozenset()
    return frozenset(job.name for job in vars(importlib.import_module(module)).values()
                     if isinstance(job, UnresolvedAssetJobDefinition | dg.JobDefinition))


@dataclass(frozen=True)
class Launch:
    """One Dagster run of a PlannedRun: its job, run key and partition tags."""

    job: str
    run_key: str
    tags: dict[str, str]
    label: str


def launches(planned: PlannedRun, participant_order: Sequence[str], generation: int = 0) -> list[Launch]:
    """The runs of ``planned``: one per partition range (month × participant keys covered by as few rectangles
    in the instance's participant order as practical). Run key: job, range and a digest of the content."""
    if planned.partitions:
        ranges = partition_ranges(planned, participant_order)
    elif planned.start is not None:
        ranges = [(planned.start, planned.end or planned.start)]
    else:
        ranges = [None]
    found = []
    for span in ranges:
        digest = content_digest(planned.content, span, generation)[:40]
        tags = partition_range_tags(*span) if span else {}
        label = f"{span[0]} … {span[1]}" if span else planned.label
        found.append(Launch(planned.job, f"{planned.job}:{digest}", tags, label))
    return found


def staging_ranges(keys: Iterable[tuple[Month, str]], participant_order: Sequence[str]
                   ) -> list[tuple[dg.MultiPartitionKey, dg.MultiPartitionKey]]:
    """Cover month × participant ``keys`` with as few rectangles as practical, each one run.

    Within a month, participants adjacent in the partition order form one range; consecutive months with the
    same ranges merge, so a full history of all participants is a single run.
    """
    return [(month_participant_key(first, participant_order[lo]), month_participant_key(last, participant_order[hi]))
            for first, last, lo, hi in _rectangles(keys, participant_order, lambda month: shift_month(month, 1))]


def partition_ranges(planned: PlannedRun, participant_order: Sequence[str]) -> list[tuple[str, str]]:
    """The (first, last) partition keys of each rectangle covering ``planned.partitions``: month × participant,
    or, with ``planned.row_keys``, ``planned.dimension`` × participant in that dimension's order."""
    if not planned.row_keys:
        keys = [(parse_month_key(month), pid) for month, pid in planned.partitions]
        return [(str(a), str(b)) for a, b in staging_ranges(keys, participant_order)]
    index = {key: number for number, key in enumerate(planned.row_keys)}

    def key(row: int, position: int) -> str:
        return str(dg.MultiPartitionKey({planned.dimension: planned.row_keys[row],
                                         "participant": participant_order[position]}))
    cells = [(index[row], pid) for row, pid in planned.partitions]
    return [(key(first, lo), key(last, hi))
            for first, last, lo, hi in _rectangles(cells, participant_order, lambda row: row + 1)]


def _rectangles(cells: Iterable[tuple[Hashable, str]], participant_order: Sequence[str], following: Callable
                ) -> list[tuple[Hashable, Hashable, int, int]]:
    """(first row, last row, first and last participant position) of rectangles covering ``cells`` exactly: per
    row, the runs of participants adjacent in ``participant_order``; following rows (``following``) with the same
    runs merge."""
    position = {pid: index for index, pid in enumerate(participant_order)}
    by_row: dict[Hashable, list[int]] = {}
    for row, pid in cells:
        by_row.setdefault(row, []).append(position[pid])
    blocks: list[tuple[Hashable, Hashable, tuple[tuple[int, int], ...]]] = []
    for row in sorted(by_row):
        runs = tuple(contiguous_runs(sorted(by_row[row])))
        if blocks and blocks[-1][2] == runs and following(blocks[-1][1]) == row:
            blocks[-1] = (blocks[-1][0], row, runs)
        else:
            blocks.append((row, row, runs))
    return [(first, last, lo, hi) for first, last, runs in blocks for lo, hi in runs]


def register_participants(instance: dg.DagsterInstance, registry: Registry) -> tuple[list[str], list[str]]:
    """(participant order in the instance after adding, participants to add): the registry's new participants
    come last in the ``participant`` dimension."""
    known = instance.get_dynamic_partitions(participant_partitions.name)
    present = set(known)
    new = [pid for pid in registry.ids if pid not in present]
    return [*known, *new], new


def retry_generation(instance: dg.DagsterInstance) -> int:
    return int(instance.run_storage.get_cursor_values({RETRY_GENERATION}).get(RETRY_GENERATION, 0))


def raise_retry_generation(instance: dg.DagsterInstance) -> int:
    """Ask once more for work whose runs failed: the next run keys differ from all earlier ones."""
    generation = retry_generation(instance) + 1
    instance.run_storage.set_cursor_values({RETRY_GENERATION: str(generation)})
    return generation


def retry_failed_work(home: DivobenchHome) -> int:
    """``divobench retry``: raise the retry generation of the data directory's instance; returns it."""
    from divobench_pipeline.orchestration.instance import dagster_instance

    with dagster_instance(home) as instance:
        return raise_retry_generation(instance)
