"""The three jobs the upload sensor and ``divobench refresh`` launch, in this order."""

import dagster as dg

bus_intake_job = dg.define_asset_job(
    "bus_intake_job", selection=["bus_uploads"],
    description="Take every file waiting in the inbox through the door: archive, check, report, accept or quarantine.")
bus_staging_job = dg.define_asset_job(
    "bus_staging_job", selection=["bus_staged"],
    description="Replace the staged BUS data of participant-months whose upload in force changed.")
indicator_job = dg.define_asset_job(
    "indicator_job", selection=["wi_indicatoren", "wi_groepswaarden", "aanleverstatus"],
    description="Recompute the W&I indicators, group values and aanleverstatus of months whose inputs or "
                "definitions changed.")

group_value_job = dg.define_asset_job(
    "group_value_job", selection=["wi_groepswaarden"],
    description="Recompute the group values of months (e.g. when their deadline passed: voorlopig → definitief).")

aanleverstatus_job = dg.define_asset_job(
    "aanleverstatus_job", selection=["aanleverstatus"],
    description="Recompute the aanleverstatus (late, missing, out-of-line uploads) when a new day begins.")

cbs_job = dg.define_asset_job(
    "cbs_job", selection=["cbs_gebieden", "cbs_referentiegroepen", "cbs_bevolking", "cbs_bijstand", "gemeente_versies"],
    description="Read the CBS tables of the given years (indeling, reference groups, inwoners, CBS bijstand) and "
                "rebuild the gemeente versions and the herindelingen crosswalk.")

JOBS = [bus_intake_job, bus_staging_job, indicator_job, group_value_job, aanleverstatus_job, cbs_job]
