"""BUS uploads: the inbox, intake (archive, checks, pseudonymisation, report) and staging per month × participant."""

import dagster as dg

from divobench_pipeline.defs.bus_uploads.assets import bus_accepted_upload, bus_staged, bus_uploads
from divobench_pipeline.defs.bus_uploads.jobs import bus_intake_job, bus_staging_job

defs = dg.Definitions(assets=[bus_uploads, bus_accepted_upload, bus_staged], jobs=[bus_intake_job, bus_staging_job])
