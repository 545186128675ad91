"""Runs that died: a run whose process was killed stays STARTED in the Dagster instance and would make the
upload sensor wait for ever. Runs started by ``divobench refresh`` carry the identity of their process; a
STARTED run whose process is gone is marked failed, so the next refresh or sensor tick redoes its work
(the warehouse never saw a partial partition: every partition is written in one transaction).

Runs the daemon launches are watched by Dagster's run monitoring (``run_monitoring`` in ``dagster.yaml``):
a run stuck starting or cancelling is failed after a timeout, and one running longer than ``MAX_RUNTIME``
seconds (the ``dagster/max_runtime`` tag the sensor sets) is failed too.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import dagster as dg

PROCESS_TAG = "divobench/process"
MAX_RUNTIME = 6 * 3600
MONITORED = {"dagster/max_runtime": str(MAX_RUNTIME)}
_ALIVE_STATUSES = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


def process_identity(pid: int | None = None) -> str | None:
    """``host:pid:start-time`` of a process (the start time makes a reused pid a different process)."""
    pid = pid or os.getpid()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return f"{socket.gethostname()}:{pid}:{fields[19]}"


def process_tags() -> dict[str, str]:
    """Tags for a run executed in this process."""
    identity = process_identity()
    return {PROCESS_TAG: identity} if identity else {}


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed every STARTED run of this host whose process no longer exists, and give back the
    ``duckdb_write`` pool slot it held (else every later writer waits for it); returns their run ids."""
    failed = []
    host = socket.gethostname()
    for record in instance.get_run_records(dg.RunsFilter(statuses=_ALIVE_STATUSES)):
        run = record.dagster_run
        identity = run.tags.get(PROCESS_TAG, "")
        if not identity.startswith(f"{host}:"):
            continue
        pid = int(identity.split(":")[1])
        if process_identity(pid) != identity:
            instance.report_run_failed(run, f"The process that ran this run ({identity}) is gone (killed or "
                                            "crashed); divobench marked the run failed so its work is redone.")
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            failed.append(run.run_id)
    return failed
