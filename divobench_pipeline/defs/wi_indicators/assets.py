"""Werk & Inkomen indicators per statistiekmaand, per gemeente and per participant."""


import datetime as dt

import dagster as dg
import pandas as pd

from divobench_pipeline.core.schemas import INDICATOR_MONTH_STATE, INDICATOR_VALUE
from divobench_pipeline.core.warehouse import insert_rows, transaction
from divobench_pipeline.defs.bus_uploads.assets import bus_accepted_upload, bus_staged
from divobench_pipeline.defs.bus_uploads.planning import staged_uploads
from divobench_pipeline.defs.cbs.assets import cbs_deps
from divobench_pipeline.defs.cbs.plausibility import (
    TOLERANCE_MIN,
    TOLERANCE_SHARE,
    compare_with_cbs,
    without_cbs_figure,
)
from divobench_pipeline.defs.comparisons.lineage import code_version, write_lineage
from divobench_pipeline.defs.wi_indicators.compute import compute_indicators, flow_reconciliation
from divobench_pipeline.defs.wi_indicators.planning import (
    CBS_INPUTS_SOURCE,
    MONTH_UPLOADS_SOURCE,
    PARTICIPANTS_SOURCE,
    definitions_digest,
    indicator_fingerprints,
    participants_version,
)
from divobench_pipeline.defs.wi_indicators.registry import INDICATORS, Indicator
from divobench_pipeline.orchestration.metadata import markdown_table
from divobench_pipeline.orchestration.partitions import month_partitions
from divobench_pipeline.orchestration.resources import DivobenchHomeResource, WarehouseResource

PLAUSIBILITY_DESCRIPTION = (
    "Per gemeente: bestand algemene bijstand against CBS's own count for the month (82015NED); a difference "
    "beyond max(10 uitkeringen, 10 %) is the first sign of an incomplete upload (docs/cbs.md).")


_OBSERVED = ("Data version: a digest the pipeline sensor and `divobench refresh` observe when it changes; a month "
             "of `wi_indicatoren` or `wi_groepswaarden` that read another version is stale.")
wi_month_uploads = dg.AssetSpec(
    MONTH_UPLOADS_SOURCE, group_name="indicators", deps=[bus_accepted_upload], partitions_def=month_partitions,
    description=f"The uploads in force of each month and of the same month a year earlier. {_OBSERVED}")
wi_cbs_inputs = dg.AssetSpec(
    CBS_INPUTS_SOURCE, group_name="indicators", partitions_def=month_partitions,
    deps=cbs_deps("cbs_gebieden", "cbs_referentiegroepen", "cbs_bevolking", "cbs_bijstand"),
    description=f"The CBS groups and kenmerken (indeling, inwoners) of each month's year. {_OBSERVED}")


@dg.multi_observable_source_asset(specs=[dg.AssetSpec(
    PARTICIPANTS_SOURCE, group_name="indicators",
    description="participants.yaml as the indicators read it: each participant's gemeenten, reporting option and "
                "named selections. Observed by the pipeline sensor and `divobench refresh` when it changes, or by "
                "hand (Observe in the UI).")])
def wi_participants(divobench_home: DivobenchHomeResource) -> dg.ObserveResult:
    """The data version of participants.yaml as the indicators read it."""
    return dg.ObserveResult(data_version=dg.DataVersion(participants_version(divobench_home.registry())))


INDICATOR_SOURCES = [wi_month_uploads, wi_cbs_inputs, wi_participants]


@dg.asset(
    group_name="indicators", kinds={"duckdb"}, code_version=definitions_digest(),
    partitions_def=month_partitions, backfill_policy=dg.BackfillPolicy.single_run(), pool="duckdb_write",
    deps=[dg.AssetDep(bus_staged, partition_mapping=dg.MultiToSingleDimensionPartitionMapping(
        partition_dimension_name="month")), *INDICATOR_SOURCES],
    check_specs=[dg.AssetCheckSpec(
        "stroomaansluiting", asset="wi_indicatoren",
        description="Per gemeente: bestand(M−1) + instroom(M) − uitstroom(M) = bestand(M) for algemene bijstand; "
                    "a difference means uitkeringen appeared or vanished between two months' uploads."),
        dg.AssetCheckSpec("cbs_plausibiliteit", asset="wi_indicatoren", description=PLAUSIBILITY_DESCRIPTION)],
)
def wi_indicatoren(context: dg.AssetExecutionContext, divobench_home: DivobenchHomeResource,
                   warehouse: WarehouseResource, wi_indicator_set: dg.ResourceParam[tuple[Indicator, ...]]):
    """Basic W&I indicators (basismodule) for each month: per gemeente and pooled per participant.

    ``wi_indicator_set`` is the registry's ``INDICATORS`` (bound in this domain's definitions).
    """
    registry = divobench_home.registry()
    months = [dt.date.fromisoformat(key) for key in context.partition_keys]
    with warehouse.connect() as con:
        values = compute_indicators(con, months, registry.gemeenten_by_participant(), wi_indicator_set)
        fingerprints = indicator_fingerprints(staged_uploads(con), registry, con)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        state = pd.DataFrame([(m, fingerprints[m], now) for m in months if m in fingerprints],
                             columns=INDICATOR_MONTH_STATE.column_names)
        with transaction(con):
            con.execute(f"DELETE FROM {INDICATOR_MONTH_STATE.name} WHERE month IN (SELECT unnest(?::DATE[]))",
                        [months])
            con.execute(f"DELETE FROM {INDICATOR_VALUE.name} WHERE month IN (SELECT unnest(?::DATE[])) "
                        "AND indicator IN (SELECT unnest(?::VARCHAR[]))", [months, [i.code for i in INDICATORS]])
            insert_rows(con, INDICATOR_VALUE, values)
            insert_rows(con, INDICATOR_MONTH_STATE, state)
            lineage = write_lineage(con, months, registry.gemeenten_by_participant(), context.run.run_id)
        plausibility = compare_with_cbs(con, months, registry.gemeenten_by_participant())
        no_cbs = without_cbs_figure(con, months)
        flows = flow_reconciliation(con, months)

    off = flows[flows["verschil"] != 0] if len(flows) else flows
    yield dg.AssetCheckResult(
        check_name="stroomaansluiting", passed=off.empty, severity=dg.AssetCheckSeverity.WARN,
        metadata={"gemeente_maanden_gecontroleerd": len(flows), "met_verschil": len(off),
                  "totaal_absoluut_verschil": int(off["verschil"].abs().sum()) if len(off) else 0,
                  "verschillen": markdown_table(off)})
    deviating = plausibility[plausibility["afwijkend"]]
    yield dg.AssetCheckResult(
        check_name="cbs_plausibiliteit", passed=deviating.empty, severity=dg.AssetCheckSeverity.WARN,
        metadata={"gemeente_maanden_gecontroleerd": len(plausibility), "zonder_cbs_cijfer": int(no_cbs),
                  "afwijkend": len(deviating), "tolerantie": f"max({TOLERANCE_MIN}, {TOLERANCE_SHARE:.0%} van CBS)",
                  "afwijkingen": markdown_table(deviating.drop(columns="afwijkend"))})
    yield dg.MaterializeResult(metadata={
        "months": len(months),
        "rows": len(values),
        "gemeenten": int(values.loc[values["level"] == "gemeente", "unit"].nunique()) if len(values) else 0,
        "participants": int(values.loc[values["level"] == "participant", "unit"].nunique()) if len(values) else 0,
        "code_version": code_version(),
        "fingerprints": markdown_table(pd.DataFrame(
            [(f"{m:%Y-%m}", fingerprints.get(m, "")[:16]) for m in months], columns=["month", "fingerprint"])),
        "uploads": markdown_table(lineage.loc[lineage["level"] == "gemeente",
                                              ["month", "unit", "upload_sha256", "upload_sha256_12m"]]),
    })
