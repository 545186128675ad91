"""The shape of the one orchestration path: what is out of date, as runs to ask for.

Every domain contributes a planner (``defs/<domain>/planning.py: plan``): a plain function from the data
directory, the participant registry and a read-only warehouse connection (None while there is no warehouse) to
the runs that would bring its assets up to date. The sensor turns the ``PlannedRun``s into Dagster run requests;
``divobench refresh`` executes the same ones in-process. A planner returns nothing when its domain is up to date,
and nothing while the inputs it reads are still being brought up to date by another domain's runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

import duckdb

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import Registry


@dataclass(frozen=True)
class PlannedRun:
    """One run: ``job`` over the partitions ``start`` … ``end`` (both None: unpartitioned), or over the
    month × participant keys ``partitions`` (``(month, participant_id)``; orchestration covers them with as
    few rectangles in Dagster's partition order as it can, one run each). With ``row_keys``, ``partitions`` are
    ``(key, participant_id)`` of the dimension ``dimension`` × participant, whose keys in Dagster's order
    ``row_keys`` are (e.g. the questionnaire periods).

    ``content`` is a digest of everything the run will read (upload hashes, fingerprints, table versions) and of
    the state it replaces; the sensor's run key derives from it, so the same content never launches twice and new
    content always does.
    """

    job: str
    content: str
    start: str | None = None
    end: str | None = None
    label: str = ""
    partitions: tuple[tuple[str, str], ...] = ()
    dimension: str = "month"
    row_keys: tuple[str, ...] = ()


Planner = Callable[[DivobenchHome, Registry, "duckdb.DuckDBPyConnection | None"], list[PlannedRun]]


@dataclass(frozen=True)
class SourceVersions:
    """What a domain's assets read, as Dagster source asset ``asset`` with one data version per partition: the
    digest the planner compares for that part of its content (e.g. the sha256 of the upload in force).

    ``versions`` maps a partition to its version: ``(month, participant_id)`` for month × participant, a month
    for monthly, ``None`` for an unpartitioned source. ``reason`` says in words what a new version means; the
    UI shows it with the observation that makes the consumers stale.
    """

    asset: str
    versions: Mapping[Hashable, str]
    reason: str


def content_digest(*parts: object) -> str:
    """A sha256 over JSON of ``parts`` (dates and other values by ``str``): the ``content`` of a PlannedRun."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
