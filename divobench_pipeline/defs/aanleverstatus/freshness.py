"""Aanleverstatus: per statistiekmaand, who has handed in the BUS upload, who is late or missing, and which
uploads are far out of line with the participant's own history.

Deadline: a month's upload is due *uiterlijk vier weken na afloop van de maand*, i.e. the last day of the
month plus 28 days (inclusive). Per participant and month the status is

- ``op_tijd``: the first accepted upload for the month arrived on or before the deadline;
- ``te_laat``: the first accepted upload arrived after the deadline (a later correction does not count);
- ``ontbreekt``: no accepted upload and the deadline has passed;
- ``verwacht``: no accepted upload yet and the deadline is still ahead.

Out of line with the participant's own history (the median of up to ``HISTORY_MONTHS`` earlier months
in the warehouse, needing at least ``MIN_HISTORY`` of them):

- volume: ``sprong`` when the number of uitkeringen is at least ``VOLUME_JUMP`` × the median,
  ``instorting`` when it is at most ``VOLUME_COLLAPSE`` × the median;
- volledigheid: a kenmerk whose filled share fell by at least ``COMPLETENESS_DROP`` (absolute) below its median.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Sequence

import duckdb
import pandas as pd

from divobench_pipeline.core.months import deadline, shift_month
from divobench_pipeline.core.schemas import STAGED_TABLE_OF_LEVEL
from divobench_pipeline.core.warehouse import has_table, read_warehouse
from divobench_pipeline.defs.bus_uploads.intake import Receipt
from divobench_pipeline.defs.bus_uploads.layout import KENMERKEN

WINDOW_MONTHS = 12
HISTORY_MONTHS = 6
MIN_HISTORY = 3
VOLUME_JUMP = 1.5
VOLUME_COLLAPSE = 0.5
COMPLETENESS_DROP = 0.25

OP_TIJD, TE_LAAT, ONTBREEKT, VERWACHT = "op_tijd", "te_laat", "ontbreekt", "verwacht"
STATUSES = (OP_TIJD, TE_LAAT, ONTBREEKT, VERWACHT)


def window(as_of: dt.date, months: int = WINDOW_MONTHS) -> list[dt.date]:
    """The ``months`` statistiekmaanden before the month of ``as_of``, oldest first."""
    current = as_of.replace(day=1)
    return [shift_month(current, -offset) for offset in range(months, 0, -1)]


def reporting_month(as_of: dt.date) -> dt.date:
    """The latest month whose deadline has passed: the one a data team chases at the start of a month."""
    month = shift_month(as_of.replace(day=1), -1)
    while deadline(month) >= as_of:
        month = shift_month(month, -1)
    return month


def first_arrivals(receipts: Iterable[Receipt]) -> dict[tuple[dt.date, str], dt.date]:
    """(month, participant) → the date its first accepted upload arrived (UTC date of the receipt)."""
    first: dict[tuple[dt.date, str], dt.date] = {}
    for receipt in receipts:
        if receipt.accepted and receipt.month:
            key = (receipt.month_date, receipt.participant_id)
            arrived = dt.datetime.fromisoformat(receipt.received_at).date()
            first[key] = min(first.get(key, arrived), arrived)
    return first


def upload_status(con: duckdb.DuckDBPyConnection | None, participant_ids: Sequence[str], receipts: list[Receipt],
                  as_of: dt.date, months: int = WINDOW_MONTHS) -> pd.DataFrame:
    """One row per month in the window and registered participant, with status and out-of-line signals."""
    months_shown = window(as_of, months)
    arrivals = first_arrivals(receipts)
    volumes = _volumes(con, shift_month(months_shown[0], -HISTORY_MONTHS)) if con is not None else {}
    filled = _filled_shares(con, shift_month(months_shown[0], -HISTORY_MONTHS)) if con is not None else {}
    rows = []
    for month in months_shown:
        due = deadline(month)
        for pid in participant_ids:
            arrived = arrivals.get((month, pid))
            if arrived is None:
                status = ONTBREEKT if as_of > due else VERWACHT
            else:
                status = OP_TIJD if arrived <= due else TE_LAAT
            earlier = [shift_month(month, -k) for k in range(1, HISTORY_MONTHS + 1)]
            volume = volumes.get((month, pid))
            history = [volumes[(m, pid)] for m in earlier if (m, pid) in volumes]
            median = statistics.median(history) if len(history) >= MIN_HISTORY else None
            rows.append({
                "month": month, "participant_id": pid, "deadline": due, "status": status,
                "eerste_ontvangst": arrived, "uitkeringen": volume, "mediaan_uitkeringen": median,
                "volume_signaal": _volume_signal(volume, median),
                "volledigheid_signaal": _completeness_signal(filled, month, pid, earlier),
                "as_of": as_of,
            })
    return pd.DataFrame(rows, columns=["month", "participant_id", "deadline", "status", "eerste_ontvangst",
                                       "uitkeringen", "mediaan_uitkeringen", "volume_signaal",
                                       "volledigheid_signaal", "as_of"])


def month_summary(status: pd.DataFrame) -> pd.DataFrame:
    """Per month: the deadline, how many are in, and who is late, missing, expected or out of line."""
    rows = []
    for month, group in status.groupby("month", sort=True):
        def who(mask, group=group) -> str:
            return ", ".join(group.loc[mask, "participant_id"]) or "-"

        signals = group["volume_signaal"].notna() | group["volledigheid_signaal"].notna()
        rows.append({"maand": f"{month:%Y-%m}", "deadline": f"{group['deadline'].iloc[0]:%Y-%m-%d}",
                     "aangeleverd": f"{int(group['status'].isin([OP_TIJD, TE_LAAT]).sum())}/{len(group)}",
                     "te laat": who(group["status"] == TE_LAAT), "ontbreekt": who(group["status"] == ONTBREEKT),
                     "verwacht": who(group["status"] == VERWACHT), "afwijkend": who(signals)})
    return pd.DataFrame(rows, columns=["maand", "deadline", "aangeleverd", "te laat", "ontbreekt", "verwacht",
                                       "afwijkend"])


def _volume_signal(volume: int | None, median: float | None) -> str | None:
    if volume is None or not median:
        return None
    ratio = volume / median
    if ratio >= VOLUME_JUMP:
        return f"sprong: {volume} uitkeringen, mediaan {median:g}"
    if ratio <= VOLUME_COLLAPSE:
        return f"instorting: {volume} uitkeringen, mediaan {median:g}"
    return None


def _completeness_signal(filled: dict, month: dt.date, pid: str, earlier: list[dt.date]) -> str | None:
    current = filled.get((month, pid))
    if not current:
        return None
    drops = []
    for kenmerk, share in current.items():
        history = [filled[(m, pid)][kenmerk] for m in earlier if (m, pid) in filled and kenmerk in filled[(m, pid)]]
        if len(history) >= MIN_HISTORY:
            median = statistics.median(history)
            if median - share >= COMPLETENESS_DROP:
                drops.append(f"{kenmerk} {median:.0%} → {share:.0%}")
    return "; ".join(drops) or None


def _volumes(con: duckdb.DuckDBPyConnection, since: dt.date) -> dict[tuple[dt.date, str], int]:
    if not has_table(con, "bus_upload_in_force"):
        return {}
    rows = con.execute("SELECT month, participant_id, n_uitkeringen FROM bus_upload_in_force WHERE month >= ?",
                       [since]).fetchall()
    return {(month, pid): n for month, pid, n in rows}


def _filled_shares(con: duckdb.DuckDBPyConnection, since: dt.date) -> dict[tuple[dt.date, str], dict[str, float]]:
    """(month, participant) → {kenmerk: share of staged records where it is filled in}."""
    shares: dict[tuple[dt.date, str], dict[str, float]] = {}
    for level, staged in STAGED_TABLE_OF_LEVEL.items():
        table = staged.name
        if not has_table(con, table):
            continue
        kenmerken = [k for k in KENMERKEN if k.level == level]
        counts = ", ".join(f"count({k.column})" for k in kenmerken)
        for month, pid, total, *filled in con.execute(
                f"SELECT month, participant_id, count(*), {counts} FROM {table} WHERE month >= ? GROUP BY ALL",
                [since]).fetchall():
            if total:
                shares.setdefault((month, pid), {}).update(
                    {f"k{k.nr} {k.label}": n / total for k, n in zip(kenmerken, filled, strict=True)})
    return shares


def status_is_stale(con: duckdb.DuckDBPyConnection | None, as_of: dt.date) -> bool:
    """Whether the stored aanleverstatus is from another day while there are staged uploads to judge."""
    if con is None or not has_table(con, "bus_upload_in_force") or not has_table(con, "aanleverstatus"):
        return False
    if not con.execute("SELECT count(*) FROM bus_upload_in_force").fetchone()[0]:
        return False
    return con.execute("SELECT max(as_of) FROM aanleverstatus").fetchone()[0] != as_of


def print_status(home, registry, *, month: dt.date | None = None, out=None, as_of: dt.date | None = None) -> None:
    """The aanleverstatus of today as a plain-text table: per month, or per participant for one month."""
    from divobench_pipeline.defs.bus_uploads.intake import read_receipts

    as_of = as_of or dt.date.today()
    months = WINDOW_MONTHS
    if month is not None:
        months = max(1, (as_of.year - month.year) * 12 + as_of.month - month.month)
    with read_warehouse(home.warehouse) as con:
        status = upload_status(con, registry.ids, read_receipts(home), as_of, months)
    print(f"Aanleverstatus op {as_of:%Y-%m-%d} (rapportagemaand {reporting_month(as_of):%Y-%m}; deadline = "
          "laatste dag van de maand + 28 dagen)", file=out)
    if month is None:
        table = month_summary(status)
    else:
        table = status[status["month"] == month].drop(columns=["month", "as_of"]).fillna("")
        if table.empty:
            print(f"{month:%Y-%m} is not a past statistiekmaand.", file=out)
            return
        print(f"Statistiekmaand {month:%Y-%m}, deadline {deadline(month):%Y-%m-%d}", file=out)
        table = table.drop(columns=["deadline"])
    print(table.to_string(index=False), file=out)
    if month is None:  # the questionnaires of the verdiepende module and Armoede & Schulden (issue 12)
        from divobench_pipeline.defs.questionnaires.status import questionnaire_status, status_lines

        for line in status_lines(questionnaire_status(home, registry, as_of)):
            print(line, file=out)
