"""The planner shared by the sensor and `divobench refresh`: what to restage and recompute, in how few runs."""

import datetime as dt

from divobench_pipeline.core.participants import Participant, Registry
from divobench_pipeline.orchestration import planning
from divobench_pipeline.orchestration.planning import indicator_fingerprints, month_ranges, shift_month, staging_ranges

ORDER = ["GM0001", "GM0002", "GM0003", "SV-X"]
REGISTRY = Registry(tuple(Participant(pid, pid, (f"GM9{i:03d}",), ("wi_basis",)) for i, pid in enumerate(ORDER)))


def month(m: int, year: int = 2025) -> dt.date:
    return dt.date(year, m, 1)


def test_a_full_history_of_every_participant_is_one_run():
    keys = [(month(m), pid) for m in range(1, 13) for pid in ORDER]
    assert staging_ranges(keys, ORDER) == [("2025-01-01|GM0001", "2025-12-01|SV-X")]


def test_partial_arrival_gives_only_the_rectangles_needed():
    keys = [(month(3), "GM0001"), (month(3), "GM0002"), (month(3), "SV-X"), (month(4), "GM0001"),
            (month(4), "GM0002"), (month(4), "SV-X"), (month(6), "GM0003")]
    assert staging_ranges(keys, ORDER) == [
        ("2025-03-01|GM0001", "2025-04-01|GM0002"), ("2025-03-01|SV-X", "2025-04-01|SV-X"),
        ("2025-06-01|GM0003", "2025-06-01|GM0003")]


def test_month_ranges_join_consecutive_months_across_a_year_end():
    months = [month(11, 2024), month(12, 2024), month(1), month(3)]
    assert month_ranges(months) == [("2024-11-01", "2025-01-01"), ("2025-03-01", "2025-03-01")]
    assert shift_month(month(1), -12) == month(1, 2024) and shift_month(month(12, 2024), 1) == month(1)


def test_a_correction_changes_its_month_and_the_month_a_year_later_only():
    uploads = {(month(m), pid): f"sha-{m}-{pid}" for m in range(1, 13) for pid in ORDER}
    uploads.update({(month(m, 2026), "GM0001"): f"sha-{m}-2026" for m in range(1, 13)})
    before = indicator_fingerprints(uploads, REGISTRY)
    after = indicator_fingerprints({**uploads, (month(5), "GM0002"): "corrected"}, REGISTRY)
    assert {m for m in before if before[m] != after[m]} == {month(5), month(5, 2026)}


def test_a_new_indicator_or_new_membership_makes_every_month_out_of_date(monkeypatch):
    uploads = {(month(m), "GM0001"): f"sha-{m}" for m in range(1, 4)}
    before = indicator_fingerprints(uploads, REGISTRY)
    moved = Registry((Participant("GM0001", "GM0001", ("GM9000", "GM9999"), ("wi_basis",)),))
    assert all(before[m] != fp for m, fp in indicator_fingerprints(uploads, moved).items())
    monkeypatch.setattr(planning, "INDICATORS", planning.INDICATORS[:-1])
    assert all(before[m] != fp for m, fp in indicator_fingerprints(uploads, REGISTRY).items())
