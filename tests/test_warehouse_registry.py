"""The warehouse follows the schema registry: one spelling per concept, old column names migrated in a real DuckDB
file of the previous version, units on the columns that have one, shown as DuckDB column comments and in the
Dagster column schema of the assets."""

from __future__ import annotations

import dagster as dg
import duckdb
import pandas as pd
import pytest

from divobench_pipeline.core.ddl import RENAMED_COLUMNS, SCHEMA_MARK, needs_renames, prepare_tables, registry_digest
from divobench_pipeline.core.schemas import GEMEENTE_KENMERK, UNITS, Column, all_tables
from divobench_pipeline.core.warehouse import open_warehouse, read_warehouse, replace_rows, transaction
from divobench_pipeline.definitions import load_defs
from divobench_pipeline.defs.statushouders import taakstelling
from divobench_pipeline.defs.statushouders.tables import COA_TAAKSTELLING
from divobench_pipeline.orchestration.metadata import ASSET_TABLE

# The DDL of two tables as the previous version created them (gemeente_code, periode).
OLD_DDL = [
    """CREATE TABLE gemeente_kenmerk (jaar INTEGER NOT NULL, gemeente_code VARCHAR NOT NULL,
       kenmerk VARCHAR NOT NULL, waarde DOUBLE, bron VARCHAR NOT NULL)""",
    """CREATE TABLE coa_taakstelling (periode VARCHAR NOT NULL, gemeente_code VARCHAR NOT NULL,
       gemeente_naam VARCHAR NOT NULL, landelijk_aantal INTEGER NOT NULL, taakstelling INTEGER NOT NULL,
       achterstand_begin INTEGER NOT NULL, realisatie INTEGER NOT NULL, opmerking VARCHAR,
       gecorrigeerde_taakstelling INTEGER NOT NULL, achterstand_eind INTEGER NOT NULL,
       upload_sha256 VARCHAR NOT NULL)""",
]
SHA = "a" * 64
# Numeric columns that are keys, positions or classes, not quantities: they carry no unit.
UNITLESS = {"jaar", "persoon_nr", "volgnr", "kenmerk_nr", "rang", "stedelijkheid", "afstand"}


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                                      "ORDER BY column_index", [table]).fetchall()]


def old_warehouse(path) -> None:
    with duckdb.connect(str(path)) as con:
        for ddl in OLD_DDL:
            con.execute(ddl)
        con.execute("INSERT INTO gemeente_kenmerk VALUES (2024, 'GM0363', 'inwoners', 931298, '03759ned')")
        con.execute("INSERT INTO coa_taakstelling VALUES "
                    f"('2025-I', 'GM0363', 'Amsterdam', 10000, 480, 20, 450, NULL, 500, 50, '{SHA}'), "
                    f"('2025-II', 'GM0363', 'Amsterdam', 9000, 430, 60, 400, NULL, 490, 90, '{SHA}')")


def test_a_warehouse_of_the_previous_version_gets_the_one_spelling_and_keeps_its_rows(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    old_warehouse(path)
    con = open_warehouse(str(path))
    try:
        assert columns_of(con, "gemeente_kenmerk") == GEMEENTE_KENMERK.column_names
        assert columns_of(con, "coa_taakstelling") == COA_TAAKSTELLING.column_names
        assert con.execute("SELECT jaar, gemeentecode, waarde FROM gemeente_kenmerk").fetchall() == [
            (2024, "GM0363", 931298.0)]
        coa = con.execute("SELECT * FROM coa_taakstelling ORDER BY period").df()
        off = taakstelling.continuity_deviations(coa)  # the code reads the renamed column
        assert off[["periode", "achterstand_begin", "achterstand_eind_vorige"]].values.tolist() == [["2025-II", 60, 50]]
        replace_rows(con, GEMEENTE_KENMERK, pd.DataFrame([{"jaar": 2025, "gemeentecode": "GM0363",
                                                           "kenmerk": "inwoners", "waarde": 933680.0, "bron": "t"}]),
                     "jaar = ?", [2025])
        assert con.execute("SELECT count(*) FROM gemeente_kenmerk").fetchone() == (2,)
    finally:
        con.close()
    with duckdb.connect(str(path)) as again:  # a second opening has nothing left to do
        found = {t: set(columns_of(again, t)) for t in ("gemeente_kenmerk", "coa_taakstelling")}
        assert not any(old in names for names in found.values() for old in RENAMED_COLUMNS)
    open_warehouse(str(path)).close()


def test_every_table_spells_a_concept_one_way():
    names = {c.name for t in all_tables() for c in t.columns}
    assert not names & set(RENAMED_COLUMNS)
    assert {"gemeentecode", "period"} <= names
    definitions = {}
    for table in all_tables():
        for column in table.columns:
            if column.name in ("gemeentecode", "period", "month", "participant_id", "jaar"):
                definitions.setdefault(column.name, set()).add(column.sql_type)
    assert all(len(types) == 1 for types in definitions.values()), definitions


def test_every_quantity_has_a_unit_and_bus_amounts_are_euros():
    missing = [f"{t.name}.{c.name}" for t in all_tables() for c in t.columns
               if c.sql_type in ("INTEGER", "DOUBLE") and not c.unit and c.name not in UNITLESS]
    assert missing == []
    units = {(t.name, c.name): c.unit for t in all_tables() for c in t.columns}
    assert units[("bus_uitkering", "betaalbaar_bedrag")] == units[("bus_inkomsten", "bedrag")] == "euro"
    assert units[("buig_budget", "budget")] == "euro"
    assert units[("gemeente_overgang", "gewicht")] == "fractie"
    assert units[("coa_taakstelling", "achterstand_eind")] == "personen"
    with pytest.raises(ValueError, match="unknown unit 'euros'"):
        Column("bedrag", "INTEGER", unit="euros")


def test_descriptions_and_units_are_column_comments_in_duckdb(tmp_path):
    con = open_warehouse(str(tmp_path / "warehouse.duckdb"))
    try:
        comments = {(t, c): comment for t, c, comment in con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'main'").fetchall()}
        assert comments[("bus_uitkering", "betaalbaar_bedrag")] == \
            "kenmerk 15: betaalbaar gesteld bedrag (excl. vt); eenheid: euro"
        for table in all_tables():
            for column in table.columns:
                assert comments[(table.name, column.name)] == (column.comment or None)
                if column.unit:
                    assert comments[(table.name, column.name)].endswith(f"eenheid: {column.unit}")
        assert set(UNITS) >= {c.unit for t in all_tables() for c in t.columns if c.unit}
        assert con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'buig_budget'").fetchone()[0] \
            .startswith("BUIG budget per year and gemeente")
        changed = GEMEENTE_KENMERK.__class__(GEMEENTE_KENMERK.name, "changed", GEMEENTE_KENMERK.columns)
        prepare_tables(con, [changed])
        assert con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'gemeente_kenmerk'").fetchone() == (
            "changed",)
    finally:
        con.close()


def test_the_dagster_ui_shows_each_table_column_with_its_unit(home):
    graph = load_defs(home).resolve_asset_graph()
    tables = {t.name: t for t in all_tables()}
    for asset, table in ASSET_TABLE.items():
        schema = graph.get(dg.AssetKey(asset)).metadata["dagster/column_schema"]
        assert [c.name for c in schema.columns] == tables[table].column_names, asset
    budget = graph.get(dg.AssetKey("buig_budgetten")).metadata["dagster/column_schema"].columns
    assert [(c.description, c.type, c.constraints.nullable) for c in budget if c.name == "budget"] == [
        ("BUIG budget for the year; eenheid: euro", "DOUBLE", False)]


def test_a_reader_of_a_previous_version_warehouse_sees_the_one_spelling(tmp_path):
    """Planners and sensors open the warehouse read-only; the first of them to meet old columns renames them."""
    path = tmp_path / "warehouse.duckdb"
    old_warehouse(path)
    with read_warehouse(path) as con:
        assert con.execute("SELECT period, gemeentecode FROM coa_taakstelling ORDER BY 1").fetchall() == [
            ("2025-I", "GM0363"), ("2025-II", "GM0363")]
        assert not needs_renames(con, all_tables())


def test_a_warehouse_in_step_is_recognised_by_its_mark_and_a_changed_registry_is_applied(tmp_path):
    path = str(tmp_path / "warehouse.duckdb")
    open_warehouse(path).close()
    con = open_warehouse(path)
    try:
        assert con.execute(f"SELECT digest FROM {SCHEMA_MARK}").fetchall() == [(registry_digest(tuple(all_tables())),)]
        changed = GEMEENTE_KENMERK.__class__(GEMEENTE_KENMERK.name, "changed", GEMEENTE_KENMERK.columns)
        with transaction(con):
            prepare_tables(con, [*[t for t in all_tables() if t.name != changed.name], changed])
        assert con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'gemeente_kenmerk'").fetchone() == (
            "changed",)
    finally:
        con.close()
    with open_warehouse(path) as again:  # the registry as it is: the comment is put back
        assert again.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'gemeente_kenmerk'"
                             ).fetchone()[0] == GEMEENTE_KENMERK.description
