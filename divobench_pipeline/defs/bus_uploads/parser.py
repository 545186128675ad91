"""Reading a BUS-XML upload (shared/spec/bus-xml.md) into the staged BUS tables, in one streaming pass.

An upload is either rejected as a whole (:class:`UploadRejected`, with reasons a municipal employee can act on)
or accepted. In an accepted upload every value that fails its kenmerk's check is stored as *onbekend* and
reported as a signalering, as CBS does when it *gaafmaakt* a file.

The structure (nesting, order, repetition, the required Levering header, Registratienummer and Persoon) is the
one of ``bus.xsd``. It is enforced here while streaming, not by the XSD validator: libxml2 reports no line
numbers for schema errors met during ``iterparse``, its messages are English, and element aliases in
:mod:`layout` keep working this way. While streaming, values are only collected as text; each kenmerk's check
then runs once per distinct value of its column, when the file has been read.

Rules the spec leaves open, decided here:

- NadereClassificatieBbz belongs only with Statistiekcode 14, ClusterBijzondereBijstand only with 11 or 12. Such
  a value given with another statistiekcode is a signalering and stored as onbekend; when the statistiekcode is
  itself onbekend the value is kept.
- Within an Uitkering, the elements after the Registratienummer may come in any order (the spec lists
  ClusterBijzondereBijstand last, its example puts it after the Statistiekcode); each at most once.
- A Registratienummer longer than 15 characters is a signalering but kept: it is how the record is found.
  An empty Registratienummer rejects the file, like a missing one, and so does an Uitkering without Persoon.
- An EinddatumUitkering before the AanvangsdatumUitkering is stored as onbekend; the person then counts as
  lopend and needs no RedenBeeindigingUitkering.
- A date must exist and lie in 1900..2099; amounts and counts must fit the warehouse's 32-bit INTEGER.
- Codes are compared exactly as written: "1" is not Statistiekcode "01".
- Statistiekmaand is two digits (01..12), Statistiekjaar four digits from 2015.
- Attributes are a structure error, except ``versie`` (required) and ``xsi:`` attributes on BUS, as in the XSD.

A BSN is pseudonymised as soon as its Persoon has been read and never leaves this module. In signalering values
and in every reason for rejection, a run of exactly nine digits is shown as "(9 cijfers, niet getoond)" (also a
Registratienummer: some systems use the BSN as dossier number).

Line numbers are libxml2's ``sourceline``. libxml2 keeps no line number above 65535 for an element itself; there
it reports the line of the element's first text, which for a group element (Uitkering, Persoon) written over
several lines is one line below its start tag. Values and the Registratienummer are exact in any file.
"""

from __future__ import annotations

import collections
import datetime
import operator
import os
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import pandas as pd
from lxml import etree

from divobench_pipeline.core import schemas
from divobench_pipeline.defs.bus_uploads.layout import (
    GROUP_ELEMENTS,
    KENMERKEN,
    Kenmerk,
    by_element,
    kenmerk,
    kenmerken_of,
)

DEFAULT_MAX_BYTES = 256 * 1024 * 1024

HIDDEN = "(9 cijfers, niet getoond)"
CALLER_COLUMNS = ("month", "participant_id", "upload_sha256")
MAANDEN = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december")

_TABLES = {"uitkering": schemas.BUS_UITKERING, "persoon": schemas.BUS_PERSOON,
           "vermindering": schemas.BUS_VERMINDERING, "inkomsten": schemas.BUS_INKOMSTEN}
_PARENT_LEVEL = {"uitkering": "levering", "persoon": "uitkering", "vermindering": "persoon", "inkomsten": "persoon"}
_FREE_ORDER_FROM = {"uitkering": 8}
_HEAD_BYTES = 64 * 1024
_MAX_REASONS = 50
_MAX_SHOWN = 60
_MAX_PLANS = 10_000
_INT32 = 2**31 - 1
_INT32_DIGITS = len(str(_INT32))  # longer numbers are too large (and Python refuses int() of very long ones)
_XSI = "{http://www.w3.org/2001/XMLSchema-instance}"

_NINE_DIGITS = re.compile(r"[0-9]{9}")
_NINE_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9]{9}(?![0-9])")
_INTEGER = re.compile(r"-?[0-9]+")
_DIGITS = re.compile(r"[0-9]+")
_DATE = re.compile(r"[0-9]{8}")
_FOUR_DIGITS = re.compile(r"[0-9]{4}")
_TWO_DIGITS = re.compile(r"[0-9]{2}")
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
_TAG = operator.attrgetter("tag")


class UploadRejected(Exception):
    """The upload is refused as a whole; ``reasons`` are Dutch sentences that say what to fix and where."""

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        super().__init__("\n".join(self.reasons))


@dataclass
class ParsedUpload:
    """An accepted upload: its month, its Leveringen, the staged rows (without the caller's columns) and how
    completely each kenmerk was filled in."""

    month: datetime.date
    leveringen: list[dict]
    tables: dict[str, pd.DataFrame]
    volledigheid: pd.DataFrame
    n_uitkeringen: int
    n_personen: int

    @property
    def signaleringen(self) -> pd.DataFrame:
        return self.tables["bus_signalering"]


def parse_bus_upload(source: str | os.PathLike | BinaryIO, *, pseudonymise: Callable[[str], str],
                     allowed_gemeenten: Collection[str], today: datetime.date,
                     max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedUpload:
    """Read one BUS upload; raise :class:`UploadRejected` when it must be refused as a whole.

    ``pseudonymise`` turns a valid BSN into its pseudonym; ``allowed_gemeenten`` are the GM codes the uploading
    participant may deliver for; a Statistiekmaand that starts after ``today`` is refused.
    """
    with _Source.open(source, max_bytes) as stream:
        return _Reader(pseudonymise, frozenset(allowed_gemeenten), today).read(stream)


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


def bsn_valid(bsn: str) -> bool:
    """Nine digits passing the 11-proef (weights 9..2 and -1)."""
    return _NINE_DIGITS.fullmatch(bsn) is not None and sum(map(operator.mul, _BSN_WEIGHTS, map(int, bsn))) % 11 == 0


def hide_nine_digits(text: str) -> str:
    """Every run of exactly nine digits (it could be a BSN) replaced by "(9 cijfers, niet getoond)"."""
    return _NINE_DIGIT_RUN.sub(HIDDEN, text)


class _Rejected(Exception):
    """Stops reading: the file cannot be read further (size, DOCTYPE, structure)."""


class _Invalid(Exception):
    """A value that fails its kenmerk's check; the argument is the melding."""


# --- the bytes ---

class _Source:
    """The upload's bytes, read once: a head to inspect the prolog, then the rest, never more than ``max_bytes``."""

    def __init__(self, stream: BinaryIO, max_bytes: int, owned: bool):
        self._stream = stream
        self._max = max_bytes
        self._owned = owned
        self._read = 0
        self._head = b""

    @classmethod
    def open(cls, source: str | os.PathLike | BinaryIO, max_bytes: int) -> _Source:
        if isinstance(source, (str, os.PathLike)):
            if os.stat(source).st_size > max_bytes:
                raise UploadRejected([_too_large(max_bytes)])
            return cls(open(source, "rb"), max_bytes, owned=True)
        if source.seekable():
            here = source.tell()
            size = source.seek(0, os.SEEK_END) - here
            source.seek(here)
            if size > max_bytes:
                raise UploadRejected([_too_large(max_bytes)])
        return cls(source, max_bytes, owned=False)

    def __enter__(self) -> _Source:
        return self

    def __exit__(self, *exc) -> None:
        if self._owned:
            self._stream.close()

    def head(self) -> bytes:
        """The first bytes, kept to be served again by :meth:`read`."""
        self._head = self._counted(self._stream.read(_HEAD_BYTES))
        return self._head

    def at_end(self) -> bool:
        more = self._counted(self._stream.read(1))
        self._head += more
        return not more

    def read(self, size: int = -1) -> bytes:
        if self._head:
            data, self._head = self._head, b""
            return data
        return self._counted(self._stream.read(size if size and size > 0 else 1 << 16))

    def _counted(self, data: bytes) -> bytes:
        self._read += len(data)
        if self._read > self._max:
            raise _Rejected(_too_large(self._max))
        return data


def _too_large(max_bytes: int) -> str:
    size = f"{max_bytes // 2**20} MB" if max_bytes >= 2**20 else f"{max_bytes} bytes"
    return (f"Het bestand is groter dan {size}, het maximum voor één upload. Lever per maand één bestand met "
            "alleen de gegevens van die maand.")


def _prolog_problem(head: bytes, complete: bool) -> str | None:
    """Why the prolog (what precedes the root element) cannot be accepted: a DOCTYPE (the only way to declare
    entities), or a prolog so long that the head of the file does not reach its end."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="ignore")
    elif head[:2] in (b"<\x00", b"\x00<"):
        text = head.decode("utf-16-le" if head[0] == 0x3C else "utf-16-be", errors="ignore")
    else:
        text = head.decode("latin-1")
    text = text.lstrip("\ufeffï»¿")
    pos = 0
    while (m := _PROLOG_ITEM.match(text, pos)) and m.end() > pos:
        pos = m.end()
    if text.startswith("<!DOCTYPE", pos):
        return _DOCTYPE
    if not complete and (pos == len(text) or text.startswith(("<!--", "<?"), pos)):
        return (f"Vóór het element <BUS> staat meer dan {_HEAD_BYTES // 1024} kB aan commentaar of instructies; "
                "zo'n bestand wordt niet gelezen. Lever het bestand zoals het softwarepakket het maakt.")
    return None


# --- checks of one value: its value, or _Invalid with the melding (showing the value only through `shown`) ---

def _code_check(k: Kenmerk) -> Callable[[str], str]:
    allowed = k.allowed_codes()

    def check(raw: str) -> str:
        if raw in allowed:
            return raw
        raise _Invalid(f"code {shown(raw)} komt niet voor in de codelijst van {k.label}")
    return check


def _date_check(k: Kenmerk) -> Callable[[str], str]:
    def check(raw: str) -> str:
        if not _DATE.fullmatch(raw):
            raise _Invalid(f"{shown(raw)} is geen datum in de vorm jjjjmmdd")
        try:
            datetime.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        except ValueError:
            raise _Invalid(f"{shown(raw)} is geen bestaande datum") from None
        if not 1900 <= int(raw[:4]) <= 2099:
            raise _Invalid(f"{shown(raw)} ligt niet tussen 1900 en 2099")
        return raw
    return check


def _amount_check(k: Kenmerk) -> Callable[[str], int]:
    def check(raw: str) -> int:
        if not _INTEGER.fullmatch(raw):
            raise _Invalid(f"{shown(raw)} is geen bedrag in hele euro's")
        if raw.startswith("-") and k.kind == "amount":
            raise _Invalid(f"{shown(raw)} is negatief; dit bedrag kan niet negatief zijn")
        if len(raw.lstrip("-").lstrip("0")) > _INT32_DIGITS or abs(int(raw)) > _INT32:
            raise _Invalid(f"{shown(raw)} is te groot voor een bedrag")
        return int(raw)
    return check


def _count_check(k: Kenmerk) -> Callable[[str], int]:
    low, high = k.bounds or (0, _INT32)

    def check(raw: str) -> int:
        if not _DIGITS.fullmatch(raw):
            raise _Invalid(f"{shown(raw)} is geen geheel getal")
        if len(raw.lstrip("0")) > _INT32_DIGITS or not low <= int(raw) <= high:
            raise _Invalid(f"{shown(raw)} ligt niet tussen {low} en {high}")
        return int(raw)
    return check


def _text_check(k: Kenmerk) -> Callable[[str], str]:
    def check(raw: str) -> str:
        if len(raw) > k.max_length:
            raise _Invalid(f"de waarde is langer dan {k.max_length} tekens")
        return raw
    return check


def _bsn_problem(raw: str) -> str | None:
    if not _NINE_DIGITS.fullmatch(raw):
        return "het burgerservicenummer bestaat niet uit 9 cijfers (nummer niet getoond)"
    if not bsn_valid(raw):
        return "het burgerservicenummer voldoet niet aan de 11-proef (nummer niet getoond)"
    return None


def _value_check(k: Kenmerk) -> Callable[[str], object] | None:
    """The check of a kenmerk's value; None where the value is taken as it is (the Levering header fields,
    checked as reasons to reject, the Registratienummer, kept whatever its length, and the BSN, checked at once)."""
    if k.level == "levering" and k.required or k.nr == 7 or k.kind == "bsn":
        return None
    return {"code": _code_check, "date": _date_check, "amount": _amount_check, "signed": _amount_check,
            "count": _count_check, "text": _text_check}[k.kind](k)


_CHECKS = {k.nr: _value_check(k) for k in KENMERKEN}


# --- the layout as the parser uses it ---

def _child_order(level: str) -> dict[str, tuple[int, int | None]]:
    """Element name to (position, kenmerk nr) as in bus.xsd; a child group sits at its first kenmerk, nr None.

    Within an Uitkering every kenmerk after the Registratienummer shares one position (any order)."""
    def position(k: Kenmerk) -> int:
        return min(k.nr, _FREE_ORDER_FROM[level]) if level in _FREE_ORDER_FROM else k.nr

    order: dict[str, tuple[int, int | None]] = {name: (position(k), k.nr) for name, k in by_element(level).items()}
    for element, child in GROUP_ELEMENTS.items():
        if _PARENT_LEVEL.get(child) == level:
            order[element] = (min(k.nr for k in kenmerken_of(child)), None)
    return order


_LEVELS = ("levering", *_PARENT_LEVEL)
_ORDER = {level: _child_order(level) for level in _LEVELS}
_KENMERKEN = {level: kenmerken_of(level) for level in _LEVELS}
_SLOT = {level: {k.nr: slot for slot, k in enumerate(_KENMERKEN[level])} for level in _LEVELS}
_REQUIRED_SIGNALED = {level: tuple(k.nr for k in _KENMERKEN[level] if k.required and k.nr != 7)
                      for level in ("uitkering", "persoon")}
_REGISTRATIENUMMER = kenmerk(7)
_BSN_SLOT = _SLOT["persoon"][18]
_REGISTRATIENUMMER_SLOT = _SLOT["uitkering"][7]


def _context_columns(level: str) -> list[str]:
    """The columns of a level's table that are not its own kenmerken (gemeentecode, registratienummer, ...)."""
    own = {k.column for k in _KENMERKEN[level]}
    return [c for c in _TABLES[level].column_names if c not in own and c not in CALLER_COLUMNS]


_BSN_FAILED = object()  # in the BSN column: a BSN was given but failed (its signalering is already made)


@dataclass
class _Levering:
    nr: int
    line: int
    first_uitkering: int
    gemeentecode: str | None = None  # "GM0363"
    code: str | None = None  # "0363"
    n_uitkeringen: int = 0
    info: dict = field(default_factory=dict)

    @property
    def where(self) -> str:
        gemeente = f"gemeente {self.code}, " if self.code else ""
        return f"Levering {self.nr} ({gemeente}regel {self.line})"


@dataclass
class _Checked:
    """One kenmerk column after its check: typed values, which rows left it empty, which rows failed (melding)."""

    values: object
    empty: np.ndarray
    failed: dict[int, tuple[str, str]]  # row -> (raw value, melding)


class _Reader:
    """One pass over one upload: raw values into column lists, reasons to reject, then the checks per column."""

    def __init__(self, pseudonymise: Callable[[str], str], allowed: frozenset[str], today: datetime.date):
        self._pseudonymise = pseudonymise
        self._allowed = allowed
        self._today = today
        self._reasons: list[str] = []
        self._month: datetime.date | None = None
        self._month_from: _Levering | None = None
        self._gemeenten: dict[str, _Levering] = {}
        self._leveringen: list[_Levering] = []
        self._current: tuple[etree._Element, _Levering] | None = None
        self._registratienummers: dict[str, int] = {}
        self._plans: dict[str, dict[tuple, tuple]] = {level: {} for level in _LEVELS}
        self._empty_header = dict.fromkeys((k.nr for k in _KENMERKEN["levering"]), 0)
        # per level: context columns by name (plus "_u", the row of the uitkering), raw kenmerk columns by slot
        self._context = {level: {name: [] for name in (*_context_columns(level), "_u")} for level in _TABLES}
        self._context_lists = {level: list(columns.values()) for level, columns in self._context.items()}
        self._raw = {level: [[] for _ in _KENMERKEN[level]] for level in _TABLES}
        self._signals: list[tuple] = []  # (sort key, *the bus_signalering columns)

    # --- the pass ---

    def read(self, stream: _Source) -> ParsedUpload:
        try:
            self._prolog(stream)
            etree.clear_error_log()  # lxml's (thread-local) log: only this file's errors, see _not_well_formed
            events = etree.iterparse(stream, events=("end",), tag=("Levering", "Uitkering"), resolve_entities=False,
                                     no_network=True, huge_tree=False, load_dtd=False, remove_comments=True,
                                     remove_pis=True, remove_blank_text=True)
            for _, elem in events:
                if elem.tag == "Uitkering":
                    self._on_uitkering(elem)
                else:
                    self._on_levering(elem)
            self._check_root(events.root)
        except _Rejected as stop:
            raise UploadRejected(self._capped([*self._reasons, str(stop)])) from None
        except etree.XMLSyntaxError as error:
            raise UploadRejected(self._capped([*self._reasons, _not_well_formed(error)])) from None
        if not any(lev.n_uitkeringen for lev in self._leveringen):
            self._reasons.append("Het bestand bevat geen enkele Uitkering; er valt niets te verwerken.")
        if self._reasons:
            raise UploadRejected(self._capped(self._reasons))
        return self._result()

    def _prolog(self, stream: _Source) -> None:
        head = stream.head()
        complete = stream.at_end()
        if not head.strip(b" \t\r\n\xef\xbb\xbf") and complete:
            raise _Rejected("Het bestand is leeg.")
        if problem := _prolog_problem(head, complete):
            raise _Rejected(problem)

    def _check_root(self, root: etree._Element | None) -> None:
        if root is None:
            raise _Rejected("Het bestand bevat geen XML-elementen.")
        self._check_bus(root)
        for child in root:
            if child.tag != "Levering":
                self._misplaced(child, root, None)
            self._check_tail(child, root)
        if not self._leveringen:
            raise _Rejected(_structure(root.sourceline, "<BUS> bevat geen <Levering>."))

    def _check_bus(self, root: etree._Element) -> None:
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise _Rejected(_DOCTYPE)
        if root.tag != "BUS" or root.getparent() is not None:
            raise _Rejected(_structure(root.sourceline, f"het hoofdelement moet <BUS> zijn, niet <{root.tag}>."))
        if root.get("versie") is None:
            raise _Rejected(_structure(root.sourceline, "<BUS> mist het attribuut versie (versie=\"2015\")."))
        for name in root.keys():
            if name != "versie" and not name.startswith(_XSI):
                raise _Rejected(_structure(root.sourceline, f"<BUS> heeft een onbekend attribuut {name}."))
        if root.text and not root.text.isspace():
            raise _Rejected(_structure(root.sourceline, "losse tekst in <BUS> buiten een element."))

    def _on_levering(self, elem: etree._Element) -> None:
        if self._current is not None and self._current[0] is elem:
            lev = self._current[1]
            last, *after = list(elem)
            for child in after:
                self._misplaced(child, elem, last.tag)
            self._check_tail(last, elem)
        else:
            lev = self._enter_levering(elem, None)
        lev.info["n_uitkeringen"] = lev.n_uitkeringen
        self._current = None
        elem.clear(keep_tail=True)

    def _on_uitkering(self, elem: etree._Element) -> None:
        parent = elem.getparent()
        if parent is None or parent.tag != "Levering":
            raise _Rejected(_structure(elem.sourceline, "<Uitkering> staat niet direct in een <Levering>."))
        if self._current is None or self._current[0] is not parent:
            lev = self._enter_levering(parent, elem)
        else:
            lev = self._current[1]
        previous = elem.getprevious()
        if previous is not None:
            if previous.tag != "Uitkering":
                self._misplaced(previous, parent, "Uitkering")
            self._check_tail(previous, parent)
            parent.remove(previous)
        self._uitkering(elem, lev)
        elem.clear(keep_tail=True)

    # --- Levering ---

    def _enter_levering(self, elem: etree._Element, first_uitkering: etree._Element | None) -> _Levering:
        """Start a Levering at its first Uitkering (or at its end when it has none): check its header, then drop
        the header elements so that only Uitkeringen remain to be streamed."""
        parent = elem.getparent()
        if parent is None or parent.getparent() is not None:
            raise _Rejected(_structure(elem.sourceline, "<Levering> staat niet direct in <BUS>."))
        self._check_bus(parent)
        lev = _Levering(nr=len(self._leveringen) + 1, line=elem.sourceline,
                        first_uitkering=len(self._raw["uitkering"][0]))
        self._leveringen.append(lev)
        self._current = (elem, lev)
        self._registratienummers = {}
        if first_uitkering is None:
            header = list(elem)
        else:
            header = list(first_uitkering.itersiblings(preceding=True))[::-1]
        row, _ = self._record(elem, "levering", header)
        self._header(lev, {k.nr: value for k, value in zip(_KENMERKEN["levering"], row, strict=True)})
        for child in header:
            elem.remove(child)
        return lev

    def _header(self, lev: _Levering, values: dict[int, str | None]) -> None:
        """Check the Levering's header fields; every problem here rejects the file."""
        year, month, berichtgever, code = (values[nr] for nr in (1, 2, 3, 4))
        if code is not None and _FOUR_DIGITS.fullmatch(code):
            lev.code, lev.gemeentecode = code, "GM" + code
        reasons = self._reasons
        for k in _KENMERKEN["levering"]:
            if values[k.nr] is None:
                self._empty_header[k.nr] += 1
                if k.required:
                    reasons.append(f"{lev.where}: het verplichte veld {k.element} ontbreekt of is leeg.")
        if code is not None and lev.code is None:
            reasons.append(f"{lev.where}: Gemeentecode {shown(code)} is ongeldig; verwacht de CBS-gemeentecode van "
                           "vier cijfers, bijvoorbeeld 0363.")
        if berichtgever is not None and not _FOUR_DIGITS.fullmatch(berichtgever):
            reasons.append(f"{lev.where}: Berichtgevercode {shown(berichtgever)} is ongeldig; verwacht vier cijfers.")
        year_ok = year is not None and _FOUR_DIGITS.fullmatch(year) and int(year) >= 2015
        if year is not None and not year_ok:
            reasons.append(f"{lev.where}: Statistiekjaar {shown(year)} is ongeldig; verwacht een jaar van vier "
                           "cijfers, 2015 of later.")
        month_ok = month is not None and _TWO_DIGITS.fullmatch(month) and 1 <= int(month) <= 12
        if month is not None and not month_ok:
            reasons.append(f"{lev.where}: Statistiekmaand {shown(month)} is ongeldig; verwacht twee cijfers, 01 tot "
                           "en met 12.")
        if lev.gemeentecode is not None:
            if lev.gemeentecode not in self._allowed:
                reasons.append(f"{lev.where}: u levert niet voor gemeente {lev.code}. Met deze upload mag u alleen "
                               f"gegevens leveren van {_gemeenten_list(self._allowed)}.")
            earlier = self._gemeenten.setdefault(lev.gemeentecode, lev)
            if earlier is not lev:
                reasons.append(f"{lev.where}: gemeente {lev.code} staat ook al in Levering {earlier.nr} (regel "
                               f"{earlier.line}); lever elke gemeente één keer per bestand.")
        if year_ok and month_ok:
            first = datetime.date(int(year), int(month), 1)
            if first > self._today:
                reasons.append(f"{lev.where}: Statistiekmaand {month_label(first)} ligt in de toekomst.")
            if self._month is None:
                self._month, self._month_from = first, lev
            elif first != self._month:
                reasons.append(f"{lev.where}: deze Levering is voor {month_label(first)}, maar Levering "
                               f"{self._month_from.nr} voor {month_label(self._month)}; een bestand bevat de "
                               "gegevens van één maand.")
        lev.info = {"levering_nr": lev.nr, "gemeentecode": lev.gemeentecode, "berichtgevercode": berichtgever}
        for nr in (5, 6):
            lev.info[kenmerk(nr).column] = self._header_value(lev, nr, values[nr])

    def _header_value(self, lev: _Levering, nr: int, raw: str | None) -> object:
        if raw is None:
            return None
        try:
            return _CHECKS[nr](raw)
        except _Invalid as invalid:
            self._signal((lev.first_uitkering, -1, nr), lev.gemeentecode, None, None, nr, raw, str(invalid))
            return None

    # --- records: raw text only ---

    def _uitkering(self, elem: etree._Element, lev: _Levering) -> None:
        row, personen = self._record(elem, "uitkering")
        lev.n_uitkeringen += 1
        line = elem.sourceline
        u = len(self._context["uitkering"]["_u"])
        registratienummer = row[_REGISTRATIENUMMER_SLOT]
        if registratienummer is None:
            self._reasons.append(f"{lev.where}: de Uitkering op regel {line} heeft geen Registratienummer.")
        else:
            nummer_line = elem[0].sourceline  # the Registratienummer comes first; its line is exact in any file
            earlier = self._registratienummers.setdefault(registratienummer, nummer_line)
            if earlier != nummer_line:
                self._reasons.append(
                    f"{lev.where}: Registratienummer {registratienummer} komt twee keer voor (regel {earlier} en "
                    f"regel {nummer_line}); elk Registratienummer mag één keer per Levering voorkomen.")
            if len(registratienummer) > _REGISTRATIENUMMER.max_length:
                self._signal((u, 0, 7), lev.gemeentecode, registratienummer, None, 7, registratienummer,
                             f"het registratienummer is langer dan {_REGISTRATIENUMMER.max_length} tekens")
        if not personen:
            self._reasons.append(f"{lev.where}: de Uitkering met Registratienummer {registratienummer} (regel {line}) "
                                 "heeft geen Persoon.")
        self._append("uitkering", row, (lev.gemeentecode, u))
        for persoon_nr, persoon in enumerate(personen, 1):
            self._persoon(persoon, (lev.gemeentecode, registratienummer, persoon_nr, u))

    def _persoon(self, elem: etree._Element, context: tuple) -> None:
        row, groups = self._record(elem, "persoon")
        bsn = row[_BSN_SLOT]
        if bsn is not None:
            problem = _bsn_problem(bsn)
            if problem is None:
                row[_BSN_SLOT] = self._pseudonymise(bsn)
            else:
                row[_BSN_SLOT] = _BSN_FAILED
                gemeentecode, registratienummer, persoon_nr, u = context
                self._signal((u, persoon_nr, 18), gemeentecode, registratienummer, persoon_nr, 18, None, problem)
        self._append("persoon", row, context)
        if groups:
            gemeentecode, registratienummer, persoon_nr, u = context
            volgnr = dict.fromkeys(GROUP_ELEMENTS, 0)
            for group in groups:
                volgnr[group.tag] += 1
                row, _ = self._record(group, GROUP_ELEMENTS[group.tag])
                self._append(GROUP_ELEMENTS[group.tag], row,
                             (gemeentecode, registratienummer, persoon_nr, volgnr[group.tag], u))

    def _append(self, level: str, row: list, context: tuple) -> None:
        """Add one record to its level's column lists (appending through ``map`` keeps the hot path short)."""
        collections.deque(map(list.append, self._context_lists[level], context), maxlen=0)
        collections.deque(map(list.append, self._raw[level], row), maxlen=0)

    def _record(self, elem: etree._Element, level: str, children: list[etree._Element] | None = None,
                ) -> tuple[list[str | None], list[etree._Element]]:
        """One element's leaf texts by slot (None where absent or empty) and its child group elements."""
        if children is None:
            children = elem[:]
        key = tuple(map(_TAG, children))
        plan = self._plans[level].get(key)
        if plan is None:
            plan = self._plan(elem, level, children, key)
        text = elem.text
        if text is not None and not text.isspace() or elem.attrib:
            self._loose(elem)
        row: list[str | None] = [None] * len(_KENMERKEN[level])
        groups = []
        for child, slot in zip(children, plan, strict=True):
            tail = child.tail
            if tail is not None and not tail.isspace():
                self._loose(elem)
            if slot is None:
                groups.append(child)
                continue
            if len(child) or child.attrib:
                self._loose(child)
            text = child.text
            if text is not None:
                text = text.strip()
                if text:
                    row[slot] = text
        return row, groups

    def _plan(self, elem: etree._Element, level: str, children: list[etree._Element], key: tuple) -> tuple:
        """Check one sequence of child elements against bus.xsd; the plan gives each leaf its slot and each child
        group None. A file repeats a handful of sequences, so plans are kept by sequence."""
        order = _ORDER[level]
        plan = []
        last, last_tag, seen = 0, None, set()
        for child in children:
            spec = order.get(child.tag)
            if spec is None:
                self._misplaced(child, elem, None)
            position, nr = spec
            if position < last:
                self._misplaced(child, elem, last_tag)
            if nr is not None and nr in seen:
                self._misplaced(child, elem, child.tag)
            last, last_tag = position, child.tag
            seen.add(nr)
            plan.append(None if nr is None else _SLOT[level][nr])
        plan = tuple(plan)
        if len(self._plans[level]) < _MAX_PLANS:
            self._plans[level][key] = plan
        return plan

    def _signal(self, key: tuple, gemeentecode: str | None, registratienummer: str | None, persoon_nr: int | None,
                nr: int, raw: str | None, melding: str) -> None:
        """One signalering; ``key`` orders them as in the file. A BSN is never passed as ``raw``."""
        self._signals.append((key, gemeentecode, registratienummer, persoon_nr, nr, kenmerk(nr).element, shown(raw),
                              melding))

    # --- structure errors ---

    def _misplaced(self, child: etree._Element, parent: etree._Element, after: str | None) -> None:
        where = _describe(parent)
        known = _ORDER[GROUP_ELEMENTS[parent.tag]] if parent.tag in GROUP_ELEMENTS else {"Levering": (1, None)}
        if not isinstance(child.tag, str):
            raise _Rejected(_structure(child.sourceline, f"onverwachte inhoud in {where}."))
        if child.tag not in known:
            raise _Rejected(_structure(child.sourceline, f"element <{child.tag}> hoort niet in {where}."))
        if child.tag == after:
            raise _Rejected(_structure(child.sourceline, f"<{child.tag}> komt meer dan één keer voor in {where}."))
        raise _Rejected(_structure(child.sourceline, f"<{child.tag}> staat op de verkeerde plaats in {where}; het "
                                   f"hoort vóór <{after}>."))

    def _loose(self, elem: etree._Element) -> None:
        if elem.attrib:
            raise _Rejected(_structure(elem.sourceline, f"<{elem.tag}> mag geen attributen hebben."))
        if elem.tag in GROUP_ELEMENTS:
            raise _Rejected(_structure(elem.sourceline, f"losse tekst in {_describe(elem)} buiten een element."))
        raise _Rejected(_structure(elem.sourceline, f"<{elem.tag}> mag alleen een waarde bevatten, geen elementen."))

    def _check_tail(self, child: etree._Element, parent: etree._Element) -> None:
        if child.tail is not None and not child.tail.isspace():
            self._loose(parent)

    @staticmethod
    def _capped(reasons: list[str]) -> list[str]:
        """At most _MAX_REASONS reasons, and no run of nine digits in any (a Registratienummer may be a BSN)."""
        if len(reasons) > _MAX_REASONS:
            reasons = [*reasons[:_MAX_REASONS], f"... en nog {len(reasons) - _MAX_REASONS} redenen van dezelfde soort."]
        return [hide_nine_digits(reason) for reason in reasons]

    # --- after reading: the checks per column, the tables ---

    def _result(self) -> ParsedUpload:
        tables = {}
        empty = {k.nr: (self._empty_header[k.nr], len(self._leveringen)) for k in _KENMERKEN["levering"]}
        for level, table in _TABLES.items():
            context = self._context[level]
            checked = {k.nr: self._check_column(k, raw)
                       for k, raw in zip(_KENMERKEN[level], self._raw[level], strict=True)}
            self._raw[level] = []
            self._record_checks(level, checked, context)
            data = {name: values for name, values in context.items() if name != "_u"}
            data.update({k.column: checked[k.nr].values for k in _KENMERKEN[level]})
            tables[table.name] = _frame(table, data)
            empty.update({nr: (int(column.empty.sum()), len(context["_u"])) for nr, column in checked.items()})
        tables["bus_signalering"] = self._signal_frame()
        volledigheid = pd.DataFrame(
            [{"kenmerk_nr": k.nr, "element": k.element, "niveau": k.level, "leeg": empty[k.nr][0],
              "totaal": empty[k.nr][1]} for k in KENMERKEN if k.nr >= 5],
        ).astype({"kenmerk_nr": "Int64", "leeg": "Int64", "totaal": "Int64"})
        return ParsedUpload(month=self._month, leveringen=[lev.info for lev in self._leveringen], tables=tables,
                            volledigheid=volledigheid, n_uitkeringen=len(tables["bus_uitkering"]),
                            n_personen=len(tables["bus_persoon"]))

    @staticmethod
    def _check_column(k: Kenmerk, raw: list) -> _Checked:
        """Check a column once per distinct value; typed values (dates as datetime64, whole numbers as Int64)."""
        if k.kind == "bsn":
            values = np.array([None if v is _BSN_FAILED else v for v in raw], dtype=object)
            return _Checked(values, np.array([v is None for v in raw], dtype=bool), {})
        codes, distinct = pd.factorize(np.array(raw, dtype=object))
        check = _CHECKS[k.nr]
        good: list = []
        failed: dict[int, str] = {}
        for i, value in enumerate(distinct):
            try:
                good.append(value if check is None else check(value))
            except _Invalid as invalid:
                good.append(None)
                failed[i] = str(invalid)
        good.append(None)  # code -1: absent or empty
        if k.kind == "date":
            values = pd.to_datetime(pd.Series(good, dtype=object), format="%Y%m%d").to_numpy()[codes]
        elif k.kind in ("amount", "signed", "count"):
            values = pd.array(good, dtype="Int64")[codes]
        else:
            values = np.array(good, dtype=object)[codes]
        rows = np.flatnonzero(np.isin(codes, list(failed))) if failed else ()
        return _Checked(values, codes == -1, {int(r): (distinct[codes[r]], failed[codes[r]]) for r in rows})

    def _record_checks(self, level: str, checked: dict[int, _Checked], context: dict[str, list]) -> None:
        """Signal the failed values, the missing required ones and the rules between kenmerken; a value that
        breaks a rule is set to onbekend."""
        def signal(row: int, nr: int, raw: str | None, melding: str) -> None:
            persoon_nr = context["persoon_nr"][row] if "persoon_nr" in context else None
            suffix = f" ({level} {context['volgnr'][row]})" if "volgnr" in context else ""
            registratienummer = (context["registratienummer"][row] if "registratienummer" in context
                                 else checked[7].values[row])
            self._signal((context["_u"][row], persoon_nr or 0, nr), context["gemeentecode"][row], registratienummer,
                         persoon_nr, nr, raw, melding + suffix)

        for nr, column in checked.items():
            for row, (raw, melding) in column.failed.items():
                signal(row, nr, raw, melding)
        for nr in _REQUIRED_SIGNALED.get(level, ()):
            for row in np.flatnonzero(checked[nr].empty):
                signal(row, nr, None, "verplicht kenmerk ontbreekt")
        if level == "uitkering":
            statistiekcode = checked[8].values
            for nr, codes, melding in (
                    (9, ("14",), "nadere classificatie Bbz hoort alleen bij statistiekcode 14 (Bbz)"),
                    (17, ("11", "12"), "cluster bijzondere bijstand hoort alleen bij statistiekcode 11 of 12 "
                                       "(bijzondere bijstand)")):
                values = checked[nr].values
                for row in np.flatnonzero(pd.notna(values) & pd.notna(statistiekcode)
                                          & ~pd.Series(statistiekcode).isin(codes).to_numpy()):
                    signal(row, nr, values[row], f"{melding}, niet bij statistiekcode {statistiekcode[row]}")
                    values[row] = None
        if level == "persoon":
            aanvang, einde = checked[22].values, checked[23].values
            for row in np.flatnonzero(einde < aanvang):
                raw_einde, raw_aanvang = (_jjjjmmdd(einde[row]), _jjjjmmdd(aanvang[row]))
                signal(row, 23, raw_einde, f"einddatum uitkering {raw_einde} ligt vóór de aanvangsdatum uitkering "
                                           f"{raw_aanvang}")
                einde[row] = np.datetime64("NaT")
            for row in np.flatnonzero(~np.isnat(einde) & checked[34].empty):
                signal(row, 34, None, "reden beëindiging uitkering ontbreekt, terwijl de einddatum uitkering "
                                      f"{_jjjjmmdd(einde[row])} is ingevuld")

    def _signal_frame(self) -> pd.DataFrame:
        rows = sorted(self._signals, key=lambda s: s[0])
        columns = [c for c in schemas.BUS_SIGNALERING.column_names if c not in CALLER_COLUMNS]
        data = dict(zip(columns, ([s[i] for s in rows] for i in range(1, len(columns) + 1)), strict=True))
        return _frame(schemas.BUS_SIGNALERING, data)


_DOCTYPE = ("Het bestand bevat een DOCTYPE-declaratie. Die is in een BUS-bestand niet toegestaan (om "
            "veiligheidsredenen wordt zo'n bestand niet gelezen); lever het bestand zonder <!DOCTYPE ...>.")


def _not_well_formed(error: etree.XMLSyntaxError) -> str:
    """The first error libxml2 logged (with resolve_entities=False the raised one can be a later, vaguer one)."""
    first = next((entry for entry in error.error_log if entry.line > 0), None)
    line, column, message = ((first.line, first.column, first.message) if first is not None
                             else (*error.position, error.msg))
    return (f"Het bestand is geen geldige XML (regel {line}, kolom {column}): {message.rstrip('.')}. Controleer of "
            "het bestand volledig en onbewerkt uit het softwarepakket komt.")


def _structure(line: int | None, message: str) -> str:
    return f"Het bestand heeft niet de BUS-structuur: regel {line}: {hide_nine_digits(message)}"


def _describe(elem: etree._Element) -> str:
    """Where an element is, for a message: "<Persoon> 2 (regel 40) van Uitkering U2024000117 (regel 31)"."""
    tag = elem.tag
    if tag == "Uitkering":
        nummer = (elem.findtext("Registratienummer") or "").strip()
        label = f"Uitkering {nummer}" if nummer else "<Uitkering>"
        return f"{label} (regel {elem.sourceline})"
    if tag in ("Persoon", "Vermindering", "Inkomsten"):
        position = 1 + sum(1 for _ in elem.itersiblings(tag, preceding=True))
        return f"<{tag}> {position} (regel {elem.sourceline}) van {_describe(elem.getparent())}"
    return f"<{tag}> (regel {elem.sourceline})"


def _jjjjmmdd(value: np.datetime64) -> str:
    return pd.Timestamp(value).strftime("%Y%m%d")


def _gemeenten_list(codes: Iterable[str]) -> str:
    codes = sorted(codes)
    if not codes:
        return "geen enkele gemeente"
    return "gemeente " + ", ".join(c.removeprefix("GM") for c in codes)


def _frame(table: schemas.Table, data: dict[str, object]) -> pd.DataFrame:
    """Columns to a frame with the staged table's columns (minus the caller's) and types."""
    types = {c.name: c.sql_type for c in table.columns}
    frame = {}
    for name in (c for c in table.column_names if c not in CALLER_COLUMNS):
        values = data[name]
        if types[name] == "DATE":
            frame[name] = pd.Series(values, dtype="datetime64[ns]")
        elif types[name] == "INTEGER":
            frame[name] = pd.Series(pd.array(values, dtype="Int64"))
        else:
            frame[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(frame)
