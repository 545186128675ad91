"""Helpers for tests that run divobench as real processes: free ports, waiting, the webserver's GraphQL API."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

START_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float, what: str, interval: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
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


def clean_env(root: Path) -> dict[str, str]:
    """This process's environment without divobench/Dagster settings, pointed at data directory ``root``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIVOBENCH_", "DAGSTER_"))}
    env["DIVOBENCH_HOME"] = str(root)
    return env


def divobench(root: Path, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the command line as a subprocess on data directory ``root``."""
    result = subprocess.run([sys.executable, "-m", "divobench_pipeline", *args], env=clean_env(root), cwd=root,
                            capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        pytest.fail(f"divobench {' '.join(args)} exited {result.returncode}: {result.stderr}")
    return result


class Service:
    """A running ``divobench serve`` (webserver + daemon) and its GraphQL endpoint."""

    def __init__(self, port: int, process: subprocess.Popen):
        self.port = port
        self.process = process

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/graphql", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.load(response)
        if answer.get("errors"):
            pytest.fail(f"GraphQL errors: {answer['errors']}")
        return answer["data"]

    def server_info(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/server_info", timeout=2) as response:
                return json.load(response)
        except OSError:
            return None

    def runs(self) -> list[dict]:
        data = self.graphql("{ runsOrError { ... on Runs { results { runId jobName status tags { key value } } } } }")
        return data["runsOrError"]["results"]


@contextmanager
def serving(root: Path, log_path: Path, env: dict[str, str] | None = None):
    """``divobench serve`` on a free port for data directory ``root`` (``env``: extra settings); stopped by
    process id afterwards."""
    port = free_port()
    log = open(log_path, "w")
    process = subprocess.Popen([sys.executable, "-m", "divobench_pipeline", "serve", "--port", str(port)],
                               env={**clean_env(root), **(env or {})}, cwd=root.parent, stdout=log,
                               stderr=subprocess.STDOUT)
    service = Service(port, process)
    try:
        assert "dagster_webserver_version" in wait_for(service.server_info, START_TIMEOUT, "the webserver")
        yield service
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
            log.close()
        wait_for(lambda: not processes_of(root), 30, "every process serve started to stop")
