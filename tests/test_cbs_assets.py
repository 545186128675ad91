"""The CBS assets in a real Dagster instance and DuckDB file, reading through the real client from a local server."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import duckdb
import pytest
from cbs_server import CbsServer

from divobench_pipeline.definitions import load_defs
from divobench_pipeline.defs.cbs.resources import CATALOG_ENV, HTTPS_ENV, MODE_ENV
from divobench_pipeline.defs.cbs.sensors import cbs_version_sensor
from divobench_pipeline.orchestration.instance import dagster_instance
from divobench_pipeline.orchestration.partitions import partition_range_tags
from divobench_pipeline.orchestration.refresh import QUIET


@pytest.fixture
def server(home, monkeypatch):
    with CbsServer() as running:
        monkeypatch.setenv(MODE_ENV, "online")
        monkeypatch.setenv(CATALOG_ENV, running.catalog_url)
        monkeypatch.setenv(HTTPS_ENV, "0")
        yield running


def run_cbs(home, first: str, last: str) -> dg.ExecuteInProcessResult:
    with dagster_instance(home) as instance:
        return load_defs(home).resolve_job_def("cbs_job").execute_in_process(
            instance=instance, tags=partition_range_tags(first, last), run_config=QUIET, raise_on_error=False)


def bron(result: dg.ExecuteInProcessResult, asset: str) -> str:
    (materialization, *_) = result.asset_materializations_for_node(asset)
    return materialization.metadata["bron"].value


def query(home, sql: str, params=()):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_online_the_assets_download_and_offline_they_say_they_used_the_cache(home, server):
    result = run_cbs(home, "2024", "2026")
    assert result.success
    assert "86247NED (Gebieden in Nederland 2026): download van" in bron(result, "cbs_gebieden")
    assert "03759ned" in bron(result, "cbs_bevolking") and "download van" in bron(result, "cbs_bevolking")
    assert query(home, "SELECT jaar, count(*) FROM gemeente_indeling GROUP BY 1 ORDER BY 1") == [
        (2024, 342), (2025, 342), (2026, 342)]
    groups = dict(query(home, "SELECT group_type, count(DISTINCT group_code) FROM gemeente_groep WHERE jaar = 2026 "
                              "GROUP BY 1"))
    assert groups == {"landelijk": 1, "provincie": 12, "corop": 40, "arbeidsmarktregio": 35, "grootteklasse": 8}
    assert query(home, "SELECT group_type, group_code, group_name FROM gemeente_groep "
                       "WHERE jaar = 2024 AND gemeentecode = 'GM0153' ORDER BY 1") == [
        ("arbeidsmarktregio", "AM05", "Twente"), ("corop", "CR12", "Twente"),
        ("grootteklasse", "7", "150 000 tot 250 000 inwoners"), ("landelijk", "NL", "Nederland"),
        ("provincie", "PV23", "Overijssel")]
    assert query(home, "SELECT waarde FROM gemeente_kenmerk WHERE jaar = 2024 AND gemeentecode = 'GM0363' "
                       "AND kenmerk IN ('inwoners', 'bevolkingsdichtheid') ORDER BY kenmerk") == [(4_950.0,),
                                                                                              (931_298.0,)]
    # December 2024 CBS bijstand per 1,000 inwoners on 1 January 2025
    (per_1000, dec, inwoners), = query(home, """
        SELECT k.waarde, b.uitkeringen, i.waarde FROM gemeente_kenmerk k
        JOIN cbs_bijstand_maand b ON b.gemeentecode = k.gemeentecode AND b.month = DATE '2024-12-01'
        JOIN gemeente_kenmerk i ON i.gemeentecode = k.gemeentecode AND i.jaar = 2025 AND i.kenmerk = 'inwoners'
        WHERE k.jaar = 2025 AND k.gemeentecode = 'GM0153' AND k.kenmerk = 'bijstand_per_1000_inwoners'""")
    assert per_1000 == pytest.approx(round(dec * 1000 / inwoners, 2))
    assert query(home, "SELECT geldig_tot FROM gemeente_versie WHERE gemeentecode = 'GM0788'") == [
        (dt.date(2020, 12, 31),)]

    server.failing = {table: {"*"} for table in ("86247NED", "85755NED", "86059NED", "03759ned", "82015NED",
                                                 "85984NED")}
    again = run_cbs(home, "2024", "2026")
    assert again.success
    text = bron(again, "cbs_gebieden")
    assert "86247NED (Gebieden in Nederland 2026): cache van" in text and "download mislukt" in text
    assert query(home, "SELECT count(*) FROM gemeente_indeling") == [(3 * 342,)]


def test_offline_without_cache_the_shipped_extracts_are_used(home, monkeypatch):
    monkeypatch.setenv(MODE_ENV, "offline")
    result = run_cbs(home, "2020", "2021")
    assert result.success
    assert "meegeleverd extract" in bron(result, "cbs_gebieden") and "offline" in bron(result, "cbs_gebieden")
    # group membership follows the Gebieden of each year: Haaren in 2020, its successors in 2021
    assert query(home, "SELECT jaar, group_code FROM gemeente_groep WHERE gemeentecode = 'GM0788' "
                       "AND group_type = 'corop'") == [(2020, "CR35")]
    assert query(home, "SELECT count(*) FROM gemeente_indeling WHERE jaar = 2021 AND gemeentecode = 'GM1979'") == [
        (1,)]


def test_the_version_sensor_refreshes_only_what_changed(home, server):
    assert run_cbs(home, "2025", "2026").success
    defs = load_defs(home)
    with dagster_instance(home) as instance:
        def tick():
            return cbs_version_sensor(dg.build_sensor_context(instance=instance, definitions=defs,
                                                              resources=defs.resources))

        assert "up to date" in tick().skip_message
        server.modified["86247NED"] = "2026-12-01T02:00:00"
        (request,) = tick()
        assert request.job_name == "cbs_job" and request.partition_key_range == dg.PartitionKeyRange("2026", "2026")
        server.modified["03759ned"] = "2026-12-02T02:00:00"
        (request,) = tick()
        assert request.partition_key_range == dg.PartitionKeyRange("2025", "2026")
        result = defs.resolve_job_def("cbs_job").execute_in_process(instance=instance, tags=request.tags,
                                                                     run_config=QUIET)
        assert result.success
        assert "up to date" in tick().skip_message
    cached = json.loads((home.root / "cache" / "cbs" / "86247NED" / "bron.json").read_text())
    assert cached["modified"] == "2026-12-01T02:00:00"

    server.failing = {"86247NED": {"*"}}
    context = dg.build_sensor_context(instance=dagster_instance(home), definitions=defs, resources=defs.resources)
    assert "not reachable" in cbs_version_sensor(context).skip_message


def test_a_year_without_any_source_is_reported_not_fatal(home, server):
    server.failing = {"85385NED": {"*"}}  # Gebieden in Nederland 2023: no cache, no shipped extract
    result = run_cbs(home, "2023", "2023")
    assert result.success
    (materialization,) = result.asset_materializations_for_node("cbs_gebieden")
    assert materialization.metadata["niet_beschikbaar"].value == "[2023]"
    assert query(home, "SELECT count(*) FROM gemeente_indeling") == [(0,)]
