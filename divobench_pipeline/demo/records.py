"""The simulation's records: a person and an uitkering (one or two persons) as they change month by month."""

from __future__ import annotations

from datetime import date

from divobench_pipeline.demo.parameters import NORM_ALLEENSTAANDE, NORM_GEHUWDEN, aow_einde, month_info


class Person:
    """A person with a BSN: the same person keeps it on every uitkering, in every month."""

    __slots__ = ("bsn", "geb", "geslacht", "huisvesting", "ontheffing", "onth_einde", "onth_einde_mi",
                 "onth_reden", "tegenprestatie", "aow_mi", "aow_dag")

    def __init__(self, bsn: str, birth: date, geslacht: str, huisvesting: str):
        self.bsn = bsn
        self.geb = f"{birth.year:04d}{birth.month:02d}{birth.day:02d}"
        self.geslacht = geslacht
        self.huisvesting = huisvesting
        aow = aow_einde(birth)
        self.aow_mi = aow.year * 12 + aow.month - 1
        self.aow_dag = aow.day
        self.ontheffing: str | None = "2"
        self.onth_einde: str | None = None
        self.onth_einde_mi = 0
        self.onth_reden: str | None = None
        self.tegenprestatie: str | None = "2"


class Uitkering:
    """One uitkering (Registratienummer) with its persons; ``einde`` is set in the month it ends."""

    __slots__ = ("seq", "code", "year", "persons", "aanv", "aanv_mi", "einde", "einde_mi", "redenen",
                 "leefvorm", "kostendelers", "norm_single", "norm_paar", "bbz", "cluster", "bedrag",
                 "work", "other", "maatregel", "aow_mi", "aow_dag", "first_aanvang")

    def __init__(self, seq: int, code: str, aanv_mi: int, aanv_dag: int):
        self.seq = seq
        self.code = code
        self.year = aanv_mi // 12
        self.persons: list[Person] = []
        self.aanv: list[str] = []
        self.aanv_mi: list[int] = []
        self.einde: str | None = None
        self.einde_mi: int | None = None
        self.redenen: list[str | None] = []
        self.leefvorm = "1"
        self.kostendelers = 0
        self.norm_single = NORM_ALLEENSTAANDE
        self.norm_paar = NORM_GEHUWDEN
        self.bbz: str | None = None
        self.cluster: str | None = None
        self.bedrag = 0
        self.work: tuple[int, int, str] | None = None
        self.other: tuple[tuple[int, str, int, str], ...] = ()
        self.maatregel: tuple[int, str, str, str, int, int, float] | None = None
        self.aow_mi = 10 ** 6
        self.aow_dag = 1
        self.first_aanvang = (aanv_mi, aanv_dag)

    def add_person(self, person: Person, aanv_mi: int, aanv_dag: int) -> None:
        self.persons.append(person)
        self.aanv.append(f"{month_info(aanv_mi)[0]}{aanv_dag:02d}")
        self.aanv_mi.append(aanv_mi)
        self.redenen.append(None)
        if person.aow_mi < self.aow_mi:
            self.aow_mi, self.aow_dag = person.aow_mi, person.aow_dag


BUIG = frozenset({"01", "02", "03", "14"})
