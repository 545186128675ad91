"""The one orchestration path: the domains' planners, and how a PlannedRun becomes runs (shared by the sensor
and `divobench refresh`)."""

import datetime as dt
import importlib

import dagster as dg

from divobench_pipeline.core.months import deadline, month_ranges, shift_month
from divobench_pipeline.core.participants import Participant, Registry
from divobench_pipeline.defs.questionnaires.periods import PERIOD_KEYS
from divobench_pipeline.defs.wi_indicators.planning import indicator_fingerprints
from divobench_pipeline.defs.wi_indicators.registry import INDICATORS
from divobench_pipeline.orchestration.pipeline import domain_jobs, launches, plan_all, planners, staging_ranges
from divobench_pipeline.orchestration.plan import PlannedRun

ORDER = ["GM0001", "GM0002", "GM0003", "SV-X"]
REGISTRY = Registry(tuple(Participant(pid, pid, (f"GM9{i:03d}",), ("wi_basis",)) for i, pid in enumerate(ORDER)))


def month(m: int, year: int = 2025) -> dt.date:
    return dt.date(year, m, 1)


def key(m: dt.date, pid: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"month": m.isoformat(), "participant": pid})


def test_a_full_history_of_every_participant_is_one_run():
    keys = [(month(m), pid) for m in range(1, 13) for pid in ORDER]
    assert staging_ranges(keys, ORDER) == [(key(month(1), "GM0001"), key(month(12), "SV-X"))]
    assert str(staging_ranges(keys, ORDER)[0][0]) == "2025-01-01|GM0001"


def test_partial_arrival_gives_only_the_rectangles_needed():
    keys = [(month(3), "GM0001"), (month(3), "GM0002"), (month(3), "SV-X"), (month(4), "GM0001"),
            (month(4), "GM0002"), (month(4), "SV-X"), (month(6), "GM0003")]
    assert staging_ranges(keys, ORDER) == [
        (key(month(3), "GM0001"), key(month(4), "GM0002")), (key(month(3), "SV-X"), key(month(4), "SV-X")),
        (key(month(6), "GM0003"), key(month(6), "GM0003"))]


def test_rectangles_follow_the_instance_order_not_the_registry_order():
    planned = PlannedRun("bus_staging_job", "c", partitions=(("2025-03-01", "GM0001"), ("2025-03-01", "GM0003")))
    assert [launch.tags["dagster/asset_partition_range_start"] for launch in launches(planned, ORDER)] == [
        "2025-03-01|GM0001", "2025-03-01|GM0003"]
    inserted = ["GM0001", "GM0003", "GM0002", "SV-X"]
    (launch,) = launches(planned, inserted)
    assert launch.tags == {"dagster/asset_partition_range_start": "2025-03-01|GM0001",
                           "dagster/asset_partition_range_end": "2025-03-01|GM0003"}


def test_questionnaire_partitions_of_a_national_quarter_are_one_run_in_the_period_order():
    quarter = [("2026-Q3", pid) for pid in ORDER]
    planned = PlannedRun("questionnaire_answers_job", "c", partitions=tuple(quarter), dimension="period",
                         row_keys=PERIOD_KEYS)
    assert [(launch.tags["dagster/asset_partition_range_start"], launch.tags["dagster/asset_partition_range_end"])
            for launch in launches(planned, ORDER)] == [("GM0001|2026-Q3", "SV-X|2026-Q3")]
    # a year follows its fourth quarter in the period order, so Q4 and the year of GM0002 are one rectangle
    mixed = PlannedRun("questionnaire_answers_job", "c", dimension="period", row_keys=PERIOD_KEYS, partitions=(
        ("2026-Q3", "GM0001"), ("2026-Q4", "GM0002"), ("2026", "GM0002"), ("2026-Q3", "GM0003")))
    assert [launch.label for launch in launches(mixed, ORDER)] == [
        "GM0001|2026-Q3 … GM0001|2026-Q3", "GM0003|2026-Q3 … GM0003|2026-Q3", "GM0002|2026-Q4 … GM0002|2026"]
    assert partitions_of(launches(mixed, ORDER)) == {(p, pid) for p, pid in mixed.partitions}


def partitions_of(found) -> set[tuple[str, str]]:
    """The (period, participant) keys Dagster runs for these launches (their ranges resolved by Dagster)."""
    from divobench_pipeline.defs.questionnaires.assets import period_participant_partitions

    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("participant", ORDER)
    keys = set()
    for launch in found:
        tags = launch.tags
        span = dg.PartitionKeyRange(tags["dagster/asset_partition_range_start"],
                                    tags["dagster/asset_partition_range_end"])
        for k in period_participant_partitions.get_partition_keys_in_range(span, dynamic_partitions_store=instance):
            keys.add((k.keys_by_dimension["period"], k.keys_by_dimension["participant"]))
    return keys


def test_run_keys_follow_content_and_the_retry_generation():
    first = PlannedRun("indicator_job", "fingerprints-a", "2025-01-01", "2025-02-01")
    (a,) = launches(first, ORDER)
    assert launches(first, ORDER)[0].run_key == a.run_key
    (b,) = launches(PlannedRun("indicator_job", "fingerprints-b", "2025-01-01", "2025-02-01"), ORDER)
    (c,) = launches(first, ORDER, generation=1)
    (d,) = launches(PlannedRun("indicator_job", "fingerprints-a", "2025-01-01", "2025-03-01"), ORDER)
    assert len({a.run_key, b.run_key, c.run_key, d.run_key}) == 4
    assert all(k.startswith("indicator_job:") for k in (a.run_key, b.run_key))


def test_planners_come_from_the_domains_in_their_order():
    assert [p.__module__ for p in planners()] == [
        "divobench_pipeline.defs.bus_uploads.planning", "divobench_pipeline.defs.cbs.planning",
        "divobench_pipeline.defs.wi_indicators.planning", "divobench_pipeline.defs.aanleverstatus.planning",
        "divobench_pipeline.defs.cbs_kerncijfers.planning", "divobench_pipeline.defs.questionnaires.planning",
        "divobench_pipeline.defs.statushouders.planning", "divobench_pipeline.defs.reports.planning"]


def test_a_domain_whose_jobs_are_all_skipped_is_not_planned(monkeypatch):
    assert domain_jobs("reports") == {"report_job"}
    assert domain_jobs("bus_uploads") == {"bus_intake_job", "bus_staging_job"}
    asked = []
    for planner in planners():
        domain = planner.__module__.split(".")[-2]
        monkeypatch.setattr(importlib.import_module(planner.__module__), "plan",
                            lambda *args, domain=domain: asked.append(domain) or [])
    plan_all(None, Registry(()), None, skip_jobs=frozenset({"report_job", "bus_staging_job"}))
    assert asked == ["bus_uploads", "cbs", "wi_indicators", "aanleverstatus", "cbs_kerncijfers", "questionnaires",
                     "statushouders"]


def test_month_arithmetic_across_a_year_end():
    months = [month(11, 2024), month(12, 2024), month(1), month(3)]
    assert month_ranges(months) == [(month(11, 2024), month(1)), (month(3), month(3))]
    assert shift_month(month(1), -12) == month(1, 2024) and shift_month(month(12, 2024), 1) == month(1)
    assert deadline(month(12, 2024)) == dt.date(2025, 1, 28) and deadline(month(2)) == dt.date(2025, 3, 28)


def test_a_correction_changes_its_month_and_the_month_a_year_later_only():
    uploads = {(month(m), pid): f"sha-{m}-{pid}" for m in range(1, 13) for pid in ORDER}
    uploads.update({(month(m, 2026), "GM0001"): f"sha-{m}-2026" for m in range(1, 13)})
    before = indicator_fingerprints(uploads, REGISTRY)
    after = indicator_fingerprints({**uploads, (month(5), "GM0002"): "corrected"}, REGISTRY)
    assert {m for m in before if before[m] != after[m]} == {month(5), month(5, 2026)}


def test_a_new_indicator_or_new_membership_makes_every_month_out_of_date():
    uploads = {(month(m), "GM0001"): f"sha-{m}" for m in range(1, 4)}
    before = indicator_fingerprints(uploads, REGISTRY)
    moved = Registry((Participant("GM0001", "GM0001", ("GM9000", "GM9999"), ("wi_basis",)),))
    assert all(before[m] != fp for m, fp in indicator_fingerprints(uploads, moved).items())
    fewer = indicator_fingerprints(uploads, REGISTRY, indicators=INDICATORS[:-1])
    assert set(fewer) == set(before) and all(before[m] != fewer[m] for m in before)
