"""What of the questionnaires and budgets is out of date, as ``PlannedRun``s (orchestration/plan.py).

Stages, earliest first: budget files waiting (or budgets in force not yet loaded) → workbooks in force not yet
loaded → periods whose indicators rest on changed inputs → the questionnaires' aanleverstatus of another day.
The planner returns the runs of the earliest stage that has work, so the sensor and ``refresh`` follow the stages
one by one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import duckdb

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.core.warehouse import has_table
from divobench_pipeline.defs.questionnaires.budgets import budgets_in_force
from divobench_pipeline.defs.questionnaires.compute import stale_periods
from divobench_pipeline.defs.questionnaires.periods import PERIOD_KEYS, Period
from divobench_pipeline.defs.questionnaires.receipts import BUDGET, in_force
from divobench_pipeline.defs.questionnaires.status import questionnaire_status
from divobench_pipeline.defs.questionnaires.store import loaded_workbooks, waiting_files
from divobench_pipeline.orchestration.plan import PlannedRun


def _digest(items) -> str:
    return hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode()).hexdigest()[:16]


def plan_questionnaires(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None,
                        today: dt.date | None = None) -> list[PlannedRun]:
    """The runs that would bring the questionnaire and budget assets up to date (empty: up to date)."""
    for stage in (_budget_runs, _answer_runs, _indicator_runs, _status_runs):
        runs = stage(home, registry, con, today or dt.date.today())
        if runs:
            return runs
    return []


def _budget_runs(home, registry, con, today) -> list[PlannedRun]:
    waiting = [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in waiting_files(home.inbox_of(BUDGET))]
    wanted = sorted(budgets_in_force(home)[["jaar", "gemeentecode", "upload_sha256"]].itertuples(index=False,
                                                                                                   name=None))
    loaded = sorted(con.execute("SELECT jaar, gemeentecode, upload_sha256 FROM buig_budget").fetchall()) \
        if con is not None and has_table(con, "buig_budget") else []
    if waiting or [list(r) for r in wanted] != [list(r) for r in loaded]:
        return [PlannedRun("budget_job", _digest([waiting, wanted]), label="BUIG-budgetten")]
    return []


def _answer_runs(home, registry, con, today) -> list[PlannedRun]:
    wanted = {key: r.sha256 for key, r in in_force(home).items() if key[1] in registry}
    loaded = loaded_workbooks(con)
    changed = sorted(k for k in set(wanted) | set(loaded) if wanted.get(k) != loaded.get(k))
    if not changed:
        return []
    return [PlannedRun("questionnaire_answers_job", _digest([changed, sorted(wanted.items())]),
                       label=f"{len(changed)} vragenlijsten", partitions=tuple((str(period), pid)
                                                                               for period, pid in changed),
                       dimension="period", row_keys=PERIOD_KEYS)]


def _indicator_runs(home, registry, con, today) -> list[PlannedRun]:
    periods = stale_periods(con, registry)
    if not periods:
        return []
    first, last = min(periods, key=_order), max(periods, key=_order)
    return [PlannedRun("questionnaire_indicator_job", _digest([str(p) for p in periods] + [str(today)]),
                       str(first), str(last), f"{first} … {last}")]


def _status_runs(home, registry, con, today) -> list[PlannedRun]:
    wanted = questionnaire_status(home, registry, today)
    if wanted.empty:
        return []
    columns = ["period", "participant_id", "status", "as_of"]
    loaded = con.execute(f"SELECT {', '.join(columns)} FROM questionnaire_status ORDER BY ALL").fetchall() \
        if con is not None and has_table(con, "questionnaire_status") else []
    current = sorted((p, pid, s, a.date()) for p, pid, s, a in wanted[columns].itertuples(index=False, name=None))
    if current == sorted(loaded):
        return []
    return [PlannedRun("questionnaire_status_job", _digest(current), label="today")]


def _order(period: Period) -> tuple:
    return period.sort_key


plan = plan_questionnaires
"""This domain's planner, as orchestration collects it (the sensor asks for its runs, ``refresh`` executes them)."""
