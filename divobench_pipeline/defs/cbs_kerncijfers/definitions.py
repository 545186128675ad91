"""CBS kerncijfers: yearly bijstand, re-integratie and Wsw figures of every gemeente, their groups and check."""

import dagster as dg

from divobench_pipeline.defs.cbs_kerncijfers.assets import CBS_KERNCIJFERS_ASSETS
from divobench_pipeline.defs.cbs_kerncijfers.jobs import cbs_kerncijfers_job

defs = dg.Definitions(assets=CBS_KERNCIJFERS_ASSETS, jobs=[cbs_kerncijfers_job])
