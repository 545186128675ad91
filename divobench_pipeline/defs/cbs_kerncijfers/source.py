"""Which CBS tables hold the kerncijfers, per year: a later year is one more line in ``TABLES``.

*Sociale zekerheid; bijstand, re-integratie en WSW, gemeenten*: one table per year, every gemeente and the
regions (COROP, arbeidsmarktregio, provincie, landsdeel, gemeentegrootteklasse, NL01), per leeftijdsklasse.
Measures are matched by their number suffix (``_2``), as CBS's own ``DataProperties`` numbers them: the 2015
table names the same positions differently (``Instromers_4`` for ``Instroom_4``).
"""

from __future__ import annotations

TABLES: dict[int, str] = {
    2015: "83450NED",
    2016: "83747NED",
    2017: "84066NED",
}

VIJFTIEN_PLUS = "20150"  # 15 jaar of ouder
VIJFTIEN_TOT_AOW = "90100"  # 15 jaar tot AOW-leeftijd
LEEFTIJDEN = (VIJFTIEN_PLUS, VIJFTIEN_TOT_AOW)

MEASURES: dict[int, str] = {
    1: "inwoners",
    2: "bijstandsontvangers",
    4: "instroom",
    6: "uitstroom",
    8: "uitstroom_werk",
    10: "reintegratie_personen",
    11: "werk_na_reintegratie",
    16: "wsw_werknemers",
}
"""Measure number in the table → the kenmerk divobench stores (all person counts, rounded by CBS to tens)."""

NEDERLAND = "NL01"
