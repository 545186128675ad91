"""Reference groups, group values, vergelijkbare gemeenten and the comparison export on a hand-made dataset."""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
import subprocess
import sys

import dagster as dg
import pytest
from comparison_fixtures import Counts, cbs_groups, query, run_job, stage, upload_sha

from divobench_pipeline.core.months import deadline
from divobench_pipeline.core.participants import load_registry, write_registry
from divobench_pipeline.core.warehouse import open_warehouse
from divobench_pipeline.defs.comparisons.sensors import group_deadline_sensor
from divobench_pipeline.defs.wi_indicators.planning import indicator_fingerprints
from divobench_pipeline.orchestration.instance import dagster_instance
from divobench_pipeline.orchestration.resources import DivobenchHomeResource

JUNE = dt.date(2024, 6, 1)
GEMEENTEN = [*(f"GM000{k}" for k in range(1, 9)), *(f"GM003{k}" for k in range(1, 7))]
PARTICIPANTS = [
    *({"id": g, "name": f"Gemeente {g}", "gemeenten": [g], "publish_consent": g == "GM0001"} for g in GEMEENTEN),
    {"id": "SV-PER", "name": "ISD Per", "gemeenten": ["GM0011", "GM0012"], "reporting": 2, "publish_consent": True},
    {"id": "SV-WHOLE", "name": "ISD Geheel", "gemeenten": ["GM0021", "GM0022"], "reporting": 3},
]
PARTICIPANTS[0]["references"] = {"buren": ["GM0002", "SV-WHOLE"]}
OWNER = {g: p["id"] for p in PARTICIPANTS for g in p["gemeenten"]}
COUNTS = {"GM0001": Counts(10, 4, 1), "GM0002": Counts(20, 5, 2), "GM0003": Counts(30, 6, 3),
          "GM0004": Counts(40, 1, 0), "GM0005": Counts(50, 10, 5), "GM0006": Counts(60, 0, 0),
          "GM0007": Counts(35, 1, 0), "GM0008": Counts(45, 1, 1), "GM0011": Counts(15, 3, 1),
          "GM0012": Counts(25, 5, 5), "GM0021": Counts(5, 2, 1), "GM0022": Counts(7, 1, 1),
          "GM0031": Counts(12, 2, 1), "GM0032": Counts(18, 3, 1), "GM0033": Counts(22, 4, 2),
          "GM0034": Counts(28, 2, 0), "GM0035": Counts(33, 5, 3), "GM0036": Counts(8, 1, 1)}
_PV01 = ["GM0001", "GM0002", "GM0003", "GM0005", "GM0011", "GM0021", "GM0031", "GM0032", "GM0033"]
PROVINCIE = {g: "PV01" if g in _PV01 else "PV02" for g in COUNTS}
GROOTTEKLASSE = {g: ("5" if g == "GM0006" else "3") for g in COUNTS}
ARBEIDSMARKTREGIO = dict.fromkeys(["GM0001", "GM0004", "GM0006", "GM0007", "GM0008"], "AM01")
STEDELIJKHEID = {"GM0001": 1, "GM0002": 1, "GM0003": 2, "GM0004": 3, "GM0005": 3, "GM0006": 4, "GM0007": 5,
                 "GM0008": 5, "GM0011": 2, "GM0012": 2, "GM0021": 4, "GM0022": 5,
                 **dict.fromkeys([f"GM003{k}" for k in range(1, 7)], 5)}

# Units as the groups count them: SV-WHOLE (reporting option 3) is one unit, in PV01 by the tie rule.
UNIT_COUNTS = {**{g: COUNTS[g] for g in COUNTS if OWNER[g] != "SV-WHOLE"},
               "SV-WHOLE": Counts(12, 3, 2)}
MEMBERS = {
    ("landelijk", "NL"): set(UNIT_COUNTS),
    ("provincie", "PV01"): {"GM0001", "GM0002", "GM0003", "GM0005", "GM0011", "SV-WHOLE", "GM0031", "GM0032",
                            "GM0033"},
    ("provincie", "PV02"): {"GM0004", "GM0006", "GM0007", "GM0008", "GM0012", "GM0034", "GM0035", "GM0036"},
    ("grootteklasse", "3"): set(UNIT_COUNTS) - {"GM0006"},
    ("grootteklasse", "5"): {"GM0006"},
    ("arbeidsmarktregio", "AM01"): {"GM0001", "GM0004", "GM0006", "GM0007", "GM0008"},
    ("samenwerkingsverband", "SV-PER"): {"GM0011", "GM0012"},
    ("samenwerkingsverband", "SV-WHOLE"): {"SV-WHOLE"},
    ("selectie", "GM0001:buren"): {"GM0002", "SV-WHOLE"},
}


def expected(members: set[str], field: str, of: str | None = None):
    """Pooled value, median and n over ``members``, worked out from the counts directly."""
    def value(c: Counts):
        if of is None:
            return getattr(c, field)
        return getattr(c, field) / getattr(c, of) if getattr(c, of) else None
    counts = [UNIT_COUNTS[u] for u in members]
    pooled = sum(getattr(c, field) for c in counts)
    if of is not None:
        denominator = sum(getattr(c, of) for c in counts)
        pooled = pooled / denominator if denominator else None
    values = [v for c in counts if (v := value(c)) is not None]
    return pooled, statistics.median(values) if values else None, len(counts)


@pytest.fixture
def dataset(home):
    write_registry(home.participants_file, PARTICIPANTS)
    stage(home, {(JUNE, g): c for g, c in COUNTS.items()}, OWNER)
    cbs_groups(home, 2024, {"provincie": PROVINCIE, "grootteklasse": GROOTTEKLASSE,
                            "arbeidsmarktregio": ARBEIDSMARKTREGIO},
               {g: {"stedelijkheid": s} for g, s in STEDELIJKHEID.items()})
    run_job(home, "indicator_job", JUNE)
    return home


def group_values(home, indicator: str) -> dict[tuple[str, str], tuple]:
    rows = query(home, "SELECT group_type, group_code, group_value, group_median, group_n FROM group_value "
                       "WHERE indicator = ? AND month = ?", [indicator, JUNE])
    return {(t, c): (v, m, n) for t, c, v, m, n in rows}


def test_group_values_pool_numerators_take_the_median_of_units_and_count_units(dataset):
    bestand = group_values(dataset, "wi.bestand.pw")
    aandeel = group_values(dataset, "wi.aandeel_uitstroom_werk.pw")
    for key, members in MEMBERS.items():
        assert bestand[key] == pytest.approx(expected(members, "bestand")), key
        assert aandeel[key] == pytest.approx(expected(members, "werk", "uitstroom")), key
    # by hand: 463 uitkeringen over 17 units (median 25); 28 of 56 uitstromers to werk.
    assert bestand[("landelijk", "NL")] == (463, 25, 17)
    assert aandeel[("landelijk", "NL")][0] == pytest.approx(0.5)
    assert query(dataset, "SELECT DISTINCT status FROM group_value") == [("definitief",)]


def test_vergelijkbare_gemeenten_by_standardized_distance(dataset):
    sd = statistics.pstdev(STEDELIJKHEID.values())
    rows = query(dataset, "SELECT rang, buur_code, afstand, kenmerken FROM gemeente_vergelijkbaar "
                          "WHERE jaar = 2024 AND gemeentecode = 'GM0011' ORDER BY rang")
    # GM0012 is GM0011's own samenwerkingsverband partner and never its neighbour.
    # stedelijkheid 2: GM0003 (2) at 0, then 1 and 3 at 1 sd, 4 at 2 sd, 5 at 3 sd; ties by code; k = 10.
    assert [r[1] for r in rows] == ["GM0003", "GM0001", "GM0002", "GM0004", "GM0005", "GM0006", "GM0021",
                                    "GM0007", "GM0008", "GM0022"]
    assert [r[2] for r in rows] == pytest.approx([0, *[1 / sd] * 4, *[2 / sd] * 2, *[3 / sd] * 3], abs=1e-6)
    assert {r[3] for r in rows} == {"stedelijkheid"}
    members = query(dataset, "SELECT unit FROM group_member WHERE group_type = 'vergelijkbaar' "
                             "AND group_code = 'GM0011' AND month = ?", [JUNE])
    assert {u for (u,) in members} == {"GM0003", "GM0001", "GM0002", "GM0004", "GM0005", "GM0006", "GM0007",
                                       "GM0008", "SV-WHOLE"}


def cli(home, *args):
    return subprocess.run([sys.executable, "-m", "divobench_pipeline", *args], capture_output=True, text=True,
                          env={"DIVOBENCH_HOME": str(home.root), "PATH": "/usr/bin:/bin"}, timeout=120)


def test_comparison_export_compares_with_groups_and_shows_named_peers(dataset):
    done = cli(dataset, "export", "comparison", "--participant", "GM0001", "--month", "2024-06")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == ["indicator", "month", "unit", "value", "group_type", "group_code", "group_value",
                             "group_median", "group_n"]
    bestand = {(r["group_type"], r["group_code"]): r for r in rows if r["indicator"] == "wi.bestand.pw"}
    assert set(bestand) == {("landelijk", "NL"), ("provincie", "PV01"), ("grootteklasse", "3"),
                            ("arbeidsmarktregio", "AM01"), ("vergelijkbaar", "GM0001"), ("selectie", "GM0001:buren"),
                            ("deelnemer", "GM0002"), ("deelnemer", "SV-WHOLE")}
    assert {r["unit"] for r in rows} == {"GM0001"} and {r["value"] for r in bestand.values()} == {"10"}
    assert bestand[("selectie", "GM0001:buren")]["group_value"] == "32"
    assert bestand[("deelnemer", "SV-WHOLE")]["group_value"] == "12"
    assert bestand[("deelnemer", "SV-WHOLE")]["group_n"] == "2"

    whole = list(csv.DictReader(io.StringIO(cli(dataset, "export", "comparison", "--participant", "SV-WHOLE",
                                                "--month", "2024-06").stdout)))
    assert {r["unit"] for r in whole} == {"SV-WHOLE"}
    per = list(csv.DictReader(io.StringIO(cli(dataset, "export", "comparison", "--participant", "SV-PER",
                                              "--month", "2024-06").stdout)))
    assert {r["unit"] for r in per} == {"SV-PER", "GM0011", "GM0012"}
    assert {(r["group_type"], r["group_code"]) for r in per if r["unit"] == "GM0012"} >= {
        ("provincie", "PV02"), ("samenwerkingsverband", "SV-PER"), ("vergelijkbaar", "GM0012")}

    unknown = cli(dataset, "export", "comparison", "--participant", "GM9999", "--month", "2024-06")
    assert unknown.returncode == 2 and "GM9999" in unknown.stderr and "Traceback" not in unknown.stderr


def test_lineage_names_the_upload_and_the_code_version(dataset):
    done = cli(dataset, "export", "indicators", "--month", "2024-06", "--lineage")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0])[-2:] == ["upload_sha256", "code_version"]
    by_unit = {r["unit"]: r for r in rows if r["indicator"] == "wi.bestand.pw"}
    assert by_unit["GM0011"]["upload_sha256"] == upload_sha("SV-PER", JUNE)
    assert by_unit["GM0003"]["upload_sha256"] == upload_sha("GM0003", JUNE)
    assert by_unit["SV-PER"]["upload_sha256"] == upload_sha("SV-PER", JUNE)
    assert all(r["code_version"].startswith("0.1.0+g") for r in rows)
    plain = cli(dataset, "export", "indicators", "--month", "2024-06").stdout
    assert plain.splitlines()[0] == "indicator,level,unit,month,numerator,denominator,value"

    instance = dagster_instance(dataset)
    event = instance.get_latest_materialization_event(dg.AssetKey("wi_indicatoren"))
    metadata = event.asset_materialization.metadata
    assert metadata["code_version"].value == rows[0]["code_version"]
    assert upload_sha("GM0003", JUNE) in metadata["uploads"].value


def test_group_inputs_change_the_month_fingerprint(dataset):
    registry = load_registry(dataset.participants_file)
    uploads = {(JUNE, p["id"]): upload_sha(p["id"], JUNE) for p in PARTICIPANTS}
    con = open_warehouse(str(dataset.warehouse))
    try:
        before = indicator_fingerprints(uploads, registry, con)
        con.execute("UPDATE gemeente_groep SET group_code = 'PV02' WHERE gemeentecode = 'GM0001'")
        after_cbs = indicator_fingerprints(uploads, registry, con)
    finally:
        con.close()
    assert before[JUNE] != after_cbs[JUNE]
    changed = [dict(p, references={"ander": ["GM0003"]}) if p["id"] == "GM0001" else p for p in PARTICIPANTS]
    write_registry(dataset.participants_file, changed)
    con = open_warehouse(str(dataset.warehouse), read_only=True)
    try:
        assert indicator_fingerprints(uploads, load_registry(dataset.participants_file), con)[JUNE] != after_cbs[JUNE]
    finally:
        con.close()


def test_the_deadline_sensor_makes_group_values_definitief_once(dataset):
    assert deadline(JUNE) == dt.date(2024, 7, 28)
    # As computed before the deadline: the month's group values are still voorlopig.
    with open_warehouse(str(dataset.warehouse)) as con:
        con.execute("UPDATE group_value SET status = 'voorlopig'")
    instance = dagster_instance(dataset)
    resources = {"divobench_home": DivobenchHomeResource(root=str(dataset.root))}
    result = group_deadline_sensor(dg.build_sensor_context(instance=instance, resources=resources))
    assert [(r.partition_key, r.job_name) for r in result] == [("2024-06-01", "group_value_job")]
    assert result[0].run_key == group_deadline_sensor(
        dg.build_sensor_context(instance=instance, resources=resources))[0].run_key
    run_job(dataset, "group_value_job", JUNE, instance=instance)
    assert query(dataset, "SELECT DISTINCT status FROM group_value") == [("definitief",)]
    again = group_deadline_sensor(dg.build_sensor_context(instance=instance, resources=resources))
    assert isinstance(again, dg.SkipReason)


def test_a_recent_month_is_voorlopig(home):
    month = dt.date.today().replace(day=1)
    write_registry(home.participants_file, PARTICIPANTS[:5])
    stage(home, {(month, g): Counts(10) for g in GEMEENTEN[:5]}, OWNER)
    run_job(home, "indicator_job", month)
    assert query(home, "SELECT DISTINCT status FROM group_value") == [("voorlopig",)]


def test_exports_carry_full_precision(dataset):
    """interfaces.md: a float as the shortest text that reads back to the same float, an integer exactly; so a
    value recomputed from the exported numerator and denominator equals the exported value exactly."""
    rows = list(csv.DictReader(io.StringIO(cli(dataset, "export", "indicators", "--month", "2024-06").stdout)))
    fractions = [r for r in rows if r["denominator"] and r["value"] and not float(r["value"]).is_integer()]
    assert len(fractions) > 10
    for r in fractions:
        assert float(r["numerator"]) / float(r["denominator"]) == float(r["value"]), r
        assert r["value"] == repr(float(r["value"])), r
    gm0001 = {r["indicator"]: r for r in rows if r["unit"] == "GM0001"}
    assert gm0001["wi.aandeel_uitstroom_werk.pw"]["value"] == repr(1 / 4) == "0.25"
    sv_whole = {r["indicator"]: r for r in rows if r["unit"] == "SV-WHOLE"}
    assert sv_whole["wi.aandeel_uitstroom_werk.pw"]["value"] == repr(2 / 3) == "0.6666666666666666"

    comparison = list(csv.DictReader(io.StringIO(cli(dataset, "export", "comparison", "--participant", "GM0001",
                                                     "--month", "2024-06").stdout)))
    compared = {(r["group_type"], r["group_code"]): r for r in comparison
                if r["indicator"] == "wi.aandeel_uitstroom_werk.pw" and (r["group_type"], r["group_code"]) in MEMBERS}
    assert len(compared) >= 4
    for key, r in compared.items():
        pooled, median, _ = expected(MEMBERS[key], "werk", "uitstroom")
        assert (r["group_value"], r["group_median"]) == (repr(pooled), repr(median)), key
    assert max(len(r["group_value"]) for r in compared.values()) > 8  # not rounded to 6 decimals

    public = list(csv.DictReader(io.StringIO(cli(dataset, "export", "public", "--month", "2024-06").stdout)))
    landelijk = next(r for r in public if r["indicator"] == "wi.aandeel_uitstroom_werk.pw"
                     and r["group_type"] == "landelijk")
    assert landelijk["group_value"] == repr(expected(MEMBERS[("landelijk", "NL")], "werk", "uitstroom")[0])


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (float("nan"), ""), (3, "3"), (3.0, "3"), (-0.0, "0"), (2**60, str(2**60)),
    (1 / 3, "0.3333333333333333"), (0.1 + 0.2, "0.30000000000000004"), (1e-7, "1e-07"), (123.456, "123.456"),
])
def test_an_exported_number_reads_back_to_the_same_value(value, text):
    from divobench_pipeline.defs.comparisons.exports import number

    assert number(value) == text
    if text:
        assert float(text) == float(value)
