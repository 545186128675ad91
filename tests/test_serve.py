"""`divobench serve`: the real Dagster webserver and daemon on the data directory, with the upload sensor live."""

from __future__ import annotations

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

from divobench_pipeline.participants import write_registry

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


def indicators_ready(warehouse: Path) -> bool:
    if not warehouse.exists():
        return False
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return bool(con.execute("SELECT count(*) FROM indicator_value WHERE unit = 'GM0363'").fetchone()[0])
    except duckdb.Error:
        return False


@pytest.mark.slow
def test_serve_runs_webserver_and_daemon_whose_sensor_processes_the_inbox(tmp_path):
    root = tmp_path / "home"
    root.mkdir()
    write_registry(root / "participants.yaml", [{"id": "GM0363", "name": "Amsterdam", "gemeenten": ["GM0363"]}])
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
        assert {node["assetKey"]["path"][0] for node in nodes} == {"bus_uploads", "bus_staged", "wi_indicatoren"}

        inbox = root / "inbox" / "GM0363"
        inbox.mkdir(parents=True)
        shutil.copyfile(EXAMPLE, inbox / EXAMPLE.name)
        wait_for(lambda: indicators_ready(root / "warehouse.duckdb"), PIPELINE_TIMEOUT,
                 "the sensor and daemon to take the upload through to indicators")
        assert not any(inbox.iterdir())
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        finally:
            if serve.poll() is None:
                serve.kill()
            log.close()
    wait_for(lambda: not processes_of(root), 30, "every process serve started to stop")
