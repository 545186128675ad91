"""Questionnaire periods: a quarter (``2026-Q3``, verdiepende module) or a year (``2025``, Armoede & Schulden).

A period's figures are stored under the last month of the period (``2026-Q3`` → 2026-09-01, ``2025`` →
2025-12-01), which is the ``month`` column of exports.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

KWARTAAL = "kwartaal"
JAAR = "jaar"
FIRST_YEAR = 2015
DEADLINE_WEEKS_AFTER_QUARTER = 6
_PATTERN = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")


class PeriodError(ValueError):
    """A period that is not ``YYYY-Qn`` or ``YYYY``."""


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None  # None: the whole year

    @classmethod
    def parse(cls, text: object) -> Period:
        match = _PATTERN.match(str(text).strip()) if text is not None else None
        if not match:
            raise PeriodError(f"periode {text!r} is geen kwartaal zoals 2026-Q3 of jaar zoals 2025")
        return cls(int(match.group(1)), int(match.group(2)) if match.group(2) else None)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def sort_key(self) -> tuple[dt.date, bool]:
        """Chronological by last month; a year after its fourth quarter."""
        return self.last_month, self.quarter is None

    @property
    def kind(self) -> str:
        return KWARTAAL if self.quarter else JAAR

    @property
    def months(self) -> list[dt.date]:
        """First days of the period's months, in order."""
        first = 3 * (self.quarter - 1) + 1 if self.quarter else 1
        count = 3 if self.quarter else 12
        return [dt.date(self.year, first + k, 1) for k in range(count)]

    @property
    def last_month(self) -> dt.date:
        return self.months[-1]

    @property
    def first_day(self) -> dt.date:
        return self.months[0]

    @property
    def last_day(self) -> dt.date:
        following = self.last_month.replace(day=28) + dt.timedelta(days=4)
        return following.replace(day=1) - dt.timedelta(days=1)

    @property
    def quarters(self) -> list[Period]:
        """The four quarters of a year (a quarter: itself)."""
        return [Period(self.year, q) for q in range(1, 5)] if self.quarter is None else [self]

    def previous(self) -> Period:
        if self.quarter is None:
            return Period(self.year - 1)
        return Period(self.year, self.quarter - 1) if self.quarter > 1 else Period(self.year - 1, 4)

    def next(self) -> Period:
        if self.quarter is None:
            return Period(self.year + 1)
        return Period(self.year, self.quarter + 1) if self.quarter < 4 else Period(self.year + 1, 1)

    def deadline(self) -> dt.date:
        """Last day the questionnaire is on time: six weeks after a quarter, 1 April of the next year for a year."""
        if self.quarter is None:
            return dt.date(self.year + 1, 4, 1)
        return self.last_day + dt.timedelta(weeks=DEADLINE_WEEKS_AFTER_QUARTER)


def period_keys(last_year: int) -> list[str]:
    """Partition keys of every period from 2015 up to ``last_year``, chronological by last month (a year after
    its fourth quarter)."""
    return [str(p) for year in range(FIRST_YEAR, last_year + 1)
            for p in (*Period(year).quarters, Period(year))]


LAST_PERIOD_YEAR = 2035
PERIOD_KEYS = tuple(period_keys(LAST_PERIOD_YEAR))
"""The period dimension's partition keys, in Dagster's order."""


def ended_periods(kind: str, first: dt.date, today: dt.date) -> list[Period]:
    """Periods of ``kind`` from the one holding ``first`` up to the last one that ended before ``today``."""
    periods = []
    start = Period(first.year, (first.month - 1) // 3 + 1) if kind == KWARTAAL else Period(first.year)
    period = start
    while period.last_day < today:
        periods.append(period)
        period = period.next()
    return periods
