"""CBS StatLine through the real ``cbsodata`` client, with the data directory's cache."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.settings import CBS_CATALOG_ENV as CATALOG_ENV
from divobench_pipeline.core.settings import CBS_HTTPS_ENV as HTTPS_ENV
from divobench_pipeline.core.settings import CBS_MODE_ENV as MODE_ENV
from divobench_pipeline.core.settings import OFFLINE, ONLINE, settings
from divobench_pipeline.defs.cbs.client import CbsClient, cache_root

__all__ = ["CATALOG_ENV", "HTTPS_ENV", "MODE_ENV", "OFFLINE", "ONLINE", "CbsResource"]


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
        return cls.from_env(cache_root(home))

    @classmethod
    def from_env(cls, cache_dir: Path) -> CbsResource:
        """Mode, catalog and scheme from ``DIVOBENCH_CBS_MODE``, ``_CATALOG_URL`` and ``_HTTPS``."""
        found = settings()
        return cls(cache_dir=str(cache_dir), mode=found.cbs_mode, catalog_url=found.cbs_catalog_url,
                   use_https=found.cbs_https)

    def client(self) -> CbsClient:
        return CbsClient(Path(self.cache_dir), catalog_url=self.catalog_url, use_https=self.use_https,
                         timeout_seconds=self.timeout_seconds, online=self.mode == ONLINE)
