"""Aanleverstatus: who has handed in, who is late or missing, and which uploads are out of line."""

import dagster as dg

from divobench_pipeline.defs.aanleverstatus.assets import aanleverstatus
from divobench_pipeline.defs.aanleverstatus.jobs import aanleverstatus_job

defs = dg.Definitions(assets=[aanleverstatus], jobs=[aanleverstatus_job])
