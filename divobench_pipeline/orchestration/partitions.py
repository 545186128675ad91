"""Partitions: statistiekmaanden, participants, and staged BUS data per month × participant."""

from __future__ import annotations

import datetime as dt

import dagster as dg

FIRST_MONTH = "2015-01-01"

month_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH, end_offset=1)
participant_partitions = dg.DynamicPartitionsDefinition(name="participant")
month_participant_partitions = dg.MultiPartitionsDefinition(
    {"month": month_partitions, "participant": participant_partitions})


def month_participant_key(month: dt.date | str, participant_id: str) -> str:
    """The multi-partition key as Dagster prints it: dimensions sorted by name, ``month|participant``."""
    month_key = month if isinstance(month, str) else month.isoformat()
    return f"{month_key}|{participant_id}"


def split_month_participant_key(key: str) -> tuple[dt.date, str]:
    month, participant_id = key.split("|", 1)
    return dt.date.fromisoformat(month), participant_id


UPLOAD_DUE_DAYS = 28


def deadline(month: dt.date) -> dt.date:
    """The last day on which the BUS upload of ``month`` is on time: four weeks after the month ends.

    Until then a month's figures are voorlopig (later uploads are still expected), after it definitief.
    """
    next_month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return next_month + dt.timedelta(days=UPLOAD_DUE_DAYS - 1)


def deadline_sql(month_column: str) -> str:
    """``deadline`` as a DuckDB expression over a DATE column of first days of months."""
    return f"({month_column} + INTERVAL 1 MONTH + INTERVAL {UPLOAD_DUE_DAYS - 1} DAY)"


def partition_range_tags(start: str, end: str) -> dict[str, str]:
    """Run tags for one run over a range of partitions (a single-run backfill)."""
    return {"dagster/asset_partition_range_start": start, "dagster/asset_partition_range_end": end}
