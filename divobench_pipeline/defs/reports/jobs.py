"""The report job: participants' benchmark reports of month × participant partitions whose inputs changed."""

import dagster as dg

from divobench_pipeline.defs.reports.planning import REPORT_JOB

report_job = dg.define_asset_job(
    REPORT_JOB, selection=["deelnemer_rapporten"],
    description="Write the benchmark reports (dashboard, PDF, Word, infographic) of participant-months whose "
                "indicators, group values or aanleverstatus changed.")
