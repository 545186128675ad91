"""The CBS plausibility check on wi_indicatoren fires on an incomplete upload and names the gemeente."""

from __future__ import annotations

import datetime as dt
import re

import dagster as dg
import duckdb
import pytest

from divobench_pipeline.core.participants import write_registry
from divobench_pipeline.definitions import load_defs
from divobench_pipeline.defs.cbs.resources import MODE_ENV
from divobench_pipeline.demo.generator import UploadSpec, generate_uploads
from divobench_pipeline.orchestration.instance import dagster_instance
from divobench_pipeline.orchestration.refresh import QUIET, refresh

JUNE_2025 = dt.date(2025, 6, 1)


@pytest.fixture
def aa_en_hunze(home, monkeypatch, tmp_path):
    monkeypatch.setenv(MODE_ENV, "offline")
    write_registry(home.participants_file, [{"id": "GM1680", "name": "Aa en Hunze", "gemeenten": ["GM1680"]}])
    (upload,) = generate_uploads(tmp_path / "generated", [UploadSpec("GM1680", ("GM1680",))], [JUNE_2025])
    return home, upload.path


def plausibility(home) -> dg.AssetCheckEvaluation:
    with dagster_instance(home) as instance:
        result = load_defs(home).resolve_job_def("indicator_job").execute_in_process(
            instance=instance, partition_key=JUNE_2025.isoformat(), run_config=QUIET)
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "cbs_plausibiliteit"]
    return evaluation


def values(home, code: str) -> tuple:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute("SELECT numerator, denominator, value FROM indicator_value WHERE indicator = ? "
                           "AND level = 'gemeente' AND unit = 'GM1680' AND month = ?", [code, JUNE_2025]).fetchone()


def test_a_complete_upload_passes_and_an_incomplete_one_is_flagged(aa_en_hunze):
    home, path = aa_en_hunze
    (home.inbox_of("GM1680") / path.name).parent.mkdir(parents=True)
    (home.inbox_of("GM1680") / path.name).write_bytes(path.read_bytes())
    outcome = refresh(home)
    assert outcome.success
    assert ("cbs_job", "2025 … 2025") in [(run.job, run.partitions) for run in outcome.runs]
    complete = plausibility(home)
    assert complete.passed and complete.metadata["gemeente_maanden_gecontroleerd"].value == 1
    bestand = values(home, "wi.bestand.pw")[0]
    personen = values(home, "wi.personen.pw")[0]
    # bijstandsdichtheid: personen × 1000 over CBS inwoners of GM1680 on 1 January 2025 (03759ned extract)
    expected = (1000 * personen, 25_861, pytest.approx(1000 * personen / 25_861))
    assert values(home, "wi.bijstandsdichtheid.pw") == expected

    xml = path.read_text(encoding="utf-8")
    uitkeringen = re.findall(r"\s*<Uitkering>.*?</Uitkering>", xml, flags=re.DOTALL)
    half = xml
    for block in uitkeringen[::2]:
        half = half.replace(block, "", 1)
    (home.inbox_of("GM1680") / "correctie_onvolledig.xml").write_text(half, encoding="utf-8")
    assert refresh(home).success
    assert values(home, "wi.bestand.pw")[0] < 0.6 * bestand
    incomplete = plausibility(home)
    assert not incomplete.passed and incomplete.severity == dg.AssetCheckSeverity.WARN
    assert incomplete.metadata["afwijkend"].value == 1
    table = incomplete.metadata["afwijkingen"].value
    assert "GM1680" in table and "2025-06" in table
