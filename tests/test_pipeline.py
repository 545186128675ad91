"""The pipeline end to end on real parts: inbox files, a DuckDB file, a Dagster instance in the data directory."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from bus_builders import levering, persoon, uitkering, write_bus

from divobench_pipeline.core.participants import write_registry
from divobench_pipeline.definitions import load_defs
from divobench_pipeline.defs.bus_uploads.intake import read_receipts
from divobench_pipeline.orchestration.instance import dagster_instance
from divobench_pipeline.orchestration.refresh import refresh

EXAMPLE = Path(__file__).parent / "fixtures" / "bus" / "bus_voorbeeld.xml"
SEPTEMBER = dt.date(2026, 9, 1)
PARTICIPANTS = [
    {"id": "GM0363", "name": "Amsterdam", "gemeenten": ["GM0363"]},
    {"id": "SV-ISD-BOLLENSTREEK", "name": "ISD Bollenstreek", "gemeenten": ["GM0534", "GM0553", "GM0575", "GM1525"],
     "reporting": 2},
]

# (numerator, denominator, value) of every W&I indicator for GM0363 in the example month, by hand, except the
# bijstandsdichtheid (it needs the CBS inwoners): U2024000117 is lopend (aanvang March 2024, parttime werk, 862),
# U2026000388 (aanvang February) ended on 18 September to werk, U2026000412 is eenmalige bijzondere bijstand.
EXAMPLE_VALUES = {
    "wi.bestand.pw": (1, None, 1), "wi.bestand.buig": (1, None, 1), "wi.personen.pw": (1, None, 1),
    "wi.instroom.pw": (0, None, 0), "wi.uitstroom.pw": (1, None, 1), "wi.uitstroom_werk.pw": (1, None, 1),
    "wi.aandeel_uitstroom_werk.pw": (1, 1, 1), "wi.aandeel_ontheffing.pw": (0, 1, 0),
    "wi.aandeel_inkomsten_werk.pw": (1, 1, 1), "wi.gemiddelde_duur_maanden.pw": (30, 1, 30),
    "wi.gem_betaalbaar_bedrag.pw": (862, 1, 862), "wi.bijzondere_bijstand.eenmalig": (1, None, 1),
    "wi.bijzondere_bijstand.eenmalig_bedrag": (640, None, 640)}


@pytest.fixture
def registered(home):
    write_registry(home.participants_file, PARTICIPANTS)
    return home


def drop(home, participant_id: str, source: Path, name: str | None = None) -> Path:
    target = home.inbox_of(participant_id) / (name or source.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def query(home, sql: str, params=()):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def indicator_values(home, unit: str, month: dt.date = SEPTEMBER) -> dict[str, tuple]:
    rows = query(home, "SELECT indicator, numerator, denominator, value FROM indicator_value "
                       "WHERE unit = ? AND month = ?", [unit, month])
    return {indicator: (numerator, denominator, value) for indicator, numerator, denominator, value in rows}


def corrected_example(path: Path) -> Path:
    """The example month again, without the uitkering that ended in September (a correction)."""
    return write_bus(path, levering(
        uitkering("U2024000117", persoon(Burgerservicenummer="999993653", AanvangsdatumUitkering="20240311",
                                         Inkomsten=[{"Soort": "11", "Bedrag": "450", "Vrijlating": "1"}]),
                  BetaalbaarBedrag="862"),
        uitkering("U2026000412", persoon(Burgerservicenummer="999990032", AanvangsdatumUitkering="20260915",
                                         EinddatumUitkering="20260915", RedenBeeindigingUitkering="98"),
                  Statistiekcode="12", ClusterBijzondereBijstand="b", BetaalbaarBedrag="640")))


def test_refresh_takes_an_upload_from_the_inbox_to_indicators(registered):
    home = registered
    drop(home, "GM0363", EXAMPLE)
    outcome = refresh(home)
    assert outcome.success
    assert [run.job for run in outcome.runs] == ["bus_intake_job", "cbs_kerncijfers_job", "bus_staging_job",
                                                 "cbs_job", "indicator_job", "report_job"]
    assert not any(home.inbox_of("GM0363").iterdir())

    assert query(home, "SELECT count(*) FROM bus_uitkering WHERE month = ? AND participant_id = 'GM0363'",
                 [SEPTEMBER]) == [(3,)]
    assert query(home, "SELECT count(*) FROM bus_persoon") == [(4,)]
    values = indicator_values(home, "GM0363")
    # U2024000117 is the one PW uitkering lopend on 30 September (aanvang March 2024: 30 months, parttime werk);
    # U2026000388 ended on 18 September with reden 11 (werk); U2026000412 is eenmalige bijzondere bijstand.
    assert values["wi.bestand.pw"] == (1, None, 1)
    assert values["wi.personen.pw"] == (1, None, 1)
    assert values["wi.uitstroom.pw"] == (1, None, 1)
    assert values["wi.aandeel_uitstroom_werk.pw"] == (1, 1, 1)
    assert values["wi.gemiddelde_duur_maanden.pw"] == (30, 1, 30)
    assert values["wi.aandeel_inkomsten_werk.pw"] == (1, 1, 1)
    assert values["wi.gem_betaalbaar_bedrag.pw"] == (862, 1, 862)
    assert values["wi.bijzondere_bijstand.eenmalig_bedrag"] == (640, None, 640)
    [(inwoners,)] = query(home, "SELECT waarde FROM gemeente_kenmerk WHERE jaar = 2026 AND gemeentecode = 'GM0363' "
                                "AND kenmerk = 'inwoners'")
    # and nothing else
    assert values == {**EXAMPLE_VALUES, "wi.bijstandsdichtheid.pw": (1000, inwoners, 1000 / inwoners)}
    participant = {i: v for i, v in query(home, "SELECT indicator, value FROM indicator_value "
                                                "WHERE level = 'participant' AND unit = 'GM0363' "
                                                "AND starts_with(indicator, 'wi.')")}
    assert participant == {i: v[2] for i, v in values.items()}

    with dagster_instance(home) as instance:
        staged = instance.get_latest_materialization_event(dg.AssetKey("bus_staged"))
        assert staged.asset_materialization.partition == "2026-09-01|GM0363"
        assert refresh(home, instance).runs == []


def test_a_correction_replaces_the_month_and_a_rejected_upload_changes_nothing(registered, tmp_path):
    home = registered
    drop(home, "GM0363", EXAMPLE)
    assert refresh(home).success
    first_sha = query(home, "SELECT upload_sha256 FROM bus_upload_in_force")[0][0]

    drop(home, "GM0363", corrected_example(tmp_path / "correctie.xml"))
    outcome = refresh(home)
    assert outcome.success and [(run.job, run.partitions) for run in outcome.runs] == [
        ("bus_intake_job", "inbox"), ("bus_staging_job", "2026-09-01|GM0363 … 2026-09-01|GM0363"),
        ("indicator_job", "2026-09-01 … 2026-09-01"), ("report_job", "2026-09-01|GM0363 … 2026-09-01|GM0363")]
    (second_sha,) = query(home, "SELECT upload_sha256 FROM bus_upload_in_force")[0]
    assert second_sha != first_sha
    assert query(home, "SELECT DISTINCT upload_sha256 FROM bus_persoon UNION SELECT DISTINCT upload_sha256 "
                       "FROM bus_uitkering UNION SELECT DISTINCT upload_sha256 FROM bus_inkomsten") == [(second_sha,)]
    assert query(home, "SELECT registratienummer FROM bus_uitkering ORDER BY 1") == [("U2024000117",),
                                                                                     ("U2026000412",)]
    assert indicator_values(home, "GM0363")["wi.uitstroom.pw"] == (0, None, 0)
    assert indicator_values(home, "GM0363")["wi.aandeel_uitstroom_werk.pw"] == (0, 0, None)

    duplicate = uitkering("U1")
    drop(home, "GM0363", write_bus(tmp_path / "dubbel.xml", levering(duplicate, duplicate)))
    outcome = refresh(home)
    assert outcome.success and [run.job for run in outcome.runs] == ["bus_intake_job"]
    assert query(home, "SELECT upload_sha256 FROM bus_upload_in_force") == [(second_sha,)]
    rejected = read_receipts(home, "GM0363")[-1]
    assert rejected.status == "rejected" and "U1" in " ".join(rejected.reasons)
    quarantined = home.root / rejected.report
    assert quarantined.parent.parent == home.quarantine / "GM0363" and "afgewezen" in quarantined.read_text()


def test_a_samenwerkingsverband_is_staged_per_gemeente_and_pooled(registered, tmp_path):
    home = registered

    def gemeente(code: str, lopend: int, prefix: str) -> dict:
        return levering(*(uitkering(f"{prefix}{i}", persoon(Burgerservicenummer=bsn)) for i, bsn in
                          enumerate(BSNS[prefix][:lopend])), Gemeentecode=code, Berichtgevercode="0534")

    drop(home, "SV-ISD-BOLLENSTREEK", write_bus(tmp_path / "isd.xml", gemeente("0534", 2, "H"),
                                                gemeente("0553", 3, "L")))
    assert refresh(home).success
    assert indicator_values(home, "GM0534")["wi.bestand.pw"][2] == 2
    assert indicator_values(home, "GM0553")["wi.bestand.pw"][2] == 3
    assert indicator_values(home, "SV-ISD-BOLLENSTREEK")["wi.bestand.pw"][2] == 5
    assert query(home, "SELECT gemeenten FROM bus_upload_in_force") == [("GM0534,GM0553",)]


BSNS = {"H": ["999990019", "999990020", "999993653"], "L": ["999990032", "999990044", "999990056"]}


def evaluate(defs: dg.Definitions, instance: dg.DagsterInstance):
    """A sensor tick, without the participant reports it asks for once indicators exist (tests/test_report_*)."""
    context = dg.build_sensor_context(instance=instance, definitions=defs, resources=defs.resources)
    result = defs.resolve_sensor_def("bus_upload_sensor")(context)
    if isinstance(result, dg.SensorResult):
        result.run_requests[:] = [r for r in result.run_requests or [] if r.job_name != "report_job"]
    return result


def run_requested(defs, instance, request: dg.RunRequest) -> None:
    result = defs.resolve_job_def(request.job_name).execute_in_process(instance=instance, tags=request.tags)
    assert result.success


def test_the_sensor_walks_an_upload_through_the_stages_and_ignores_a_replay(registered):
    home = registered
    defs = load_defs(home)
    with dagster_instance(home) as instance:
        first = evaluate(defs, instance)
        (kerncijfers,) = first.run_requests  # the CBS kerncijfers years wait for no upload
        assert kerncijfers.job_name == "cbs_kerncijfers_job"
        (partitions_request,) = first.dynamic_partitions_requests
        assert set(partitions_request.partition_keys) == {"GM0363", "SV-ISD-BOLLENSTREEK"}
        instance.add_dynamic_partitions("participant", list(partitions_request.partition_keys))
        run_requested(defs, instance, kerncijfers)
        assert "up to date" in evaluate(defs, instance).skip_reason.skip_message

        drop(home, "GM0363", EXAMPLE)
        seen = []
        for expected_jobs in (["bus_intake_job"], ["bus_staging_job", "cbs_job"], ["indicator_job"]):
            requests = evaluate(defs, instance).run_requests
            assert [request.job_name for request in requests] == expected_jobs
            seen += requests
            for request in requests:
                run_requested(defs, instance, request)
        assert seen[1].partition_key_range == dg.PartitionKeyRange("2026-09-01|GM0363", "2026-09-01|GM0363")
        assert seen[2].partition_key_range == dg.PartitionKeyRange("2026", "2026")
        assert seen[3].partition_key_range == dg.PartitionKeyRange("2026-09-01", "2026-09-01")
        assert not evaluate(defs, instance).run_requests

        drop(home, "GM0363", EXAMPLE, name="nogmaals.xml")
        (request,) = evaluate(defs, instance).run_requests
        assert request.job_name == "bus_intake_job"
        run_requested(defs, instance, request)
        assert read_receipts(home, "GM0363")[-1].original_filename == "bus_voorbeeld.xml"
        assert not evaluate(defs, instance).run_requests
        assert not any(home.inbox_of("GM0363").iterdir())


def test_the_sensor_waits_while_a_pipeline_run_is_under_way_and_skips_a_broken_registry(registered):
    home = registered
    defs = load_defs(home)
    with dagster_instance(home) as instance:
        job = defs.resolve_job_def("bus_intake_job")
        run = instance.create_run_for_job(job, status=dg.DagsterRunStatus.STARTED)
        drop(home, "GM0363", EXAMPLE)
        result = evaluate(defs, instance)
        assert not result.run_requests and "waiting" in result.skip_reason.skip_message
        instance.report_run_canceled(run)
        assert evaluate(defs, instance).run_requests

        home.participants_file.write_text("participants:\n  - id: GM0363\n    gemeenten: [GM0363]\n")
        result = evaluate(defs, instance)
        assert isinstance(result, dg.SkipReason) and "field 'name'" in result.skip_message


def test_an_intake_that_crashes_halfway_loses_nothing_and_the_next_refresh_finishes(registered, tmp_path,
                                                                                      monkeypatch):
    home = registered
    import divobench_pipeline.defs.bus_uploads.intake as intake

    real_parse = intake.parse_bus_upload

    def crash_on_august(source, **kwargs):
        if "08" in Path(source).name:
            raise RuntimeError("disk trouble")
        return real_parse(source, **kwargs)

    for month in ("07", "08", "09"):
        drop(home, "GM0363", write_bus(tmp_path / f"bus_{month}.xml", levering(Statistiekmaand=month)))
    monkeypatch.setattr(intake, "parse_bus_upload", crash_on_august)
    outcome = refresh(home)
    assert not outcome.success and [run.job for run in outcome.runs] == ["bus_intake_job"]
    assert [r.original_filename for r in read_receipts(home)] == ["bus_07.xml"]
    assert sorted(p.name for p in home.inbox_of("GM0363").iterdir()) == ["bus_08.xml", "bus_09.xml"]

    monkeypatch.setattr(intake, "parse_bus_upload", real_parse)
    outcome = refresh(home)
    assert outcome.success
    assert sorted(r.month for r in read_receipts(home)) == ["2026-07-01", "2026-08-01", "2026-09-01"]
    assert query(home, "SELECT count(DISTINCT month) FROM indicator_value WHERE starts_with(indicator, 'wi.')") == [
        (3,)]

