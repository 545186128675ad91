"""Workbooks through the whole pipeline: the command line, refresh (Dagster runs on the data directory's
instance), replacement of a period, a rejected workbook leaving the answers in force, the planner, the sensor and
the aanleverstatus."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import openpyxl
import pytest
from processes import divobench
from questionnaire_fixtures import QUARTER, last_quarter, registered, workbook

from divobench_pipeline.core.home import ARCHIVE_KEY_ENV, ensure_key
from divobench_pipeline.core.warehouse import open_warehouse, read_warehouse
from divobench_pipeline.definitions import load_defs
from divobench_pipeline.defs.questionnaires.answers import RawWorkbook, judge
from divobench_pipeline.defs.questionnaires.intake import receive_workbook
from divobench_pipeline.defs.questionnaires.planning import plan_questionnaires
from divobench_pipeline.defs.questionnaires.status import questionnaire_status
from divobench_pipeline.defs.questionnaires.xlsx import WorkbookRejected
from divobench_pipeline.orchestration.instance import dagster_instance
from divobench_pipeline.orchestration.refresh import refresh

Q = last_quarter()


def _receive(home, registry, path):
    return receive_workbook(home, registry, "GM0153", path, archive_key=ensure_key(home, ARCHIVE_KEY_ENV),
                            remove_source=False)


def _answers(home):
    with open_warehouse(str(home.warehouse), read_only=True) as con:
        return dict(con.execute("SELECT code, value FROM questionnaire_answer WHERE period = ? AND participant_id = "
                                "'GM0153'", [str(Q)]).fetchall())


@pytest.mark.slow
def test_a_new_workbook_replaces_the_period_and_a_rejected_one_changes_nothing(home, tmp_path):
    registry = registered(home)
    assert _receive(home, registry, workbook(tmp_path / "1.xlsx", "GM0153", str(Q), registry=registry)).accepted
    instance = dagster_instance(home)
    assert refresh(home, instance).success
    assert _answers(home)["maatregelen"] == 30 and _answers(home)["fte_inhuur"] == 10
    with read_warehouse(home.warehouse) as con:
        assert plan_questionnaires(home, registry, con) == []
        values = con.execute("SELECT indicator, value FROM indicator_value WHERE unit = 'GM0153'").fetchall()
    assert ("wi.aandeel_inhuur", pytest.approx(10 / 60)) in values

    second = workbook(tmp_path / "2.xlsx", "GM0153", str(Q), {**QUARTER, "fte_inhuur": 15, "maatregelen": None},
                      registry)
    assert _receive(home, registry, second).accepted
    with read_warehouse(home.warehouse) as con:
        planned = plan_questionnaires(home, registry, con)
    assert [(p.job, p.partitions) for p in planned] == [("questionnaire_answers_job", ((str(Q), "GM0153"),))]
    assert refresh(home, instance).success
    replaced = _answers(home)
    assert replaced["fte_inhuur"] == 15 and replaced["maatregelen"] is None and len(replaced) == 19
    with read_warehouse(home.warehouse) as con:
        inhuur = con.execute("SELECT value FROM indicator_value WHERE unit = 'GM0153' AND indicator = "
                             "'wi.aandeel_inhuur'").fetchall()
    assert inhuur == [(pytest.approx(15 / 65),)]

    bad = workbook(tmp_path / "3.xlsx", "GM0153", str(Q), {**QUARTER, "fte_inhuur": -1}, registry)
    assert not _receive(home, registry, bad).accepted
    with read_warehouse(home.warehouse) as con:
        assert plan_questionnaires(home, registry, con) == []
    assert refresh(home, instance).summary() == ["Everything is up to date."]
    assert _answers(home) == replaced


def test_the_sensor_asks_for_the_stage_that_is_out_of_date(home, tmp_path):
    registry = registered(home)
    open_warehouse(str(home.warehouse)).close()
    _receive(home, registry, workbook(tmp_path / "1.xlsx", "GM0153", str(Q), registry=registry))
    defs = load_defs(home)
    sensor = defs.resolve_sensor_def("bus_upload_sensor")
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("participant", registry.ids)

        def tick():
            context = dg.build_sensor_context(instance=instance, definitions=defs, resources=defs.resources)
            return [r for r in sensor(context).run_requests if r.job_name.startswith("questionnaire")]

        first, again = tick(), tick()
    assert [r.job_name for r in first] == ["questionnaire_answers_job"]
    assert first[0].tags["dagster/asset_partition_range_start"] == f"GM0153|{Q}"
    assert [r.run_key for r in again] == [r.run_key for r in first], "the same content asks for the same run"


def test_a_period_before_the_participant_joined_is_rejected(home):
    registry = registered(home)
    raw = RawWorkbook({"deelnemer": "GM0153", "vragenlijst": "bedrijfsvoering_wi", "periode": "2024-Q4"},
                      [(2, code, value) for code, value in QUARTER.items()])
    with pytest.raises(WorkbookRejected, match="2024-Q4 ligt vóór de deelname van GM0153 \\(sinds 2025-01\\)"):
        judge(raw, registry["GM0153"], today=dt.date(2026, 6, 1), joined=dt.date(2025, 1, 1), previous=None)
    accepted = judge(RawWorkbook({**raw.details, "periode": "2025-Q1"}, raw.rows), registry["GM0153"],
                     today=dt.date(2026, 6, 1), joined=dt.date(2025, 1, 1), previous=None)
    assert str(accepted.period) == "2025-Q1" and accepted.signaleringen == []


def test_aanleverstatus_of_the_questionnaires(home, tmp_path):
    registry = registered(home)
    _receive(home, registry, workbook(tmp_path / "1.xlsx", "GM0153", str(Q), registry=registry))
    today, following = dt.date.today(), Q.next()

    def status(as_of):
        rows = questionnaire_status(home, registry, as_of)
        return {(r.participant_id, r.period): r.status for r in rows.itertuples()
                if r.questionnaire == "bedrijfsvoering_wi"}

    expected_q = "op_tijd" if today <= Q.deadline() else "te_laat"
    assert status(following.last_day + dt.timedelta(days=1)) == {("GM0153", str(Q)): expected_q,
                                                                 ("GM0153", str(following)): "verwacht"}
    assert status(following.deadline() + dt.timedelta(days=1))[("GM0153", str(following))] == "ontbreekt"
    assert not any(pid == "GM0637" for pid, _ in status(following.deadline())), "no module, nothing expected"


@pytest.mark.slow
def test_questionnaire_command_prefills_the_previous_answers_and_refuses_without_module(home, tmp_path):
    registry = registered(home)
    _receive(home, registry, workbook(tmp_path / "1.xlsx", "GM0153", str(Q.previous()), registry=registry))
    out = tmp_path / "nieuw.xlsx"
    result = divobench(home.root, "questionnaire", "--participant", "GM0153", "--period", str(Q), "--output", str(out))
    assert str(out) in result.stdout
    rows = {r[0]: r for r in openpyxl.load_workbook(out)["Vragenlijst"].iter_rows(min_row=2, values_only=True)}
    assert rows["fte_inhuur"][5] == 10 and rows["fte_inhuur"][6] == f"vooringevuld: antwoord van {Q.previous()}"
    refused = divobench(home.root, "questionnaire", "--participant", "GM0637", "--period", str(Q), check=False)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.strip() == ("divobench: GM0637 does not take the module wi_verdiepend, so it has no "
                                      "bedrijfsvoering_wi questionnaire.")
