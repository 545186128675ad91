"""The command line as a user runs it: a subprocess with its own data directory."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bus_builders import levering, write_bus

from divobench_pipeline.core.participants import write_registry

EXAMPLE = Path(__file__).parent / "fixtures" / "bus" / "bus_voorbeeld.xml"
HEADER = "indicator,level,unit,month,numerator,denominator,value"


@pytest.fixture
def cli(tmp_path):
    root = tmp_path / "home"
    root.mkdir()
    write_registry(root / "participants.yaml", [{"id": "GM0363", "name": "Amsterdam", "gemeenten": ["GM0363"]}])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIVOBENCH_", "DAGSTER_"))}
    env["DIVOBENCH_HOME"] = str(root)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "divobench_pipeline", *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)

    run.home = root
    return run


def assert_clear_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_upload_refresh_and_export(cli, tmp_path):
    uploaded = cli("upload", "--participant", "GM0363", str(EXAMPLE))
    assert uploaded.returncode == 0, uploaded.stderr
    assert f"{EXAMPLE}: accepted for 2026-09; report: {cli.home}/reports/uploads/GM0363/2026-09/" in uploaded.stdout
    assert "created a new key" in uploaded.stderr

    broken = write_bus(tmp_path / "leeg.xml", levering(Gemeentecode="0999"))
    rejected = cli("upload", "--participant", "GM0363", str(broken))
    assert rejected.returncode == 1
    assert f"{broken}: rejected; report: {cli.home}/quarantine/GM0363/" in rejected.stdout
    assert "0999" in rejected.stdout

    refreshed = cli("refresh")
    assert refreshed.returncode == 0, refreshed.stderr
    assert "bus_staging_job 2026-09-01|GM0363 … 2026-09-01|GM0363: succeeded in" in refreshed.stdout

    exported = cli("export", "indicators", "--participant", "GM0363", "--month", "2026-09", "--level", "gemeente")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert exported.stdout.splitlines()[0] == HEADER
    by_code = {row["indicator"]: row for row in rows}
    assert {row["unit"] for row in rows} == {"GM0363"} and {row["month"] for row in rows} == {"2026-09"}
    assert by_code["wi.bestand.pw"] == {"indicator": "wi.bestand.pw", "level": "gemeente", "unit": "GM0363",
                                        "month": "2026-09", "numerator": "1", "denominator": "", "value": "1"}
    assert by_code["wi.aandeel_ontheffing.pw"]["value"] == "0"

    everything = cli("export", "indicators")
    assert {row["level"] for row in csv.DictReader(io.StringIO(everything.stdout))} == {"gemeente", "participant"}


def test_bad_input_gets_one_clear_sentence(cli, tmp_path):
    assert_clear_error(cli("upload", "--participant", "GM9999", str(EXAMPLE)),
                       "divobench: participant 'GM9999' is not in")
    assert_clear_error(cli("upload", "--participant", "GM0363", str(tmp_path / "bestaat-niet.xml")),
                       "bestaat-niet.xml does not exist")
    assert_clear_error(cli("export", "indicators", "--month", "2026-13"), "not a month like 2026-09")
    assert_clear_error(cli("export", "indicators"), "there is no warehouse")
    assert_clear_error(cli("demo", "--months", "1"), "is not the demo's registry")
    (cli.home / "participants.yaml").write_text("participants:\n  - id: GM0363\n    name: A\n    gemeenten: GM0363\n")
    assert_clear_error(cli("refresh"), "entry 1 (GM0363), field 'gemeenten'")


@pytest.mark.slow
def test_demo_runs_the_main_job_end_to_end(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIVOBENCH_", "DAGSTER_"))}
    result = subprocess.run([sys.executable, "-m", "divobench_pipeline", "demo", "--months", "3"], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    home = tmp_path / "divobench_home"
    assert f"Indicators (CSV): {home / 'reports' / 'indicatoren.csv'}" in result.stdout
    rows = list(csv.DictReader((home / "reports" / "indicatoren.csv").open()))
    assert {row["unit"] for row in rows if row["level"] == "participant"} == {
        "GM0153", "GM0637", "GM1680", "SV-ISD-BOLLENSTREEK"}
    assert {row["unit"] for row in rows if row["level"] == "gemeente"} >= {"GM0534", "GM0553", "GM0575", "GM1525"}
    assert len({row["month"] for row in rows if row["indicator"].startswith("wi.")}) == 3
    cbs = {(r["indicator"], r["unit"], r["month"]): r["value"] for r in rows if r["indicator"].startswith("cbs.")}
    assert {month for _, _, month in cbs} == {"2015-12", "2016-12", "2017-12"}  # offline, from the shipped extracts
    assert cbs["cbs.bijstandsontvangers", "GM0153", "2016-12"] == "8790"  # CBS 83747NED, Enschede, 15 jaar of ouder
    assert "  GM0153: 8560 bijstandsontvangers (63.8 per 1.000 inwoners van 15+)" in result.stdout  # 84066NED, 2017
    assert len(list(home.glob("quarantine/GM1680/*/rapport.html"))) == 1
    statushouders = {(row["indicator"], row["unit"], row["month"]) for row in rows
                     if row["indicator"].startswith("sh.")}
    assert {("sh.cohort", "GM1680", "2025-07"), ("sh.taakstelling", "GM0637", "2025-12"),
            ("sh.kis.brede_intake", "GM1680", "2025-12")} <= statushouders
    assert not any(i.startswith("sh.kis.") and u == "GM0637" for i, u, _ in statushouders)  # no KIS consent
    coa = (home / "reports" / "bronnen" / "coa" / "laadrapport.md").read_text(encoding="utf-8")
    assert "| GM0637 | Zoetermeer | 2025-II | 89 | 85 |" in coa  # the planted taakstelling deviation
    assert "sh.taakstelling,2025-12,landelijk,NL," in (home / "reports" / "publiek_2025-12.csv").read_text()
    assert len(list(home.glob("reports/uploads/*/*/*.html"))) == 4 * 3
    assert not [p for p in (home / "inbox").rglob("*") if p.is_file()]
    # every participant and month has its report set (and ISD Bollenstreek, reporting option 2, one per gemeente)
    assert len(list(home.glob("reports/deelnemers/*/*/benchmarkrapport.pdf"))) == 4 * 3
    assert len(list(home.glob("reports/deelnemers/SV-ISD-BOLLENSTREEK/*/GM*/infographic.png"))) == 4 * 3
    lines = result.stdout.rstrip().splitlines()
    paths = lines[next(k for k, line in enumerate(lines) if line.startswith("Benchmark reports")) + 1:]
    assert len(paths) == 5 * (3 + 1 + 4) and all(Path(line.strip()).is_file() for line in paths)
