"""CBS kerncijfers (bijstand, re-integratie, Wsw per gemeente, 2015–2017) from the shipped real extracts.

Figures checked by hand against ../shared/data/cbs/bijstand_reintegratie_wsw_2015_2017/gemeente_2016.csv:
Amsterdam (GM0363), 15 jaar of ouder: Inwoners_1 718500, Bijstandsontvangers_2 49460, Instroom_4 11580,
WSWWerknemers_16 3340; 15 jaar tot AOW-leeftijd: Inwoners_1 619660, WSWWerknemers_16 3340.
Haarlem (GM0392): PersonenMetReIntegratievoorziening_10 and WerkNaReIntegratie_11 are "." (unknown).
Enschede (GM0153): Bijstandsontvangers_2 8790, Inwoners_1 133700.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import subprocess
import sys

import dagster as dg
import duckdb
import pytest

from divobench_pipeline.core.catalogue import pooled_by_comparisons
from divobench_pipeline.core.participants import load_registry, write_registry
from divobench_pipeline.definitions import load_defs
from divobench_pipeline.defs.cbs.client import CbsClient
from divobench_pipeline.defs.cbs_kerncijfers import compute, parse
from divobench_pipeline.defs.cbs_kerncijfers.planning import plan_kerncijfers
from divobench_pipeline.defs.cbs_kerncijfers.source import TABLES
from divobench_pipeline.defs.comparisons.groups import refresh_group_values
from divobench_pipeline.orchestration.instance import dagster_instance
from divobench_pipeline.orchestration.partitions import partition_range_tags
from divobench_pipeline.orchestration.refresh import QUIET

PARTICIPANTS = [{"id": "GM0363", "name": "Amsterdam", "gemeenten": ["GM0363"]},
                {"id": "SV-TEST", "name": "Haarlem en Enschede", "gemeenten": ["GM0392", "GM0153"], "reporting": 2}]


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    client = CbsClient(tmp_path_factory.mktemp("cache"), online=False)
    return {year: client.table(table_id) for year, table_id in TABLES.items()}


def kern_of(tables, year: int):
    return parse.kerncijfers(tables[year], year).set_index(["regio_code", "leeftijd", "kenmerk"])["waarde"]


def test_measures_are_matched_by_number_and_codes_lose_their_padding(tables):
    assert parse.measure_keys(tables[2015])["instroom"] == "Instromers_4"  # the 2015 table's own name
    assert parse.measure_keys(tables[2016])["instroom"] == "Instroom_4"
    assert tables[2015].rows[118]["Regiokenmerken"] == "GM0381" and tables[2016].rows[72]["Regiokenmerken"] == "GM0363 "
    kern = kern_of(tables, 2016)
    assert kern["GM0363", "20150", "inwoners"] == 718_500 and kern["GM0363", "20150", "bijstandsontvangers"] == 49_460
    assert kern["GM0363", "90100", "inwoners"] == 619_660 and kern["GM0363", "90100", "wsw_werknemers"] == 3_340
    assert kern["GM0363", "20150", "instroom"] == 11_580 and kern["NL01", "20150", "bijstandsontvangers"] == 513_980
    assert kern_of(tables, 2015)["GM0381", "20150", "bijstandsontvangers"] == 640
    assert "90200" not in set(kern.index.get_level_values("leeftijd"))


def test_a_dot_stays_unknown_never_zero(tables):
    kern = kern_of(tables, 2016)
    assert math.isnan(kern["GM0392", "20150", "reintegratie_personen"])
    assert math.isnan(kern["GM0392", "20150", "werk_na_reintegratie"])
    assert parse.cell("       .") != parse.cell("0") == 0.0
    assert math.isnan(kern_of(tables, 2017)["NL01", "20150", "werk_na_reintegratie"])


def test_indicator_values_by_hand(tables):
    kern = parse.kerncijfers(tables[2016], 2016)
    values = compute.indicator_values(kern, {p["id"]: p["gemeenten"] for p in PARTICIPANTS})
    rows = {(r.indicator, r.level, r.unit): r for r in values.itertuples(index=False)}
    dichtheid = rows["cbs.bijstandsdichtheid", "gemeente", "GM0363"]
    assert (dichtheid.numerator, dichtheid.denominator) == (49_460_000, 718_500)
    assert dichtheid.value == pytest.approx(68.83785665)  # 1000 × 49460 / 718500
    assert dichtheid.month.date() == dt.date(2016, 12, 1)
    assert rows["cbs.wsw_dichtheid", "gemeente", "GM0363"].value == pytest.approx(5.39005261)  # 1000 × 3340 / 619660
    assert rows["cbs.bijstandsontvangers", "gemeente", "GM0153"].value == 8_790
    assert ("cbs.reintegratie_personen", "gemeente", "GM0392") not in rows  # "." at CBS: no value
    assert ("cbs.reintegratie_personen", "participant", "SV-TEST") not in rows  # nor for the pool it is part of
    pooled = rows["cbs.bijstandsdichtheid", "participant", "SV-TEST"]  # Haarlem 4250 / 132220, Enschede 8790 / 133700
    assert (pooled.numerator, pooled.denominator) == (13_040_000, 265_920)
    assert len(values[(values["level"] == "gemeente") & (values["indicator"] == "cbs.bijstandsontvangers")]) == 390


def run_years(home, first: str, last: str) -> dg.ExecuteInProcessResult:
    with dagster_instance(home) as instance:
        return load_defs(home).resolve_job_def("cbs_kerncijfers_job").execute_in_process(
            instance=instance, tags=partition_range_tags(first, last), run_config=QUIET, raise_on_error=False)


def query(home, sql: str, params=()):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


@pytest.fixture
def loaded(home):
    write_registry(home.participants_file, PARTICIPANTS)
    result = run_years(home, "2015", "2017")
    assert result.success
    return result


def test_group_values_cover_every_gemeente_of_the_years_indeling(home, loaded):
    groups = dict(((y, t), (n, size)) for y, t, n, size in query(home, """
        SELECT year(month), group_type, count(DISTINCT group_code), max(group_n) FROM group_value
        WHERE indicator = 'cbs.bijstandsontvangers' GROUP BY ALL"""))
    assert groups[2016, "landelijk"] == (1, 390) and groups[2015, "landelijk"] == (1, 393)
    assert groups[2017, "landelijk"] == (1, 388)
    assert [groups[2016, t][0] for t in ("provincie", "corop", "arbeidsmarktregio", "grootteklasse")] == [12, 40, 35, 8]
    (landelijk,) = query(home, "SELECT numerator, group_n FROM group_value WHERE group_type = 'landelijk' "
                               "AND indicator = 'cbs.reintegratie_personen' AND month = DATE '2016-12-01'")
    assert landelijk[1] == 388  # the "." of Haarlem and Zandvoort (GM0392, GM0473) leave them out (and the count)
    noord_holland = query(home, "SELECT numerator FROM group_value WHERE indicator = 'cbs.bijstandsontvangers' "
                                "AND month = DATE '2016-12-01' AND group_type = 'provincie' AND group_code = 'PV27'")
    by_hand = query(home, """SELECT sum(v.numerator) FROM indicator_value v JOIN gemeente_indeling i
        ON i.gemeentecode = v.unit AND i.jaar = 2016 AND i.provincie_code = 'PV27'
        WHERE v.indicator = 'cbs.bijstandsontvangers' AND v.level = 'gemeente' AND v.month = DATE '2016-12-01'""")
    assert noord_holland == by_hand


def test_the_monthly_group_values_leave_the_kerncijfers_alone(home, loaded):
    before = query(home, "SELECT * EXCLUDE (computed_at) FROM group_value ORDER BY ALL")
    with duckdb.connect(str(home.warehouse)) as con:
        refresh_group_values(con, load_registry(home.participants_file), [dt.date(2016, 12, 1)], dt.date.today(),
                             pooled_by_comparisons())
    assert query(home, "SELECT * EXCLUDE (computed_at) FROM group_value ORDER BY ALL") == before
    assert "cbs.bijstandsontvangers" not in pooled_by_comparisons() and "wi.bestand.pw" in pooled_by_comparisons()


def test_landelijk_is_checked_against_nl01_as_a_warning(home, loaded):
    (check,) = [e for e in loaded.get_asset_check_evaluations()
                if e.check_name == "landelijk_gelijk_aan_nl01"]
    assert check.severity == dg.AssetCheckSeverity.WARN
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        against = compute.landelijk_against_nl01(con, [2016]).set_index(["indicator", "deel"])
    inwoners = against.loc[("cbs.bijstandsdichtheid", "noemer")]
    assert inwoners["cbs_nl01"] == 14_303_940 and inwoners["marge"] == 5 * 390 and inwoners["binnen_marge"]
    # gemeenten count a move between gemeenten as uitstroom, CBS's national figure does not: shown, not judged
    uitstroom = against.loc[("cbs.uitstroom_bijstand", "teller")]
    assert (uitstroom["landelijk"], uitstroom["cbs_nl01"], uitstroom["binnen_marge"]) == (124_460, 130_750, None)
    assert check.passed and check.metadata["buiten_marge"].value == "(geen)"
    with duckdb.connect(str(home.warehouse)) as con:
        con.execute("UPDATE cbs_kerncijfer SET waarde = waarde + 1960 WHERE regio_code = 'NL01' AND jaar = 2016 "
                    "AND kenmerk = 'wsw_werknemers' AND leeftijd = '20150'")
        off = compute.landelijk_against_nl01(con, [2016]).set_index(["indicator", "deel"])
    assert not off.loc[("cbs.wsw_werknemers", "teller"), "binnen_marge"]  # 91390 vs 93410: beyond 5 × 390


def test_the_planner_asks_for_missing_years_and_changed_versions(home):
    write_registry(home.participants_file, PARTICIPANTS)
    registry = load_registry(home.participants_file)
    (first,) = plan_kerncijfers(home, registry, None)
    assert (first.job, first.start, first.end) == ("cbs_kerncijfers_job", "2015", "2017")
    assert run_years(home, first.start, first.end).success
    with duckdb.connect(str(home.warehouse)) as con:
        assert plan_kerncijfers(home, registry, con) == []
        con.execute("UPDATE cbs_kerncijfer SET modified = '2000-01-01T00:00:00' WHERE jaar = 2016")
        (again,) = plan_kerncijfers(home, registry, con)
    assert (again.start, again.end) == ("2016", "2016") and again.content != first.content


@pytest.mark.slow
def test_refresh_and_export_give_the_real_cbs_figures_on_the_command_line(tmp_path):
    root = tmp_path / "home"
    root.mkdir()
    write_registry(root / "participants.yaml", PARTICIPANTS)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIVOBENCH_", "DAGSTER_"))}
    env.update(DIVOBENCH_HOME=str(root), DIVOBENCH_CBS_MODE="offline")

    def cli(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "divobench_pipeline", *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done

    assert "cbs_kerncijfers_job 2015 … 2017: succeeded" in cli("refresh").stdout
    assert "Everything is up to date." in cli("refresh").stdout
    rows = list(csv.DictReader(io.StringIO(cli("export", "indicators", "--month", "2016-12", "--level",
                                               "gemeente").stdout)))
    by_key = {(r["indicator"], r["unit"]): r for r in rows}
    assert by_key["cbs.bijstandsdichtheid", "GM0363"] == {
        "indicator": "cbs.bijstandsdichtheid", "level": "gemeente", "unit": "GM0363", "month": "2016-12",
        "numerator": "49460000", "denominator": "718500", "value": "68.83785664578984"}
    assert by_key["cbs.wsw_werknemers", "GM0363"]["value"] == "3340"
    assert ("cbs.reintegratie_personen", "GM0392") not in by_key
    assert len({r["unit"] for r in rows if r["indicator"] == "cbs.bijstandsontvangers"}) == 390

    history = {(r["indicator"], r["unit"]): r["value"] for r in csv.DictReader(io.StringIO(
        cli("export", "indicators", "--month", "2015-12", "--level", "gemeente").stdout))}
    assert history["cbs.bijstandsontvangers", "GM0381"] == "640"  # Bussum, merged into Gooise Meren in 2016
    assert ("cbs.bijstandsontvangers", "GM1942") not in history
    restated = {(r["indicator"], r["unit"]): r["value"] for r in csv.DictReader(io.StringIO(
        cli("export", "indicators", "--month", "2015-12", "--level", "gemeente", "--indeling", "2016").stdout))}
    assert restated["cbs.bijstandsontvangers", "GM1942"] == "980"  # Bussum 640 + Muiden 100 + Naarden 240
    assert ("cbs.bijstandsontvangers", "GM0381") not in restated

    comparison = list(csv.DictReader(io.StringIO(
        cli("export", "comparison", "--participant", "SV-TEST", "--month", "2016-12").stdout)))
    enschede = {(r["indicator"], r["group_type"]): r for r in comparison if r["unit"] == "GM0153"}
    assert enschede["cbs.bijstandsontvangers", "landelijk"]["value"] == "8790"
    assert enschede["cbs.bijstandsontvangers", "landelijk"]["group_n"] == "390"
    assert enschede["cbs.bijstandsontvangers", "provincie"]["group_code"] == "PV23"
    pooled = {r["indicator"]: r["value"] for r in comparison if r["unit"] == "SV-TEST"}
    assert pooled["cbs.bijstandsontvangers"] == "13040"  # Haarlem 4250 + Enschede 8790
