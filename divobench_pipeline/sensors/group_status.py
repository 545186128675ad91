"""The deadline sensor: once a month's upload deadline has passed, its group values become definitief."""

import datetime as dt

import dagster as dg
import duckdb

from divobench_pipeline.comparisons.groups import DEADLINE_DAYS
from divobench_pipeline.home import DivobenchHome
from divobench_pipeline.jobs import group_value_job
from divobench_pipeline.resources.warehouse import open_warehouse


def months_past_deadline(con: duckdb.DuckDBPyConnection, today: dt.date) -> list[dt.date]:
    """Months whose group values are still voorlopig although their deadline has passed."""
    rows = con.execute(f"""
        SELECT DISTINCT month FROM group_value
        WHERE status = 'voorlopig' AND ?::DATE > month + INTERVAL 1 MONTH + INTERVAL {DEADLINE_DAYS - 1} DAY
        ORDER BY month""", [today]).fetchall()
    return [month for (month,) in rows]


@dg.sensor(jobs=[group_value_job], minimum_interval_seconds=3600, default_status=dg.DefaultSensorStatus.RUNNING)
def group_deadline_sensor(context: dg.SensorEvaluationContext):
    """Re-runs a month's group values once after its deadline (four weeks after the month ends), so that
    their status flips from voorlopig to definitief."""
    home = DivobenchHome.from_env()
    if not home.warehouse.exists():
        return dg.SkipReason("no warehouse yet")
    try:
        con = open_warehouse(str(home.warehouse), read_only=True, lock_wait_seconds=0)
    except duckdb.IOException:
        return dg.SkipReason("the warehouse is in use; trying again next tick")
    try:
        months = months_past_deadline(con, dt.date.today())
    except duckdb.CatalogException:
        return dg.SkipReason("no group values yet")
    finally:
        con.close()
    if not months:
        return dg.SkipReason("no month passed its deadline since the last run")
    return [dg.RunRequest(run_key=f"definitief:{month.isoformat()}", job_name=group_value_job.name,
                          partition_key=month.isoformat()) for month in months]
