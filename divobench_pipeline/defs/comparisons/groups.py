"""Reference groups per month and their values: who is compared, pooled, median and number of units.

A *unit* is what a group counts: a gemeente, or a samenwerkingsverband with reporting option 3 as one whole
(its gemeenten never appear on their own). Group membership of month M follows the CBS groups of M's year
(``gemeente_groep``), participants.yaml (samenwerkingsverbanden, named selections) and the vergelijkbare
gemeenten of M's year. A group's value pools the units that have the indicator for M (docs/comparisons.md).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import duckdb
import pandas as pd

from divobench_pipeline.core.catalogue import all_indicators
from divobench_pipeline.core.months import deadline_sql
from divobench_pipeline.core.participants import Participant, Registry
from divobench_pipeline.core.schemas import GEMEENTE_VERGELIJKBAAR, GROUP_MEMBER, GROUP_VALUE
from divobench_pipeline.core.warehouse import has_table, insert_rows, transaction
from divobench_pipeline.defs.comparisons.similar import nearest_neighbours

LANDELIJK = ("landelijk", "NL", "Nederland")
CBS_TYPES = ("grootteklasse", "provincie", "arbeidsmarktregio", "corop")
_MEMBER_COLUMNS = ["group_type", "group_code", "group_name", "unit_level", "unit"]


@dataclass(frozen=True)
class Units:
    """Which unit each gemeente counts as, from the reporting options in participants.yaml."""

    registry: Registry

    def whole(self) -> dict[str, Participant]:
        """Samenwerkingsverbanden that report only as a whole (option 3), by id."""
        return {p.id: p for p in self.registry.participants if p.reports_only_as_whole}

    @cached_property
    def _whole_of_gemeente(self) -> dict[str, str]:
        return {g: p.id for p in self.whole().values() for g in p.gemeenten}

    def of(self, gemeente: str) -> tuple[str, str]:
        whole = self._whole_of_gemeente.get(gemeente)
        return ("participant", whole) if whole else ("gemeente", gemeente)

    def of_participant(self, participant: Participant) -> list[tuple[str, str]]:
        if participant.reports_only_as_whole:
            return [("participant", participant.id)]
        return [("gemeente", g) for g in participant.gemeenten]

    def partners(self) -> dict[str, tuple[str, ...]]:
        return {g: p.gemeenten for p in self.registry.participants if p.is_samenwerkingsverband for g in p.gemeenten}


def year_membership(con: duckdb.DuckDBPyConnection, registry: Registry, year: int
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(members, neighbours) of one year: every group with its units, and the vergelijkbare gemeenten."""
    units = Units(registry)
    groep = con.execute("SELECT gemeentecode, group_type, group_code, group_name FROM gemeente_groep "
                        "WHERE jaar = ? AND group_type <> 'landelijk'", [year]).df()
    kenmerk = con.execute("SELECT gemeentecode, kenmerk, waarde FROM gemeente_kenmerk WHERE jaar = ?", [year]).df()
    registry_gemeenten = [g for p in registry.participants for g in p.gemeenten]
    neighbours = nearest_neighbours(kenmerk, registry_gemeenten, units.partners())

    rows: list[tuple[str, str, str, str, str]] = []
    everyone = dict.fromkeys([*groep["gemeentecode"], *registry_gemeenten])
    rows += [(*LANDELIJK, *unit) for unit in dict.fromkeys(units.of(g) for g in everyone)]
    for gemeente, group_type, code, name in groep.itertuples(index=False):
        if units.of(gemeente)[0] == "gemeente":
            rows.append((group_type, code, name, "gemeente", gemeente))
    for sv in units.whole().values():
        rows += [(group_type, code, name, "participant", sv.id)
                 for group_type, code, name in _majority_groups(groep, sv.gemeenten)]
    for p in registry.participants:
        if p.is_samenwerkingsverband:
            rows += [("samenwerkingsverband", p.id, p.name, *unit) for unit in units.of_participant(p)]
        for selection, ids in p.references.items():
            members = [u for ref in ids for u in _units_of_reference(units, ref)]
            rows += [("selectie", f"{p.id}:{selection}", f"{p.name}: {selection}", *unit)
                     for unit in dict.fromkeys(members)]
    rows += _similar_groups(units, neighbours, kenmerk)
    members = pd.DataFrame(rows, columns=_MEMBER_COLUMNS).drop_duplicates(
        ["group_type", "group_code", "unit_level", "unit"])
    return members, neighbours


def _units_of_reference(units: Units, reference: str) -> list[tuple[str, str]]:
    if reference in units.registry:
        return units.of_participant(units.registry[reference])
    return [units.of(reference)] if reference.startswith("GM") else []


def _majority_groups(groep: pd.DataFrame, gemeenten: Sequence[str]) -> list[tuple[str, str, str]]:
    """For a whole samenwerkingsverband: per CBS group type, the group most of its gemeenten are in
    (on a tie, that of the first listed gemeente)."""
    mine = groep[groep["gemeentecode"].isin(gemeenten)]
    chosen = []
    for group_type, rows in mine.groupby("group_type", sort=True):
        counts = Counter(rows["group_code"])
        best = max(counts.values())
        first = {g: k for k, g in enumerate(gemeenten)}
        winner = min((first[g], code) for g, code in zip(rows["gemeentecode"], rows["group_code"], strict=True)
                     if counts[code] == best)[1]
        chosen.append((group_type, winner, rows.loc[rows["group_code"] == winner, "group_name"].iloc[0]))
    return chosen


def _similar_groups(units: Units, neighbours: pd.DataFrame, kenmerk: pd.DataFrame
                    ) -> list[tuple[str, str, str, str, str]]:
    """vergelijkbaar, coded by the gemeente (or whole samenwerkingsverband) it is similar to.

    A whole samenwerkingsverband takes the neighbours of its gemeente with the most inwoners.
    """
    if neighbours.empty:
        return []
    by_gemeente = neighbours.groupby("gemeentecode")["buur_code"].apply(list).to_dict()
    inwoners = kenmerk[kenmerk["kenmerk"] == "inwoners"].set_index("gemeentecode")["waarde"].to_dict()
    rows = []
    for p in units.registry.participants:
        if p.reports_only_as_whole:
            anchor = max(p.gemeenten, key=lambda g: (inwoners.get(g, -1), -p.gemeenten.index(g)))
            targets = [(p.id, anchor)]
        else:
            targets = [(g, g) for g in p.gemeenten]
        for code, anchor in targets:
            members = dict.fromkeys(units.of(b) for b in by_gemeente.get(anchor, []))
            rows += [("vergelijkbaar", code, f"Vergelijkbaar met {p.name if code == p.id else code}", *unit)
                     for unit in members]
    return rows


def membership(con: duckdb.DuckDBPyConnection, registry: Registry, months: Sequence[dt.date]
               ) -> tuple[pd.DataFrame, dict[int, pd.DataFrame]]:
    """Group members of every month (rows of ``group_member``) and the neighbours of each year."""
    frames, neighbours = [], {}
    for year in sorted({m.year for m in months}):
        members, neighbours[year] = year_membership(con, registry, year)
        for month in (m for m in months if m.year == year):
            frames.append(members.assign(month=pd.Timestamp(month)))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*_MEMBER_COLUMNS, "month"])
    return frame[GROUP_MEMBER.column_names], neighbours


_GROUP_VALUES_SQL = f"""
SELECT v.indicator, m.month, m.group_type, m.group_code,
       sum(v.numerator) AS numerator, sum(v.denominator) AS denominator,
       CASE WHEN sum(v.denominator) IS NULL THEN sum(v.numerator)
            WHEN sum(v.denominator) <> 0 THEN sum(v.numerator) / sum(v.denominator) END AS group_value,
       median(v.value) AS group_median, count(*)::INTEGER AS group_n,
       CASE WHEN ?::DATE > {deadline_sql("m.month")}
            THEN 'definitief' ELSE 'voorlopig' END AS status,
       ?::TIMESTAMP AS computed_at
FROM {GROUP_MEMBER.name} m
JOIN {{unit_values}} v ON v.month = m.month AND v.level = m.unit_level AND v.unit = m.unit
WHERE m.month IN (SELECT unnest(?::DATE[])) AND v.indicator IN (SELECT unnest(?::VARCHAR[]))
GROUP BY ALL
"""


def unit_values_sql(registry: Registry) -> tuple[str, list]:
    """``indicator_value`` as group members see it, as a subquery and its parameters.

    Indicators computed only per participant (``participant_only`` in their registry: the questionnaires) count
    in groups through the participant's anchor unit: a gemeente participant's own gemeente, a samenwerkingsverband
    with reporting option 2 its first listed gemeente (so it counts once in every group that gemeente is in).
    A samenwerkingsverband with option 3 is a unit itself and needs no anchor.
    """
    anchors = [(p.id, p.gemeenten[0]) for p in registry.participants if not p.reports_only_as_whole]
    only = [i.code for i in all_indicators() if getattr(i, "participant_only", False)]
    sql = ("(SELECT indicator, month, level, unit, numerator, denominator, value FROM indicator_value UNION ALL "
           "SELECT v.indicator, v.month, 'gemeente', a.gemeente, v.numerator, v.denominator, v.value "
           "FROM indicator_value v "
           "JOIN (SELECT unnest(?::VARCHAR[]) AS participant, unnest(?::VARCHAR[]) AS gemeente) a "
           "ON v.unit = a.participant WHERE v.level = 'participant' AND v.indicator IN (SELECT unnest(?::VARCHAR[])))")
    return sql, [[a[0] for a in anchors], [a[1] for a in anchors], only]


def refresh_group_values(con: duckdb.DuckDBPyConnection, registry: Registry, months: Sequence[dt.date],
                         today: dt.date, indicators: Sequence[str]) -> dict[str, object]:
    """Replace group members, vergelijkbare gemeenten and the group values of ``indicators`` in ``months`` in one
    transaction (the group values of other indicators, computed elsewhere, stay)."""
    months = sorted(set(months))
    members, neighbours = membership(con, registry, months)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with transaction(con):
        con.execute(f"DELETE FROM {GROUP_MEMBER.name} WHERE month IN (SELECT unnest(?::DATE[]))", [months])
        con.execute(f"DELETE FROM {GROUP_VALUE.name} WHERE month IN (SELECT unnest(?::DATE[])) "
                    "AND indicator IN (SELECT unnest(?::VARCHAR[]))", [months, list(indicators)])
        for year, rows in neighbours.items():
            con.execute(f"DELETE FROM {GEMEENTE_VERGELIJKBAAR.name} WHERE jaar = ?", [year])
            if len(rows):
                insert_rows(con, GEMEENTE_VERGELIJKBAAR, rows.assign(jaar=year))
        insert_rows(con, GROUP_MEMBER, members)
        unit_values, unit_params = unit_values_sql(registry)
        insert_rows(con, GROUP_VALUE, con.execute(_GROUP_VALUES_SQL.format(unit_values=unit_values),
                                                  [today, now, *unit_params, months, list(indicators)]).df())
    return {"members": members, "neighbours": neighbours}


def reporting_choices(registry: Registry) -> str:
    """Each participant's reporting option and named selections, as one string (part of the month fingerprints)."""
    return repr([(p.id, p.reporting, sorted(p.references.items())) for p in registry.participants])


def group_input_digests(con: duckdb.DuckDBPyConnection, registry: Registry) -> dict[int, str]:
    """Per year: a digest of what group membership rests on besides the uploads (CBS groups and kenmerken of
    the year, reporting options and named selections), for the month fingerprints of the planner."""
    choices = reporting_choices(registry)
    digests: dict[int, list[str]] = {}
    for table, columns in (("gemeente_groep", "gemeentecode, group_type, group_code, group_name"),
                           ("gemeente_kenmerk", "gemeentecode, kenmerk, waarde")):
        if has_table(con, table):
            for year, digest in con.execute(
                    f"SELECT jaar, md5(string_agg(concat_ws('|', {columns}), ',' ORDER BY {columns})) "
                    f"FROM {table} GROUP BY jaar").fetchall():
                digests.setdefault(year, []).append(f"{table}:{digest}")
    return {"*": choices, **{year: ";".join(parts) for year, parts in digests.items()}}
