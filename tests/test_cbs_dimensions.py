"""CBS tables in their real shape, through the real cbsodata client and a local server with recorded responses:
every dimension other than region and period is selected or collapsed to its total, one row per region × period.

Inputs: ``../shared/cases/cbs-03759ned-burgerlijkestaat/`` (03759ned with its fifth dimension BurgerlijkeStaat),
``../shared/data/cbs/recorded-feed-80137ned/`` (a complete recorded table, envelope for envelope) and
``../shared/data/cbs/83287NED-gebieden-2016/`` (the real 2016 codes of every regional grouping).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from cbs_server import CbsServer

from divobench_pipeline.defs.cbs import parse, store
from divobench_pipeline.defs.cbs.client import CACHE, EXTRACT, CbsClient, CbsTable, extract_dir
from divobench_pipeline.defs.cbs.tables import BEVOLKING, FILTERS

SHARED = Path(__file__).resolve().parents[2] / "shared"
CASE = SHARED / "cases" / "cbs-03759ned-burgerlijkestaat"
FEED_80137 = SHARED / "data" / "cbs" / "recorded-feed-80137ned"
GEBIEDEN_2016 = SHARED / "data" / "cbs" / "83287NED-gebieden-2016" / "83287NED.json"
pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared (cases and recorded CBS data)")


def write_index(folder: Path, table: str, names: list[str]) -> Path:
    path = folder / f"{table}-index.json"
    path.write_text(json.dumps({"value": [{"name": n, "url": f"https://opendata.cbs.nl/ODataFeed/odata/{table}/{n}"}
                                          for n in names]}), encoding="utf-8")
    return path


@pytest.fixture
def server():
    with CbsServer() as running:
        yield running


def download(server: CbsServer, tmp_path: Path, table: str, **kwargs) -> CbsTable:
    client = CbsClient(tmp_path / "cache", catalog_url=server.catalog_url, use_https=False, timeout_seconds=5)
    return client.table(table, **kwargs)


def serve_case(server: CbsServer, tmp_path: Path) -> None:
    sets = ["TableInfos", "TypedDataSet", "DataProperties"]
    index = write_index(tmp_path, BEVOLKING, ["TableInfos", "UntypedDataSet", *sets[1:]])
    server.serve(BEVOLKING, {"index": index, **{name: CASE / f"{name}.json" for name in sets}})


def test_the_real_03759ned_with_burgerlijke_staat_gives_one_population_row(server, tmp_path):
    serve_case(server, tmp_path)
    table = download(server, tmp_path, BEVOLKING, filters=FILTERS[BEVOLKING])
    assert len(table.rows) == 5  # the server does not filter: the parse must collapse BurgerlijkeStaat itself
    inwoners = parse.bevolking(table)
    assert inwoners.to_dict("records") == [{"jaar": 2024, "gemeentecode": "GM0363", "inwoners": 1000}]


def test_a_dimension_without_total_that_is_not_selected_is_an_error_naming_table_and_dimension(server, tmp_path):
    serve_case(server, tmp_path)
    table = download(server, tmp_path, BEVOLKING)
    rows = [{**r, "BurgerlijkeStaat": r["BurgerlijkeStaat"].replace("T001019", "1000")} for r in table.rows]
    without_total = CbsTable(table.table_id, {**table.entity_sets, "TypedDataSet": rows}, table.retrieved_at,
                             table.modified, table.source, table.bron)
    with pytest.raises(ValueError, match="03759ned: dimension BurgerlijkeStaat has no total"):
        parse.bevolking(without_total)


def test_repeated_rows_are_refused_before_they_are_written():
    frame = pd.DataFrame({"jaar": [2024, 2024], "gemeentecode": ["GM0363", "GM0363"], "inwoners": [1, 2]})
    with pytest.raises(ValueError, match="03759ned gives 2 rows for 1 combinations of jaar × gemeentecode"):
        parse.check_unique(frame, ["jaar", "gemeentecode"], "03759ned")


def test_the_shipped_03759ned_extract_carries_the_real_dimensions():
    properties = json.loads((extract_dir(BEVOLKING) / "DataProperties.json").read_text(encoding="utf-8"))["value"]
    dimensions = [p["Key"] for p in properties if p["Type"].endswith("Dimension")]
    assert dimensions == ["Geslacht", "Leeftijd", "BurgerlijkeStaat", "RegioS", "Perioden"]
    rows = json.loads((extract_dir(BEVOLKING) / "TypedDataSet.json").read_text(encoding="utf-8"))["value"]
    assert {r["BurgerlijkeStaat"] for r in rows} == {"T001019"}


def serve_80137ned(server: CbsServer) -> None:
    names = ["index", "TableInfos", "CategoryGroups", "Persoonskenmerken", "BedrijfstakkenSBI93", "Perioden",
             "DataProperties", "TypedDataSet"]
    server.serve("80137ned", {name: FEED_80137 / f"meta_{k}.json" for k, name in enumerate(names, start=1)})


def test_a_complete_recorded_table_collapses_to_its_totals(server, tmp_path):
    serve_80137ned(server)
    table = download(server, tmp_path, "80137ned")
    assert len(table.rows) == 675 and table.rows[0]["Persoonskenmerken"] == "1 "  # padded, as recorded
    assert parse.other_dimensions(table) == ["Persoonskenmerken", "BedrijfstakkenSBI93"]
    assert parse.dimension_total(table, "Persoonskenmerken") == "1"  # "Totaal", not a T-code
    assert parse.dimension_total(table, "BedrijfstakkenSBI93") == "99"  # "Totaal economische activiteiten"
    totals = pd.DataFrame(parse.selected_rows(table))
    assert totals["Perioden"].tolist() == ["2001JJ00", "2002JJ00", "2003JJ00", "2004JJ00", "2005JJ00"]
    parse.check_unique(totals, ["Perioden"], "80137ned")
    assert totals.set_index("Perioden").loc["2001JJ00", "Totaal_1"] == 8811.0


def test_a_dimension_kept_explicitly_keeps_its_rows_and_the_rest_collapses(server, tmp_path):
    serve_80137ned(server)
    table = download(server, tmp_path, "80137ned")
    kept = pd.DataFrame(parse.selected_rows(table, {"Persoonskenmerken": ("2", "3")}))
    parse.check_unique(kept, ["Perioden", "Persoonskenmerken"], "80137ned")
    assert len(kept) == 10 and set(kept["BedrijfstakkenSBI93"]) == {"99"}
    everything = pd.DataFrame(parse.selected_rows(table, {"Persoonskenmerken": None}))
    with pytest.raises(ValueError, match="80137ned gives"):
        parse.check_unique(everything, ["Perioden"], "80137ned")
    with pytest.raises(ValueError, match="80137ned has no dimension Geslacht"):
        parse.selected_rows(table, {"Geslacht": "T001038"})


def gebieden_2016_responses(folder: Path) -> dict[str, Path]:
    """83287NED in its 2016 column layout (Code_1 gemeente, Code_4 arbeidsmarktregio, Code_8 COROP, Code_34
    provincie), with the real codes of every gemeente and CBS's padding; names are not in the source (blank)."""
    codes = json.loads(GEBIEDEN_2016.read_text(encoding="utf-8"))
    columns = [("Code_1", "Naam_2", "Gemeenten", "reg"), ("Code_4", "Naam_5", "Arbeidsmarktregio's",
                                                          "Arbeidsmarktregio's"),
               ("Code_8", "Naam_9", "COROP-gebieden", "COROP-gebieden"), ("Code_34", "Naam_35", "Provincies",
                                                                         "Provincies")]
    props = [{"ID": 0, "Position": 0, "ParentID": None, "Type": "GeoDimension", "Key": "RegioS", "Title": "Regio's"}]
    for code_key, name_key, title, _ in columns:
        group = len(props)
        props += [{"ID": group, "ParentID": None, "Type": "TopicGroup", "Key": "", "Title": title},
                  {"ID": group + 1, "ParentID": group, "Type": "Topic", "Key": code_key, "Title": "Code"},
                  {"ID": group + 2, "ParentID": group, "Type": "Topic", "Key": name_key, "Title": "Naam"}]
    rows = []
    for k, gemeente in enumerate(codes["reg"]):
        row = {"ID": k, "RegioS": gemeente.ljust(10)}
        for code_key, name_key, _, source in columns:
            row[code_key] = (gemeente if source == "reg" else codes[source][k]).ljust(10)
            row[name_key] = "          "
        rows.append(row)
    sets = {"TableInfos": [{"ID": 0, "Title": "Gebieden in Nederland 2016", "Identifier": "83287NED",
                            "Modified": "2016-06-30T02:00:00"}], "DataProperties": props, "TypedDataSet": rows}
    files = {"index": write_index(folder, "83287NED", ["TableInfos", "UntypedDataSet", *list(sets)[1:]])}
    for name, value in sets.items():
        files[name] = folder / f"83287NED-{name}.json"
        files[name].write_text(json.dumps({"value": value}), encoding="utf-8")
    return files


def test_a_2016_indeling_matches_cbs_real_codes_and_blank_names_fall_back_to_codes(server, tmp_path):
    server.serve("83287NED", gebieden_2016_responses(tmp_path))
    indeling = parse.gebieden_indeling(download(server, tmp_path, "83287NED"), 2016)
    assert len(indeling) == 390 and indeling["gemeentecode"].is_unique
    assert indeling[["provincie_code", "corop_code", "arbeidsmarktregio_code"]].nunique().tolist() == [12, 40, 35]
    amsterdam = indeling.set_index("gemeentecode").loc["GM0363"]
    assert (amsterdam["provincie_code"], amsterdam["corop_code"]) == ("PV27", "CR23")
    assert amsterdam["gemeente_naam"] == "GM0363" and amsterdam["provincie_naam"] == "PV27"
    assert (indeling["gemeente_naam"] != "").all()
    codes = json.loads(GEBIEDEN_2016.read_text(encoding="utf-8"))
    expected = dict(zip(codes["reg"], codes["COROP-gebieden"], strict=True))
    assert indeling.set_index("gemeentecode")["corop_code"].to_dict() == expected
    groups = store.groepen(indeling).groupby("group_type")["group_code"].nunique().to_dict()
    assert groups == {"landelijk": 1, "provincie": 12, "corop": 40, "arbeidsmarktregio": 35}


def test_an_html_maintenance_page_is_named_in_the_provenance(server, tmp_path):
    download(server, tmp_path, "85755NED")
    server.modified["85755NED"] = "2026-11-20T02:00:00"
    server.html["85755NED"] = 200
    fallback = download(server, tmp_path, "85755NED")
    assert fallback.source == CACHE and "HTML-pagina in plaats van data" in fallback.bron
    assert "geen netwerk" not in fallback.bron
    server.html["85755NED"] = 503
    assert "HTML-pagina in plaats van data (HTTP 503)" in download(server, tmp_path, "85755NED").bron


def test_an_empty_table_is_named_in_the_provenance(server, tmp_path):
    server.empty.add("85755NED")
    fallback = download(server, tmp_path, "85755NED")
    assert fallback.source == EXTRACT
    assert "CBS gaf tabel 85755NED leeg terug (geen rijen in TypedDataSet)" in fallback.bron
    assert "ValueError" not in fallback.bron
