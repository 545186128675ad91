"""`divobench serve`: the real Dagster webserver and daemon on the data directory, with the upload sensor live."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from divobench_pipeline.demo.generator import UploadSpec, generate_uploads
from divobench_pipeline.participants import write_registry
from divobench_pipeline.uploads.intake import PARALLEL_FROM_FILES

EXAMPLE = Path(__file__).parent / "fixtures" / "bus" / "bus_voorbeeld.xml"
START_TIMEOUT = 90
PIPELINE_TIMEOUT = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(1)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def processes_of(root: Path) -> list[int]:
    """Processes whose environment points at this data directory."""
    marker = f"DIVOBENCH_HOME={root}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def indicator_months(warehouse: Path) -> tuple[int, int]:
    """(months with indicators of both participants, months with any), (0, 0) while absent or busy."""
    if not warehouse.exists():
        return 0, 0
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute("SELECT count(*) FILTER (WHERE units = 2), count(*) FROM (SELECT month, "
                               "count(DISTINCT unit) AS units FROM indicator_value WHERE level = 'participant' "
                               "GROUP BY month)").fetchone()
    except duckdb.Error:
        return 0, 0


@pytest.mark.slow
def test_serve_runs_webserver_and_daemon_whose_sensor_processes_the_inbox(tmp_path):
    root = tmp_path / "home"
    root.mkdir()
    write_registry(root / "participants.yaml", [
        {"id": "GM0363", "name": "Amsterdam", "gemeenten": ["GM0363"]},
        {"id": "SV-ISD-BOLLENSTREEK", "name": "ISD Bollenstreek", "gemeenten": ["GM0534", "GM0553"]}])
    generated = generate_uploads(tmp_path / "generated", [UploadSpec("GM0363", ("GM0363",)), UploadSpec(
        "SV-ISD-BOLLENSTREEK", ("GM0534", "GM0553"))], [dt.date(2026, m, 1) for m in (5, 6, 7, 8)], scale=0.01)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIVOBENCH_", "DAGSTER_"))}
    env["DIVOBENCH_HOME"] = str(root)
    log = open(tmp_path / "serve.log", "w")
    serve = subprocess.Popen([sys.executable, "-m", "divobench_pipeline", "serve", "--port", str(port)], env=env,
                             cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        def server_info():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as response:
                    return json.load(response)
            except OSError:
                return None

        assert "dagster_webserver_version" in wait_for(server_info, START_TIMEOUT, "the webserver")
        query = json.dumps({"query": "{ assetNodes { assetKey { path } } }"}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=query,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            nodes = json.load(response)["data"]["assetNodes"]
        assert {node["assetKey"]["path"][0] for node in nodes} == {
            "bus_uploads", "bus_staged", "wi_indicatoren",
            "cbs_gebieden", "cbs_referentiegroepen", "cbs_bevolking", "cbs_bijstand", "gemeente_versies"}

        files = [(upload.participant_id, upload.path) for upload in generated] + [("GM0363", EXAMPLE)]
        assert len(files) >= PARALLEL_FROM_FILES
        for participant_id, path in files:
            (root / "inbox" / participant_id).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, root / "inbox" / participant_id / path.name)
        wait_for(lambda: indicator_months(root / "warehouse.duckdb") == (4, 5), PIPELINE_TIMEOUT,
                 "the sensor and daemon to take five months of uploads of two participants through to indicators")
        assert not [p for p in (root / "inbox").rglob("*") if p.is_file()]
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        finally:
            if serve.poll() is None:
                serve.kill()
            log.close()
    wait_for(lambda: not processes_of(root), 30, "every process serve started to stop")
