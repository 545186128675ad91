"""What is out of date, in Dagster's own terms: data versions of the sources the planners compare.

Each domain's ``planning.py`` may offer ``source_versions`` next to ``plan``: the parts of its run content as
source assets with one data version per partition (the sha256 of a participant-month's upload in force, a
digest of a month's uploads, of a year's CBS inputs, of participants.yaml). The sensor and ``divobench refresh``
record an ``AssetObservation`` with that data version for every source partition whose version changed, before
they ask for the runs. The consumers (``bus_staged``, ``wi_indicatoren``, ``wi_groepswaarden``) record the
versions they read with each materialization, so Dagster's own stale status (the UI's "Stale" tag per partition,
GraphQL ``staleStatusByPartition``/``staleCausesByPartition``) says which partitions are out of date, and names the
source partition that changed, or "has a new code version" when the indicator definitions changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence

import dagster as dg
import duckdb
from dagster._core.definitions.data_version import DATA_VERSION_IS_USER_PROVIDED_TAG, DATA_VERSION_TAG
from dagster._core.events import (
    AssetObservationData,
    DagsterEvent,
    DagsterEventBatchMetadata,
    DagsterEventType,
    generate_event_batch_id,
)
from dagster._core.instance.utils import RUNLESS_JOB_NAME, RUNLESS_RUN_ID

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.months import month_key
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.orchestration.partitions import month_participant_key
from divobench_pipeline.orchestration.pipeline import planning_functions
from divobench_pipeline.orchestration.plan import SourceVersions, content_digest

OBSERVED_PREFIX = "divobench/observed_sources/"
"""Instance key-value entries: per source, a digest of the versions found all observed."""


def source_versions_all(home: DivobenchHome, registry: Registry,
                        con: duckdb.DuckDBPyConnection | None) -> list[SourceVersions]:
    """Every domain's ``source_versions``, in ``DOMAINS`` order."""
    return [source for versioner in planning_functions("source_versions") for source in versioner(home, registry, con)]


def changed_observations(instance: dg.DagsterInstance, sources: Sequence[SourceVersions]
                         ) -> list[dg.AssetObservation]:
    """An observation (data version, and the reason in words) for each source partition whose version differs
    from the one last observed: at most one event per changed partition, none when nothing changed.

    A digest of each source's versions is kept in the instance once a comparison finds every partition observed,
    so an unchanged tick reads no event log; the comparison after a change (one query per source) also redoes
    observations that were asked for but never stored.
    """
    stored = instance.run_storage.get_cursor_values({OBSERVED_PREFIX + s.asset for s in sources})
    observations = []
    for source in sources:
        digest = content_digest(sorted((str(k), v) for k, v in source.versions.items()))
        if stored.get(OBSERVED_PREFIX + source.asset) == digest:
            continue
        observed = _observed_versions(instance, source)
        changed = [observation for key, version in source.versions.items()
                   if (observation := _observation(source, _partition_key(key), version, observed))]
        if not changed:
            instance.run_storage.set_cursor_values({OBSERVED_PREFIX + source.asset: digest})
        observations += changed
    return observations


def observe_changed_sources(instance: dg.DagsterInstance, sources: Sequence[SourceVersions]
                            ) -> list[dg.AssetObservation]:
    """Record ``changed_observations`` in the instance now, as one batch (``divobench refresh``; the sensor returns
    them in its result and the daemon records them before it launches the runs)."""
    observations = changed_observations(instance, sources)
    batch = generate_event_batch_id()
    for number, observation in enumerate(observations, start=1):
        instance.report_dagster_event(
            DagsterEvent(DagsterEventType.ASSET_OBSERVATION.value, RUNLESS_JOB_NAME,
                         event_specific_data=AssetObservationData(observation)),
            run_id=RUNLESS_RUN_ID, batch_metadata=DagsterEventBatchMetadata(batch, number == len(observations)))
    return observations


def _observation(source: SourceVersions, partition: str | None, version: str,
                 observed: dict[str | None, str]) -> dg.AssetObservation | None:
    if observed.get(partition) == version:
        return None
    return dg.AssetObservation(
        source.asset, partition=partition,
        tags={DATA_VERSION_TAG: version, DATA_VERSION_IS_USER_PROVIDED_TAG: "true"},
        metadata={"reason": source.reason, "previous_version": observed.get(partition) or "none"})


def _observed_versions(instance: dg.DagsterInstance, source: SourceVersions) -> dict[str | None, str]:
    """Partition (None: unpartitioned) → the data version last observed, in one query of the event log."""
    key = dg.AssetKey(source.asset)
    if None in source.versions:
        record = next(iter(instance.fetch_observations(key, limit=1).records), None)
        version = (record.event_log_entry.tags or {}).get(DATA_VERSION_TAG) if record else None
        return {None: version} if version else {}
    tags = instance.event_log_storage.get_latest_tags_by_partition(
        key, DagsterEventType.ASSET_OBSERVATION, [DATA_VERSION_TAG])
    return {partition: values[DATA_VERSION_TAG] for partition, values in tags.items() if DATA_VERSION_TAG in values}


def _partition_key(key: Hashable) -> str | None:
    """The Dagster partition key of a source version's key: (month, participant), a month, or None."""
    if isinstance(key, tuple):
        return str(month_participant_key(*key))
    if isinstance(key, dt.date):
        return month_key(key)
    return key
