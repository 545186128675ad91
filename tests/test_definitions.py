"""The code location as Dagster sees it: what the data team finds in the UI."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from divobench_pipeline.core.schemas import STAGED_TABLES
from divobench_pipeline.definitions import load_defs
from divobench_pipeline.orchestration.instance import dagster_instance

CBS_ASSET_NAMES = ("cbs_gebieden", "cbs_referentiegroepen", "cbs_bevolking", "cbs_bijstand", "gemeente_versies")
QUESTIONNAIRE_ASSET_NAMES = ("buig_budget_bestanden", "buig_budgetten", "vragenlijst_antwoorden",
                             "vragenlijst_indicatoren", "vragenlijst_aanleverstatus")
SH_ASSET_NAMES = ("sh_cbs_statushouders", "sh_coa_taakstelling", "sh_kis_beleid", "sh_indicatoren")
SOURCE_ASSET_NAMES = ("bus_accepted_upload", "wi_month_uploads", "wi_cbs_inputs", "wi_participants")


def test_the_code_location_loads_with_its_asset_graph(home):
    defs = load_defs(home)
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    assert {key.to_user_string() for key in graph.get_all_asset_keys()} == {
        "bus_uploads", "bus_staged", "wi_indicatoren", "wi_groepswaarden", "aanleverstatus", *CBS_ASSET_NAMES,
        "cbs_kerncijfers", "cbs_kerncijfers_groepswaarden",
        *QUESTIONNAIRE_ASSET_NAMES, *SH_ASSET_NAMES, "deelnemer_rapporten", *SOURCE_ASSET_NAMES}
    assert graph.get(dg.AssetKey("bus_staged")).parent_keys == {dg.AssetKey("bus_accepted_upload")}
    assert graph.get(dg.AssetKey("bus_accepted_upload")).parent_keys == {dg.AssetKey("bus_uploads")}
    assert graph.get(dg.AssetKey("wi_indicatoren")).parent_keys == {
        dg.AssetKey(n) for n in ("bus_staged", "wi_month_uploads", "wi_cbs_inputs", "wi_participants")}
    assert graph.get(dg.AssetKey("wi_cbs_inputs")).parent_keys == {
        dg.AssetKey(n) for n in ("cbs_gebieden", "cbs_referentiegroepen", "cbs_bevolking", "cbs_bijstand")}
    assert all(graph.get(dg.AssetKey(n)).is_external for n in SOURCE_ASSET_NAMES)
    assert graph.get(dg.AssetKey("deelnemer_rapporten")).parent_keys == {
        dg.AssetKey("wi_indicatoren"), dg.AssetKey("wi_groepswaarden"), dg.AssetKey("aanleverstatus")}
    assert graph.get(dg.AssetKey("wi_groepswaarden")).parent_keys == {
        dg.AssetKey("wi_indicatoren"), dg.AssetKey("wi_cbs_inputs"), dg.AssetKey("wi_participants")}
    checks = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    assert checks == {("bus_staged", f"{t.name}_schema") for t in STAGED_TABLES} | {
        ("bus_staged", "signaleringen"), ("bus_staged", "volledigheid"), ("wi_indicatoren", "stroomaansluiting"),
        ("wi_groepswaarden", "landelijk_sluit_aan"), ("wi_indicatoren", "cbs_plausibiliteit"),
        ("cbs_kerncijfers_groepswaarden", "landelijk_gelijk_aan_nl01")} | {
        ("aanleverstatus", name) for name in ("aanlevering_compleet", "aanlevering_op_tijd", "volume_in_lijn",
                                              "volledigheid_in_lijn")} | {("vragenlijst_antwoorden", "schema")} | {
        ("sh_coa_taakstelling", name) for name in ("taakstelling_formule", "achterstand_continuiteit",
                                                   "taakstelling_som")}
    assert graph.get(dg.AssetKey("vragenlijst_indicatoren")).parent_keys == {
        dg.AssetKey("vragenlijst_antwoorden"), dg.AssetKey("buig_budgetten"), dg.AssetKey("wi_indicatoren"),
        dg.AssetKey("cbs_bevolking")}
    assert graph.get(dg.AssetKey("sh_indicatoren")).parent_keys == {
        *(dg.AssetKey(n) for n in (*SH_ASSET_NAMES[:3], "cbs_gebieden", "cbs_referentiegroepen"))}
    assert {job.name for job in defs.resolve_all_job_defs()} >= {"bus_intake_job", "bus_staging_job",
                                                                 "indicator_job", "report_job"}
    assert defs.resolve_sensor_def("bus_upload_sensor").default_status == dg.DefaultSensorStatus.RUNNING


def test_the_instance_limits_warehouse_writers_to_one(home):
    instance = dagster_instance(home)
    assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
    assert instance.run_monitoring_enabled and instance.run_retries_enabled
    defs = load_defs(home)
    for name in ("bus_staged", "wi_indicatoren", "wi_groepswaarden", "aanleverstatus", *CBS_ASSET_NAMES,
                 *QUESTIONNAIRE_ASSET_NAMES, *SH_ASSET_NAMES, "deelnemer_rapporten"):
        assert defs.resolve_assets_def(name).op.pool == "duckdb_write"


@pytest.mark.slow
def test_dagster_validates_the_workspace(tmp_path):
    """``dagster definitions validate`` as a developer runs it, through ``workspace.yaml`` in the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIVOBENCH_", "DAGSTER_"))}
    env["DIVOBENCH_HOME"] = str(tmp_path / "home")
    done = subprocess.run([str(Path(sys.executable).with_name("dagster")), "definitions", "validate",
                           "-w", "workspace.yaml"], cwd=Path(__file__).parents[1], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All code locations passed validation." in done.stdout + done.stderr
