"""Comparisons: every reference group's value per month, voorlopig until the upload deadline, then definitief."""

import dagster as dg

from divobench_pipeline.defs.comparisons.assets import wi_groepswaarden
from divobench_pipeline.defs.comparisons.jobs import group_value_job
from divobench_pipeline.defs.comparisons.sensors import group_deadline_sensor

defs = dg.Definitions(assets=[wi_groepswaarden], jobs=[group_value_job], sensors=[group_deadline_sensor])
