"""BUIG budgets: the ministry-shaped file as a source, latest soort per gemeente-year, unknown gemeenten refused."""

from __future__ import annotations

import dagster as dg
import openpyxl
import pytest
from processes import divobench
from questionnaire_fixtures import registered

from divobench_pipeline.core.warehouse import open_warehouse
from divobench_pipeline.definitions import load_defs
from divobench_pipeline.defs.questionnaires.budgets import budgets_in_force, parse_budget, shipped_gemeenten
from divobench_pipeline.defs.questionnaires.xlsx import WorkbookRejected

HEADER = "jaar,gemeentecode,gemeentenaam,soort,budget\n"


def _csv(path, *rows):
    path.write_text(HEADER + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return path


def test_latest_soort_wins_within_a_file(tmp_path):
    path = _csv(tmp_path / "b.csv", "2025,GM0153,Enschede,definitief,100", "2025,GM0153,Enschede,voorlopig,90",
                "2025,GM0637,Zoetermeer,voorlopig,50", "2025,GM0637,Zoetermeer,nader_voorlopig,55")
    frame = parse_budget(path, 10**6, shipped_gemeenten)
    assert frame[["gemeentecode", "soort", "budget"]].values.tolist() == [
        ["GM0153", "definitief", 100.0], ["GM0637", "nader_voorlopig", 55.0]]


def test_an_unknown_gemeente_rejects_the_file_naming_the_row(tmp_path):
    path = _csv(tmp_path / "b.csv", "2025,GM0153,Enschede,definitief,100", "2025,GM9999,Nergens,definitief,5",
                "2025,GM0637,Zoetermeer,eindelijk,5")
    with pytest.raises(WorkbookRejected) as caught:
        parse_budget(path, 10**6, shipped_gemeenten)
    assert caught.value.reasons == ["Rij 3: gemeentecode GM9999 bestaat niet in de CBS-indeling van 2025.",
                                    "Rij 4: soort 'eindelijk' is niet voorlopig, nader_voorlopig, definitief."]


def test_the_indeling_of_the_year_decides(tmp_path):
    """GM0756 (Boxmeer) existed in 2021 but was merged into Land van Cuijk on 1 January 2022."""
    assert "GM0756" in shipped_gemeenten(2021) and "GM0756" not in shipped_gemeenten(2025)
    path = _csv(tmp_path / "b.csv", "2025,GM0756,Boxmeer,definitief,100")
    with pytest.raises(WorkbookRejected, match="GM0756 bestaat niet in de CBS-indeling van 2025"):
        parse_budget(path, 10**6, shipped_gemeenten)


def test_xlsx_budget_file(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["jaar", "gemeentecode", "gemeentenaam", "soort", "budget"])
    book.active.append([2026, "GM0153", "Enschede", "voorlopig", 61234567.5])
    book.save(tmp_path / "b.xlsx")
    frame = parse_budget(tmp_path / "b.xlsx", 10**6, shipped_gemeenten)
    assert frame[["jaar", "gemeentecode", "budget"]].values.tolist() == [[2026, "GM0153", 61234567.5]]


@pytest.mark.slow
def test_budget_upload_through_the_command_line_and_the_asset(home, tmp_path):
    registered(home)
    voorlopig = _csv(tmp_path / "voorlopig.csv", "2025,GM0153,Enschede,voorlopig,90",
                     "2025,GM0637,Zoetermeer,voorlopig,50")
    definitief = _csv(tmp_path / "definitief.csv", "2025,GM0153,Enschede,definitief,100")
    later_voorlopig = _csv(tmp_path / "later.csv", "2025,GM0153,Enschede,nader_voorlopig,95")
    for path in (voorlopig, definitief, later_voorlopig):
        assert divobench(home.root, "upload", "--source", "budget", str(path)).returncode == 0
    bad = _csv(tmp_path / "fout.csv", "2025,GM0153,Enschede,definitief,1", "2025,GM0000,Nergens,definitief,5")
    result = divobench(home.root, "upload", "--source", "budget", str(bad), check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Rij 3: gemeentecode GM0000 bestaat niet in de CBS-indeling van 2025" in result.stdout
    in_force = budgets_in_force(home).set_index("gemeentecode")
    assert in_force.loc["GM0153", "budget"] == 100.0 and in_force.loc["GM0637", "soort"] == "voorlopig"

    (home.inbox_of("_budget")).mkdir(parents=True, exist_ok=True)
    _csv(home.inbox_of("_budget") / "nieuw.csv", "2026,GM0153,Enschede,voorlopig,120")
    result = load_defs(home).resolve_job_def("budget_job").execute_in_process(instance=dg.DagsterInstance.ephemeral())
    assert result.success and not any(home.inbox_of("_budget").iterdir())
    with open_warehouse(str(home.warehouse), read_only=True) as con:
        rows = con.execute("SELECT jaar, gemeentecode, soort, budget FROM buig_budget ORDER BY ALL").fetchall()
    assert rows == [(2025, "GM0153", "definitief", 100.0), (2025, "GM0637", "voorlopig", 50.0),
                    (2026, "GM0153", "voorlopig", 120.0)]
