"""Calendar arithmetic and the domain parameters of the simulation: age bands, redenen, norms, durations, and the
random draws from them. Months are counted as year * 12 + month - 1."""

from __future__ import annotations

import bisect
import calendar
import math
import random
from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache


def month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


@cache
def month_info(mi: int) -> tuple[str, int, int]:
    """(jjjjmm, days in the month, ordinal of its first day)."""
    y, m = divmod(mi, 12)
    return f"{y:04d}{m + 1:02d}", calendar.monthrange(y, m + 1)[1], date(y, m + 1, 1).toordinal()


def ymd(ordinal: int) -> str:
    d = date.fromordinal(ordinal)
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def aow_einde(birth: date) -> date:
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



AGE_STOCK = ((18, 27, 0.10), (27, 35, 0.17), (35, 45, 0.22), (45, 55, 0.24), (55, 66.9, 0.27))
AGE_INSTROOM = ((18, 27, 0.25), (27, 35, 0.25), (35, 45, 0.22), (45, 55, 0.17), (55, 66.5, 0.11))
AGE_IOAW = ((60, 66.9, 1.0),)
AGE_IOAZ = ((55, 66.9, 1.0),)
AGE_IOAW_INSTROOM = ((60, 66.4, 1.0),)
AGE_IOAZ_INSTROOM = ((55, 66.4, 1.0),)
AGE_BBZ = ((23, 35, 0.35), (35, 50, 0.40), (50, 62, 0.25))
AGE_BB = ((18, 30, 0.2), (30, 50, 0.45), (50, 66.5, 0.35))

REDEN_PW = (("11", 28.0), ("13", 3.0), ("02", 7.0), ("32", 12.0), ("01", 5.0), ("04", 3.0), ("05", 1.0),
             ("14", 4.0), ("15", 4.0), ("19", 2.0), ("31", 4.0), ("34", 4.0), ("98", 14.0), ("33", 2.0))
REDEN_IOAW = (("11", 35.0), ("32", 10.0), ("04", 10.0), ("98", 45.0))
REDEN_BBZ = (("13", 50.0), ("11", 20.0), ("98", 30.0))
REDEN_BB = (("98", 70.0), ("32", 10.0), ("11", 20.0))
ONTHEFFING = (("5", 65.0), ("4", 20.0), ("6", 15.0))
HUISVESTING = (("1", 85.0), ("2", 3.0), ("3", 7.0), ("4", 2.0), ("5", 2.0), ("6", 1.0))
MAATREGEL = (("01", 50.0), ("06", 15.0), ("07", 10.0), ("03", 10.0), ("05", 5.0), ("08", 10.0))
CLUSTER_PERIODIEK = (("m", 35.0), ("c", 25.0), ("k", 15.0), ("a", 15.0), ("h", 10.0))
CLUSTER_EENMALIG = (("b", 40.0), ("c", 20.0), ("h", 25.0), ("i", 15.0))
BBZ_CLASS = (("1", 30.0), ("2", 10.0), ("3", 10.0), ("5", 50.0))
PAKKETTEN = (("gws", 40.0), ("sam", 30.0), ("soc", 15.0), ("cso", 6.0), ("ebb", 5.0), ("and", 4.0))
VERSIE = {"gws": "2025.2.1", "sam": "4.12.1", "soc": "7.4", "cso": "3.2.0", "ebb": "2.8", "and": "1.0"}
ISO_PAKKETTEN = frozenset({"soc", "cso"})
REGISTRATIENUMMER = {
    "sam": "U{year}{seq:06d}", "gws": "{seq:010d}", "soc": "S{year}-{seq:06d}",
    "cso": "CS{seq:08d}", "ebb": "{year}{seq:07d}", "and": "R{seq:09d}",
}

# Monthly norms incl. vakantietoeslag on 1 January 2026, indexed by about 2% every half year.
NORM_ALLEENSTAANDE = 1401
NORM_GEHUWDEN = 2001
NORM_JONGEREN = 350
_NORM_MONTH = 2026 * 12
FIRST_AANVANG = 2004 * 12


def kostendelersnorm(n: int) -> int:
    """Norm of one person among ``n`` kostendelers (Participatiewet art. 22a)."""
    return round(NORM_GEHUWDEN * (40 + 30 * n) / (100 * n))


def norm_factor(mi: int) -> float:
    return 1.02 ** ((mi - _NORM_MONTH) // 6)


def bestand_rate(inwoners: int) -> float:
    """Persons in algemene bijstand per inwoner before the gemeente's own variation: larger cities higher."""
    x = (math.log(max(inwoners, 1000)) - math.log(5000)) / (math.log(800000) - math.log(5000))
    x = min(1.0, max(0.0, x))
    return 0.0157 + 0.0186 * x * x


MAX_DUUR = 480


def _duur_weight(d: int) -> float:
    """Relative uitstroom hazard by duration in months: new uitkeringen end far more often than old ones."""
    return 3.0 if d < 6 else 2.0 if d < 12 else 1.4 if d < 24 else 0.9 if d < 60 else 0.45


WEIGHTS = tuple(_duur_weight(d) for d in range(MAX_DUUR + 1))


@cache
def stationary_duur(rate_milli: int) -> tuple[float, ...]:
    """Cumulative duration distribution (months) of a steady bestand whose monthly uitstroom is rate_milli/10000."""
    target = rate_milli / 10000

    def survival(c: float) -> list[float]:
        s = [1.0]
        for d in range(MAX_DUUR):
            s.append(s[-1] * (1.0 - min(1.0, c * WEIGHTS[d])))
        return s

    lo, hi = 0.0005, 0.2
    for _ in range(24):
        c = (lo + hi) / 2
        s = survival(c)
        out = sum(s[d] * c * WEIGHTS[d] for d in range(MAX_DUUR + 1)) / sum(s)
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


def weighted(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    values, cum = _cumulative(table)
    return values[min(bisect.bisect_right(cum, rng.random()), len(values) - 1)]


def draw_age(rng: random.Random, bands: Sequence[tuple[float, float, float]]) -> float:
    r = rng.random() * sum(b[2] for b in bands)
    for lo, hi, w in bands:
        if r < w:
            return lo + rng.random() * (hi - lo)
        r -= w
    lo, hi, _ = bands[-1]
    return lo + rng.random() * (hi - lo)


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def stochastic_round(rng: random.Random, x: float) -> int:
    base = math.floor(x)
    return base + (1 if rng.random() < x - base else 0)
