"""Build BUS-XML test documents from Python dicts, so that each test states its record explicitly.

A record is a dict from element name to value: a string is written as the element's text ("" gives an empty
element), None leaves the element out, a list of dicts gives repeated child groups (``"Persoon": [...]``).
Elements are written in the order of the spec (layout.py), one per line, whatever the dict order.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

from divobench_pipeline.defs.bus_uploads.layout import GROUP_ELEMENTS, by_element, kenmerken_of
from divobench_pipeline.defs.bus_uploads.parser import bsn_valid

# BSNs from the 999xxxxxx test range that pass the 11-proef.
BSN_AANVRAGER = "999990019"
BSN_PARTNER = "999990020"
BSN_OTHER = "999993653"
BSN_FAILING = "999990010"  # nine digits, fails the 11-proef
TEST_BSNS = (BSN_AANVRAGER, BSN_PARTNER, BSN_OTHER, "999990032", BSN_FAILING)

_POSITION = {name: k.nr for level in GROUP_ELEMENTS.values() for name, k in by_element(level).items()}
_POSITION.update({element: min(k.nr for k in kenmerken_of(level)) + 0.5 for element, level in GROUP_ELEMENTS.items()})


def persoon(**values: str | list | None) -> dict:
    """A valid aanvrager, lopend; keyword arguments override or add elements (None removes one)."""
    record = {"Burgerservicenummer": BSN_AANVRAGER, "Geboortedatum": "19710902", "Geslacht": "1", "Huisvesting": "1",
              "AanvangsdatumUitkering": "20260205", "OntheffingArbeidsverplichting": "2"}
    return _merge(record, values)


def uitkering(registratienummer: str = "U0001", *personen: dict, **values: str | list | None) -> dict:
    """A valid algemene-bijstand uitkering with the given personen (default: one aanvrager)."""
    record = {"Registratienummer": registratienummer, "Statistiekcode": "01", "Leefvorm": "1",
              "AantalKostendelers": "0", "BedragNorm": "1401", "BedragVerminderingAfstemming": "0",
              "BedragInkomstenUitkering": "0", "BetaalbaarBedrag": "1401", "DatumInvoering": "20260928",
              "Persoon": list(personen) or [persoon()]}
    return _merge(record, values)


def levering(*uitkeringen: dict, **values: str | list | None) -> dict:
    """A Levering of gemeente 0363 for September 2026 with the given uitkeringen (default: one)."""
    record = {"Statistiekjaar": "2026", "Statistiekmaand": "09", "Berichtgevercode": "0363", "Gemeentecode": "0363",
              "NaamSoftwarepakket": "sam", "VersieSoftwarepakket": "4.12.1",
              "Uitkering": list(uitkeringen) if uitkeringen else [uitkering()]}
    return _merge(record, values)


def bus_document(*leveringen: dict, encoding: str = "UTF-8", versie: str = "2015") -> bytes:
    """The XML document (default: one default Levering), encoded as its declaration says."""
    lines = [f'<?xml version="1.0" encoding="{encoding}"?>', f'<BUS versie="{versie}">']
    for record in leveringen or (levering(),):
        lines.extend(_element("Levering", record, 1))
    lines.append("</BUS>")
    return ("\n".join(lines) + "\n").encode(encoding)


def write_bus(path: Path, *leveringen: dict, encoding: str = "UTF-8") -> Path:
    path.write_bytes(bus_document(*leveringen, encoding=encoding))
    return path


def line_of(document: bytes | str, text: str, occurrence: int = 1) -> int:
    """The 1-based line on which ``text`` occurs for the ``occurrence``-th time."""
    if isinstance(document, bytes):
        document = document.decode("utf-8", errors="replace")
    found = 0
    for number, line in enumerate(document.splitlines(), 1):
        found += line.count(text)
        if found >= occurrence:
            return number
    raise AssertionError(f"{text!r} occurs fewer than {occurrence} times")


def _merge(record: dict, values: dict) -> dict:
    merged = {**record, **values}
    return {key: value for key, value in merged.items() if value is not None}


def _element(tag: str, record: dict, depth: int) -> list[str]:
    indent = "  " * depth
    lines = [f"{indent}<{tag}>"]
    for key in sorted(record, key=lambda name: _POSITION.get(name, 99)):
        value = record[key]
        if isinstance(value, list):
            for child in value:
                lines.extend(_element(key, child, depth + 1))
        elif value == "":
            lines.append(f"{indent}  <{key}/>")
        else:
            lines.append(f"{indent}  <{key}>{escape(value)}</{key}>")
    lines.append(f"{indent}</{tag}>")
    return lines


def valid_bsns(start: int = 999_000_000) -> Iterator[str]:
    """Endless BSNs from the 999xxxxxx test range that pass the 11-proef (cycling through the range)."""
    number = start
    while True:
        candidate = str(number)
        if bsn_valid(candidate):
            yield candidate
        number = number + 1 if number < 999_999_999 else 999_000_000


def write_large_bus(path: Path, n_uitkeringen: int, seed: int = 1) -> int:
    """A realistic, valid file for throughput measurements; returns the number of personen written."""
    rng = random.Random(seed)
    bsns = valid_bsns()
    n_personen = 0
    head, tail = bus_document(levering(Uitkering=[])).decode("utf-8").split("  </Levering>")
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        for i in range(n_uitkeringen):
            paar = rng.random() < 0.3
            record = uitkering(
                f"U{i:010d}", *(persoon(Burgerservicenummer=next(bsns),
                                        Geboortedatum=f"{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}"
                                                      f"{rng.randint(1, 28):02d}",
                                        Geslacht=rng.choice("12"),
                                        AanvangsdatumUitkering=f"20{rng.randint(15, 26)}0{rng.randint(1, 9)}01",
                                        Inkomsten=[{"Soort": "11", "Bedrag": str(rng.randint(50, 900)),
                                                    "Vrijlating": "1"}] if rng.random() < 0.2 else [])
                                for _ in range(2 if paar else 1)),
                Leefvorm="3" if paar else "1", BedragNorm=str(rng.randint(1200, 2100)))
            n_personen += len(record["Persoon"])
            out.write("\n".join(_element("Uitkering", record, 2)) + "\n")
        out.write("  </Levering>" + tail)
    return n_personen

