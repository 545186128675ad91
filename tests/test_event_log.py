"""The embedded instance's event log (``orchestration/event_log.py``): Dagster's SQLite files in the standard place,
written over connections kept open, readable by any other Dagster process as a standard instance."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.orchestration.event_log import MAX_OPEN_SHARDS, PooledSqliteEventLogStorage
from divobench_pipeline.orchestration.instance import dagster_instance

MONTHS = dg.StaticPartitionsDefinition(["2026-01", "2026-02", "2026-03"])


@dg.asset(partitions_def=MONTHS, backfill_policy=dg.BackfillPolicy.single_run())
def counted(context):
    return dg.MaterializeResult(metadata={"partitions": len(context.partition_keys)})


def _materialize_all(instance: dg.DagsterInstance) -> str:
    job = dg.Definitions(assets=[counted]).get_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=instance, tags={
        "dagster/asset_partition_range_start": "2026-01", "dagster/asset_partition_range_end": "2026-03"})
    assert result.success
    return result.run_id


def test_the_data_directory_instance_writes_its_event_log_over_open_connections(tmp_path):
    home = DivobenchHome(tmp_path / "home").prepare()
    instance = dagster_instance(home)
    storage = instance.event_log_storage
    assert isinstance(storage, PooledSqliteEventLogStorage)
    assert storage._base_dir == str((home.dagster_home / "history" / "runs").resolve())

    run_id = _materialize_all(instance)

    assert (home.dagster_home / "history" / "runs" / f"{run_id}.db").exists()
    assert sorted(storage._engines) == sorted([run_id, "index"])
    materialized = instance.get_materialized_partitions(counted.key)
    assert materialized == {"2026-01", "2026-02", "2026-03"}


def test_what_it_writes_is_read_by_dagster_own_sqlite_storage_in_another_process(tmp_path):
    home = DivobenchHome(tmp_path / "home").prepare()
    run_id = _materialize_all(dagster_instance(home))
    base_dir = str(home.dagster_home / "history" / "runs")
    code = ("import sys; from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage; "
            "s = SqliteEventLogStorage(sys.argv[1]); "
            "print(sum(1 for e in s.get_logs_for_run(sys.argv[2]) if e.dagster_event and "
            "e.dagster_event.event_type_value == 'ASSET_MATERIALIZATION'))")
    done = subprocess.run([sys.executable, "-c", code, base_dir, run_id], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "3"
    assert isinstance(SqliteEventLogStorage(base_dir), SqliteEventLogStorage)


def test_it_keeps_at_most_a_bounded_number_of_shards_open(tmp_path):
    home = DivobenchHome(tmp_path / "home").prepare()
    instance = dagster_instance(home)
    run_ids = [_materialize_all(instance) for _ in range(MAX_OPEN_SHARDS + 2)]
    storage = instance.event_log_storage
    assert len(storage._engines) == MAX_OPEN_SHARDS
    assert run_ids[-1] in storage._engines and run_ids[0] not in storage._engines
    assert len(instance.get_run_records()) == len(run_ids)
    for run_id in run_ids[:2]:  # closed shards reopen on demand
        assert any(e.dagster_event_type == dg.DagsterEventType.RUN_SUCCESS for e in instance.all_logs(run_id))


@dg.asset(partitions_def=MONTHS, backfill_policy=dg.BackfillPolicy.single_run())
def failing(context):
    raise dg.Failure("the upload of this month is broken")


def test_a_batch_of_partition_events_keeps_each_partition_and_its_status(tmp_path):
    """Planned and materialization events of a single-run backfill arrive as one batch: every partition still has
    its own materialization with its partition tag, and a failed run marks each planned partition failed."""
    home = DivobenchHome(tmp_path / "home").prepare()
    instance = dagster_instance(home)
    run_id = _materialize_all(instance)
    records = instance.fetch_materializations(counted.key, limit=10).records
    assert sorted(r.partition_key for r in records) == ["2026-01", "2026-02", "2026-03"]
    assert {r.run_id for r in records} == {run_id}
    planned = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED).records
    assert sorted(r.partition_key for r in planned) == ["2026-01", "2026-02", "2026-03"]

    job = dg.Definitions(assets=[failing]).get_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=instance, raise_on_error=False, tags={
        "dagster/asset_partition_range_start": "2026-01", "dagster/asset_partition_range_end": "2026-02"})
    assert not result.success
    status = instance.get_status_by_partition(failing.key, ["2026-01", "2026-02", "2026-03"], MONTHS)
    assert {k: v and v.value for k, v in status.items()} == {"2026-01": "FAILED", "2026-02": "FAILED",
                                                             "2026-03": None}
