"""Every ``DIVOBENCH_*`` setting, read from the environment in one place.

``settings()`` parses the environment once per distinct set of values (a test or a command that points
``DIVOBENCH_HOME`` elsewhere gets settings for that directory); nothing else in divobench reads these variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HOME_ENV = "DIVOBENCH_HOME"
PSEUDONYM_KEY_ENV = "DIVOBENCH_PSEUDONYM_KEY"
ARCHIVE_KEY_ENV = "DIVOBENCH_ARCHIVE_KEY"
MAX_UPLOAD_MB_ENV = "DIVOBENCH_MAX_UPLOAD_MB"
INTAKE_WORKERS_ENV = "DIVOBENCH_INTAKE_WORKERS"
CBS_MODE_ENV = "DIVOBENCH_CBS_MODE"
CBS_CATALOG_ENV = "DIVOBENCH_CBS_CATALOG_URL"
CBS_HTTPS_ENV = "DIVOBENCH_CBS_HTTPS"
SENSOR_SECONDS_ENV = "DIVOBENCH_SENSOR_SECONDS"
CBS_CHECK_SECONDS_ENV = "DIVOBENCH_CBS_CHECK_SECONDS"
DEBUG_ENV = "DIVOBENCH_DEBUG"
DEFAULT_MAX_UPLOAD_MB = 1024
"""A national month is ~380 MB of BUS XML (400,000 persons); a G4 month fits many times over. Uploads are
streamed, so the limit guards the disk, not memory."""
ONLINE, OFFLINE = "online", "offline"
_NAMES = (HOME_ENV, PSEUDONYM_KEY_ENV, ARCHIVE_KEY_ENV, MAX_UPLOAD_MB_ENV, INTAKE_WORKERS_ENV, CBS_MODE_ENV,
          CBS_CATALOG_ENV, CBS_HTTPS_ENV, SENSOR_SECONDS_ENV, CBS_CHECK_SECONDS_ENV, DEBUG_ENV, "DAGSTER_HOME")


@dataclass(frozen=True)
class Settings:
    """What the environment says; defaults where it says nothing."""

    home: Path
    dagster_home: Path | None
    pseudonym_key: str | None
    archive_key: str | None
    max_upload_mb: float
    intake_workers: int
    cbs_mode: str
    cbs_catalog_url: str
    cbs_https: bool
    sensor_seconds: int
    cbs_check_seconds: int
    debug: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        mode = (env.get(CBS_MODE_ENV) or ONLINE).strip().lower()
        if mode not in (ONLINE, OFFLINE):
            raise ValueError(f"{CBS_MODE_ENV} must be '{ONLINE}' or '{OFFLINE}', not {mode!r}.")
        return cls(
            home=Path(env.get(HOME_ENV) or Path.cwd() / "divobench_home").resolve(),
            dagster_home=Path(env["DAGSTER_HOME"]) if env.get("DAGSTER_HOME") else None,
            pseudonym_key=env.get(PSEUDONYM_KEY_ENV) or None,
            archive_key=env.get(ARCHIVE_KEY_ENV) or None,
            max_upload_mb=_number(env, MAX_UPLOAD_MB_ENV, DEFAULT_MAX_UPLOAD_MB, float),
            intake_workers=max(1, _number(env, INTAKE_WORKERS_ENV, os.cpu_count() or 1, int)),
            cbs_mode=mode,
            cbs_catalog_url=env.get(CBS_CATALOG_ENV) or "opendata.cbs.nl",
            cbs_https=(env.get(CBS_HTTPS_ENV) or "1").strip().lower() not in ("0", "false", "no"),
            sensor_seconds=max(1, _number(env, SENSOR_SECONDS_ENV, 5, int)),
            cbs_check_seconds=max(1, _number(env, CBS_CHECK_SECONDS_ENV, 30 * 24 * 3600, int)),
            debug=bool(env.get(DEBUG_ENV)),
        )


def _number(env: Mapping[str, str], name: str, default, kind):
    value = env.get(name)
    if not value:
        return default
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {value!r}.") from None


def settings() -> Settings:
    """The settings of the current environment (parsed once per distinct environment)."""
    return _parsed(tuple((name, os.environ.get(name)) for name in _NAMES))


@cache
def _parsed(values: tuple[tuple[str, str | None], ...]) -> Settings:
    return Settings.from_env({name: value for name, value in values if value is not None})
