"""The statushouders sources through the real command line: bad files rejected with exit 2 and one sentence per
problem (nothing loaded, the file archived and quarantined), good files loaded by refresh and exported."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import duckdb
import pytest
from statushouders_fixtures import CBS_H1, CBS_H2, COA, KIS, A, B, C, seed_world, write_files

from divobench_pipeline.core.archive import sha256_of
from divobench_pipeline.core.home import DivobenchHome

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(tmp_path):
    home = DivobenchHome(tmp_path / "home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIVOBENCH_", "DAGSTER_"))}
    env.update(DIVOBENCH_HOME=str(home.root), DIVOBENCH_CBS_MODE="offline")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "divobench_pipeline", *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=600)

    os.environ["DIVOBENCH_HOME"] = str(home.root)
    try:
        home.prepare()
    finally:
        os.environ.pop("DIVOBENCH_HOME")
    seed_world(home)
    run.home = home
    return run


def accepted_receipts(home: DivobenchHome) -> list[dict]:
    return [json.loads(p.read_text()) for p in (home.root / "bronnen").glob("*/*.json")
            if json.loads(p.read_text())["status"] == "accepted"] if (home.root / "bronnen").is_dir() else []


@pytest.mark.parametrize(("source", "text", "fragments"), [
    ("cbs_statushouders", CBS_H1.replace("Peildatum", "Datum"), ["Rij 1 (kopregel)", "Levering;Gemeentecode"]),
    ("coa", COA.replace("GM0047,", "GM9047,", 1), ["Rij 5, kolom 'gemeentecode': 'GM9047'"]),
    ("cbs_statushouders", CBS_H1.replace(";20;50", ";2O;50"), ["Rij 8, kolom 'Teller': '2O' is geen aantal"]),
    ("kis", KIS + KIS.splitlines()[3] + "\n", ["Rijen 4, 10: de sleutel (jaar, gemeentecode, vraag)"]),
])
def test_a_bad_file_exits_2_with_row_and_column_and_loads_nothing(cli, tmp_path, source, text, fragments):
    bad = tmp_path / f"{source}_fout.csv"
    bad.write_text(text, encoding="utf-8")
    result = cli("upload", "--source", source, str(bad))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"divobench: {bad} is afgewezen, er is niets geladen" in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert accepted_receipts(cli.home) == []
    sha = sha256_of(bad)
    assert (cli.home.archive / sha[:2] / f"{sha}.bus.enc").exists()  # kept as received, encrypted
    reports = list((cli.home.quarantine / f"_{source}").glob("*/rapport.html"))
    assert len(reports) == 1 and fragments[0].split("'")[0] in reports[0].read_text(encoding="utf-8")
    refreshed = cli("refresh")
    assert refreshed.returncode == 0, refreshed.stderr
    with duckdb.connect(str(cli.home.warehouse), read_only=True) as con:
        loaded = sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("sh_cbs_cohort", "coa_taakstelling", "kis_antwoord"))
        assert loaded == 0


def test_upload_refresh_and_every_export_show_statushouders(cli, tmp_path):
    files = write_files(tmp_path / "files")
    for source, name in (("cbs_statushouders", "cbs_2019-H1.csv"), ("cbs_statushouders", "cbs_2019-H2.csv"),
                         ("coa", "coa_2019.csv"), ("kis", "kis_2019.csv")):
        uploaded = cli("upload", "--source", source, str(files[name]))
        assert uploaded.returncode == 0, uploaded.stderr
        assert "accepted" in uploaded.stdout
    again = cli("upload", "--source", "kis", str(files["kis_2019.csv"]))
    assert again.returncode == 0 and "already received" in again.stdout
    refreshed = cli("refresh")
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    assert "statushouders_job" in refreshed.stdout

    exported = cli("export", "indicators", "--participant", "SV-TEST", "--month", "2019-01")
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    werk = {(r["level"], r["unit"]): r for r in rows if r["indicator"] == "sh.werk"}
    assert werk[("gemeente", C)]["numerator"] == "" and werk[("gemeente", C)]["value"] == ""  # suppressed: unknown
    assert ("participant", "SV-TEST") not in werk  # C unknown: no pooled value
    assert werk[("gemeente", B)]["value"] == "0.4"
    cohort = {(r["level"], r["unit"]): r["value"] for r in rows if r["indicator"] == "sh.cohort"}
    assert cohort[("participant", "SV-TEST")] == "110"

    comparison = cli("export", "comparison", "--participant", A, "--month", "2019-01")
    compared = [r for r in csv.DictReader(io.StringIO(comparison.stdout)) if r["indicator"] == "sh.cohort"]
    landelijk = next(r for r in compared if r["group_type"] == "landelijk")
    assert (landelijk["value"], landelijk["group_value"], landelijk["group_n"]) == ("52", "203", "4")

    public = cli("export", "public", "--month", "2019-06")
    published = {(r["indicator"], r["group_type"], r["group_code"]): r
                 for r in csv.DictReader(io.StringIO(public.stdout))}
    assert published[("sh.taakstelling", "landelijk", "NL")]["group_value"] == "100"
    assert published[("sh.taakstelling", "landelijk", "NL")]["status"] == "ok"
    assert published[("sh.taakstelling", "provincie", "PV20")]["status"] == "suppressed"  # three gemeenten
    assert all(k[1] not in ("gemeente", "participant") for k in published)  # nobody gave publish_consent
    with duckdb.connect(str(cli.home.warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM kis_antwoord WHERE gemeentecode NOT IN (?, 'GM0047')",
                           [A]).fetchone()[0] == 0
    again = cli("refresh")
    assert "Everything is up to date." in again.stdout, again.stdout


def test_upload_source_needs_one_of_participant_or_source(cli, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(CBS_H2)
    both = cli("upload", "--participant", A, "--source", "kis", str(path))
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
    missing = cli("upload", "--source", "coa", str(tmp_path / "absent.csv"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
