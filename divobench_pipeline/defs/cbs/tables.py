"""Which CBS tables divobench reads, and the filters that keep the downloads small.

- *Gebieden in Nederland {jaar}* (one table per year): each gemeente's provincie, COROP-gebied,
  arbeidsmarktregio, gemeentegrootteklasse, stedelijkheid and inwonertal in that year's indeling.
- 03759ned *Bevolking op 1 januari en gemiddeld*: inwoners on 1 January per gemeente, the denominator of
  ``wi.bijstandsdichtheid.pw`` (CBS's own "maatstaf inwoners"; one table for all years, in each year's indeling).
- 82015NED *Bijstandsuitkeringen; uitkeringsgrondslag, regio's*: lopende algemene bijstand uitkeringen per
  gemeente per month, the same unit (huishoudens) as the BUS bestand, for the plausibility check.
- 85984NED *Kerncijfers wijken en buurten 2024*: bevolkingsdichtheid and land area per gemeente.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

BEVOLKING = "03759ned"
BIJSTAND = "82015NED"
KERNCIJFERS = {2024: "85984NED"}
FIRST_YEAR, LAST_YEAR = 2015, 2026

FILTERS = {
    BEVOLKING: "Geslacht eq 'T001038' and Leeftijd eq '10000' and BurgerlijkeStaat eq 'T001019' "
               "and substringof('GM',RegioS)",
    BIJSTAND: "substringof('GM',RegioS)",
    **{table: "substringof('GM',WijkenEnBuurten)" for table in KERNCIJFERS.values()},
}


@cache
def gebieden_tabellen() -> dict[int, str]:
    """Indelingsjaar → table id of Gebieden in Nederland of that year."""
    text = resources.files(__package__).joinpath("gebieden_in_nederland_tabellen.csv").read_text("utf-8")
    return {int(row["jaar_indeling"]): row["table_id"] for row in csv.DictReader(text.splitlines())}


def gebieden_tabel(year: int) -> str:
    try:
        return gebieden_tabellen()[year]
    except KeyError:
        raise KeyError(f"no Gebieden in Nederland table is known for {year}") from None


def kerncijfers_tabel(year: int) -> str:
    """The Kerncijfers wijken en buurten table nearest to ``year`` (land area changes little)."""
    return KERNCIJFERS[min(KERNCIJFERS, key=lambda y: abs(y - year))]
