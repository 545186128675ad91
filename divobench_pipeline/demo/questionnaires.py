"""Demo questionnaires and BUIG budgets: filled workbooks for the demo participants with the modules, and the
ministry's budget files for the demo years.

Figures are synthetic but of a realistic order, scaled by the gemeenten's inwoners (CBS 2024): about 2.5 %
of inwoners as BUIG-klanten, 75 klanten per fte klantmanager, € 1,400 lasten per klant per month. One workbook
carries a signalering (re-integratie spending doubled against the quarter before), one is rejected (a negative
answer, handed in after the valid one, which stays in force).
"""

from __future__ import annotations

import csv
import os
import random
from importlib import resources
from pathlib import Path

import openpyxl

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.defs.questionnaires.periods import Period
from divobench_pipeline.defs.questionnaires.questions import questionnaire_for
from divobench_pipeline.defs.questionnaires.receipts import BUDGET
from divobench_pipeline.defs.questionnaires.workbook import write_workbook


def inwoners_2024() -> dict[str, tuple[str, int]]:
    text = resources.files("divobench_pipeline.demo").joinpath("inwoners_2024.csv").read_text("utf-8")
    return {r["gemeentecode"]: (r["gemeentenaam"], int(r["inwoners_2024"])) for r in csv.DictReader(text.splitlines())}


def quarter_answers(klanten: float, rng: random.Random) -> dict[str, float]:
    def vary(x: float) -> float:
        return x * rng.uniform(0.95, 1.05)

    fte_km = round(vary(klanten / 75), 2)
    fte_eigen = round(fte_km * vary(2.6), 2)
    fte_inhuur = round(fte_eigen * vary(0.15), 2)
    afgehandeld = round(vary(klanten * 0.08))
    binnen_8 = round(afgehandeld * vary(0.9))
    lasten = round(vary(klanten * 4200), 2)
    return {"fte_eigen_personeel": fte_eigen, "fte_inhuur": fte_inhuur, "fte_klantmanager_inkomen": fte_km,
            "fte_reintegratie": round(fte_km * 0.4, 2), "fte_terugvordering_verhaal": round(fte_km * 0.1, 2),
            "fte_sociale_recherche": round(fte_km * 0.08, 2), "verzuimpercentage": round(vary(6.5), 1),
            "uitvoeringskosten": round((fte_eigen + fte_inhuur) * vary(24000), 2),
            "uitgaven_reintegratie": round(vary(klanten * 350), 2), "aanvragen_afgehandeld": afgehandeld,
            "aanvragen_binnen_4_weken": round(binnen_8 * vary(0.75)), "aanvragen_binnen_8_weken": binnen_8,
            "maatregelen": round(vary(klanten * 0.012)), "fraudevorderingen": round(vary(klanten * 0.006)),
            "fraudevorderingen_bedrag": round(vary(klanten * 9.0), 2),
            "loonkostensubsidies": round(vary(klanten * 0.03)),
            "beschut_werk": round(vary(klanten * 0.01)), "lasten_buig": lasten, "baten_buig": round(lasten * 0.02, 2)}


def year_answers(inwoners: int, rng: random.Random) -> dict[str, float]:
    aanmeldingen = round(inwoners * rng.uniform(0.006, 0.009))
    gesprekken = round(aanmeldingen * 0.85)
    crisis = round(aanmeldingen * 0.12)
    gestart = round(aanmeldingen * 0.2)
    uitstroom = round(aanmeldingen * 0.7)
    return {"shv_aanmeldingen": aanmeldingen, "shv_eerste_gesprekken": gesprekken,
            "shv_eerste_gesprek_binnen_4_weken": round(gesprekken * rng.uniform(0.7, 0.95)),
            "shv_crisis_aanmeldingen": crisis, "shv_crisis_binnen_3_werkdagen": round(crisis * rng.uniform(0.6, 0.9)),
            "shv_schuldregelingen_gestart": gestart,
            "shv_schuldregelingen_binnen_120_dagen": round(gestart * rng.uniform(0.5, 0.8)),
            "shv_uitstroom": uitstroom, "shv_uitstroom_schuldenvrij": round(uitstroom * rng.uniform(0.3, 0.5)),
            "shv_uitgaven": round(inwoners * rng.uniform(8, 14), 2),
            "minima_uitgaven": round(inwoners * rng.uniform(25, 45), 2),
            "minima_huishoudens": round(inwoners * rng.uniform(0.03, 0.05)),
            "kwijtschelding_bedrag": round(inwoners * rng.uniform(2, 4), 2)}


def fill(path: Path, answers: dict[str, float | None]) -> Path:
    """Put ``answers`` into the antwoord column of a generated workbook (a participant filling it in)."""
    book = openpyxl.load_workbook(path)
    sheet = book["Vragenlijst"]
    header = [c.value for c in sheet[1]]
    code_col, answer_col = header.index("code"), header.index("antwoord")
    for row in sheet.iter_rows(min_row=2):
        if row[code_col].value in answers:
            row[answer_col].value = answers[row[code_col].value]
    book.save(path)
    return path


def create_questionnaires(home: DivobenchHome, registry: Registry, months, seed: int) -> list[Path]:
    """Filled workbooks into each participant's inbox (complete, ended quarters of ``months``; their years)."""
    rng = random.Random(seed)
    inwoners = inwoners_2024()
    quarters = sorted({Period(m.year, (m.month - 1) // 3 + 1) for m in months}, key=lambda p: p.sort_key)
    quarters = [q for q in quarters if set(q.months) <= set(months)]
    years = sorted({q.year for q in quarters if all(x in quarters for x in Period(q.year).quarters)})
    dropped = []
    for participant in registry.participants:
        people = sum(inwoners[g][1] for g in participant.gemeenten)
        periods = [*(quarters if "wi_verdiepend" in participant.modules else []),
                   *(Period(y) for y in years if "armoede_schulden" in participant.modules)]
        previous = None
        for period in periods:
            answers = quarter_answers(people * 0.025, rng) if period.quarter else year_answers(people, rng)
            if period.quarter and period == quarters[-1] and participant.id == "GM0153" and previous:
                answers["uitgaven_reintegratie"] = previous["uitgaven_reintegratie"] * 2.1
            previous = answers if period.quarter else previous
            dropped.append(_workbook(home, participant, period, answers))
        if participant.id == "SV-ISD-BOLLENSTREEK" and quarters and "wi_verdiepend" in participant.modules:
            wrong = {**quarter_answers(people * 0.025, rng), "baten_buig": -1250.0}
            late = _workbook(home, participant, quarters[-1], wrong, suffix="_correctie")
            os.utime(late, (late.stat().st_atime + 5, late.stat().st_mtime + 5))
            dropped.append(late)
    return dropped


def _workbook(home: DivobenchHome, participant, period: Period, answers: dict, suffix: str = "") -> Path:
    questionnaire = questionnaire_for(period)
    path = home.inbox_of(participant.id) / f"vragenlijst_{questionnaire.code}_{period}{suffix}.xlsx"
    write_workbook(path, participant, questionnaire, period, None, None)
    return fill(path, answers)


def create_budgets(home: DivobenchHome, years: list[int], seed: int) -> list[Path]:
    """The ministry's budget files: for each year a voorlopig budget, and for all but the last year a definitief
    one too (2 % lower), as the ministry publishes them over the year."""
    rng = random.Random(seed + 1)
    folder = home.inbox_of(BUDGET)
    folder.mkdir(parents=True, exist_ok=True)
    dropped = []
    for year in years:
        base = {code: people * 0.025 * 16800 * rng.uniform(0.97, 1.03)
                for code, (_, people) in inwoners_2024().items()}
        soorten = [("voorlopig", 1.0)] + ([("definitief", 0.98)] if year != years[-1] else [])
        for soort, factor in soorten:
            path = folder / f"buig_{year}_{soort}.csv"
            with open(path, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["jaar", "gemeentecode", "gemeentenaam", "soort", "budget"])
                for code, (name, _) in inwoners_2024().items():
                    writer.writerow([year, code, name, soort, f"{base[code] * factor:.2f}"])
            dropped.append(path)
    return dropped
