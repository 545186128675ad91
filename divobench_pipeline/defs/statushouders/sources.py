"""The three statushouders source files (``spec/statushouders.md``): their shapes, read and checked as a whole.

- ``cbs_statushouders``: CBS *Gemeentelijke benchmark statushouders*, ``;``-separated, decimal comma,
  ``Levering;Gemeentecode;Gemeentenaam;Indicator;Peildatum;Teller;Noemer``; ``.`` = a suppressed cell (unknown).
- ``coa``: COA/BZK taakstelling per half year,
  ``periode,gemeentecode,gemeentenaam,landelijk_aantal,taakstelling,achterstand_begin,realisatie[,opmerking]``.
- ``kis``: the KIS survey, ``jaar,gemeentecode,vraag,antwoord``.

A file is checked with Pandera on its cells as text; any failure (wrong header, unknown gemeentecode, a number
that does not parse, a key twice, ...) rejects the whole file with Dutch sentences naming row and column.
xlsx files (first sheet, same columns) are read with openpyxl; their cells are compared as the same text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd
import pandera.errors
import pandera.pandas as pa

CBS_INDICATOREN = ("cohort", "promillage", "werk_18_aow", "bijstand_18_aow", "onderwijs_18_30",
                   "inburgering_geslaagd_3jr", "werk_na_2jr")
KIS_VRAGEN = ("dedicated_klantmanagers", "brede_intake", "ontzorgen", "leerroute_b1", "leerroute_onderwijs",
              "leerroute_z", "werkgeversdienstverlening", "taalcoaching")
KIS_ANTWOORDEN = ("ja", "nee", "gedeeltelijk", "onbekend")
SUPPRESSED = "."


class SourceRejected(ValueError):
    """The file is rejected as a whole; ``reasons`` are Dutch sentences naming row and column."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(" ".join(reasons))


@cache
def known_gemeentecodes() -> frozenset[str]:
    """Every CBS gemeentecode divobench knows: the 342 of the current indeling (CBS, shipped) and every code in
    the herindelingen crosswalk since 2015 (older half years of COA may name gemeenten that no longer exist)."""
    current = resources.files("divobench_pipeline.demo").joinpath("inwoners_2024.csv").read_text("utf-8")
    crosswalk = resources.files("divobench_pipeline.defs.cbs").joinpath("herindelingen_2015_2026.csv").read_text(
        "utf-8")
    codes = {row["gemeentecode"] for row in csv.DictReader(current.splitlines())}
    for row in csv.DictReader(crosswalk.splitlines()):
        codes |= {row["old_code"], row["new_code"]}
    return frozenset(codes)


def _element(pattern: str, name: str) -> pa.Check:
    return pa.Check(lambda s: s.str.fullmatch(pattern), name=name)


def _one_of(values: tuple[str, ...], name: str) -> pa.Check:
    return pa.Check(lambda s: s.isin(values), name=name)


_GEMEENTE = pa.Check(lambda s: s.isin(known_gemeentecodes()), name="gemeentecode")
_DATUM = pa.Check(lambda s: pd.to_datetime(s, format="%Y-%m-%d", errors="coerce").notna(), name="datum")


@dataclass(frozen=True)
class SourceSpec:
    """One source's file shape: header, separator, key and the checks on each column (cells as text)."""

    name: str
    label: str
    header: tuple[str, ...]
    optional: tuple[str, ...]
    separator: str
    key: tuple[str, ...]
    checks: dict[str, tuple[pa.Check, ...]]

    def schema(self, columns: list[str]) -> pa.DataFrameSchema:
        return pa.DataFrameSchema(
            {c: pa.Column(str, checks=list(self.checks.get(c, ())), nullable=False) for c in columns},
            unique=list(self.key), report_duplicates="all", name=self.name)


SPECS: dict[str, SourceSpec] = {
    "cbs_statushouders": SourceSpec(
        "cbs_statushouders", "CBS Gemeentelijke benchmark statushouders",
        ("Levering", "Gemeentecode", "Gemeentenaam", "Indicator", "Peildatum", "Teller", "Noemer"), (), ";",
        ("Gemeentecode", "Indicator", "Peildatum"),
        {"Levering": (_element(r"^\d{4}-H[12]$", "levering"),),
         "Gemeentecode": (_GEMEENTE,),
         "Indicator": (_one_of(CBS_INDICATOREN, "indicator"),),
         "Peildatum": (_DATUM,),
         "Teller": (_element(r"^(\.|\d+(,0+)?)$", "aantal"),),
         "Noemer": (_element(r"^(\.|\d+(,0+)?|)$", "aantal_of_leeg"),)}),
    "coa": SourceSpec(
        "coa", "COA taakstelling huisvesting vergunninghouders",
        ("periode", "gemeentecode", "gemeentenaam", "landelijk_aantal", "taakstelling", "achterstand_begin",
         "realisatie"), ("opmerking",), ",", ("periode", "gemeentecode"),
        {"periode": (_element(r"^\d{4}-(I|II)$", "periode"),),
         "gemeentecode": (_GEMEENTE,),
         "landelijk_aantal": (_element(r"^\d+$", "geheel_getal"),),
         "taakstelling": (_element(r"^\d+$", "geheel_getal"),),
         "achterstand_begin": (_element(r"^-?\d+$", "geheel_getal_met_teken"),),
         "realisatie": (_element(r"^\d+$", "geheel_getal"),)}),
    "kis": SourceSpec(
        "kis", "KIS gemeentelijk beleid statushouders",
        ("jaar", "gemeentecode", "vraag", "antwoord"), (), ",", ("jaar", "gemeentecode", "vraag"),
        {"jaar": (_element(r"^\d{4}$", "jaar"),),
         "gemeentecode": (_GEMEENTE,),
         "vraag": (_one_of(KIS_VRAGEN, "vraag"),),
         "antwoord": (_one_of(KIS_ANTWOORDEN, "antwoord"),)}),
}

_MEANING = {
    "levering": "is geen levering als 2026-H1",
    "gemeentecode": "is geen bestaande CBS-gemeentecode (GM en vier cijfers)",
    "indicator": f"is geen bekende indicator ({', '.join(CBS_INDICATOREN)})",
    "datum": "is geen datum als 2025-01-01",
    "aantal": "is geen aantal (een geheel getal, of '.' voor een onderdrukte cel)",
    "aantal_of_leeg": "is geen aantal (een geheel getal, '.' voor een onderdrukte cel, of leeg)",
    "periode": "is geen halfjaar als 2025-I of 2025-II",
    "geheel_getal": "is geen geheel getal",
    "geheel_getal_met_teken": "is geen geheel getal",
    "jaar": "is geen jaartal",
    "vraag": f"is geen bekende vraag ({', '.join(KIS_VRAGEN)})",
    "antwoord": f"is geen geldig antwoord ({', '.join(KIS_ANTWOORDEN)})",
    "not_nullable": "is leeg",
}
MAX_REASONS = 50


def read_source(source: str, content: bytes, filename: str) -> pd.DataFrame:
    """The file's rows as text cells (``rij`` = line number in the file), checked; raises SourceRejected."""
    spec = SPECS[source]
    raw = _read_cells(spec, content, filename)
    expected = list(spec.header)
    extra = list(raw.columns[len(expected):])
    if list(raw.columns[:len(expected)]) != expected or any(c not in spec.optional for c in extra):
        found = spec.separator.join(map(str, raw.columns))
        raise SourceRejected([f"Rij 1 (kopregel): de kolommen zijn niet zoals afgesproken; verwacht "
                              f"'{spec.separator.join(expected)}'"
                              + (f" (met eventueel '{spec.separator}{spec.optional[0]}')" if spec.optional else "")
                              + f", gevonden '{found}'."])
    if raw.empty:
        raise SourceRejected(["Het bestand bevat geen gegevensrijen."])
    checked = raw.drop(columns=[c for c in spec.optional if c in raw.columns])
    try:
        spec.schema(list(checked.columns)).validate(checked, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        raise SourceRejected(_reasons(spec, errors.failure_cases)) from None
    if source == "cbs_statushouders" and raw["Levering"].nunique() > 1:
        raise SourceRejected([f"Kolom 'Levering': een bestand is één levering, maar dit bestand noemt er "
                              f"{raw['Levering'].nunique()} ({', '.join(sorted(raw['Levering'].unique()))})."])
    return raw.assign(rij=raw.index + 2)


def _read_cells(spec: SourceSpec, content: bytes, filename: str) -> pd.DataFrame:
    if filename.lower().endswith((".xlsx", ".xlsm")):
        try:
            frame = pd.read_excel(io.BytesIO(content), sheet_name=0, dtype=object)
        except Exception:  # noqa: BLE001 - any unreadable workbook is the sender's problem, said in one sentence
            raise SourceRejected(["Het bestand is geen leesbaar Excel-bestand (xlsx)."]) from None
        frame.columns = [str(c).strip() for c in frame.columns]
        return frame.map(_xlsx_cell)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceRejected(["Het bestand is geen tekst in UTF-8 (CSV) en geen Excel-bestand (xlsx)."]) from None
    rows = list(csv.reader(io.StringIO(text), delimiter=spec.separator))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise SourceRejected(["Het bestand is leeg."])
    header = [c.strip() for c in rows[0]]
    width = len(header)
    ragged = [k + 2 for k, r in enumerate(rows[1:]) if len(r) != width]
    if ragged and header[:len(spec.header)] == list(spec.header):
        raise SourceRejected([f"Rij {ragged[0]}: heeft een ander aantal kolommen dan de kopregel ({width}); "
                              f"scheidingsteken is '{spec.separator}'."])
    body = [[c.strip() for c in r] for r in rows[1:] if len(r) == width]
    return pd.DataFrame(body, columns=header, dtype=str)


def _xlsx_cell(value: object) -> str:
    """A workbook cell as the text a CSV would hold: whole numbers without '.0', dates as YYYY-MM-DD."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _reasons(spec: SourceSpec, failures: pd.DataFrame) -> list[str]:
    reasons = []
    keyed = failures[failures["check"].astype(str).str.contains("unique|duplicates", regex=True)]
    if len(keyed):
        rows = sorted({int(i) + 2 for i in keyed["index"].dropna()})
        reasons.append(f"Rijen {', '.join(map(str, rows[:20]))}: de sleutel ({', '.join(spec.key)}) komt meer dan "
                       "eens voor; elke combinatie mag maar één keer in het bestand staan.")
    for row in failures.drop(keyed.index).itertuples(index=False):
        index = "?" if pd.isna(row.index) else int(row.index) + 2
        meaning = _MEANING.get(str(row.check).split("(")[0], f"voldoet niet aan {row.check}")
        reasons.append(f"Rij {index}, kolom '{row.column}': '{row.failure_case}' {meaning}.")
    if len(reasons) > MAX_REASONS:
        reasons = reasons[:MAX_REASONS] + [f"... en nog {len(reasons) - MAX_REASONS} problemen."]
    return reasons


def parse_count(cell: str) -> float | None:
    """A CBS Teller or Noemer: a count, or None for a suppressed ('.') or empty cell."""
    cell = cell.strip()
    if cell in (SUPPRESSED, ""):
        return None
    return float(int(cell.split(",")[0]))


def months_of(source: str, frame: pd.DataFrame) -> list[str]:
    """The months (``YYYY-MM``) a checked file has figures for (statushouders.md: half year → last month,
    peildatum → its month, KIS year → December)."""
    if source == "cbs_statushouders":
        found = frame["Peildatum"].str[:7]
    elif source == "coa":
        found = frame["periode"].map(periode_month)
    else:
        found = frame["jaar"] + "-12"
    return sorted(set(found))


def periode_month(periode: str) -> str:
    """``2025-I`` → ``2025-06``, ``2025-II`` → ``2025-12``."""
    year, half = periode.split("-")
    return f"{year}-{'06' if half == 'I' else '12'}"


def periode_before(periode: str) -> str:
    year, half = periode.split("-")
    return f"{year}-I" if half == "II" else f"{int(year) - 1}-II"


def keys_of(source: str, frame: pd.DataFrame) -> list[str]:
    """What a file delivers and, when accepted, replaces: its levering, its half years or its survey years."""
    column = {"cbs_statushouders": "Levering", "coa": "periode", "kis": "jaar"}[source]
    return sorted(set(frame[column]))
