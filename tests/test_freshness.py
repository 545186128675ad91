"""The aanleverstatus: missing, late and out-of-line uploads, on constructed data and through the pipeline."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import dagster as dg
import duckdb
import pandas as pd
import pytest
from bus_builders import levering, write_bus
from test_pipeline import PARTICIPANTS, drop, query

from divobench_pipeline.core.participants import write_registry
from divobench_pipeline.core.warehouse import open_warehouse
from divobench_pipeline.defs.aanleverstatus.freshness import (
    ONTBREEKT,
    OP_TIJD,
    TE_LAAT,
    VERWACHT,
    deadline,
    month_summary,
    reporting_month,
    upload_status,
    window,
)
from divobench_pipeline.defs.bus_uploads.intake import Receipt
from divobench_pipeline.orchestration.instance import dagster_instance
from divobench_pipeline.orchestration.refresh import refresh

AS_OF = dt.date(2026, 11, 29)
MONTHS = [dt.date(2026, m, 1) for m in range(4, 11)]  # April .. October 2026
PEOPLE = ["STEADY", "ABSENT", "LATE", "SHRINK", "HOLES"]


def test_deadline_is_four_weeks_after_the_month_ends():
    assert deadline(dt.date(2026, 9, 1)) == dt.date(2026, 10, 28)
    assert deadline(dt.date(2026, 2, 1)) == dt.date(2026, 3, 28)
    assert deadline(dt.date(2026, 12, 1)) == dt.date(2027, 1, 28)
    assert reporting_month(dt.date(2026, 11, 28)) == dt.date(2026, 9, 1)  # October is due on 28 November
    assert reporting_month(AS_OF) == dt.date(2026, 10, 1)
    assert window(AS_OF)[0] == dt.date(2025, 11, 1) and window(AS_OF)[-1] == dt.date(2026, 10, 1)


def receipt(pid: str, month: dt.date, arrived: dt.date, n: int = 100, status: str = "accepted") -> Receipt:
    return Receipt(receipt_id=f"{arrived:%Y%m%d}_{pid}_{month:%m}", participant_id=pid, sha256="0" * 64,
                   original_filename="x.xml", size=1, received_at=f"{arrived.isoformat()}T09:00:00+00:00",
                   status=status, month=month.isoformat(), n_uitkeringen=n)


@pytest.fixture
def constructed(tmp_path):
    """Six months of history for five participants, with the trouble each one's name says in October."""
    con = open_warehouse(str(tmp_path / "warehouse.duckdb"))
    receipts = []
    for month in MONTHS:
        on_time = deadline(month) - dt.timedelta(days=3)
        for pid in PEOPLE:
            if pid == "ABSENT" and month == MONTHS[-1]:
                continue
            arrived = dt.date(2026, 11, 29) if pid == "LATE" and month == MONTHS[-1] else on_time
            n = 30 if pid == "SHRINK" and month == MONTHS[-1] else 100 + MONTHS.index(month)
            receipts.append(receipt(pid, month, arrived, n))
            con.execute("INSERT INTO bus_upload_in_force VALUES (?, ?, ?, ?, 'x.xml', 'GM0001', ?, ?, 0)",
                        [month, pid, "0" * 64, dt.datetime.combine(arrived, dt.time(9)), n, n])
            holes = pid == "HOLES" and month == MONTHS[-1]
            con.executemany(
                "INSERT INTO bus_persoon (month, participant_id, gemeentecode, registratienummer, persoon_nr, "
                "bsn_pseudoniem, huisvesting, upload_sha256) VALUES (?, ?, 'GM0001', ?, 1, ?, ?, ?)",
                [[month, pid, f"U{i}", f"{i:032x}", None if holes and i % 5 else "1", "0" * 64] for i in range(n)])
    # a correction of LATE's September after its deadline does not make September late
    receipts.append(receipt("LATE", dt.date(2026, 9, 1), dt.date(2026, 11, 20)))
    # a rejected October upload of ABSENT does not count as handed in
    receipts.append(receipt("ABSENT", MONTHS[-1], dt.date(2026, 11, 1), status="rejected"))
    yield con, receipts
    con.close()


def test_status_shows_missing_late_expected_and_out_of_line_uploads(constructed):
    con, receipts = constructed
    status = upload_status(con, [*PEOPLE, "NEWCOMER"], receipts, AS_OF)
    by = {(row.month, row.participant_id): row for row in status.itertuples()}
    october, september = MONTHS[-1], MONTHS[-2]

    assert len(status) == 12 * 6
    assert by[(october, "STEADY")].status == OP_TIJD
    assert by[(october, "ABSENT")].status == ONTBREEKT
    assert by[(october, "LATE")].status == TE_LAAT and by[(october, "LATE")].eerste_ontvangst == AS_OF
    assert by[(september, "LATE")].status == OP_TIJD
    assert by[(dt.date(2025, 11, 1), "STEADY")].status == ONTBREEKT
    assert by[(october, "NEWCOMER")].status == ONTBREEKT

    shrink = by[(october, "SHRINK")]
    assert shrink.status == OP_TIJD and shrink.uitkeringen == 30 and shrink.mediaan_uitkeringen == 102.5
    assert shrink.volume_signaal.startswith("instorting")
    holes = by[(october, "HOLES")]
    assert holes.volume_signaal is None
    assert holes.volledigheid_signaal == "k21 huisvesting 100% → 21%"
    assert {k for k, row in by.items() if row.volume_signaal or row.volledigheid_signaal} == {
        (october, "SHRINK"), (october, "HOLES")}
    # three months of history are needed before anything is called out of line
    assert pd.isna(by[(MONTHS[2], "STEADY")].mediaan_uitkeringen)

    december = upload_status(con, PEOPLE, receipts, dt.date(2026, 12, 5))
    assert set(december.loc[december["month"] == dt.date(2026, 11, 1), "status"]) == {VERWACHT}

    summary = month_summary(status).set_index("maand")
    assert summary.loc["2026-10"].to_dict() == {
        "deadline": "2026-11-28", "aangeleverd": "4/6", "te laat": "LATE", "ontbreekt": "ABSENT, NEWCOMER",
        "verwacht": "-", "afwijkend": "SHRINK, HOLES"}


def test_a_volume_jump_is_flagged(constructed):
    con, receipts = constructed
    con.execute("UPDATE bus_upload_in_force SET n_uitkeringen = 160 WHERE participant_id = 'STEADY' "
                "AND month = ?", [MONTHS[-1]])
    status = upload_status(con, PEOPLE, receipts, AS_OF)
    row = status[(status["month"] == MONTHS[-1]) & (status["participant_id"] == "STEADY")].iloc[0]
    assert row["volume_signaal"] == "sprong: 160 uitkeringen, mediaan 102.5"


def test_refresh_writes_the_status_with_its_checks_and_status_prints_it(home, tmp_path):
    write_registry(home.participants_file, PARTICIPANTS)
    drop(home, "GM0363", write_bus(tmp_path / "oktober.xml", levering(Statistiekmaand="10")))
    outcome = refresh(home)
    assert outcome.success and [run.job for run in outcome.runs] == ["bus_intake_job", "cbs_kerncijfers_job",
                                                                     "bus_staging_job", "cbs_job", "indicator_job",
                                                                     "report_job"]
    today = dt.date.today()
    rows = query(home, "SELECT participant_id, status, as_of FROM aanleverstatus WHERE month = '2026-10-01'")
    expected_october = OP_TIJD if today <= deadline(dt.date(2026, 10, 1)) else TE_LAAT
    assert sorted(rows) == [("GM0363", expected_october, today),
                            ("SV-ISD-BOLLENSTREEK", ONTBREEKT if today > dt.date(2026, 11, 28) else VERWACHT, today)]
    with dagster_instance(home) as instance:
        checks = {key.name: instance.event_log_storage.get_latest_asset_check_execution_by_key([key])
                  for key in [dg.AssetCheckKey(dg.AssetKey("aanleverstatus"), name)
                              for name in ("aanlevering_compleet", "aanlevering_op_tijd", "volume_in_lijn",
                                           "volledigheid_in_lijn")]}
        assert all(checks.values()), checks
        assert refresh(home, instance).runs == []

    with duckdb.connect(str(home.warehouse)) as con:
        con.execute("UPDATE aanleverstatus SET as_of = as_of - 1")
    outcome = refresh(home)
    assert [run.job for run in outcome.runs] == ["aanleverstatus_job"] and outcome.success
    assert query(home, "SELECT DISTINCT as_of FROM aanleverstatus") == [(today,)]

    shown = subprocess.run([sys.executable, "-m", "divobench_pipeline", "status", "--month", "2026-10"],
                           capture_output=True, text=True, check=True)
    assert "GM0363" in shown.stdout and "SV-ISD-BOLLENSTREEK" in shown.stdout and "2026-11-28" in shown.stdout
    overview = subprocess.run([sys.executable, "-m", "divobench_pipeline", "status"], capture_output=True,
                              text=True, check=True)
    assert f"{window(today)[0]:%Y-%m}" in overview.stdout and f"{window(today)[-1]:%Y-%m}" in overview.stdout
    bad = subprocess.run([sys.executable, "-m", "divobench_pipeline", "status", "--month", "oktober"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
