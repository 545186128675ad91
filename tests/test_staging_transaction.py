"""Staging writes a run's partitions all or nothing: a failed registry check in one staged table leaves no row of
any table of the run's partitions, and a month already staged keeps its upload in force (real inbox files, intake,
DuckDB file and Dagster instance; the Parquet of one table is broken between intake and staging)."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
from bus_builders import levering, write_bus

from divobench_pipeline.core.participants import write_registry
from divobench_pipeline.core.schemas import BUS_UPLOAD_IN_FORCE, STAGED_TABLES
from divobench_pipeline.definitions import load_defs
from divobench_pipeline.defs.bus_uploads.intake import uploads_in_force
from divobench_pipeline.orchestration.instance import dagster_instance
from divobench_pipeline.orchestration.refresh import refresh

EXAMPLE = Path(__file__).parent / "fixtures" / "bus" / "bus_voorbeeld.xml"
TABLES = [t.name for t in (*STAGED_TABLES, BUS_UPLOAD_IN_FORCE)]


def rows_per_table(home, month: str) -> dict[str, list[tuple]]:
    """Per staged table: (upload_sha256, rows) of GM0363 in ``month`` (bus_upload_in_force included)."""
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return {t: con.execute(f"SELECT upload_sha256, count(*) FROM {t} WHERE participant_id = 'GM0363' "
                               "AND month = CAST(? AS DATE) GROUP BY 1", [month]).fetchall() for t in TABLES}


def break_persoon_nr(home, month: str) -> None:
    """Make the staged bus_persoon rows of the upload in force for ``month`` fail the registry (persoon_nr 0)."""
    parquet = home.root / uploads_in_force(home)[(month, "GM0363")].staging / "bus_persoon.parquet"
    broken = parquet.with_suffix(".broken")
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * REPLACE (CAST(0 AS INTEGER) AS persoon_nr) FROM read_parquet('{parquet}')) "
                    f"TO '{broken}' (FORMAT parquet)")
    broken.replace(parquet)


def test_a_failed_check_in_one_table_leaves_no_row_of_any_table_of_the_run(home, tmp_path):
    write_registry(home.participants_file, [{"id": "GM0363", "name": "Amsterdam", "gemeenten": ["GM0363"]}])
    others = frozenset(j.name for j in load_defs(home).resolve_all_job_defs() if not j.name.startswith("__")) - {
        "bus_intake_job", "bus_staging_job"}
    inbox = home.inbox_of("GM0363")
    inbox.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(EXAMPLE, inbox / "september.xml")
    assert refresh(home, skip_jobs=others).success
    september = rows_per_table(home, "2026-09-01")
    (sha, _), = september["bus_upload_in_force"]
    assert september == {"bus_uitkering": [(sha, 3)], "bus_persoon": [(sha, 4)], "bus_vermindering": [],
                         "bus_inkomsten": [(sha, 1)], "bus_signalering": [], "bus_upload_in_force": [(sha, 1)]}

    # a correction of September and a first October arrive; intake only, then one table's Parquet is broken
    write_bus(inbox / "september_correctie.xml", levering())
    write_bus(inbox / "oktober.xml", levering(Statistiekmaand="10"))
    assert refresh(home, skip_jobs=others | {"bus_staging_job"}).success
    for month in ("2026-09-01", "2026-10-01"):
        break_persoon_nr(home, month)

    outcome = refresh(home, skip_jobs=others)
    assert [(run.job, run.success) for run in outcome.runs] == [("bus_staging_job", False)]
    assert rows_per_table(home, "2026-09-01") == september  # the upload in force before stays, in every table
    assert all(found == [] for found in rows_per_table(home, "2026-10-01").values())
    check = dagster_instance(home).event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey("bus_staged"), "bus_persoon_schema")])
    evaluation = next(iter(check.values())).evaluation
    assert evaluation is not None and not evaluation.passed
