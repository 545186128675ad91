"""A snapshot of the asset graph: asset keys, partitions, checks, deps, jobs and sensors, as the UI shows them.

An accidental change (an asset renamed, a dependency lost, a check dropped, a job selecting other assets) fails
here. After an intended change, regenerate the committed snapshot and review its diff:

    UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_asset_graph_snapshot.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg

from divobench_pipeline.definitions import load_defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def partitions(definition: dg.PartitionsDefinition | None) -> object:
    if definition is None:
        return None
    if isinstance(definition, dg.MultiPartitionsDefinition):
        return {"multi": {d.name: partitions(d.partitions_def) for d in definition.partitions_defs}}
    if isinstance(definition, dg.TimeWindowPartitionsDefinition):
        return {"time_window": definition.cron_schedule, "start": definition.start.isoformat(),
                "timezone": definition.timezone, "end_offset": definition.end_offset}
    if isinstance(definition, dg.DynamicPartitionsDefinition):
        return {"dynamic": definition.name}
    if isinstance(definition, dg.StaticPartitionsDefinition):
        return {"static": definition.get_partition_keys()}
    return {type(definition).__name__: str(definition)}


def graph_snapshot(defs: dg.Definitions) -> dict:
    """The asset graph as plain JSON-able data, sorted so that only real changes show in a diff."""
    graph = defs.resolve_asset_graph()
    checks: dict[str, list] = {}
    for assets_def in graph.assets_defs:
        for spec in assets_def.check_specs:
            checks.setdefault(spec.asset_key.to_user_string(), []).append(
                {"name": spec.name, "blocking": spec.blocking})
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        name = key.to_user_string()
        assets[name] = {
            "group": node.group_name, "kinds": sorted(node.kinds), "partitions": partitions(node.partitions_def),
            "backfill_policy": str(node.backfill_policy) if node.backfill_policy else None,
            "pools": sorted(node.pools or ()), "code_version": node.code_version,
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "checks": sorted(checks.get(name, []), key=lambda c: c["name"]),
        }
    jobs = {job.name: {"assets": sorted(k.to_user_string() for k in job.asset_layer.selected_asset_keys),
                       "checks": sorted(f"{k.asset_key.to_user_string()}:{k.name}"
                                        for k in job.asset_layer.asset_graph.asset_check_keys)}
            for job in sorted(defs.resolve_all_job_defs(), key=lambda j: j.name) if not job.name.startswith("__")}
    sensors = {sensor.name: {"jobs": sorted(job.name for job in sensor.jobs) if sensor.has_jobs else [],
                             "default_status": sensor.default_status.value}
               for sensor in sorted(defs.sensors or [], key=lambda s: s.name)}
    return {"assets": assets, "jobs": jobs, "sensors": sensors}


def test_the_asset_graph_matches_its_snapshot(home):
    current = graph_snapshot(load_defs(home))
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert SNAPSHOT.exists(), f"no snapshot yet: run with UPDATE_SNAPSHOTS=1 to write {SNAPSHOT}"
    assert current == json.loads(SNAPSHOT.read_text(encoding="utf-8")), (
        "the asset graph changed; if that was intended, run UPDATE_SNAPSHOTS=1 pytest "
        "tests/test_asset_graph_snapshot.py and commit the reviewed snapshot")


def test_the_snapshot_sees_a_change_of_the_graph(home):
    @dg.asset(deps=["wi_indicatoren"], group_name="indicators")
    def extra() -> None:
        """An asset nobody meant to add."""

    defs = load_defs(home)
    changed = graph_snapshot(dg.Definitions.merge(defs, dg.Definitions(assets=[extra])))
    assert set(changed["assets"]) - set(graph_snapshot(defs)["assets"]) == {"extra"}
    assert changed != json.loads(SNAPSHOT.read_text(encoding="utf-8"))
