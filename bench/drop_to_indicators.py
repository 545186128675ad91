"""Benchmark: 14 BUS uploads dropped into the inbox at once under `divobench serve`, until indicators and group
values of every participant-month are in the warehouse (issue 9: within 90 s on a 2-core machine).

Starts `divobench serve` on a free port for a fresh data directory (7 participants, 2 months, CBS offline),
waits until the webserver answers, the sensor has ticked and no run is under way, copies the 14 files into
`inbox/<participant>/`, and polls the warehouse read-only. Prints the seconds from the drop to complete
indicators and group values, then stops the service by its process id.

    .venv/bin/python bench/drop_to_indicators.py [--keep DIR] [--timeout 400]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import duckdb

PARTICIPANTS = ["GM0014", "GM0034", "GM0153", "GM0193", "GM0200", "GM0202", "GM0268"]
MONTHS = [dt.date(2026, 8, 1), dt.date(2026, 9, 1)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as response:
            return "dagster_webserver_version" in json.load(response)
    except OSError:
        return False


def graphql(port: int, query: str) -> dict | None:
    """The ``data`` of a GraphQL query to the webserver, None while it does not answer."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["data"]
    except (OSError, KeyError, TypeError):
        return None


def sensor_ticked(port: int) -> bool:
    data = graphql(port, "{ repositoriesOrError { ... on RepositoryConnection { nodes { sensors { name "
                         "sensorState { ticks(limit: 1) { status } } } } } } }")
    nodes = ((data or {}).get("repositoriesOrError") or {}).get("nodes") or []
    return any(s["name"] == "bus_upload_sensor" and s["sensorState"]["ticks"] for n in nodes for s in n["sensors"])


def idle(port: int) -> bool:
    """The sensor has ticked and no run is queued or under way (e.g. the CBS kerncijfers loaded at start)."""
    data = graphql(port, "{ runsOrError { ... on Runs { results { status } } } }")
    if data is None or "results" not in (data.get("runsOrError") or {}):
        return False
    runs = data["runsOrError"]["results"]
    return sensor_ticked(port) and all(run["status"] in ("SUCCESS", "FAILURE", "CANCELED") for run in runs)


def complete(warehouse: Path) -> bool:
    """Indicators of every participant-month and group values of every month."""
    if not warehouse.exists():
        return False
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            units = con.execute("SELECT count(DISTINCT (month, unit)) FROM indicator_value "
                                "WHERE level = 'participant' AND month IN (SELECT unnest(?::DATE[]))",
                                [MONTHS]).fetchone()[0]
            months = con.execute("SELECT count(DISTINCT month) FROM group_value WHERE month IN "
                                 "(SELECT unnest(?::DATE[]))", [MONTHS]).fetchone()[0]
    except duckdb.Error:
        return False
    return units == len(PARTICIPANTS) * len(MONTHS) and months == len(MONTHS)


def wait(condition, timeout: float, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="data directory to use and keep (default: a temporary one)")
    parser.add_argument("--timeout", type=float, default=400)
    args = parser.parse_args()
    from divobench_pipeline.core.participants import write_registry
    from divobench_pipeline.demo.generator import UploadSpec, generate_uploads

    base = args.keep or Path(tempfile.mkdtemp(prefix="divobench-drop-"))
    root = base / "home"
    root.mkdir(parents=True)
    write_registry(root / "participants.yaml", [{"id": p, "name": p, "gemeenten": [p]} for p in PARTICIPANTS])
    generated = generate_uploads(base / "generated", [UploadSpec(p, (p,)) for p in PARTICIPANTS], MONTHS,
                                 scale=0.01)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIVOBENCH_", "DAGSTER_"))}
    env.update(DIVOBENCH_HOME=str(root), DIVOBENCH_CBS_MODE="offline")
    port = free_port()
    log = open(base / "serve.log", "w")
    service = subprocess.Popen([sys.executable, "-m", "divobench_pipeline", "serve", "--port", str(port)],
                               env=env, cwd=base, stdout=log, stderr=subprocess.STDOUT)
    try:
        if not (wait(lambda: answers(port), 120) and wait(lambda: idle(port), 180, interval=2)):
            print("divobench serve did not come up; see", base / "serve.log", file=sys.stderr)
            return 1
        started = time.monotonic()
        for upload in generated:
            inbox = root / "inbox" / upload.participant_id
            inbox.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(upload.path, inbox / f".{upload.path.name}")
            os.replace(inbox / f".{upload.path.name}", inbox / upload.path.name)
        done = wait(lambda: complete(root / "warehouse.duckdb"), args.timeout)
        seconds = time.monotonic() - started
    finally:
        service.send_signal(signal.SIGTERM)
        try:
            service.wait(timeout=60)
        except subprocess.TimeoutExpired:
            service.kill()
        log.close()
    if not done:
        print(f"not complete after {args.timeout:.0f} s; see {base / 'serve.log'}", file=sys.stderr)
        return 1
    print(f"{len(generated)} uploads: inbox to indicators and group values in {seconds:.1f} s")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
