"""The data directory (``$DIVOBENCH_HOME``): everything a deployment owns, and the two keys it needs."""

from __future__ import annotations

import json
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from divobench_pipeline.core.settings import (  # noqa: F401 - the names of the settings, for callers
    ARCHIVE_KEY_ENV,
    HOME_ENV,
    INTAKE_WORKERS_ENV,
    MAX_UPLOAD_MB_ENV,
    PSEUDONYM_KEY_ENV,
    settings,
)

DAGSTER_YAML = """\
# Written by divobench. One run at a time writes the DuckDB warehouse (DuckDB allows a single writer).
concurrency:
  pools:
    default_limit: 1
  runs:
    max_concurrent_runs: 2
# Queued runs start within a second of their slot freeing (the default looks every five).
run_queue:
  dequeue_interval_seconds: 1
# Fail runs stuck starting or cancelling, and runs past their dagster/max_runtime tag (the sensor sets it).
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  cancel_timeout_seconds: 180
  max_resume_run_attempts: 0
  poll_interval_seconds: 60
  free_slots_after_run_end_seconds: 300
# A failed run is retried once by the daemon: every stage is idempotent. After that the sensor asks again when
# the content it reads changes, or after `divobench retry`.
run_retries:
  enabled: true
  max_retries: 1
telemetry:
  enabled: false
# No newsletter pop-up in the UI of a fresh instance.
nux:
  enabled: false
# Dagster's SQLite event log in the standard place, keeping its connections open (see orchestration/event_log.py).
event_log_storage:
  module: divobench_pipeline.orchestration.event_log
  class: PooledSqliteEventLogStorage
  config:
    base_dir: {event_logs}
"""


@dataclass(frozen=True)
class DivobenchHome:
    """Paths inside one data directory."""

    root: Path

    @classmethod
    def from_env(cls) -> DivobenchHome:
        return cls(settings().home)

    @property
    def participants_file(self) -> Path:
        return self.root / "participants.yaml"

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    def inbox_of(self, participant_id: str) -> Path:
        return self.inbox / participant_id

    @property
    def archive(self) -> Path:
        """Every upload exactly as received, encrypted, named by the sha256 of its content."""
        return self.root / "archive"

    @property
    def receipts(self) -> Path:
        """One JSON receipt per received upload: who, when, which content, verdict."""
        return self.root / "uploads"

    @property
    def staging(self) -> Path:
        """Parsed, pseudonymised accepted uploads (Parquet), waiting to be staged into the warehouse."""
        return self.root / "staging"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def dagster_home(self) -> Path:
        return settings().dagster_home or self.root / "dagster"

    @property
    def max_upload_bytes(self) -> int:
        return int(settings().max_upload_mb * 1024 * 1024)

    @property
    def intake_workers(self) -> int:
        return settings().intake_workers

    def prepare(self) -> DivobenchHome:
        """Create the directory layout, the Dagster instance configuration and any missing key."""
        for path in (self.inbox, self.archive, self.receipts, self.staging, self.quarantine, self.reports):
            path.mkdir(parents=True, exist_ok=True)
        dagster_home = self.dagster_home
        dagster_home.mkdir(parents=True, exist_ok=True)
        dagster_yaml = dagster_home / "dagster.yaml"
        if not dagster_yaml.exists():
            event_logs = (dagster_home / "history" / "runs").resolve()
            dagster_yaml.write_text(DAGSTER_YAML.format(event_logs=json.dumps(str(event_logs))))
        for env in (PSEUDONYM_KEY_ENV, ARCHIVE_KEY_ENV):
            ensure_key(self, env)
        return self



def ensure_key(home: DivobenchHome, env: str) -> bytes:
    """The key named by ``env``: from the environment, else from ``keys/`` (created once, owner-only)."""
    value = {PSEUDONYM_KEY_ENV: settings().pseudonym_key, ARCHIVE_KEY_ENV: settings().archive_key}[env]
    if not value:
        path = home.keys / f"{env.lower()}.key"
        if not path.exists():
            home.keys.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            print(f"divobench: {env} is not set; created a new key in {path} (owner-only). "
                  "Back it up: see the README, 'Keys'.", file=sys.stderr)
        value = path.read_text().strip()
        os.environ[env] = value
    return decode_key(env, value)


def decode_key(env: str, value: str) -> bytes:
    try:
        key = bytes.fromhex(value.strip())
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ValueError(f"{env} must be 64 hexadecimal characters (a 256-bit key).")
    return key
