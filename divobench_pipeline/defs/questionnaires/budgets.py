"""BUIG budgets: the ministry-shaped file (``jaar,gemeentecode,gemeentenaam,soort,budget``) as a source.

Per gemeente and year the latest soort counts (definitief over nader_voorlopig over voorlopig; of two files with
the same soort, the later received). A gemeentecode not in CBS's indeling of that year rejects the whole file,
naming the row. The indeling is ``gemeente_indeling`` where that year is loaded, else the shipped CBS extract of
Gebieden in Nederland 2026 plus every code a herindeling since 1 January of that year removed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.warehouse import has_table
from divobench_pipeline.defs.cbs.herindeling import overgangen
from divobench_pipeline.defs.questionnaires.answers import parse_number
from divobench_pipeline.defs.questionnaires.receipts import (
    BUDGET,
    SourceReceipt,
    finish_receipt,
    read_source_receipts,
    start_receipt,
)
from divobench_pipeline.defs.questionnaires.xlsx import WorkbookRejected, check_workbook_file, is_workbook

COLUMNS = ("jaar", "gemeentecode", "gemeentenaam", "soort", "budget")
SOORTEN = ("voorlopig", "nader_voorlopig", "definitief")  # later wins


def read_budget_rows(path: Path, max_bytes: int) -> list[tuple[int, dict[str, object]]]:
    """(row number as the file shows it, cells by column name) of a CSV or xlsx budget file."""
    if is_workbook(path):
        check_workbook_file(path, max_bytes)
        with open(path, "rb") as handle:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
            try:
                rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
            finally:
                book.close()
    else:
        if path.stat().st_size > max_bytes:
            raise WorkbookRejected([f"Het bestand {path.name} is groter dan de uploadlimiet."])
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise WorkbookRejected([f"Het bestand {path.name} is geen CSV in UTF-8 of xlsx-werkmap."]) from None
        dialect = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
        rows = list(csv.reader(io.StringIO(text), delimiter=dialect))
    if not rows:
        raise WorkbookRejected([f"Het bestand {path.name} is leeg."])
    header = [str(c or "").strip().lower() for c in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise WorkbookRejected([f"Het bestand {path.name} mist de kolom(men) {', '.join(missing)} in de kopregel "
                                f"(verwacht: {','.join(COLUMNS)})."])
    return [(number, {c: row[header.index(c)] if header.index(c) < len(row) else None for c in COLUMNS})
            for number, row in enumerate(rows[1:], start=2) if any(cell not in (None, "") for cell in row)]


def parse_budget(path: Path, max_bytes: int, known_gemeenten) -> pd.DataFrame:
    """The file's budgets (jaar, gemeentecode, gemeente_naam, soort, budget), latest soort per gemeente-year.

    ``known_gemeenten(jaar)`` gives the gemeentecodes of CBS's indeling of that year. Raises WorkbookRejected
    naming row and field of every problem.
    """
    reasons, rows = [], []
    for number, cells in read_budget_rows(path, max_bytes):
        where = f"Rij {number}"
        try:
            jaar = int(str(cells["jaar"]).strip())
            if not 2015 <= jaar <= 2100:
                raise ValueError
        except ValueError:
            reasons.append(f"{where}: jaar {cells['jaar']!r} is geen jaartal.")
            continue
        code = str(cells["gemeentecode"] or "").strip().upper()
        code = f"GM{int(code):04d}" if code.isdigit() else code
        soort = str(cells["soort"] or "").strip().lower().replace(" ", "_")
        try:
            budget = parse_number(cells["budget"])
        except ValueError:
            budget = -1.0
        if code not in known_gemeenten(jaar):
            reasons.append(f"{where}: gemeentecode {code or '(leeg)'} bestaat niet in de CBS-indeling van {jaar}.")
        if soort not in SOORTEN:
            reasons.append(f"{where}: soort {cells['soort']!r} is niet {', '.join(SOORTEN)}.")
        if budget is None or budget < 0:
            reasons.append(f"{where}: budget {cells['budget']!r} is geen bedrag van 0 of meer.")
        rows.append({"jaar": jaar, "gemeentecode": code, "gemeente_naam": str(cells["gemeentenaam"] or "").strip(),
                     "soort": soort, "budget": budget})
    if reasons:
        raise WorkbookRejected(reasons[:50] + ([f"en nog {len(reasons) - 50} problemen."] if len(reasons) > 50 else []))
    if not rows:
        raise WorkbookRejected([f"Het bestand {path.name} bevat geen budgetten."])
    return latest_soort(pd.DataFrame(rows))


def latest_soort(frame: pd.DataFrame) -> pd.DataFrame:
    """Per jaar and gemeente the row of the latest soort (rows later in ``frame`` win a tie)."""
    ranked = frame.assign(_rank=frame["soort"].map(SOORTEN.index), _order=range(len(frame)))
    chosen = ranked.sort_values(["_rank", "_order"]).groupby(["jaar", "gemeentecode"], as_index=False).last()
    return chosen.drop(columns=["_rank", "_order"]).sort_values(["jaar", "gemeentecode"]).reset_index(drop=True)


def gemeente_lookup(con: duckdb.DuckDBPyConnection | None):
    """``known(jaar)`` → set of gemeentecodes: the loaded indeling of that year, else the shipped one."""
    loaded: dict[int, set[str]] = {}
    if con is not None and has_table(con, "gemeente_indeling"):
        for jaar, code in con.execute("SELECT jaar, gemeentecode FROM gemeente_indeling").fetchall():
            loaded.setdefault(jaar, set()).add(code)
    return lambda jaar: loaded.get(jaar) or shipped_gemeenten(jaar)


@cache
def shipped_gemeenten(jaar: int) -> frozenset[str]:
    text = resources.files("divobench_pipeline.defs.cbs").joinpath(
        "extracts/86247NED/TypedDataSet.json").read_text("utf-8")
    codes = {row["RegioS"].strip() for row in json.loads(text)["value"] if row["RegioS"].startswith("GM")}
    start = dt.date(jaar, 1, 1)
    return frozenset(codes | {o.oude_code for o in overgangen() if o.datum > start})


def receive_budget(home: DivobenchHome, source: Path, *, archive_key: bytes, con: duckdb.DuckDBPyConnection | None,
                   original_filename: str | None = None, remove_source: bool = True) -> SourceReceipt:
    """Take one budget file through the door (archive, check every row, report, accept or quarantine)."""
    receipt = start_receipt(home, "budget", BUDGET, source, original_filename or source.name, archive_key)
    if not receipt.replay:
        try:
            frame = parse_budget(source, home.max_upload_bytes, gemeente_lookup(con))
        except WorkbookRejected as rejection:
            receipt.reasons = list(rejection.reasons)
        else:
            receipt.period = ",".join(str(y) for y in sorted(frame["jaar"].unique()))
            receipt.values = frame.to_dict("records")
        years = receipt.period or "onbekend"
        finish_receipt(home, receipt, "BUIG-budgetten (bron: ministerie van SZW)", [("Jaren", years)])
    if remove_source:
        source.unlink(missing_ok=True)
    return receipt


def budgets_in_force(home: DivobenchHome) -> pd.DataFrame:
    """Every accepted budget file's rows, latest soort per gemeente-year (a later file wins a tie)."""
    receipts = [r for r in read_source_receipts(home, BUDGET) if r.kind == "budget" and r.accepted]
    frames = [pd.DataFrame(r.values).assign(upload_sha256=r.sha256) for r in receipts if r.values]
    if not frames:
        return pd.DataFrame(columns=[*("jaar", "gemeentecode", "gemeente_naam", "soort", "budget"), "upload_sha256"])
    return latest_soort(pd.concat(frames, ignore_index=True))
