"""The group value job: group values of months whose status changed (voorlopig → definitief)."""

import dagster as dg

group_value_job = dg.define_asset_job(
    "group_value_job", selection=["wi_groepswaarden"],
    description="Recompute the group values of months (e.g. when their deadline passed: voorlopig → definitief).",
    executor_def=dg.in_process_executor)
