"""A small hand-checked BUS dataset for the indicator tests, as rows of the staged tables.

Three months: JUNE (the month under test, peildatum 2024-06-30), MAY (the month before, for the
stroomaansluiting) and YEAR_BEFORE (June 2023, for the volumeontwikkeling). Gemeenten GM0001, GM0002 and GM0004
form participant SV-TEST; GM0003 participates alone; participant SV-LEEG has no data. The expected numbers are
worked out in test_indicators.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import duckdb

from divobench_pipeline.core.schemas import BUS_INKOMSTEN, BUS_PERSOON, BUS_UITKERING, TABLES

JUNE = dt.date(2024, 6, 1)
MAY = dt.date(2024, 5, 1)
YEAR_BEFORE = dt.date(2023, 6, 1)

# CBS inwoners on 1 January (gemeente_kenmerk): GM0003 has none, so it gets no bijstandsdichtheid; none in 2023.
INWONERS = {(2024, "GM0001"): 20_000, (2024, "GM0002"): 5_000, (2024, "GM0004"): 800_000}
PARTICIPANTS = {"SV-TEST": ["GM0001", "GM0002", "GM0004"], "GM0003": ["GM0003"], "SV-LEEG": ["GM0005"]}


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def pseudoniem(name: str) -> str:
    """A 32-hex pseudonym standing for the person called ``name`` in this dataset."""
    return hashlib.md5(name.encode()).hexdigest()


@dataclass(frozen=True)
class P:
    """A persoon on an uitkering; ``bsn`` None is a BSN that failed the 11-proef (pseudonym onbekend)."""

    bsn: str | None
    aanvang: dt.date | None
    einde: dt.date | None = None
    ontheffing: str | None = None
    reden: str | None = None
    inkomsten: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class U:
    """An uitkering with its personen in persoon_nr order."""

    gemeente: str
    reg: str
    code: str | None
    bedrag: int | None
    personen: tuple[P, ...]


def _u(gemeente, reg, code, bedrag, *personen) -> U:
    return U(gemeente, reg, code, bedrag, personen)


A, B, C, D4 = "GM0001", "GM0002", "GM0003", "GM0004"

JUNE_UITKERINGEN = [
    _u(A, "A1", "01", 1200, P("p1", d("2020-03-15"), ontheffing="2", inkomsten=(("11", 300),))),
    _u(A, "A2", "01", 800, P("p2", d("2024-06-10"), ontheffing="4")),
    _u(A, "A3", "01", 1000, P("p3", d("2019-01-01"), d("2024-06-15"), "5", "11", inkomsten=(("11", 500),))),
    _u(A, "A4", "01", 700, P("p4", d("2024-06-03"), d("2024-06-20"), "2", "31")),
    _u(A, "A5", "01", 900, P("p5", d("2022-01-01"), d("2024-06-30"), "4", "13")),
    _u(A, "A6", "01", None, P("p6", d("2023-11-20"), d("2024-07-15"), None)),
    _u(A, "A7", "01", 1500, P("p7a", d("2021-05-01"), ontheffing="6", inkomsten=(("23", 200),)),
       P("p7b", d("2021-05-01"), d("2024-06-10"), "2", inkomsten=(("11", 0),)), P("p7c", None, ontheffing="4")),
    _u(A, "A8", "01", 1700, P("p8a", d("2022-02-01"), ontheffing="2"),
       P("p8b", d("2024-06-05"), ontheffing="4", inkomsten=(("11", 150),))),
    _u(A, "A9", "01", 1300, P("p9a", d("2020-09-01"), d("2024-06-12"), "2", None),
       P("p9b", d("2020-09-01"), d("2024-06-05"), "2", "13")),
    _u(A, "A10", "01", 1100, P("p10a", d("2023-01-01"), d("2024-06-20"), "2", "31"),
       P("p10b", d("2023-01-01"), d("2024-06-20"), "2", "11")),
    _u(A, "A11", "01", 1000, P("p11", d("2023-06-01"), ontheffing="4")),
    _u(A, "A12", "01", 600, P("p12", d("2024-01-01"), ontheffing="2"), P("p11", d("2024-01-01"), ontheffing="4"),
       P("p12c", d("2024-01-01"), d("2024-06-30"), "5")),
    _u(A, "A13", "01", 1100, P(None, d("2024-02-10"), ontheffing="5")),
    _u(A, "A14", "01", 900, P(None, d("2023-12-01"), ontheffing="2")),
    _u(A, "A15", "01", 950, P("p15", None, ontheffing="2")),
    _u(A, "A16", "02", 1000, P("p16", d("2022-01-01"))),
    _u(A, "A17", "14", 1000, P("p17", d("2023-03-01"))),
    _u(A, "A18", "03", 1000, P("p18", d("2020-01-01"), d("2024-06-05"), reden="03")),
    _u(A, "A19", "11", 50, P("p19", d("2023-01-01"))),
    _u(A, "A20", "12", 250, P("p20", d("2024-06-14"), d("2024-06-14"))),
    _u(A, "A21", "12", None, P("p21", d("2024-06-20"), d("2024-06-20"))),
    _u(A, "A22", "12", 300, P("p22", d("2024-05-20"), d("2024-06-02"))),
    _u(B, "B1", "01", 1000, P("pb1", d("2024-01-15"), ontheffing="2", inkomsten=(("11", 100),))),
    _u(B, "B2", "01", 1200, P("pb2", d("2022-03-01"), d("2024-06-18"), "2", "98")),
    _u(B, "B3", "01", 1400, P("p1", d("2023-06-01"), ontheffing="4")),
    _u(C, "C1", "01", None, P("pc1", d("2024-06-01"))),
    _u(C, "C2", "01", None, P("pc2", d("2010-06-30"), ontheffing="2"), P("pc2b", d("2024-07-01"), ontheffing="4")),
    _u(C, "C3", "12", 75, P("pc3", d("2024-06-30"), d("2024-06-30"))),
    _u(C, "C4", None, 1000, P("pc4", d("2023-01-01"))),
    _u(C, "C5", "01", 1000, P("pc5", d("2024-07-01"), ontheffing="4")),
    _u(D4, "D1", "01", 500, P("pd1", d("2024-04-01"), ontheffing="6")),
]

# May: every June uitkering of A and B that had started by 31 May, and B9, which is missing from June's upload.
MAY_UITKERINGEN = [
    *(u for u in JUNE_UITKERINGEN if u.gemeente in (A, B) and u.reg not in ("A2", "A4", "A20", "A21")),
    _u(B, "B9", "01", 1000, P("pb9", d("2021-01-01"))),
]

YEAR_BEFORE_UITKERINGEN = [
    *(_u(A, f"Y{k}", "01", 1000, P(f"py{k}", d("2021-01-01"))) for k in range(1, 7)),
    _u(A, "Y7", "01", 1000, P("py7", d("2021-01-01"), d("2023-06-10"), reden="11")),
    *(_u(B, f"Z{k}", "01", 1000, P(f"pz{k}", d("2022-01-01"))) for k in range(1, 5)),
    _u(B, "Z5", "02", 1000, P("pz5", d("2022-01-01"))),
]

DATASET: dict[dt.date, list[U]] = {JUNE: JUNE_UITKERINGEN, MAY: MAY_UITKERINGEN, YEAR_BEFORE: YEAR_BEFORE_UITKERINGEN}


def participant_of(gemeente: str) -> str:
    return next((pid for pid, codes in PARTICIPANTS.items() if gemeente in codes), gemeente)


def staged_rows(dataset: dict[dt.date, list[U]] = DATASET) -> dict[str, list[dict]]:
    """The dataset as rows of bus_uitkering, bus_persoon and bus_inkomsten."""
    rows: dict[str, list[dict]] = {BUS_UITKERING.name: [], BUS_PERSOON.name: [], BUS_INKOMSTEN.name: []}
    for month, uitkeringen in dataset.items():
        for u in uitkeringen:
            partition = {"month": month, "participant_id": participant_of(u.gemeente), "gemeentecode": u.gemeente,
                         "upload_sha256": hashlib.sha256(f"{month}{participant_of(u.gemeente)}".encode()).hexdigest()}
            rows[BUS_UITKERING.name].append({**partition, "registratienummer": u.reg, "statistiekcode": u.code,
                                             "betaalbaar_bedrag": u.bedrag})
            for nr, p in enumerate(u.personen, start=1):
                rows[BUS_PERSOON.name].append({
                    **partition, "registratienummer": u.reg, "persoon_nr": nr,
                    "bsn_pseudoniem": pseudoniem(p.bsn) if p.bsn else None, "geboortedatum": d("1980-01-01"),
                    "aanvangsdatum_uitkering": p.aanvang, "einddatum_uitkering": p.einde,
                    "ontheffing_arbeidsverplichting": p.ontheffing, "reden_beeindiging_uitkering": p.reden})
                for volgnr, (soort, bedrag) in enumerate(p.inkomsten, start=1):
                    rows[BUS_INKOMSTEN.name].append({**partition, "registratienummer": u.reg, "persoon_nr": nr,
                                                     "volgnr": volgnr, "soort": soort, "bedrag": bedrag})
    return rows


def create_warehouse(con: duckdb.DuckDBPyConnection, rows: dict[str, list[dict]]) -> None:
    """Create every warehouse table from its DDL and insert ``rows`` (table → list of column dicts), and INWONERS."""
    for table in TABLES:
        con.execute(table.ddl())
    con.executemany("INSERT INTO gemeente_kenmerk VALUES (?, ?, 'inwoners', ?, 'test')",
                    [[jaar, gemeente, n] for (jaar, gemeente), n in INWONERS.items()])
    for name, records in rows.items():
        for record in records:
            columns = list(record)
            con.execute(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                        list(record.values()))
