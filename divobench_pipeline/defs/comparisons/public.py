"""The public export: group values only, suppressed so that no single gemeente's figure can be derived.

Rules (docs/comparisons.md), per month and indicator:
1. primary: a group resting on fewer than 5 units, or whose pooled count numerator/denominator is 1..4;
2. consent: a gemeente or participant appears by name only with publish_consent (a samenwerkingsverband's
   consent covers its whole and, with reporting option 2, its gemeenten), under the same count rule;
3. differencing: rows are admitted one by one (named rows, then landelijk, then larger groups first); a row is
   suppressed when, with the rows already admitted, (a) it differs from one of them by 1 to 4 hidden units, or
   (b) any hidden unit's figure becomes a linear combination of published figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np

from divobench_pipeline.core.catalogue import all_indicators
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.core.schemas import GROUP_TYPES
from divobench_pipeline.defs.comparisons.groups import unit_values_sql

MIN_UNITS = 5
SMALL_COUNT = range(1, 5)
PUBLIC_HEADER = ["indicator", "month", "group_type", "group_code", "group_value", "group_n", "status"]


@dataclass
class Row:
    indicator: str
    group_type: str
    group_code: str
    value: float | None
    n: int
    members: frozenset[tuple[str, str]]
    numerator: float | None
    denominator: float | None
    published: bool = False


def _small(row: Row, numerator_is_count: bool, denominator_is_count: bool) -> bool:
    return ((numerator_is_count and row.numerator is not None and row.numerator in SMALL_COUNT)
            or (denominator_is_count and row.denominator is not None and row.denominator in SMALL_COUNT))


def public_rows(con: duckdb.DuckDBPyConnection, registry: Registry, month: dt.date) -> list[Row]:
    """Every row of the public export of ``month``, in registry order of indicators, each marked published."""
    anchored, anchored_params = unit_values_sql(registry)
    groups = con.execute(f"""
        SELECT g.indicator, g.group_type, g.group_code, g.group_value, g.group_n, g.numerator, g.denominator,
               list((m.unit_level, m.unit)) AS members
        FROM group_value g
        JOIN group_member m USING (month, group_type, group_code)
        JOIN {anchored} v ON v.month = m.month AND v.indicator = g.indicator AND v.level = m.unit_level
                              AND v.unit = m.unit
        WHERE g.month = ? AND g.group_type IN ({", ".join(f"'{t}'" for t in GROUP_TYPES)})
        GROUP BY ALL""", [*anchored_params, month]).fetchall()
    units = con.execute("SELECT indicator, level, unit, value, numerator, denominator FROM indicator_value "
                        "WHERE month = ?", [month]).fetchall()
    unit_values = {(ind, level, unit): (value, num, den) for ind, level, unit, value, num, den in units}
    rows = []
    for definition in all_indicators():
        code = definition.code
        flags = (definition.numerator_is_count, definition.denominator_is_count)
        named = _named_rows(registry, code, unit_values)
        group_rows = sorted(
            (Row(code, t, c, value, n, frozenset(tuple(m) for m in members), num, den)
             for ind, t, c, value, n, num, den, members in groups if ind == code),
            key=lambda r: (r.group_type != "landelijk", -r.n, GROUP_TYPES.index(r.group_type), r.group_code))
        _audit(named, group_rows, flags)
        rows += sorted(group_rows, key=lambda r: (GROUP_TYPES.index(r.group_type), r.group_code)) + named
    return rows


def _named_rows(registry: Registry, code: str, unit_values: dict) -> list[Row]:
    """Rows of participants with publish_consent: the participant, and its gemeenten where they report."""
    whole = {p.id for p in registry.participants if p.reports_only_as_whole}
    rows = []
    for p in registry.participants:
        if not p.publish_consent:
            continue
        if p.is_samenwerkingsverband:
            level_unit = ("participant", p.id)
            found = unit_values.get((code, *level_unit))
            if found:
                gemeenten = [g for g in p.gemeenten if (code, "gemeente", g) in unit_values]
                members = ({level_unit} if p.id in whole else {("gemeente", g) for g in gemeenten})
                rows.append(Row(code, "participant", p.id, found[0], len(gemeenten), frozenset(members), *found[1:]))
            if p.id in whole:
                continue
        for g in p.gemeenten:
            found = unit_values.get((code, "gemeente", g)) or (
                None if p.is_samenwerkingsverband else unit_values.get((code, "participant", g)))
            if found:
                rows.append(Row(code, "gemeente", g, found[0], 1, frozenset({("gemeente", g)}), *found[1:]))
    return rows


def _audit(named: list[Row], group_rows: list[Row], flags: tuple[bool, bool]) -> None:
    """Decide ``published`` for every row of one indicator (see the module docstring)."""
    for row in named:
        row.published = not _small(row, *flags)
    open_units = {next(iter(r.members)) for r in named if r.published and len(r.members) == 1}
    everyone = sorted({m for r in (*named, *group_rows) for m in r.members})
    index = {u: k for k, u in enumerate(everyone)}
    hidden = [index[u] for u in everyone if u not in open_units]
    admitted: list[Row] = [r for r in named if r.published and len(r.members) == 1]
    for row in [r for r in named if len(r.members) > 1] + group_rows:
        if row.group_type in GROUP_TYPES and row.n < MIN_UNITS or _small(row, *flags):
            row.published = False
            continue
        row.published = _safe(row, admitted, index, hidden, open_units)
        if row.published:
            admitted.append(row)


def _safe(row: Row, admitted: list[Row], index: dict, hidden: list[int], open_units: set) -> bool:
    for other in admitted:
        differing = len((row.members ^ other.members) - open_units)
        if 1 <= differing < MIN_UNITS:
            return False
    if not hidden:
        return True
    matrix = np.zeros((len(admitted) + 1, len(index)))
    for k, r in enumerate([*admitted, row]):
        matrix[k, [index[u] for u in r.members]] = 1.0
    _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
    basis = vt[singular > 1e-9 * max(singular.max(), 1.0)]
    leverage = (basis[:, hidden] ** 2).sum(axis=0)
    return bool((leverage < 1 - 1e-6).all())
