"""Build the demo's statushouders source files under ``divobench_pipeline/demo/statushouders/`` (run once).

The shapes are the contract's (``spec/statushouders.md``); the figures are **constructed** (no public per-gemeente
file exists), except the inwoners: the real CBS population on 1 January 2024 (85984NED, shipped as
``demo/inwoners_2024.csv``), from which the promillage noemer and the 2025 taakstelling (the law's formula) derive.
Deterministic (seeded), so the shipped files can be rebuilt exactly:

    .venv/bin/python tools/build_statushouders_demo.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from divobench_pipeline.defs.statushouders.registry import KIS_NAMEN
from divobench_pipeline.defs.statushouders.taakstelling import law_taakstelling
from divobench_pipeline.demo.generator import load_inwoners

OUT = Path(__file__).resolve().parents[1] / "divobench_pipeline" / "demo" / "statushouders"
LANDELIJK = {"2025-I": 10_400, "2025-II": 11_800}
PLANTED = ("GM0637", "2025-II", 4)  # Zoetermeer's published taakstelling 4 above the formula: the checks show it
KIS_GEMEENTEN = ("GM0153", "GM1680", "GM0637", "GM0534", "GM0553", "GM0014", "GM0034", "GM0363", "GM0599",
                 "GM0344", "GM0518", "GM0772", "GM0855", "GM0200", "GM0080", "GM0193")


def _cell(count: int) -> str:
    """CBS suppresses counts of fewer than 5 persons."""
    return "." if count < 5 else str(count)


def cohort_rows(levering: str, peildatum: str, inwoners: dict[str, int], names: dict[str, str],
                rng: random.Random, drift: float) -> list[list[str]]:
    rows = []
    for code, count in sorted(inwoners.items()):
        cohort = round(count * rng.uniform(6, 16) * drift / 1000)
        adults = round(cohort * rng.uniform(0.55, 0.65))
        young = round(cohort * rng.uniform(0.18, 0.26))
        plichtig = round(cohort * rng.uniform(0.3, 0.4))
        housed = round(adults * rng.uniform(0.6, 0.8))
        figures = {"cohort": (cohort, None), "promillage": (cohort, count),
                   "werk_18_aow": (round(adults * rng.uniform(0.2, 0.45)), adults),
                   "bijstand_18_aow": (round(adults * rng.uniform(0.35, 0.65)), adults),
                   "onderwijs_18_30": (round(young * rng.uniform(0.2, 0.5)), young),
                   "inburgering_geslaagd_3jr": (round(plichtig * rng.uniform(0.3, 0.7)), plichtig),
                   "werk_na_2jr": (round(housed * rng.uniform(0.25, 0.5)), housed)}
        for indicator, (teller, noemer) in figures.items():
            shown_noemer = "" if noemer is None else (str(noemer) if indicator == "promillage" else _cell(noemer))
            rows.append([levering, code, names[code], indicator, peildatum, _cell(teller), shown_noemer])
    return rows


def write_cbs(inwoners: dict[str, int], names: dict[str, str]) -> None:
    header = ["Levering", "Gemeentecode", "Gemeentenaam", "Indicator", "Peildatum", "Teller", "Noemer"]
    first = cohort_rows("2025-H1", "2025-01-01", inwoners, names, random.Random(1), 1.0)
    # The 2025-H2 delivery recomputes the history (peildatum 2025-01-01, slightly different: an erratum) and adds
    # 2025-07-01.
    second = cohort_rows("2025-H2", "2025-01-01", inwoners, names, random.Random(1), 1.01) + \
        cohort_rows("2025-H2", "2025-07-01", inwoners, names, random.Random(2), 1.05)
    for name, rows in (("cbs_statushouders_2025-H1.csv", first), ("cbs_statushouders_2025-H2.csv", second)):
        with open(OUT / name, "w", newline="", encoding="utf-8") as out:
            csv.writer(out, delimiter=";", lineterminator="\n").writerows([header, *rows])


def write_coa(inwoners: dict[str, int], names: dict[str, str]) -> None:
    rng = random.Random(3)
    total = sum(inwoners.values())
    rows, carried = [], {code: rng.randint(-5, 25) * (inwoners[code] // 20_000 + 1) // 3 for code in inwoners}
    for periode, landelijk in LANDELIJK.items():
        for code in sorted(inwoners):
            taak = law_taakstelling(landelijk, inwoners[code], total)
            published = taak + (PLANTED[2] if (code, periode) == PLANTED[:2] else 0)
            realisatie = max(0, round((published + carried[code]) * rng.uniform(0.7, 1.15)))
            rows.append([periode, code, names[code], landelijk, published, carried[code], realisatie])
            carried[code] = published + carried[code] - realisatie
    header = ["periode", "gemeentecode", "gemeentenaam", "landelijk_aantal", "taakstelling", "achterstand_begin",
              "realisatie"]
    with open(OUT / "coa_taakstelling_2025.csv", "w", newline="", encoding="utf-8") as out:
        csv.writer(out, lineterminator="\n").writerows([header, *rows])


def write_kis() -> None:
    rng = random.Random(4)
    answers = ("ja", "ja", "nee", "gedeeltelijk", "onbekend")
    rows = [["2025", code, vraag, rng.choice(answers)] for code in KIS_GEMEENTEN for vraag in KIS_NAMEN]
    with open(OUT / "kis_2025.csv", "w", newline="", encoding="utf-8") as out:
        csv.writer(out, lineterminator="\n").writerows([["jaar", "gemeentecode", "vraag", "antwoord"], *rows])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    inwoners = load_inwoners()
    text = (Path(__file__).resolve().parents[1] / "divobench_pipeline" / "demo" / "inwoners_2024.csv").read_text()
    names = {row["gemeentecode"]: row["gemeentenaam"] for row in csv.DictReader(text.splitlines())}
    write_cbs(inwoners, names)
    write_coa(inwoners, names)
    write_kis()


if __name__ == "__main__":
    main()
