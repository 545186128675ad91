"""The questionnaire sensor: budget files in ``inbox/_budget/``, workbooks in force, stale periods → runs.

Workbooks themselves are received by the BUS upload sensor's intake (it recognises an xlsx by its content);
this sensor asks the questionnaire planner what is out of date and launches one stage per tick.
"""

import dagster as dg

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import RegistryError, load_registry
from divobench_pipeline.defs.bus_uploads.sensors import IN_FLIGHT, OUR_JOBS
from divobench_pipeline.defs.questionnaires.jobs import QUESTIONNAIRE_JOBS
from divobench_pipeline.defs.questionnaires.planning import plan_questionnaires
from divobench_pipeline.orchestration.partitions import partition_range_tags
from divobench_pipeline.orchestration.runs import MONITORED
from divobench_pipeline.orchestration.warehouse_reads import read_warehouse_now

WAIT_FOR = {*OUR_JOBS, *(job.name for job in QUESTIONNAIRE_JOBS)}


@dg.sensor(jobs=QUESTIONNAIRE_JOBS, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
def questionnaire_sensor(context: dg.SensorEvaluationContext):
    """Keeps budgets, answers, questionnaire indicators and their aanleverstatus up to date, one stage per tick."""
    home = DivobenchHome.from_env()
    try:
        registry = load_registry(home.participants_file)
    except RegistryError as exc:
        return dg.SkipReason(f"participants.yaml is not valid: {exc}")
    running = context.instance.get_run_records(dg.RunsFilter(statuses=IN_FLIGHT), limit=50)
    if any(record.dagster_run.job_name in WAIT_FOR for record in running):
        return dg.SkipReason("waiting for a run of this pipeline to finish")
    planned = read_warehouse_now(home, lambda con: plan_questionnaires(home, registry, con))
    if isinstance(planned, dg.SkipReason):
        if not (home.inbox_of("_budget").is_dir() and any(home.inbox_of("_budget").iterdir())):
            return planned
        planned = plan_questionnaires(home, registry, None)
    if not planned:
        return dg.SkipReason("questionnaires and budgets are up to date")
    return [dg.RunRequest(run_key=f"{p.job}:{p.content}", job_name=p.job,
                          tags={**(partition_range_tags(p.start, p.end) if p.start else {}), **MONITORED})
            for p in planned]
