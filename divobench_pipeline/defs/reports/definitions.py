"""Participant reports: the monthly benchmark report and infographic per participant."""

import dagster as dg

from divobench_pipeline.defs.reports.assets import deelnemer_rapporten
from divobench_pipeline.defs.reports.jobs import report_job

defs = dg.Definitions(assets=[deelnemer_rapporten], jobs=[report_job])
