"""Benchmark: a 60-month single-run backfill of every indicator and group value, national size.

Builds 342 gemeenten × 60 months of staged BUS data cheaply: one synthetic national month is generated in DuckDB
SQL straight into the staged tables (uitkeringen ~2% of CBS inwoners 2024; the upload path itself is measured
by national_month.py) and replicated to 60 months with every month and date shifted. CBS groups and kenmerken
are synthetic too (provincie, COROP, arbeidsmarktregio from the code; grootteklasse and inwoners from CBS
inwoners), standing in for the CBS branch's tables. Then, each in its own process with the memory of its
process tree sampled: one single-month refresh (indicator_job: indicators + group values) and the 60-month
backfill as one run. Target (issue 5): the backfill takes less than 10 single-month refreshes.

    .venv/bin/python bench/backfill_60_months.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import tempfile
import time
from pathlib import Path

from national_month import measure_phase, report_phase

from divobench_pipeline.core.months import shift_month

FIRST = dt.date(2021, 1, 1)
MONTHS = 60


def phase_build(home: Path) -> dict:
    from divobench_pipeline.core.participants import write_registry
    from divobench_pipeline.core.warehouse import open_warehouse
    from divobench_pipeline.demo.generator import load_inwoners

    inwoners = load_inwoners()
    write_registry(home / "participants.yaml", [
        {"id": code, "name": code, "gemeenten": [code]} for code in sorted(inwoners)])
    con = open_warehouse(str(home / "warehouse.duckdb"))
    con.execute("CREATE TEMP TABLE gemeente AS SELECT * FROM (VALUES " +
                ",".join(f"('{g}', {n})" for g, n in inwoners.items()) + ") t(code, inwoners)")
    con.execute("""
        CREATE TEMP TABLE base AS
        SELECT g.code AS gemeentecode, g.code || '-' || i AS registratienummer,
               CASE WHEN hash(g.code, i) % 100 < 90 THEN '01' WHEN hash(g.code, i) % 100 < 95 THEN '02' ELSE '12' END
                 AS statistiekcode,
               500 + (hash(i, g.code) % 1500)::INTEGER AS betaalbaar_bedrag,
               DATE '2020-12-31' - (hash(g.code, i, 1) % 3650)::INTEGER AS aanvang,
               CASE WHEN hash(g.code, i, 2) % 100 < 3 THEN DATE '2020-12-01' + (hash(g.code, i, 3) % 28)::INTEGER
               END AS einde,
               CASE WHEN hash(g.code, i, 4) % 2 = 0 THEN '11' ELSE '31' END AS reden,
               md5(g.code || i)[:32] AS bsn_pseudoniem
        FROM gemeente g, range(greatest(5, (g.inwoners * 0.02)::INTEGER)) r(i)""")
    con.execute(f"""
        CREATE TEMP TABLE months AS SELECT k, DATE '{FIRST}' + to_months(k::INTEGER) AS month
        FROM range({MONTHS}) t(k)""")
    shift = "to_months(k::INTEGER + 1)"
    con.execute("""
        INSERT INTO bus_uitkering BY NAME
        SELECT m.month, b.gemeentecode AS participant_id, b.gemeentecode, b.registratienummer, b.statistiekcode,
               b.betaalbaar_bedrag, sha256(b.gemeentecode || m.month) AS upload_sha256
        FROM base b, months m""")
    con.execute(f"""
        INSERT INTO bus_persoon BY NAME
        SELECT m.month, b.gemeentecode AS participant_id, b.gemeentecode, b.registratienummer, 1 AS persoon_nr,
               b.bsn_pseudoniem, DATE '1980-01-01' AS geboortedatum, b.aanvang + {shift} AS aanvangsdatum_uitkering,
               b.einde + {shift} AS einddatum_uitkering,
               CASE WHEN b.einde IS NOT NULL THEN b.reden END AS reden_beeindiging_uitkering,
               sha256(b.gemeentecode || m.month) AS upload_sha256
        FROM base b, months m""")
    con.execute("""
        INSERT INTO bus_upload_in_force
        SELECT month, participant_id, any_value(upload_sha256), now()::TIMESTAMP, 'bench.xml', participant_id,
               count(*), count(*), 0 FROM bus_uitkering GROUP BY ALL""")
    for year in range(FIRST.year, FIRST.year + MONTHS // 12 + 1):
        con.execute(f"""
            INSERT INTO gemeente_groep
            SELECT {year}, code, t.group_type, t.group_code, t.group_type || ' ' || t.group_code FROM gemeente,
              LATERAL (VALUES ('provincie', 'PV' || lpad((20 + hash(code) % 12)::VARCHAR, 2, '0')),
                              ('corop', 'CR' || lpad((1 + hash(code, 1) % 40)::VARCHAR, 2, '0')),
                              ('arbeidsmarktregio', 'AM' || lpad((1 + hash(code, 2) % 35)::VARCHAR, 2, '0')),
                              ('grootteklasse', CASE WHEN inwoners < 20000 THEN '3'
                                WHEN inwoners < 50000 THEN '4' WHEN inwoners < 100000 THEN '5' ELSE '6' END)
                      ) t(group_type, group_code)""")
        con.execute(f"""
            INSERT INTO gemeente_kenmerk
            SELECT {year}, code, t.kenmerk, t.waarde, 'bench' FROM gemeente,
              LATERAL (VALUES ('inwoners', inwoners::DOUBLE), ('stedelijkheid', 1 + hash(code, 3) % 5),
                              ('bevolkingsdichtheid', 100 + hash(code, 4) % 4000)) t(kenmerk, waarde)""")
    rows = con.execute("SELECT count(*), count(DISTINCT month) FROM bus_uitkering").fetchone()
    con.close()
    return {"uitkeringen_per_month": rows[0] // rows[1], "months": rows[1], "gemeenten": len(inwoners)}


def phase_run(home: Path, first: str, last: str) -> dict:
    from divobench_pipeline.core.home import DivobenchHome
    from divobench_pipeline.definitions import load_defs
    from divobench_pipeline.orchestration.instance import dagster_instance
    from divobench_pipeline.orchestration.partitions import partition_range_tags
    from divobench_pipeline.orchestration.refresh import QUIET

    divobench_home = DivobenchHome(home).prepare()
    started = time.perf_counter()
    result = load_defs(divobench_home).resolve_job_def("indicator_job").execute_in_process(
        instance=dagster_instance(divobench_home), run_config=QUIET, tags=partition_range_tags(first, last))
    return {"success": result.success, "run_seconds": round(time.perf_counter() - started, 2)}


def run_phase(home: Path, *args: str) -> dict:
    return measure_phase(__file__, "--home", str(home), "--phase", *args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        os.environ["DIVOBENCH_HOME"] = str(args.home)
        os.environ.pop("DAGSTER_HOME", None)
        name, *rest = args.phase
        report_phase(phase_build(args.home) if name == "build" else phase_run(args.home, *rest))
        return

    home = args.keep or Path(tempfile.mkdtemp(prefix="divobench-backfill-"))
    home.mkdir(parents=True, exist_ok=True)
    try:
        built = run_phase(home, "build")
        print(f"built: {built}")
        last = shift_month(FIRST, MONTHS - 1)
        one = run_phase(home, "run", last.isoformat(), last.isoformat())
        print(f"one month ({last:%Y-%m}), indicators + group values, one run: {one}")
        full = run_phase(home, "run", FIRST.isoformat(), last.isoformat())
        print(f"{MONTHS} months, one single-run backfill: {full}")
        ratio = full["seconds"] / (one["seconds"] * MONTHS)
        print(f"backfill / (one month × {MONTHS}) = {ratio:.3f}; backfill = {full['seconds'] / one['seconds']:.1f} "
              f"single-month refreshes; target < 10: {'met' if full['seconds'] < 10 * one['seconds'] else 'NOT met'}")
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
