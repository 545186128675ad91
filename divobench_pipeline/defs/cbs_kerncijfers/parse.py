"""From a CBS kerncijfers table to long rows: one per region, leeftijdsklasse and measure, as CBS published it.

Codes lose CBS's padding (``'GM0363 '`` → ``GM0363``); a ``.`` (geheim or onbekend) or an empty cell stays
unknown (``NaN``), never 0. The data set may come typed (numbers, ``null``) or untyped (padded strings): both
read the same.
"""

from __future__ import annotations

import math

import pandas as pd

from divobench_pipeline.defs.cbs.client import CbsTable
from divobench_pipeline.defs.cbs.parse import (
    REGION_TYPES,
    check_unique,
    dimension_key,
    key_number,
    selected_rows,
    topics,
)
from divobench_pipeline.defs.cbs_kerncijfers.source import LEEFTIJDEN, MEASURES

COLUMNS = ["jaar", "regio_code", "leeftijd", "kenmerk", "waarde"]


def cell(value) -> float:
    """A CBS cell as a number: ``NaN`` for ``.``, empty or ``null`` (unknown, never 0)."""
    if value is None:
        return math.nan
    if isinstance(value, str):
        text = value.strip()
        return math.nan if text in ("", ".") else float(text)
    return float(value)


def measure_keys(table: CbsTable) -> dict[str, str]:
    """kenmerk → the table's key of that measure, matched by number suffix; ValueError names a missing one."""
    by_number = {key_number(p["Key"]): p["Key"] for p in topics(table)}
    missing = [f"_{n} ({name})" for n, name in MEASURES.items() if n not in by_number]
    if missing:
        raise ValueError(f"CBS table {table.table_id} has no measure {', '.join(missing)} (DataProperties)")
    return {name: by_number[n] for n, name in MEASURES.items()}


def kerncijfers(table: CbsTable, year: int) -> pd.DataFrame:
    """Rows ``jaar, regio_code, leeftijd, kenmerk, waarde`` of every region at the leeftijdsklassen divobench uses
    (15 jaar of ouder, 15 jaar tot AOW-leeftijd); one row per region × leeftijd × kenmerk, checked."""
    regio = dimension_key(table, *REGION_TYPES)
    keys = measure_keys(table)
    records = [(year, row[regio], row["Leeftijd"], name, cell(row.get(key)))
               for row in selected_rows(table, {"Leeftijd": LEEFTIJDEN}) for name, key in keys.items()]
    frame = pd.DataFrame(records, columns=COLUMNS)
    return check_unique(frame, ["jaar", "regio_code", "leeftijd", "kenmerk"], table.table_id)
