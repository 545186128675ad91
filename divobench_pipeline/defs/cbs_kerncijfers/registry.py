"""The CBS kerncijfers indicators: the one place where each is defined (docs/indicators.md has their sections).

Each is a CBS count (a kenmerk of ``cbs_kerncijfer`` at one leeftijdsklasse), optionally times a factor and over
another count. Values are per gemeente for December of the CBS year, and pooled per participant.
"""

from __future__ import annotations

from dataclasses import dataclass

from divobench_pipeline.defs.cbs_kerncijfers.source import VIJFTIEN_PLUS, VIJFTIEN_TOT_AOW

OWN_GROUP_VALUES = True
"""This domain computes the group values of its own indicators (over every gemeente of the year's indeling);
the monthly W&I group values leave them alone (core/catalogue.py ``pooled_by_comparisons``)."""


@dataclass(frozen=True)
class CbsIndicator:
    """numerator = ``factor`` × kenmerk ``numerator`` at ``leeftijd``; denominator = kenmerk ``denominator`` at
    the same leeftijd (None: the value is the numerator)."""

    code: str
    name: str
    unit_of_measure: str
    description: str
    numerator: str
    leeftijd: str = VIJFTIEN_PLUS
    denominator: str | None = None
    factor: float = 1.0
    module: str = "cbs_kerncijfers"

    @property
    def has_denominator(self) -> bool:
        return self.denominator is not None

    @property
    def numerator_is_count(self) -> bool:
        return self.factor == 1

    @property
    def denominator_is_count(self) -> bool:
        return self.denominator is not None


def _count(code: str, name: str, kenmerk: str, description: str) -> CbsIndicator:
    return CbsIndicator(code, name, "personen", description, numerator=kenmerk)


INDICATORS: tuple[CbsIndicator, ...] = (
    _count("cbs.bijstandsontvangers", "Bijstandsontvangers (CBS)", "bijstandsontvangers",
           "Personen van 15 jaar of ouder met bijstand, volgens CBS, eind van het jaar."),
    CbsIndicator("cbs.bijstandsdichtheid", "Bijstandsdichtheid (CBS)", "per 1.000 inwoners",
                 "Bijstandsontvangers per 1.000 inwoners van 15 jaar of ouder, volgens CBS.",
                 numerator="bijstandsontvangers", denominator="inwoners", factor=1000),
    _count("cbs.instroom_bijstand", "Instroom bijstand (CBS)", "instroom",
           "Personen van 15 jaar of ouder ingestroomd in de bijstand in het jaar, volgens CBS."),
    _count("cbs.uitstroom_bijstand", "Uitstroom bijstand (CBS)", "uitstroom",
           "Personen van 15 jaar of ouder uitgestroomd uit de bijstand in het jaar, volgens CBS."),
    _count("cbs.uitstroom_werk", "Uitstroom naar werk (CBS)", "uitstroom_werk",
           "Personen van 15 jaar of ouder uitgestroomd uit de bijstand naar werk, volgens CBS."),
    _count("cbs.reintegratie_personen", "Personen met een re-integratievoorziening (CBS)", "reintegratie_personen",
           "Personen van 15 jaar of ouder met een re-integratievoorziening van de gemeente, volgens CBS."),
    _count("cbs.werk_na_reintegratie", "Werkenden na re-integratie (CBS)", "werk_na_reintegratie",
           "Personen van 15 jaar of ouder die na een re-integratievoorziening werk hebben, volgens CBS."),
    _count("cbs.wsw_werknemers", "WSW-werknemers (CBS)", "wsw_werknemers",
           "Werknemers van 15 jaar of ouder in de sociale werkvoorziening, volgens CBS."),
    CbsIndicator("cbs.wsw_dichtheid", "WSW-dichtheid (CBS)", "per 1.000 inwoners",
                 "WSW-werknemers per 1.000 inwoners van 15 jaar tot de AOW-leeftijd, volgens CBS.",
                 numerator="wsw_werknemers", leeftijd=VIJFTIEN_TOT_AOW, denominator="inwoners", factor=1000),
)
CODES = tuple(i.code for i in INDICATORS)
