"""Aanleverstatus: the freshness view a data team needs at the start of each month."""

import datetime as dt

import dagster as dg
import pandas as pd

from divobench_pipeline.core.schemas import AANLEVERSTATUS
from divobench_pipeline.core.warehouse import replace_rows
from divobench_pipeline.defs.aanleverstatus.freshness import (
    ONTBREEKT,
    TE_LAAT,
    month_summary,
    reporting_month,
    upload_status,
)
from divobench_pipeline.defs.bus_uploads.intake import read_receipts
from divobench_pipeline.defs.wi_indicators.assets import wi_indicatoren
from divobench_pipeline.orchestration.metadata import markdown_table
from divobench_pipeline.orchestration.resources import DivobenchHomeResource, WarehouseResource

CHECKS = {
    "aanlevering_compleet": "Every participant handed in the reporting month (the latest month past its deadline).",
    "aanlevering_op_tijd": "No upload of the reporting month arrived after its deadline.",
    "volume_in_lijn": "No upload from the reporting month on has a volume jump or collapse against its own history.",
    "volledigheid_in_lijn": "No upload from the reporting month on lost the completeness of a kenmerk.",
}


@dg.asset(
    group_name="monitoring", kinds={"duckdb"}, deps=[wi_indicatoren], pool="duckdb_write",
    check_specs=[dg.AssetCheckSpec(name, asset="aanleverstatus", description=text) for name, text in CHECKS.items()],
)
def aanleverstatus(context: dg.AssetExecutionContext, divobench_home: DivobenchHomeResource,
                   warehouse: WarehouseResource):
    """Per statistiekmaand of the last twelve: which participants are in, late, missing or still expected, and
    which uploads are far out of line with their own history (volume, completeness of a kenmerk).

    Reads the staged BUS tables; its upstream in the graph is ``wi_indicatoren`` (itself downstream of
    ``bus_staged``): a direct edge from the month × participant ``bus_staged`` made Dagster list all of its
    ~50,000 partition keys at every run of this unpartitioned asset (1.5 s of each indicator run)."""
    registry = divobench_home.registry()
    as_of = dt.date.today()
    receipts = read_receipts(divobench_home.home)
    with warehouse.connect() as con:
        status = upload_status(con, registry.ids, receipts, as_of)
        replace_rows(con, AANLEVERSTATUS, status, "true", [])

    focus = reporting_month(as_of)
    in_focus = status[status["month"] == focus]
    recent = status[status["month"] >= focus]
    findings = {
        "aanlevering_compleet": in_focus[in_focus["status"] == ONTBREEKT],
        "aanlevering_op_tijd": in_focus[in_focus["status"] == TE_LAAT],
        "volume_in_lijn": recent[recent["volume_signaal"].notna()],
        "volledigheid_in_lijn": recent[recent["volledigheid_signaal"].notna()],
    }
    for name, found in findings.items():
        yield dg.AssetCheckResult(
            check_name=name, passed=found.empty, severity=dg.AssetCheckSeverity.WARN,
            metadata={"rapportagemaand": f"{focus:%Y-%m}", "gevonden": len(found),
                      "details": markdown_table(_shown(found))})
    yield dg.MaterializeResult(metadata={
        "as_of": as_of.isoformat(),
        "rapportagemaand": f"{focus:%Y-%m}",
        "per_maand": markdown_table(month_summary(status)),
    })


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(month=frame["month"].map(lambda m: f"{m:%Y-%m}"))[
        ["month", "participant_id", "status", "eerste_ontvangst", "uitkeringen", "mediaan_uitkeringen",
         "volume_signaal", "volledigheid_signaal"]]
