"""``divobench refresh``: what the sensor and the daemon would do in their own time, done now, in-process.

Runs go through the same definitions and the data directory's own Dagster instance, so they show in the UI.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import dagster as dg

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import load_registry
from divobench_pipeline.core.warehouse import read_warehouse
from divobench_pipeline.definitions import load_defs
from divobench_pipeline.defs.aanleverstatus.freshness import status_is_stale
from divobench_pipeline.defs.aanleverstatus.jobs import aanleverstatus_job
from divobench_pipeline.defs.bus_uploads.jobs import bus_intake_job, bus_staging_job
from divobench_pipeline.defs.bus_uploads.sensors import inbox_listing
from divobench_pipeline.defs.cbs.jobs import cbs_job
from divobench_pipeline.defs.cbs.planning import cbs_years_needed, year_ranges
from divobench_pipeline.defs.cbs.resources import CbsResource
from divobench_pipeline.defs.reports.planning import plan_reports
from divobench_pipeline.defs.wi_indicators.jobs import indicator_job
from divobench_pipeline.orchestration.instance import dagster_instance
from divobench_pipeline.orchestration.partitions import participant_partitions, partition_range_tags
from divobench_pipeline.orchestration.plan import PlannedRun
from divobench_pipeline.orchestration.planning import RefreshPlan, month_ranges, plan_refresh, staging_ranges
from divobench_pipeline.orchestration.runs import fail_dead_runs, process_tags

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class RunOutcome:
    job: str
    partitions: str
    run_id: str
    success: bool
    seconds: float


@dataclass
class RefreshOutcome:
    runs: list[RunOutcome] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(run.success for run in self.runs)

    def summary(self) -> list[str]:
        if not self.runs:
            return ["Everything is up to date."]
        return [f"{run.job} {run.partitions}: {'succeeded' if run.success else 'FAILED'} "
                f"in {run.seconds:.1f} s (run {run.run_id[:8]})" for run in self.runs]


def current_plan(home: DivobenchHome) -> RefreshPlan:
    registry = load_registry(home.participants_file)
    with read_warehouse(home.warehouse) as con:
        return plan_refresh(home, registry, con)


def current_cbs_years(home: DivobenchHome) -> list[int]:
    """Years of uploaded months whose CBS indeling and inwoners the warehouse lacks."""
    registry = load_registry(home.participants_file)
    with read_warehouse(home.warehouse) as con:
        return cbs_years_needed(home, registry, con, CbsResource.for_home(home))


def refresh(home: DivobenchHome, instance: dg.DagsterInstance | None = None) -> RefreshOutcome:
    """Intake the inbox, restage changed participant-months, read missing CBS years, recompute changed months."""
    registry = load_registry(home.participants_file)
    defs = load_defs(home)
    instance = instance or dagster_instance(home)
    fail_dead_runs(instance)
    known = set(instance.get_dynamic_partitions(participant_partitions.name))
    missing = [pid for pid in registry.ids if pid not in known]
    if missing:
        instance.add_dynamic_partitions(participant_partitions.name, missing)
    outcome = RefreshOutcome()

    def run(job_name: str, label: str, tags: dict[str, str] | None = None) -> bool:
        started = time.perf_counter()
        result = defs.resolve_job_def(job_name).execute_in_process(
            instance=instance, tags={**(tags or {}), **process_tags()}, run_config=QUIET, raise_on_error=False)
        outcome.runs.append(RunOutcome(job_name, label, result.run_id, result.success, time.perf_counter() - started))
        return result.success

    if inbox_listing(home, registry.ids) and not run(bus_intake_job.name, "inbox"):
        return outcome
    plan = current_plan(home)
    order = instance.get_dynamic_partitions(participant_partitions.name)
    for start, end in staging_ranges(plan.staging, order):
        run(bus_staging_job.name, f"{start} … {end}", partition_range_tags(start, end))
    for start, end in year_ranges(current_cbs_years(home)):
        run(cbs_job.name, f"{start} … {end}", partition_range_tags(start, end))
    # cbs_kerncijfers planner (issue 11): to become one entry of the planner loop refresh is being rebuilt around.
    for planned in kerncijfers_plan(home):
        run(planned.job, planned.label, partition_range_tags(planned.start, planned.end))
    for start, end in month_ranges(current_plan(home).indicator_months):
        run(indicator_job.name, f"{start} … {end}", partition_range_tags(start, end))
    if status_due(home):
        run(aanleverstatus_job.name, "today")
    # --- questionnaires and BUIG budgets (issue 12): their planner's runs, stage by stage, after the BUS stages.
    # To be replaced when refresh consumes every domain's planner.
    from divobench_pipeline.defs.questionnaires.planning import run_planned

    run_planned(home, registry, run, lambda p: partition_range_tags(p.start, p.end) if p.start else None)
    # statushouders planner (issue 13): to become one entry of the planner loop refresh is being rebuilt around.
    statushouders_runs(home, registry, run)
    # Reports (defs/reports/planning.py), interim wiring: run the reports planner's PlannedRuns last, after
    # everything they read. To be replaced when refresh consumes every domain's planner.
    for planned in current_report_plan(home, instance.get_dynamic_partitions(participant_partitions.name)):
        run(planned.job, planned.label, partition_range_tags(planned.start, planned.end))
    return outcome


def statushouders_runs(home: DivobenchHome, registry, run) -> None:
    """The statushouders planner's runs, planned again after each round (intake may reveal CBS years to read,
    after which the indicators follow); at most three rounds, stopping at a failed run."""
    from divobench_pipeline.defs.statushouders.planning import plan_statushouders

    for _ in range(3):
        with read_warehouse(home.warehouse) as con:
            planned = plan_statushouders(home, registry, con)
        if not planned:
            return
        for step in planned:
            tags = partition_range_tags(step.start, step.end) if step.start else {}
            if not run(step.job, step.label or "all", tags):
                return


def kerncijfers_plan(home: DivobenchHome) -> list:
    """The cbs_kerncijfers planner's runs (CBS kerncijfers years missing or of a changed table version)."""
    from divobench_pipeline.defs.cbs_kerncijfers.planning import plan_kerncijfers

    with read_warehouse(home.warehouse) as con:
        return plan_kerncijfers(home, load_registry(home.participants_file), con)


def current_report_plan(home: DivobenchHome, participant_order: list[str]) -> list[PlannedRun]:
    registry = load_registry(home.participants_file)
    with read_warehouse(home.warehouse) as con:
        return plan_reports(home, registry, con, participant_order)


def status_due(home: DivobenchHome) -> bool:
    with read_warehouse(home.warehouse) as con:
        return status_is_stale(con, dt.date.today())
