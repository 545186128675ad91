"""COA taakstelling: the law's formula and the three checks on a published table (statushouders.md).

Huisvestingswet 2014 art. 29: taakstelling(g) = ceil(landelijk_aantal × inwoners(g) / inwoners(Nederland)), with
inwoners per CBS on 1 January of the year before the half year's year (2025-I and 2025-II both use 1-1-2024).
A gemeente in a herindeling gets its number from the province (art. 30): rows with ``herindeling`` in
``opmerking`` are exempt from the formula check.
"""

from __future__ import annotations

import pandas as pd

from divobench_pipeline.defs.statushouders.sources import periode_before


def law_taakstelling(landelijk_aantal: int, inwoners_gemeente: int, inwoners_nederland: int) -> int:
    """ceil(landelijk × gemeente / Nederland) in exact integer arithmetic (no float rounding at the edge)."""
    return -(-(int(landelijk_aantal) * int(inwoners_gemeente)) // int(inwoners_nederland))


def derive(coa: pd.DataFrame) -> pd.DataFrame:
    """Add gecorrigeerde_taakstelling = taakstelling + achterstand_begin and achterstand_eind = that − realisatie."""
    gecorrigeerd = coa["taakstelling"] + coa["achterstand_begin"]
    return coa.assign(gecorrigeerde_taakstelling=gecorrigeerd, achterstand_eind=gecorrigeerd - coa["realisatie"])


def inwoners_year(periode: str) -> int:
    """The year whose 1 January inwoners the law uses for a half year: the year before."""
    return int(periode[:4]) - 1


def formula_deviations(coa: pd.DataFrame, inwoners: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(deviations, unchecked): rows whose taakstelling differs from the formula, and rows that could not be
    checked (herindeling, or no CBS inwoners of the gemeente for the year). ``inwoners``: jaar, gemeentecode,
    inwoners (every gemeente of the year, so their sum is Nederland)."""
    totals = inwoners.groupby("jaar")["inwoners"].sum()
    by_key = inwoners.set_index(["jaar", "gemeentecode"])["inwoners"]
    deviations, unchecked = [], []
    for row in coa.itertuples(index=False):
        year = inwoners_year(row.period)
        base = {"gemeente": row.gemeentecode, "naam": row.gemeente_naam, "periode": row.period}
        if "herindeling" in str(row.opmerking or "").lower():
            unchecked.append({**base, "reden": "herindeling: aantal vastgesteld door de provincie"})
            continue
        if (year, row.gemeentecode) not in by_key.index:
            unchecked.append({**base, "reden": f"geen CBS-inwoners op 1 januari {year}"})
            continue
        computed = law_taakstelling(row.landelijk_aantal, by_key[(year, row.gemeentecode)], totals[year])
        if computed != row.taakstelling:
            deviations.append({**base, "gepubliceerd": int(row.taakstelling), "berekend": computed,
                               "inwoners": int(by_key[(year, row.gemeentecode)]), "inwoners_jaar": year})
    return (pd.DataFrame(deviations, columns=["gemeente", "naam", "periode", "gepubliceerd", "berekend",
                                              "inwoners", "inwoners_jaar"]),
            pd.DataFrame(unchecked, columns=["gemeente", "naam", "periode", "reden"]))


def continuity_deviations(coa: pd.DataFrame) -> pd.DataFrame:
    """Rows whose achterstand_begin differs from the achterstand_eind of the same gemeente's half year before."""
    before = coa[["period", "gemeentecode", "achterstand_eind"]].rename(
        columns={"period": "periode_vorige", "achterstand_eind": "achterstand_eind_vorige"})
    current = coa.assign(periode_vorige=coa["period"].map(periode_before))
    joined = current.merge(before, on=["periode_vorige", "gemeentecode"])
    off = joined[joined["achterstand_begin"] != joined["achterstand_eind_vorige"]]
    return pd.DataFrame({"gemeente": off["gemeentecode"], "naam": off["gemeente_naam"], "periode": off["period"],
                         "achterstand_begin": off["achterstand_begin"].astype(int),
                         "periode_vorige": off["periode_vorige"],
                         "achterstand_eind_vorige": off["achterstand_eind_vorige"].astype(int)}).reset_index(drop=True)


def sum_deviations(coa: pd.DataFrame) -> pd.DataFrame:
    """Half years whose Σ taakstelling over gemeenten is below the landelijk aantal (rounding up can only add)."""
    per = coa.groupby("period").agg(som_taakstelling=("taakstelling", "sum"),
                                     landelijk_aantal=("landelijk_aantal", "max")).reset_index()
    per = per.rename(columns={"period": "periode"})  # the load report's Dutch label
    return per[per["som_taakstelling"] < per["landelijk_aantal"]].reset_index(drop=True)
