"""The report model: what one participant's (or one of its gemeenten's) benchmark report shows for a month.

Built from a month's ``MonthData`` and the comparison rows of ``defs/comparisons/exports.py`` (who a unit is
compared with and which named peers it shows), so the dashboard, the PDF, the Word file and the infographic all
render the same numbers. Sections follow the indicator catalogue: an indicator added to any registry appears in
the section of its module without template edits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from divobench_pipeline.core.catalogue import IndicatorLike, all_indicators
from divobench_pipeline.core.participants import MODULES, Participant, Registry
from divobench_pipeline.defs.cbs_kerncijfers.registry import CODES as CBS_CODES
from divobench_pipeline.defs.cbs_kerncijfers.registry import INDICATORS as CBS_INDICATORS
from divobench_pipeline.defs.cbs_kerncijfers.source import TABLES as CBS_TABLES
from divobench_pipeline.defs.comparisons.exports import SHOWN, comparison_rows
from divobench_pipeline.defs.reports.data import CbsYear, MonthData, NoData
from divobench_pipeline.defs.reports.formatting import MISSING, format_value, nl_month
from divobench_pipeline.defs.reports.funnel import POSITION_TEXT, position
from divobench_pipeline.defs.reports.quality import Quality, quality_of

MODULE_TITLES = {"wi_basis": "Werk & Inkomen: basis", "wi_verdiepend": "Werk & Inkomen: verdiepend",
                 "armoede_schulden": "Armoede & Schulden", "statushouders": "Statushouders",
                 "cbs_kerncijfers": "CBS-kerncijfers"}
GROUP_LABELS = {"landelijk": "Landelijk", "grootteklasse": "Grootteklasse", "provincie": "Provincie",
                "arbeidsmarktregio": "Arbeidsmarktregio", "corop": "COROP-gebied",
                "samenwerkingsverband": "Samenwerkingsverband", "vergelijkbaar": "Vergelijkbare gemeenten",
                "selectie": "Eigen selectie", SHOWN: "Deelnemer"}
SMALL = range(1, 5)  # a fraction over 1 to 4 cases is noise, not a figure


@dataclass(frozen=True)
class Shown:
    """A figure as a reader sees it: the number (None when absent), its text, and why it is absent."""

    value: float | None
    text: str
    reason: str = ""


@dataclass(frozen=True)
class GroupRow:
    group_type: str
    group_code: str
    label: str
    value: Shown
    median: Shown
    n: int
    spread: tuple[float, float, float, float, float] | None = None  # min, q1, median, q3, max over the units
    spread_text: tuple[str, ...] = ()
    place: str = ""  # the own unit's place in the group's distribution


@dataclass(frozen=True)
class Funnel:
    p0: float
    points: list[tuple[float, float]]  # (denominator, value) of every benchmark unit
    own: tuple[float, float] | None
    position: str
    text: str


@dataclass
class Block:
    indicator: IndicatorLike
    footnote: int
    data_month: dt.date
    own: Shown
    groups: list[GroupRow] = field(default_factory=list)
    peers: list[GroupRow] = field(default_factory=list)
    trend: list[tuple[dt.date, float | None, float | None]] = field(default_factory=list)
    funnel: Funnel | None = None

    @property
    def is_ratio(self) -> bool:
        return self.indicator.has_denominator

    @property
    def landelijk_row(self) -> GroupRow | None:
        return next((g for g in self.groups if g.group_type == "landelijk"), None)

    @property
    def landelijk(self) -> Shown:
        row = self.landelijk_row
        return row.value if row else Shown(None, MISSING, "geen gegevens")


@dataclass
class Section:
    module: str
    title: str
    blocks: list[Block]
    note: str = ""  # shown under the title, e.g. the source and year
    empty: str = "Voor deze module zijn nog geen cijfers."


@dataclass
class Report:
    participant: Participant
    unit_level: str
    unit: str
    unit_name: str
    month: dt.date
    status: str
    sections: list[Section]
    quality: Quality
    neighbours: list[tuple[int, str, float]]
    reden: pd.DataFrame
    generated_at: dt.datetime

    @property
    def title(self) -> str:
        return f"Benchmarkrapport {self.unit_name}"

    @property
    def blocks(self) -> list[Block]:
        return [b for s in self.sections for b in s.blocks]

    def block(self, code: str) -> Block | None:
        return next((b for b in self.blocks if b.indicator.code == code), None)


def own_units(participant: Participant) -> list[tuple[str, str, str | None]]:
    """(level, unit, subfolder) of every report of a participant: the whole, and with reporting option 2 each
    gemeente in its own subfolder."""
    if not participant.is_samenwerkingsverband:
        return [("gemeente", participant.id, None)]
    whole = [("participant", participant.id, None)]
    return whole if participant.reports_only_as_whole else whole + [("gemeente", g, g) for g in participant.gemeenten]


def build_report(con: duckdb.DuckDBPyConnection, data: MonthData, registry: Registry, participant_id: str,
                 level: str, unit: str, uploads_dir: Path | None = None) -> Report:
    """The report of one unit (the participant as a whole, or one of its gemeenten) for ``data.month``."""
    participant = registry[participant_id]
    own = data.unit_map(level, unit)
    if data.month not in own["months"]:
        raise NoData(f"{participant_id} heeft geen cijfers voor {data.month:%Y-%m} (niet aangeleverd)")
    compared = [r for r in comparison_rows(con, registry, participant_id, data.month) if r[2] == unit]
    footnotes = iter(range(1, 10_000))
    sections: dict[str, list[Block]] = {}
    for indicator in (i for i in all_indicators() if i.code not in CBS_CODES):
        block = _block(data, registry, indicator, level, unit, own, compared, next(footnotes))
        if block is not None:
            sections.setdefault(indicator.module, []).append(block)
    order = ["wi_basis", *[m for m in participant.modules if m != "wi_basis"], *MODULES]
    modules = list(dict.fromkeys([*order, *sorted(sections)]))
    shown = [Section(m, MODULE_TITLES.get(m, m.replace("_", " ").capitalize()), sections.get(m, []))
             for m in modules if m == "wi_basis" or sections.get(m)]
    shown.append(cbs_section(data.cbs, data.month, level, unit, next(footnotes)))
    status = data.groups.loc[data.groups["month"] == pd.Timestamp(data.month), "status"]
    gemeenten = participant.gemeenten if level == "participant" else (unit,)
    name = participant.name if level == "participant" or unit == participant.id else data.gemeente_names.get(unit, unit)
    neighbours = data.neighbours[data.neighbours["gemeentecode"] == unit]
    return Report(
        participant=participant, unit_level=level, unit=unit, unit_name=name, month=data.month,
        status=status.iloc[0] if len(status) else "voorlopig", sections=shown,
        quality=quality_of(data, participant, None if unit == participant.id else unit, uploads_dir),
        neighbours=[(int(r.rang), f"{data.gemeente_names.get(r.buur_code, r.buur_code)} ({r.buur_code})",
                     float(r.afstand)) for r in neighbours.itertuples()],
        reden=data.reden[data.reden["gemeentecode"].isin(gemeenten)],
        generated_at=dt.datetime.now().replace(microsecond=0))


def _block(data: MonthData, registry: Registry, indicator: IndicatorLike, level: str, unit: str,
           own: dict, compared: list[list], footnote: int) -> Block | None:
    code = indicator.code
    landelijk = data.landelijk.get(code, {})
    mine = own["values"].get(code, {})
    months_with = sorted(set(landelijk) | set(mine))
    if not months_with:
        return None
    data_month = data.month if data.month in months_with else months_with[-1]
    absent = "geen gegevens" if data_month in own["months"] else "niet aangeleverd"
    shown_own = _shown(indicator, mine.get(data_month), absent)
    trend = [(m, _value(mine.get(m)), _value(landelijk.get(m))) for m in data.trend_months]
    block = Block(indicator, footnote, data_month, shown_own, trend=trend)
    if data_month == data.month:
        block.groups, block.peers = _group_rows(data, registry, indicator, compared, shown_own)
        block.funnel = _funnel(data, indicator, mine.get(data_month))
    else:
        row = landelijk.get(data_month)
        block.groups = [GroupRow("landelijk", "NL", "Landelijk", _shown(indicator, row), Shown(None, MISSING),
                                 int(row["n"]) if row else 0)]
    return block


def cbs_section(cbs: CbsYear | None, month: dt.date, level: str, unit: str, footnote: int) -> Section:
    """The CBS kerncijfers of the newest CBS year at or before the report month: the unit's own value and the
    landelijk value of every ``cbs.*`` indicator, with the CBS table and year as source."""
    title = MODULE_TITLES["cbs_kerncijfers"]
    if cbs is None:
        return Section("cbs_kerncijfers", title, [],
                       empty=f"Geen CBS-kerncijfers beschikbaar over {month.year} of eerder.")
    blocks = []
    for number, indicator in enumerate(CBS_INDICATORS, start=footnote):
        row = cbs.landelijk.get(indicator.code)
        median = row["median"] if row is not None else None
        landelijk = GroupRow("landelijk", "NL", "Landelijk", _shown(indicator, row, "geen CBS-cijfer"),
                             Shown(median, format_value(indicator.unit_of_measure, median)),
                             int(row["n"]) if row is not None else 0, place=MISSING)
        own = _shown(indicator, cbs.values.get((indicator.code, level, unit)), "geen CBS-cijfer")
        blocks.append(Block(indicator, number, cbs.month, own, groups=[landelijk]))
    table = CBS_TABLES.get(cbs.year, "onbekend")
    note = (f"CBS-jaar {cbs.year}: stand eind {nl_month(cbs.month)}, instroom en uitstroom over het hele jaar "
            f"{cbs.year}. Bron: CBS, tabel {table} ({cbs.year}), CC BY 4.0.")
    return Section("cbs_kerncijfers", title, blocks, note=note)


def _value(row: dict | None) -> float | None:
    return None if row is None or row["value"] is None else row["value"]


def _shown(indicator: IndicatorLike, row: dict | None, absent: str = "geen gegevens") -> Shown:
    """A value with the honest reason when there is none: absent, denominator 0, or too few cases.
    ``row`` holds value, numerator and denominator (None where absent)."""
    if row is None:
        return Shown(None, MISSING, absent)
    value, denominator = row["value"], row["denominator"]
    if value is None:
        return Shown(None, MISSING, empty_reason(indicator) if denominator == 0 else absent)
    if _is_fraction_of_counts(indicator) and denominator is not None and int(denominator) in SMALL:
        return Shown(None, MISSING, "te weinig waarnemingen")
    return Shown(float(value), format_value(indicator.unit_of_measure, float(value)))


def empty_reason(indicator: IndicatorLike) -> str:
    """Why a ratio with denominator 0 has no value, in the reader's words."""
    explicit = getattr(indicator, "empty_reason", "")
    if explicit:
        return explicit
    return "geen uitstroom" if "uitstroom" in indicator.code else "geen waarnemingen"


def _is_fraction_of_counts(indicator: IndicatorLike) -> bool:
    """A binomial proportion: cases out of a count (funnel plots and the small-count rule apply)."""
    return (indicator.unit_of_measure == "fractie" and indicator.numerator_is_count
            and indicator.denominator_is_count)


def _group_rows(data: MonthData, registry: Registry, indicator: IndicatorLike, compared: list[list],
                own: Shown) -> tuple[list[GroupRow], list[GroupRow]]:
    groups, peers = [], []
    names = data.group_names
    spread = data.spread_by_indicator.get(indicator.code)
    for code, _month, _unit, _value, group_type, group_code, *_ in (r for r in compared if r[0] == indicator.code):
        if group_type == SHOWN:
            peer = data.unit_map("participant", group_code)["values"].get(code, {}).get(data.month)
            value = _shown(indicator, peer, "niet aangeleverd")
            name = registry[group_code].name if group_code in registry else group_code
            peers.append(GroupRow(SHOWN, group_code, name, value, value, len(registry[group_code].gemeenten)))
            continue
        row = data.group_row(code, group_type, group_code)
        value = _shown(indicator, row)
        median = row["median"] if row is not None else None
        median_shown = Shown(median, format_value(indicator.unit_of_measure, median))
        stats = spread.loc[(group_type, group_code)] \
            if spread is not None and (group_type, group_code) in spread.index else None
        quartiles = None if stats is None else tuple(float(stats[k]) for k in ("min", "q1", "median", "q3", "max"))
        groups.append(GroupRow(
            group_type, group_code, _group_label(group_type, names.get((group_type, group_code), group_code)),
            value, median_shown, row["n"] if row is not None else 0, quartiles,
            tuple(format_value(indicator.unit_of_measure, q) for q in quartiles) if quartiles else (),
            _place(own.value, quartiles)))
    return groups, peers


def _group_label(group_type: str, name: str) -> str:
    if group_type == "landelijk":
        return "Landelijk"
    if group_type == "selectie":
        return f"Eigen selectie: {name.split(': ', 1)[-1]}"
    if group_type == "vergelijkbaar":
        return "Vergelijkbare gemeenten"
    return f"{GROUP_LABELS.get(group_type, group_type)}: {name}"


def _place(value: float | None, quartiles: tuple[float, ...] | None) -> str:
    if value is None or quartiles is None:
        return MISSING
    low, q1, median, q3, high = quartiles
    if value <= q1:
        return "laagste kwart"
    if value <= median:
        return "tweede kwart"
    if value <= q3:
        return "derde kwart"
    return "hoogste kwart"


def _funnel(data: MonthData, indicator: IndicatorLike, own_row: dict | None) -> Funnel | None:
    """Every landelijk unit's (denominator, value) around the landelijk value, for a binomial fraction."""
    if not _is_fraction_of_counts(indicator):
        return None
    target = data.group_row(indicator.code, "landelijk", "NL")
    if target is None or target["value"] is None:
        return None
    p0 = target["value"]
    own = None  # (denominator, value)
    if own_row is not None and own_row["denominator"] and own_row["denominator"] > 0:
        own = (float(own_row["denominator"]), float(own_row["value"]))
    where = position(own[1], p0, own[0]) if own else "binnen"
    text = (f"De eigen waarde ({format_value('fractie', own[1])} van {int(own[0])}) {POSITION_TEXT[where]}."
            if own else "Geen eigen waarde om te plaatsen (noemer 0 of niet aangeleverd).")
    return Funnel(p0, data.funnel_points(indicator.code), own, where, text)
