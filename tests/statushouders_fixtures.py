"""A small hand-checked statushouders world: five gemeenten, their CBS inwoners and groups, and the three files.

A = GM0014, B = GM0034, C = GM0037 (provincie PV20), D = GM0047, E = GM0050 (PV21). Inwoners on 1-1-2018:
1,000 / 2,000 / 3,000 / 4,000 / 10,000 (Nederland = 20,000 in this world). Participants: GM0014 (module
statushouders, KIS consent), SV-TEST = B + C (module, no consent), GM0047 (no module, KIS consent); E belongs to
no participant. Expected values are derived by hand in the tests from these numbers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import write_registry
from divobench_pipeline.core.schemas import GEMEENTE_GROEP, GEMEENTE_INDELING, GEMEENTE_KENMERK
from divobench_pipeline.core.warehouse import insert_rows, open_warehouse

A, B, C, D, E = "GM0014", "GM0034", "GM0037", "GM0047", "GM0050"
INWONERS_2018 = {A: 1000, B: 2000, C: 3000, D: 4000, E: 10000}
PROVINCIE = {A: "PV20", B: "PV20", C: "PV20", D: "PV21", E: "PV21"}
NAMES = {A: "Groningen", B: "Almere", C: "Stadskanaal", D: "Veendam", E: "Zeewolde"}

PARTICIPANTS = [
    {"id": A, "name": "Groningen", "gemeenten": [A], "modules": ["wi_basis", "statushouders"], "kis_consent": True},
    {"id": "SV-TEST", "name": "SV Test", "gemeenten": [B, C], "reporting": 2,
     "modules": ["wi_basis", "statushouders"], "kis_consent": False},
    {"id": D, "name": "Veendam", "gemeenten": [D], "modules": ["wi_basis"], "kis_consent": True},
]

CBS_HEADER = "Levering;Gemeentecode;Gemeentenaam;Indicator;Peildatum;Teller;Noemer"


def cbs_file(levering: str, rows: list[tuple[str, str, str, str, str]]) -> str:
    """rows: (gemeente, indicator, peildatum, teller, noemer)."""
    return "\n".join([CBS_HEADER, *(f"{levering};{g};{NAMES[g]};{i};{p};{t};{n}" for g, i, p, t, n in rows)]) + "\n"


CBS_H1 = cbs_file("2019-H1", [
    (A, "cohort", "2019-01-01", "50", ""), (B, "cohort", "2019-01-01", "80", ""), (C, "cohort", "2019-01-01", "30", ""),
    (D, "cohort", "2019-01-01", "40", ""), (E, "cohort", "2019-01-01", "12", ""),
    (A, "werk_18_aow", "2019-01-01", "10", "30"), (B, "werk_18_aow", "2019-01-01", "20", "50"),
    (C, "werk_18_aow", "2019-01-01", "6", "20"), (D, "werk_18_aow", "2019-01-01", "9", "25"),
    (E, "werk_18_aow", "2019-01-01", ".", "."),
])
# The next delivery recomputes 2019-01-01 (an erratum: A 52 instead of 50, D 41, C's werk now suppressed, E's
# cohort too) and adds 2019-07-01.
CBS_H2 = cbs_file("2019-H2", [
    (A, "cohort", "2019-01-01", "52", ""), (B, "cohort", "2019-01-01", "80", ""), (C, "cohort", "2019-01-01", "30", ""),
    (D, "cohort", "2019-01-01", "41", ""), (E, "cohort", "2019-01-01", ".", ""),
    (A, "werk_18_aow", "2019-01-01", "11", "31"), (B, "werk_18_aow", "2019-01-01", "20", "50"),
    (C, "werk_18_aow", "2019-01-01", ".", "20"), (D, "werk_18_aow", "2019-01-01", "9", "25"),
    (E, "werk_18_aow", "2019-01-01", ".", "."),
    (A, "cohort", "2019-07-01", "55", ""), (B, "cohort", "2019-07-01", "81", ""), (C, "cohort", "2019-07-01", "33", ""),
    (D, "cohort", "2019-07-01", "44", ""), (E, "cohort", "2019-07-01", "14", ""),
])

COA_HEADER = "periode,gemeentecode,gemeentenaam,landelijk_aantal,taakstelling,achterstand_begin,realisatie,opmerking"
# Formula 2019-I (landelijk 100): A 5, B 10, C 15, D 20, E 50; 2019-II (130): A 7 (6.5), B 13, C 20 (19.5), D 26,
# E 65. Published: D 2019-I 23 (deviation), E 2019-I 47 (herindeling: exempt); B 2019-II begins with 4 while it
# ended 2019-I with 0 (continuity deviation); C 2019-I has a voorsprong (gecorrigeerd −5: no realisatie_pct).
COA = "\n".join([
    COA_HEADER,
    f"2019-I,{A},Groningen,100,5,2,6,", f"2019-I,{B},Almere,100,10,0,10,", f"2019-I,{C},Stadskanaal,100,15,-20,0,",
    f"2019-I,{D},Veendam,100,23,5,20,", f"2019-I,{E},Zeewolde,100,47,0,47,herindeling",
    f"2019-II,{A},Groningen,130,7,1,8,", f"2019-II,{B},Almere,130,13,4,10,", f"2019-II,{C},Stadskanaal,130,20,-5,10,",
    f"2019-II,{D},Veendam,130,26,8,30,", f"2019-II,{E},Zeewolde,130,65,0,0,herindeling",
]) + "\n"

KIS = "\n".join([
    "jaar,gemeentecode,vraag,antwoord",
    f"2019,{A},dedicated_klantmanagers,ja", f"2019,{A},brede_intake,gedeeltelijk",
    f"2019,{B},dedicated_klantmanagers,ja", f"2019,{B},brede_intake,ja",
    f"2019,{D},dedicated_klantmanagers,nee", f"2019,{D},brede_intake,onbekend",
    f"2019,{E},dedicated_klantmanagers,ja", f"2019,{E},brede_intake,ja",
]) + "\n"


def seed_world(home: DivobenchHome, participants: list[dict] | None = None) -> None:
    """participants.yaml and the CBS rows the statushouders assets read (inwoners 2018, groups 2019)."""
    write_registry(home.participants_file, participants or PARTICIPANTS)
    indeling = pd.DataFrame([{"jaar": y, "gemeentecode": g, "gemeente_naam": NAMES[g], "provincie_code": PROVINCIE[g],
                              "provincie_naam": PROVINCIE[g], "bron": "test"} for y in (2018, 2019) for g in NAMES])
    for column in GEMEENTE_INDELING.column_names:
        if column not in indeling:
            indeling[column] = None
    kenmerk = pd.DataFrame([{"jaar": y, "gemeentecode": g, "kenmerk": "inwoners", "waarde": float(n), "bron": "test"}
                            for y in (2018, 2019) for g, n in INWONERS_2018.items()])
    groep = pd.DataFrame([{"jaar": 2019, "gemeentecode": g, "group_type": t, "group_code": c, "group_name": c}
                          for g in NAMES for t, c in (("landelijk", "NL"), ("provincie", PROVINCIE[g]))])
    con = open_warehouse(str(home.warehouse))
    try:
        insert_rows(con, GEMEENTE_INDELING, indeling[GEMEENTE_INDELING.column_names])
        insert_rows(con, GEMEENTE_KENMERK, kenmerk)
        insert_rows(con, GEMEENTE_GROEP, groep)
    finally:
        con.close()


def write_files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, text in (("cbs_2019-H1.csv", CBS_H1), ("cbs_2019-H2.csv", CBS_H2), ("coa_2019.csv", COA),
                       ("kis_2019.csv", KIS)):
        (folder / name).write_text(text, encoding="utf-8")
        paths[name] = folder / name
    return paths


def drop(home: DivobenchHome, source: str, path: Path) -> None:
    inbox = home.inbox / f"_{source}"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / path.name).write_bytes(path.read_bytes())
