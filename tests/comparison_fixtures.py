"""Hand-made warehouses for the comparison tests: staged BUS rows with known counts, CBS group and kenmerk rows.

Each gemeente-month gets ``bestand`` algemene bijstand uitkeringen lopend on the peildatum, and ``uitstroom``
more that end in the month, of which ``werk`` with reden 11 (werk). So per gemeente: wi.bestand.pw = bestand,
wi.uitstroom.pw = uitstroom, wi.uitstroom_werk.pw = werk, wi.aandeel_uitstroom_werk.pw = werk / uitstroom.
The CBS tables (filled by the CBS branch in production) get rows by hand here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import duckdb
import pandas as pd

from divobench_pipeline.core.warehouse import open_warehouse
from divobench_pipeline.definitions import load_defs
from divobench_pipeline.orchestration.instance import dagster_instance
from divobench_pipeline.orchestration.partitions import partition_range_tags

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass(frozen=True)
class Counts:
    bestand: int
    uitstroom: int = 0
    werk: int = 0


def upload_sha(participant: str, month: dt.date) -> str:
    return hashlib.sha256(f"{participant}{month}".encode()).hexdigest()


def stage(home, data: dict[tuple[dt.date, str], Counts], participant_of: dict[str, str]) -> None:
    """Write staged uitkeringen and personen for each (month, gemeente) with the given counts."""
    uitkering, persoon = [], []
    for (month, gemeente), counts in data.items():
        pid = participant_of[gemeente]
        end = month + dt.timedelta(days=9)
        kinds = [(None, None)] * counts.bestand + [(end, "11")] * counts.werk + \
                [(end, "31")] * (counts.uitstroom - counts.werk)
        for k, (einde, reden) in enumerate(kinds):
            reg = f"{gemeente}-{k}"
            key = (month, pid, gemeente, reg, upload_sha(pid, month))
            uitkering.append((*key, "01", 1000))
            persoon.append((*key, hashlib.md5(f"{gemeente}{k}".encode()).hexdigest(), dt.date(2020, 1, 1),
                            einde, reden))
    con = open_warehouse(str(home.warehouse))
    try:
        con.register("u", pd.DataFrame(uitkering, columns=["month", "participant_id", "gemeentecode",
                                                            "registratienummer", "upload_sha256",
                                                            "statistiekcode", "betaalbaar_bedrag"]))
        con.execute("INSERT INTO bus_uitkering BY NAME SELECT * FROM u")
        con.register("p", pd.DataFrame(persoon, columns=["month", "participant_id", "gemeentecode",
                                                          "registratienummer", "upload_sha256", "bsn_pseudoniem",
                                                          "aanvangsdatum_uitkering", "einddatum_uitkering",
                                                          "reden_beeindiging_uitkering"]))
        con.execute("INSERT INTO bus_persoon BY NAME SELECT *, 1 AS persoon_nr FROM p")
        con.execute("""
            INSERT INTO bus_upload_in_force
            SELECT month, participant_id, any_value(upload_sha256), TIMESTAMP '2024-01-01', 'test.xml',
                   string_agg(DISTINCT gemeentecode, ','), count(*), count(*), 0
            FROM u GROUP BY month, participant_id""")
    finally:
        con.close()


def cbs_groups(home, year: int, groups: dict[str, dict[str, str]],
               kenmerken: dict[str, dict[str, float]] | None = None) -> None:
    """gemeente_groep rows (group_type → {gemeente: group_code}) and gemeente_kenmerk rows for ``year``."""
    con = open_warehouse(str(home.warehouse))
    try:
        for group_type, by_gemeente in groups.items():
            for gemeente, code in by_gemeente.items():
                con.execute("INSERT INTO gemeente_groep VALUES (?, ?, ?, ?, ?)",
                            [year, gemeente, group_type, code, f"{group_type} {code}"])
        for gemeente, values in (kenmerken or {}).items():
            for kenmerk, waarde in values.items():
                con.execute("INSERT INTO gemeente_kenmerk VALUES (?, ?, ?, ?, 'test')",
                            [year, gemeente, kenmerk, waarde])
    finally:
        con.close()


def run_job(home, job: str, first: dt.date, last: dt.date | None = None, instance=None):
    """One run of ``job`` over the months first..last (a single-run backfill), in the data directory's instance."""
    defs = load_defs(home)
    instance = instance or dagster_instance(home)
    result = defs.resolve_job_def(job).execute_in_process(
        instance=instance, run_config=QUIET,
        tags=partition_range_tags(first.isoformat(), (last or first).isoformat()))
    assert result.success
    return result


def query(home, sql: str, params=()):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()
