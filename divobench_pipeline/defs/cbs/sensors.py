"""The monthly CBS version check: refresh the CBS assets of the years whose tables CBS has published anew."""

import dagster as dg

from divobench_pipeline.core.settings import settings
from divobench_pipeline.defs.cbs.client import CbsClient
from divobench_pipeline.defs.cbs.jobs import cbs_job
from divobench_pipeline.defs.cbs.planning import year_ranges
from divobench_pipeline.defs.cbs.resources import OFFLINE, CbsResource
from divobench_pipeline.defs.cbs.store import years_with_indeling
from divobench_pipeline.defs.cbs.tables import BEVOLKING, BIJSTAND, KERNCIJFERS, gebieden_tabel
from divobench_pipeline.orchestration.pipeline import launches, retry_generation
from divobench_pipeline.orchestration.plan import PlannedRun, content_digest
from divobench_pipeline.orchestration.resources import DivobenchHomeResource
from divobench_pipeline.orchestration.warehouse_reads import read_warehouse_now


def changed_tables(client: CbsClient, years: list[int]) -> dict[str, tuple[str, list[int]]]:
    """Table id → (CBS's Modified, the years it feeds) for every table whose cached version is older than CBS's."""
    feeds = {gebieden_tabel(y): [y] for y in years}
    for table in (BEVOLKING, BIJSTAND, *KERNCIJFERS.values()):
        feeds[table] = list(years)
    changed = {}
    for table, fed in feeds.items():
        remote = client.remote_modified(table)
        if remote != client.cached_modified(table):
            changed[table] = (remote, fed)
    return changed


@dg.sensor(job=cbs_job, minimum_interval_seconds=settings().cbs_check_seconds,
           default_status=dg.DefaultSensorStatus.RUNNING)
def cbs_version_sensor(context: dg.SensorEvaluationContext, divobench_home: DivobenchHomeResource,
                       cbs: CbsResource):
    """Once a month (``DIVOBENCH_CBS_CHECK_SECONDS``), asks CBS (TableInfos, one small request per table) whether
    the tables behind the warehouse's years have a new version, and refreshes the CBS assets of the years they
    feed; the months of those years are then recomputed by the pipeline sensor (their fingerprints include the
    CBS groups and kenmerken). Run key: the changed tables with their new Modified. Offline mode: does nothing."""
    home = divobench_home.home
    if cbs.mode == OFFLINE:
        return dg.SkipReason("CBS offline modus (DIVOBENCH_CBS_MODE=offline): no version check")
    years = read_warehouse_now(home, lambda con: sorted(years_with_indeling(con)))
    if isinstance(years, dg.SkipReason):
        return years
    try:
        changed = changed_tables(cbs.client(), years)
    except Exception as exc:  # noqa: BLE001 - any network failure means: try again next month
        return dg.SkipReason(f"CBS not reachable ({type(exc).__name__}); the cache stays in use")
    if not changed:
        return dg.SkipReason("every CBS table is up to date")
    stale = sorted({y for _, fed in changed.values() for y in fed})
    content = content_digest("cbs-versie", sorted((t, m) for t, (m, _) in changed.items()))
    tables = {"divobench/cbs_tabellen": ",".join(sorted(changed))}
    generation = retry_generation(context.instance)
    return [dg.RunRequest(run_key=launch.run_key, job_name=cbs_job.name, tags={**launch.tags, **tables})
            for start, end in year_ranges(stale)
            for launch in launches(PlannedRun(cbs_job.name, content, start, end), (), generation)]
