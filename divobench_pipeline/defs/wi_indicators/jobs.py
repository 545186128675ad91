"""The indicator job: indicators, group values and aanleverstatus of months whose inputs changed."""

import dagster as dg

indicator_job = dg.define_asset_job(
    "indicator_job", selection=["wi_indicatoren", "wi_groepswaarden", "aanleverstatus"],
    description="Recompute the W&I indicators, group values and aanleverstatus of months whose inputs or "
                "definitions changed.",
    executor_def=dg.in_process_executor)
