"""The CBS kerncijfers job: the year's indeling and reference groups, the kerncijfers and their group values."""

import dagster as dg

cbs_kerncijfers_job = dg.define_asset_job(
    "cbs_kerncijfers_job",
    selection=["cbs_gebieden", "cbs_referentiegroepen", "gemeente_versies", "cbs_kerncijfers",
               "cbs_kerncijfers_groepswaarden"],
    description="Read the CBS kerncijfers (bijstand, re-integratie, Wsw) of the given years with their indeling, "
                "and compute the cbs.* indicators and group values over every gemeente.")
