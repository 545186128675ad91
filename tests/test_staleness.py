"""What is stale shows in Dagster (issue 9, point 5): Dagster's own stale status per partition, as the UI and GraphQL
``staleStatusByPartition``/``staleCausesByPartition`` show it, says out of date exactly the partitions the planners
would rerun, names the cause (a new upload, changed CBS inputs, changed indicator definitions), and says fresh
again after the runs. The real definitions, the data directory's Dagster instance, the real sensor and refresh."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys

import dagster as dg
import duckdb
import pytest
from bus_builders import levering, uitkering, write_bus
from dagster._core.asset_graph_view.asset_graph_view import AssetGraphView, TemporalContext
from dagster._core.definitions.data_version import DATA_VERSION_TAG, CachingStaleStatusResolver, StaleStatus
from dagster._time import get_current_datetime
from processes import START_TIMEOUT, Service, clean_env, free_port, wait_for
from test_pipeline import drop, evaluate, run_requested

from divobench_pipeline.core.participants import load_registry, write_registry
from divobench_pipeline.core.warehouse import read_warehouse
from divobench_pipeline.definitions import load_defs
from divobench_pipeline.defs.bus_uploads.planning import accepted_uploads, staging_due
from divobench_pipeline.defs.wi_indicators.planning import (
    computed_fingerprints,
    definitions_digest,
    indicator_fingerprints,
    months_due,
)
from divobench_pipeline.defs.wi_indicators.registry import INDICATORS
from divobench_pipeline.orchestration.instance import dagster_instance
from divobench_pipeline.orchestration.partitions import partition_range_tags
from divobench_pipeline.orchestration.plan import SourceVersions
from divobench_pipeline.orchestration.refresh import refresh
from divobench_pipeline.orchestration.staleness import changed_observations, observe_changed_sources

PARTICIPANTS = [
    {"id": "GM0363", "name": "Amsterdam", "gemeenten": ["GM0363"]},
    {"id": "GM0534", "name": "Hillegom", "gemeenten": ["GM0534"]},
]
MONTHS = ["2025-09-01", "2026-08-01", "2026-09-01"]
STAGED = ["2025-09-01|GM0363", "2026-08-01|GM0363", "2026-09-01|GM0363", "2026-09-01|GM0534"]
INDICATOR_ASSETS = ("wi_indicatoren", "wi_groepswaarden")
NO_REPORTS = frozenset({"report_job"})  # the participant reports have their own tests


def stale(defs: dg.Definitions, instance: dg.DagsterInstance, asset: str, partitions: list[str]) -> dict:
    """Partition → its root causes as (asset, partition, reason), for each stale partition, by Dagster's own
    resolver (the one behind the UI); asserts that every other partition is fresh (not missing)."""
    graph = defs.resolve_asset_graph()
    view = AssetGraphView(temporal_context=TemporalContext(effective_dt=get_current_datetime(), last_event_id=None),
                          instance=instance, asset_graph=graph)
    resolver = CachingStaleStatusResolver(instance, graph, view)
    key = dg.AssetKey(asset)
    statuses = {partition: resolver.get_status(key, partition) for partition in partitions}
    assert set(statuses.values()) <= {StaleStatus.STALE, StaleStatus.FRESH}, statuses
    return {partition: sorted((c.asset_key.to_user_string(), c.partition_key, c.reason)
                              for c in resolver.get_stale_root_causes(key, partition))
            for partition, status in statuses.items() if status == StaleStatus.STALE}


def planner_view(home) -> tuple[set[str], set[str]]:
    """(participant-months staging would rerun, months the indicator job would rerun), as partition keys."""
    registry = load_registry(home.participants_file)
    with read_warehouse(home.warehouse) as con:
        staging = {f"{m.isoformat()}|{pid}" for m, pid in staging_due(home, registry, con)}
        months = {m.isoformat() for m in months_due(home, registry, con)}
    return staging, months


def upload(home, tmp_path, participant: str, month: str, *uitkeringen: dict) -> None:
    code = participant[2:]
    path = write_bus(tmp_path / f"{participant}-{month}-{len(uitkeringen)}.xml",
                     levering(*uitkeringen, Statistiekjaar=month[:4], Statistiekmaand=month[5:7],
                              Gemeentecode=code, Berichtgevercode=code))
    drop(home, participant, path)


def tick(defs, instance) -> list[dg.RunRequest]:
    """A sensor tick; its observations recorded as the daemon records them, before any run is launched."""
    result = evaluate(defs, instance)
    for event in result.asset_events:
        instance.report_runless_asset_event(event)
    return result.run_requests or []


def sensor_tick_until_staging(defs, instance) -> None:
    """Sensor ticks, running only the intake they ask for, until they ask for staging: the sensor has then observed
    what changed, and nothing downstream has run yet."""
    for _ in range(3):
        requests = tick(defs, instance)
        if any(r.job_name == "bus_staging_job" for r in requests):
            return
        for request in requests:
            if request.job_name == "bus_intake_job":
                run_requested(defs, instance, request)
    pytest.fail("the sensor never asked for staging")


def test_observations_only_for_changed_partitions_and_again_when_lost():
    """One observation per changed source partition, none for unchanged ones; observations asked for but never
    recorded (a daemon stopped after the tick) are asked for again at the next comparison."""
    september, october = dt.date(2026, 9, 1), dt.date(2026, 10, 1)
    versions = {(september, "GM0363"): "a", (september, "GM0534"): "b", (october, "GM0363"): "c"}
    with dg.instance_for_test() as instance:
        first = changed_observations(instance, [SourceVersions("bus_accepted_upload", versions, "new upload")])
        assert sorted(o.partition for o in first) == ["2026-09-01|GM0363", "2026-09-01|GM0534", "2026-10-01|GM0363"]
        lost = changed_observations(instance, [SourceVersions("bus_accepted_upload", versions, "new upload")])
        assert lost == first  # none of them was recorded: asked for again
        for observation in first:
            instance.report_runless_asset_event(observation)
        assert changed_observations(instance, [SourceVersions("bus_accepted_upload", versions, "")]) == []
        corrected = {**versions, (september, "GM0534"): "b2"}
        (again,) = observe_changed_sources(instance, [SourceVersions("bus_accepted_upload", corrected, "correctie")])
        assert (again.partition, again.tags[DATA_VERSION_TAG], again.metadata["previous_version"].value) == (
            "2026-09-01|GM0534", "b2", "b")
        assert changed_observations(instance, [SourceVersions("bus_accepted_upload", corrected, "")]) == []
        assert len(instance.fetch_observations(dg.AssetKey("bus_accepted_upload"), limit=10).records) == 4
        unpartitioned = [SourceVersions("wi_participants", {None: "p1"}, "participants.yaml")]
        (registry_observation,) = observe_changed_sources(instance, unpartitioned)
        assert registry_observation.partition is None
        assert observe_changed_sources(instance, unpartitioned) == []


@pytest.fixture
def loaded(home, tmp_path):
    """Two participants, three months (2025-09 is 2026-09's M−12), all brought up to date by refresh."""
    write_registry(home.participants_file, PARTICIPANTS)
    upload(home, tmp_path, "GM0363", "2025-09")
    upload(home, tmp_path, "GM0363", "2026-08")
    upload(home, tmp_path, "GM0363", "2026-09")
    upload(home, tmp_path, "GM0534", "2026-09")
    with dagster_instance(home) as instance:
        assert refresh(home, instance, NO_REPORTS).success
        yield home, load_defs(home), instance


@pytest.mark.slow
def test_a_correction_makes_its_partition_and_the_months_that_read_it_stale(loaded, tmp_path):
    home, defs, instance = loaded
    assert stale(defs, instance, "bus_staged", STAGED) == {}
    for asset in INDICATOR_ASSETS:
        assert stale(defs, instance, asset, MONTHS) == {}
    assert planner_view(home) == (set(), set())

    upload(home, tmp_path, "GM0363", "2025-09", uitkering("U0001"), uitkering("U0002"))  # a corrected re-delivery
    sensor_tick_until_staging(defs, instance)
    upload_cause = [("bus_accepted_upload", "2025-09-01|GM0363", "has a new data version")]
    assert stale(defs, instance, "bus_staged", STAGED) == {"2025-09-01|GM0363": upload_cause}
    # 2026-09 compares with its M−12: the correction makes it out of date too, 2026-08 stays fresh
    expected = {month: [("wi_month_uploads", month, "has a new data version")]
                for month in ("2025-09-01", "2026-09-01")}
    assert stale(defs, instance, "wi_indicatoren", MONTHS) == expected
    assert planner_view(home) == ({"2025-09-01|GM0363"}, set(expected))
    assert refresh(home, instance, NO_REPORTS).success
    assert stale(defs, instance, "bus_staged", STAGED) == {}
    for asset in INDICATOR_ASSETS:
        assert stale(defs, instance, asset, MONTHS) == {}

    assert not tick(defs, instance)
    events = instance.fetch_observations(dg.AssetKey("bus_accepted_upload"), limit=100).records
    assert len(events) == len(STAGED) + 1, "one observation per upload in force, none for unchanged partitions"


@pytest.mark.slow
def test_changed_cbs_inputs_make_the_months_of_their_year_stale(loaded):
    home, defs, instance = loaded
    with duckdb.connect(str(home.warehouse)) as con:  # a CBS revision of 2026's inwoners of one gemeente
        con.execute("UPDATE gemeente_kenmerk SET waarde = waarde + 1 "
                    "WHERE jaar = 2026 AND kenmerk = 'inwoners' AND gemeentecode = 'GM0363'")
    assert [r.job_name for r in tick(defs, instance)] == ["indicator_job"]
    expected = {month: [("wi_cbs_inputs", month, "has a new data version")] for month in ("2026-08-01", "2026-09-01")}
    for asset in INDICATOR_ASSETS:
        assert stale(defs, instance, asset, MONTHS) == expected
    assert stale(defs, instance, "bus_staged", STAGED) == {}
    assert planner_view(home) == (set(), set(expected))
    assert refresh(home, instance, NO_REPORTS).success
    for asset in INDICATOR_ASSETS:
        assert stale(defs, instance, asset, MONTHS) == {}


@pytest.mark.slow
def test_changed_indicator_definitions_make_every_month_stale_by_code_version(loaded):
    home, defs, instance = loaded
    changed = INDICATORS[:-1]
    new_code = definitions_digest(changed)
    redeployed = defs.map_asset_specs(
        func=lambda spec: spec.replace_attributes(code_version=new_code)
        if spec.key.to_user_string() in INDICATOR_ASSETS else spec)
    for asset in INDICATOR_ASSETS:
        assert stale(redeployed, instance, asset, MONTHS) == {
            month: [(asset, month, "has a new code version")] for month in MONTHS}
    assert stale(redeployed, instance, "bus_staged", STAGED) == {}
    registry = load_registry(home.participants_file)
    with read_warehouse(home.warehouse) as con:  # the planner: every month's fingerprint changes too
        wanted = indicator_fingerprints(accepted_uploads(home, registry), registry, con, changed)
        held = computed_fingerprints(con)
    assert {m.isoformat() for m in wanted if wanted[m] != held[m]} == set(MONTHS)

    result = redeployed.resolve_job_def("indicator_job").execute_in_process(
        instance=instance, tags=partition_range_tags(MONTHS[0], MONTHS[-1]))
    assert result.success
    for asset in INDICATOR_ASSETS:
        assert stale(redeployed, instance, asset, MONTHS) == {}


@pytest.mark.slow
def test_a_participants_change_makes_every_month_stale_and_observe_agrees_with_the_sensor(loaded):
    home, defs, instance = loaded
    observe = dg.Definitions.merge(defs, dg.Definitions(jobs=[dg.define_asset_job(
        "observe_participants", selection=["wi_participants"])])).resolve_job_def("observe_participants")
    assert observe.execute_in_process(instance=instance).success  # "Observe" in the UI, unchanged file
    for asset in INDICATOR_ASSETS:
        assert stale(defs, instance, asset, MONTHS) == {}

    changed = [dict(p, references={"buren": ["GM0534"]}) if p["id"] == "GM0363" else p for p in PARTICIPANTS]
    write_registry(home.participants_file, changed)
    assert {r.job_name for r in tick(defs, instance)} == {"indicator_job"}
    for asset in INDICATOR_ASSETS:
        assert stale(defs, instance, asset, MONTHS) == {
            month: [("wi_participants", None, "has a new data version")] for month in MONTHS}
    assert planner_view(home) == (set(), set(MONTHS))
    assert observe.execute_in_process(instance=instance).success  # observing again by hand changes nothing
    assert len(stale(defs, instance, "wi_indicatoren", MONTHS)) == len(MONTHS)
    assert refresh(home, instance, NO_REPORTS).success
    for asset in INDICATOR_ASSETS:
        assert stale(defs, instance, asset, MONTHS) == {}


STALE_QUERY = """query Stale($key: AssetKeyInput!, $partitions: [String!]) { assetNodeOrError(assetKey: $key) {
  ... on AssetNode { staleStatusByPartition(partitions: $partitions)
    staleCausesByPartition(partitions: $partitions) { key { path } partitionKey category reason } } } }"""


PARTITION_QUERY = """query AssetPartitionStaleQuery($assetKey: AssetKeyInput!, $partitionKey: String!) {
  assetNodeOrError(assetKey: $assetKey) { ... on AssetNode { id staleStatus(partition: $partitionKey)
    staleCauses(partition: $partitionKey) { key { path } reason category dependency { path } } } } }"""
"""The query of the UI's partition detail (dagster-webserver's AssetPartitionStaleQuery), as the UI sends it."""


def ui_stale(service: Service, asset: str, partitions: list[str]) -> dict:
    """What the UI shows: partition → (status, root causes as (asset, partition, category, reason))."""
    node = service.graphql(STALE_QUERY, {"key": {"path": [asset]}, "partitions": partitions})["assetNodeOrError"]
    return {partition: (status, [(c["key"]["path"][0], c["partitionKey"], c["category"], c["reason"]) for c in causes])
            for partition, status, causes in zip(partitions, node["staleStatusByPartition"],
                                                 node["staleCausesByPartition"], strict=True)}


@pytest.mark.slow
def test_the_webserver_shows_the_stale_partitions_and_their_causes(loaded, tmp_path):
    """The real Dagster webserver (no daemon, so nothing runs meanwhile) on the data directory's instance."""
    home, defs, instance = loaded
    upload(home, tmp_path, "GM0363", "2026-08", uitkering("U0001"), uitkering("U0002"))
    sensor_tick_until_staging(defs, instance)
    port = free_port()
    env = {**clean_env(home.root), "DAGSTER_HOME": str(home.dagster_home), "DIVOBENCH_CBS_MODE": "offline"}
    with open(tmp_path / "webserver.log", "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "dagster_webserver", "-m", "divobench_pipeline.definitions",
                                    "-h", "127.0.0.1", "-p", str(port)], env=env, cwd=home.root, stdout=log,
                                   stderr=subprocess.STDOUT)
        try:
            service = Service(port, process)
            wait_for(service.server_info, START_TIMEOUT, "the webserver")
            staged = ui_stale(service, "bus_staged", STAGED)
            indicators = ui_stale(service, "wi_indicatoren", MONTHS)
            detail = service.graphql(PARTITION_QUERY, {"assetKey": {"path": ["bus_staged"]},
                                                       "partitionKey": "2026-08-01|GM0363"})["assetNodeOrError"]
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    assert staged == {key: ("FRESH", []) for key in STAGED} | {"2026-08-01|GM0363": (
        "STALE", [("bus_accepted_upload", "2026-08-01|GM0363", "DATA", "has a new data version")])}
    assert (detail["staleStatus"], detail["staleCauses"]) == ("STALE", [{
        "key": {"path": ["bus_accepted_upload"]}, "reason": "has a new data version", "category": "DATA",
        "dependency": None}])
    assert indicators == {"2025-09-01": ("FRESH", []), "2026-09-01": ("FRESH", []), "2026-08-01": (
        "STALE", [("wi_month_uploads", "2026-08-01", "DATA", "has a new data version")])}
