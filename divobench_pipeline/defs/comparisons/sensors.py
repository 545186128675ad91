"""The deadline sensor: once a month's upload deadline has passed, its group values become definitief."""

import datetime as dt

import dagster as dg
import duckdb

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.warehouse import has_table
from divobench_pipeline.defs.comparisons.jobs import group_value_job
from divobench_pipeline.orchestration.partitions import deadline_sql
from divobench_pipeline.orchestration.warehouse_reads import read_warehouse_now


def months_past_deadline(con: duckdb.DuckDBPyConnection, today: dt.date) -> list[dt.date]:
    """Months whose group values are still voorlopig although their deadline has passed."""
    if not has_table(con, "group_value"):
        return []
    rows = con.execute(f"""
        SELECT DISTINCT month FROM group_value
        WHERE status = 'voorlopig' AND ?::DATE > {deadline_sql("month")}
        ORDER BY month""", [today]).fetchall()
    return [month for (month,) in rows]


@dg.sensor(jobs=[group_value_job], minimum_interval_seconds=3600, default_status=dg.DefaultSensorStatus.RUNNING)
def group_deadline_sensor(context: dg.SensorEvaluationContext):
    """Re-runs a month's group values once after its deadline (four weeks after the month ends), so that
    their status flips from voorlopig to definitief."""
    months = read_warehouse_now(DivobenchHome.from_env(), lambda con: months_past_deadline(con, dt.date.today()))
    if isinstance(months, dg.SkipReason):
        return months
    if not months:
        return dg.SkipReason("no month passed its deadline since the last run")
    return [dg.RunRequest(run_key=f"definitief:{month.isoformat()}", job_name=group_value_job.name,
                          partition_key=month.isoformat()) for month in months]
