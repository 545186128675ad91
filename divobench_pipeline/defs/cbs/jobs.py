"""The CBS job: the CBS tables of a range of years and what is derived from them."""

import dagster as dg

cbs_job = dg.define_asset_job(
    "cbs_job", selection=["cbs_gebieden", "cbs_referentiegroepen", "cbs_bevolking", "cbs_bijstand", "gemeente_versies"],
    description="Read the CBS tables of the given years (indeling, reference groups, inwoners, CBS bijstand) and "
                "rebuild the gemeente versions and the herindelingen crosswalk.",
    executor_def=dg.in_process_executor)
