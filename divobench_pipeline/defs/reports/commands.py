"""``divobench report``: one participant's reports for one month, now, from the warehouse as it is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.core.warehouse import read_warehouse
from divobench_pipeline.defs.reports.browser import BrowserMissing, printer
from divobench_pipeline.defs.reports.data import NoData, load_month
from divobench_pipeline.defs.reports.planning import report_fingerprints
from divobench_pipeline.defs.reports.writer import report_dir, write_participant


class ReportError(ValueError):
    """Nothing to report (no figures for the month or participant), or no browser to print with."""


def write_report_now(home: DivobenchHome, registry: Registry, participant_id: str, month: dt.date,
                     output: Path | None = None) -> list[Path]:
    """Write the report files (to ``output`` or the data directory's place) and return their paths.

    Written to the data directory's place, the report records its fingerprint, so the planner leaves it be.
    """
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
