"""The statushouders sensor: files in the three source inboxes, or anything the tables rest on changed."""

import dagster as dg
import duckdb

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import RegistryError, load_registry
from divobench_pipeline.core.warehouse import open_warehouse
from divobench_pipeline.defs.cbs.jobs import cbs_job
from divobench_pipeline.defs.statushouders.jobs import statushouders_job
from divobench_pipeline.defs.statushouders.planning import plan_statushouders
from divobench_pipeline.orchestration.partitions import partition_range_tags
from divobench_pipeline.orchestration.runs import MONITORED

_IN_FLIGHT = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
              dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


@dg.sensor(jobs=[statushouders_job, cbs_job], minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING)
def statushouders_sensor(context: dg.SensorEvaluationContext):
    """Watches ``inbox/_cbs_statushouders/``, ``inbox/_coa/`` and ``inbox/_kis/`` and the statushouders planner;
    waits while one of its runs is under way. Run keys derive from content: a repeated tick launches nothing."""
    home = DivobenchHome.from_env()
    try:
        registry = load_registry(home.participants_file)
    except RegistryError as exc:
        return dg.SkipReason(f"participants.yaml is not valid: {exc}")
    running = context.instance.get_run_records(dg.RunsFilter(statuses=_IN_FLIGHT), limit=50)
    if any(r.dagster_run.job_name in (statushouders_job.name, cbs_job.name) for r in running):
        return dg.SkipReason("waiting for a statushouders or CBS run to finish")
    try:
        con = open_warehouse(str(home.warehouse), read_only=True, lock_wait_seconds=0) \
            if home.warehouse.exists() else None
    except duckdb.IOException:
        return dg.SkipReason("the warehouse is in use; trying again next tick")
    try:
        planned = plan_statushouders(home, registry, con)
    finally:
        if con is not None:
            con.close()
    if not planned:
        return dg.SkipReason("statushouders is up to date")
    first = planned[0]
    tags = partition_range_tags(first.start, first.end) if first.start else {}
    return [dg.RunRequest(run_key=f"{first.job}:{first.content}", job_name=first.job, tags={**tags, **MONITORED})]
