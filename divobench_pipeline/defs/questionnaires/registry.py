"""Indicators of the verdiepende module (quarterly) and Armoede & Schulden (yearly): the one place each is defined.

Each indicator is a numerator and an optional denominator over the *inputs* of one participant and period: the
answers in force (by question code), ``bestand`` (gemiddeld BUIG-bestand: mean of ``wi.bestand.buig`` at level
participant over the quarter's three months), ``inwoners`` (CBS, 1 January of the year, summed over the
participant's gemeenten), ``budget`` (BUIG budget of the year, summed) and ``lasten_jaar`` / ``baten_jaar``
(``lasten_buig`` / ``baten_buig`` summed over the year's four quarters). An input that is missing, or a
denominator of 0, gives no value. Written definitions: docs/indicators.md (one section per code).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from divobench_pipeline.defs.questionnaires.periods import JAAR, KWARTAAL

Inputs = dict[str, float | None]


@dataclass(frozen=True)
class QuestionnaireIndicator:
    """One indicator at level participant, stored under the last month of its period."""

    code: str
    name: str
    unit_of_measure: str
    description: str
    period: str
    module: str
    uses: tuple[str, ...]
    numerator: Callable[[Inputs], float]
    denominator: Callable[[Inputs], float] | None = None
    numerator_is_count: bool = False
    denominator_is_count: bool = False
    participant_only: bool = True

    @property
    def has_denominator(self) -> bool:
        return self.denominator is not None

    def compute(self, inputs: Inputs) -> tuple[float, float | None, float] | None:
        """(numerator, denominator, value), or None when an input is missing or the denominator is 0."""
        if any(inputs.get(name) is None for name in self.uses):
            return None
        numerator = float(self.numerator(inputs))
        if self.denominator is None:
            return numerator, None, numerator
        denominator = float(self.denominator(inputs))
        return (numerator, denominator, numerator / denominator) if denominator != 0 else None


def _fte_totaal(x: Inputs) -> float:
    return x["fte_eigen_personeel"] + x["fte_inhuur"]


def _budgetresultaat(x: Inputs) -> float:
    return x["budget"] - x["lasten_jaar"] + x["baten_jaar"]


def _wi(code, name, unit, description, uses, numerator, denominator=None, counts=(False, False), period=KWARTAAL):
    return QuestionnaireIndicator(code, name, unit, description, period, "wi_verdiepend", uses, numerator,
                                  denominator, *counts)


def _as(code, name, unit, description, uses, numerator, denominator, counts=(True, True)):
    return QuestionnaireIndicator(code, name, unit, description, JAAR, "armoede_schulden", uses, numerator,
                                  denominator, *counts)


_FTE = ("fte_eigen_personeel", "fte_inhuur")
INDICATORS: tuple[QuestionnaireIndicator, ...] = (
    _wi("wi.klanten_per_fte_km_inkomen", "Klanten per fte klantmanager inkomen", "klanten per fte",
        "Gemiddeld BUIG-bestand van het kwartaal per fte klantmanager inkomen.",
        ("bestand", "fte_klantmanager_inkomen"), lambda x: x["bestand"], lambda x: x["fte_klantmanager_inkomen"]),
    _wi("wi.klanten_per_fte", "Klanten per fte W&I", "klanten per fte",
        "Gemiddeld BUIG-bestand van het kwartaal per fte van de W&I-organisatie (eigen personeel en inhuur).",
        ("bestand", *_FTE), lambda x: x["bestand"], _fte_totaal),
    _wi("wi.aandeel_inhuur", "Aandeel inhuur", "fractie",
        "Ingehuurde fte als deel van alle fte van de W&I-organisatie.", _FTE, lambda x: x["fte_inhuur"], _fte_totaal),
    _wi("wi.ziekteverzuim", "Ziekteverzuim", "procent",
        "Verzuimpercentage van het eigen personeel, gewogen naar fte eigen personeel.",
        ("verzuimpercentage", "fte_eigen_personeel"), lambda x: x["verzuimpercentage"] * x["fte_eigen_personeel"],
        lambda x: x["fte_eigen_personeel"]),
    _wi("wi.kosten_per_klant", "Uitvoeringskosten per klant", "euro per klant per kwartaal",
        "Uitvoeringskosten W&I in het kwartaal per klant van het gemiddeld BUIG-bestand.",
        ("uitvoeringskosten", "bestand"), lambda x: x["uitvoeringskosten"], lambda x: x["bestand"]),
    _wi("wi.reintegratie_per_klant", "Re-integratie-uitgaven per klant", "euro per klant per kwartaal",
        "Uitgaven aan re-integratievoorzieningen in het kwartaal per klant van het gemiddeld BUIG-bestand.",
        ("uitgaven_reintegratie", "bestand"), lambda x: x["uitgaven_reintegratie"], lambda x: x["bestand"]),
    _wi("wi.doorlooptijd_binnen_4_weken", "Aanvragen beslist binnen 4 weken", "fractie",
        "Deel van de in het kwartaal afgehandelde aanvragen algemene bijstand dat binnen 28 dagen is beslist.",
        ("aanvragen_binnen_4_weken", "aanvragen_afgehandeld"), lambda x: x["aanvragen_binnen_4_weken"],
        lambda x: x["aanvragen_afgehandeld"], (True, True)),
    _wi("wi.doorlooptijd_binnen_8_weken", "Aanvragen beslist binnen 8 weken", "fractie",
        "Deel van de in het kwartaal afgehandelde aanvragen algemene bijstand dat binnen 56 dagen is beslist.",
        ("aanvragen_binnen_8_weken", "aanvragen_afgehandeld"), lambda x: x["aanvragen_binnen_8_weken"],
        lambda x: x["aanvragen_afgehandeld"], (True, True)),
    _wi("wi.maatregelen_per_100_klanten", "Maatregelen per 100 klanten", "per 100 klanten",
        "Opgelegde maatregelen in het kwartaal per 100 klanten van het gemiddeld BUIG-bestand.",
        ("maatregelen", "bestand"), lambda x: 100 * x["maatregelen"], lambda x: x["bestand"]),
    _wi("wi.budgetresultaat", "BUIG-budgetresultaat", "euro",
        "BUIG-budget van het jaar min de lasten plus de baten BUIG over de vier kwartalen; negatief is een tekort.",
        ("budget", "lasten_jaar", "baten_jaar"), _budgetresultaat, period=JAAR),
    _wi("wi.budgetresultaat_pct", "BUIG-budgetresultaat als deel van het budget", "fractie",
        "Het BUIG-budgetresultaat als deel van het BUIG-budget van het jaar.",
        ("budget", "lasten_jaar", "baten_jaar"), _budgetresultaat, lambda x: x["budget"], period=JAAR),
    _as("as.shv_tijdig_eerste_gesprek", "Eerste gesprek schuldhulp binnen 4 weken", "fractie",
        "Deel van de eerste gesprekken schuldhulpverlening in het jaar dat binnen 28 dagen na aanmelding plaatsvond.",
        ("shv_eerste_gesprek_binnen_4_weken", "shv_eerste_gesprekken"),
        lambda x: x["shv_eerste_gesprek_binnen_4_weken"], lambda x: x["shv_eerste_gesprekken"]),
    _as("as.shv_crisis_tijdig", "Crisisaanmeldingen tijdig gesproken", "fractie",
        "Deel van de aanmeldingen met een bedreigende situatie met een eerste gesprek binnen 3 werkdagen.",
        ("shv_crisis_binnen_3_werkdagen", "shv_crisis_aanmeldingen"),
        lambda x: x["shv_crisis_binnen_3_werkdagen"], lambda x: x["shv_crisis_aanmeldingen"]),
    _as("as.shv_schuldregeling_tijdig", "Schuldregelingen binnen 120 dagen", "fractie",
        "Deel van de in het jaar gestarte schuldregelingen dat binnen 120 dagen tot stand kwam.",
        ("shv_schuldregelingen_binnen_120_dagen", "shv_schuldregelingen_gestart"),
        lambda x: x["shv_schuldregelingen_binnen_120_dagen"], lambda x: x["shv_schuldregelingen_gestart"]),
    _as("as.shv_schuldenvrije_uitstroom", "Schuldenvrije uitstroom schuldhulp", "fractie",
        "Deel van de in het jaar beëindigde trajecten dat afgerond is (schuldenvrij of schuldregeling voltooid).",
        ("shv_uitstroom_schuldenvrij", "shv_uitstroom"),
        lambda x: x["shv_uitstroom_schuldenvrij"], lambda x: x["shv_uitstroom"]),
    _as("as.shv_aanmeldingen_per_10000", "Aanmeldingen schuldhulp per 10.000 inwoners", "per 10.000 inwoners",
        "Aanmeldingen schuldhulpverlening in het jaar per 10.000 inwoners op 1 januari (CBS).",
        ("shv_aanmeldingen", "inwoners"), lambda x: 10000 * x["shv_aanmeldingen"], lambda x: x["inwoners"],
        (False, False)),
    _as("as.shv_uitgaven_per_inwoner", "Uitgaven schuldhulp per inwoner", "euro per inwoner",
        "Uitgaven aan schuldhulpverlening in het jaar per inwoner op 1 januari (CBS).",
        ("shv_uitgaven", "inwoners"), lambda x: x["shv_uitgaven"], lambda x: x["inwoners"], (False, False)),
    _as("as.minima_uitgaven_per_inwoner", "Uitgaven minimaregelingen per inwoner", "euro per inwoner",
        "Uitgaven aan minimaregelingen in het jaar (zonder bijzondere bijstand) per inwoner op 1 januari (CBS).",
        ("minima_uitgaven", "inwoners"), lambda x: x["minima_uitgaven"], lambda x: x["inwoners"], (False, False)),
)
MODULES = {i.module for i in INDICATORS}


def indicators_of(period_kind: str) -> tuple[QuestionnaireIndicator, ...]:
    return tuple(i for i in INDICATORS if i.period == period_kind)
