"""Plain functions of the statushouders domain: reading and checking the three files, the taakstelling formula
and checks, and pooling; expected values are worked out by hand in the comments."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from statushouders_fixtures import CBS_H1, CBS_H2, COA, KIS

from divobench_pipeline.core.catalogue import all_indicators, pooled_by_comparisons
from divobench_pipeline.defs.statushouders import taakstelling
from divobench_pipeline.defs.statushouders.compute import _finish, pooled
from divobench_pipeline.defs.statushouders.registry import INDICATORS
from divobench_pipeline.defs.statushouders.sources import SourceRejected, months_of, parse_count, read_source


def rejected(source: str, text: str, name: str = "bestand.csv") -> list[str]:
    with pytest.raises(SourceRejected) as caught:
        read_source(source, text.encode("utf-8"), name)
    return caught.value.reasons


def test_good_files_are_read_with_their_months():
    cbs = read_source("cbs_statushouders", CBS_H2.encode(), "cbs.csv")
    assert len(cbs) == 15 and months_of("cbs_statushouders", cbs) == ["2019-01", "2019-07"]
    coa = read_source("coa", COA.encode(), "coa.csv")
    assert months_of("coa", coa) == ["2019-06", "2019-12"]
    assert months_of("kis", read_source("kis", KIS.encode(), "kis.csv")) == ["2019-12"]
    assert read_source("cbs_statushouders", ("\ufeff" + CBS_H1).encode(), "bom.csv")["rij"].iloc[-1] == 11


def test_suppressed_and_decimal_comma_counts():
    assert parse_count(".") is None and parse_count("") is None
    assert parse_count("12") == 12.0 and parse_count("12,0") == 12.0


@pytest.mark.parametrize(("source", "text", "fragment"), [
    ("cbs_statushouders", CBS_H1.replace("Teller;Noemer", "Aantal;Noemer"), "Rij 1 (kopregel)"),
    ("cbs_statushouders", CBS_H1.replace(";", ","), "Rij 1 (kopregel)"),
    ("coa", COA.replace("realisatie,opmerking", "realisatie,extra"), "Rij 1 (kopregel)"),
    ("cbs_statushouders", CBS_H1.replace("GM0037;", "GM9999;"), "kolom 'Gemeentecode': 'GM9999' is geen bestaande"),
    ("coa", COA.replace("GM0047,", "GM047,", 1), "Rij 5, kolom 'gemeentecode': 'GM047'"),
    ("kis", KIS.replace("GM0050", "GM1234"), "Rij 8, kolom 'gemeentecode': 'GM1234'"),
    ("cbs_statushouders", CBS_H1.replace(";80;", ";8O;"), "Rij 3, kolom 'Teller': '8O' is geen aantal"),
    ("coa", COA.replace(",23,5,20,", ",23,5,2O,"), "Rij 5, kolom 'realisatie': '2O' is geen geheel getal"),
    ("coa", COA.replace(",-20,", ",-2.0,"), "Rij 4, kolom 'achterstand_begin'"),
    ("cbs_statushouders", CBS_H1 + CBS_H1.splitlines()[1] + "\n", "Rijen 2, 12: de sleutel"),
    ("coa", COA + COA.splitlines()[3] + "\n", "Rijen 4, 12: de sleutel (periode, gemeentecode)"),
    ("kis", KIS + KIS.splitlines()[1].replace(",ja", ",nee") + "\n", "Rijen 2, 10: de sleutel (jaar, gemeentecode"),
    ("kis", KIS.replace("gedeeltelijk", "soms"), "Rij 3, kolom 'antwoord': 'soms' is geen geldig antwoord"),
    ("cbs_statushouders", CBS_H1.replace("2019-01-01", "2019-02-30", 1), "Rij 2, kolom 'Peildatum'"),
])
def test_bad_input_is_rejected_naming_row_and_column(source, text, fragment):
    reasons = rejected(source, text)
    assert any(fragment in r for r in reasons), reasons


def test_one_delivery_per_file_and_unreadable_files_get_one_sentence():
    mixed = CBS_H1 + CBS_H2.splitlines()[-1] + "\n"
    assert "Kolom 'Levering'" in rejected("cbs_statushouders", mixed)[0]
    assert rejected("kis", "") == ["Het bestand is leeg."]
    with pytest.raises(SourceRejected) as caught:
        read_source("kis", b"\xff\xfe\x00garbage", "kis.csv")
    assert "UTF-8" in caught.value.reasons[0]
    with pytest.raises(SourceRejected) as caught:
        read_source("coa", b"PK\x03\x04 not really a workbook", "coa.xlsx")
    assert "Excel" in caught.value.reasons[0] and len(caught.value.reasons) == 1


def test_an_xlsx_file_reads_like_its_csv(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in COA.splitlines():
        sheet.append([int(c) if c.lstrip("-").isdigit() else (c or None) for c in line.split(",")])
    workbook.save(tmp_path / "coa.xlsx")
    from_xlsx = read_source("coa", (tmp_path / "coa.xlsx").read_bytes(), "coa.xlsx")
    from_csv = read_source("coa", COA.encode(), "coa.csv")
    assert from_xlsx.equals(from_csv)
    sheet["E3"] = "tien"
    workbook.save(tmp_path / "fout.xlsx")
    with pytest.raises(SourceRejected) as caught:
        read_source("coa", (tmp_path / "fout.xlsx").read_bytes(), "fout.xlsx")
    assert caught.value.reasons == ["Rij 3, kolom 'taakstelling': 'tien' is geen geheel getal."]


def test_law_taakstelling_rounds_up_in_exact_arithmetic():
    assert taakstelling.law_taakstelling(100, 1000, 20000) == 5  # exactly 5: not rounded up to 6
    assert taakstelling.law_taakstelling(130, 1000, 20000) == 7  # 6.5 → 7
    # Zoetermeer 2025-II in the demo: 11,800 × 128,434 / 17,942,942 (CBS, 1-1-2024) = 84.46 → 85
    assert taakstelling.law_taakstelling(11_800, 128_434, 17_942_942) == 85
    # 49 × 10^17 / (7 × 10^17) is exactly 7; a float division can land just above it
    assert taakstelling.law_taakstelling(49, 10**17, 7 * 10**17) == 7


def _coa_frame() -> pd.DataFrame:
    raw = read_source("coa", COA.encode(), "coa.csv")
    frame = pd.DataFrame({"period": raw["periode"], "gemeentecode": raw["gemeentecode"],
                          "gemeente_naam": raw["gemeentenaam"], "opmerking": raw["opmerking"].replace("", None),
                          **{c: raw[c].astype(int) for c in ("landelijk_aantal", "taakstelling", "achterstand_begin",
                                                             "realisatie")}})
    return taakstelling.derive(frame)


def test_formula_check_exempts_herindeling_and_says_what_it_could_not_check():
    coa = _coa_frame()
    inwoners = pd.DataFrame({"jaar": 2018, "gemeentecode": ["GM0014", "GM0034", "GM0037", "GM0047", "GM0050"],
                             "inwoners": [1000, 2000, 3000, 4000, 10000]})
    off, unchecked = taakstelling.formula_deviations(coa, inwoners)
    assert off[["gemeente", "periode", "gepubliceerd", "berekend"]].values.tolist() == [["GM0047", "2019-I", 23, 20]]
    assert sorted(unchecked["periode"]) == ["2019-I", "2019-II"] and set(unchecked["gemeente"]) == {"GM0050"}
    off, unchecked = taakstelling.formula_deviations(coa, inwoners[inwoners["gemeentecode"] != "GM0014"])
    assert "geen CBS-inwoners op 1 januari 2018" in set(unchecked["reden"])


def test_continuity_and_sum_checks():
    coa = _coa_frame()
    assert coa.loc[coa["gemeentecode"] == "GM0037", "achterstand_eind"].tolist() == [-5, 5]  # 15 − 20 − 0; 20 − 5 − 10
    continuity = taakstelling.continuity_deviations(coa)
    assert continuity[["gemeente", "periode", "achterstand_begin", "achterstand_eind_vorige"]].values.tolist() == [
        ["GM0034", "2019-II", 4, 0]]
    assert taakstelling.sum_deviations(coa).empty  # 100 ≥ 100 and 131 ≥ 130
    short = coa.assign(taakstelling=coa["taakstelling"] - 1)
    assert taakstelling.sum_deviations(short)[["periode", "som_taakstelling"]].values.tolist() == [
        ["2019-I", 95], ["2019-II", 126]]


def test_pooling_is_absent_when_a_gemeente_is_unknown_and_kis_takes_the_mean():
    values = _finish(pd.DataFrame([
        ("sh.werk", "GM0001", "2019-01-01", 10.0, 20.0), ("sh.werk", "GM0002", "2019-01-01", None, 30.0),
        ("sh.werk", "GM0003", "2019-01-01", 5.0, 10.0),
        ("sh.kis.ontzorgen", "GM0001", "2019-12-01", 1.0, 1.0),
        ("sh.kis.ontzorgen", "GM0002", "2019-12-01", None, None),
        ("sh.kis.ontzorgen", "GM0003", "2019-12-01", 0.5, 1.0),
    ], columns=["indicator", "unit", "month", "numerator", "denominator"]))
    found = pooled(values, {"P12": ("GM0001", "GM0002"), "P13": ("GM0001", "GM0003")})
    got = {(r.indicator, r.unit): (r.numerator, r.denominator, r.value) for r in found.itertuples()}
    assert ("sh.werk", "P12") not in got  # GM0002 suppressed: no partial sum
    assert got[("sh.werk", "P13")] == (15.0, 30.0, 0.5)
    assert got[("sh.kis.ontzorgen", "P12")] == (1.0, 1.0, 1.0)  # the mean over the gemeenten with an answer
    assert got[("sh.kis.ontzorgen", "P13")] == (1.5, 2.0, 0.75)


def test_every_indicator_is_in_the_catalogue_with_its_module():
    codes = {i.code for i in all_indicators()}
    assert {i.code for i in INDICATORS} <= codes
    assert all(i.module == "statushouders" for i in INDICATORS)
    assert not set(pooled_by_comparisons()) & {i.code for i in INDICATORS}  # their group values are their own
    assert {"sh.cohort", "sh.promillage", "sh.werk", "sh.taakstelling", "sh.realisatie", "sh.realisatie_pct",
            "sh.achterstand_eind", "sh.kis.brede_intake"} <= codes
