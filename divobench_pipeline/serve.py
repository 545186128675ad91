"""``divobench serve``: the Dagster webserver, daemon and code server on the data directory's instance."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from divobench_pipeline.core.home import DivobenchHome

STOP_GRACE_SECONDS = 30


def serve(home: DivobenchHome, host: str, port: int) -> int:
    """``dagster dev`` (webserver, daemon, code server) in a session of its own, until it ends; its exit status.

    SIGTERM or Ctrl-C stops the whole session, and whatever is left of it ``STOP_GRACE_SECONDS`` later is killed:
    Dagster's dev process now and then misses the signal and then waits for ever on children that stopped."""
    env = {**os.environ, "DIVOBENCH_HOME": str(home.root), "DAGSTER_HOME": str(home.dagster_home)}
    command = [sys.executable, "-m", "dagster", "dev", "-m", "divobench_pipeline.definitions",
               "--host", host, "--port", str(port)]
    process = subprocess.Popen(command, env=env, cwd=home.root, start_new_session=True)
    stop_asked: list[float] = []

    def stop(signum, frame):
        stop_asked.append(time.monotonic())
        os.killpg(process.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"Dagster UI on http://{host}:{port} (data directory {home.root}); Ctrl-C stops it.")
    try:
        while process.poll() is None:
            if stop_asked and time.monotonic() - stop_asked[0] > STOP_GRACE_SECONDS:
                os.killpg(process.pid, signal.SIGKILL)
            time.sleep(0.2)
        return process.returncode
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
