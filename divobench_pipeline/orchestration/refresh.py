"""``divobench refresh``: what the sensor and the daemon would do in their own time, done now, in-process.

It executes the very launches the sensor would ask for (the same planners, the same partition ranges), wave after
wave, until nothing is out of date. Runs go through the same definitions and the data directory's own Dagster
instance, so they show in the UI.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import dagster as dg

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import RegistryError, load_registry
from divobench_pipeline.core.warehouse import read_warehouse
from divobench_pipeline.definitions import load_defs
from divobench_pipeline.defs.bus_uploads.intake import intake_workers_started
from divobench_pipeline.defs.bus_uploads.planning import INTAKE_JOB, inbox_listing
from divobench_pipeline.orchestration.instance import dagster_instance
from divobench_pipeline.orchestration.pipeline import Launch, launches, plan_all, register_participants
from divobench_pipeline.orchestration.plan import PlannedRun
from divobench_pipeline.orchestration.runs import fail_dead_runs, process_tags
from divobench_pipeline.orchestration.staleness import observe_changed_sources, source_versions_all

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


def current_plan(home: DivobenchHome, instance: dg.DagsterInstance | None = None,
                 skip_jobs: frozenset[str] = frozenset()) -> list[PlannedRun]:
    """What every domain's planner finds out of date now (domains whose jobs are all skipped are not asked); with
    ``instance``, the source versions that changed are observed in it first (so the UI shows why the planned
    partitions are stale)."""
    registry = load_registry(home.participants_file)
    with read_warehouse(home.warehouse) as con:
        if instance is not None:
            observe_changed_sources(instance, source_versions_all(home, registry, con))
        return plan_all(home, registry, con, skip_jobs)


def refresh(home: DivobenchHome, instance: dg.DagsterInstance | None = None,
            skip_jobs: frozenset[str] = frozenset()) -> RefreshOutcome:
    """Plan, execute the planned runs, plan again, until the plan is empty, a run fails, or a wave holds only
    launches already made in this refresh (work that cannot progress, e.g. a CBS year no source has).
    Jobs in ``skip_jobs`` are left out (the benchmark measures the reports on their own)."""
    home.prepare()
    if instance is None:
        with intake_workers_started(home, _waiting_uploads(home, skip_jobs)), dagster_instance(home) as own:
            return refresh(home, own, skip_jobs)
    defs = load_defs(home)
    fail_dead_runs(instance)
    outcome = RefreshOutcome()
    done: set[str] = set()
    while True:
        registry = load_registry(home.participants_file)
        order, new = register_participants(instance, registry)
        if new:
            instance.add_dynamic_partitions("participant", new)
        wave = [launch for run in current_plan(home, instance, skip_jobs) for launch in launches(run, order)
                if launch.run_key not in done and launch.job not in skip_jobs]
        if not wave:
            return outcome
        for launch in wave:
            done.add(launch.run_key)
            if not _execute(defs, instance, launch, outcome):
                return outcome


def _waiting_uploads(home: DivobenchHome, skip_jobs: frozenset[str]) -> int:
    """How many files wait in registered participants' inboxes for the BUS intake (0 when it is skipped)."""
    if INTAKE_JOB in skip_jobs:
        return 0
    try:
        return len(inbox_listing(home, load_registry(home.participants_file).ids))
    except RegistryError:
        return 0  # the first wave reports it


def _execute(defs: dg.Definitions, instance: dg.DagsterInstance, launch: Launch, outcome: RefreshOutcome) -> bool:
    started = time.perf_counter()
    result = defs.resolve_job_def(launch.job).execute_in_process(
        instance=instance, tags={**launch.tags, **process_tags()}, run_config=QUIET, raise_on_error=False)
    outcome.runs.append(RunOutcome(launch.job, launch.label, result.run_id, result.success,
                                   time.perf_counter() - started))
    return result.success
