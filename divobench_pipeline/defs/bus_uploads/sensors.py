"""The upload sensor: new files in the inbox → intake → staging → indicators, one step per tick."""


import datetime as dt
import hashlib
import json

import dagster as dg
import duckdb

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import RegistryError, load_registry
from divobench_pipeline.core.warehouse import open_warehouse
from divobench_pipeline.defs.aanleverstatus.freshness import status_is_stale
from divobench_pipeline.defs.aanleverstatus.jobs import aanleverstatus_job
from divobench_pipeline.defs.bus_uploads.jobs import bus_intake_job, bus_staging_job
from divobench_pipeline.defs.cbs.jobs import cbs_job
from divobench_pipeline.defs.cbs.planning import cbs_years_needed, year_ranges
from divobench_pipeline.defs.cbs.resources import CbsResource
from divobench_pipeline.defs.wi_indicators.jobs import indicator_job
from divobench_pipeline.orchestration.partitions import participant_partitions, partition_range_tags
from divobench_pipeline.orchestration.planning import month_ranges, plan_refresh, staging_ranges
from divobench_pipeline.orchestration.runs import MONITORED, fail_dead_runs

IN_FLIGHT = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
             dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
OUR_JOBS = [bus_intake_job.name, bus_staging_job.name, indicator_job.name, aanleverstatus_job.name, cbs_job.name]


def _digest(items) -> str:
    return hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode()).hexdigest()[:16]


def inbox_listing(home: DivobenchHome, participant_ids) -> list[tuple[str, str, int, int]]:
    listing = []
    for pid in participant_ids:
        folder = home.inbox_of(pid)
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    stat = path.stat()
                    listing.append((pid, path.name, stat.st_size, stat.st_mtime_ns))
    return listing


@dg.sensor(jobs=[bus_intake_job, bus_staging_job, indicator_job, aanleverstatus_job, cbs_job],
           minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING)
def bus_upload_sensor(context: dg.SensorEvaluationContext):
    """Watches the inbox and keeps staged data and indicators up to date, one stage per tick.

    While one of its runs is under way it waits, so stages follow each other and never contend for the
    warehouse. Run keys are derived from content, so a replayed upload or a repeated tick launches nothing new.
    """
    home = DivobenchHome.from_env()
    try:
        registry = load_registry(home.participants_file)
    except RegistryError as exc:
        return dg.SkipReason(f"participants.yaml is not valid: {exc}")
    known = set(context.instance.get_dynamic_partitions(participant_partitions.name))
    new_participants = [pid for pid in registry.ids if pid not in known]
    partition_requests = [participant_partitions.build_add_request(new_participants)] if new_participants else []

    fail_dead_runs(context.instance)
    running = context.instance.get_run_records(dg.RunsFilter(job_name=None, statuses=IN_FLIGHT), limit=50)
    if any(record.dagster_run.job_name in OUR_JOBS for record in running):
        return dg.SensorResult(skip_reason="waiting for a run of this pipeline to finish",
                               dynamic_partitions_requests=partition_requests)

    listing = inbox_listing(home, registry.ids)
    if listing:
        return dg.SensorResult(run_requests=[dg.RunRequest(
            run_key=f"intake:{_digest(listing)}", job_name=bus_intake_job.name,
            tags={"divobench/files": str(len(listing)), **MONITORED})], dynamic_partitions_requests=partition_requests)

    try:
        con = open_warehouse(str(home.warehouse), read_only=True, lock_wait_seconds=0) \
            if home.warehouse.exists() else None
    except duckdb.IOException:
        return dg.SensorResult(skip_reason="the warehouse is in use; trying again next tick",
                               dynamic_partitions_requests=partition_requests)
    try:
        plan = plan_refresh(home, registry, con)
        today = dt.date.today()
        status_due = status_is_stale(con, today)
        cbs_years = cbs_years_needed(home, registry, con, CbsResource.for_home(home))
    finally:
        if con is not None:
            con.close()

    order = [*context.instance.get_dynamic_partitions(participant_partitions.name), *new_participants]
    if plan.staging:
        requests = [dg.RunRequest(run_key=f"stage:{_digest([start, end, plan.staging])}",
                                  job_name=bus_staging_job.name, tags={**partition_range_tags(start, end), **MONITORED})
                    for start, end in staging_ranges(plan.staging, order)]
    elif cbs_years:
        requests = [dg.RunRequest(run_key=f"cbs:{_digest([start, end])}", job_name=cbs_job.name,
                                  tags={**partition_range_tags(start, end), **MONITORED})
                    for start, end in year_ranges(cbs_years)]
    elif plan.indicator_months:
        requests = [dg.RunRequest(run_key=f"indicators:{_digest([start, end, plan.indicator_months])}",
                                  job_name=indicator_job.name, tags={**partition_range_tags(start, end), **MONITORED})
                    for start, end in month_ranges(plan.indicator_months)]
    elif status_due:
        requests = [dg.RunRequest(run_key=f"aanleverstatus:{today}", job_name=aanleverstatus_job.name,
                                  tags=MONITORED)]
    else:
        return dg.SensorResult(skip_reason="everything is up to date", dynamic_partitions_requests=partition_requests)
    return dg.SensorResult(run_requests=requests, dynamic_partitions_requests=partition_requests)
