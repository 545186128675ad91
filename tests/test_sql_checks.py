"""The registry's checks run in DuckDB over Parquet (staging) find what Pandera finds, on the parsed example."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pandera.errors
import pytest

from divobench_pipeline.core import schemas
from divobench_pipeline.core.sql_checks import check_sql, sql_failure_cases
from divobench_pipeline.defs.bus_uploads.parser import parse_bus_upload

EXAMPLE = Path(__file__).parent / "fixtures" / "bus" / "bus_voorbeeld.xml"


def staged_tables() -> dict[str, pd.DataFrame]:
    parsed = parse_bus_upload(EXAMPLE, pseudonymise=lambda b: hmac.new(b"k", b.encode(), hashlib.sha256)
                              .hexdigest()[:32], allowed_gemeenten={"GM0363"}, today=date(2026, 11, 23))
    return {t.name: parsed.tables[t.name].assign(month=pd.Timestamp("2026-09-01"), participant_id="GM0363",
                                                 upload_sha256="0" * 64)[t.column_names]
            for t in schemas.STAGED_TABLES if t.name in parsed.tables}


def write_parquet(con, frame: pd.DataFrame, path: Path) -> list[str]:
    con.register("frame", frame)
    con.execute(f"COPY frame TO '{path}' (FORMAT parquet)").fetchall()
    con.unregister("frame")
    return [str(path)]


def pandera_cases(table, frame: pd.DataFrame) -> set[tuple]:
    try:
        table.pandera_schema().validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        return {(row.column, row.check, int(row.index)) for row in errors.failure_cases.itertuples()
                if row.check != "multiple_fields_uniqueness"}
    return set()


def test_every_staged_check_has_sql():
    for table in schemas.STAGED_TABLES:
        for column in table.columns:
            assert all(check_sql(check, column.name) is not None for check in column.checks), column.name


def test_the_parsed_example_passes(tmp_path):
    con = duckdb.connect()
    for name, frame in staged_tables().items():
        table = next(t for t in schemas.STAGED_TABLES if t.name == name)
        assert sql_failure_cases(con, table, write_parquet(con, frame, tmp_path / f"{name}.parquet")) is None


def test_broken_rows_fail_as_in_pandera(tmp_path):
    con = duckdb.connect()
    frame = staged_tables()["bus_persoon"]
    frame.loc[0, "bsn_pseudoniem"] = "999993653"
    frame.loc[1, "month"] = pd.Timestamp("2026-09-02")
    frame.loc[2, "persoon_nr"] = 0
    frame = pd.concat([frame, frame.iloc[[3]]], ignore_index=True)
    cases = sql_failure_cases(con, schemas.BUS_PERSOON, write_parquet(con, frame, tmp_path / "p.parquet"))
    found = {(row.column, row.check, int(row.index)) for row in cases.itertuples()
             if row.check != "multiple_fields_uniqueness"}
    assert found == pandera_cases(schemas.BUS_PERSOON, frame) == {
        ("bsn_pseudoniem", "str_matches('^[0-9a-f]{32}$')", 0),
        ("month", "month is the first day of a month", 1),
        ("persoon_nr", "greater_than_or_equal_to(1)", 2)}
    duplicates = cases[cases["check"] == "multiple_fields_uniqueness"]
    assert sorted(duplicates["index"]) == [3, len(frame) - 1]


@pytest.mark.parametrize("change", ["drop", "add"])
def test_missing_or_extra_column_fails(tmp_path, change):
    con = duckdb.connect()
    frame = staged_tables()["bus_uitkering"]
    frame = frame.drop(columns=["statistiekcode"]) if change == "drop" else frame.assign(bsn="999993653")
    cases = sql_failure_cases(con, schemas.BUS_UITKERING, write_parquet(con, frame, tmp_path / "u.parquet"))
    assert cases["failure_case"].tolist() == (["statistiekcode"] if change == "drop" else ["bsn"])
