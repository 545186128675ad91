"""Partitions: statistiekmaanden, participants, and staged BUS data per month × participant."""

from __future__ import annotations

import dagster as dg

from divobench_pipeline.core.months import Month, month_key, parse_month_key

FIRST_MONTH = "2015-01-01"

month_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH, end_offset=1)
participant_partitions = dg.DynamicPartitionsDefinition(name="participant")
month_participant_partitions = dg.MultiPartitionsDefinition(
    {"month": month_partitions, "participant": participant_partitions})


def month_participant_key(month: Month, participant_id: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"month": month_key(month), "participant": participant_id})


def split_month_participant_key(key: str | dg.MultiPartitionKey) -> tuple[Month, str]:
    """(month, participant) of a month × participant partition key."""
    if not isinstance(key, dg.MultiPartitionKey):
        key = month_participant_partitions.get_partition_key_from_str(key)
    dimensions = key.keys_by_dimension
    return parse_month_key(dimensions["month"]), dimensions["participant"]


def partition_range_tags(start: str, end: str) -> dict[str, str]:
    """Run tags for one run over a range of partitions (a single-run backfill)."""
    return {"dagster/asset_partition_range_start": str(start), "dagster/asset_partition_range_end": str(end)}
