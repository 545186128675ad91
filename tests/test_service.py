"""divobench as a service, with the real processes: `divobench serve` (webserver + daemon) on a temporary data
directory, ten participants uploading at once, and ten warehouse-writing runs submitted at once through GraphQL.

The duckdb_write pool makes concurrent runs queue instead of failing on DuckDB's single-writer lock; the test
checks that no run failed, no write was lost, and that the sensor took everything to indicators and the
aanleverstatus (with their asset checks) without anyone clicking.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pytest
from processes import clean_env, serving, wait_for

from divobench_pipeline.core.participants import write_registry
from divobench_pipeline.demo.generator import UploadSpec, generate_uploads

GEMEENTEN = {"GM0014": "Groningen", "GM0034": "Almere", "GM0153": "Enschede", "GM0193": "Zwolle",
             "GM0200": "Apeldoorn", "GM0202": "Arnhem", "GM0268": "Nijmegen", "GM0344": "Utrecht",
             "GM0363": "Amsterdam", "GM0599": "Rotterdam"}
MONTHS = [dt.date(2026, 8, 1), dt.date(2026, 9, 1)]
PIPELINE_TIMEOUT = 420
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}

ASSET_QUERY = """query($key: AssetKeyInput!) { assetNodeOrError(assetKey: $key) { ... on AssetNode {
  partitionStats { numMaterialized numFailed }
  assetChecksOrError { ... on AssetChecks { checks { name executionForLatestMaterialization { status } } } } } } }"""
LAUNCH = """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) { __typename
  ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""


def staged_counts(root) -> dict[tuple[dt.date, str], int] | None:
    try:
        with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
            return {(m, p): n for m, p, n in con.execute(
                "SELECT month, participant_id, count(*) FROM bus_uitkering GROUP BY ALL").fetchall()}
    except duckdb.Error:
        return None


def warehouse_ready(root) -> bool:
    """Indicators for both months of all ten participants, and today's aanleverstatus."""
    try:
        with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
            units = con.execute("SELECT count(DISTINCT (month, unit)) FROM indicator_value "
                                "WHERE level = 'participant' AND indicator LIKE 'wi.%'").fetchone()[0]
            status = con.execute("SELECT count(*) FROM aanleverstatus WHERE as_of = current_date").fetchone()[0]
    except duckdb.Error:
        return False
    return units == 2 * len(GEMEENTEN) and status > 0


@pytest.mark.slow
def test_ten_participants_upload_at_once_and_ten_concurrent_runs_queue_on_the_warehouse_pool(tmp_path):
    root = tmp_path / "home"
    root.mkdir()
    write_registry(root / "participants.yaml",
                   [{"id": code, "name": name, "gemeenten": [code]} for code, name in GEMEENTEN.items()])
    generated = generate_uploads(tmp_path / "generated", [UploadSpec(code, (code,)) for code in GEMEENTEN],
                                 MONTHS, scale=0.005)
    expected = {(u.month, u.participant_id): u.n_uitkeringen for u in generated}

    with serving(root, tmp_path / "serve.log") as service:
        uploads = [subprocess.Popen([sys.executable, "-m", "divobench_pipeline", "upload", "--participant", code,
                                     *(str(u.path) for u in generated if u.participant_id == code)],
                                    env=clean_env(root), cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True) for code in GEMEENTEN]
        for upload in uploads:
            out, err = upload.communicate(timeout=180)
            assert upload.returncode == 0, err
            assert out.count("accepted") == len(MONTHS)

        wait_for(lambda: warehouse_ready(root), PIPELINE_TIMEOUT,
                 "the sensor to stage ten participants and compute indicators and the aanleverstatus")
        assert staged_counts(root) == expected
        wait_for(lambda: all(run["status"] in TERMINAL for run in service.runs()), 120, "the sensor's runs to end")
        sensor_runs = service.runs()
        assert {run["jobName"] for run in sensor_runs} >= {"bus_staging_job", "indicator_job"}
        assert all(run["status"] == "SUCCESS" for run in sensor_runs), sensor_runs

        for asset, checks in (("wi_indicatoren", {"stroomaansluiting"}),
                              ("bus_staged", {"bus_uitkering_schema", "volledigheid"}),
                              ("aanleverstatus", {"aanlevering_compleet", "volume_in_lijn"})):
            node = service.graphql(ASSET_QUERY, {"key": {"path": [asset]}})["assetNodeOrError"]
            if asset == "wi_indicatoren":
                assert node["partitionStats"]["numMaterialized"] == len(MONTHS)
            if asset == "bus_staged":
                assert node["partitionStats"]["numMaterialized"] == len(expected)
            executed = {c["name"]: c["executionForLatestMaterialization"]
                        for c in node["assetChecksOrError"]["checks"]}
            for check in checks:
                assert executed[check] and executed[check]["status"] in {"SUCCEEDED", "FAILED"}, (asset, check)

        (repository,) = service.graphql("{ repositoriesOrError { ... on RepositoryConnection { nodes { name "
                                        "location { name } } } } }")["repositoriesOrError"]["nodes"]
        selector = {"repositoryLocationName": repository["location"]["name"], "repositoryName": repository["name"],
                    "jobName": "bus_staging_job"}

        def launch(code: str) -> str:
            key = f"{MONTHS[-1].isoformat()}|{code}"
            tags = [{"key": "dagster/asset_partition_range_start", "value": key},
                    {"key": "dagster/asset_partition_range_end", "value": key}]
            result = service.graphql(LAUNCH, {"params": {"selector": selector, "runConfigData": {},
                                                         "executionMetadata": {"tags": tags}}})["launchRun"]
            assert result["__typename"] == "LaunchRunSuccess", result
            return result["run"]["runId"]

        with ThreadPoolExecutor(max_workers=len(GEMEENTEN)) as pool:
            launched = set(pool.map(launch, GEMEENTEN))
        assert len(launched) == 10

        def ours_finished():
            runs = [run for run in service.runs() if run["runId"] in launched]
            return runs if all(run["status"] in TERMINAL for run in runs) else None

        finished = wait_for(ours_finished, PIPELINE_TIMEOUT, "ten concurrent staging runs to finish")
        assert [run["status"] for run in finished] == ["SUCCESS"] * 10
        assert staged_counts(root) == expected
        assert all(run["status"] != "FAILURE" for run in service.runs())
