"""participants.yaml changes: a participant that leaves the benchmark keeps its history in the data directory and
the warehouse's staged data, and leaves every indicator and group value; re-added, it is back without a new upload."""

from __future__ import annotations

from bus_builders import levering, write_bus
from test_pipeline import PARTICIPANTS, SEPTEMBER, drop, query

from divobench_pipeline.core.participants import write_registry
from divobench_pipeline.defs.bus_uploads.intake import read_receipts
from divobench_pipeline.orchestration.refresh import refresh


def landelijk_bestand(home) -> tuple[float, int]:
    (row,) = query(home, "SELECT numerator, group_n FROM group_value WHERE group_type = 'landelijk' "
                         "AND indicator = 'wi.bestand.pw' AND month = ?", [SEPTEMBER])
    return row


def test_a_removed_participant_keeps_its_history_and_leaves_the_groups(home, tmp_path):
    write_registry(home.participants_file, PARTICIPANTS)
    drop(home, "GM0363", write_bus(tmp_path / "adam.xml", levering(Gemeentecode="0363")))
    drop(home, "SV-ISD-BOLLENSTREEK", write_bus(tmp_path / "isd.xml", levering(Gemeentecode="0534",
                                                                               Berichtgevercode="0534")))
    assert refresh(home).success
    staged = query(home, "SELECT participant_id, count(*) FROM bus_uitkering GROUP BY 1 ORDER BY 1")
    assert [pid for pid, _ in staged] == ["GM0363", "SV-ISD-BOLLENSTREEK"]
    both = landelijk_bestand(home)
    adam = query(home, "SELECT numerator FROM indicator_value WHERE indicator = 'wi.bestand.pw' AND unit = 'GM0363'")
    assert both[1] == 2

    write_registry(home.participants_file, PARTICIPANTS[1:])
    assert refresh(home).success
    assert query(home, "SELECT participant_id, count(*) FROM bus_uitkering GROUP BY 1 ORDER BY 1") == staged
    assert [r.participant_id for r in read_receipts(home)].count("GM0363") == 1
    assert query(home, "SELECT count(*) FROM indicator_value WHERE unit = 'GM0363' AND indicator LIKE 'wi.%'") \
        == [(0,)]
    assert landelijk_bestand(home) == (both[0] - adam[0][0], 1)

    write_registry(home.participants_file, PARTICIPANTS)
    outcome = refresh(home)
    assert outcome.success and "bus_intake_job" not in [run.job for run in outcome.runs]
    assert landelijk_bestand(home) == both
