"""The statushouders indicators (``spec/statushouders.md``), each defined once; definitions in docs/indicators.md.

Every indicator reads one source: the newest CBS delivery (``cbs``: Teller/Noemer of one file indicator), the
COA taakstelling (``coa``: one measure per half year) or the KIS survey (``kis``: one question). Their group
values are computed in this domain over every gemeente of a group (the sources cover all gemeenten), not by the
W&I group values, hence ``OWN_GROUP_VALUES`` (core/catalogue.py: ``pooled_by_comparisons``).
"""

from __future__ import annotations

from dataclasses import dataclass

from divobench_pipeline.defs.statushouders.sources import KIS_VRAGEN

SOURCES = ("cbs", "coa", "kis")
OWN_GROUP_VALUES = True


@dataclass(frozen=True)
class ShIndicator:
    """One statushouders indicator: ``field`` is the file's indicator (cbs), the measure (coa) or the question
    (kis); ``multiplier`` scales the numerator (1000 for a promillage)."""

    code: str
    name: str
    unit_of_measure: str
    description: str
    source: str
    field: str
    has_denominator: bool = True
    numerator_is_count: bool = False
    denominator_is_count: bool = False
    multiplier: float = 1.0
    module: str = "statushouders"

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"{self.code}: unknown source {self.source!r}")


def _cbs(code, name, unit, description, field, *, denominator=True, multiplier=1.0) -> ShIndicator:
    return ShIndicator(code, name, unit, description, "cbs", field, denominator, numerator_is_count=multiplier == 1,
                       denominator_is_count=denominator, multiplier=multiplier)


KIS_NAMEN = {
    "dedicated_klantmanagers": "Dedicated klantmanagers voor statushouders",
    "brede_intake": "Brede intake",
    "ontzorgen": "Ontzorgen",
    "leerroute_b1": "Leerroute B1",
    "leerroute_onderwijs": "Onderwijsroute",
    "leerroute_z": "Zelfredzaamheidsroute (Z-route)",
    "werkgeversdienstverlening": "Werkgeversdienstverlening voor statushouders",
    "taalcoaching": "Taalcoaching",
}

INDICATORS: tuple[ShIndicator, ...] = (
    _cbs("sh.cohort", "Statushouders in het cohort", "personen",
         "Statushouders met een verblijfsvergunning asiel sinds 1-1-2014 (incl. nareizigers) in de gemeente.",
         "cohort", denominator=False),
    _cbs("sh.promillage", "Promillage statushouders", "per 1.000 inwoners",
         "Statushouders in het cohort per 1.000 inwoners.", "promillage", multiplier=1000.0),
    _cbs("sh.werk", "Statushouders 18–AOW met betaald werk", "fractie",
         "Deel van de cohortleden van 18 jaar tot de AOW-leeftijd met betaald werk.", "werk_18_aow"),
    _cbs("sh.bijstand", "Statushouders 18–AOW met bijstand", "fractie",
         "Deel van de cohortleden van 18 jaar tot de AOW-leeftijd met bijstand.", "bijstand_18_aow"),
    _cbs("sh.onderwijs_18_30", "Statushouders 18–30 in onderwijs", "fractie",
         "Deel van de cohortleden van 18 tot 30 jaar dat onderwijs volgt.", "onderwijs_18_30"),
    _cbs("sh.inburgering_geslaagd", "Inburgering geslaagd binnen 3 jaar", "fractie",
         "Deel van de inburgeringsplichtigen, gevestigd ten minste 3 jaar geleden, dat binnen 3 jaar slaagde.",
         "inburgering_geslaagd_3jr"),
    _cbs("sh.werk_na_2jr", "Betaald werk 2 jaar na huisvesting", "fractie",
         "Deel van de 2 jaar of langer gehuisveste statushouders (18–AOW) met betaald werk.", "werk_na_2jr"),
    ShIndicator("sh.taakstelling", "Taakstelling huisvesting vergunninghouders", "personen",
                "Aantal te huisvesten vergunninghouders in het halfjaar (COA/BZK).", "coa", "taakstelling",
                has_denominator=False, numerator_is_count=True),
    ShIndicator("sh.realisatie", "Gehuisveste vergunninghouders", "personen",
                "Aantal in het halfjaar gehuisveste vergunninghouders (COA/BZK).", "coa", "realisatie",
                has_denominator=False, numerator_is_count=True),
    ShIndicator("sh.realisatie_pct", "Realisatie van de gecorrigeerde taakstelling", "fractie",
                "Gehuisveste vergunninghouders als deel van taakstelling plus achterstand.", "coa", "realisatie_pct",
                numerator_is_count=True, denominator_is_count=True),
    ShIndicator("sh.achterstand_eind", "Achterstand aan het eind van het halfjaar", "personen",
                "Gecorrigeerde taakstelling min realisatie (negatief = voorsprong).", "coa", "achterstand_eind",
                has_denominator=False),
    *(ShIndicator(f"sh.kis.{q}", KIS_NAMEN[q], "fractie",
                  f"KIS-enquête, vraag {q}: 1 voor ja, 0,5 voor gedeeltelijk, 0 voor nee.", "kis", q)
      for q in KIS_VRAGEN),
)
BY_CODE = {i.code: i for i in INDICATORS}
CODES = tuple(BY_CODE)
KIS_SCORE = {"ja": 1.0, "gedeeltelijk": 0.5, "nee": 0.0}
