"""When the aanleverstatus must be recomputed on its own: a new day began (a deadline may have passed without an
upload) while nothing else is on its way (the indicator runs recompute it anyway)."""

from __future__ import annotations

import datetime as dt

import duckdb

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.defs.aanleverstatus.freshness import status_is_stale
from divobench_pipeline.defs.bus_uploads.planning import accepted_uploads, uploads_pending
from divobench_pipeline.defs.wi_indicators.planning import indicators_pending
from divobench_pipeline.orchestration.plan import PlannedRun, content_digest

AANLEVERSTATUS_JOB = "aanleverstatus_job"


def plan(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None,
         today: dt.date | None = None) -> list[PlannedRun]:
    """One run when the stored status is from another day (content: the day, the participants and the uploads
    in force it judges)."""
    today = today or dt.date.today()
    if not status_is_stale(con, today) or any(
            pending(home, registry, con) for pending in (uploads_pending, indicators_pending)):
        return []
    uploads = sorted(accepted_uploads(home, registry).items())
    return [PlannedRun(AANLEVERSTATUS_JOB, content_digest("aanleverstatus", today, registry.ids, uploads),
                       label=f"as of {today}")]
