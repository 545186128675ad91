"""Herindelingen: restating figures in the current indeling (samenvoeging, splitsing), versions, column detection."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest

from divobench_pipeline.defs.cbs import herindeling, parse
from divobench_pipeline.defs.cbs.client import CbsClient, CbsTable

NOW = dt.date(2026, 1, 1)
DEC_2020, JAN_2021 = pd.Timestamp("2020-12-01"), pd.Timestamp("2021-01-01")
RATIO = {"wi.bestand.pw": False, "wi.bijstandsdichtheid.pw": True}


def values(rows: list[tuple[str, str, pd.Timestamp, float, float | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator", "unit", "month", "numerator", "denominator"])


def one(frame: pd.DataFrame, indicator: str, unit: str, month: pd.Timestamp) -> pd.Series:
    found = frame[(frame["indicator"] == indicator) & (frame["unit"] == unit) & (frame["month"] == month)]
    assert len(found) == 1, (indicator, unit, month)
    return found.iloc[0]


def test_samenvoeging_eemsdelta_sums_counts_and_recomputes_ratios():
    before = values([
        ("wi.bestand.pw", "GM0003", DEC_2020, 300, None), ("wi.bestand.pw", "GM0010", DEC_2020, 900, None),
        ("wi.bestand.pw", "GM0024", DEC_2020, 150, None), ("wi.bestand.pw", "GM1979", JAN_2021, 1340, None),
        ("wi.bijstandsdichtheid.pw", "GM0003", DEC_2020, 1000 * 320, 11_801),
        ("wi.bijstandsdichtheid.pw", "GM0010", DEC_2020, 1000 * 980, 24_864),
        ("wi.bijstandsdichtheid.pw", "GM0024", DEC_2020, 1000 * 160, 9_702)])
    restated = herindeling.restate(before, NOW, RATIO)
    december = one(restated, "wi.bestand.pw", "GM1979", DEC_2020)
    assert december["value"] == 1350 and december["voorgangers"] == "GM0003,GM0010,GM0024"
    assert december["toedeling"] == "geheel" and pd.isna(december["denominator"])
    assert one(restated, "wi.bestand.pw", "GM1979", JAN_2021)["value"] == 1340
    density = one(restated, "wi.bijstandsdichtheid.pw", "GM1979", DEC_2020)
    assert density["numerator"] == 1000 * 1460 and density["denominator"] == 11_801 + 24_864 + 9_702
    assert density["value"] == pytest.approx(1000 * 1460 / 46_367)
    mean_of_ratios = (1000 * 320 / 11_801 + 1000 * 980 / 24_864 + 1000 * 160 / 9_702) / 3
    assert density["value"] != pytest.approx(mean_of_ratios)
    assert not set(restated["unit"]) & {"GM0003", "GM0010", "GM0024"}


def test_splitsing_haaren_distributes_by_the_crosswalk_weights():
    before = values([
        ("wi.bestand.pw", "GM0788", DEC_2020, 200, None), ("wi.bestand.pw", "GM0824", DEC_2020, 400, None),
        ("wi.bijstandsdichtheid.pw", "GM0788", DEC_2020, 1000 * 210, 14_101),
        ("wi.bijstandsdichtheid.pw", "GM0824", DEC_2020, 1000 * 420, 26_317)])
    restated = herindeling.restate(before, NOW, RATIO)
    oisterwijk = one(restated, "wi.bestand.pw", "GM0824", DEC_2020)
    assert oisterwijk["value"] == pytest.approx(400 + 0.42 * 200)
    assert oisterwijk["voorgangers"] == "GM0788,GM0824" and oisterwijk["toedeling"] == "gewicht"
    parts = {unit: one(restated, "wi.bestand.pw", unit, DEC_2020)["value"]
             for unit in ("GM0824", "GM0865", "GM0757", "GM0855")}
    assert parts == pytest.approx({"GM0824": 484, "GM0865": 66, "GM0757": 42, "GM0855": 8})
    assert sum(parts.values()) == pytest.approx(600)  # nothing lost, nothing counted twice
    density = one(restated, "wi.bijstandsdichtheid.pw", "GM0824", DEC_2020)
    assert density["value"] == pytest.approx((420_000 + 0.42 * 210_000) / (26_317 + 0.42 * 14_101))
    vught = one(restated, "wi.bijstandsdichtheid.pw", "GM0865", DEC_2020)
    assert vught["value"] == pytest.approx(210_000 / 14_101)  # a share of Haaren alone keeps Haaren's ratio


def test_a_split_without_weights_goes_to_the_rechtsopvolger_and_is_flagged():
    before = values([("wi.bestand.pw", "GM0053", pd.Timestamp("2018-12-01"), 120, None)])
    restated = herindeling.restate(before, NOW, RATIO)
    assert list(restated["unit"]) == ["GM1966"]
    assert restated.iloc[0]["value"] == 120 and restated.iloc[0]["toedeling"] == "rechtsopvolger"
    walk = herindeling.crosswalk(NOW).set_index(["oude_code", "nieuwe_code"])
    assert ("GM0053", "GM1969") not in walk.index


def test_chains_follow_every_herindeling_up_to_the_date():
    walk = herindeling.crosswalk(NOW).set_index("oude_code")
    assert walk.loc["GM0265", "nieuwe_code"] == "GM1945"  # Millingen → Groesbeek (2015) → Berg en Dal (2016)
    assert herindeling.crosswalk(dt.date(2015, 6, 1)).set_index("oude_code").loc["GM0265", "nieuwe_code"] == "GM0241"
    assert walk.loc["GM0457", "nieuwe_code"] == "GM0363"  # Weesp, 24 March 2022
    assert "GM0457" not in set(herindeling.crosswalk(dt.date(2022, 3, 1))["oude_code"])


def test_versions_key_on_code_and_record_a_name_change_without_new_code():
    indeling = pd.DataFrame([(2023, "GM0888", "Beek"), (2024, "GM0888", "Beek (L.)"), (2025, "GM0888", "Beek (L.)"),
                             (2020, "GM0788", "Haaren"), (2021, "GM1979", "Eemsdelta")],
                            columns=["jaar", "gemeentecode", "gemeente_naam"])
    versies = herindeling.gemeente_versies(indeling).set_index(["gemeentecode", "gemeente_naam"])
    assert versies.loc[("GM0888", "Beek"), "geldig_tot"] == dt.date(2023, 12, 31)
    assert versies.loc[("GM0888", "Beek (L.)"), "geldig_van"] == dt.date(2024, 1, 1)
    assert pd.isna(versies.loc[("GM0888", "Beek (L.)"), "geldig_tot"])
    assert versies.loc[("GM0788", "Haaren"), "geldig_tot"] == dt.date(2020, 12, 31)
    assert versies.loc[("GM1979", "Eemsdelta"), "geldig_van"] == dt.date(2021, 1, 1)


def test_columns_are_found_by_what_they_are_not_by_position(tmp_path):
    client = CbsClient(tmp_path, online=False)
    old, new = client.table("84721NED"), client.table("86247NED")  # 2020 and 2026 layouts
    provincie = {t.table_id: next(k for k, v in t.rows[0].items() if str(v).startswith("PV")) for t in (old, new)}
    assert provincie == {"84721NED": "Code_34", "86247NED": "Code_28"}
    assert parse.gebieden_indeling(old, 2020).set_index("gemeentecode").loc["GM0855", "provincie_code"] == "PV30"
    assert parse.gebieden_indeling(new, 2026).set_index("gemeentecode").loc["GM0855", "provincie_code"] == "PV30"
    renumbered = _renumber(new)
    expected = parse.gebieden_indeling(new, 2026).drop(columns="bron")
    pd.testing.assert_frame_equal(parse.gebieden_indeling(renumbered, 2026).drop(columns="bron"), expected)


def _renumber(table: CbsTable) -> CbsTable:
    """The same table as a later CBS version might publish it: topics shuffled and renumbered (+7)."""
    def key(k: str) -> str:
        base, _, n = k.rpartition("_")
        return f"{base}_{int(n) + 7}" if base and n.isdigit() else k
    props = [{**p, "Key": key(p["Key"])} for p in table.properties]
    random.Random(1).shuffle(props)
    rows = [{key(k): v for k, v in row.items()} for row in table.rows]
    return CbsTable(table.table_id, {**table.entity_sets, "DataProperties": props, "TypedDataSet": rows},
                    table.retrieved_at, table.modified, table.source, table.bron)


def test_export_rows_are_restated_and_participant_rows_stay():
    rows = [("wi.bestand.pw", "gemeente", "GM0003", "2020-12", 300.0, None, 300.0),
            ("wi.bestand.pw", "gemeente", "GM0010", "2020-12", 900.0, None, 900.0),
            ("wi.bestand.pw", "participant", "SV-X", "2020-12", 1200.0, None, 1200.0),
            ("wi.bijstandsdichtheid.pw", "gemeente", "GM0003", "2020-12", 320_000.0, 11_801.0, 320_000 / 11_801)]
    restated = herindeling.restate_rows(rows, NOW)
    assert restated[0] == ("wi.bestand.pw", "participant", "SV-X", "2020-12", 1200.0, None, 1200.0)
    assert restated[1] == ("wi.bestand.pw", "gemeente", "GM1979", "2020-12", 1200.0, None, 1200.0)
    assert restated[2][:6] == ("wi.bijstandsdichtheid.pw", "gemeente", "GM1979", "2020-12", 320_000.0, 11_801.0)
