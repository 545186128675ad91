"""The data directory as a Dagster resource, with the two secrets it needs."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from divobench_pipeline.home import ARCHIVE_KEY_ENV, PSEUDONYM_KEY_ENV, DivobenchHome, decode_key
from divobench_pipeline.participants import Registry, load_registry


class DivobenchHomeResource(dg.ConfigurableResource):
    """Where uploads, receipts, reports and the archive live; keys come from the environment."""

    root: str
    pseudonym_key: str = dg.EnvVar(PSEUDONYM_KEY_ENV)
    archive_key: str = dg.EnvVar(ARCHIVE_KEY_ENV)

    @property
    def home(self) -> DivobenchHome:
        return DivobenchHome(Path(self.root))

    def registry(self) -> Registry:
        return load_registry(self.home.participants_file)

    def pseudonym_key_bytes(self) -> bytes:
        return decode_key(PSEUDONYM_KEY_ENV, self.pseudonym_key)

    def archive_key_bytes(self) -> bytes:
        return decode_key(ARCHIVE_KEY_ENV, self.archive_key)
