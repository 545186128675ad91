"""The statushouders job in a real Dagster instance on a real DuckDB file, on the hand-checked world of
statushouders_fixtures: vintages, suppression, the taakstelling checks, consent in both directions, groups."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import duckdb
import pytest
from statushouders_fixtures import PARTICIPANTS, A, B, C, D, E, drop, seed_world, write_files

from divobench_pipeline.core.participants import load_registry, write_registry
from divobench_pipeline.core.warehouse import read_warehouse
from divobench_pipeline.definitions import load_defs
from divobench_pipeline.defs.statushouders.planning import plan_statushouders
from divobench_pipeline.demo.generator import UploadSpec, generate_uploads
from divobench_pipeline.orchestration.refresh import QUIET, refresh

JAN, JUL, JUN, DEC = dt.date(2019, 1, 1), dt.date(2019, 7, 1), dt.date(2019, 6, 1), dt.date(2019, 12, 1)


def run_job(home) -> dg.ExecuteInProcessResult:
    result = load_defs(home).resolve_job_def("statushouders_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), run_config=QUIET, raise_on_error=False)
    assert result.success
    return result


def rows(home, sql: str, params=()):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def value(home, indicator, level, unit, month):
    found = rows(home, "SELECT numerator, denominator, value FROM indicator_value WHERE indicator = ? AND level = ? "
                       "AND unit = ? AND month = ?", [indicator, level, unit, month])
    return found[0] if found else None


def group(home, indicator, group_code, month):
    found = rows(home, "SELECT numerator, denominator, group_value, group_n FROM group_value WHERE indicator = ? "
                       "AND group_code = ? AND month = ?", [indicator, group_code, month])
    return found[0] if found else None


@pytest.fixture
def world(home, tmp_path):
    seed_world(home)
    files = write_files(tmp_path / "files")
    drop(home, "cbs_statushouders", files["cbs_2019-H1.csv"])
    drop(home, "coa", files["coa_2019.csv"])
    drop(home, "kis", files["kis_2019.csv"])
    first = run_job(home)
    drop(home, "cbs_statushouders", files["cbs_2019-H2.csv"])
    return home, first, run_job(home)


def test_every_delivery_is_kept_and_indicators_use_the_newest(world):
    home, _, _ = world
    assert rows(home, "SELECT levering, count(*) FROM sh_cbs_cohort GROUP BY 1 ORDER BY 1") == [("2019-H1", 10),
                                                                                                 ("2019-H2", 15)]
    assert rows(home, "SELECT teller FROM sh_cbs_cohort WHERE levering = '2019-H1' AND gemeentecode = ? "
                      "AND indicator = 'cohort'", [A]) == [(50.0,)]
    assert value(home, "sh.cohort", "gemeente", A, JAN) == (52.0, None, 52.0)
    assert value(home, "sh.cohort", "gemeente", A, JUL) == (55.0, None, 55.0)


def test_a_suppressed_cell_stays_unknown_and_out_of_every_sum(world):
    home, _, _ = world
    assert rows(home, "SELECT teller, noemer FROM sh_cbs_cohort WHERE levering = '2019-H2' AND gemeentecode = ? "
                      "AND indicator = 'werk_18_aow' AND peildatum = ?", [C, JAN]) == [(None, 20.0)]
    assert value(home, "sh.werk", "gemeente", C, JAN) == (None, 20.0, None)
    # SV-TEST = B + C: C is unknown, so no pooled value (a partial sum would mislead); its cohort pools both.
    assert value(home, "sh.werk", "participant", "SV-TEST", JAN) is None
    assert value(home, "sh.cohort", "participant", "SV-TEST", JAN) == (110.0, None, 110.0)
    # Landelijk werk: A, B, D known (C and E suppressed): (11 + 20 + 9) / (31 + 50 + 25), three gemeenten.
    assert group(home, "sh.werk", "NL", JAN) == (40.0, 106.0, 40 / 106, 3)
    # Cohort: E suppressed → 52 + 80 + 30 + 41 over four; PV20 (A, B, C) 162 over three.
    assert group(home, "sh.cohort", "NL", JAN) == (203.0, None, 203.0, 4)
    assert group(home, "sh.cohort", "PV20", JAN) == (162.0, None, 162.0, 3)
    assert group(home, "sh.cohort", "NL", JUL) == (55.0 + 81 + 33 + 44 + 14, None, 227.0, 5)


def test_taakstelling_indicators_map_half_years_to_their_last_month(world):
    home, _, _ = world
    assert value(home, "sh.taakstelling", "gemeente", A, JUN) == (5.0, None, 5.0)
    assert value(home, "sh.taakstelling", "gemeente", A, DEC) == (7.0, None, 7.0)
    assert value(home, "sh.realisatie_pct", "gemeente", A, JUN) == (6.0, 7.0, 6 / 7)
    assert value(home, "sh.achterstand_eind", "gemeente", B, DEC) == (7.0, None, 7.0)  # 13 + 4 − 10
    assert value(home, "sh.realisatie_pct", "gemeente", C, JUN) == (0.0, -5.0, None)  # voorsprong: no value
    # SV-TEST pools B and C: (10 + 0) / (10 − 5); landelijk pools all five.
    assert value(home, "sh.realisatie_pct", "participant", "SV-TEST", JUN) == (10.0, 5.0, 2.0)
    assert group(home, "sh.realisatie_pct", "NL", JUN) == (83.0, 87.0, 83 / 87, 5)


def test_taakstelling_checks_warn_with_gemeente_periode_and_both_numbers(world):
    home, first, _ = world
    checks = {e.check_name: e for e in first.get_asset_check_evaluations()}
    formula = checks["taakstelling_formule"]
    assert not formula.passed and formula.severity == dg.AssetCheckSeverity.WARN
    details = formula.metadata["details"].value
    assert f"| {D} | Veendam | 2019-I | 23 | 20 |" in details
    assert E not in details  # herindeling: exempt although 47 ≠ 50
    assert formula.metadata["afwijkingen"].value == 1 and formula.metadata["niet_gecontroleerd"].value == 2
    continuity = checks["achterstand_continuiteit"]
    assert not continuity.passed and f"| {B} | Almere | 2019-II | 4 | 2019-I | 0 |" in continuity.metadata[
        "details"].value
    assert checks["taakstelling_som"].passed
    report = (home.reports / "bronnen" / "coa" / "laadrapport.md").read_text(encoding="utf-8")
    assert f"| {D} | Veendam | 2019-I | 23 | 20 |" in report and "2019-II | 4 | 2019-I | 0" in report


def _kis_traces(home, gemeente: str) -> list[tuple]:
    """Every row of every warehouse table that holds ``gemeente`` together with anything of the KIS survey.

    A ``group_code`` naming the gemeente is not its data: it names the group it is compared with (vergelijkbaar),
    whose members are other gemeenten; the group values themselves are checked by recomputation."""
    found = []
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
            cursor = con.execute(f"SELECT * FROM {table}")
            names = [d[0] for d in cursor.description]
            for row in cursor.fetchall():
                text = [str(v) for n, v in zip(names, row, strict=True) if n != "group_code"]
                if gemeente in text and any(t.startswith("sh.kis.") or t in ("dedicated_klantmanagers",
                                                                              "brede_intake") for t in text):
                    found.append((table, *row))
    return found


def test_kis_only_with_consent_and_withdrawal_removes_everywhere_and_regrant_restores(world):
    home, _, _ = world
    assert rows(home, "SELECT DISTINCT gemeentecode FROM kis_antwoord ORDER BY 1") == [(A,), (D,)]
    for absent in (B, C, E):  # no consent (SV-TEST) or no participant: never stored
        assert _kis_traces(home, absent) == []
    assert value(home, "sh.kis.dedicated_klantmanagers", "gemeente", A, DEC) == (1.0, 1.0, 1.0)
    assert value(home, "sh.kis.brede_intake", "participant", A, DEC) == (0.5, 1.0, 0.5)
    assert value(home, "sh.kis.dedicated_klantmanagers", "gemeente", D, DEC) is None  # D lacks the module
    assert group(home, "sh.kis.dedicated_klantmanagers", "NL", DEC) == (1.0, 2.0, 0.5, 2)  # A ja, D nee
    assert group(home, "sh.kis.brede_intake", "NL", DEC) == (0.5, 1.0, 0.5, 1)  # D onbekend: no value
    assert _kis_traces(home, A)

    withdrawn = [{**p, "kis_consent": False} if p["id"] == A else p for p in PARTICIPANTS]
    write_registry(home.participants_file, withdrawn)
    run_job(home)
    assert _kis_traces(home, A) == []
    assert rows(home, "SELECT DISTINCT gemeentecode FROM kis_antwoord") == [(D,)]
    assert group(home, "sh.kis.dedicated_klantmanagers", "NL", DEC) == (0.0, 1.0, 0.0, 1)
    assert group(home, "sh.kis.brede_intake", "NL", DEC) is None

    write_registry(home.participants_file, PARTICIPANTS)
    run_job(home)
    assert value(home, "sh.kis.dedicated_klantmanagers", "gemeente", A, DEC) == (1.0, 1.0, 1.0)
    assert group(home, "sh.kis.dedicated_klantmanagers", "NL", DEC) == (1.0, 2.0, 0.5, 2)


def test_load_report_counts_dropped_kis_answers_without_naming_them(world):
    home, first, _ = world
    (materialization,) = first.asset_materializations_for_node("sh_kis_beleid")
    assert materialization.metadata["antwoorden_niet_geladen"].value == 4
    assert materialization.metadata["gemeenten_niet_geladen"].value == 2
    report = (home.reports / "bronnen" / "kis" / "laadrapport.md").read_text(encoding="utf-8")
    assert "| antwoorden_geladen | gemeenten_geladen | antwoorden_niet_geladen | gemeenten_niet_geladen |" in report
    assert "| 4 | 2 | 4 | 2 |" in report
    for hidden in (B, C, E, "Almere", "Zeewolde"):
        assert hidden not in report


def test_a_corrected_delivery_of_the_same_levering_replaces_it_and_an_older_one_does_not_win(world, tmp_path):
    home, _, _ = world
    corrected = tmp_path / "cbs_2019-H2_herzien.csv"
    corrected.write_text((tmp_path / "files" / "cbs_2019-H2.csv").read_text().replace(f"{A};Groningen;cohort;"
                                                                                     "2019-07-01;55", f"{A};Groningen;"
                                                                                     "cohort;2019-07-01;57"))
    drop(home, "cbs_statushouders", corrected)
    run_job(home)
    assert value(home, "sh.cohort", "gemeente", A, JUL) == (57.0, None, 57.0)
    assert rows(home, "SELECT count(*) FROM sh_cbs_cohort WHERE levering = '2019-H2'") == [(15,)]
    older = tmp_path / "cbs_2019-H1_laat.csv"
    older.write_text((tmp_path / "files" / "cbs_2019-H1.csv").read_text().replace(";50;", ";49;"))
    drop(home, "cbs_statushouders", older)
    run_job(home)
    assert value(home, "sh.cohort", "gemeente", A, JAN) == (52.0, None, 52.0)  # 2019-H2 is still the newest
    assert rows(home, "SELECT teller FROM sh_cbs_cohort WHERE levering = '2019-H1' AND gemeentecode = ? "
                      "AND indicator = 'cohort'", [A]) == [(49.0,)]


def test_planner_and_sensor_ask_for_what_is_out_of_date(home, tmp_path):
    seed_world(home)
    drop(home, "coa", write_files(tmp_path / "files")["coa_2019.csv"])

    def plan():
        with read_warehouse(home.warehouse) as con:
            return plan_statushouders(home, load_registry(home.participants_file), con)

    waiting = plan()
    assert [p.job for p in waiting] == ["statushouders_job"]
    defs = load_defs(home)
    sensor = defs.resolve_sensor_def("bus_upload_sensor")
    with dg.DagsterInstance.ephemeral() as instance:
        def tick():
            context = dg.build_sensor_context(instance=instance, definitions=defs, resources=defs.resources)
            return [r for r in sensor(context).run_requests or [] if r.job_name == "statushouders_job"]

        (request,) = tick()
        assert tick()[0].run_key == request.run_key, "the same content asks for the same run"
        run_job(home)
        assert plan() == [] and tick() == []
    write_registry(home.participants_file, [{**p, "kis_consent": False} for p in PARTICIPANTS])
    assert [p.job for p in plan()] == ["statushouders_job"]  # withdrawn consent: the next run removes answers


def test_statushouders_rows_survive_a_wi_recompute_of_the_same_months(world, tmp_path):
    home, _, _ = world
    snapshot = ("SELECT * EXCLUDE (computed_at) FROM group_value WHERE starts_with(indicator, 'sh.') ORDER BY ALL",
                "SELECT * FROM indicator_value WHERE starts_with(indicator, 'sh.') ORDER BY ALL",
                "SELECT * FROM group_member WHERE month = ? ORDER BY ALL")
    before = [rows(home, sql, [JAN] if "?" in sql else []) for sql in snapshot]
    assert before[0] and before[1] and before[2]
    for upload in generate_uploads(tmp_path / "bus", [UploadSpec(A, (A,))], [JAN, JUN], seed=7):
        target = home.inbox_of(A) / upload.path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(upload.path.read_bytes())
    outcome = refresh(home, dg.DagsterInstance.ephemeral())
    jobs = {r.job for r in outcome.runs}
    assert outcome.success and "indicator_job" in jobs and "statushouders_job" not in jobs  # W&I alone ran
    assert rows(home, "SELECT count(*) FROM group_value WHERE indicator = 'wi.bestand.pw' AND month = ?", [JAN])[0][0]
    assert [rows(home, sql, [JAN] if "?" in sql else []) for sql in snapshot] == before


def test_without_any_statushouders_file_nothing_is_planned(home):
    seed_world(home)
    with read_warehouse(home.warehouse) as con:
        assert plan_statushouders(home, load_registry(home.participants_file), con) == []
