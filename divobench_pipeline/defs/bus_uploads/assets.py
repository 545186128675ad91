"""BUS uploads: from the inbox through the door (archive, checks, pseudonymisation) into the warehouse."""


import dagster as dg
import duckdb
import pandas as pd

from divobench_pipeline.core.participants import Registry
from divobench_pipeline.core.schemas import BUS_UPLOAD_IN_FORCE, STAGED_TABLE_OF_LEVEL, STAGED_TABLES, Table
from divobench_pipeline.core.sql_checks import sql_failure_cases
from divobench_pipeline.core.warehouse import insert_rows, transaction
from divobench_pipeline.defs.bus_uploads.intake import REJECTED, Receipt, receive_waiting, uploads_in_force
from divobench_pipeline.defs.bus_uploads.layout import KENMERKEN
from divobench_pipeline.defs.bus_uploads.planning import UPLOAD_SOURCE
from divobench_pipeline.orchestration.metadata import markdown_table
from divobench_pipeline.orchestration.partitions import month_participant_partitions, split_month_participant_key
from divobench_pipeline.orchestration.resources import DivobenchHomeResource, WarehouseResource

REQUIRED_COLUMNS = {"bus_uitkering": ("statistiekcode",),
                    "bus_persoon": ("bsn_pseudoniem", "geboortedatum", "aanvangsdatum_uitkering")}


def inbox_files(home_resource: DivobenchHomeResource, registry: Registry) -> list[tuple[str, object]]:
    """(participant, file) for every file waiting in the inbox of a registered participant, oldest first."""
    waiting = []
    for participant_id in registry.ids:
        folder = home_resource.home.inbox_of(participant_id)
        if folder.is_dir():
            files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
            waiting += [(participant_id, p) for p in sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))]
    return waiting


@dg.asset(group_name="bus", kinds={"xml", "file"})
def bus_uploads(context: dg.AssetExecutionContext, divobench_home: DivobenchHomeResource) -> dg.MaterializeResult:
    """Received BUS uploads: every file from the inbox archived, checked, reported on, accepted or quarantined.

    A rejected upload changes nothing in the warehouse; the upload of that month already in force stays.
    """
    registry = divobench_home.registry()
    receipts = receive_waiting(divobench_home.home, registry, inbox_files(divobench_home, registry),
                               pseudonym_key=divobench_home.pseudonym_key_bytes(),
                               archive_key=divobench_home.archive_key_bytes())
    for receipt in receipts:
        if receipt.status == REJECTED and not receipt.replay:
            context.log.warning(f"{receipt.participant_id} {receipt.original_filename} rejected; "
                                f"report {receipt.report}")
    unknown = sorted(p.name for p in divobench_home.home.inbox.glob("*") if p.is_dir() and p.name not in registry
                     and not p.name.startswith("_"))
    if unknown:
        context.log.warning(f"Inbox folders of unknown participants left untouched: {', '.join(unknown)}")
    new = [r for r in receipts if not r.replay]
    table = pd.DataFrame([{"participant": r.participant_id, "bestand": r.original_filename, "maand": r.month or "",
                           "status": r.status, "signaleringen": r.n_signaleringen, "rapport": r.report}
                          for r in new])
    return dg.MaterializeResult(metadata={
        "received": len(new),
        "rejected": sum(r.status == REJECTED for r in new),
        "with_signaleringen": sum(r.n_signaleringen > 0 for r in new),
        "replays": len(receipts) - len(new),
        "uploads": markdown_table(table),
    })


bus_accepted_upload = dg.AssetSpec(
    UPLOAD_SOURCE, group_name="bus", kinds={"xml"}, deps=[bus_uploads], partitions_def=month_participant_partitions,
    description="The accepted upload in force per statistiekmaand and participant (its receipt). Data version: the "
                "upload's sha256, observed by the pipeline sensor and `divobench refresh` when it changes; a "
                "partition of `bus_staged` that read another version is stale.")


def _schema_check_name(table_name: str) -> str:
    return f"{table_name}_schema"


STAGED_CHECKS = [
    *(dg.AssetCheckSpec(_schema_check_name(t.name), asset="bus_staged", blocking=True,
                        description=f"Schema of {t.name}: {t.description}") for t in STAGED_TABLES),
    dg.AssetCheckSpec("signaleringen", asset="bus_staged",
                      description="Values the upload had wrong (stored as onbekend), per kenmerk."),
    dg.AssetCheckSpec("volledigheid", asset="bus_staged",
                      description="Completeness per kenmerk; required kenmerken must be filled in."),
]


@dg.asset(
    group_name="bus", kinds={"duckdb"}, deps=[bus_accepted_upload],
    partitions_def=month_participant_partitions, backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb_write", check_specs=STAGED_CHECKS,
)
def bus_staged(context: dg.AssetExecutionContext, divobench_home: DivobenchHomeResource,
               warehouse: WarehouseResource):
    """Staged BUS data per statistiekmaand and participant: the upload in force, pseudonymised.

    Each partition is replaced as a whole in one transaction (delete, then insert), so a corrected upload
    leaves no stale rows and a failed run leaves the previous data in place.
    """
    home = divobench_home.home
    partitions = [split_month_participant_key(key) for key in context.partition_keys]
    receipts = _receipts_in_force(home, partitions)
    keys = [[m, p] for m, p in partitions]
    in_force_rows = pd.DataFrame(
        [(month, participant_id, r.sha256, pd.Timestamp(r.received_at).tz_convert(None), r.original_filename,
          ",".join(r.gemeenten), r.n_uitkeringen, r.n_personen, r.n_signaleringen)
         for (month, participant_id), r in zip(partitions, receipts, strict=True)],
        columns=BUS_UPLOAD_IN_FORCE.column_names)
    with warehouse.connect() as con:
        with transaction(con):
            loaded = _load_staged_files(con, home, receipts)
            failures = _schema_failures(con, loaded)
            for table in STAGED_TABLES:
                failed = failures.get(table.name)
                yield dg.AssetCheckResult(
                    check_name=_schema_check_name(table.name), passed=failed is None,
                    metadata={"failure_cases": markdown_table(failed)} if failed is not None else {})
            if failures:
                raise dg.Failure(f"Staged data failed its schema ({', '.join(failures)}); "
                                 "the warehouse was not changed.")
            _create_wanted(con, keys)
            for table in (*STAGED_TABLES, BUS_UPLOAD_IN_FORCE):
                con.execute(f"DELETE FROM {table.name} t USING wanted w "
                            "WHERE t.month = w.month AND t.participant_id = w.participant_id")
            for table, scratch in loaded:  # checked above against the same registry entry
                con.execute(f"INSERT INTO {table.name} BY NAME SELECT * FROM {scratch}")
                con.execute(f"DROP TABLE {scratch}")
            insert_rows(con, BUS_UPLOAD_IN_FORCE, in_force_rows)
        signaleringen = con.execute("""
            SELECT kenmerk_nr, element, count(*) AS aantal FROM bus_signalering s JOIN wanted w
            ON s.month = w.month AND s.participant_id = w.participant_id GROUP BY ALL ORDER BY kenmerk_nr""").df()
        completeness = _completeness(con)

    missing_required = completeness[completeness["required"] & (completeness["leeg"] > 0)]
    yield dg.AssetCheckResult(
        check_name="signaleringen", passed=signaleringen.empty, severity=dg.AssetCheckSeverity.WARN,
        metadata={"signaleringen": int(signaleringen["aantal"].sum()) if len(signaleringen) else 0,
                  "per_kenmerk": markdown_table(signaleringen)})
    yield dg.AssetCheckResult(
        check_name="volledigheid", passed=missing_required.empty, severity=dg.AssetCheckSeverity.WARN,
        metadata={"per_kenmerk": markdown_table(completeness)})
    yield dg.MaterializeResult(metadata={
        "partitions": len(partitions),
        "uitkeringen": sum(r.n_uitkeringen for r in receipts),
        "personen": sum(r.n_personen for r in receipts),
        "signaleringen": sum(r.n_signaleringen for r in receipts),
        "uploads": dg.MetadataValue.md("\n".join(f"- {m:%Y-%m} {p}: `{r.sha256[:12]}` {r.original_filename}"
                                                 for (m, p), r in list(zip(partitions, receipts, strict=True))[:50])),
    })


def _receipts_in_force(home, partitions: list[tuple]) -> list[Receipt]:
    """The receipt of the upload in force for each (month, participant) partition; a partition without one fails."""
    in_force = uploads_in_force(home)
    receipts = []
    for month, participant_id in partitions:
        receipt = in_force.get((month.isoformat(), participant_id))
        if receipt is None:
            raise dg.Failure(f"No accepted upload is in force for {participant_id} in {month:%Y-%m}: "
                             "upload one (divobench upload) before staging this partition.")
        receipts.append(receipt)
    return receipts


def _load_staged_files(con: duckdb.DuckDBPyConnection, home, receipts: list[Receipt]) -> list[tuple[Table, str]]:
    """Each staged table's Parquet files of these uploads, read once into a temporary table of ``con``:
    (table, name of its temporary table) for the tables that have rows."""
    loaded = []
    for table in STAGED_TABLES:
        paths = _staged_files(home, receipts, table.name)
        if paths:
            scratch = f"staged_{table.name}"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {scratch} AS SELECT * FROM read_parquet(?)", [paths])
            loaded.append((table, scratch))
    return loaded


def _schema_failures(con: duckdb.DuckDBPyConnection, loaded: list[tuple[Table, str]]) -> dict[str, pd.DataFrame]:
    """Per staged table whose rows fail its schema: the first 50 failure cases (checks run in DuckDB)."""
    failures = {}
    for table, scratch in loaded:
        failed = sql_failure_cases(con, table, scratch)
        if failed is not None:
            failures[table.name] = failed
    return failures


def _staged_files(home, receipts: list[Receipt], table_name: str) -> list[str]:
    """The Parquet files of one staged table for these uploads (an upload without such rows has none)."""
    paths = (home.root / r.staging / f"{table_name}.parquet" for r in receipts)
    return [str(p) for p in paths if p.exists()]


def _create_wanted(con: duckdb.DuckDBPyConnection, keys: list[list]) -> None:
    """A temporary table ``wanted`` of the (month, participant_id) partitions this run replaces."""
    con.register("wanted_frame", pd.DataFrame(keys, columns=["month", "participant_id"]))
    con.execute("CREATE OR REPLACE TEMP TABLE wanted AS "
                "SELECT CAST(month AS DATE) AS month, participant_id FROM wanted_frame")
    con.unregister("wanted_frame")


def _completeness(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per staged kenmerk column: how many records leave it empty (absent, empty or onbekend)."""
    rows = []
    for level, staged in STAGED_TABLE_OF_LEVEL.items():
        table = staged.name
        kenmerken = [k for k in KENMERKEN if k.level == level]
        selects = ", ".join(f"count(*) FILTER (WHERE {k.column} IS NULL)" for k in kenmerken)
        counts = con.execute(f"""SELECT count(*), {selects} FROM {table} t JOIN wanted w
                                 ON t.month = w.month AND t.participant_id = w.participant_id""").fetchone()
        for k, leeg in zip(kenmerken, counts[1:], strict=True):
            rows.append({"kenmerk": f"{k.nr} {k.label}", "niveau": level, "leeg": int(leeg), "totaal": int(counts[0]),
                         "required": k.column in REQUIRED_COLUMNS.get(table, ())})
    return pd.DataFrame(rows)
