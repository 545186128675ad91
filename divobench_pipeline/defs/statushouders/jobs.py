"""The statushouders job: intake of the three source inboxes, the tables, and the indicators."""

import dagster as dg

statushouders_job = dg.define_asset_job(
    "statushouders_job",
    selection=["sh_cbs_statushouders", "sh_coa_taakstelling", "sh_kis_beleid", "sh_indicatoren"],
    description="Take the CBS, COA and KIS files waiting in inbox/_cbs_statushouders, _coa and _kis through the "
                "door, rebuild their tables (KIS with consent) and recompute the statushouders indicators.")
