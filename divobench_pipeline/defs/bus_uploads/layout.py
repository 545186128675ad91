"""The BUS record layout: every kenmerk of Bijlage 1 mapped onto the element that carries it.

This table is the only place that knows element names. CBS's official tag names (its *Richtlijnen BUS*)
can be added later as ``aliases`` without touching the parser, the staging tables or the indicators.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

LEVELS = ("levering", "uitkering", "persoon", "vermindering", "inkomsten")

# kind: how a value is read and checked
#   code      one of the kenmerk's code list (bus/codelijsten.csv) or an explicit ``codes`` tuple
#   date      jjjjmmdd
#   amount    whole euros, not negative
#   signed    whole euros, may be negative
#   count     whole number within ``bounds``
#   text      free text up to ``max_length`` characters
#   bsn       burgerservicenummer: 9 digits passing the 11-proef, pseudonymised at the door


@dataclass(frozen=True)
class Kenmerk:
    """One kenmerk of the BUS layout as it appears in an upload and in the staged tables."""

    nr: int
    element: str
    level: str
    column: str
    kind: str
    label: str
    required: bool = False
    codes: tuple[str, ...] | None = None
    bounds: tuple[int, int] | None = None
    max_length: int | None = None
    aliases: tuple[str, ...] = field(default=())

    def allowed_codes(self) -> frozenset[str] | None:
        if self.kind != "code":
            return None
        return frozenset(self.codes) if self.codes is not None else code_list(self.nr)


KENMERKEN: tuple[Kenmerk, ...] = (
    Kenmerk(1, "Statistiekjaar", "levering", "statistiekjaar", "count", "statistiekjaar", True, bounds=(2015, 2099)),
    Kenmerk(2, "Statistiekmaand", "levering", "statistiekmaand", "count", "statistiekmaand", True, bounds=(1, 12)),
    Kenmerk(3, "Berichtgevercode", "levering", "berichtgevercode", "text", "berichtgevercode", True, max_length=4),
    Kenmerk(4, "Gemeentecode", "levering", "gemeentecode", "text", "CBS-gemeentecode", True, max_length=4),
    Kenmerk(5, "NaamSoftwarepakket", "levering", "naam_softwarepakket", "code", "naam softwarepakket"),
    Kenmerk(6, "VersieSoftwarepakket", "levering", "versie_softwarepakket", "text", "versie softwarepakket",
            max_length=12),
    Kenmerk(7, "Registratienummer", "uitkering", "registratienummer", "text", "registratienummer uitkering", True,
            max_length=15),
    Kenmerk(8, "Statistiekcode", "uitkering", "statistiekcode", "code", "statistiekcode", True),
    Kenmerk(9, "NadereClassificatieBbz", "uitkering", "nadere_classificatie_bbz", "code", "nadere classificatie Bbz"),
    Kenmerk(10, "Leefvorm", "uitkering", "leefvorm", "code", "leefvorm"),
    Kenmerk(11, "AantalKostendelers", "uitkering", "aantal_kostendelers", "count", "aantal kostendelers",
            bounds=(0, 99)),
    Kenmerk(12, "BedragNorm", "uitkering", "bedrag_norm", "amount", "bedrag bijstandsnorm (incl. vt)"),
    Kenmerk(13, "BedragVerminderingAfstemming", "uitkering", "bedrag_vermindering_afstemming", "signed",
            "bedrag vermindering na afstemming (incl. vt)"),
    Kenmerk(14, "BedragInkomstenUitkering", "uitkering", "bedrag_inkomsten_uitkering", "signed",
            "bedrag inkomsten uitkering (incl. vt)"),
    Kenmerk(15, "BetaalbaarBedrag", "uitkering", "betaalbaar_bedrag", "amount",
            "betaalbaar gesteld bedrag (excl. vt)"),
    Kenmerk(16, "DatumInvoering", "uitkering", "datum_invoering", "date", "datum invoering administratie"),
    Kenmerk(17, "ClusterBijzondereBijstand", "uitkering", "cluster_bijzondere_bijstand", "code",
            "cluster bijzondere bijstand"),
    Kenmerk(18, "Burgerservicenummer", "persoon", "bsn_pseudoniem", "bsn", "burgerservicenummer", True),
    Kenmerk(19, "Geboortedatum", "persoon", "geboortedatum", "date", "geboortedatum", True),
    Kenmerk(20, "Geslacht", "persoon", "geslacht", "code", "geslacht"),
    Kenmerk(21, "Huisvesting", "persoon", "huisvesting", "code", "huisvesting"),
    Kenmerk(22, "AanvangsdatumUitkering", "persoon", "aanvangsdatum_uitkering", "date",
            "aanvangsdatum uitkering persoon", True),
    Kenmerk(23, "EinddatumUitkering", "persoon", "einddatum_uitkering", "date", "einddatum uitkering persoon"),
    Kenmerk(24, "OntheffingArbeidsverplichting", "persoon", "ontheffing_arbeidsverplichting", "code",
            "ontheffing arbeidsverplichting"),
    Kenmerk(25, "EinddatumOntheffing", "persoon", "einddatum_ontheffing", "date", "einddatum ontheffing"),
    Kenmerk(26, "RedenBeeindigingOntheffing", "persoon", "reden_beeindiging_ontheffing", "code",
            "reden beëindiging ontheffing of opschorting"),
    Kenmerk(27, "UitvoeringTegenprestatie", "persoon", "uitvoering_tegenprestatie", "code",
            "uitvoering tegenprestatie"),
    Kenmerk(28, "Reden", "vermindering", "reden", "code", "reden vermindering na afstemming"),
    Kenmerk(29, "Aanvangsdatum", "vermindering", "aanvangsdatum", "date", "aanvangsdatum vermindering"),
    Kenmerk(30, "Einddatum", "vermindering", "einddatum", "date", "einddatum vermindering"),
    Kenmerk(31, "Soort", "inkomsten", "soort", "code", "soort inkomsten"),
    Kenmerk(32, "Bedrag", "inkomsten", "bedrag", "signed", "bedrag inkomsten persoon (incl. vt)"),
    Kenmerk(33, "Vrijlating", "inkomsten", "vrijlating", "code", "vrijlating inkomsten"),
    Kenmerk(34, "RedenBeeindigingUitkering", "persoon", "reden_beeindiging_uitkering", "code",
            "reden beëindiging uitkering persoon"),
)

# Repeating groups and their parents, by element name.
GROUP_ELEMENTS = {"Levering": "levering", "Uitkering": "uitkering", "Persoon": "persoon",
                  "Vermindering": "vermindering", "Inkomsten": "inkomsten"}


def kenmerken_of(level: str) -> tuple[Kenmerk, ...]:
    """The kenmerken carried directly by one level of the record, in layout order."""
    return tuple(k for k in KENMERKEN if k.level == level)


def by_element(level: str) -> dict[str, Kenmerk]:
    """Element name (and every alias) to kenmerk, for one level."""
    mapping: dict[str, Kenmerk] = {}
    for k in kenmerken_of(level):
        for name in (k.element, *k.aliases):
            mapping[name] = k
    return mapping


def kenmerk(nr: int) -> Kenmerk:
    return next(k for k in KENMERKEN if k.nr == nr)


@cache
def _code_rows() -> tuple[dict[str, str], ...]:
    text = resources.files(__package__).joinpath("codelijsten.csv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines()))


@cache
def code_list(nr: int) -> frozenset[str]:
    """The codes of kenmerk ``nr`` (Regeling statistiek Participatiewet, IOAW en IOAZ 2015, Bijlage 1)."""
    return frozenset(row["code"] for row in _code_rows() if int(row["kenmerk_nr"]) == nr)


@cache
def code_label(nr: int, code: str) -> str | None:
    """The official description of a code, e.g. ``code_label(34, "11")``."""
    for row in _code_rows():
        if int(row["kenmerk_nr"]) == nr and row["code"] == code:
            return row["omschrijving"]
    return None
