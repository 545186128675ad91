"""`divobench serve`: the real Dagster webserver and daemon on the data directory, with the sensors live.

What a data team relies on without running `refresh`: files dropped into the inbox reach indicators and group
values; a corrected file for a month already delivered replaces it; a participants.yaml change recomputes the
months it touches; a run that failed (and failed again on the daemon's retry) is asked for again by
`divobench retry` once its cause is fixed, and not before.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest
from processes import divobench, serving, wait_for

from divobench_pipeline.core.archive import sha256_of
from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import write_registry
from divobench_pipeline.defs.bus_uploads.intake import PARALLEL_FROM_FILES, read_receipts
from divobench_pipeline.demo.generator import UploadSpec, generate_uploads

EXAMPLE = Path(__file__).parent / "fixtures" / "bus" / "bus_voorbeeld.xml"
PIPELINE_TIMEOUT = 300
STAGE_TIMEOUT = 120
SEPTEMBER = dt.date(2026, 9, 1)


def indicator_months(warehouse: Path) -> tuple[int, int]:
    """(months with indicators of both participants, months with any), (0, 0) while absent or busy."""
    found = read(warehouse, "SELECT count(*) FILTER (WHERE units = 2), count(*) FROM (SELECT month, "
                            "count(DISTINCT unit) AS units FROM indicator_value WHERE level = 'participant' "
                            "AND indicator LIKE 'wi.%' GROUP BY month)")
    return found[0] if found else (0, 0)


def read(warehouse: Path, sql: str, params=()) -> list[tuple] | None:
    """Rows of ``sql`` on a read-only connection; None while the warehouse is absent or a run holds it."""
    if not warehouse.exists():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(sql, list(params)).fetchall()
    except duckdb.Error:
        return None


def drop(root: Path, participant_id: str, source: Path) -> None:
    """Put a file into the inbox the way a transfer tool does: written under a hidden name, then renamed."""
    inbox = root / "inbox" / participant_id
    inbox.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, inbox / f".{source.name}")
    os.replace(inbox / f".{source.name}", inbox / source.name)


def lineage(warehouse: Path, unit: str, month: dt.date = SEPTEMBER) -> str | None:
    rows = read(warehouse, "SELECT upload_sha256 FROM indicator_lineage WHERE level = 'participant' AND unit = ? "
                           "AND month = ?", [unit, month])
    return rows[0][0] if rows else None


def staging_runs(service) -> list[str]:
    return [run["status"] for run in service.runs() if run["jobName"] == "bus_staging_job"]


@pytest.mark.slow
def test_serve_runs_webserver_and_daemon_whose_sensor_processes_the_inbox(tmp_path):
    root = tmp_path / "home"
    root.mkdir()
    write_registry(root / "participants.yaml", [
        {"id": "GM0363", "name": "Amsterdam", "gemeenten": ["GM0363"]},
        {"id": "SV-ISD-BOLLENSTREEK", "name": "ISD Bollenstreek", "gemeenten": ["GM0534", "GM0553"]}])
    generated = generate_uploads(tmp_path / "generated", [UploadSpec("GM0363", ("GM0363",)), UploadSpec(
        "SV-ISD-BOLLENSTREEK", ("GM0534", "GM0553"))], [dt.date(2026, m, 1) for m in (5, 6, 7, 8)], scale=0.01)
    with serving(root, tmp_path / "serve.log") as service:
        nodes = service.graphql("{ assetNodes { assetKey { path } } }")["assetNodes"]
        assert {node["assetKey"]["path"][0] for node in nodes} >= {"bus_uploads", "bus_staged", "wi_indicatoren",
                                                                   "wi_groepswaarden", "aanleverstatus",
                                                                   "cbs_gebieden", "gemeente_versies"}

        files = [(upload.participant_id, upload.path) for upload in generated] + [("GM0363", EXAMPLE)]
        assert len(files) >= PARALLEL_FROM_FILES
        for participant_id, path in files:
            drop(root, participant_id, path)
        wait_for(lambda: indicator_months(root / "warehouse.duckdb") == (4, 5), PIPELINE_TIMEOUT,
                 "the sensor and daemon to take five months of uploads of two participants through to indicators")
        assert not [p for p in (root / "inbox").rglob("*") if p.is_file()]


@pytest.mark.slow
def test_under_the_daemon_corrections_and_registry_changes_take_effect_and_a_failed_run_is_retried(tmp_path):
    root = tmp_path / "home"
    root.mkdir()
    registry = [{"id": "GM0363", "name": "Amsterdam", "gemeenten": ["GM0363"]},
                {"id": "GM0599", "name": "Rotterdam", "gemeenten": ["GM0599"]}]
    write_registry(root / "participants.yaml", registry)
    specs = [UploadSpec("GM0363", ("GM0363",)), UploadSpec("GM0599", ("GM0599",))]
    first = {u.participant_id: u for u in generate_uploads(tmp_path / "first", specs, [SEPTEMBER], scale=0.005)}
    (corrected,) = generate_uploads(tmp_path / "corrected", specs[:1], [SEPTEMBER], scale=0.007, seed=7)
    (late,) = generate_uploads(tmp_path / "late", specs[1:], [SEPTEMBER], scale=0.006, seed=8)
    warehouse = root / "warehouse.duckdb"

    with serving(root, tmp_path / "serve.log") as service:
        for upload in first.values():
            drop(root, upload.participant_id, upload.path)
        wait_for(lambda: indicator_months(warehouse) == (1, 1), PIPELINE_TIMEOUT, "the first delivery's indicators")
        assert lineage(warehouse, "GM0363") == sha256_of(first["GM0363"].path)

        # A corrected file for a participant-month already delivered: staged and recomputed, no refresh.
        drop(root, "GM0363", corrected.path)
        wait_for(lambda: lineage(warehouse, "GM0363") == sha256_of(corrected.path), STAGE_TIMEOUT,
                 "the correction to reach the indicators")
        assert read(warehouse, "SELECT count(*) FROM bus_uitkering WHERE participant_id = 'GM0363'") == [
            (corrected.n_uitkeringen,)]
        assert read(warehouse, "SELECT DISTINCT upload_sha256 FROM bus_persoon WHERE participant_id = 'GM0363'") == [
            (sha256_of(corrected.path),)]

        # participants.yaml changes what the month's group values rest on: a named selection appears.
        registry[0]["references"] = {"grote_steden": ["GM0599"]}
        write_registry(root / "participants.yaml", registry)
        wait_for(lambda: read(warehouse, "SELECT count(*) FROM group_value WHERE group_type = 'selectie'")
                 not in (None, [(0,)]), STAGE_TIMEOUT, "the registry change to recompute the group values")

        # A staging run that fails, and fails again on the daemon's retry, is not asked for again on its own.
        divobench(root, "upload", "--participant", "GM0599", str(late.path))
        receipt = read_receipts(DivobenchHome(root), "GM0599")[-1]
        assert receipt.sha256 == sha256_of(late.path)
        parquet = root / receipt.staging / "bus_uitkering.parquet"
        good = parquet.read_bytes()
        parquet.write_bytes(b"not parquet")
        wait_for(lambda: staging_runs(service).count("FAILURE") == 2, STAGE_TIMEOUT,
                 "the staging run and its retry to fail")
        time.sleep(15)
        assert staging_runs(service).count("FAILURE") == 2 and "STARTED" not in staging_runs(service)
        assert lineage(warehouse, "GM0599") == sha256_of(first["GM0599"].path)

        # Cause fixed; `divobench retry` asks for the work once more, and it goes through to the indicators.
        parquet.write_bytes(good)
        assert "Retry generation 1" in divobench(root, "retry").stdout
        wait_for(lambda: lineage(warehouse, "GM0599") == sha256_of(late.path), STAGE_TIMEOUT,
                 "the retried staging run to reach the indicators")
        assert read(warehouse, "SELECT count(*) FROM bus_uitkering WHERE participant_id = 'GM0599'") == [
            (late.n_uitkeringen,)]
        successes = staging_runs(service).count("SUCCESS")
        time.sleep(12)
        assert staging_runs(service).count("SUCCESS") == successes, "the same content launched a second run"
