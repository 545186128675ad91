"""Werk & Inkomen indicators per statistiekmaand, per gemeente and per participant."""

import dagster as dg

from divobench_pipeline.defs.wi_indicators.assets import wi_indicatoren
from divobench_pipeline.defs.wi_indicators.jobs import indicator_job

defs = dg.Definitions(assets=[wi_indicatoren], jobs=[indicator_job])
