"""What the BUS parser says to a person: the reasons to reject (Dutch), and values shown without a BSN.

In signalering values and in every reason for rejection, a run of exactly nine digits is shown as "(9 cijfers,
niet getoond)" (also a Registratienummer: some systems use the BSN as dossier number).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

from lxml import etree

HIDDEN = "(9 cijfers, niet getoond)"
MAANDEN = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december")
_MAX_REASONS = 50
_MAX_SHOWN = 60
_NINE_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9]{9}(?![0-9])")


class UploadRejected(Exception):
    """The upload is refused as a whole; ``reasons`` are Dutch sentences that say what to fix and where; ``month`` is
    the Statistiekmaand when it could be read (for the report), else None."""

    def __init__(self, reasons: list[str], month: datetime.date | None = None):
        self.reasons = list(reasons)
        self.month = month
        super().__init__("\n".join(self.reasons))

    def __reduce__(self):
        return type(self), (self.reasons, self.month)


class Rejected(Exception):
    """Stops reading: the file cannot be read further (size, DOCTYPE, structure)."""


def month_label(month: datetime.date) -> str:
    """A month as a municipal employee writes it: "september 2026"."""
    return f"{MAANDEN[month.month - 1]} {month.year}"


def shown(raw: str | None) -> str | None:
    """A received value as it may be shown: never nine digits in a row (could be a BSN), never very long."""
    if raw is None:
        return None
    if len(raw) > _MAX_SHOWN:
        raw = raw[:_MAX_SHOWN] + "…"
    return hide_nine_digits(raw)


def hide_nine_digits(text: str) -> str:
    """Every run of exactly nine digits (it could be a BSN) replaced by "(9 cijfers, niet getoond)"."""
    return _NINE_DIGIT_RUN.sub(HIDDEN, text)


def capped(reasons: list[str]) -> list[str]:
    """At most _MAX_REASONS reasons, and no run of nine digits in any (a Registratienummer may be a BSN)."""
    if len(reasons) > _MAX_REASONS:
        reasons = [*reasons[:_MAX_REASONS], f"... en nog {len(reasons) - _MAX_REASONS} redenen van dezelfde soort."]
    return [hide_nine_digits(reason) for reason in reasons]


def too_large(max_bytes: int) -> str:
    size = f"{max_bytes // 2**20} MB" if max_bytes >= 2**20 else f"{max_bytes} bytes"
    return (f"Het bestand is groter dan {size}, het maximum voor één upload. Lever per maand één bestand met "
            "alleen de gegevens van die maand.")


DOCTYPE = ("Het bestand bevat een DOCTYPE-declaratie. Die is in een BUS-bestand niet toegestaan (om "
            "veiligheidsredenen wordt zo'n bestand niet gelezen); lever het bestand zonder <!DOCTYPE ...>.")


def not_well_formed(error: etree.XMLSyntaxError) -> str:
    """The first error libxml2 logged (with resolve_entities=False the raised one can be a later, vaguer one)."""
    first = next((entry for entry in error.error_log if entry.line > 0), None)
    line, column, message = ((first.line, first.column, first.message) if first is not None
                             else (*error.position, error.msg))
    return (f"Het bestand is geen geldige XML (regel {line}, kolom {column}): {message.rstrip('.')}. Controleer of "
            "het bestand volledig en onbewerkt uit het softwarepakket komt.")


def structure_error(line: int | None, message: str) -> str:
    return f"Het bestand heeft niet de BUS-structuur: regel {line}: {hide_nine_digits(message)}"


def describe(elem: etree._Element) -> str:
    """Where an element is, for a message: "<Persoon> 2 (regel 40) van Uitkering U2024000117 (regel 31)"."""
    tag = elem.tag
    if tag == "Uitkering":
        nummer = (elem.findtext("Registratienummer") or "").strip()
        label = f"Uitkering {nummer}" if nummer else "<Uitkering>"
        return f"{label} (regel {elem.sourceline})"
    if tag in ("Persoon", "Vermindering", "Inkomsten"):
        position = 1 + sum(1 for _ in elem.itersiblings(tag, preceding=True))
        return f"<{tag}> {position} (regel {elem.sourceline}) van {describe(elem.getparent())}"
    return f"<{tag}> (regel {elem.sourceline})"


def gemeenten_list(codes: Iterable[str]) -> str:
    codes = sorted(codes)
    if not codes:
        return "geen enkele gemeente"
    return "gemeente " + ", ".join(c.removeprefix("GM") for c in codes)

