"""The streaming pass over one upload: raw values into column lists, and every reason to reject the file.

See :mod:`parser` for the rules; :class:`columns.ColumnStage` does the checks per column once the file is read.
"""

from __future__ import annotations

import collections
import datetime
import itertools
import operator
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from divobench_pipeline.defs.bus_uploads.columns import ColumnStage, ParsedUpload
from divobench_pipeline.defs.bus_uploads.layout import GROUP_ELEMENTS, kenmerk
from divobench_pipeline.defs.bus_uploads.messages import (
    DOCTYPE,
    Rejected,
    UploadRejected,
    capped,
    describe,
    gemeenten_list,
    month_label,
    not_well_formed,
    shown,
    structure_error,
)
from divobench_pipeline.defs.bus_uploads.shape import (
    LEVEL_KENMERKEN,
    LEVELS,
    ORDER,
    REGISTRATIENUMMER,
    REGISTRATIENUMMER_SLOT,
    SLOT,
    TABLES,
    Plan,
    context_columns,
    stripped,
)
from divobench_pipeline.defs.bus_uploads.stream import Source, prolog_problem
from divobench_pipeline.defs.bus_uploads.values import CHECKS, FOUR_DIGITS, TWO_DIGITS, Invalid

_MAX_PLANS = 10_000
_XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
_TAG = operator.attrgetter("tag")
_TEXT = operator.attrgetter("text")
_TAIL = operator.attrgetter("tail")
_ATTRIB = operator.attrgetter("attrib")
_NONES = itertools.repeat(None)


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


class Reader(ColumnStage):
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
        self._plans: dict[str, dict[tuple, Plan]] = {level: {} for level in LEVELS}
        self._empty_header = dict.fromkeys((k.nr for k in LEVEL_KENMERKEN["levering"]), 0)
        # per level: context columns by name (plus "_u", the row of the uitkering), raw kenmerk columns by slot
        self._context = {level: {name: [] for name in (*context_columns(level), "_u")} for level in TABLES}
        self._context_lists = {level: list(columns.values()) for level, columns in self._context.items()}
        self._raw = {level: [[] for _ in LEVEL_KENMERKEN[level]] for level in TABLES}
        self._signals: list[tuple] = []  # (sort key, *the bus_signalering columns)

    # --- the pass ---

    def read(self, stream: Source) -> ParsedUpload:
        try:
            self._prolog(stream)
            etree.clear_error_log()  # lxml's (thread-local) log: only this file's errors, see not_well_formed
            events = etree.iterparse(stream, events=("end",), tag=("Levering", "Uitkering"), resolve_entities=False,
                                     no_network=True, huge_tree=False, load_dtd=False, remove_comments=True,
                                     remove_pis=True, remove_blank_text=True)
            for _, elem in events:
                if elem.tag == "Uitkering":
                    self._on_uitkering(elem)
                else:
                    self._on_levering(elem)
            self._check_root(events.root)
        except Rejected as stop:
            raise UploadRejected(capped([*self._reasons, str(stop)]), self._month) from None
        except etree.XMLSyntaxError as error:
            raise UploadRejected(capped([*self._reasons, not_well_formed(error)]), self._month) from None
        if not any(lev.n_uitkeringen for lev in self._leveringen):
            self._reasons.append("Het bestand bevat geen enkele Uitkering; er valt niets te verwerken.")
        if self._reasons:
            raise UploadRejected(capped(self._reasons), self._month)
        return self._result()

    def _prolog(self, stream: Source) -> None:
        head = stream.head()
        complete = stream.at_end()
        if not head.strip(b" \t\r\n\xef\xbb\xbf") and complete:
            raise Rejected("Het bestand is leeg.")
        if problem := prolog_problem(head, complete):
            raise Rejected(problem)

    def _check_root(self, root: etree._Element | None) -> None:
        if root is None:
            raise Rejected("Het bestand bevat geen XML-elementen.")
        self._check_bus(root)
        for child in root:
            if child.tag != "Levering":
                self._misplaced(child, root, None)
            self._check_tail(child, root)
        if not self._leveringen:
            raise Rejected(structure_error(root.sourceline, "<BUS> bevat geen <Levering>."))

    def _check_bus(self, root: etree._Element) -> None:
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise Rejected(DOCTYPE)
        if root.tag != "BUS" or root.getparent() is not None:
            raise Rejected(structure_error(root.sourceline, f"het hoofdelement moet <BUS> zijn, niet <{root.tag}>."))
        if root.get("versie") is None:
            raise Rejected(structure_error(root.sourceline, "<BUS> mist het attribuut versie (versie=\"2015\")."))
        for name in root.keys():
            if name != "versie" and not name.startswith(_XSI):
                raise Rejected(structure_error(root.sourceline, f"<BUS> heeft een onbekend attribuut {name}."))
        if root.text and not root.text.isspace():
            raise Rejected(structure_error(root.sourceline, "losse tekst in <BUS> buiten een element."))

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
            raise Rejected(structure_error(elem.sourceline, "<Uitkering> staat niet direct in een <Levering>."))
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
            raise Rejected(structure_error(elem.sourceline, "<Levering> staat niet direct in <BUS>."))
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
        self._header(lev, {k.nr: value for k, value in zip(LEVEL_KENMERKEN["levering"], row, strict=True)})
        for child in header:
            elem.remove(child)
        return lev

    def _header(self, lev: _Levering, values: dict[int, str | None]) -> None:
        """Check the Levering's header fields; every problem here rejects the file."""
        year, month, berichtgever, code = (values[nr] for nr in (1, 2, 3, 4))
        if code is not None and FOUR_DIGITS.fullmatch(code):
            lev.code, lev.gemeentecode = code, "GM" + code
        reasons = self._reasons
        for k in LEVEL_KENMERKEN["levering"]:
            if values[k.nr] is None:
                self._empty_header[k.nr] += 1
                if k.required:
                    reasons.append(f"{lev.where}: het verplichte veld {k.element} ontbreekt of is leeg.")
        if code is not None and lev.code is None:
            reasons.append(f"{lev.where}: Gemeentecode {shown(code)} is ongeldig; verwacht de CBS-gemeentecode van "
                           "vier cijfers, bijvoorbeeld 0363.")
        if berichtgever is not None and not FOUR_DIGITS.fullmatch(berichtgever):
            reasons.append(f"{lev.where}: Berichtgevercode {shown(berichtgever)} is ongeldig; verwacht vier cijfers.")
        year_ok = year is not None and FOUR_DIGITS.fullmatch(year) and int(year) >= 2015
        if year is not None and not year_ok:
            reasons.append(f"{lev.where}: Statistiekjaar {shown(year)} is ongeldig; verwacht een jaar van vier "
                           "cijfers, 2015 of later.")
        month_ok = month is not None and TWO_DIGITS.fullmatch(month) and 1 <= int(month) <= 12
        if month is not None and not month_ok:
            reasons.append(f"{lev.where}: Statistiekmaand {shown(month)} is ongeldig; verwacht twee cijfers, 01 tot "
                           "en met 12.")
        if lev.gemeentecode is not None:
            if lev.gemeentecode not in self._allowed:
                reasons.append(f"{lev.where}: u levert niet voor gemeente {lev.code}. Met deze upload mag u alleen "
                               f"gegevens leveren van {gemeenten_list(self._allowed)}.")
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
            return CHECKS[nr](raw)
        except Invalid as invalid:
            self._signal((lev.first_uitkering, -1, nr), lev.gemeentecode, None, None, nr, raw, str(invalid))
            return None

    # --- records: raw text only ---

    def _uitkering(self, elem: etree._Element, lev: _Levering) -> None:
        personen = self._collect(elem, "uitkering")
        lev.n_uitkeringen += 1
        line = elem.sourceline
        u = len(self._context["uitkering"]["_u"])
        nummers = self._raw["uitkering"][REGISTRATIENUMMER_SLOT]
        registratienummer = nummers[-1] = stripped(nummers[-1])
        if registratienummer is None:
            self._reasons.append(f"{lev.where}: de Uitkering op regel {line} heeft geen Registratienummer.")
        else:
            nummer_line = elem[0].sourceline  # the Registratienummer comes first; its line is exact in any file
            earlier = self._registratienummers.setdefault(registratienummer, nummer_line)
            if earlier != nummer_line:
                self._reasons.append(
                    f"{lev.where}: Registratienummer {registratienummer} komt twee keer voor (regel {earlier} en "
                    f"regel {nummer_line}); elk Registratienummer mag één keer per Levering voorkomen.")
            if len(registratienummer) > REGISTRATIENUMMER.max_length:
                self._signal((u, 0, 7), lev.gemeentecode, registratienummer, None, 7, registratienummer,
                             f"het registratienummer is langer dan {REGISTRATIENUMMER.max_length} tekens")
        if not personen:
            self._reasons.append(f"{lev.where}: de Uitkering met Registratienummer {registratienummer} (regel {line}) "
                                 "heeft geen Persoon.")
        self._add_context("uitkering", (lev.gemeentecode, u))
        for persoon_nr, persoon in enumerate(personen, 1):
            self._persoon(persoon, (lev.gemeentecode, registratienummer, persoon_nr, u))

    def _persoon(self, elem: etree._Element, context: tuple) -> None:
        groups = self._collect(elem, "persoon")
        self._add_context("persoon", context)
        if groups:
            gemeentecode, registratienummer, persoon_nr, u = context
            volgnr = dict.fromkeys(GROUP_ELEMENTS, 0)
            for group in groups:
                volgnr[group.tag] += 1
                self._collect(group, GROUP_ELEMENTS[group.tag])
                self._add_context(GROUP_ELEMENTS[group.tag],
                                  (gemeentecode, registratienummer, persoon_nr, volgnr[group.tag], u))

    def _add_context(self, level: str, context: tuple) -> None:
        """Add one record's context (gemeentecode, registratienummer, ..., the row of its uitkering)."""
        collections.deque(map(list.append, self._context_lists[level], context), maxlen=0)

    def _collect(self, elem: etree._Element, level: str) -> tuple[etree._Element, ...]:
        """Append one record's leaf texts, as written, to its level's column lists (None where absent; the
        column checks strip them); return its child group elements.

        The common record (no text, tail, attribute or nested element where a value belongs) takes only C-level
        passes over its children; any such oddity goes through :meth:`_record`, which judges it exactly."""
        children = elem[:]
        key = tuple(map(_TAG, children))
        plan = self._plans[level].get(key) or self._plan(elem, level, children, key)
        leaves = plan.leaves(children)
        if (elem.text is not None or elem.attrib or any(map(_TAIL, children)) or any(map(_ATTRIB, children))
                or any(map(len, leaves))):
            row, groups = self._record(elem, level, children)
            collections.deque(map(list.append, self._raw[level], row), maxlen=0)
            return tuple(groups)
        collections.deque(map(list.append, plan.targets, map(_TEXT, leaves)), maxlen=0)
        collections.deque(map(list.append, plan.absent, _NONES), maxlen=0)
        return plan.groups(children)

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
        row: list[str | None] = [None] * len(LEVEL_KENMERKEN[level])
        groups = []
        for child, slot in zip(children, plan.slots, strict=True):
            tail = child.tail
            if tail is not None and not tail.isspace():
                self._loose(elem)
            if slot is None:
                groups.append(child)
                continue
            if len(child) or child.attrib:
                self._loose(child)
            row[slot] = stripped(child.text)
        return row, groups

    def _plan(self, elem: etree._Element, level: str, children: list[etree._Element], key: tuple) -> Plan:
        """Check one sequence of child elements against bus.xsd; the plan gives each leaf its slot and each child
        group None. A file repeats a handful of sequences, so plans are kept by sequence."""
        order = ORDER[level]
        slots = []
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
            slots.append(None if nr is None else SLOT[level][nr])
        plan = Plan.of(tuple(slots), self._raw.get(level))
        if len(self._plans[level]) < _MAX_PLANS:
            self._plans[level][key] = plan
        return plan

    # --- structure errors ---

    def _misplaced(self, child: etree._Element, parent: etree._Element, after: str | None) -> None:
        where = describe(parent)
        known = ORDER[GROUP_ELEMENTS[parent.tag]] if parent.tag in GROUP_ELEMENTS else {"Levering": (1, None)}
        if not isinstance(child.tag, str):
            raise Rejected(structure_error(child.sourceline, f"onverwachte inhoud in {where}."))
        if child.tag not in known:
            raise Rejected(structure_error(child.sourceline, f"element <{child.tag}> hoort niet in {where}."))
        if child.tag == after:
            raise Rejected(structure_error(child.sourceline, f"<{child.tag}> komt meer dan één keer voor in {where}."))
        raise Rejected(structure_error(child.sourceline, f"<{child.tag}> staat op de verkeerde plaats in {where}; het "
                                       f"hoort vóór <{after}>."))

    def _loose(self, elem: etree._Element) -> None:
        if elem.attrib:
            raise Rejected(structure_error(elem.sourceline, f"<{elem.tag}> mag geen attributen hebben."))
        if elem.tag in GROUP_ELEMENTS:
            raise Rejected(structure_error(elem.sourceline, f"losse tekst in {describe(elem)} buiten een element."))
        raise Rejected(structure_error(elem.sourceline,
                                       f"<{elem.tag}> mag alleen een waarde bevatten, geen elementen."))

    def _check_tail(self, child: etree._Element, parent: etree._Element) -> None:
        if child.tail is not None and not child.tail.isspace():
            self._loose(parent)

