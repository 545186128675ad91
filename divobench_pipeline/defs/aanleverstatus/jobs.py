"""The aanleverstatus job: who is late, missing or out of line, recomputed when a new day begins."""

import dagster as dg

aanleverstatus_job = dg.define_asset_job(
    "aanleverstatus_job", selection=["aanleverstatus"],
    description="Recompute the aanleverstatus (late, missing, out-of-line uploads) when a new day begins.",
    executor_def=dg.in_process_executor)
