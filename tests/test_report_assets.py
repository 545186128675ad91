"""Report assets through the real Dagster path: ``divobench refresh`` runs the reports planner's runs of
``report_job`` (one single-run backfill over months × participants), then nothing while nothing changed, and
only the affected participants when participants.yaml changes."""

from __future__ import annotations

import json
from collections import namedtuple

import dagster as dg
import pytest
from report_fixtures import JUNE, MAY, PARTICIPANTS, build

from divobench_pipeline.core.participants import load_registry, write_registry
from divobench_pipeline.core.warehouse import read_warehouse
from divobench_pipeline.defs.reports.planning import plan_reports
from divobench_pipeline.defs.reports.writer import FILES, MANIFEST, report_dir
from divobench_pipeline.orchestration.instance import dagster_instance
from divobench_pipeline.orchestration.pipeline import launches
from divobench_pipeline.orchestration.refresh import refresh

Planned = namedtuple("Planned", "job start end")


def plan(home):
    """The report runs as launched: (job, first, last partition) in the registry's participant order."""
    registry = load_registry(home.participants_file)
    with read_warehouse(home.warehouse) as con:
        return [Planned(launch.job, launch.tags["dagster/asset_partition_range_start"],
                        launch.tags["dagster/asset_partition_range_end"])
                for run in plan_reports(home, registry, con) for launch in launches(run, registry.ids)]


@pytest.mark.slow
def test_refresh_writes_every_report_once_and_again_only_what_changed(home):
    build(home)
    first = plan(home)
    assert [(r.job, r.start, r.end) for r in first] == [("report_job", "2024-05-01|GM0001", "2024-06-01|SV-WHOLE")]

    instance = dagster_instance(home)
    outcome = refresh(home, instance)
    assert outcome.success, outcome.summary()
    reports = [r for r in outcome.runs if r.job == "report_job"]
    assert len(reports) == 1  # a 2 × 10 rectangle (and the option-2 gemeenten) in one run
    for month in (MAY, JUNE):
        for participant in PARTICIPANTS:
            folder = report_dir(home, participant["id"], month)
            assert {p.name for p in folder.iterdir() if p.is_file()} == {*FILES, MANIFEST}, folder
            assert json.loads((folder / MANIFEST).read_text())["fingerprint"]
        assert {p.name for p in (report_dir(home, "SV-PER", month) / "GM0011").iterdir()} == set(FILES)
        assert not any(p.is_dir() for p in report_dir(home, "SV-WHOLE", month).iterdir())
    materialized = instance.get_materialized_partitions(dg.AssetKey("deelnemer_rapporten"))
    assert len(materialized) == 20

    assert plan(home) == []
    assert not [r for r in refresh(home, instance).runs if r.job == "report_job"]

    renamed = [dict(p, name="Gemeente Twee") if p["id"] == "GM0002" else p for p in PARTICIPANTS]
    write_registry(home.participants_file, renamed)
    # GM0002's own reports, and GM0001's, which names GM0002 as a peer.
    assert [(r.start, r.end) for r in plan(home)] == [("2024-05-01|GM0001", "2024-06-01|GM0002")]
