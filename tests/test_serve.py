"""`divobench serve`: the real Dagster webserver and daemon on the data directory, with the upload sensor live."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
from processes import serving, wait_for

from divobench_pipeline.core.participants import write_registry
from divobench_pipeline.defs.bus_uploads.intake import PARALLEL_FROM_FILES
from divobench_pipeline.demo.generator import UploadSpec, generate_uploads

EXAMPLE = Path(__file__).parent / "fixtures" / "bus" / "bus_voorbeeld.xml"
PIPELINE_TIMEOUT = 300


def indicator_months(warehouse: Path) -> tuple[int, int]:
    """(months with indicators of both participants, months with any), (0, 0) while absent or busy."""
    if not warehouse.exists():
        return 0, 0
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute("SELECT count(*) FILTER (WHERE units = 2), count(*) FROM (SELECT month, "
                               "count(DISTINCT unit) AS units FROM indicator_value WHERE level = 'participant' "
                               "GROUP BY month)").fetchone()
    except duckdb.Error:
        return 0, 0


@pytest.mark.slow
def test_serve_runs_webserver_and_daemon_whose_sensor_processes_the_inbox(tmp_path):
    root = tmp_path / "home"
    root.mkdir()
    write_registry(root / "participants.yaml", [
        {"id": "GM0363", "name": "Amsterdam", "gemeenten": ["GM0363"]},
        {"id": "SV-ISD-BOLLENSTREEK", "name": "ISD Bollenstreek", "gemeenten": ["GM0534", "GM0553"]}])
    generated = generate_uploads(tmp_path / "generated", [UploadSpec("GM0363", ("GM0363",)), UploadSpec(
        "SV-ISD-BOLLENSTREEK", ("GM0534", "GM0553"))], [dt.date(2026, m, 1) for m in (5, 6, 7, 8)], scale=0.01)
    with serving(root, tmp_path / "serve.log") as service:
        nodes = service.graphql("{ assetNodes { assetKey { path } } }")["assetNodes"]
        assert {node["assetKey"]["path"][0] for node in nodes} >= {"bus_uploads", "bus_staged", "wi_indicatoren",
                                                                   "wi_groepswaarden", "aanleverstatus",
                                                                   "cbs_gebieden", "gemeente_versies"}

        files = [(upload.participant_id, upload.path) for upload in generated] + [("GM0363", EXAMPLE)]
        assert len(files) >= PARALLEL_FROM_FILES
        for participant_id, path in files:
            (root / "inbox" / participant_id).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, root / "inbox" / participant_id / path.name)
        wait_for(lambda: indicator_months(root / "warehouse.duckdb") == (4, 5), PIPELINE_TIMEOUT,
                 "the sensor and daemon to take five months of uploads of two participants through to indicators")
        assert not [p for p in (root / "inbox").rglob("*") if p.is_file()]
