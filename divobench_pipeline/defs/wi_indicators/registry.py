"""The indicator registry: the one place where each indicator is defined.

An indicator is a numerator and an optional denominator, each a DuckDB aggregate expression evaluated per
gemeente and statistiekmaand over one of the prepared base relations in ``BASES``. The written definition of
every indicator is in ``docs/indicators.md`` (one section per code; a test keeps the two in step).

Adding an indicator is one ``Indicator(...)`` entry below and its section in the docs.
"""

from __future__ import annotations

from dataclasses import dataclass

UNITS_OF_MEASURE = ("uitkeringen", "personen", "fractie", "maanden", "euro", "euro per maand", "per 1.000 inwoners")

BASES: dict[str, str] = {
    "uitkering": (
        "One row per staged uitkering of a gemeente and month (peildatum D = last day of the month). Columns: "
        "statistiekcode, betaalbaar_bedrag (NULL = onbekend), aanvang, einde, reden (NULL where unknown or none); "
        "is_pw (statistiekcode 01), is_buig (01, 02, 03, 14), lopend (lopend on D), instroom (aanvang in the "
        "month), uitstroom (einde in the month), maanden_duur (whole calendar months from aanvang to D), "
        "heeft_werk_inkomsten (a person on it has Inkomsten of Soort 11 with Bedrag > 0). Flags are never NULL."
    ),
    "persoon": (
        "One row per staged person on an uitkering of a gemeente and month. Columns: persoon_key (pseudonymised "
        "BSN; where that is onbekend, registratienummer and persoon_nr, so the person counts on their own), "
        "persoon_lopend (the person's own period covers D), ontheffing (OntheffingArbeidsverplichting, NULL = "
        "onbekend), and of their uitkering: statistiekcode, is_pw, is_buig, uitkering_lopend. Flags are never NULL. "
        "Count persons with count(DISTINCT persoon_key) so each counts once per gemeente and month."
    ),
}


@dataclass(frozen=True)
class Indicator:
    """One indicator: what it is called, what it measures and how it is computed.

    ``numerator`` and ``denominator`` are DuckDB aggregate expressions over the rows of ``base`` for one
    gemeente and month; an aggregate over no rows must give 0 (use ``coalesce(sum(...), 0)``). The value is
    numerator / denominator, or the numerator where there is no denominator. ``change_12m_of`` instead makes
    the indicator the relative change of another indicator against twelve months earlier (numerator
    X(M) − X(M−12), denominator X(M−12)). ``denominator_kenmerk`` takes the denominator from CBS instead: the
    ``gemeente_kenmerk`` of that name for the gemeente in M's year (no such kenmerk: no value, and the gemeente
    is left out of its participant's pool). ``numerator_is_count`` / ``denominator_is_count`` say which of them
    counts persons or uitkeringen (the small-count rule of public exports applies to those).
    """

    code: str
    name: str
    unit_of_measure: str
    description: str
    base: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    numerator_is_count: bool = False
    denominator_is_count: bool = False
    change_12m_of: str | None = None
    module: str = "wi_basis"
    denominator_kenmerk: str | None = None

    def __post_init__(self) -> None:
        if self.unit_of_measure not in UNITS_OF_MEASURE:
            raise ValueError(f"{self.code}: unknown unit_of_measure {self.unit_of_measure!r}")
        if self.change_12m_of is not None:
            if self.base or self.numerator or self.denominator:
                raise ValueError(f"{self.code}: a change_12m_of indicator has no base, numerator or denominator")
        elif self.base not in BASES or not self.numerator:
            raise ValueError(f"{self.code}: needs a base (one of {', '.join(BASES)}) and a numerator")
        if self.denominator_kenmerk is not None and self.denominator is not None:
            raise ValueError(f"{self.code}: a denominator from SQL or from a kenmerk, not both")

    @property
    def has_denominator(self) -> bool:
        return self.denominator is not None or self.change_12m_of is not None or self.denominator_kenmerk is not None


_PW_LOPEND = "is_pw AND lopend"
_PW_PERSONEN = "is_pw AND uitkering_lopend AND persoon_lopend"
_BESTAND_PW = f"count(*) FILTER (WHERE {_PW_LOPEND})"
_UITSTROOM_PW = "count(*) FILTER (WHERE is_pw AND uitstroom)"
_UITSTROOM_WERK_PW = "count(*) FILTER (WHERE is_pw AND uitstroom AND reden IN ('11', '13'))"

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "wi.bestand.pw", "Bestand algemene bijstand", "uitkeringen",
        "Algemene bijstand uitkeringen (huishoudens) lopend op de peildatum.",
        base="uitkering", numerator=_BESTAND_PW, numerator_is_count=True),
    Indicator(
        "wi.bestand.buig", "Bestand BUIG-uitkeringen", "uitkeringen",
        "Uitkeringen algemene bijstand, IOAW, IOAZ en Bbz lopend op de peildatum.",
        base="uitkering", numerator="count(*) FILTER (WHERE is_buig AND lopend)", numerator_is_count=True),
    Indicator(
        "wi.personen.pw", "Personen in de algemene bijstand", "personen",
        "Lopende personen op lopende algemene bijstand uitkeringen, elk eenmaal geteld.",
        base="persoon", numerator=f"count(DISTINCT persoon_key) FILTER (WHERE {_PW_PERSONEN})",
        numerator_is_count=True),
    Indicator(
        "wi.instroom.pw", "Instroom algemene bijstand", "uitkeringen",
        "Algemene bijstand uitkeringen met aanvang in de maand.",
        base="uitkering", numerator="count(*) FILTER (WHERE is_pw AND instroom)", numerator_is_count=True),
    Indicator(
        "wi.uitstroom.pw", "Uitstroom algemene bijstand", "uitkeringen",
        "Algemene bijstand uitkeringen met einde in de maand.",
        base="uitkering", numerator=_UITSTROOM_PW, numerator_is_count=True),
    Indicator(
        "wi.uitstroom_werk.pw", "Uitstroom naar werk algemene bijstand", "uitkeringen",
        "Algemene bijstand uitkeringen met einde in de maand wegens werk in loondienst of als zelfstandige.",
        base="uitkering", numerator=_UITSTROOM_WERK_PW, numerator_is_count=True),
    Indicator(
        "wi.aandeel_uitstroom_werk.pw", "Aandeel uitstroom naar werk", "fractie",
        "Uitstroom naar werk als deel van alle uitstroom uit de algemene bijstand.",
        base="uitkering", numerator=_UITSTROOM_WERK_PW, denominator=_UITSTROOM_PW,
        numerator_is_count=True, denominator_is_count=True),
    Indicator(
        "wi.volumeontwikkeling_12m.pw", "Volumeontwikkeling algemene bijstand in 12 maanden", "fractie",
        "Relatieve verandering van het bestand algemene bijstand ten opzichte van twaalf maanden eerder.",
        change_12m_of="wi.bestand.pw", denominator_is_count=True),
    Indicator(
        "wi.gemiddelde_duur_maanden.pw", "Gemiddelde duur algemene bijstand", "maanden",
        "Gemiddelde duur in hele kalendermaanden van de lopende algemene bijstand uitkeringen.",
        base="uitkering", numerator=f"coalesce(sum(maanden_duur) FILTER (WHERE {_PW_LOPEND}), 0)",
        denominator=_BESTAND_PW, denominator_is_count=True),
    Indicator(
        "wi.aandeel_inkomsten_werk.pw", "Aandeel met inkomsten uit werk", "fractie",
        "Deel van de lopende algemene bijstand uitkeringen met (deeltijd)inkomsten uit arbeid.",
        base="uitkering", numerator=f"count(*) FILTER (WHERE {_PW_LOPEND} AND heeft_werk_inkomsten)",
        denominator=_BESTAND_PW, numerator_is_count=True, denominator_is_count=True),
    Indicator(
        "wi.aandeel_ontheffing.pw", "Aandeel met ontheffing van de arbeidsverplichting", "fractie",
        "Deel van de lopende personen in de algemene bijstand met een ontheffing van de arbeidsverplichting.",
        base="persoon",
        numerator=f"count(DISTINCT persoon_key) FILTER (WHERE {_PW_PERSONEN} AND ontheffing IN ('4', '5', '6'))",
        denominator=f"count(DISTINCT persoon_key) FILTER (WHERE {_PW_PERSONEN} AND ontheffing IN ('2', '4', '5', '6'))",
        numerator_is_count=True, denominator_is_count=True),
    Indicator(
        "wi.gem_betaalbaar_bedrag.pw", "Gemiddeld betaalbaar bedrag algemene bijstand", "euro per maand",
        "Gemiddeld betaalbaar gesteld bedrag per lopende algemene bijstand uitkering (prijs van de uitkering).",
        base="uitkering",
        numerator=f"coalesce(sum(betaalbaar_bedrag) FILTER (WHERE {_PW_LOPEND} AND betaalbaar_bedrag IS NOT NULL), 0)",
        denominator=f"count(*) FILTER (WHERE {_PW_LOPEND} AND betaalbaar_bedrag IS NOT NULL)",
        denominator_is_count=True),
    Indicator(
        "wi.bijzondere_bijstand.eenmalig", "Eenmalige bijzondere bijstand", "uitkeringen",
        "Verstrekkingen eenmalige bijzondere bijstand met aanvang in de maand.",
        base="uitkering", numerator="count(*) FILTER (WHERE statistiekcode = '12' AND instroom)",
        numerator_is_count=True),
    Indicator(
        "wi.bijzondere_bijstand.eenmalig_bedrag", "Bedrag eenmalige bijzondere bijstand", "euro",
        "Betaalbaar gesteld bedrag van de verstrekkingen eenmalige bijzondere bijstand met aanvang in de maand.",
        base="uitkering",
        numerator="coalesce(sum(betaalbaar_bedrag) FILTER (WHERE statistiekcode = '12' AND instroom), 0)"),
    Indicator(
        "wi.bijstandsdichtheid.pw", "Bijstandsdichtheid", "per 1.000 inwoners",
        "Personen in de algemene bijstand per 1.000 inwoners op 1 januari van het jaar (CBS).",
        base="persoon", numerator=f"1000 * count(DISTINCT persoon_key) FILTER (WHERE {_PW_PERSONEN})",
        denominator_kenmerk="inwoners"),
)

_BY_CODE = {i.code: i for i in INDICATORS}


def indicator(code: str) -> Indicator:
    """The indicator with this code; KeyError names the code if there is none."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise KeyError(f"unknown indicator {code!r}") from None


def _check_registry() -> None:
    if len(_BY_CODE) != len(INDICATORS):
        raise ValueError("indicator codes must be unique")
    for i in INDICATORS:
        target = _BY_CODE.get(i.change_12m_of or "")
        if i.change_12m_of is not None and (target is None or target.change_12m_of or target.denominator):
            raise ValueError(f"{i.code}: change_12m_of must name a count or sum computed from a base")


_check_registry()
