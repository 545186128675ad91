"""Questionnaire indicators recomputed by hand on a small dataset, through the real asset and warehouse, and
their group values (pooled over participants with the module)."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pandas as pd
import pytest
from questionnaire_fixtures import QUARTER, YEAR, registered

from divobench_pipeline.core.schemas import GEMEENTE_KENMERK, INDICATOR_VALUE
from divobench_pipeline.core.warehouse import insert_rows, open_warehouse
from divobench_pipeline.definitions import load_defs
from divobench_pipeline.defs.questionnaires.registry import INDICATORS
from divobench_pipeline.defs.questionnaires.tables import BUIG_BUDGET, QUESTIONNAIRE_ANSWER
from divobench_pipeline.orchestration.partitions import partition_range_tags

SHA = "a" * 64
# wi.bestand.buig at level participant per month of 2025; SV-TWEE lacks May, so its Q2 has no gemiddeld bestand.
BESTAND = {"GM0153": {m: 3000 + 30 * m for m in range(1, 13)},
           "SV-TWEE": {m: 1000 + 10 * m for m in range(1, 13) if m != 5},
           "GM0637": {m: 2500 for m in range(1, 13)}}
ANSWERS = {("GM0153", q): {**QUARTER, "lasten_buig": 9_000_000 + q * 100_000, "baten_buig": 150_000 + q * 10_000}
           for q in (1, 2, 3, 4)}
ANSWERS[("GM0153", 3)]["aanvragen_afgehandeld"] = 0          # a zero denominator: no doorlooptijd values
ANSWERS[("GM0153", 2)]["maatregelen"] = None                  # optional, unanswered: no maatregelen value
ANSWERS.update({("SV-TWEE", q): {**QUARTER, "fte_eigen_personeel": 20, "fte_inhuur": 5, "fte_klantmanager_inkomen": 8,
                                 "verzuimpercentage": 4.0} for q in (1, 2, 3)})  # no Q4: no budgetresultaat
ANSWERS[("GM0637", 1)] = dict(QUARTER)                        # GM0637 lacks the module: never a value
YEARS = {"GM0153": YEAR, "SV-TWEE": {**YEAR, "shv_aanmeldingen": 300, "shv_eerste_gesprekken": 250,
                                     "shv_eerste_gesprek_binnen_4_weken": 150, "shv_crisis_aanmeldingen": None,
                                     "shv_crisis_binnen_3_werkdagen": None}}
BUDGET = {"GM0153": 40_000_000.0, "GM0534": 7_000_000.0, "GM0553": 8_000_000.0}
INWONERS = {"GM0153": 160_000, "GM0534": 22_000, "GM0553": 23_000, "GM0637": 128_000}


def _load(home):
    con = open_warehouse(str(home.warehouse))
    rows = [{"indicator": "wi.bestand.buig", "level": "participant", "unit": pid, "month": pd.Timestamp(2025, m, 1),
             "numerator": float(v), "denominator": None, "value": float(v)}
            for pid, months in BESTAND.items() for m, v in months.items()]
    insert_rows(con, INDICATOR_VALUE, pd.DataFrame(rows, columns=INDICATOR_VALUE.column_names))
    answers = [{"period": f"2025-Q{q}", "participant_id": pid, "questionnaire": "bedrijfsvoering_wi", "code": c,
                "value": v, "upload_sha256": SHA} for (pid, q), a in ANSWERS.items() for c, v in a.items()]
    answers += [{"period": "2025", "participant_id": pid, "questionnaire": "armoede_schulden", "code": c, "value": v,
                 "upload_sha256": SHA} for pid, a in YEARS.items() for c, v in a.items()]
    insert_rows(con, QUESTIONNAIRE_ANSWER, pd.DataFrame(answers))
    in_force = {(a["period"], a["participant_id"], a["questionnaire"]) for a in answers}
    con.executemany("INSERT INTO questionnaire_in_force VALUES (?, ?, ?, ?, now()::TIMESTAMP, 'x.xlsx', 0)",
                    [[p, pid, q, SHA] for p, pid, q in sorted(in_force)])
    insert_rows(con, BUIG_BUDGET, pd.DataFrame([{"jaar": 2025, "gemeentecode": g, "gemeente_naam": g,
                                                 "soort": "definitief", "budget": b, "upload_sha256": SHA}
                                                for g, b in BUDGET.items()]))
    insert_rows(con, GEMEENTE_KENMERK, pd.DataFrame([
        {"jaar": 2025, "gemeentecode": g, "kenmerk": "inwoners", "waarde": float(n), "bron": "test"}
        for g, n in INWONERS.items()]))
    con.close()


def expected() -> dict[tuple[str, str, str], tuple[float, float | None]]:
    """(indicator, participant, month) → (numerator, denominator), worked out by hand from the contract."""
    out = {}
    for (pid, q), a in ANSWERS.items():
        if pid == "GM0637":
            continue
        month = f"2025-{3 * q:02d}"
        months = [3 * q - 2, 3 * q - 1, 3 * q]
        bestand = sum(BESTAND[pid][m] for m in months) / 3 if all(m in BESTAND[pid] for m in months) else None
        fte = a["fte_eigen_personeel"] + a["fte_inhuur"]
        out[("wi.aandeel_inhuur", pid, month)] = (a["fte_inhuur"], fte)
        out[("wi.ziekteverzuim", pid, month)] = (a["verzuimpercentage"] * a["fte_eigen_personeel"],
                                                 a["fte_eigen_personeel"])
        if a["aanvragen_afgehandeld"]:
            out[("wi.doorlooptijd_binnen_4_weken", pid, month)] = (a["aanvragen_binnen_4_weken"],
                                                                    a["aanvragen_afgehandeld"])
            out[("wi.doorlooptijd_binnen_8_weken", pid, month)] = (a["aanvragen_binnen_8_weken"],
                                                                    a["aanvragen_afgehandeld"])
        if bestand is not None:
            out[("wi.klanten_per_fte_km_inkomen", pid, month)] = (bestand, a["fte_klantmanager_inkomen"])
            out[("wi.klanten_per_fte", pid, month)] = (bestand, fte)
            out[("wi.kosten_per_klant", pid, month)] = (a["uitvoeringskosten"], bestand)
            out[("wi.reintegratie_per_klant", pid, month)] = (a["uitgaven_reintegratie"], bestand)
            if a["maatregelen"] is not None:
                out[("wi.maatregelen_per_100_klanten", pid, month)] = (100 * a["maatregelen"], bestand)
    resultaat = 40_000_000 - sum(9_000_000 + q * 100_000 for q in (1, 2, 3, 4)) + sum(
        150_000 + q * 10_000 for q in (1, 2, 3, 4))
    out[("wi.budgetresultaat", "GM0153", "2025-12")] = (resultaat, None)
    out[("wi.budgetresultaat_pct", "GM0153", "2025-12")] = (resultaat, 40_000_000)
    for pid, a in YEARS.items():
        inwoners = 160_000 if pid == "GM0153" else 22_000 + 23_000
        pairs = {"as.shv_tijdig_eerste_gesprek": ("shv_eerste_gesprek_binnen_4_weken", "shv_eerste_gesprekken"),
                 "as.shv_crisis_tijdig": ("shv_crisis_binnen_3_werkdagen", "shv_crisis_aanmeldingen"),
                 "as.shv_schuldregeling_tijdig": ("shv_schuldregelingen_binnen_120_dagen",
                                                  "shv_schuldregelingen_gestart"),
                 "as.shv_schuldenvrije_uitstroom": ("shv_uitstroom_schuldenvrij", "shv_uitstroom")}
        for code, (num, den) in pairs.items():
            if a[num] is not None and a[den]:
                out[(code, pid, "2025-12")] = (a[num], a[den])
        out[("as.shv_aanmeldingen_per_10000", pid, "2025-12")] = (10000 * a["shv_aanmeldingen"], inwoners)
        out[("as.shv_uitgaven_per_inwoner", pid, "2025-12")] = (a["shv_uitgaven"], inwoners)
        out[("as.minima_uitgaven_per_inwoner", pid, "2025-12")] = (a["minima_uitgaven"], inwoners)
    return out


@pytest.fixture
def computed(home):
    registered(home, [
        {"id": "GM0153", "name": "Enschede", "gemeenten": ["GM0153"],
         "modules": ["wi_basis", "wi_verdiepend", "armoede_schulden"]},
        {"id": "SV-TWEE", "name": "Twee samen", "gemeenten": ["GM0534", "GM0553"], "reporting": 2,
         "modules": ["wi_basis", "wi_verdiepend", "armoede_schulden"]},
        {"id": "GM0637", "name": "Zoetermeer", "gemeenten": ["GM0637"], "modules": ["wi_basis"]}])
    _load(home)
    result = load_defs(home).resolve_job_def("questionnaire_indicator_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags=partition_range_tags("2025-Q1", "2025"))
    assert result.success
    con = open_warehouse(str(home.warehouse), read_only=True)
    yield con
    con.close()


def test_every_indicator_recomputed_by_hand(computed):
    codes = [i.code for i in INDICATORS]
    rows = computed.execute("SELECT indicator, unit, strftime(month, '%Y-%m'), numerator, denominator, value, level "
                            "FROM indicator_value WHERE indicator IN (SELECT unnest(?::VARCHAR[]))", [codes]).fetchall()
    got = {(i, u, m): (n, d, v) for i, u, m, n, d, v, level in rows}
    assert {r[-1] for r in rows} == {"participant"}
    want = expected()
    assert set(got) == set(want)
    for key, (numerator, denominator) in want.items():
        n, d, v = got[key]
        assert n == pytest.approx(numerator) and (d is None) == (denominator is None), key
        assert v == pytest.approx(numerator / denominator if denominator is not None else numerator), key
    assert {c for c, *_ in want} == set(codes), "every indicator is covered by the hand-checked dataset"
    # the cases that must have no value
    assert ("wi.doorlooptijd_binnen_4_weken", "GM0153", "2025-09") not in got          # denominator 0
    assert ("wi.klanten_per_fte", "SV-TWEE", "2025-06") not in got                    # bestand lacks May
    assert ("wi.maatregelen_per_100_klanten", "GM0153", "2025-06") not in got         # optional left empty
    assert not any(k[1] == "SV-TWEE" and k[0].startswith("wi.budget") for k in got)   # no Q4 answered
    assert ("as.shv_crisis_tijdig", "SV-TWEE", "2025-12") not in got                  # optional left empty
    assert not any(k[1] == "GM0637" for k in got)                                     # no module


def test_group_values_pool_the_participants_with_the_module(computed):
    want = expected()
    for code, month in (("as.shv_tijdig_eerste_gesprek", "2025-12"), ("wi.aandeel_inhuur", "2025-03")):
        parts = [want[(code, pid, month)] for pid in ("GM0153", "SV-TWEE")]
        value, n = computed.execute(
            "SELECT group_value, group_n FROM group_value WHERE indicator = ? AND group_type = 'landelijk' "
            "AND month = ?", [code, dt.date.fromisoformat(f"{month}-01")]).fetchone()
        assert n == 2 and value == pytest.approx(sum(p[0] for p in parts) / sum(p[1] for p in parts))
    sv = computed.execute("SELECT group_value FROM group_value WHERE indicator = 'wi.aandeel_inhuur' "
                          "AND group_type = 'samenwerkingsverband' AND month = '2025-03-01'").fetchone()
    assert sv[0] == pytest.approx(5 / 25)
    state = computed.execute("SELECT period FROM questionnaire_indicator_state ORDER BY ALL").fetchall()
    assert [p for (p,) in state] == ["2025", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
