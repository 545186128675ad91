"""The ``divobench`` command line: demo, upload, refresh, export and serve."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from divobench_pipeline.core.home import ARCHIVE_KEY_ENV, PSEUDONYM_KEY_ENV, DivobenchHome, ensure_key
from divobench_pipeline.core.participants import RegistryError, load_registry
from divobench_pipeline.core.settings import settings
from divobench_pipeline.core.shutdown import quick_exit
from divobench_pipeline.defs.comparisons.exports import number as _number
from divobench_pipeline.defs.reports.commands import add_report_command, print_report_paths
from divobench_pipeline.defs.statushouders.intake import SOURCES as STATUSHOUDERS_SOURCES
from divobench_pipeline.defs.wi_indicators.registry import INDICATORS
from divobench_pipeline.serve import serve as serve_dagster


class UserError(Exception):
    """A problem with what the user asked for, reported as one sentence without a traceback."""


def run() -> NoReturn:
    """The ``divobench`` console script: :func:`main`, then :func:`quick_exit` (no interpreter teardown)."""
    quick_exit(main())


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (UserError, RegistryError, ValueError) as exc:
        for line in str(exc).splitlines():
            print(f"divobench: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (``divobench export ... | head``): nothing more to say
        sys.stderr.close()
        return 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one sentence, traceback on request
        if settings().debug:
            raise
        print(f"divobench: unexpected error ({type(exc).__name__}: {exc}). "
              "Set DIVOBENCH_DEBUG=1 to see the traceback.", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="divobench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="create a demo data directory, run everything, show where results are")
    demo.add_argument("--months", type=int, default=24, help="months of synthetic history (default 24)")
    demo.add_argument("--seed", type=int, default=2026)
    demo.set_defaults(run=cmd_demo)

    upload = commands.add_parser("upload", help="hand in BUS files or questionnaire workbooks for a participant, "
                                                "or a file of one of the benchmark's own sources")
    who = upload.add_mutually_exclusive_group(required=True)
    who.add_argument("--participant", metavar="ID")
    who.add_argument("--source", choices=["budget", *STATUSHOUDERS_SOURCES],
                     help="a file of the benchmark's own sources (BUIG budgets, statushouders), not of a participant")
    upload.add_argument("files", nargs="+", type=Path, metavar="FILE")
    upload.set_defaults(run=cmd_upload)

    questionnaire = commands.add_parser("questionnaire", help="write a participant's questionnaire workbook")
    questionnaire.add_argument("--participant", required=True, metavar="ID")
    questionnaire.add_argument("--period", required=True, metavar="PERIOD", help="a quarter 2026-Q3 or a year 2025")
    questionnaire.add_argument("--output", type=Path, metavar="FILE")
    questionnaire.set_defaults(run=cmd_questionnaire)

    refresh = commands.add_parser("refresh", help="process the inbox and bring every asset up to date now")
    refresh.set_defaults(run=cmd_refresh)

    commands.add_parser("retry", help="after fixing a failed run's cause: the sensors ask again for what is out of "
                        "date").set_defaults(run=cmd_retry)

    export = commands.add_parser("export", help="CSV on stdout")
    what = export.add_subparsers(dest="what", required=True, metavar="WHAT")
    indicators = what.add_parser("indicators", help="indicator values (internal: everything)")
    indicators.add_argument("--participant", metavar="ID")
    indicators.add_argument("--month", type=_month_arg, metavar="YYYY-MM")
    indicators.add_argument("--level", choices=["gemeente", "participant"])
    indicators.add_argument("--lineage", action="store_true",
                            help="append upload_sha256 and code_version: what each value rests on")
    indicators.add_argument("--indeling", type=int, metavar="YYYY",
                            help="gemeente rows in the indeling of 1 January YYYY (herindelingen rolled up)")
    indicators.set_defaults(run=cmd_export_indicators)
    comparison = what.add_parser("comparison", help="a participant's indicators next to its reference groups")
    comparison.add_argument("--participant", required=True, metavar="ID")
    comparison.add_argument("--month", required=True, type=_month_arg, metavar="YYYY-MM")
    comparison.set_defaults(run=cmd_export_comparison)
    public = what.add_parser("public", help="group values for publication, suppressed (no gemeente derivable)")
    public.add_argument("--month", required=True, type=_month_arg, metavar="YYYY-MM")
    public.set_defaults(run=cmd_export_public)

    add_report_command(commands, _month_arg)

    status = commands.add_parser("status", help="aanleverstatus: who is late, missing or out of line, per month")
    status.add_argument("--month", type=_month_arg, metavar="YYYY-MM", help="one month, per participant")
    status.set_defaults(run=cmd_status)

    serve = commands.add_parser("serve", help="start the Dagster webserver and daemon on this data directory")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000)
    serve.set_defaults(run=cmd_serve)
    return parser


def _month_arg(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month like 2026-09") from None


def _home() -> DivobenchHome:
    return DivobenchHome.from_env().prepare()


def cmd_upload(args) -> int:
    from divobench_pipeline.defs.bus_uploads.intake import REJECTED, receive_upload

    if args.source in STATUSHOUDERS_SOURCES:
        return cmd_upload_source(args)
    home = _home()
    for path in args.files:
        if not path.is_file():
            raise UserError(f"{path} does not exist or is not a file.")
    if args.source:
        from divobench_pipeline.defs.questionnaires.cli import upload_source

        return upload_source(home, args.source, args.files)
    registry = load_registry(home.participants_file)
    if args.participant not in registry:
        raise UserError(f"participant {args.participant!r} is not in {home.participants_file}.")
    inbox = home.inbox_of(args.participant)
    inbox.mkdir(parents=True, exist_ok=True)
    rejected = rejected_workbooks = 0
    for path in args.files:
        with tempfile.NamedTemporaryFile(dir=inbox, prefix=".upload-", delete=False) as handle:
            staged_copy = Path(handle.name)
        shutil.copyfile(path, staged_copy)
        try:
            receipt = receive_upload(home, registry, args.participant, staged_copy,
                                     pseudonym_key=ensure_key(home, PSEUDONYM_KEY_ENV),
                                     archive_key=ensure_key(home, ARCHIVE_KEY_ENV), original_filename=path.name)
        except Exception:
            staged_copy.replace(inbox / path.name)
            raise
        month = f" for {receipt.month[:7]}" if receipt.month else ""
        note = " (the same file was already received; nothing changed)" if receipt.replay else ""
        print(f"{path}: {receipt.status}{month}{note}; report: {home.root / receipt.report}")
        for reason in receipt.reasons:
            print(f"  - {reason}")
        for signalering in getattr(receipt, "signaleringen", []):
            print(f"  - signalering: {signalering}")
        rejected += receipt.status == REJECTED
        rejected_workbooks += receipt.status == REJECTED and hasattr(receipt, "signaleringen")
    if rejected < len(args.files):
        print("Run 'divobench refresh' (or let the upload sensor do it) to update the warehouse.")
    if rejected_workbooks:
        print(f"divobench: {rejected_workbooks} workbook(s) rejected; nothing of them took effect (see the report).",
              file=sys.stderr)
        return 2
    return 1 if rejected else 0


def cmd_questionnaire(args) -> int:
    from divobench_pipeline.defs.questionnaires.cli import write_questionnaire

    home = _home()
    registry = load_registry(home.participants_file)
    if args.participant not in registry:
        raise UserError(f"participant {args.participant!r} is not in {home.participants_file}.")
    print(write_questionnaire(home, registry[args.participant], args.period, args.output))


def cmd_upload_source(args) -> int:
    """``upload --source``: archive and check each file now; a rejected file exits 2 with its reasons."""
    from divobench_pipeline.defs.statushouders.intake import inbox_of, receive_source_file

    home = _home()
    for path in args.files:
        if not path.is_file():
            raise UserError(f"{path} does not exist or is not a file.")
    inbox = inbox_of(home, args.source)
    inbox.mkdir(parents=True, exist_ok=True)
    rejected, accepted = [], 0
    for path in args.files:
        with tempfile.NamedTemporaryFile(dir=inbox, prefix=".upload-", delete=False) as handle:
            staged_copy = Path(handle.name)
        shutil.copyfile(path, staged_copy)
        receipt = receive_source_file(home, args.source, staged_copy, archive_key=ensure_key(home, ARCHIVE_KEY_ENV),
                                      original_filename=path.name)
        note = " (the same file was already received; nothing changed)" if receipt.replay else ""
        print(f"{path}: {receipt.status}{note}; report: {home.root / receipt.report}")
        accepted += receipt.accepted
        if not receipt.accepted:
            rejected.append(f"{path} is afgewezen, er is niets geladen (rapport: {home.root / receipt.report}).")
            rejected += receipt.reasons
    if accepted:
        print("Run 'divobench refresh' (or let the statushouders sensor do it) to load it into the warehouse.")
    if rejected:
        raise UserError("\n".join(rejected))
    return 0


def cmd_refresh(args) -> int:
    from divobench_pipeline.orchestration.refresh import refresh

    outcome = refresh(_home())
    for line in outcome.summary():
        print(line)
    return 0 if outcome.success else 1


def cmd_retry(args) -> int:
    """Raise the retry generation in every run key: failed work under unchanged content is asked for again."""
    from divobench_pipeline.orchestration.pipeline import retry_failed_work

    print(f"Retry generation {retry_failed_work(_home())}: at their next tick the sensors of 'divobench serve' ask "
          "again for everything still out of date.")
    return 0


def cmd_demo(args) -> int:
    from divobench_pipeline.core.warehouse import open_warehouse
    from divobench_pipeline.defs.cbs.resources import MODE_ENV, OFFLINE
    from divobench_pipeline.defs.cbs.summary import gemeente_overview
    from divobench_pipeline.defs.comparisons.exports import write_comparison_csv, write_public_csv
    from divobench_pipeline.demo.setup import create_demo, demo_months

    os.environ.setdefault(MODE_ENV, OFFLINE)
    home = _home()
    create_demo(home, months=args.months, seed=args.seed)
    status = cmd_refresh(args)
    registry = load_registry(home.participants_file)
    latest = max(demo_months(args.months))
    comparisons = home.reports / "vergelijking"
    comparisons.mkdir(parents=True, exist_ok=True)
    with open_warehouse(str(home.warehouse), read_only=True) as con:
        gemeenten = sorted({g for gs in registry.gemeenten_by_participant().values() for g in gs})
        print("\n" + "\n".join(gemeente_overview(con, gemeenten)))
        newest_sh = con.execute("SELECT max(month) FROM group_value WHERE starts_with(indicator, 'sh.')").fetchone()[0]
        for month in dict.fromkeys([latest, *([newest_sh] if newest_sh else [])]):  # statushouders: its own months
            for participant_id in registry.ids:
                with open(comparisons / f"{participant_id}_{month:%Y-%m}.csv", "w", newline="",
                          encoding="utf-8") as out:
                    write_comparison_csv(con, registry, participant_id, month, out)
            public_path = home.reports / f"publiek_{month:%Y-%m}.csv"
            with open(public_path, "w", newline="", encoding="utf-8") as out:
                write_public_csv(con, registry, month, out)
        public_path = home.reports / f"publiek_{latest:%Y-%m}.csv"
    export_path = home.reports / "indicatoren.csv"
    with open(export_path, "w", newline="", encoding="utf-8") as handle:
        write_indicator_csv(home, handle)
    print(f"\nData directory:   {home.root}")
    print(f"Warehouse:        {home.warehouse}")
    print(f"Indicators (CSV): {export_path}")
    print(f"Comparisons:      {comparisons}/<participant>_{latest:%Y-%m}.csv (every reference group)")
    print(f"Public export:    {public_path} (suppressed aggregates)")
    print(f"Statushouders:    {home.reports / 'bronnen'} (load reports: CBS, COA with the taakstelling checks, KIS)")
    print(f"Upload reports:   {home.reports / 'uploads'}")
    print(f"Quarantine:       {home.quarantine}")
    print(f"Dagster UI:       DIVOBENCH_HOME={home.root} divobench serve   (then open http://127.0.0.1:3000)")
    print_report_paths(home, registry, latest)
    return status


def cmd_export_indicators(args) -> int:
    home = _home()
    if args.participant:
        registry = load_registry(home.participants_file)
        if args.participant not in registry:
            raise UserError(f"participant {args.participant!r} is not in {home.participants_file}.")
    write_indicator_csv(home, sys.stdout, participant=args.participant, month=args.month, level=args.level,
                        lineage=args.lineage, indeling=args.indeling)
    return 0


def cmd_export_comparison(args) -> int:
    from divobench_pipeline.defs.comparisons.exports import write_comparison_csv

    home = _home()
    registry = load_registry(home.participants_file)
    if args.participant not in registry:
        raise UserError(f"participant {args.participant!r} is not in {home.participants_file}.")
    with _read_warehouse(home) as con:
        write_comparison_csv(con, registry, args.participant, args.month, sys.stdout)
    return 0


def cmd_export_public(args) -> int:
    from divobench_pipeline.defs.comparisons.exports import write_public_csv

    home = _home()
    registry = load_registry(home.participants_file)
    with _read_warehouse(home) as con:
        write_public_csv(con, registry, args.month, sys.stdout)
    return 0


@contextmanager
def _read_warehouse(home: DivobenchHome):
    from divobench_pipeline.core.warehouse import has_table, open_warehouse

    if not home.warehouse.exists():
        raise UserError(f"there is no warehouse in {home.root} yet: run 'divobench refresh' or 'divobench demo'.")
    con = open_warehouse(str(home.warehouse), read_only=True)
    try:
        if not has_table(con, "group_value"):
            raise UserError(f"the warehouse in {home.root} has no group values yet: run 'divobench refresh'.")
        yield con
    finally:
        con.close()


def write_indicator_csv(home: DivobenchHome, out, *, participant: str | None = None, month: dt.date | None = None,
                        level: str | None = None, lineage: bool = False, indeling: int | None = None) -> None:
    """indicator,level,unit,month,numerator,denominator,value (interfaces.md); with ``lineage`` also
    upload_sha256 (the uploads the value rests on, ';'-joined) and code_version; ``indeling``: gemeente rows
    restated in the indeling of 1 January of that year (docs/cbs.md)."""
    from divobench_pipeline.core.warehouse import open_warehouse

    if not home.warehouse.exists():
        raise UserError(f"there is no warehouse in {home.root} yet: run 'divobench refresh' or 'divobench demo'.")
    if lineage and indeling is not None:
        raise UserError("--lineage and --indeling cannot be combined: a restated value rests on several gemeenten' "
                        "uploads; export the lineage in the indeling of the month itself.")
    where, params = [], []
    if participant:
        gemeenten = list(load_registry(home.participants_file)[participant].gemeenten)
        where.append("((level = 'participant' AND unit = ?) OR (level = 'gemeente' AND unit IN "
                     "(SELECT unnest(?::VARCHAR[]))))")
        params += [participant, gemeenten]
    if month:
        where.append("month = ?")
        params.append(month)
    if level:
        where.append("level = ?")
        params.append(level)
    extra, join = "", ""
    if lineage:
        changes = [i.code for i in INDICATORS if i.change_12m_of]
        extra = (", CASE WHEN indicator IN (SELECT unnest(?::VARCHAR[])) THEN concat_ws(';', l.upload_sha256, "
                 "l.upload_sha256_12m) ELSE l.upload_sha256 END, l.code_version")
        join = "LEFT JOIN indicator_lineage l USING (month, level, unit)"
        params = [changes, *params]
    sql = (f"SELECT indicator, level, unit, strftime(month, '%Y-%m'), numerator, denominator, value{extra} "
           f"FROM indicator_value {join} {'WHERE ' + ' AND '.join(where) if where else ''} "
           "ORDER BY month, indicator, level DESC, unit")
    con = open_warehouse(str(home.warehouse), read_only=True)
    try:
        rows = con.execute(sql, params).fetchall()
    finally:
        con.close()
    if indeling is not None:
        from divobench_pipeline.defs.cbs.herindeling import restate_rows

        rows = restate_rows(rows, dt.date(indeling, 1, 1))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["indicator", "level", "unit", "month", "numerator", "denominator", "value",
                     *(["upload_sha256", "code_version"] if lineage else [])])
    for indicator, lvl, unit, mon, numerator, denominator, value, *rest in rows:
        writer.writerow([indicator, lvl, unit, mon, _number(numerator), _number(denominator), _number(value), *rest])


def cmd_status(args) -> int:
    from divobench_pipeline.defs.aanleverstatus.freshness import print_status

    home = _home()
    print_status(home, load_registry(home.participants_file), month=args.month, out=sys.stdout)
    return 0


def cmd_serve(args) -> int:
    return serve_dagster(_home(), args.host, args.port)
