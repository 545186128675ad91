"""The pipeline sensor: the daemon's side of the one orchestration path."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from divobench_pipeline.core.participants import RegistryError
from divobench_pipeline.core.settings import settings
from divobench_pipeline.orchestration.partitions import participant_partitions
from divobench_pipeline.orchestration.pipeline import launches, plan_all, register_participants, retry_generation
from divobench_pipeline.orchestration.resources import DivobenchHomeResource
from divobench_pipeline.orchestration.runs import MONITORED, fail_dead_runs
from divobench_pipeline.orchestration.staleness import changed_observations, source_versions_all
from divobench_pipeline.orchestration.warehouse_reads import read_warehouse_now

IN_FLIGHT = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
             dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
PLAN_TAG = "divobench/plan"


def build_pipeline_sensor(jobs: Sequence) -> dg.SensorDefinition:
    """``bus_upload_sensor`` over ``jobs`` (every job a planner may ask for)."""
    job_names = {job.name for job in jobs}

    @dg.sensor(name="bus_upload_sensor", jobs=list(jobs), minimum_interval_seconds=settings().sensor_seconds,
               default_status=dg.DefaultSensorStatus.RUNNING)
    def bus_upload_sensor(context: dg.SensorEvaluationContext, divobench_home: DivobenchHomeResource):
        """Watches the inbox, the receipts, the warehouse and participants.yaml, and asks for every run the
        domains' planners find due (intake, staging, CBS years, indicators, aanleverstatus).

        While one of the pipeline's runs is under way it waits, so each wave plans on finished work. Run keys
        derive from the content each run reads, so the same content never runs twice and new content always does.
        With them it returns an observation of each source partition whose data version changed
        (``staleness.py``), which the daemon records first: the UI then shows what is stale and why.
        """
        home = divobench_home.home
        try:
            registry = divobench_home.registry()
        except RegistryError as exc:
            return dg.SkipReason(f"participants.yaml is not valid: {exc}")
        order, new = register_participants(context.instance, registry)
        partitions = [participant_partitions.build_add_request(new)] if new else []
        fail_dead_runs(context.instance)
        running = context.instance.get_run_records(dg.RunsFilter(statuses=IN_FLIGHT), limit=50)
        if any(record.dagster_run.job_name in job_names for record in running):
            return dg.SensorResult(skip_reason="waiting for a run of this pipeline to finish",
                                   dynamic_partitions_requests=partitions)
        planned = read_warehouse_now(home, lambda con: (plan_all(home, registry, con),
                                                        source_versions_all(home, registry, con)), absent_ok=True)
        if isinstance(planned, dg.SkipReason):
            return dg.SensorResult(skip_reason=planned.skip_message, dynamic_partitions_requests=partitions)
        planned, sources = planned
        observations = changed_observations(context.instance, sources)
        generation = retry_generation(context.instance)
        requests = [dg.RunRequest(run_key=launch.run_key, job_name=launch.job,
                                  tags={**launch.tags, **MONITORED, PLAN_TAG: launch.label})
                    for run in planned for launch in launches(run, order, generation)]
        if not requests:
            return dg.SensorResult(skip_reason="everything is up to date", dynamic_partitions_requests=partitions,
                                   asset_events=observations)
        return dg.SensorResult(run_requests=requests, dynamic_partitions_requests=partitions,
                               asset_events=observations)

    return bus_upload_sensor
