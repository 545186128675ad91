"""One folder per domain. Each holds its plain modules (no Dagster) and its ``definitions.py``
(assets, checks, sensors, jobs), which the root ``divobench_pipeline.definitions`` loads."""

DOMAINS = ("bus_uploads", "cbs", "wi_indicators", "comparisons", "aanleverstatus", "cbs_kerncijfers",
           "questionnaires", "statushouders", "reports")
