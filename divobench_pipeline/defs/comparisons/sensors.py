"""The deadline sensor: once a month's upload deadline has passed, its group values become definitief."""

import datetime as dt

import dagster as dg
import duckdb

from divobench_pipeline.core.months import deadline_sql
from divobench_pipeline.core.warehouse import has_table
from divobench_pipeline.defs.comparisons.jobs import group_value_job
from divobench_pipeline.orchestration.pipeline import launches, retry_generation
from divobench_pipeline.orchestration.plan import PlannedRun, content_digest
from divobench_pipeline.orchestration.resources import DivobenchHomeResource
from divobench_pipeline.orchestration.warehouse_reads import read_warehouse_now


def months_past_deadline(con: duckdb.DuckDBPyConnection, today: dt.date) -> list[tuple[dt.date, str | None]]:
    """(month, fingerprint of its indicators) of months whose group values are still voorlopig although their
    deadline has passed."""
    if not has_table(con, "group_value"):
        return []
    return con.execute(f"""
        SELECT DISTINCT g.month, s.fingerprint FROM group_value g LEFT JOIN indicator_month_state s USING (month)
        WHERE g.status = 'voorlopig' AND ?::DATE > {deadline_sql("g.month")}
        ORDER BY g.month""", [today]).fetchall()


@dg.sensor(jobs=[group_value_job], minimum_interval_seconds=3600, default_status=dg.DefaultSensorStatus.RUNNING)
def group_deadline_sensor(context: dg.SensorEvaluationContext, divobench_home: DivobenchHomeResource):
    """Re-runs a month's group values once after its deadline (four weeks after the month ends), so that
    their status flips from voorlopig to definitief. Run key: the month and the fingerprint of its indicators."""
    months = read_warehouse_now(divobench_home.home, lambda con: months_past_deadline(con, dt.date.today()))
    if isinstance(months, dg.SkipReason):
        return months
    if not months:
        return dg.SkipReason("no month passed its deadline since the last run")
    generation = retry_generation(context.instance)
    return [dg.RunRequest(run_key=launch.run_key, job_name=group_value_job.name, partition_key=month.isoformat())
            for month, fingerprint in months
            for launch in launches(PlannedRun(group_value_job.name, content_digest("definitief", month, fingerprint)),
                                   (), generation)]
