"""The production instance configuration (deploy/dagster.yaml) against a real, throwaway PostgreSQL cluster:
its storage section as written, with the local run launcher in place of Kubernetes (not available here)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import dagster as dg
import pytest
import yaml
from processes import free_port
from test_pipeline import EXAMPLE, EXAMPLE_VALUES, PARTICIPANTS, drop, query

from divobench_pipeline.core.participants import write_registry
from divobench_pipeline.orchestration.refresh import refresh

DEPLOY_YAML = Path(__file__).parent.parent / "deploy" / "dagster.yaml"


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    return Path(shutil.which("initdb")).parent if shutil.which("initdb") else None


@pytest.fixture
def postgres():
    """A PostgreSQL cluster in a temporary directory on a free port (as user postgres when we are root)."""
    bindir = postgres_bin()
    if bindir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL (initdb) is not installed; .ci/run installs it on a fresh machine.")
        pytest.skip("PostgreSQL binaries are not installed (apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="divobench-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", free_port()

    def pg(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    pg(str(bindir / "initdb"), "-D", str(data), "-U", "dagster", "--auth=trust", "-E", "UTF8")
    pg(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "postgres.log"), "-w", "-o",
       f"-p {port} -k {base} -c listen_addresses=127.0.0.1", "start")
    try:
        pg(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "dagster", "dagster")
        yield {"DAGSTER_PG_HOST": "127.0.0.1", "DAGSTER_PG_PORT": str(port), "DAGSTER_PG_DB": "dagster",
               "DAGSTER_PG_USERNAME": "dagster", "DAGSTER_PG_PASSWORD": "unused-with-trust"}
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def test_the_production_storage_configuration_runs_the_pipeline_on_postgresql(home, postgres, monkeypatch, tmp_path):
    for name, value in postgres.items():
        monkeypatch.setenv(name, value)
    config = yaml.safe_load(DEPLOY_YAML.read_text())
    assert config["run_launcher"]["class"] == "K8sRunLauncher"
    assert config["concurrency"]["pools"]["default_limit"] == 1
    del config["run_launcher"]
    dagster_home = tmp_path / "dagster_pg"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text(yaml.safe_dump(config))

    write_registry(home.participants_file, PARTICIPANTS)
    drop(home, "GM0363", EXAMPLE)
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        outcome = refresh(home, instance)
        assert outcome.success
        jobs = [run.job for run in outcome.runs]
        assert jobs == ["bus_intake_job", "cbs_kerncijfers_job", "bus_staging_job", "cbs_job", "indicator_job",
                        "report_job"]

    import psycopg2

    with psycopg2.connect(host="127.0.0.1", port=postgres["DAGSTER_PG_PORT"], user="dagster",
                          dbname="dagster") as con, con.cursor() as cursor:
        cursor.execute("SELECT pipeline_name, status FROM runs ORDER BY create_timestamp")
        assert cursor.fetchall() == [(job, "SUCCESS") for job in jobs]
        cursor.execute("SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION' "
                       "AND asset_key LIKE '%wi_indicatoren%'")
        assert cursor.fetchone()[0] == 1
    values = dict(query(home, "SELECT indicator, value FROM indicator_value WHERE unit = 'GM0363' "
                              "AND level = 'gemeente' AND indicator LIKE 'wi.%' "
                              "AND indicator != 'wi.bijstandsdichtheid.pw'"))
    assert values == {code: value for code, (_, _, value) in EXAMPLE_VALUES.items()}
