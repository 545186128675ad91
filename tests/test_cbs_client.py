"""The real cbsodata client against a local server with CBS's recorded responses: download, cache, fallbacks."""

from __future__ import annotations

import json

import pytest
from cbs_server import PAGE_SIZE, CbsServer

from divobench_pipeline.defs.cbs import parse
from divobench_pipeline.defs.cbs.client import CACHE, DOWNLOAD, EXTRACT, CbsClient
from divobench_pipeline.defs.cbs.tables import BEVOLKING, FILTERS, gebieden_tabel


@pytest.fixture
def server():
    with CbsServer() as running:
        yield running


def client_for(server: CbsServer, tmp_path, **kwargs) -> CbsClient:
    return CbsClient(tmp_path / "cache", catalog_url=server.catalog_url, use_https=False, timeout_seconds=5,
                     **kwargs)


def test_downloads_a_table_through_cbsodata_following_next_links(server, tmp_path):
    table = client_for(server, tmp_path).table("85755NED")
    assert table.source == DOWNLOAD and table.bron.startswith("download van ")
    assert len(table.rows) == 342 and table.rows[0]["RegioS"].endswith(" ")  # as CBS sends them: padded
    paths = server.paths("85755NED")
    # the version check (TableInfos), then cbsodata: the list of entity sets, then each of them
    assert paths[:2] == ["/ODataFeed/odata/85755NED/TableInfos", "/ODataFeed/odata/85755NED/"]
    assert {"/ODataFeed/odata/85755NED/TableInfos", "/ODataFeed/odata/85755NED/DataProperties",
            "/ODataFeed/odata/85755NED/RegioS"} <= set(paths)
    pages = [q for p, q in server.requests if p.endswith("/TypedDataSet")]
    assert len(pages) == -(-342 // PAGE_SIZE)
    assert "/ODataFeed/odata/85755NED/UntypedDataSet" not in paths
    cached = json.loads((tmp_path / "cache" / "85755NED" / "bron.json").read_text())
    assert cached["source"] == DOWNLOAD and cached["modified"] == "2024-09-19T02:00:00" and cached["retrieved_at"]
    indeling = parse.gebieden_indeling(table, 2024)
    assert indeling.set_index("gemeentecode").loc["GM0363", "provincie_code"] == "PV27"


def test_sends_the_filter_and_keeps_codes(server, tmp_path):
    table = client_for(server, tmp_path).table(BEVOLKING, filters=FILTERS[BEVOLKING])
    (query,) = [q for p, q in server.requests if p.endswith("/TypedDataSet") and "$filter" in q][:1]
    assert query["$filter"] == [FILTERS[BEVOLKING]]
    inwoners = parse.bevolking(table).set_index(["jaar", "gemeentecode"])["inwoners"]
    assert inwoners[2024, "GM0363"] == 931_298 and inwoners[2024, "GM0518"] == 566_221
    assert inwoners.loc[2024].sum() == 17_942_942


def test_an_unchanged_table_is_read_from_the_cache(server, tmp_path):
    client = client_for(server, tmp_path)
    client.table("85755NED")
    server.requests.clear()
    again = client.table("85755NED")
    assert again.source == CACHE and "actueel" in again.bron
    assert server.paths("85755NED") == ["/ODataFeed/odata/85755NED/TableInfos"]


def test_a_new_version_is_downloaded_and_replaces_the_cache(server, tmp_path):
    client = client_for(server, tmp_path)
    client.table("85755NED")
    server.modified["85755NED"] = "2026-11-20T02:00:00"
    newer = client.table("85755NED")
    assert newer.source == DOWNLOAD and newer.modified == "2026-11-20T02:00:00"
    assert json.loads((tmp_path / "cache" / "85755NED" / "bron.json").read_text())["modified"] == newer.modified
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.startswith(".")]


def test_a_failed_download_never_overwrites_a_good_cache(server, tmp_path):
    client = client_for(server, tmp_path)
    client.table("85755NED")
    folder = tmp_path / "cache" / "85755NED"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    server.modified["85755NED"] = "2026-11-20T02:00:00"
    server.failing["85755NED"] = {"TypedDataSet"}  # TableInfos says there is a new version, the data set fails
    fallback = client.table("85755NED")
    assert fallback.source == CACHE and "download mislukt" in fallback.bron and "cache van" in fallback.bron
    assert len(fallback.rows) == 342
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.startswith(".")]


def test_without_network_and_cache_the_shipped_extract_seeds_the_cache(tmp_path):
    with CbsServer() as server:
        catalog = server.catalog_url
    client = CbsClient(tmp_path / "cache", catalog_url=catalog, use_https=False, timeout_seconds=2)
    table = client.table(gebieden_tabel(2026))
    assert table.source == EXTRACT and "meegeleverd extract" in table.bron and "download mislukt" in table.bron
    assert json.loads((tmp_path / "cache" / "86247NED" / "bron.json").read_text())["source"] == EXTRACT
    later = client.table(gebieden_tabel(2026))
    assert later.source == CACHE and "download mislukt" in later.bron


def test_offline_mode_makes_no_request(server, tmp_path):
    table = client_for(server, tmp_path, online=False).table("85755NED")
    assert table.source == EXTRACT and "offline" in table.bron
    assert client_for(server, tmp_path, online=False).table("85755NED").source == CACHE
    assert server.requests == []
