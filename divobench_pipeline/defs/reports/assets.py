"""The participants' benchmark reports: per month × participant, downstream of the indicators, group values and
aanleverstatus they show. A single-run backfill writes any rectangle of months × participants in one run, with
a browser per worker process and a month read once per worker."""


import datetime as dt

import dagster as dg
import pandas as pd

from divobench_pipeline.defs.aanleverstatus.assets import aanleverstatus
from divobench_pipeline.defs.comparisons.assets import wi_groepswaarden
from divobench_pipeline.defs.wi_indicators.assets import wi_indicatoren
from divobench_pipeline.orchestration.metadata import markdown_table
from divobench_pipeline.orchestration.partitions import month_participant_partitions
from divobench_pipeline.orchestration.resources import DivobenchHomeResource

_BY_MONTH = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="month")


@dg.asset(
    group_name="reports", kinds={"html", "pdf", "docx"},
    partitions_def=month_participant_partitions, backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb_write",
    deps=[dg.AssetDep(wi_indicatoren, partition_mapping=_BY_MONTH),
          dg.AssetDep(wi_groepswaarden, partition_mapping=_BY_MONTH), aanleverstatus],
)
def deelnemer_rapporten(context: dg.AssetExecutionContext, divobench_home: DivobenchHomeResource):
    """Per participant and month: reports/deelnemers/<id>/<YYYY-MM>/ with the dashboard (HTML), PDF, Word and
    infographic (PNG, PDF); a samenwerkingsverband with reporting option 2 also per gemeente."""
    from divobench_pipeline.defs.reports.writer import write_reports  # matplotlib, docx, Chromium: only when run

    home, registry = divobench_home.home, divobench_home.registry()
    wanted: dict[dt.date, list[str]] = {}
    for key in context.partition_keys:
        month, pid = _split(key)
        if pid in registry:
            wanted.setdefault(month, []).append(pid)
    written = {(w.month, w.participant_id): w for w in write_reports(home, registry, wanted)}
    summary = []
    for month, pids in sorted(wanted.items()):
        for pid in pids:
            w = written.get((month, pid))
            summary.append({"maand": f"{month:%Y-%m}", "deelnemer": pid, "bestanden": len(w.files) if w else 0,
                            "zonder_cijfers": (", ".join(w.skipped) or "-") if w else "geen cijfers"})
    return dg.MaterializeResult(metadata={
        "rapporten": sum(1 for s in summary if s["bestanden"]),
        "overzicht": markdown_table(pd.DataFrame(summary)),
        "map": dg.MetadataValue.path(str(home.reports / "deelnemers")),
    })


def _split(key) -> tuple[dt.date, str]:
    dims = key.keys_by_dimension if hasattr(key, "keys_by_dimension") else dict(
        zip(("month", "participant"), str(key).split("|"), strict=True))
    return dt.date.fromisoformat(dims["month"]), dims["participant"]
