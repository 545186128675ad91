"""Statistiekmaanden: the one month type (``dt.date`` on the first day of the month) and all month arithmetic.

A month's partition key is its ISO date (``2026-09-01``); its upload deadline is four weeks after it ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

Month = dt.date
"""A statistiekmaand: the first day of the month."""

UPLOAD_DUE_DAYS = 28


def month_of(day: dt.date) -> Month:
    return day.replace(day=1)


def shift_month(month: Month, months: int) -> Month:
    """``month`` moved by ``months`` (negative: back in time)."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_key(month: Month) -> str:
    """The month's partition key, ``2026-09-01``."""
    return month.isoformat()


def parse_month_key(key: str) -> Month:
    return dt.date.fromisoformat(key)


def deadline(month: Month) -> dt.date:
    """The last day on which the BUS upload of ``month`` is on time: four weeks after the month ends.

    Until then a month's figures are voorlopig (later uploads are still expected), after it definitief.
    """
    return shift_month(month, 1) + dt.timedelta(days=UPLOAD_DUE_DAYS - 1)


def deadline_sql(month_column: str) -> str:
    """``deadline`` as a DuckDB expression over a DATE column of first days of months."""
    return f"({month_column} + INTERVAL 1 MONTH + INTERVAL {UPLOAD_DUE_DAYS - 1} DAY)"


def contiguous_runs(values: Iterable[int]) -> Iterable[tuple[int, int]]:
    """Sorted integers as (first, last) of each run of consecutive values."""
    start = previous = None
    for value in values:
        if start is None:
            start = previous = value
        elif value == previous + 1:
            previous = value
        else:
            yield start, previous
            start = previous = value
    if start is not None:
        yield start, previous


def month_ranges(months: Iterable[Month]) -> list[tuple[Month, Month]]:
    """Consecutive months as (first, last)."""
    runs: list[tuple[Month, Month]] = []
    for month in sorted(set(months)):
        if runs and shift_month(runs[-1][1], 1) == month:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return runs
