"""Seeded generator of realistic synthetic monthly BUS-XML uploads (shared/spec/bus-xml.md).

Every gemeente is simulated month by month from ``months[0]`` on, with its own random stream, so that the
file of month M+1 continues the file of month M: the bestand algemene bijstand (Statistiekcode 01) starts at
about 1.6–3.4% of the inwoners as persons (more in large cities, about 400,000 persons nationally at scale 1)
with a long-tailed duration, and each month about 2% of it ends (reden beëindiging per kenmerk 34) and about 2%
flows in. IOAW, IOAZ, Bbz and periodieke and eenmalige bijzondere bijstand run alongside. Files are written by
string building, one file per participant and month with one Levering per gemeente.

Synthetic BSNs come from the 999 test range, which holds only 90,909 numbers passing the 11-proef: a BSN is
unique within a gemeente over the whole simulation, and across gemeenten as long as the run fits the range
(a handful of demo gemeenten does; a national month does not, so there gemeenten share numbers).
"""

from __future__ import annotations

import bisect
import calendar
import csv
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path

from divobench_pipeline.defs.bus_uploads.layout import GROUP_ELEMENTS, KENMERKEN, kenmerken_of

__all__ = ["GeneratedUpload", "UploadSpec", "generate_uploads", "load_inwoners"]


@dataclass(frozen=True)
class UploadSpec:
    """One file to write per month: a participant and the gemeenten (GM codes) it delivers, one Levering each."""

    participant_id: str
    gemeenten: tuple[str, ...]


@dataclass(frozen=True)
class GeneratedUpload:
    """A written upload: ``month`` is the first day of the statistiekmaand; counts are Uitkering/Persoon records."""

    participant_id: str
    month: date
    path: Path
    n_uitkeringen: int
    n_personen: int


def load_inwoners() -> dict[str, int]:
    """CBS inwoners per gemeente on 1 January 2024, keyed by GM code (342 gemeenten)."""
    text = resources.files("divobench_pipeline.demo").joinpath("inwoners_2024.csv").read_text(encoding="utf-8")
    return {row["gemeentecode"]: int(row["inwoners_2024"]) for row in csv.DictReader(text.splitlines())}


# ---------------------------------------------------------------------------------------------------------------
# XML rendering: element names and their order come from the layout table.

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
_LEVERING_F = _field_specs("levering", 4)
_UITKERING_F = _field_specs("uitkering", 6)
_P_HEAD_F = _field_specs("persoon", 8, _P_HEAD_NRS)
_P_TAIL_F = _field_specs("persoon", 8, _P_TAIL_NRS)
_GROUP_F = {level: _field_specs(level, 10) for level in _P_GROUPS}
_TAG = {k.nr: k.element for k in KENMERKEN}


def _open_close(level: str, indent: int) -> tuple[str, str]:
    pad = " " * indent
    return f"{pad}<{_GROUP_TAG[level]}>\n", f"{pad}</{_GROUP_TAG[level]}>\n"


_LEV_O, _LEV_C = _open_close("levering", 2)
_UIT_O, _UIT_C = _open_close("uitkering", 4)
_PER_O, _PER_C = _open_close("persoon", 6)
_GRP_OC = {level: _open_close(level, 8) for level in _P_GROUPS}


def _fields(specs: tuple[tuple[int, str, str, str], ...], values: Mapping[int, str | None]) -> str:
    """Elements in layout order; a value None leaves the element out, "" writes it empty."""
    return "".join([f"{opening}{v}{closing}" if v else empty
                    for nr, opening, closing, empty in specs if (v := values.get(nr)) is not None])


def _persoon(values: Mapping[int, str | None], groups: Mapping[str, Sequence[Mapping[int, str]]]) -> str:
    out = [_PER_O, _fields(_P_HEAD_F, values)]
    for level in _P_GROUPS:
        opening, closing = _GRP_OC[level]
        for g in groups.get(level, ()):
            out.append(opening)
            out.append(_fields(_GROUP_F[level], g))
            out.append(closing)
    out.append(_fields(_P_TAIL_F, values))
    out.append(_PER_C)
    return "".join(out)


def _element(nr: int, value: str) -> str:
    return f"<{_TAG[nr]}>{value}</{_TAG[nr]}>"


# ---------------------------------------------------------------------------------------------------------------
# Calendar helpers: months are counted as year * 12 + month - 1.

def _mi(d: date) -> int:
    return d.year * 12 + d.month - 1


@cache
def _month(mi: int) -> tuple[str, int, int]:
    """(jjjjmm, days in the month, ordinal of its first day)."""
    y, m = divmod(mi, 12)
    return f"{y:04d}{m + 1:02d}", calendar.monthrange(y, m + 1)[1], date(y, m + 1, 1).toordinal()


def _ymd(ordinal: int) -> str:
    d = date.fromordinal(ordinal)
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def _aow_einde(birth: date) -> date:
    """Last day before the AOW-leeftijd: 67 until 2027, 67 and 3 months from 2028."""
    y, m = birth.year + 67, birth.month
    if y >= 2028:
        y, m = y + (m + 2) // 12, (m + 2) % 12 + 1
    day = birth.day
    while True:
        try:
            return date(y, m, day) - timedelta(days=1)
        except ValueError:
            day -= 1


# ---------------------------------------------------------------------------------------------------------------
# Domain parameters.

_AGE_STOCK = ((18, 27, 0.10), (27, 35, 0.17), (35, 45, 0.22), (45, 55, 0.24), (55, 66.9, 0.27))
_AGE_INSTROOM = ((18, 27, 0.25), (27, 35, 0.25), (35, 45, 0.22), (45, 55, 0.17), (55, 66.5, 0.11))
_AGE_IOAW = ((60, 66.9, 1.0),)
_AGE_IOAZ = ((55, 66.9, 1.0),)
_AGE_IOAW_INSTROOM = ((60, 66.4, 1.0),)
_AGE_IOAZ_INSTROOM = ((55, 66.4, 1.0),)
_AGE_BBZ = ((23, 35, 0.35), (35, 50, 0.40), (50, 62, 0.25))
_AGE_BB = ((18, 30, 0.2), (30, 50, 0.45), (50, 66.5, 0.35))

_REDEN_PW = (("11", 28.0), ("13", 3.0), ("02", 7.0), ("32", 12.0), ("01", 5.0), ("04", 3.0), ("05", 1.0),
             ("14", 4.0), ("15", 4.0), ("19", 2.0), ("31", 4.0), ("34", 4.0), ("98", 14.0), ("33", 2.0))
_REDEN_IOAW = (("11", 35.0), ("32", 10.0), ("04", 10.0), ("98", 45.0))
_REDEN_BBZ = (("13", 50.0), ("11", 20.0), ("98", 30.0))
_REDEN_BB = (("98", 70.0), ("32", 10.0), ("11", 20.0))
_ONTHEFFING = (("5", 65.0), ("4", 20.0), ("6", 15.0))
_HUISVESTING = (("1", 85.0), ("2", 3.0), ("3", 7.0), ("4", 2.0), ("5", 2.0), ("6", 1.0))
_MAATREGEL = (("01", 50.0), ("06", 15.0), ("07", 10.0), ("03", 10.0), ("05", 5.0), ("08", 10.0))
_CLUSTER_PERIODIEK = (("m", 35.0), ("c", 25.0), ("k", 15.0), ("a", 15.0), ("h", 10.0))
_CLUSTER_EENMALIG = (("b", 40.0), ("c", 20.0), ("h", 25.0), ("i", 15.0))
_BBZ_CLASS = (("1", 30.0), ("2", 10.0), ("3", 10.0), ("5", 50.0))
_PAKKETTEN = (("gws", 40.0), ("sam", 30.0), ("soc", 15.0), ("cso", 6.0), ("ebb", 5.0), ("and", 4.0))
_VERSIE = {"gws": "2025.2.1", "sam": "4.12.1", "soc": "7.4", "cso": "3.2.0", "ebb": "2.8", "and": "1.0"}
_ISO_PAKKETTEN = frozenset({"soc", "cso"})
_REGISTRATIENUMMER = {
    "sam": "U{year}{seq:06d}", "gws": "{seq:010d}", "soc": "S{year}-{seq:06d}",
    "cso": "CS{seq:08d}", "ebb": "{year}{seq:07d}", "and": "R{seq:09d}",
}

# Monthly norms incl. vakantietoeslag on 1 January 2026, indexed by about 2% every half year.
_NORM_ALLEENSTAANDE = 1401
_NORM_GEHUWDEN = 2001
_NORM_JONGEREN = 350
_NORM_MONTH = 2026 * 12
_FIRST_AANVANG = 2004 * 12


def _kostendelersnorm(n: int) -> int:
    """Norm of one person among ``n`` kostendelers (Participatiewet art. 22a)."""
    return round(_NORM_GEHUWDEN * (40 + 30 * n) / (100 * n))


def _norm_factor(mi: int) -> float:
    return 1.02 ** ((mi - _NORM_MONTH) // 6)


def _bestand_rate(inwoners: int) -> float:
    """Persons in algemene bijstand per inwoner before the gemeente's own variation: larger cities higher."""
    x = (math.log(max(inwoners, 1000)) - math.log(5000)) / (math.log(800000) - math.log(5000))
    x = min(1.0, max(0.0, x))
    return 0.0157 + 0.0186 * x * x


_MAX_DUUR = 480


def _duur_weight(d: int) -> float:
    """Relative uitstroom hazard by duration in months: new uitkeringen end far more often than old ones."""
    return 3.0 if d < 6 else 2.0 if d < 12 else 1.4 if d < 24 else 0.9 if d < 60 else 0.45


_WEIGHTS = tuple(_duur_weight(d) for d in range(_MAX_DUUR + 1))


@cache
def _stationary_duur(rate_milli: int) -> tuple[float, ...]:
    """Cumulative duration distribution (months) of a steady bestand whose monthly uitstroom is rate_milli/10000."""
    target = rate_milli / 10000

    def survival(c: float) -> list[float]:
        s = [1.0]
        for d in range(_MAX_DUUR):
            s.append(s[-1] * (1.0 - min(1.0, c * _WEIGHTS[d])))
        return s

    lo, hi = 0.0005, 0.2
    for _ in range(24):
        c = (lo + hi) / 2
        s = survival(c)
        out = sum(s[d] * c * _WEIGHTS[d] for d in range(_MAX_DUUR + 1)) / sum(s)
        lo, hi = (c, hi) if out < target else (lo, c)
    cum, total = [], 0.0
    for v in survival((lo + hi) / 2):
        total += v
        cum.append(total)
    return tuple(cum)


@cache
def _cumulative(table: tuple[tuple[str, float], ...]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    values, cum, total = [], [], 0.0
    for value, w in table:
        total += w
        values.append(value)
        cum.append(total)
    return tuple(values), tuple(c / total for c in cum)


def _weighted(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    values, cum = _cumulative(table)
    return values[min(bisect.bisect_right(cum, rng.random()), len(values) - 1)]


def _age(rng: random.Random, bands: Sequence[tuple[float, float, float]]) -> float:
    r = rng.random() * sum(b[2] for b in bands)
    for lo, hi, w in bands:
        if r < w:
            return lo + rng.random() * (hi - lo)
        r -= w
    lo, hi, _ = bands[-1]
    return lo + rng.random() * (hi - lo)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _stochastic_round(rng: random.Random, x: float) -> int:
    base = math.floor(x)
    return base + (1 if rng.random() < x - base else 0)


# ---------------------------------------------------------------------------------------------------------------
# BSNs from the 999 test range.

def _passes_elfproef(bsn: str) -> bool:
    total = sum(int(c) * w for c, w in zip(bsn, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return total % 11 == 0


@cache
def _valid_test_bsns() -> tuple[str, ...]:
    """Every 999xxxxxx number that passes the 11-proef (weights 9..2, -1)."""
    out = []
    base = 9 * 9 + 8 * 9 + 7 * 9
    for n in range(100000):
        digits = f"{n:05d}"
        s = base + sum(int(c) * w for c, w in zip(digits, (6, 5, 4, 3, 2), strict=True))
        check = s % 11
        if check < 10:
            out.append(f"999{digits}{check}")
    return tuple(out)


class _BsnSource:
    """A gemeente's own walk through a shuffled list of test BSNs, starting at its own offset."""

    __slots__ = ("_pool", "_offset", "_used", "_gm")

    def __init__(self, pool: Sequence[str], offset: int, gm: str):
        self._pool, self._offset, self._used, self._gm = pool, offset, 0, gm

    def next(self) -> str:
        if self._used >= len(self._pool):
            raise ValueError(f"{self._gm} needs more than the {len(self._pool)} BSNs of the 999 test range: "
                             "lower the scale or the number of months")
        bsn = self._pool[(self._offset + self._used) % len(self._pool)]
        self._used += 1
        return bsn


def _invalid_bsn(bsn: str) -> str:
    """The same 999 number with another last digit: it then fails the 11-proef."""
    last = int(bsn[-1])
    return bsn[:-1] + str((last + 1 + int(bsn[-2]) % 8) % 10)


# ---------------------------------------------------------------------------------------------------------------
# Simulation state.

class _Person:
    """A person with a BSN: the same person keeps it on every uitkering, in every month."""

    __slots__ = ("bsn", "geb", "geslacht", "huisvesting", "ontheffing", "onth_einde", "onth_einde_mi",
                 "onth_reden", "tegenprestatie", "aow_mi", "aow_dag")

    def __init__(self, bsn: str, birth: date, geslacht: str, huisvesting: str):
        self.bsn = bsn
        self.geb = f"{birth.year:04d}{birth.month:02d}{birth.day:02d}"
        self.geslacht = geslacht
        self.huisvesting = huisvesting
        aow = _aow_einde(birth)
        self.aow_mi = aow.year * 12 + aow.month - 1
        self.aow_dag = aow.day
        self.ontheffing: str | None = "2"
        self.onth_einde: str | None = None
        self.onth_einde_mi = 0
        self.onth_reden: str | None = None
        self.tegenprestatie: str | None = "2"


class _Uitkering:
    """One uitkering (Registratienummer) with its persons; ``einde`` is set in the month it ends."""

    __slots__ = ("seq", "code", "year", "persons", "aanv", "aanv_mi", "einde", "einde_mi", "redenen",
                 "leefvorm", "kostendelers", "norm_single", "norm_paar", "bbz", "cluster", "bedrag",
                 "work", "other", "maatregel", "aow_mi", "aow_dag", "first_aanvang")

    def __init__(self, seq: int, code: str, aanv_mi: int, aanv_dag: int):
        self.seq = seq
        self.code = code
        self.year = aanv_mi // 12
        self.persons: list[_Person] = []
        self.aanv: list[str] = []
        self.aanv_mi: list[int] = []
        self.einde: str | None = None
        self.einde_mi: int | None = None
        self.redenen: list[str | None] = []
        self.leefvorm = "1"
        self.kostendelers = 0
        self.norm_single = _NORM_ALLEENSTAANDE
        self.norm_paar = _NORM_GEHUWDEN
        self.bbz: str | None = None
        self.cluster: str | None = None
        self.bedrag = 0
        self.work: tuple[int, int, str] | None = None
        self.other: tuple[tuple[int, str, int, str], ...] = ()
        self.maatregel: tuple[int, str, str, str, int, int, float] | None = None
        self.aow_mi = 10 ** 6
        self.aow_dag = 1
        self.first_aanvang = (aanv_mi, aanv_dag)

    def add_person(self, person: _Person, aanv_mi: int, aanv_dag: int) -> None:
        self.persons.append(person)
        self.aanv.append(f"{_month(aanv_mi)[0]}{aanv_dag:02d}")
        self.aanv_mi.append(aanv_mi)
        self.redenen.append(None)
        if person.aow_mi < self.aow_mi:
            self.aow_mi, self.aow_dag = person.aow_mi, person.aow_dag


_BUIG = frozenset({"01", "02", "03", "14"})


class _Gemeente:
    """One gemeente's bestand, simulated month by month."""

    def __init__(self, gm: str, inwoners: int, scale: float, seed: int, bsns: _BsnSource, m0: int):
        self.gm = gm
        self.code = gm[2:]
        self.rng = random.Random(f"divobench/{seed}/{gm}")
        self.bsns = bsns
        rng = self.rng
        self.rate = _bestand_rate(inwoners) * (0.85 + 0.3 * rng.random())
        self.uitstroom = 0.018 + 0.005 * rng.random()
        drift = (rng.random() - 0.5) * 0.004
        self.instroom = min(0.024, max(0.016, self.uitstroom + drift))
        self.seq = 100 + int(rng.random() * 5000)
        self.active: list[_Uitkering] = []
        self.pool: list[_Person] = []
        self.left: list[_Person] = []
        persons = scale * self.rate * inwoners
        self._init_stock(m0, max(3, _stochastic_round(rng, persons / 1.15)))

    # -- construction ------------------------------------------------------------------------------------------

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def _person(self, birth: date, geslacht: str, huisvesting: str, now_mi: int | None = None) -> _Person:
        """A new person; with ``now_mi`` (BUIG) also an ontheffing arbeidsverplichting and tegenprestatie."""
        p = _Person(self.bsns.next(), birth, geslacht, huisvesting)
        if now_mi is not None:
            self._assign_ontheffing(p, now_mi)
        return p

    def _assign_ontheffing(self, p: _Person, mi: int) -> None:
        rng = self.rng
        r = rng.random()
        if r < 0.03:
            p.ontheffing = ""
        elif r < 0.43:
            p.ontheffing = _weighted(rng, _ONTHEFFING)
            if rng.random() < 0.25:
                self._set_onth_einde(p, mi + 3 + int(rng.random() * 22))
        t = rng.random()
        p.tegenprestatie = "1" if t < 0.04 else "" if t < 0.14 else "2"

    def _set_onth_einde(self, p: _Person, mi: int) -> None:
        ym, dim, _ = _month(mi)
        p.onth_einde = f"{ym}{1 + int(self.rng.random() * dim):02d}"
        p.onth_einde_mi = mi

    def _birth(self, ref_ordinal: int, age: float) -> date:
        return date.fromordinal(ref_ordinal - int(age * 365.2425) - int(self.rng.random() * 3))

    def _household(self, code: str, aanv_mi: int, aanv_dag: int, age: float, ref_ordinal: int,
                   *, partner_mi: int | None = None, recidivist: _Person | None = None) -> _Uitkering:
        """A new BUIG uitkering with its persons; ``age`` is the aanvrager's age on ``ref_ordinal``."""
        rng = self.rng
        now_mi = _mi(date.fromordinal(ref_ordinal))
        u = _Uitkering(self._next_seq(), code, aanv_mi, aanv_dag)
        r = rng.random()
        lv = "1" if r < 0.60 else "2" if r < 0.80 else "3" if r < 0.95 else "4"
        if lv == "2":
            age = min(max(age, 20.0), 58.0)
        u.leefvorm = lv
        huisvesting = _weighted(rng, _HUISVESTING)
        if lv == "4":
            huisvesting = "4" if rng.random() < 0.3 else "3"
        if lv == "1":
            geslacht = "2" if rng.random() < 0.45 else "1"
        elif lv == "2":
            geslacht = "2" if rng.random() < 0.85 else "1"
        else:
            geslacht = "1" if rng.random() < 0.65 else "2"
        first = recidivist or self._person(self._birth(ref_ordinal, age), geslacht, huisvesting, now_mi)
        u.add_person(first, aanv_mi, aanv_dag)
        if lv == "3":
            p_age = age + rng.gauss(-2.0, 4.0)
            years_on = (ref_ordinal - _month(aanv_mi)[2]) / 365.25
            p_age = min(66.8, max(p_age, 18.2 + max(0.0, years_on)))
            p_geslacht = ("2" if first.geslacht == "1" else "1") if rng.random() < 0.95 else first.geslacht
            partner = self._person(self._birth(ref_ordinal, p_age), p_geslacht, first.huisvesting, now_mi)
            if partner_mi is None:
                u.add_person(partner, aanv_mi, aanv_dag)
            else:
                u.add_person(partner, partner_mi, 1 + int(rng.random() * _month(partner_mi)[1]))
        kd = 0
        if lv in ("1", "2") and rng.random() < 0.14:
            kd = 2 if rng.random() < 0.7 else 3
        elif lv == "3" and rng.random() < 0.04:
            kd = 3
        u.kostendelers = kd
        u.norm_single = (_kostendelersnorm(kd) if kd else _NORM_JONGEREN if age < 21 else _NORM_ALLEENSTAANDE)
        if lv == "4":
            u.norm_single = _kostendelersnorm(2)
        u.norm_paar = 2 * _kostendelersnorm(kd) if kd else _NORM_GEHUWDEN
        if code == "14":
            u.bbz = _weighted(rng, _BBZ_CLASS)
        if rng.random() < 0.07:
            u.work = self._new_work(u)
        other = []
        if lv == "2" and rng.random() < 0.12:
            other.append((0, "23", 100 + int(rng.random() * 350), "1"))
        if lv == "3" and len(u.persons) == 2 and rng.random() < 0.25:
            other.append((1, "31", 50 + int(rng.random() * 230), "2"))
        r = rng.random()
        if r < 0.02:
            other.append((0, "98", 50 + int(rng.random() * 450), "2"))
        elif r < 0.03:
            other.append((0, "24", 200 + int(rng.random() * 600), "2"))
        elif r < 0.035:
            other.append((0, "18", 5 + int(rng.random() * 60), "2"))
        u.other = tuple(other)
        return u

    def _new_work(self, u: _Uitkering) -> tuple[int, int, str]:
        rng = self.rng
        pidx = 1 if len(u.persons) == 2 and rng.random() < 0.3 else 0
        return pidx, 150 + int(rng.random() * rng.random() * 1100), "1" if rng.random() < 0.55 else "2"

    def _bb(self, code: str, aanv_mi: int, aanv_dag: int, ref_ordinal: int, lopend_pw: Sequence[_Uitkering],
            einde_dag: int | None = None) -> _Uitkering:
        """Bijzondere bijstand: periodiek (11) or eenmalig (12), often to a person already in bijstand."""
        rng = self.rng
        u = _Uitkering(self._next_seq(), code, aanv_mi, aanv_dag)
        if lopend_pw and rng.random() < 0.6:
            person = lopend_pw[int(rng.random() * len(lopend_pw))].persons[0]
        else:
            g = "2" if rng.random() < 0.55 else "1"
            person = self._person(self._birth(ref_ordinal, _age(rng, _AGE_BB)), g, "1")
        u.add_person(person, aanv_mi, aanv_dag)
        if code == "11":
            u.cluster = _weighted(rng, _CLUSTER_PERIODIEK)
            lo, hi = {"m": (15, 60), "c": (50, 350), "k": (30, 60), "a": (50, 400), "h": (20, 150)}[u.cluster]
            u.bedrag = lo + int(rng.random() * (hi - lo))
        else:
            u.cluster = _weighted(rng, _CLUSTER_EENMALIG)
            u.bedrag = min(1500, max(50, round(math.exp(rng.gauss(math.log(280), 0.7)))))
            ym = _month(aanv_mi)[0]
            u.einde, u.einde_mi = f"{ym}{einde_dag or aanv_dag:02d}", aanv_mi
            u.redenen[0] = "98"
        return u

    def _init_stock(self, m0: int, n_pw: int) -> None:
        rng = self.rng
        ref = _month(m0)[2]
        cum = _stationary_duur(round((self.uitstroom - 0.0015) * 10000))
        max_duur = min(_MAX_DUUR, m0 - 1 - _FIRST_AANVANG)
        stock: list[_Uitkering] = []

        def aanvang(max_d: int) -> tuple[int, int]:
            d = bisect.bisect_left(cum, rng.random() * cum[max(0, min(max_d, max_duur))])
            mi = m0 - 1 - min(d, max_duur)
            return mi, 1 + int(rng.random() * _month(mi)[1])

        for code, n, bands in (("01", n_pw, _AGE_STOCK), ("02", n_pw * 0.031, _AGE_IOAW),
                               ("03", n_pw * 0.004, _AGE_IOAZ), ("14", n_pw * 0.010, _AGE_BBZ)):
            for _ in range(_stochastic_round(rng, n) if code != "01" else n):
                if code == "01":
                    mi, dag = aanvang(max_duur)
                    age = self._stock_age(bands, 18.05 + (m0 - mi) / 12)
                    self._add_stock(stock, code, mi, dag, age, m0, ref)
                    continue
                age = _age(rng, bands)
                max_d = int((age - 18) * 12)
                if code == "02":
                    max_d = min(max_d, int((age - 60) * 12) + 12)
                elif code == "14":
                    max_d = min(max_d, 24)
                elif code == "03":
                    max_d = min(max_d, 60)
                mi, dag = aanvang(max_d)
                self._add_stock(stock, code, mi, dag, age, m0, ref)
        pw = [u for u in stock if u.code == "01"]
        for _ in range(_stochastic_round(rng, n_pw * 0.05)):
            mi = m0 - 1 - int(rng.random() * 60)
            stock.append(self._bb("11", mi, 1 + int(rng.random() * _month(mi)[1]), ref, pw))
        stock.sort(key=lambda u: u.first_aanvang)
        for u in stock:
            u.seq = self._next_seq()
        self.active = stock

    def _stock_age(self, bands: Sequence[tuple[float, float, float]], minimum: float) -> float:
        """An age from ``bands`` of at least ``minimum``: long-lasting uitkeringen belong to older persons."""
        for _ in range(20):
            age = _age(self.rng, bands)
            if age >= minimum:
                return age
        return minimum + self.rng.random() * max(0.0, bands[-1][1] - minimum)

    def _add_stock(self, stock: list[_Uitkering], code: str, mi: int, dag: int, age: float, m0: int,
                   ref: int) -> None:
        rng = self.rng
        partner_mi = None
        if rng.random() < 0.10 and m0 - 1 - mi >= 2:
            partner_mi = mi + 1 + int(rng.random() * (m0 - 1 - mi))
        u = self._household(code, mi, dag, age, ref, partner_mi=partner_mi)
        if rng.random() < 0.005:
            u.maatregel = self._new_maatregel(u, m0 - 1, 1 + int(rng.random() * 2))
        stock.append(u)

    def _new_maatregel(self, u: _Uitkering, mi: int, months: int) -> tuple[int, str, str, str, int, int, float]:
        """A verlaging (maatregel) from month ``mi`` for ``months`` months: (persoon, reden, van, tot, ...)."""
        rng = self.rng
        reden = _weighted(rng, _MAATREGEL)
        ym, dim, _ = _month(mi)
        end_mi = mi + months - 1
        end_ym, end_dim, _ = _month(end_mi)
        pct = 0.1 if (r := rng.random()) < 0.4 else 0.2 if r < 0.7 else 0.3 if r < 0.9 else 1.0
        return 0, reden, f"{ym}{1 + int(rng.random() * dim):02d}", f"{end_ym}{end_dim:02d}", mi, end_mi, pct

    # -- one month ---------------------------------------------------------------------------------------------

    def step(self, mi: int) -> None:
        """Uitstroom, instroom and changes within month ``mi``."""
        rng = self.rng
        ym, dim, first = _month(mi)
        active = [u for u in self.active if u.einde_mi is None or u.einde_mi >= mi]
        self.pool.extend(self.left)
        self.left = []
        lopend: dict[str, list[_Uitkering]] = {"01": [], "02": [], "03": [], "14": [], "11": []}
        for u in active:
            if u.einde is None:
                lopend[u.code].append(u)
        pw = lopend["01"]
        n_pw = len(pw)

        aow = [u for code in ("01", "02", "03", "14") for u in lopend[code] if u.aow_mi <= mi]
        for u in aow:
            self._end(u, mi, u.aow_dag if u.aow_mi == mi else 1, "03")
        n_aow_pw = sum(1 for u in aow if u.code == "01")

        weights = [_WEIGHTS[min(mi - u.aanv_mi[0], _MAX_DUUR)] for u in pw]
        mean_w = (sum(weights) / n_pw) if n_pw else 1.0
        base = max(0.0, self.uitstroom * n_pw - n_aow_pw) / max(1, n_pw) / mean_w
        start_work, stop_work = 0.0055, 0.065
        for u, w in zip(pw, weights, strict=True):
            if u.einde is not None:
                continue
            if rng.random() < base * w:
                reden = "11" if u.work is not None and rng.random() < 0.35 else _weighted(rng, _REDEN_PW)
                self._end(u, mi, 1 + int(rng.random() * dim), reden)
                continue
            self._monthly_changes(u, mi, start_work, stop_work)
        for code, p_out, redenen in (("02", 0.006, _REDEN_IOAW), ("03", 0.004, _REDEN_IOAW),
                                     ("14", 0.06, _REDEN_BBZ), ("11", 0.03, _REDEN_BB)):
            for u in lopend[code]:
                if u.einde is not None:
                    continue
                if rng.random() < p_out:
                    self._end(u, mi, 1 + int(rng.random() * dim), _weighted(rng, redenen))
                elif code != "11":
                    self._monthly_changes(u, mi, start_work * 0.5, stop_work)

        ref = first + dim // 2
        new: list[_Uitkering] = []
        n_in = _poisson(rng, self.instroom * n_pw)
        remaining = n_pw - sum(1 for u in pw if u.einde is not None)
        n_in = max(n_in, 3 - remaining)
        for code, n, bands in (("01", n_in, _AGE_INSTROOM),
                               ("02", _poisson(rng, 0.018 * 0.031 * n_pw), _AGE_IOAW_INSTROOM),
                               ("03", _poisson(rng, 0.011 * 0.004 * n_pw), _AGE_IOAZ_INSTROOM),
                               ("14", _poisson(rng, 0.06 * 0.010 * n_pw), _AGE_BBZ)):
            for _ in range(n):
                dag = 1 + int(rng.random() * dim)
                recidivist = None
                if code == "01" and self.pool and rng.random() < 0.25:
                    k = int(rng.random() * len(self.pool))
                    candidate = self.pool[k]
                    self.pool[k] = self.pool[-1]
                    self.pool.pop()
                    if candidate.aow_mi > mi + 6:
                        recidivist = candidate
                age = _age(rng, bands)
                partner_mi = mi + 1 + int(rng.random() * 12) if rng.random() < 0.06 else None
                u = self._household(code, mi, dag, age, first + dag - 1, partner_mi=partner_mi,
                                    recidivist=recidivist)
                new.append(u)
        lopend_pw = [u for u in pw if u.einde is None]
        for _ in range(_poisson(rng, 0.03 * 0.05 * n_pw)):
            new.append(self._bb("11", mi, 1 + int(rng.random() * dim), ref, lopend_pw))
        for _ in range(_poisson(rng, 0.01 * n_pw)):
            dag = 1 + int(rng.random() * dim)
            new.append(self._bb("12", mi, dag, ref, lopend_pw))
        new.sort(key=lambda u: u.first_aanvang[1])
        for u in new:
            u.seq = self._next_seq()
        self.active = active + new

    def _monthly_changes(self, u: _Uitkering, mi: int, start_work: float, stop_work: float) -> None:
        rng = self.rng
        if u.work is None:
            if rng.random() < start_work:
                u.work = self._new_work(u)
        elif rng.random() < stop_work:
            u.work = None
        if (u.maatregel is None or u.maatregel[5] < mi) and rng.random() < 0.0025:
            u.maatregel = self._new_maatregel(u, mi, 1 + int(rng.random() * 3))
        for p, p_mi in zip(u.persons, u.aanv_mi, strict=True):
            if p_mi > mi:
                continue
            if p.onth_einde is not None and p.onth_einde_mi < mi and p.onth_reden is None:
                if rng.random() < 0.8:
                    self._set_onth_einde(p, mi + 6 + int(rng.random() * 7))
                else:
                    p.ontheffing, p.onth_reden = "2", "2" if rng.random() < 0.7 else "5"
            elif p.ontheffing == "2" and p.onth_reden is None and rng.random() < 0.003:
                p.ontheffing = _weighted(rng, _ONTHEFFING)
                if rng.random() < 0.25:
                    self._set_onth_einde(p, mi + 3 + int(rng.random() * 22))

    def _end(self, u: _Uitkering, mi: int, dag: int, reden: str) -> None:
        """End an uitkering on day ``dag`` of month ``mi``; a partner not yet on it is dropped."""
        rng = self.rng
        keep = [i for i, p_mi in enumerate(u.aanv_mi) if p_mi <= mi]
        if len(keep) < len(u.persons):
            u.persons = [u.persons[i] for i in keep]
            u.aanv = [u.aanv[i] for i in keep]
            u.aanv_mi = [u.aanv_mi[i] for i in keep]
            u.redenen = [u.redenen[i] for i in keep]
            if u.work is not None and u.work[0] >= len(keep):
                u.work = None
            u.other = tuple(o for o in u.other if o[0] < len(keep))
        ym = _month(mi)[0]
        dag = max([dag] + [int(a[6:]) for a, p_mi in zip(u.aanv, u.aanv_mi, strict=True) if p_mi == mi])
        if len(u.persons) > 1 and reden == "02":
            reden = "98"
        u.einde, u.einde_mi = f"{ym}{dag:02d}", mi
        u.redenen = [reden] + ["97" if rng.random() < 0.75 else reden for _ in u.persons[1:]]
        if u.code == "01" and reden in ("11", "13", "14", "15", "19", "31", "34", "98") and u.persons[0].aow_mi > mi:
            self.left.append(u.persons[0])

    # -- rendering ---------------------------------------------------------------------------------------------

    def render(self, mi: int, regnr_format: str) -> list[tuple[_Uitkering, str, int]]:
        """Every Uitkering of month ``mi`` as XML, with its number of Persoon records."""
        ym, dim, _ = _month(mi)
        factor = _norm_factor(mi)
        out = []
        for u in self.active:
            persons = [i for i, p_mi in enumerate(u.aanv_mi) if p_mi <= mi]
            regnr = regnr_format.format(year=u.year, seq=u.seq)
            invoering = f"{ym}{dim - (u.seq * 7 + mi) % 5:02d}"
            if u.code in _BUIG:
                xml = self._render_buig(u, mi, persons, regnr, invoering, factor)
            else:
                xml = self._render_bb(u, regnr, invoering)
            out.append((u, xml, len(persons)))
        return out

    def _render_buig(self, u: _Uitkering, mi: int, persons: list[int], regnr: str, invoering: str,
                     factor: float) -> str:
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
        parts = [_UIT_O, _fields(_UITKERING_F, {
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

    def _render_bb(self, u: _Uitkering, regnr: str, invoering: str) -> str:
        p = u.persons[0]
        return "".join((
            _UIT_O,
            _fields(_UITKERING_F, {7: regnr, 8: u.code, 15: str(u.bedrag), 16: invoering, 17: u.cluster}),
            _persoon({18: p.bsn, 19: p.geb, 20: p.geslacht, 22: u.aanv[0], 23: u.einde or "", 34: u.redenen[0]},
                     {}),
            _UIT_C,
        ))


# ---------------------------------------------------------------------------------------------------------------
# Signaleringen: a few realistic data quality problems, never a reason to reject the whole file.

_SIGNALERINGEN = ("leefvorm", "datum", "bsn", "bedrag", "reden", "einde")


def _signalering(rng: random.Random, u: _Uitkering, xml: str, kind: str) -> str | None:
    """The record with one wrong value of the given kind, or None when the kind does not fit the record."""
    if kind == "leefvorm" and u.code in _BUIG:
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
        return xml.replace(_element(18, bsn), _element(18, _invalid_bsn(bsn)), 1)
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
        return xml.replace(_element(23, u.einde), _element(23, _ymd(bad.toordinal())))
    return None


# ---------------------------------------------------------------------------------------------------------------

def _gm(code: str) -> str:
    code = code.strip().upper()
    return code if code.startswith("GM") else f"GM{int(code):04d}"


def _expected_persons(inwoners: int, scale: float) -> int:
    """A generous estimate of the persons a gemeente draws over three years, to space BSN ranges apart."""
    return int(scale * _bestand_rate(inwoners) * 1.15 * inwoners * 2.2) + 50


def generate_uploads(out_dir: Path, uploads: Sequence[UploadSpec], months: Sequence[date], *, seed: int = 2026,
                     inwoners: Mapping[str, int] | None = None, scale: float = 1.0,
                     signaleringen: bool = True) -> list[GeneratedUpload]:
    """Write one BUS-XML file per participant and month under ``out_dir/<participant_id>/``.

    The simulation starts from a bestand lopend at the end of the month before ``months[0]`` and runs through
    every month up to the last one requested; only the requested months are written. Same arguments, same bytes.
    With ``signaleringen`` a few records per file carry a wrong value (about 1 in 2,000 uitkeringen, and at least
    one per participant every three months); the underlying simulation is the same with or without them.
    """
    if not uploads or not months:
        return []
    wanted = sorted({d.replace(day=1) for d in months})
    inwoners = {_gm(code): n for code, n in (load_inwoners() if inwoners is None else inwoners).items()}
    specs = [(spec.participant_id, [_gm(g) for g in spec.gemeenten]) for spec in uploads]
    all_gm = [gm for _, gms in specs for gm in gms]
    if len(set(all_gm)) != len(all_gm):
        raise ValueError("a gemeente appears in more than one upload (or twice in one)")
    if len({pid for pid, _ in specs}) != len(specs):
        raise ValueError("a participant appears twice among the uploads")
    missing = [gm for gm in all_gm if gm not in inwoners]
    if missing:
        raise ValueError(f"no inwoners known for {', '.join(missing)}")

    pool = list(_valid_test_bsns())
    random.Random(f"divobench/{seed}/bsn").shuffle(pool)
    m0, m_last = _mi(wanted[0]), _mi(wanted[-1])
    gemeenten: dict[str, _Gemeente] = {}
    offset = 0
    for gm in sorted(all_gm):
        source = _BsnSource(pool, offset % len(pool), gm)
        offset += _expected_persons(inwoners[gm], scale)
        gemeenten[gm] = _Gemeente(gm, inwoners[gm], scale, seed, source, m0)

    pakketten = {pid: _weighted(random.Random(f"divobench/{seed}/pakket/{pid}"), _PAKKETTEN) for pid, _ in specs}
    quiet_months = {pid: 0 for pid, _ in specs}
    wanted_mi = {_mi(d) for d in wanted}
    result = []
    for mi in range(m0, m_last + 1):
        for g in gemeenten.values():
            g.step(mi)
        if mi not in wanted_mi:
            continue
        month = date(mi // 12, mi % 12 + 1, 1)
        for pid, gms in specs:
            sig_rng = random.Random(f"divobench/{seed}/signalering/{pid}/{mi}") if signaleringen else None
            path = Path(out_dir) / pid / f"bus_{pid}_{month:%Y-%m}.xml"
            n_u, n_p, had = _write_file(path, mi, pakketten[pid], [gemeenten[gm] for gm in gms], sig_rng,
                                        force=signaleringen and quiet_months[pid] >= 2)
            quiet_months[pid] = 0 if had else quiet_months[pid] + 1
            result.append(GeneratedUpload(pid, month, path, n_u, n_p))
    return result


def _write_file(path: Path, mi: int, pakket: str, gemeenten: Sequence[_Gemeente], sig_rng: random.Random | None,
                *, force: bool) -> tuple[int, int, bool]:
    """Write one participant's month; returns (uitkeringen, personen, whether a signalering was planted)."""
    rendered = [g.render(mi, _REGISTRATIENUMMER[pakket]) for g in gemeenten]
    planted: dict[tuple[int, int], str] = {}
    if sig_rng is not None:
        flat = [(gi, ui) for gi, records in enumerate(rendered) for ui in range(len(records))]
        ended = [(gi, ui) for gi, ui in flat if rendered[gi][ui][0].einde is not None
                 and rendered[gi][ui][0].code != "12"]
        n = _poisson(sig_rng, len(flat) / 2000)
        if force:
            n = max(n, 1)
        for _ in range(min(n * 20, 200)):
            if len(planted) >= n:
                break
            kind = _SIGNALERINGEN[int(sig_rng.random() * len(_SIGNALERINGEN))]
            candidates = ended if kind in ("reden", "einde") and ended else flat
            gi, ui = candidates[int(sig_rng.random() * len(candidates))]
            u, xml, _ = rendered[gi][ui]
            changed = _signalering(sig_rng, u, xml, kind)
            if changed is not None and (gi, ui) not in planted and changed != xml:
                planted[(gi, ui)] = changed

    encoding = "ISO-8859-1" if pakket in _ISO_PAKKETTEN else "UTF-8"
    ym = _month(mi)[0]
    berichtgever = gemeenten[0].code
    n_u = n_p = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="\n") as f:
        f.write(f'<?xml version="1.0" encoding="{encoding}"?>\n<BUS versie="2015">\n')
        for gi, (g, records) in enumerate(zip(gemeenten, rendered, strict=True)):
            chunk = [_LEV_O, _fields(_LEVERING_F, {1: ym[:4], 2: ym[4:], 3: berichtgever, 4: g.code,
                                                   5: pakket, 6: _VERSIE[pakket]})]
            for ui, (_, xml, n_persons) in enumerate(records):
                chunk.append(planted.get((gi, ui), xml))
                n_p += n_persons
                if len(chunk) >= 4096:
                    f.write("".join(chunk))
                    chunk.clear()
            n_u += len(records)
            chunk.append(_LEV_C)
            f.write("".join(chunk))
        f.write("</BUS>\n")
    return n_u, n_p, bool(planted)
