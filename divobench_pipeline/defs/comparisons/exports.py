"""CSV exports of comparisons: per participant (internal to the benchmark) and public (suppressed)."""

from __future__ import annotations

import csv
import datetime as dt

import duckdb

from divobench_pipeline.core.catalogue import all_indicators
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.defs.comparisons.groups import Units
from divobench_pipeline.defs.comparisons.public import PUBLIC_HEADER, public_rows

COMPARISON_HEADER = ["indicator", "month", "unit", "value", "group_type", "group_code", "group_value",
                     "group_median", "group_n"]
SHOWN = "deelnemer"


def comparison_rows(con: duckdb.DuckDBPyConnection, registry: Registry, participant_id: str, month: dt.date
                    ) -> list[list]:
    """Per indicator and own unit: the groups it is compared with, then the named peers it shows.

    Own units: the participant as a whole, and with reporting option 2 also each of its gemeenten. Compared
    with: every group containing the unit (landelijk, CBS groups, samenwerkingsverband), its own vergelijkbaar
    group, and the participant's named selecties (pooled). Shown: each participant named in its selecties, as
    group_type ``deelnemer`` with its own value (group_n = its gemeenten with data).
    """
    participant = registry[participant_id]
    own = [("participant", participant.id)]
    if participant.is_samenwerkingsverband and not participant.reports_only_as_whole:
        own += [("gemeente", g) for g in participant.gemeenten]
    elif not participant.is_samenwerkingsverband:
        own = [("gemeente", participant.id)]
    units = Units(registry)
    peers = list(dict.fromkeys(ref for ids in participant.references.values() for ref in ids if ref in registry))
    values = {(i, lvl, u): v for i, lvl, u, v in con.execute(
        "SELECT indicator, level, unit, value FROM indicator_value WHERE month = ? AND list_contains(?, unit)",
        [month, [u for _, u in own] + peers]).fetchall()}  # only the values looked up below
    n_with_data = dict(con.execute("""
        SELECT indicator || '|' || p.id, count(*) FROM indicator_value v
        JOIN (SELECT unnest(?::VARCHAR[]) AS id, unnest(?::VARCHAR[][]) AS gemeenten) p
          ON list_contains(p.gemeenten, v.unit)
        WHERE v.month = ? AND v.level = 'gemeente' GROUP BY ALL""",
        [peers, [list(registry[p].gemeenten) for p in peers], month]).fetchall()) if peers else {}
    rows = []
    for level, unit in own:
        group_unit = units.of(unit) if level == "gemeente" else (level, unit)
        groups = con.execute("""
            SELECT g.indicator, g.group_type, g.group_code, g.group_value, g.group_median, g.group_n
            FROM group_value g
            WHERE g.month = ? AND (
              g.group_type = 'landelijk'
              OR (g.group_type = 'vergelijkbaar' AND g.group_code = ?)
              OR (g.group_type = 'selectie' AND starts_with(g.group_code, ?))
              OR (g.group_type NOT IN ('vergelijkbaar', 'selectie') AND EXISTS (
                   SELECT 1 FROM group_member m WHERE m.month = g.month AND m.group_type = g.group_type
                     AND m.group_code = g.group_code AND m.unit_level = ? AND m.unit = ?)))""",
            [month, unit, f"{participant.id}:", *group_unit]).fetchall()
        by_indicator: dict[str, list] = {}
        for indicator, *rest in groups:
            by_indicator.setdefault(indicator, []).append(rest)
        for definition in all_indicators():
            code = definition.code
            value = values.get((code, level, unit), values.get((code, "participant", unit)))
            for group_type, group_code, group_value, median, n in sorted(
                    by_indicator.get(code, []), key=lambda r: (_TYPE_ORDER.get(r[0], 99), r[1])):
                rows.append([code, month, unit, value, group_type, group_code, group_value, median, n])
            for peer in peers:
                if (code, "participant", peer) in values:
                    peer_value = values[(code, "participant", peer)]
                    rows.append([code, month, unit, value, SHOWN, peer, peer_value, peer_value,
                                 n_with_data.get(f"{code}|{peer}", 0)])
    return rows


_TYPE_ORDER = {t: k for k, t in enumerate(
    ("landelijk", "grootteklasse", "provincie", "arbeidsmarktregio", "corop", "samenwerkingsverband",
     "vergelijkbaar", "selectie"))}


def write_comparison_csv(con, registry: Registry, participant_id: str, month: dt.date, out) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COMPARISON_HEADER)
    for row in comparison_rows(con, registry, participant_id, month):
        writer.writerow([row[0], month.strftime("%Y-%m"), row[2], number(row[3]), *row[4:6], number(row[6]),
                         number(row[7]), row[8]])


def write_public_csv(con, registry: Registry, month: dt.date, out) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PUBLIC_HEADER)
    for row in public_rows(con, registry, month):
        writer.writerow([row.indicator, month.strftime("%Y-%m"), row.group_type, row.group_code,
                         number(row.value) if row.published else "", row.n,
                         "ok" if row.published else "suppressed"])


def number(value: float | int | None) -> str:
    """A figure at full precision (interfaces.md): an integer exactly, a float as the shortest text that reads
    back to the same float (``repr``); empty for none or NaN. Rounding belongs in reports, not in exports."""
    if value is None or value != value:
        return ""
    if isinstance(value, int):
        return str(value)
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return repr(value)
