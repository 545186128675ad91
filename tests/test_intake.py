"""Receiving one upload (``bus_uploads/intake.py``): receipts as stored JSON, and the quarantine report."""

from __future__ import annotations

import datetime as dt
import json
import os

import duckdb
import pytest
from bus_builders import levering, uitkering, write_bus
from lxml import html

from divobench_pipeline.core.participants import load_registry, write_registry
from divobench_pipeline.core.schemas import STAGED_TABLES
from divobench_pipeline.defs.bus_uploads import intake
from divobench_pipeline.defs.bus_uploads.intake import (
    PARALLEL_FROM_FILES,
    ReceiptError,
    intake_workers_started,
    read_receipts,
    receive_upload,
    receive_waiting,
)

TODAY = dt.date(2026, 11, 23)
RECEIPT_FIELDS = ["receipt_id", "participant_id", "sha256", "original_filename", "size", "received_at", "status",
                  "month", "gemeenten", "n_uitkeringen", "n_personen", "n_signaleringen", "reasons", "report",
                  "staging"]


@pytest.fixture
def receive(home, tmp_path):
    write_registry(home.participants_file, [{"id": "GM0363", "name": "Amsterdam", "gemeenten": ["GM0363"]}])
    registry = load_registry(home.participants_file)

    def run(name: str, *leveringen: dict):
        source = write_bus(tmp_path / name, *leveringen)
        return receive_upload(home, registry, "GM0363", source, pseudonym_key=os.urandom(32),
                              archive_key=os.urandom(32), today=TODAY)
    return run


def shown_month(home, receipt) -> str:
    tree = html.fromstring((home.root / receipt.report).read_text(encoding="utf-8"))
    return dict(zip(tree.xpath("//dt/text()"), [dd.text_content() for dd in tree.xpath("//dd")], strict=True))[
        "Statistiekmaand"]


def test_the_quarantine_report_shows_a_readable_statistiekmaand(home, receive):
    wrong_gemeente = receive("andere_gemeente.xml", levering(uitkering("U1"), Gemeentecode="0999",
                                                             Statistiekmaand="08"))
    assert wrong_gemeente.status == "rejected" and "quarantine" in wrong_gemeente.report
    assert shown_month(home, wrong_gemeente) == "augustus 2026"

    future = receive("toekomst.xml", levering(Statistiekmaand="12"))
    assert future.status == "rejected" and shown_month(home, future) == "december 2026"

    unreadable = receive("maand_13.xml", levering(uitkering("U1"), Statistiekmaand="13"))
    assert unreadable.status == "rejected" and shown_month(home, unreadable) == "onbekend"
    # the receipt itself still records no month for a rejected upload (it never takes a month's place)
    assert {r.month for r in read_receipts(home)} == {None}


def test_a_receipt_is_stored_with_the_fields_of_before_and_reads_back_equal(home, receive):
    accepted = receive("goed.xml", levering(uitkering("U1")))
    stored = json.loads((home.receipts / "GM0363" / f"{accepted.receipt_id}.json").read_text(encoding="utf-8"))
    assert list(stored) == RECEIPT_FIELDS
    assert stored["status"] == "accepted" and stored["month"] == "2026-09-01" and stored["n_uitkeringen"] == 1
    assert read_receipts(home) == [accepted]


@pytest.mark.parametrize(("change", "field"), [
    ({"size": "groot"}, "size"), ({"status": "misschien"}, "status"), ({"month": "2026-09"}, "month"),
    ({"sha256": "abc"}, "sha256"), ({"kleur": "rood"}, "kleur"), ({"n_personen": -1}, "n_personen"),
])
def test_a_damaged_receipt_is_refused_naming_the_file_and_the_field(home, receive, change, field):
    accepted = receive("goed.xml", levering(uitkering("U1")))
    path = home.receipts / "GM0363" / f"{accepted.receipt_id}.json"
    path.write_text(json.dumps({**json.loads(path.read_text(encoding="utf-8")), **change}), encoding="utf-8")
    with pytest.raises(ReceiptError) as caught:
        read_receipts(home)
    assert str(caught.value).startswith(f"{path}: not a valid receipt: field '{field}': ")


def test_the_staged_parquet_files_carry_the_warehouse_types_and_the_uploads_rows(home, receive):
    accepted = receive("signaleringen.xml", levering(uitkering("U1", Leefvorm="9"), uitkering("U2", BedragNorm="-3"),
                                                     Statistiekmaand="09"))
    assert accepted.status == "accepted with signaleringen"
    con = duckdb.connect()
    expected_rows = {"bus_uitkering": 2, "bus_persoon": 2, "bus_signalering": 2}
    for table in STAGED_TABLES:
        path = home.root / accepted.staging / f"{table.name}.parquet"
        if table.name not in expected_rows:
            assert not path.exists()  # a table without rows has no file
            continue
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        assert [(name, kind) for name, kind, *_ in described] == [(c.name, c.sql_type) for c in table.columns]
        caller = con.execute("SELECT DISTINCT month, participant_id, upload_sha256 FROM read_parquet(?)",
                             [str(path)]).fetchall()
        assert caller == [(dt.date(2026, 9, 1), "GM0363", accepted.sha256)]
        assert con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0] == expected_rows[
            table.name]
    signaleringen = con.execute(
        "SELECT registratienummer, persoon_nr, kenmerk_nr, waarde FROM read_parquet(?) ORDER BY registratienummer",
        [str(home.root / accepted.staging / "bus_signalering.parquet")]).fetchall()
    assert signaleringen == [("U1", None, 10, "9"), ("U2", None, 12, "-3")]
    uitkeringen = con.execute("SELECT registratienummer, leefvorm, bedrag_norm, datum_invoering FROM read_parquet(?) "
                              "ORDER BY registratienummer",
                              [str(home.root / accepted.staging / "bus_uitkering.parquet")]).fetchall()
    assert uitkeringen == [("U1", None, 1401, dt.date(2026, 9, 28)), ("U2", "1", None, dt.date(2026, 9, 28))]


def test_receipts_read_again_are_copies_and_a_changed_receipt_file_is_read_anew(home, receive):
    accepted = receive("goed.xml", levering(uitkering("U1")))
    first = read_receipts(home)[0]
    first.reasons.append("iets")
    first.replay = True
    assert read_receipts(home) == [accepted] and not read_receipts(home)[0].replay
    path = home.receipts / "GM0363" / f"{accepted.receipt_id}.json"
    path.write_text(json.dumps({**json.loads(path.read_text(encoding="utf-8")), "n_personen": 7}), encoding="utf-8")
    assert read_receipts(home)[0].n_personen == 7


def test_intake_workers_started_beforehand_do_the_intake_and_are_stopped_when_unused(home, tmp_path, monkeypatch):
    monkeypatch.setenv("DIVOBENCH_INTAKE_WORKERS", "2")
    ids = ["GM0363", "GM0599"]
    write_registry(home.participants_file, [{"id": pid, "name": pid, "gemeenten": [pid]} for pid in ids])
    registry = load_registry(home.participants_file)
    waiting = []
    for k in range(PARALLEL_FROM_FILES):
        pid = ids[k % 2]
        folder = home.inbox_of(pid)
        folder.mkdir(parents=True, exist_ok=True)
        waiting.append((pid, write_bus(folder / f"{k}.xml", levering(uitkering(f"U{k}"), Gemeentecode=pid[2:],
                                                                         Statistiekmaand=f"{1 + k // 2:02d}"))))
    keys = {"pseudonym_key": os.urandom(32), "archive_key": os.urandom(32)}
    with intake_workers_started(home, len(waiting)):
        pool = intake._started_pools[home.root]
        receipts = receive_waiting(home, registry, waiting, **keys)
        assert not intake._started_pools  # taken by the intake, which shut it down when done
    assert pool._shutdown_thread
    assert [r.status for r in receipts] == ["accepted"] * len(waiting)
    assert {r.participant_id for r in receipts} == set(ids)

    with intake_workers_started(home, len(waiting)):
        unused = intake._started_pools[home.root]
    assert unused._shutdown_thread and not intake._started_pools
    with intake_workers_started(home, PARALLEL_FROM_FILES - 1):
        assert not intake._started_pools  # too few files for workers
