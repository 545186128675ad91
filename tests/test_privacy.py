"""No BSN survives anywhere under the data directory once uploads are processed."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import duckdb
from bus_builders import BSN_FAILING, levering, persoon, uitkering, write_bus

from divobench_pipeline.core.participants import write_registry
from divobench_pipeline.demo.generator import UploadSpec, generate_uploads
from divobench_pipeline.orchestration.refresh import refresh

BSN_ELEMENT = re.compile(rb"<Burgerservicenummer>\s*(\d+)\s*</Burgerservicenummer>")


def test_no_bsn_is_left_in_any_file_table_log_report_or_quarantine(home, tmp_path):
    write_registry(home.participants_file, [{"id": "GM0363", "name": "Amsterdam", "gemeenten": ["GM0363"]}])
    sources = [u.path for u in generate_uploads(tmp_path / "gen", [UploadSpec("GM0363", ("GM0363",))],
                                                [dt.date(2026, m, 1) for m in (7, 8, 9)], seed=7, scale=0.01)]
    sources.append(write_bus(tmp_path / "signalering.xml", levering(
        uitkering("U1", persoon(Burgerservicenummer=BSN_FAILING)), Statistiekmaand="10")))
    duplicate = uitkering("U2", persoon(Burgerservicenummer="999990044"))
    sources.append(write_bus(tmp_path / "afgewezen.xml", levering(duplicate, duplicate, Statistiekmaand="10")))
    bsns = {bsn for path in sources for bsn in BSN_ELEMENT.findall(path.read_bytes())}
    assert len(bsns) > 100 and BSN_FAILING.encode() in bsns

    for index, path in enumerate(sources):
        target = home.inbox_of("GM0363") / f"{index:02d}_{path.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    outcome = refresh(home)
    assert outcome.success, outcome.summary()

    files = [p for p in home.root.rglob("*") if p.is_file()]
    assert any(p.suffix == ".duckdb" for p in files) and any(p.name.endswith(".db") for p in files)
    assert any(p.parts[-3] == "quarantine" or "quarantine" in p.parts for p in files)
    nine_digits = re.compile(rb"(?<!\d)\d{9}(?!\d)")
    for path in files:
        found = bsns.intersection(nine_digits.findall(path.read_bytes()))
        assert not found, f"{path.relative_to(home.root)} holds a BSN"

    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        columns = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                              "WHERE data_type = 'VARCHAR'").fetchall()
        assert len(columns) > 20
        for table, column in columns:
            hits = con.execute(f"SELECT count(*) FROM {table} WHERE {column} IN (SELECT unnest(?::VARCHAR[]))",
                               [[b.decode() for b in bsns]]).fetchone()[0]
            assert hits == 0, f"{table}.{column} holds a BSN"
        for parquet in home.staging.rglob("*.parquet"):
            text = con.execute("SELECT string_agg(CAST(columns(*) AS VARCHAR), '|') FROM read_parquet(?)",
                               [str(parquet)]).fetchall()
            assert not bsns.intersection(nine_digits.findall(str(text).encode())), parquet
