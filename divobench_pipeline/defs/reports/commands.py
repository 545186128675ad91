"""The command line of the reports: ``divobench report`` (one participant's reports for one month, now, from the
warehouse as it is) and the demo's closing list of report paths. Heavy modules load only when a report is made."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import Registry, load_registry


class ReportError(ValueError):
    """Nothing to report (no figures for the month or participant), or no browser to print with."""


def add_report_command(commands: argparse._SubParsersAction, month_arg: Callable[[str], dt.date]) -> None:
    report = commands.add_parser("report", help="a participant's benchmark report (dashboard, PDF, Word, infographic)")
    report.add_argument("--participant", required=True, metavar="ID")
    report.add_argument("--month", required=True, type=month_arg, metavar="YYYY-MM")
    report.add_argument("--output", type=Path, metavar="DIR",
                        help="write here instead of reports/deelnemers/<participant>/<YYYY-MM>/")
    report.set_defaults(run=cmd_report)


def cmd_report(args) -> int:
    home = DivobenchHome.from_env().prepare()
    registry = load_registry(home.participants_file)
    if args.participant not in registry:
        raise ReportError(f"participant {args.participant!r} is not in {home.participants_file}.")
    if not home.warehouse.exists():
        raise ReportError(f"there is no warehouse in {home.root} yet: run 'divobench refresh' or 'divobench demo'.")
    for path in write_report_now(home, registry, args.participant, args.month, args.output):
        print(path)
    return 0


def write_report_now(home: DivobenchHome, registry: Registry, participant_id: str, month: dt.date,
                     output: Path | None = None) -> list[Path]:
    """Write the report files (to ``output`` or the data directory's place) and return their paths.

    Written to the data directory's place, the report records its fingerprint, so the planner leaves it be.
    """
    from divobench_pipeline.core.warehouse import read_warehouse
    from divobench_pipeline.defs.reports.browser import BrowserMissing, printer
    from divobench_pipeline.defs.reports.data import NoData, load_month
    from divobench_pipeline.defs.reports.planning import report_fingerprints
    from divobench_pipeline.defs.reports.writer import report_dir, write_participant

    with read_warehouse(home.warehouse) as con:
        if con is None:
            raise ReportError(f"there is no warehouse in {home.root} yet: run 'divobench refresh'.")
        try:
            data = load_month(con, month)
        except NoData:
            raise ReportError(f"there are no benchmark figures for {month:%Y-%m} in the warehouse.") from None
        fingerprint = None if output else report_fingerprints(con, registry, [month]).get((month, participant_id))
        try:
            with printer() as pdf_printer:
                written = write_participant(con, data, registry, participant_id,
                                            output or report_dir(home, participant_id, month), pdf_printer,
                                            home.reports / "uploads", fingerprint)
        except NoData:
            raise ReportError(f"participant {participant_id} has no figures for {month:%Y-%m} "
                              "(no accepted upload for that month).") from None
        except BrowserMissing as exc:
            raise ReportError(str(exc)) from None
    return written.files


def print_report_paths(home: DivobenchHome, registry: Registry, latest: dt.date) -> None:
    """The demo's last lines: where every participant's benchmark report of the latest month is."""
    from divobench_pipeline.defs.reports.writer import FILES, report_dir, reports_root

    print(f"\nBenchmark reports (every participant, every month): {reports_root(home)}/<participant>/<YYYY-MM>/")
    for participant_id in registry.ids:
        for path in sorted(report_dir(home, participant_id, latest).rglob("*")):
            if path.name in FILES:
                print(f"  {path}")
