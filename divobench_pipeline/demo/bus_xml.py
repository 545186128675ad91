"""BUS-XML text of the synthetic uploads, built as strings: element names and their order come from the layout
table (``layout.py``); also the few realistic data quality problems (signaleringen) written into a file."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from divobench_pipeline.defs.bus_uploads.layout import GROUP_ELEMENTS, KENMERKEN, kenmerken_of
from divobench_pipeline.demo.bsns import invalid_bsn
from divobench_pipeline.demo.parameters import month_info, norm_factor, ymd
from divobench_pipeline.demo.records import BUIG, Uitkering

_GROUP_TAG = {level: element for element, level in GROUP_ELEMENTS.items()}


def _field_specs(level: str, indent: int, nrs: Sequence[int] | None = None) -> tuple[tuple[int, str, str, str], ...]:
    pad = " " * indent
    return tuple((k.nr, f"{pad}<{k.element}>", f"</{k.element}>\n", f"{pad}<{k.element}/>\n")
                 for k in kenmerken_of(level) if nrs is None or k.nr in nrs)


def _persoon_parts() -> tuple[tuple[int, ...], tuple[str, ...], tuple[int, ...]]:
    """Persoon kenmerken before its repeating groups, the groups in layout order, and the kenmerken after them."""
    head: list[int] = []
    groups: list[str] = []
    tail: list[int] = []
    for k in KENMERKEN:
        if k.level == "persoon":
            (tail if groups else head).append(k.nr)
        elif k.level in ("vermindering", "inkomsten") and k.level not in groups:
            groups.append(k.level)
    return tuple(head), tuple(groups), tuple(tail)


_P_HEAD_NRS, _P_GROUPS, _P_TAIL_NRS = _persoon_parts()
LEVERING_F = _field_specs("levering", 4)
_UITKERING_F = _field_specs("uitkering", 6)
_P_HEAD_F = _field_specs("persoon", 8, _P_HEAD_NRS)
_P_TAIL_F = _field_specs("persoon", 8, _P_TAIL_NRS)
_GROUP_F = {level: _field_specs(level, 10) for level in _P_GROUPS}
_TAG = {k.nr: k.element for k in KENMERKEN}


def _open_close(level: str, indent: int) -> tuple[str, str]:
    pad = " " * indent
    return f"{pad}<{_GROUP_TAG[level]}>\n", f"{pad}</{_GROUP_TAG[level]}>\n"


LEV_O, LEV_C = _open_close("levering", 2)
_UIT_O, _UIT_C = _open_close("uitkering", 4)
_PER_O, _PER_C = _open_close("persoon", 6)
_GRP_OC = {level: _open_close(level, 8) for level in _P_GROUPS}


def xml_fields(specs: tuple[tuple[int, str, str, str], ...], values: Mapping[int, str | None]) -> str:
    """Elements in layout order; a value None leaves the element out, "" writes it empty."""
    return "".join([f"{opening}{v}{closing}" if v else empty
                    for nr, opening, closing, empty in specs if (v := values.get(nr)) is not None])


def _persoon(values: Mapping[int, str | None], groups: Mapping[str, Sequence[Mapping[int, str]]]) -> str:
    out = [_PER_O, xml_fields(_P_HEAD_F, values)]
    for level in _P_GROUPS:
        opening, closing = _GRP_OC[level]
        for g in groups.get(level, ()):
            out.append(opening)
            out.append(xml_fields(_GROUP_F[level], g))
            out.append(closing)
    out.append(xml_fields(_P_TAIL_F, values))
    out.append(_PER_C)
    return "".join(out)


def _element(nr: int, value: str) -> str:
    return f"<{_TAG[nr]}>{value}</{_TAG[nr]}>"


def render_month(active: Sequence[Uitkering], mi: int, regnr_format: str) -> list[tuple[Uitkering, str, int]]:
    """Every Uitkering of a gemeente in month ``mi`` as XML, with its number of Persoon records."""
    ym, dim, _ = month_info(mi)
    factor = norm_factor(mi)
    out = []
    for u in active:
        persons = [i for i, p_mi in enumerate(u.aanv_mi) if p_mi <= mi]
        regnr = regnr_format.format(year=u.year, seq=u.seq)
        invoering = f"{ym}{dim - (u.seq * 7 + mi) % 5:02d}"
        if u.code in BUIG:
            xml = render_buig(u, mi, persons, regnr, invoering, factor)
        else:
            xml = render_bb(u, regnr, invoering)
        out.append((u, xml, len(persons)))
    return out


def render_buig(u: Uitkering, mi: int, persons: list[int], regnr: str, invoering: str, factor: float) -> str:
    """One Uitkering of a BUIG regeling (01, 02, 03, 14) with its Personen, as XML."""
    paar = u.leefvorm == "3" and len(persons) == 2
    leefvorm = u.leefvorm if u.leefvorm != "3" or paar else "1"
    norm = round((u.norm_paar if paar else u.norm_single) * factor)
    inkomsten: dict[int, list[dict[int, str]]] = {}
    korting = 0
    if u.work is not None and u.work[0] in persons:
        pidx, base, vrij = u.work
        bedrag = round(base * (0.8 + 0.01 * ((u.seq * 31 + mi * 17) % 41)))
        inkomsten.setdefault(pidx, []).append({31: "11", 32: str(bedrag), 33: vrij})
        korting += bedrag - (min(round(bedrag * 0.25), 270) if vrij == "1" else 0)
    for pidx, soort, bedrag, vrij in u.other:
        if pidx in persons:
            inkomsten.setdefault(pidx, []).append({31: soort, 32: str(bedrag), 33: vrij})
            korting += 0 if vrij == "1" else bedrag
    verminderingen: list[dict[int, str]] = []
    vermindering = 0
    m = u.maatregel
    if m is not None and m[4] <= mi <= m[5]:
        verminderingen.append({28: m[1], 29: m[2], 30: m[3]})
        vermindering = round(norm * m[6])
    betaalbaar = max(0, round((norm - korting - vermindering) / 1.05))
    parts = [_UIT_O, xml_fields(_UITKERING_F, {
        7: regnr, 8: u.code, 9: u.bbz, 10: leefvorm, 11: str(u.kostendelers), 12: str(norm),
        13: str(-vermindering) if vermindering else "0", 14: str(-korting) if korting else "0",
        15: str(betaalbaar), 16: invoering})]
    for i in persons:
        p = u.persons[i]
        groups = {"vermindering": verminderingen if i == 0 else (), "inkomsten": inkomsten.get(i, ())}
        parts.append(_persoon({
            18: p.bsn, 19: p.geb, 20: p.geslacht, 21: p.huisvesting, 22: u.aanv[i], 23: u.einde or "",
            24: p.ontheffing, 25: p.onth_einde, 26: p.onth_reden, 27: p.tegenprestatie, 34: u.redenen[i],
        }, groups))
    parts.append(_UIT_C)
    return "".join(parts)

def render_bb(u: Uitkering, regnr: str, invoering: str) -> str:
    """One Uitkering of bijzondere bijstand (11, 12) with its one Persoon, as XML."""
    p = u.persons[0]
    return "".join((
        _UIT_O,
        xml_fields(_UITKERING_F, {7: regnr, 8: u.code, 15: str(u.bedrag), 16: invoering, 17: u.cluster}),
        _persoon({18: p.bsn, 19: p.geb, 20: p.geslacht, 22: u.aanv[0], 23: u.einde or "", 34: u.redenen[0]},
                 {}),
        _UIT_C,
    ))



SIGNALERINGEN = ("leefvorm", "datum", "bsn", "bedrag", "reden", "einde")


def apply_signalering(rng: random.Random, u: Uitkering, xml: str, kind: str) -> str | None:
    """The record with one wrong value of the given kind, or None when the kind does not fit the record."""
    if kind == "leefvorm" and u.code in BUIG:
        for lv in ("1", "2", "3", "4"):
            old = _element(10, lv)
            if old in xml:
                return xml.replace(old, _element(10, "7"), 1)
    if kind == "datum":
        geb = u.persons[0].geb
        bad = geb[:4] + ("0231", "0230", "0431", "0931", "1131")[int(rng.random() * 5)]
        return xml.replace(_element(19, geb), _element(19, bad), 1)
    if kind == "bsn":
        bsn = u.persons[0].bsn
        return xml.replace(_element(18, bsn), _element(18, invalid_bsn(bsn)), 1)
    if kind == "bedrag":
        start = xml.find(f"<{_TAG[15]}>")
        end = xml.find(f"</{_TAG[15]}>", start)
        value = xml[start + len(_TAG[15]) + 2:end]
        return xml.replace(_element(15, value), _element(15, value[:2] + "a"), 1)
    if u.einde is None or u.code == "12":
        return None
    if kind == "reden":
        lines = [line for line in xml.splitlines(keepends=True) if f"<{_TAG[34]}>" not in line]
        return "".join(lines)
    if kind == "einde":
        aanvang = date(int(u.aanv[0][:4]), int(u.aanv[0][4:6]), int(u.aanv[0][6:]))
        bad = aanvang - timedelta(days=1 + int(rng.random() * 40))
        return xml.replace(_element(23, u.einde), _element(23, ymd(bad.toordinal())))
    return None
