"""Statushouders: CBS cohort vintages, COA taakstelling with its checks, KIS with consent, and the sh.* indicators."""

import dagster as dg

from divobench_pipeline.defs.statushouders.assets import STATUSHOUDERS_ASSETS
from divobench_pipeline.defs.statushouders.jobs import statushouders_job

defs = dg.Definitions(assets=STATUSHOUDERS_ASSETS, jobs=[statushouders_job])
