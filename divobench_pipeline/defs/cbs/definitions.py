"""CBS StatLine: the yearly indeling, reference groups, inwoners, CBS bijstand and gemeente versions."""

import dagster as dg

from divobench_pipeline.defs.cbs.assets import CBS_ASSETS
from divobench_pipeline.defs.cbs.jobs import cbs_job
from divobench_pipeline.defs.cbs.sensors import cbs_version_sensor

defs = dg.Definitions(assets=CBS_ASSETS, jobs=[cbs_job], sensors=[cbs_version_sensor])
