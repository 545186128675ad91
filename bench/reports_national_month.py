"""Benchmark: every participant's benchmark report of one national month (342 gemeenten), as one run.

Builds 342 gemeenten × 24 months of staged data in SQL (the builder of backfill_60_months.py), computes indicators,
group values and aanleverstatus for the 24 months in one run, then writes the reports of the latest month for all
342 participants through ``report_job`` (one single-run backfill over the month's participant partitions):
dashboard (HTML), PDF, Word and infographic (PNG, PDF) each. Each phase runs in its own process; its peak memory
is sampled over its process tree (the report workers and their Chromium included).
Target (issue 15): under 2 minutes on the 2-core build machine.

    .venv/bin/python bench/reports_national_month.py [--keep DIR] [--workers N]

With ``--keep DIR`` naming a directory that already holds a built home (from an earlier ``--keep`` run), only the
report phase runs again, so changes to the reports can be measured on the same data.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import backfill_60_months as build
from national_month import measure_phase, report_phase

from divobench_pipeline.core.months import shift_month

MONTHS = 24
LAST = shift_month(build.FIRST, MONTHS - 1)
BUILT = ".bench-built"  # written once the home holds the staged data, indicators and group values


def phase_build(home: Path) -> dict:
    build.MONTHS = MONTHS
    return build.phase_build(home)


def phase_reports(home: Path, participants: int | None = None) -> dict:
    from divobench_pipeline.core.home import DivobenchHome
    from divobench_pipeline.core.participants import load_registry
    from divobench_pipeline.definitions import load_defs
    from divobench_pipeline.orchestration.instance import dagster_instance
    from divobench_pipeline.orchestration.partitions import (
        month_participant_key,
        participant_partitions,
        partition_range_tags,
    )
    from divobench_pipeline.orchestration.refresh import QUIET

    divobench_home = DivobenchHome(home).prepare()
    ids = load_registry(divobench_home.participants_file).ids[:participants]
    instance = dagster_instance(divobench_home)
    instance.add_dynamic_partitions(participant_partitions.name, ids)
    started = time.perf_counter()
    result = load_defs(divobench_home).resolve_job_def("report_job").execute_in_process(
        instance=instance, run_config=QUIET,
        tags=partition_range_tags(month_participant_key(LAST, ids[0]), month_participant_key(LAST, ids[-1])))
    seconds = time.perf_counter() - started
    written = list((home / "reports" / "deelnemers").glob(f"*/{LAST:%Y-%m}/benchmarkrapport.pdf"))
    return {"success": result.success, "run_seconds": round(seconds, 2), "reports": len(written),
            "seconds_per_report": round(seconds / max(1, len(written)), 3),
            "megabytes": round(sum(f.stat().st_size for f in (home / "reports" / "deelnemers").rglob("*")
                                   if f.is_file()) / 2**20, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    parser.add_argument("--workers", type=int, help="report worker processes (default: the number of cores)")
    parser.add_argument("--participants", type=int, help="only the first N participants' reports (a quick check)")
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        os.environ["DIVOBENCH_HOME"] = str(args.home)
        os.environ.pop("DAGSTER_HOME", None)
        name, *rest = args.phase
        phases = {"build": lambda: phase_build(args.home),
                  "reports": lambda: phase_reports(args.home, int(rest[0]) if rest else None),
                  "indicators": lambda: build.phase_run(args.home, *rest)}
        report_phase(phases[name]())
        return
    if args.workers:
        os.environ["DIVOBENCH_REPORT_WORKERS"] = str(args.workers)
    home = args.keep or Path(tempfile.mkdtemp(prefix="divobench-reports-"))
    home.mkdir(parents=True, exist_ok=True)

    def run_phase(*phase: str) -> dict:
        return measure_phase(__file__, "--home", str(home), "--phase", *phase)

    try:
        if (home / BUILT).exists():
            print(f"reusing the built home in {home}")
        else:
            print(f"built: {run_phase('build')}")
            print(f"indicators, group values, aanleverstatus ({MONTHS} months, one run): "
                  f"{run_phase('indicators', build.FIRST.isoformat(), LAST.isoformat())}")
            (home / BUILT).touch()
        print(f"load average before the reports: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        reports = run_phase("reports", *([str(args.participants)] if args.participants else []))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        reports["cpu_seconds"] = round(cpu, 1)  # the phase's process tree: workers and Chromium included
        reports["cpu_per_report"] = round(cpu / max(1, reports["reports"]), 3)
        reports["load_average_after"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
        print(f"reports of {LAST:%Y-%m}, {args.participants or 'all'} participants, one run of report_job: {reports}")
        if not args.participants:
            print(f"target < 120 s: {'met' if reports['seconds'] < 120 else 'NOT met'}")
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
