"""Which reports are out of date: a plain planner returning ``PlannedRun``s of ``report_job``.

A report (month M × participant) shows the indicators of M and of the trend months before it, the group values
of M with their status, and the participant's aanleverstatus; it is out of date when a fingerprint of those
inputs differs from the one in its ``rapport.json``:
- the indicator month fingerprints (``indicator_month_state``) of M's trend months: they cover the uploads in
  force, participants.yaml's gemeenten, the CBS inputs of group membership and the indicator definitions;
- the status (voorlopig/definitief) of M's group values;
- the participant's aanleverstatus rows of the twelve months up to M (without their ``as_of`` day);
- the participant's registry entry (name, modules, reporting, references) and the report code (``REPORT_VERSION``
  plus the templates and the indicator catalogue's names and definitions).
Only participant-months with an upload in force and figures are planned: a monthly report follows the monthly
upload (yearly CBS figures alone, e.g. the kerncijfers of 2015–2017, do not make a report of their own).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from functools import cache
from importlib import resources

import duckdb

from divobench_pipeline.core.catalogue import all_indicators
from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.core.warehouse import has_table
from divobench_pipeline.defs.reports.data import TREND_MONTHS, months_back
from divobench_pipeline.defs.reports.paths import MANIFEST, report_dir
from divobench_pipeline.orchestration.plan import PlannedRun

REPORT_JOB = "report_job"
REPORT_VERSION = "1"


@cache
def code_digest() -> str:
    """The report code's own part of the fingerprint: version, templates and the catalogue's texts."""
    templates = resources.files(__package__).joinpath("templates")
    parts = [REPORT_VERSION, *(f.read_text(encoding="utf-8") for f in sorted(templates.iterdir(), key=lambda f: f.name)
                               if f.is_file()),
             repr([(i.code, i.name, i.unit_of_measure, i.description, i.module) for i in all_indicators()])]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def report_fingerprints(con: duckdb.DuckDBPyConnection, registry: Registry,
                        months: Sequence[dt.date] | None = None) -> dict[tuple[dt.date, str], str]:
    """(month, participant) → fingerprint of everything its report reads, for participant-months with figures."""
    if not all(has_table(con, t) for t in ("indicator_month_state", "group_value", "indicator_value")):
        return {}
    state = dict(con.execute("SELECT month, fingerprint FROM indicator_month_state").fetchall())
    status = dict(con.execute("SELECT month, string_agg(DISTINCT status, ',') FROM group_value GROUP BY month")
                  .fetchall())
    if not has_table(con, "bus_upload_in_force"):
        return {}
    with_data = con.execute("SELECT DISTINCT u.month, u.participant_id FROM bus_upload_in_force u SEMI JOIN "
                            "indicator_value v ON v.month = u.month AND v.level = 'participant' "
                            "AND v.unit = u.participant_id").fetchall()
    freshness: dict[tuple[dt.date, str], str] = {}
    if has_table(con, "aanleverstatus"):
        for month, pid, *rest in con.execute(
                "SELECT month, participant_id, status, eerste_ontvangst, uitkeringen, volume_signaal, "
                "volledigheid_signaal FROM aanleverstatus").fetchall():
            freshness[(month, pid)] = repr(rest)
    wanted = set(months) if months is not None else None
    prints = {}
    for month, pid in with_data:
        if pid not in registry or month not in status or (wanted is not None and month not in wanted):
            continue
        trend = [months_back(month, k) for k in range(TREND_MONTHS)]
        p = registry[pid]
        payload = [code_digest(), [state.get(m) for m in trend], status[month],
                   [freshness.get((months_back(month, k), pid)) for k in range(12)],
                   [p.name, p.gemeenten, p.modules, p.reporting, sorted(p.references.items()),
                    [registry[r].name for ids in p.references.values() for r in ids if r in registry]]]
        prints[(month, pid)] = hashlib.sha256(json.dumps(payload, default=str).encode()).hexdigest()
    return prints


def written_fingerprint(home: DivobenchHome, month: dt.date, participant_id: str) -> str | None:
    manifest = report_dir(home, participant_id, month) / MANIFEST
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint")
    except (OSError, ValueError):
        return None


def plan_reports(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None) -> list[PlannedRun]:
    """One ``report_job`` over the month × participant partitions whose reports are out of date (orchestration
    covers them with rectangles in the instance's participant order, one run each)."""
    if con is None:
        return []
    prints = report_fingerprints(con, registry)
    stale = sorted(key for key, fp in prints.items() if written_fingerprint(home, *key) != fp)
    content = hashlib.sha256(json.dumps([(str(k), prints[k]) for k in stale]).encode()).hexdigest()
    if not stale:
        return []
    return [PlannedRun(REPORT_JOB, content, label=f"{len(stale)} rapporten",
                       partitions=tuple((month.isoformat(), pid) for month, pid in stale))]


plan = plan_reports
"""This domain's planner, as orchestration collects it (the sensor asks for its runs, ``refresh`` executes them)."""
