"""The W&I basis indicators against a real DuckDB warehouse holding the hand-checked dataset of indicator_fixtures.

Every indicator is checked twice: against numbers worked out by hand (below, with how they were counted) and
against a small pure-Python reference implementation that follows docs/indicators.md, not the SQL.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections import defaultdict
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from indicator_fixtures import INWONERS, JUNE, MAY, PARTICIPANTS, YEAR_BEFORE, create_warehouse, staged_rows

from divobench_pipeline.core.catalogue import all_indicators
from divobench_pipeline.core.schemas import INDICATOR_VALUE
from divobench_pipeline.defs.wi_indicators.compute import compute_indicators, flow_reconciliation
from divobench_pipeline.defs.wi_indicators.registry import INDICATORS, UNITS_OF_MEASURE, Indicator, indicator

DOCS = Path(__file__).resolve().parents[1] / "docs" / "indicators.md"

# Hand-derived (numerator, denominator) for June 2024 (peildatum 2024-06-30); None = no denominator.
# A = GM0001, B = GM0002, C = GM0003, G4 = GM0004; SV-TEST pools A, B and G4.
# PW lopend: A1 A2 A6 A7 A8 A11 A12 A13 A14 (A3 A4 A5 A9 A10 ended by D, A5 exactly on D; A15 aanvang unknown;
# A7 lopend because only one partner has an einde), B1 B3, C1 C2 (C4 statistiekcode unknown, C5 starts 07-01), D1.
HAND: dict[str, dict[str, tuple[float, float | None]]] = {
    "wi.bestand.pw": {"GM0001": (9, None), "GM0002": (2, None), "GM0003": (2, None), "GM0004": (1, None),
                      "SV-TEST": (12, None)},
    # PW lopend plus IOAW A16 and Bbz A17 (IOAZ A18 ended in June, periodieke bijzondere bijstand A19 is no BUIG)
    "wi.bestand.buig": {"GM0001": (11, None), "GM0002": (2, None), "GM0003": (2, None), "GM0004": (1, None),
                        "SV-TEST": (14, None)},
    # A: p1 p2 p6 p7a p8a p8b p11 (on A11 and A12, once) p12 and two NULL-BSN persons (A13, A14); not p7b (ended
    # 06-10), p7c (own aanvang onbekend), p12c (ended on D). B: pb1 and p1 (also in A: once per gemeente).
    # C: pc1 pc2 (partner pc2b starts 07-01).
    "wi.personen.pw": {"GM0001": (10, None), "GM0002": (2, None), "GM0003": (2, None), "GM0004": (1, None),
                       "SV-TEST": (13, None)},
    # A2 (06-10), A4 (06-03, also ended in June); A8's partner started in June but aanvang(A8) is 2022; C1 on 06-01
    "wi.instroom.pw": {"GM0001": (2, None), "GM0002": (0, None), "GM0003": (1, None), "GM0004": (0, None),
                       "SV-TEST": (2, None)},
    # A3 A4 A5 (einde on D) A9 (latest partner einde 06-12) A10; B2
    "wi.uitstroom.pw": {"GM0001": (5, None), "GM0002": (1, None), "GM0003": (0, None), "GM0004": (0, None),
                        "SV-TEST": (6, None)},
    # A3 reden 11, A5 reden 13, A9 reden 13 from persoon 2 (persoon 1 empty); A10's persoon 1 says 31; B2 reden 98
    "wi.uitstroom_werk.pw": {"GM0001": (3, None), "GM0002": (0, None), "GM0003": (0, None), "GM0004": (0, None),
                             "SV-TEST": (3, None)},
    # C and G4 have no uitstroom: denominator 0, no value; SV-TEST 3/6 = 0.5, not the mean of 0.6 and 0
    "wi.aandeel_uitstroom_werk.pw": {"GM0001": (3, 5), "GM0002": (0, 1), "GM0003": (0, 0), "GM0004": (0, 0),
                                     "SV-TEST": (3, 6)},
    # June 2023: A Y1-Y6 lopend (Y7 ended 06-10), B Z1-Z4 (Z5 is IOAW); C and G4 have no June 2023 upload
    "wi.volumeontwikkeling_12m.pw": {"GM0001": (9 - 6, 6), "GM0002": (2 - 4, 4), "SV-TEST": (11 - 10, 10)},
    # months since aanvang: A1 51, A2 0, A6 7, A7 37, A8 28 (earliest partner), A11 12, A12 5, A13 4, A14 6 = 150;
    # B1 5 + B3 12 = 17; C1 0 + C2 168 = 168; D1 2
    "wi.gemiddelde_duur_maanden.pw": {"GM0001": (150, 9), "GM0002": (17, 2), "GM0003": (168, 2), "GM0004": (2, 1),
                                      "SV-TEST": (169, 12)},
    # A1 (p1 soort 11, 300) and A8 (partner p8b soort 11, 150); not A7 (soort 11 with 0, soort 23) nor ended A3; B1
    "wi.aandeel_inkomsten_werk.pw": {"GM0001": (2, 9), "GM0002": (1, 2), "GM0003": (0, 2), "GM0004": (0, 1),
                                     "SV-TEST": (3, 12)},
    # A: 4/5/6 p2 p7a p8b p11 A13's person, 2 p1 p8a p12 A14's person; p6 onbekend left out. B: p1 4, pb1 2.
    # C: pc2 2, pc1 onbekend, pc2b not lopend. G4: pd1 6.
    "wi.aandeel_ontheffing.pw": {"GM0001": (5, 9), "GM0002": (1, 2), "GM0003": (0, 1), "GM0004": (1, 1),
                                 "SV-TEST": (7, 12)},
    # A: 1200+800+1500+1700+1000+600+1100+900 over 8 (A6 amount onbekend); B 1000+1400; C both onbekend; D1 500
    "wi.gem_betaalbaar_bedrag.pw": {"GM0001": (8800, 8), "GM0002": (2400, 2), "GM0003": (0, 0), "GM0004": (500, 1),
                                    "SV-TEST": (11700, 11)},
    # A20 (06-14), A21 (06-20, amount onbekend); A22 started in May; C3 on 06-30
    "wi.bijzondere_bijstand.eenmalig": {"GM0001": (2, None), "GM0002": (0, None), "GM0003": (1, None),
                                        "GM0004": (0, None), "SV-TEST": (2, None)},
    "wi.bijzondere_bijstand.eenmalig_bedrag": {"GM0001": (250, None), "GM0002": (0, None), "GM0003": (75, None),
                                               "GM0004": (0, None), "SV-TEST": (250, None)},
    # wi.personen.pw × 1000 over INWONERS of 2024; GM0003 has no inwoners: no value, and no row
    "wi.bijstandsdichtheid.pw": {"GM0001": (10_000, 20_000), "GM0002": (2_000, 5_000), "GM0004": (1_000, 800_000),
                                 "SV-TEST": (13_000, 825_000)},
}


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict]]:
    return staged_rows()


@pytest.fixture(scope="module")
def con(tmp_path_factory, rows):
    connection = duckdb.connect(str(tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"))
    create_warehouse(connection, rows)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def june(con) -> pd.DataFrame:
    return compute_indicators(con, [JUNE], PARTICIPANTS)


def _row(values: pd.DataFrame, code: str, level: str, unit: str) -> pd.Series:
    found = values[(values["indicator"] == code) & (values["level"] == level) & (values["unit"] == unit)]
    assert len(found) == 1, f"{code} {level} {unit}: {len(found)} rows"
    return found.iloc[0]


def _expected_value(numerator: float, denominator: float | None) -> float | None:
    if denominator is None:
        return numerator
    return numerator / denominator if denominator else None


def _same(actual: float, expected: float | None) -> bool:
    if expected is None:
        return pd.isna(actual)
    return not pd.isna(actual) and math.isclose(actual, expected, rel_tol=1e-12)


@pytest.mark.parametrize("code", list(HAND))
def test_hand_counted(june, code):
    for unit, (numerator, denominator) in HAND[code].items():
        level = "participant" if unit.startswith("SV-") else "gemeente"
        row = _row(june, code, level, unit)
        assert row["numerator"] == numerator, (code, unit)
        assert _same(row["denominator"], denominator), (code, unit)
        assert _same(row["value"], _expected_value(numerator, denominator)), (code, unit)
    units = set(zip(june.loc[june["indicator"] == code, "level"], june.loc[june["indicator"] == code, "unit"],
                    strict=True))
    expected_units = {("participant" if u.startswith("SV-") else "gemeente", u) for u in HAND[code]}
    expected_units |= {("participant", "GM0003")} if "GM0003" in HAND[code] else set()
    assert units == expected_units


def test_hand_counts_cover_every_indicator():
    assert set(HAND) == {i.code for i in INDICATORS}


def test_a_single_gemeente_participant_equals_its_gemeente(june):
    gemeente = june[(june["level"] == "gemeente") & (june["unit"] == "GM0003")].drop(columns="level")
    participant = june[(june["level"] == "participant") & (june["unit"] == "GM0003")].drop(columns="level")
    pd.testing.assert_frame_equal(gemeente.reset_index(drop=True), participant.reset_index(drop=True))


def test_pooled_is_not_an_average_of_ratios(june):
    code = "wi.aandeel_uitstroom_werk.pw"
    gemeente_values = [_row(june, code, "gemeente", g)["value"] for g in PARTICIPANTS["SV-TEST"]]
    assert _row(june, code, "participant", "SV-TEST")["value"] == 0.5
    assert pd.Series(gemeente_values).mean() == pytest.approx(0.3)


def test_output_matches_indicator_value_table(con, june):
    assert list(june.columns) == INDICATOR_VALUE.column_names
    INDICATOR_VALUE.pandera_schema().validate(june)
    assert str(june["month"].dtype) == "datetime64[ns]"
    assert "SV-LEEG" not in set(june["unit"])
    con.register("new_values", june)
    con.execute("INSERT INTO indicator_value SELECT * FROM new_values")
    con.unregister("new_values")
    assert con.execute("SELECT count(*) FROM indicator_value WHERE month = ?", [JUNE]).fetchone()[0] == len(june)
    con.execute("DELETE FROM indicator_value")


def test_several_months_at_once_equal_one_at_a_time(con):
    months = [YEAR_BEFORE, MAY, JUNE]
    together = compute_indicators(con, months, PARTICIPANTS)
    apart = pd.concat([compute_indicators(con, [m], PARTICIPANTS) for m in months])
    key = ["indicator", "level", "unit", "month"]
    pd.testing.assert_frame_equal(together.sort_values(key, ignore_index=True),
                                  apart.sort_values(key, ignore_index=True))
    assert compute_indicators(con, [dt.date(2020, 1, 1)], PARTICIPANTS).empty


@pytest.mark.parametrize("month", [YEAR_BEFORE, MAY, JUNE], ids=str)
def test_matches_reference_implementation(con, rows, month):
    computed = compute_indicators(con, [month], PARTICIPANTS)
    reference = reference_values(rows, month, PARTICIPANTS)
    got = {(r.indicator, r.level, r.unit): (r.numerator, r.denominator, r.value) for r in computed.itertuples()}
    assert set(got) == set(reference)
    assert set(computed["month"].dt.date) == {month}
    for key, (numerator, denominator) in reference.items():
        num, den, value = got[key]
        assert num == numerator, key
        assert _same(den, denominator), key
        assert _same(value, _expected_value(numerator, denominator)), key


def test_flow_reconciliation(tmp_path, rows):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        create_warehouse(con, rows)
        values = compute_indicators(con, [MAY, JUNE], PARTICIPANTS)
        con.register("computed", values)
        con.execute(f"INSERT INTO {INDICATOR_VALUE.name} SELECT * FROM computed")
        flows = flow_reconciliation(con, [MAY, JUNE])
    assert list(flows.columns) == ["month", "gemeentecode", "bestand_vorige_maand", "instroom", "uitstroom",
                                   "bestand", "verschil"]
    assert set(flows["month"]) == {"2024-06"}  # May has no April before it
    by_gemeente = {r.gemeentecode: r for r in flows.itertuples(index=False)}
    assert set(by_gemeente) == {"GM0001", "GM0002"}  # C and G4 have no May upload
    # A: May holds June's uitkeringen that had started: 12 lopend on 31 May; 12 + 2 − 5 = 9
    assert tuple(by_gemeente["GM0001"])[2:] == (12, 2, 5, 9, 0)
    # B: B9 was lopend in May but is missing from June without an einde: 2 − (4 + 0 − 1) = −1
    assert tuple(by_gemeente["GM0002"])[2:] == (4, 0, 1, 2, -1)


def test_docs_have_a_section_per_indicator():
    text = DOCS.read_text(encoding="utf-8")
    headings = re.findall(r"^### (.+)$", text, flags=re.MULTILINE)
    sections = {}
    for heading in headings:
        match = re.fullmatch(r"`([a-z0-9_.]+)`: (.+)", heading)
        assert match, f"docs/indicators.md: section heading {heading!r} is not '`code`: name'"
        sections[match.group(1)] = match.group(2)
    assert len(sections) == len(headings), "a code has two sections"
    codes = {i.code for i in INDICATORS}
    assert set(sections) - {i.code for i in all_indicators()} == set(), "sections without an indicator in a registry"
    assert codes - set(sections) == set(), "indicators without a section in docs/indicators.md"
    for i in INDICATORS:
        assert sections[i.code] == i.name, f"{i.code}: docs name {sections[i.code]!r} ≠ registry {i.name!r}"


def test_registry_entries_are_complete():
    for i in INDICATORS:
        assert i.module == "wi_basis" and i.unit_of_measure in UNITS_OF_MEASURE and i.description
        assert indicator(i.code) is i
        assert i.numerator_is_count or i.unit_of_measure not in ("uitkeringen", "personen")
        assert not i.denominator_is_count or i.has_denominator
    assert indicator("wi.volumeontwikkeling_12m.pw").change_12m_of == "wi.bestand.pw"
    with pytest.raises(KeyError, match="wi.nope"):
        indicator("wi.nope")
    with pytest.raises(ValueError):
        Indicator("x.y", "X", "personen", "x", base="nowhere", numerator="count(*)")


# --- reference implementation: docs/indicators.md in plain Python, from the staged rows -------------------------

PW, BUIG = {"01"}, {"01", "02", "03", "14"}


def _shift(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _uitkeringen(rows: dict[str, list[dict]], month: dt.date) -> dict[str, list[dict]]:
    """Gemeente → its uitkeringen in ``month``, each with its derived terms and its personen."""
    peildatum = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    personen, werk = defaultdict(list), set()
    for p in rows["bus_persoon"]:
        if p["month"] == month:
            personen[p["gemeentecode"], p["registratienummer"]].append(p)
    for i in rows["bus_inkomsten"]:
        if i["month"] == month and i["soort"] == "11" and i["bedrag"] > 0:
            werk.add((i["gemeentecode"], i["registratienummer"]))
    result = defaultdict(list)
    for u in rows["bus_uitkering"]:
        if u["month"] != month:
            continue
        key = (u["gemeentecode"], u["registratienummer"])
        ps = sorted(personen[key], key=lambda p: p["persoon_nr"])
        starts = [p["aanvangsdatum_uitkering"] for p in ps if p["aanvangsdatum_uitkering"] is not None]
        aanvang = min(starts) if starts else None
        ends = [p["einddatum_uitkering"] for p in ps]
        einde = max(ends) if ps and all(e is not None for e in ends) else None
        first = next((p for p in ps if p["persoon_nr"] == 1), None)
        reden = (first["reden_beeindiging_uitkering"] if first and first["reden_beeindiging_uitkering"]
                 else next((p["reden_beeindiging_uitkering"] for p in ps if p["reden_beeindiging_uitkering"]), None))
        in_month = lambda day: day is not None and month <= day <= peildatum  # noqa: E731
        result[u["gemeentecode"]].append({
            **u, "aanvang": aanvang, "einde": einde, "reden": reden, "peildatum": peildatum,
            "lopend": aanvang is not None and aanvang <= peildatum and (einde is None or einde > peildatum),
            "instroom": in_month(aanvang), "uitstroom": in_month(einde), "werk": key in werk,
            "personen": [{**p, "lopend": p["aanvangsdatum_uitkering"] is not None
                          and p["aanvangsdatum_uitkering"] <= peildatum
                          and (p["einddatum_uitkering"] is None or p["einddatum_uitkering"] > peildatum),
                          "key": p["bsn_pseudoniem"] or (p["registratienummer"], p["persoon_nr"])} for p in ps]})
    return result


def _gemeente_reference(us: list[dict]) -> dict[str, tuple[float, float | None]]:
    pw = [u for u in us if u["statistiekcode"] in PW]
    lopend = [u for u in pw if u["lopend"]]
    uit = [u for u in pw if u["uitstroom"]]
    werk_uit = [u for u in uit if u["reden"] in ("11", "13")]
    pw_personen = [p for u in lopend for p in u["personen"] if p["lopend"]]
    ontheffing = {p["key"] for p in pw_personen if p["ontheffing_arbeidsverplichting"] in ("4", "5", "6")}
    ontheffing_bekend = {p["key"] for p in pw_personen if p["ontheffing_arbeidsverplichting"] in ("2", "4", "5", "6")}
    bekend_bedrag = [u["betaalbaar_bedrag"] for u in lopend if u["betaalbaar_bedrag"] is not None]
    eenmalig = [u for u in us if u["statistiekcode"] == "12" and u["instroom"]]
    duur = [12 * (u["peildatum"].year - u["aanvang"].year) + u["peildatum"].month - u["aanvang"].month
            for u in lopend]
    return {
        "wi.bestand.pw": (len(lopend), None),
        "wi.bestand.buig": (sum(u["statistiekcode"] in BUIG and u["lopend"] for u in us), None),
        "wi.personen.pw": (len({p["key"] for p in pw_personen}), None),
        "wi.instroom.pw": (sum(u["instroom"] for u in pw), None),
        "wi.uitstroom.pw": (len(uit), None),
        "wi.uitstroom_werk.pw": (len(werk_uit), None),
        "wi.aandeel_uitstroom_werk.pw": (len(werk_uit), len(uit)),
        "wi.gemiddelde_duur_maanden.pw": (sum(duur), len(lopend)),
        "wi.aandeel_inkomsten_werk.pw": (sum(u["werk"] for u in lopend), len(lopend)),
        "wi.aandeel_ontheffing.pw": (len(ontheffing), len(ontheffing_bekend)),
        "wi.gem_betaalbaar_bedrag.pw": (sum(bekend_bedrag), len(bekend_bedrag)),
        "wi.bijzondere_bijstand.eenmalig": (len(eenmalig), None),
        "wi.bijzondere_bijstand.eenmalig_bedrag": (sum(u["betaalbaar_bedrag"] or 0 for u in eenmalig), None),
    }


def reference_values(rows, month, participants) -> dict[tuple[str, str, str], tuple[float, float | None]]:
    """(indicator, level, unit) → (numerator, denominator) for ``month``, following docs/indicators.md."""
    now = {g: _gemeente_reference(us) for g, us in _uitkeringen(rows, month).items()}
    before = {g: _gemeente_reference(us) for g, us in _uitkeringen(rows, _shift(month, -12)).items()}
    for g in now.keys() & before.keys():
        bestand, earlier = now[g]["wi.bestand.pw"][0], before[g]["wi.bestand.pw"][0]
        now[g]["wi.volumeontwikkeling_12m.pw"] = (bestand - earlier, earlier)
    for g in now:
        if (month.year, g) in INWONERS:
            now[g]["wi.bijstandsdichtheid.pw"] = (1000 * now[g]["wi.personen.pw"][0], INWONERS[month.year, g])
    result = {(code, "gemeente", g): nd for g, values in now.items() for code, nd in values.items()}
    for pid, gemeenten in participants.items():
        for code in {c for g in gemeenten if g in now for c in now[g]}:
            parts = [now[g][code] for g in gemeenten if g in now and code in now[g]]
            denominators = [den for _, den in parts]
            result[code, "participant", pid] = (
                sum(num for num, _ in parts), None if denominators[0] is None else sum(denominators))
    return result
