"""Lineage: which uploads (content hashes) and which code version each indicator value rests on."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
from collections.abc import Mapping, Sequence
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import duckdb
import pandas as pd

from divobench_pipeline.core.schemas import INDICATOR_LINEAGE
from divobench_pipeline.core.warehouse import insert_rows
from divobench_pipeline.defs.wi_indicators import registry as indicator_registry


@cache
def _package_version() -> str:
    try:
        return version("divobench")
    except PackageNotFoundError:
        return "0+unknown"


@cache
def _git_commit() -> str:
    try:
        found = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=Path(__file__).parent,
                               capture_output=True, text=True, timeout=5, check=True)
        return found.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "nogit"


def code_version() -> str:
    """Package version, git commit of the code and a hash of the indicator definitions, e.g. 0.1.0+g1a2b.d3c4d."""
    definitions = hashlib.sha256(repr(indicator_registry.INDICATORS).encode()).hexdigest()[:8]
    return f"{_package_version()}+g{_git_commit()}.d{definitions}"


def write_lineage(con: duckdb.DuckDBPyConnection, months: Sequence[dt.date],
                  participants: Mapping[str, Sequence[str]], run_id: str | None) -> pd.DataFrame:
    """Replace the lineage rows of ``months`` (inside the caller's transaction) and return them.

    A gemeente's values rest on the staged upload of M (and of M−12 for 12-month changes); a participant's on
    those of its gemeenten with data.
    """
    gemeente = con.execute("""
        WITH uploads AS (
          SELECT month, gemeentecode AS unit, string_agg(DISTINCT upload_sha256, ';' ORDER BY upload_sha256) AS sha
          FROM bus_uitkering WHERE month IN (SELECT unnest(?::DATE[])) OR month + INTERVAL 12 MONTH IN
            (SELECT unnest(?::DATE[])) GROUP BY ALL)
        SELECT v.month, v.unit, u.sha AS upload_sha256, e.sha AS upload_sha256_12m
        FROM (SELECT DISTINCT month, unit FROM indicator_value
              WHERE level = 'gemeente' AND month IN (SELECT unnest(?::DATE[]))) v
        JOIN uploads u ON u.month = v.month AND u.unit = v.unit
        LEFT JOIN uploads e ON e.month + INTERVAL 12 MONTH = v.month AND e.unit = v.unit
    """, [list(months)] * 3).df()
    members = pd.DataFrame([(pid, g) for pid, codes in participants.items() for g in codes],
                           columns=["participant", "unit"])
    con.register("lineage_gemeente", gemeente)
    con.register("lineage_members", members)
    participant = con.execute(f"""
        SELECT g.month, m.participant, {_union_of("upload_sha256")} AS upload_sha256,
               {_union_of("upload_sha256_12m")} AS upload_sha256_12m
        FROM lineage_gemeente g JOIN lineage_members m USING (unit) GROUP BY ALL""").df()
    con.unregister("lineage_gemeente")
    con.unregister("lineage_members")
    rows = pd.concat([gemeente.assign(level="gemeente"),
                      participant.rename(columns={"participant": "unit"}).assign(level="participant")],
                     ignore_index=True)
    rows = rows.assign(code_version=code_version(), dagster_run_id=run_id)[INDICATOR_LINEAGE.column_names]
    con.execute(f"DELETE FROM {INDICATOR_LINEAGE.name} WHERE month IN (SELECT unnest(?::DATE[]))", [list(months)])
    insert_rows(con, INDICATOR_LINEAGE, rows)
    return rows


def _union_of(column: str) -> str:
    """SQL: the distinct hashes of ';'-joined lists in ``column`` over a group, sorted and ';'-joined (or NULL)."""
    return (f"nullif(array_to_string(list_sort(list_distinct(flatten(list(string_split({column}, ';')) "
            f"FILTER (WHERE {column} IS NOT NULL)))), ';'), '')")
