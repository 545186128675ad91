"""One gemeente simulated month by month: its starting bestand, uitstroom, instroom and changes within a month."""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Sequence
from datetime import date

from divobench_pipeline.demo.bsns import BsnSource
from divobench_pipeline.demo.parameters import (
    AGE_BB,
    AGE_BBZ,
    AGE_INSTROOM,
    AGE_IOAW,
    AGE_IOAW_INSTROOM,
    AGE_IOAZ,
    AGE_IOAZ_INSTROOM,
    AGE_STOCK,
    BBZ_CLASS,
    CLUSTER_EENMALIG,
    CLUSTER_PERIODIEK,
    FIRST_AANVANG,
    HUISVESTING,
    MAATREGEL,
    MAX_DUUR,
    NORM_ALLEENSTAANDE,
    NORM_GEHUWDEN,
    NORM_JONGEREN,
    ONTHEFFING,
    REDEN_BB,
    REDEN_BBZ,
    REDEN_IOAW,
    REDEN_PW,
    WEIGHTS,
    bestand_rate,
    draw_age,
    kostendelersnorm,
    month_index,
    month_info,
    poisson,
    stationary_duur,
    stochastic_round,
    weighted,
)
from divobench_pipeline.demo.records import Person, Uitkering


class Gemeente:
    """One gemeente's bestand, simulated month by month."""

    def __init__(self, gm: str, inwoners: int, scale: float, seed: int, bsns: BsnSource, m0: int):
        self.gm = gm
        self.code = gm[2:]
        self.rng = random.Random(f"divobench/{seed}/{gm}")
        self.bsns = bsns
        rng = self.rng
        self.rate = bestand_rate(inwoners) * (0.85 + 0.3 * rng.random())
        self.uitstroom = 0.018 + 0.005 * rng.random()
        drift = (rng.random() - 0.5) * 0.004
        self.instroom = min(0.024, max(0.016, self.uitstroom + drift))
        self.seq = 100 + int(rng.random() * 5000)
        self.active: list[Uitkering] = []
        self.pool: list[Person] = []
        self.left: list[Person] = []
        persons = scale * self.rate * inwoners
        self._init_stock(m0, max(3, stochastic_round(rng, persons / 1.15)))

    # -- construction ------------------------------------------------------------------------------------------

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def _person(self, birth: date, geslacht: str, huisvesting: str, now_mi: int | None = None) -> Person:
        """A new person; with ``now_mi`` (BUIG) also an ontheffing arbeidsverplichting and tegenprestatie."""
        p = Person(self.bsns.next(), birth, geslacht, huisvesting)
        if now_mi is not None:
            self._assign_ontheffing(p, now_mi)
        return p

    def _assign_ontheffing(self, p: Person, mi: int) -> None:
        rng = self.rng
        r = rng.random()
        if r < 0.03:
            p.ontheffing = ""
        elif r < 0.43:
            p.ontheffing = weighted(rng, ONTHEFFING)
            if rng.random() < 0.25:
                self._set_onth_einde(p, mi + 3 + int(rng.random() * 22))
        t = rng.random()
        p.tegenprestatie = "1" if t < 0.04 else "" if t < 0.14 else "2"

    def _set_onth_einde(self, p: Person, mi: int) -> None:
        ym, dim, _ = month_info(mi)
        p.onth_einde = f"{ym}{1 + int(self.rng.random() * dim):02d}"
        p.onth_einde_mi = mi

    def _birth(self, ref_ordinal: int, age: float) -> date:
        return date.fromordinal(ref_ordinal - int(age * 365.2425) - int(self.rng.random() * 3))

    def _household(self, code: str, aanv_mi: int, aanv_dag: int, age: float, ref_ordinal: int,
                   *, partner_mi: int | None = None, recidivist: Person | None = None) -> Uitkering:
        """A new BUIG uitkering with its persons; ``age`` is the aanvrager's age on ``ref_ordinal``."""
        rng = self.rng
        now_mi = month_index(date.fromordinal(ref_ordinal))
        u = Uitkering(self._next_seq(), code, aanv_mi, aanv_dag)
        r = rng.random()
        lv = "1" if r < 0.60 else "2" if r < 0.80 else "3" if r < 0.95 else "4"
        if lv == "2":
            age = min(max(age, 20.0), 58.0)
        u.leefvorm = lv
        huisvesting = weighted(rng, HUISVESTING)
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
            years_on = (ref_ordinal - month_info(aanv_mi)[2]) / 365.25
            p_age = min(66.8, max(p_age, 18.2 + max(0.0, years_on)))
            p_geslacht = ("2" if first.geslacht == "1" else "1") if rng.random() < 0.95 else first.geslacht
            partner = self._person(self._birth(ref_ordinal, p_age), p_geslacht, first.huisvesting, now_mi)
            if partner_mi is None:
                u.add_person(partner, aanv_mi, aanv_dag)
            else:
                u.add_person(partner, partner_mi, 1 + int(rng.random() * month_info(partner_mi)[1]))
        kd = 0
        if lv in ("1", "2") and rng.random() < 0.14:
            kd = 2 if rng.random() < 0.7 else 3
        elif lv == "3" and rng.random() < 0.04:
            kd = 3
        u.kostendelers = kd
        u.norm_single = (kostendelersnorm(kd) if kd else NORM_JONGEREN if age < 21 else NORM_ALLEENSTAANDE)
        if lv == "4":
            u.norm_single = kostendelersnorm(2)
        u.norm_paar = 2 * kostendelersnorm(kd) if kd else NORM_GEHUWDEN
        if code == "14":
            u.bbz = weighted(rng, BBZ_CLASS)
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

    def _new_work(self, u: Uitkering) -> tuple[int, int, str]:
        rng = self.rng
        pidx = 1 if len(u.persons) == 2 and rng.random() < 0.3 else 0
        return pidx, 150 + int(rng.random() * rng.random() * 1100), "1" if rng.random() < 0.55 else "2"

    def _bb(self, code: str, aanv_mi: int, aanv_dag: int, ref_ordinal: int, lopend_pw: Sequence[Uitkering],
            einde_dag: int | None = None) -> Uitkering:
        """Bijzondere bijstand: periodiek (11) or eenmalig (12), often to a person already in bijstand."""
        rng = self.rng
        u = Uitkering(self._next_seq(), code, aanv_mi, aanv_dag)
        if lopend_pw and rng.random() < 0.6:
            person = lopend_pw[int(rng.random() * len(lopend_pw))].persons[0]
        else:
            g = "2" if rng.random() < 0.55 else "1"
            person = self._person(self._birth(ref_ordinal, draw_age(rng, AGE_BB)), g, "1")
        u.add_person(person, aanv_mi, aanv_dag)
        if code == "11":
            u.cluster = weighted(rng, CLUSTER_PERIODIEK)
            lo, hi = {"m": (15, 60), "c": (50, 350), "k": (30, 60), "a": (50, 400), "h": (20, 150)}[u.cluster]
            u.bedrag = lo + int(rng.random() * (hi - lo))
        else:
            u.cluster = weighted(rng, CLUSTER_EENMALIG)
            u.bedrag = min(1500, max(50, round(math.exp(rng.gauss(math.log(280), 0.7)))))
            ym = month_info(aanv_mi)[0]
            u.einde, u.einde_mi = f"{ym}{einde_dag or aanv_dag:02d}", aanv_mi
            u.redenen[0] = "98"
        return u

    def _init_stock(self, m0: int, n_pw: int) -> None:
        rng = self.rng
        ref = month_info(m0)[2]
        cum = stationary_duur(round((self.uitstroom - 0.0015) * 10000))
        max_duur = min(MAX_DUUR, m0 - 1 - FIRST_AANVANG)
        stock: list[Uitkering] = []

        def aanvang(max_d: int) -> tuple[int, int]:
            d = bisect.bisect_left(cum, rng.random() * cum[max(0, min(max_d, max_duur))])
            mi = m0 - 1 - min(d, max_duur)
            return mi, 1 + int(rng.random() * month_info(mi)[1])

        for code, n, bands in (("01", n_pw, AGE_STOCK), ("02", n_pw * 0.031, AGE_IOAW),
                               ("03", n_pw * 0.004, AGE_IOAZ), ("14", n_pw * 0.010, AGE_BBZ)):
            for _ in range(stochastic_round(rng, n) if code != "01" else n):
                if code == "01":
                    mi, dag = aanvang(max_duur)
                    age = self._stock_age(bands, 18.05 + (m0 - mi) / 12)
                    self._add_stock(stock, code, mi, dag, age, m0, ref)
                    continue
                age = draw_age(rng, bands)
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
        for _ in range(stochastic_round(rng, n_pw * 0.05)):
            mi = m0 - 1 - int(rng.random() * 60)
            stock.append(self._bb("11", mi, 1 + int(rng.random() * month_info(mi)[1]), ref, pw))
        stock.sort(key=lambda u: u.first_aanvang)
        for u in stock:
            u.seq = self._next_seq()
        self.active = stock

    def _stock_age(self, bands: Sequence[tuple[float, float, float]], minimum: float) -> float:
        """An age from ``bands`` of at least ``minimum``: long-lasting uitkeringen belong to older persons."""
        for _ in range(20):
            age = draw_age(self.rng, bands)
            if age >= minimum:
                return age
        return minimum + self.rng.random() * max(0.0, bands[-1][1] - minimum)

    def _add_stock(self, stock: list[Uitkering], code: str, mi: int, dag: int, age: float, m0: int,
                   ref: int) -> None:
        rng = self.rng
        partner_mi = None
        if rng.random() < 0.10 and m0 - 1 - mi >= 2:
            partner_mi = mi + 1 + int(rng.random() * (m0 - 1 - mi))
        u = self._household(code, mi, dag, age, ref, partner_mi=partner_mi)
        if rng.random() < 0.005:
            u.maatregel = self._new_maatregel(u, m0 - 1, 1 + int(rng.random() * 2))
        stock.append(u)

    def _new_maatregel(self, u: Uitkering, mi: int, months: int) -> tuple[int, str, str, str, int, int, float]:
        """A verlaging (maatregel) from month ``mi`` for ``months`` months: (persoon, reden, van, tot, ...)."""
        rng = self.rng
        reden = weighted(rng, MAATREGEL)
        ym, dim, _ = month_info(mi)
        end_mi = mi + months - 1
        end_ym, end_dim, _ = month_info(end_mi)
        pct = 0.1 if (r := rng.random()) < 0.4 else 0.2 if r < 0.7 else 0.3 if r < 0.9 else 1.0
        return 0, reden, f"{ym}{1 + int(rng.random() * dim):02d}", f"{end_ym}{end_dim:02d}", mi, end_mi, pct

    # -- one month ---------------------------------------------------------------------------------------------

    def step(self, mi: int) -> None:
        """Uitstroom, instroom and changes within month ``mi``."""
        active = [u for u in self.active if u.einde_mi is None or u.einde_mi >= mi]
        self.pool.extend(self.left)
        self.left = []
        lopend: dict[str, list[Uitkering]] = {"01": [], "02": [], "03": [], "14": [], "11": []}
        for u in active:
            if u.einde is None:
                lopend[u.code].append(u)
        self._uitstroom(mi, lopend)
        self.active = active + self._instroom(mi, lopend["01"])

    def _uitstroom(self, mi: int, lopend: dict[str, list[Uitkering]]) -> None:
        """End uitkeringen in month ``mi`` (AOW age first, then per regeling); the rest change within the month."""
        rng = self.rng
        dim = month_info(mi)[1]
        pw = lopend["01"]
        n_pw = len(pw)
        aow = [u for code in ("01", "02", "03", "14") for u in lopend[code] if u.aow_mi <= mi]
        for u in aow:
            self._end(u, mi, u.aow_dag if u.aow_mi == mi else 1, "03")
        n_aow_pw = sum(1 for u in aow if u.code == "01")

        weights = [WEIGHTS[min(mi - u.aanv_mi[0], MAX_DUUR)] for u in pw]
        mean_w = (sum(weights) / n_pw) if n_pw else 1.0
        base = max(0.0, self.uitstroom * n_pw - n_aow_pw) / max(1, n_pw) / mean_w
        start_work, stop_work = 0.0055, 0.065
        for u, w in zip(pw, weights, strict=True):
            if u.einde is not None:
                continue
            if rng.random() < base * w:
                reden = "11" if u.work is not None and rng.random() < 0.35 else weighted(rng, REDEN_PW)
                self._end(u, mi, 1 + int(rng.random() * dim), reden)
                continue
            self._monthly_changes(u, mi, start_work, stop_work)
        for code, p_out, redenen in (("02", 0.006, REDEN_IOAW), ("03", 0.004, REDEN_IOAW),
                                     ("14", 0.06, REDEN_BBZ), ("11", 0.03, REDEN_BB)):
            for u in lopend[code]:
                if u.einde is not None:
                    continue
                if rng.random() < p_out:
                    self._end(u, mi, 1 + int(rng.random() * dim), weighted(rng, redenen))
                elif code != "11":
                    self._monthly_changes(u, mi, start_work * 0.5, stop_work)

    def _instroom(self, mi: int, pw: list[Uitkering]) -> list[Uitkering]:
        """The uitkeringen starting in month ``mi``, numbered in order of aanvang; ``pw`` is the lopende
        algemene bijstand at the start of the month (its size sets the inflow)."""
        rng = self.rng
        _, dim, first = month_info(mi)
        n_pw = len(pw)
        ref = first + dim // 2
        new: list[Uitkering] = []
        n_in = poisson(rng, self.instroom * n_pw)
        remaining = n_pw - sum(1 for u in pw if u.einde is not None)
        n_in = max(n_in, 3 - remaining)
        for code, n, bands in (("01", n_in, AGE_INSTROOM),
                               ("02", poisson(rng, 0.018 * 0.031 * n_pw), AGE_IOAW_INSTROOM),
                               ("03", poisson(rng, 0.011 * 0.004 * n_pw), AGE_IOAZ_INSTROOM),
                               ("14", poisson(rng, 0.06 * 0.010 * n_pw), AGE_BBZ)):
            for _ in range(n):
                dag = 1 + int(rng.random() * dim)
                recidivist = self._recidivist(mi) if code == "01" else None
                age = draw_age(rng, bands)
                partner_mi = mi + 1 + int(rng.random() * 12) if rng.random() < 0.06 else None
                new.append(self._household(code, mi, dag, age, first + dag - 1, partner_mi=partner_mi,
                                           recidivist=recidivist))
        lopend_pw = [u for u in pw if u.einde is None]
        for _ in range(poisson(rng, 0.03 * 0.05 * n_pw)):
            new.append(self._bb("11", mi, 1 + int(rng.random() * dim), ref, lopend_pw))
        for _ in range(poisson(rng, 0.01 * n_pw)):
            dag = 1 + int(rng.random() * dim)
            new.append(self._bb("12", mi, dag, ref, lopend_pw))
        new.sort(key=lambda u: u.first_aanvang[1])
        for u in new:
            u.seq = self._next_seq()
        return new

    def _recidivist(self, mi: int) -> Person | None:
        """A quarter of new algemene bijstand comes back: someone who left earlier, if not near AOW age."""
        rng = self.rng
        if not (self.pool and rng.random() < 0.25):
            return None
        k = int(rng.random() * len(self.pool))
        candidate = self.pool[k]
        self.pool[k] = self.pool[-1]
        self.pool.pop()
        return candidate if candidate.aow_mi > mi + 6 else None

    def _monthly_changes(self, u: Uitkering, mi: int, start_work: float, stop_work: float) -> None:
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
                p.ontheffing = weighted(rng, ONTHEFFING)
                if rng.random() < 0.25:
                    self._set_onth_einde(p, mi + 3 + int(rng.random() * 22))

    def _end(self, u: Uitkering, mi: int, dag: int, reden: str) -> None:
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
        ym = month_info(mi)[0]
        dag = max([dag] + [int(a[6:]) for a, p_mi in zip(u.aanv, u.aanv_mi, strict=True) if p_mi == mi])
        if len(u.persons) > 1 and reden == "02":
            reden = "98"
        u.einde, u.einde_mi = f"{ym}{dag:02d}", mi
        u.redenen = [reden] + ["97" if rng.random() < 0.75 else reden for _ in u.persons[1:]]
        if u.code == "01" and reden in ("11", "13", "14", "15", "19", "31", "34", "98") and u.persons[0].aow_mi > mi:
            self.left.append(u.persons[0])
