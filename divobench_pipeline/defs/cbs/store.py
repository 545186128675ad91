"""CBS figures into warehouse rows: reference groups, kenmerken per gemeente and year, and the writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb
import pandas as pd

from divobench_pipeline.core.schemas import GEMEENTE_INDELING, GEMEENTE_KENMERK
from divobench_pipeline.core.warehouse import has_table

LANDELIJK = ("NL", "Nederland")
GROUPS = (("grootteklasse", "grootteklasse_code", "grootteklasse_naam"),
          ("provincie", "provincie_code", "provincie_naam"),
          ("arbeidsmarktregio", "arbeidsmarktregio_code", "arbeidsmarktregio_naam"),
          ("corop", "corop_code", "corop_naam"))


def groepen(indeling: pd.DataFrame) -> pd.DataFrame:
    """Every reference group each gemeente belongs to, per year (rows of ``gemeente_groep``)."""
    base = indeling[["jaar", "gemeentecode"]]
    frames = [base.assign(group_type="landelijk", group_code=LANDELIJK[0], group_name=LANDELIJK[1])]
    for group_type, code, name in GROUPS:
        part = indeling[indeling[code].notna()]
        frames.append(part[["jaar", "gemeentecode"]].assign(group_type=group_type, group_code=part[code],
                                                            group_name=part[name].fillna(part[code])))
    return pd.concat(frames, ignore_index=True)


def kenmerk(frame: pd.DataFrame, name: str, column: str, bron: str | pd.Series) -> pd.DataFrame:
    """Rows of ``gemeente_kenmerk`` for one kenmerk from ``frame`` (``jaar``, ``gemeentecode``, ``column``)."""
    rows = frame[frame[column].notna()]
    return pd.DataFrame({"jaar": rows["jaar"].astype(int), "gemeentecode": rows["gemeentecode"],
                         "kenmerk": name, "waarde": rows[column].astype(float),
                         "bron": bron if isinstance(bron, str) else bron.loc[rows.index]})


def dichtheid(inwoners: pd.DataFrame, kern: pd.DataFrame, kern_year: int, kern_bron: str) -> pd.DataFrame:
    """Bevolkingsdichtheid per km² land: CBS's published figure in the Kerncijfers year, else inwoners / land area."""
    joined = inwoners.merge(kern[["gemeentecode", "bevolkingsdichtheid", "oppervlakte_land_ha"]],
                            on="gemeentecode", how="left")
    derived = joined["inwoners"] / (joined["oppervlakte_land_ha"] / 100)
    published = joined["jaar"] == kern_year
    joined["waarde"] = joined["bevolkingsdichtheid"].where(published, derived.round(0))
    bron = pd.Series(f"afgeleid: inwoners 1 januari / OppervlakteLand uit {kern_bron}", index=joined.index)
    bron[published] = f"{kern_bron}, Bevolkingsdichtheid"
    return kenmerk(joined, "bevolkingsdichtheid", "waarde", bron)


def bijstand_per_1000(con: duckdb.DuckDBPyConnection, bijstand: pd.DataFrame, years: Iterable[int],
                      bron: str) -> pd.DataFrame:
    """CBS bijstand uitkeringen in December of the previous year per 1,000 inwoners on 1 January of the year."""
    december = bijstand[bijstand["month"].map(lambda m: m.month == 12)]
    december = december.assign(jaar=december["month"].map(lambda m: m.year + 1))
    inwoners = con.execute("SELECT jaar, gemeentecode, waarde AS inwoners FROM gemeente_kenmerk "
                           "WHERE kenmerk = 'inwoners' AND jaar IN (SELECT unnest(?::INTEGER[]))",
                           [list(years)]).df()
    joined = december.merge(inwoners, on=["jaar", "gemeentecode"])
    joined["waarde"] = (joined["uitkeringen"] * 1000 / joined["inwoners"]).round(2)
    return kenmerk(joined, "bijstand_per_1000_inwoners", "waarde",
                   f"{bron}: uitkeringen december vorig jaar per 1.000 inwoners op 1 januari")


def years_with_indeling(con: duckdb.DuckDBPyConnection) -> set[int]:
    return {row[0] for row in con.execute(f"SELECT DISTINCT jaar FROM {GEMEENTE_INDELING.name}").fetchall()}


def years_with_inwoners(con: duckdb.DuckDBPyConnection) -> set[int]:
    return {row[0] for row in con.execute(f"SELECT DISTINCT jaar FROM {GEMEENTE_KENMERK.name} "
                                          "WHERE kenmerk = 'inwoners'").fetchall()}


def missing_years(con: duckdb.DuckDBPyConnection | None, months: Iterable[dt.date]) -> list[int]:
    """Years of ``months`` whose CBS indeling or inwoners the warehouse does not hold yet."""
    wanted = {m.year for m in months}
    if con is None or not has_table(con, GEMEENTE_INDELING.name):
        return sorted(wanted)
    have = years_with_indeling(con) & years_with_inwoners(con)
    return sorted(wanted - have)
