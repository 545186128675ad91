"""Planning with CBS: which years to read, and recomputing months whose inwoners changed."""

from __future__ import annotations

import datetime as dt

import duckdb

from divobench_pipeline.core.participants import Participant, Registry
from divobench_pipeline.core.schemas import TABLES
from divobench_pipeline.defs.cbs.planning import year_ranges
from divobench_pipeline.defs.cbs.store import missing_years
from divobench_pipeline.defs.wi_indicators.planning import indicator_fingerprints


def test_a_change_in_a_years_inwoners_changes_only_that_years_months(tmp_path):
    registry = Registry((Participant("GM0001", "A", ("GM0001",), ("wi_basis",)),))
    uploads = {(dt.date(2024, 12, 1), "GM0001"): "a", (dt.date(2025, 1, 1), "GM0001"): "b"}
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        for table in TABLES:
            con.execute(table.ddl())
        con.execute("INSERT INTO gemeente_kenmerk VALUES (2024, 'GM0001', 'inwoners', 1000, 't'), "
                    "(2025, 'GM0001', 'inwoners', 1010, 't')")
        before = indicator_fingerprints(uploads, registry, con)
        con.execute("UPDATE gemeente_kenmerk SET waarde = 1011 WHERE jaar = 2025")
        after = indicator_fingerprints(uploads, registry, con)
    assert before[dt.date(2024, 12, 1)] == after[dt.date(2024, 12, 1)]
    assert before[dt.date(2025, 1, 1)] != after[dt.date(2025, 1, 1)]


def test_missing_years(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        for table in TABLES:
            con.execute(table.ddl())
        months = [dt.date(2025, 3, 1), dt.date(2026, 1, 1)]
        assert missing_years(con, months) == [2025, 2026]
        con.execute("INSERT INTO gemeente_indeling (jaar, gemeentecode, gemeente_naam, bron) "
                    "VALUES (2025, 'GM0001', 'A', 't')")
        assert missing_years(con, months) == [2025, 2026]  # an indeling without inwoners is not enough
        con.execute("INSERT INTO gemeente_kenmerk VALUES (2025, 'GM0001', 'inwoners', 1000, 't')")
        assert missing_years(con, months) == [2026]
    assert year_ranges([2026, 2020, 2021, 2024]) == [("2020", "2021"), ("2024", "2024"), ("2026", "2026")]
