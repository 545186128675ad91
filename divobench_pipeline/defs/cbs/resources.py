"""CBS StatLine through the real ``cbsodata`` client, with the data directory's cache."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.defs.cbs.client import CbsClient

MODE_ENV = "DIVOBENCH_CBS_MODE"
CATALOG_ENV = "DIVOBENCH_CBS_CATALOG_URL"
HTTPS_ENV = "DIVOBENCH_CBS_HTTPS"
ONLINE, OFFLINE = "online", "offline"


class CbsResource(dg.ConfigurableResource):
    """Where CBS tables come from: ``catalog_url`` over HTTPS (or not), within ``timeout_seconds``.

    ``mode`` ``offline`` never touches the network (the cache, else the extracts shipped with divobench);
    ``online`` downloads what CBS has newer than the cache and falls back to the cache when that fails.
    """

    cache_dir: str
    catalog_url: str = "opendata.cbs.nl"
    use_https: bool = True
    timeout_seconds: float = 20.0
    mode: str = ONLINE

    @classmethod
    def for_home(cls, home: DivobenchHome) -> CbsResource:
        """The resource of a data directory: raw responses cached under ``cache/cbs/``."""
        return cls.from_env(home.root / "cache" / "cbs")

    @classmethod
    def from_env(cls, cache_dir: Path) -> CbsResource:
        """Mode, catalog and scheme from ``DIVOBENCH_CBS_MODE``, ``_CATALOG_URL`` and ``_HTTPS``."""
        mode = os.environ.get(MODE_ENV, ONLINE).strip().lower() or ONLINE
        if mode not in (ONLINE, OFFLINE):
            raise ValueError(f"{MODE_ENV} must be '{ONLINE}' or '{OFFLINE}', not {mode!r}.")
        return cls(cache_dir=str(cache_dir), mode=mode,
                   catalog_url=os.environ.get(CATALOG_ENV) or "opendata.cbs.nl",
                   use_https=os.environ.get(HTTPS_ENV, "1").strip().lower() not in ("0", "false", "no"))

    def client(self) -> CbsClient:
        return CbsClient(Path(self.cache_dir), catalog_url=self.catalog_url, use_https=self.use_https,
                         timeout_seconds=self.timeout_seconds, online=self.mode == ONLINE)
