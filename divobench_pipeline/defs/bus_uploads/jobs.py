"""Jobs of the BUS uploads domain: intake of the inbox, and staging of participant-months."""

import dagster as dg

bus_intake_job = dg.define_asset_job(
    "bus_intake_job", selection=["bus_uploads"],
    description="Take every file waiting in the inbox through the door: archive, check, report, accept or quarantine.",
    executor_def=dg.in_process_executor)
bus_staging_job = dg.define_asset_job(
    "bus_staging_job", selection=["bus_staged"],
    description="Replace the staged BUS data of participant-months whose upload in force changed.",
    executor_def=dg.in_process_executor)
