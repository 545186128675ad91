"""Crash safety: a refresh killed (SIGKILL) while it writes the warehouse leaves no partial partition, its run
does not block anything, the next refresh completes the work, and a further refresh changes nothing."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys

import dagster as dg
import duckdb
import pytest
from processes import clean_env, divobench, wait_for

from divobench_pipeline.core.participants import write_registry
from divobench_pipeline.demo.generator import UploadSpec, generate_uploads

MONTH = dt.date(2026, 9, 1)
TABLES = ("bus_uitkering", "bus_persoon", "bus_inkomsten", "bus_signalering", "bus_upload_in_force")


def warehouse_state(root) -> dict:
    """Per staged table: the uploads its rows of MONTH come from and the row count; plus indicator fingerprints."""
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        state = {table: list(con.execute(f"SELECT coalesce(list(DISTINCT upload_sha256 ORDER BY upload_sha256), []), "
                                    f"count(*) "
                                    f"FROM {table} WHERE month = ?", [MONTH]).fetchone()) for table in TABLES}
        state["fingerprints"] = con.execute("SELECT month, fingerprint FROM indicator_month_state "
                                            "ORDER BY month").fetchall()
        state["indicators"] = con.execute("SELECT count(*), sum(value) FROM indicator_value").fetchone()
    return state


def writer_holds_the_warehouse(root) -> bool:
    try:
        duckdb.connect(str(root / "warehouse.duckdb"), read_only=True).close()
        return False
    except duckdb.IOException as exc:
        return "lock" in str(exc).lower()


def staging_runs(root) -> list[dg.DagsterRun]:
    with dg.DagsterInstance.from_config(str(root / "dagster")) as instance:
        return [r.dagster_run for r in instance.get_run_records(dg.RunsFilter(job_name="bus_staging_job"))]


@pytest.mark.slow
def test_a_refresh_killed_while_writing_leaves_no_partial_partition_and_the_next_one_completes_it(tmp_path):
    root = tmp_path / "home"
    root.mkdir()
    write_registry(root / "participants.yaml", [{"id": "GM0363", "name": "Amsterdam", "gemeenten": ["GM0363"]}])
    spec = [UploadSpec("GM0363", ("GM0363",))]
    (small,) = generate_uploads(tmp_path / "small", spec, [MONTH], scale=0.02, seed=1)
    (large,) = generate_uploads(tmp_path / "large", spec, [MONTH], scale=1.0, seed=2)
    assert large.n_uitkeringen > 20 * small.n_uitkeringen

    divobench(root, "upload", "--participant", "GM0363", str(small.path))
    divobench(root, "refresh")
    before = warehouse_state(root)
    (small_sha,) = before["bus_upload_in_force"][0]
    assert before["bus_uitkering"] == [[small_sha], small.n_uitkeringen]

    divobench(root, "upload", "--participant", "GM0363", str(large.path))
    refresh = subprocess.Popen([sys.executable, "-m", "divobench_pipeline", "refresh"], env=clean_env(root),
                               cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: any(r.status == dg.DagsterRunStatus.STARTED for r in staging_runs(root)), 120,
                 "the staging run to start", interval=0.05)
        wait_for(lambda: writer_holds_the_warehouse(root) or refresh.poll() is not None, 120,
                 "the staging run to open the warehouse for writing", interval=0.01)
        refresh.send_signal(signal.SIGKILL)
        refresh.wait(timeout=30)
    finally:
        if refresh.poll() is None:
            refresh.kill()
    assert refresh.returncode == -signal.SIGKILL, "refresh finished before it could be killed"

    after_kill = warehouse_state(root)
    assert after_kill["bus_upload_in_force"][1] == 1
    (in_force,) = after_kill["bus_upload_in_force"][0]
    expected = small.n_uitkeringen if in_force == small_sha else large.n_uitkeringen
    for table in TABLES[:-1]:
        assert after_kill[table][0] in ([in_force], []), f"{table} mixes uploads after the kill"
    assert after_kill["bus_uitkering"][1] == expected
    (killed,) = [r for r in staging_runs(root) if r.status == dg.DagsterRunStatus.STARTED]

    completed = divobench(root, "refresh")
    assert "FAILED" not in completed.stdout
    assert {r.run_id: r.status for r in staging_runs(root)}[killed.run_id] == dg.DagsterRunStatus.FAILURE
    done = warehouse_state(root)
    (large_sha,) = done["bus_upload_in_force"][0]
    assert large_sha != small_sha
    assert done["bus_uitkering"] == [[large_sha], large.n_uitkeringen]
    assert done["bus_persoon"] == [[large_sha], large.n_personen]
    assert done["fingerprints"] != before["fingerprints"]

    runs_before = len(staging_runs(root))
    again = divobench(root, "refresh")
    assert again.stdout.strip() == "Everything is up to date."
    assert warehouse_state(root) == done and len(staging_runs(root)) == runs_before

    divobench(root, "upload", "--participant", "GM0363", str(large.path))
    assert divobench(root, "refresh").stdout.strip() == "Everything is up to date."
    assert warehouse_state(root) == done
