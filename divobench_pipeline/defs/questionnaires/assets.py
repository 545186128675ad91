"""Questionnaires and BUIG budgets: answers in force per period × participant, budgets per year, indicators,
and the questionnaires' aanleverstatus.

Workbooks arrive through the BUS inbox and intake (``bus_uploads``), which hands a file that is an xlsx to
``intake.receive_workbook``; budget files arrive in ``inbox/_budget/`` (``buig_budget_bestanden``).
"""

import datetime as dt

import dagster as dg
import pandas as pd
import pandera.errors

from divobench_pipeline.core.schemas import INDICATOR_VALUE
from divobench_pipeline.core.warehouse import insert_rows, read_warehouse, replace_rows, transaction
from divobench_pipeline.defs.bus_uploads.assets import bus_uploads
from divobench_pipeline.defs.cbs.assets import cbs_deps
from divobench_pipeline.defs.comparisons.groups import refresh_group_values
from divobench_pipeline.defs.questionnaires import store
from divobench_pipeline.defs.questionnaires.budgets import budgets_in_force, receive_budget
from divobench_pipeline.defs.questionnaires.compute import compute_period, period_fingerprint, periods_with_answers
from divobench_pipeline.defs.questionnaires.periods import PERIOD_KEYS, Period
from divobench_pipeline.defs.questionnaires.receipts import BUDGET, REJECTED
from divobench_pipeline.defs.questionnaires.registry import INDICATORS, indicators_of
from divobench_pipeline.defs.questionnaires.status import questionnaire_status
from divobench_pipeline.defs.questionnaires.tables import (
    BUIG_BUDGET,
    QUESTIONNAIRE_ANSWER,
    QUESTIONNAIRE_INDICATOR_STATE,
    QUESTIONNAIRE_STATUS,
)
from divobench_pipeline.orchestration.metadata import markdown_table
from divobench_pipeline.orchestration.partitions import participant_partitions
from divobench_pipeline.orchestration.resources import DivobenchHomeResource, WarehouseResource

period_partitions = dg.StaticPartitionsDefinition(list(PERIOD_KEYS))
period_participant_partitions = dg.MultiPartitionsDefinition(
    {"period": period_partitions, "participant": participant_partitions})


@dg.asset(group_name="vragenlijsten", kinds={"csv", "xlsx", "file"}, pool="duckdb_write")
def buig_budget_bestanden(context: dg.AssetExecutionContext, divobench_home: DivobenchHomeResource,
                          warehouse: WarehouseResource) -> dg.MaterializeResult:
    """BUIG budget files from ``inbox/_budget/``: archived, every row checked, reported on, accepted or
    quarantined (an unknown gemeentecode rejects the file, naming the row)."""
    home = divobench_home.home
    with read_warehouse(warehouse.database) as con:
        receipts = [receive_budget(home, path, archive_key=divobench_home.archive_key_bytes(), con=con)
                    for path in store.waiting_files(home.inbox_of(BUDGET))]
    for r in receipts:
        if r.status == REJECTED and not r.replay:
            context.log.warning(f"budget file {r.original_filename} rejected; report {r.report}")
    return dg.MaterializeResult(metadata={"received": len(receipts), "rejected": sum(r.status == REJECTED
                                                                                     for r in receipts)})


@dg.asset(group_name="vragenlijsten", kinds={"duckdb"}, deps=[buig_budget_bestanden], pool="duckdb_write")
def buig_budgetten(divobench_home: DivobenchHomeResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """BUIG budget per year and gemeente: of every accepted file, the latest soort per gemeente-year. Small (one
    row per gemeente and year), so the table is rebuilt as a whole in one transaction."""
    budgets = budgets_in_force(divobench_home.home)
    with warehouse.connect() as con:
        replace_rows(con, BUIG_BUDGET, budgets, "true", [])
    per_year = budgets.groupby(["jaar", "soort"]).size().reset_index(name="gemeenten") if len(budgets) else budgets
    return dg.MaterializeResult(metadata={"rows": len(budgets), "per_jaar": markdown_table(per_year)})


@dg.asset(
    group_name="vragenlijsten", kinds={"duckdb"}, deps=[bus_uploads], partitions_def=period_participant_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(), pool="duckdb_write",
    check_specs=[dg.AssetCheckSpec("schema", asset="vragenlijst_antwoorden", blocking=True,
                                   description=f"Pandera schema of {QUESTIONNAIRE_ANSWER.name}")],
)
def vragenlijst_antwoorden(context: dg.AssetExecutionContext, divobench_home: DivobenchHomeResource,
                           warehouse: WarehouseResource):
    """Answers in force per period × participant: each partition replaced as a whole (delete, then insert) by
    the newest accepted workbook; a partition without one is emptied."""
    keys = [tuple(reversed(str(key).split("|", 1))) for key in context.partition_keys]  # "participant|period"
    answers, in_force = store.answer_frames(divobench_home.home, keys)
    try:
        QUESTIONNAIRE_ANSWER.pandera_schema().validate(answers, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        yield dg.AssetCheckResult(check_name="schema", passed=False,
                                  metadata={"failure_cases": markdown_table(errors.failure_cases.head(50))})
        raise dg.Failure("answers failed their schema; the warehouse was not changed") from None
    yield dg.AssetCheckResult(check_name="schema", passed=True)
    with warehouse.connect() as con:
        store.replace_partitions(con, keys, answers, in_force)
    yield dg.MaterializeResult(metadata={"partitions": len(keys), "in_force": len(in_force),
                                         "workbooks": markdown_table(in_force.drop(columns=["upload_sha256"]))})


@dg.asset(
    group_name="vragenlijsten", kinds={"duckdb"}, partitions_def=period_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(), pool="duckdb_write",
    deps=[dg.AssetDep(vragenlijst_antwoorden, partition_mapping=dg.MultiToSingleDimensionPartitionMapping(
        partition_dimension_name="period")), buig_budgetten,
        dg.AssetDep("wi_indicatoren", partition_mapping=dg.AllPartitionMapping()), *cbs_deps("cbs_bevolking")],
)
def vragenlijst_indicatoren(context: dg.AssetExecutionContext, divobench_home: DivobenchHomeResource,
                            warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Indicators of the verdiepende module and Armoede & Schulden per period (level participant, month = last
    month of the period), then the group values of those months."""
    registry = divobench_home.registry()
    periods = [Period.parse(key) for key in context.partition_keys]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with warehouse.connect() as con:
        answered, written = set(periods_with_answers(con)), 0
        for period in periods:
            values = compute_period(con, registry, period)
            INDICATOR_VALUE.pandera_schema().validate(values)
            fingerprint = period_fingerprint(con, registry, period)
            state = pd.DataFrame([(str(period), fingerprint, now)] if period in answered else [],  # no answers:
                                 columns=QUESTIONNAIRE_INDICATOR_STATE.column_names)  # no state, never stale
            with transaction(con):
                con.execute(f"DELETE FROM {INDICATOR_VALUE.name} WHERE month = ? "
                            "AND indicator IN (SELECT unnest(?::VARCHAR[]))",
                            [period.last_month, [i.code for i in indicators_of(period.kind)]])
                con.execute(f"DELETE FROM {QUESTIONNAIRE_INDICATOR_STATE.name} WHERE period = ?", [str(period)])
                insert_rows(con, INDICATOR_VALUE, values)
                insert_rows(con, QUESTIONNAIRE_INDICATOR_STATE, state)
            written += len(values)
        months = sorted({p.last_month for p in periods})
        refresh_group_values(con, registry, months, dt.date.today(), [i.code for i in INDICATORS])
    return dg.MaterializeResult(metadata={"periods": len(periods), "values": written,
                                          "months": ", ".join(f"{m:%Y-%m}" for m in months)})


@dg.asset(group_name="vragenlijsten", kinds={"duckdb"}, pool="duckdb_write", deps=[vragenlijst_antwoorden])
def vragenlijst_aanleverstatus(divobench_home: DivobenchHomeResource, warehouse: WarehouseResource
                               ) -> dg.MaterializeResult:
    """Per participant with the module and period: the questionnaire op tijd, te laat, ontbreekt or verwacht."""
    status = questionnaire_status(divobench_home.home, divobench_home.registry(), dt.date.today())
    with warehouse.connect() as con:
        replace_rows(con, QUESTIONNAIRE_STATUS, status, "true", [])
    late = status[status["status"].isin(["te_laat", "ontbreekt"])]
    return dg.MaterializeResult(metadata={"rows": len(status), "te_laat_of_ontbrekend": markdown_table(late)})


QUESTIONNAIRE_ASSETS = [buig_budget_bestanden, buig_budgetten, vragenlijst_antwoorden, vragenlijst_indicatoren,
                        vragenlijst_aanleverstatus]
