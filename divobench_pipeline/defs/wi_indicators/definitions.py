"""Werk & Inkomen indicators per statistiekmaand, per gemeente and per participant."""

import dagster as dg

from divobench_pipeline.defs.wi_indicators.assets import INDICATOR_SOURCES, wi_indicatoren
from divobench_pipeline.defs.wi_indicators.jobs import indicator_job
from divobench_pipeline.defs.wi_indicators.registry import INDICATORS

defs = dg.Definitions(
    assets=[*INDICATOR_SOURCES, wi_indicatoren], jobs=[indicator_job],
    resources={"wi_indicator_set": dg.ResourceDefinition.hardcoded_resource(
        INDICATORS, "The W&I indicators wi_indicatoren computes: the registry's (a test may pass its own).")},
)
