"""Herindelingen: gemeente versions, the crosswalk old → new, and restating figures in a later indeling.

Facts are stored with the gemeentecode as delivered (the code valid in the statistiekmaand). To show a time
series in the indeling of a later date, each old code is followed through every herindeling up to that date:

- samenvoeging / toevoeging: all of the old gemeente goes to the new one (``toedeling`` ``geheel``);
- splitsing with weights in the crosswalk (share of the inwoners going to each part): each part gets that share
  of the old gemeente's numerator and denominator (``gewicht``);
- splitsing without weights: everything goes to the rechtsopvolger (``rechtsopvolger``), and the restated
  values say so, since part of it belongs elsewhere.

Counts are then summed over predecessors and ratios recomputed from the summed numerators and denominators.
Codes are the key throughout; names only label (CBS renamed gemeenten in 2024 without a new code).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

GEHEEL, GEWICHT, RECHTSOPVOLGER = "geheel", "gewicht", "rechtsopvolger"


@dataclass(frozen=True)
class Overgang:
    datum: dt.date
    oude_code: str
    oude_naam: str
    nieuwe_code: str
    nieuwe_naam: str
    soort: str
    gewicht: float | None
    rechtsopvolger: bool


@cache
def overgangen() -> tuple[Overgang, ...]:
    """The herindelingen 2015–2026 shipped with divobench (CBS, VNG, RvIG; weights of splits where known)."""
    text = resources.files(__package__).joinpath("herindelingen_2015_2026.csv").read_text("utf-8")
    return tuple(Overgang(dt.date.fromisoformat(r["effective_date"]), r["old_code"], r["old_name"], r["new_code"],
                          r["new_name"], r["type"], float(r["gewicht"]) if r["gewicht"] else None,
                          r["rechtsopvolger"] == "ja")
                 for r in csv.DictReader(text.splitlines()))


def overgang_frame(items: tuple[Overgang, ...] | None = None) -> pd.DataFrame:
    """The crosswalk as rows of ``gemeente_overgang``: which share of an old gemeente went to which new one."""
    rows = []
    for o in items or overgangen():
        soort, gewicht = _toedeling(o, items or overgangen())
        rows.append({"datum": o.datum, "oude_code": o.oude_code, "oude_naam": o.oude_naam,
                     "nieuwe_code": o.nieuwe_code, "nieuwe_naam": o.nieuwe_naam, "soort": o.soort,
                     "gewicht": gewicht, "toedeling": soort})
    return pd.DataFrame(rows)


def _toedeling(o: Overgang, items: tuple[Overgang, ...]) -> tuple[str, float]:
    if o.soort != "splitsing":
        return GEHEEL, 1.0
    siblings = [s for s in items if s.oude_code == o.oude_code and s.datum == o.datum]
    if all(s.gewicht is not None for s in siblings):
        return GEWICHT, o.gewicht
    if o.rechtsopvolger or (not any(s.rechtsopvolger for s in siblings) and o is siblings[0]):
        return RECHTSOPVOLGER, 1.0
    return RECHTSOPVOLGER, 0.0


def crosswalk(on: dt.date, items: tuple[Overgang, ...] | None = None) -> pd.DataFrame:
    """For every code that ever existed up to ``on``: the code(s) it is part of on ``on``, with shares.

    Columns ``oude_code``, ``nieuwe_code``, ``gewicht``, ``toedeling`` (the weakest rule on the way: a chain
    through a split without weights is ``rechtsopvolger``). Codes untouched by herindelingen are absent
    (they map to themselves).
    """
    items = items or overgangen()
    weights = overgang_frame(items)
    mapping: dict[str, dict[str, tuple[float, str]]] = {}
    for datum in sorted({o.datum for o in items if o.datum <= on}):
        step = weights[weights["datum"] == datum]
        splits = {old: list(zip(g["nieuwe_code"], g["gewicht"], g["toedeling"], strict=True))
                  for old, g in step.groupby("oude_code")}
        for old in splits:
            mapping.setdefault(old, {old: (1.0, GEHEEL)})
        for old, targets in mapping.items():
            new_targets: dict[str, tuple[float, str]] = {}
            for code, (share, rule) in targets.items():
                for new, weight, how in splits.get(code, [(code, 1.0, GEHEEL)]):
                    if weight == 0:
                        continue
                    before = new_targets.get(new, (0.0, GEHEEL))
                    worst = RECHTSOPVOLGER if RECHTSOPVOLGER in (rule, how, before[1]) else \
                        GEWICHT if GEWICHT in (rule, how, before[1]) else GEHEEL
                    new_targets[new] = (before[0] + share * weight, worst)
            mapping[old] = new_targets
    rows = [{"oude_code": old, "nieuwe_code": new, "gewicht": share, "toedeling": rule}
            for old, targets in mapping.items() for new, (share, rule) in targets.items() if new != old or share != 1]
    return pd.DataFrame(rows, columns=["oude_code", "nieuwe_code", "gewicht", "toedeling"])


def restate(values: pd.DataFrame, on: dt.date, has_denominator: Mapping[str, bool],
            items: tuple[Overgang, ...] | None = None) -> pd.DataFrame:
    """Gemeente indicator values (``indicator, unit, month, numerator, denominator``) in the indeling of ``on``.

    Returns ``indicator, unit, month, numerator, denominator, value, voorgangers, toedeling``: ``voorgangers``
    lists the delivered codes the figure rests on, ``toedeling`` the weakest rule used (``rechtsopvolger``
    means part of a split gemeente was counted whole in this unit).
    """
    walk = crosswalk(on, items)
    mapped = values.merge(walk, left_on="unit", right_on="oude_code", how="left")
    untouched = mapped["nieuwe_code"].isna()
    mapped.loc[untouched, "nieuwe_code"] = mapped.loc[untouched, "unit"]
    mapped.loc[untouched, "gewicht"] = 1.0
    mapped.loc[untouched, "toedeling"] = GEHEEL
    mapped["numerator"] = mapped["numerator"] * mapped["gewicht"]
    mapped["denominator"] = mapped["denominator"] * mapped["gewicht"]
    rank = {GEHEEL: 0, GEWICHT: 1, RECHTSOPVOLGER: 2}
    grouped = mapped.groupby(["indicator", "nieuwe_code", "month"], sort=True)
    result = grouped.agg(numerator=("numerator", "sum"),
                         denominator=("denominator", lambda s: s.sum(min_count=1)),
                         voorgangers=("unit", lambda s: ",".join(sorted(set(s)))),
                         toedeling=("toedeling", lambda s: max(s, key=rank.get))).reset_index()
    result = result.rename(columns={"nieuwe_code": "unit"})
    ratio = result["indicator"].map(lambda code: bool(has_denominator.get(code, False)))
    denominator = result["denominator"].where(result["denominator"] != 0)
    result["value"] = (result["numerator"] / denominator).where(ratio, result["numerator"])
    result["denominator"] = result["denominator"].where(ratio)
    return result[["indicator", "unit", "month", "numerator", "denominator", "value", "voorgangers", "toedeling"]]


def gemeente_versies(indeling: pd.DataFrame, items: tuple[Overgang, ...] | None = None) -> pd.DataFrame:
    """Versions of each gemeente (code, name, valid from, valid to) from the yearly indelingen and herindelingen.

    ``geldig_van`` is empty for a gemeente that existed before 2015 (the first herindeling covered; a gemeente
    that only received others by toevoeging or splitsing keeps its code and existed before); a new
    name under the same code starts a new version on 1 January of the first year it appears.
    """
    items = items or overgangen()
    created = {o.nieuwe_code: o.datum for o in items if o.soort in ("samenvoeging", "naamswijziging")}
    ended = {}
    for o in items:
        if o.oude_code != o.nieuwe_code and not any(n.nieuwe_code == o.oude_code and n.datum >= o.datum
                                                    for n in items):
            ended[o.oude_code] = min(o.datum, ended.get(o.oude_code, o.datum))
    names: dict[str, list[tuple[dt.date, str]]] = {}
    for row in indeling[["jaar", "gemeentecode", "gemeente_naam"]].itertuples(index=False):
        names.setdefault(row.gemeentecode, []).append((dt.date(int(row.jaar), 1, 1), row.gemeente_naam))
    for o in items:
        names.setdefault(o.oude_code, []).append((o.datum - dt.timedelta(days=1), o.oude_naam))
        names.setdefault(o.nieuwe_code, []).append((o.datum, o.nieuwe_naam))
    rows = []
    for code, seen in names.items():
        runs: list[list] = []
        for day, name in sorted(set(seen)):
            if runs and runs[-1][1] == name:
                continue
            runs.append([day, name])
        for k, (day, name) in enumerate(runs):
            start = created.get(code) if k == 0 else day
            end = runs[k + 1][0] - dt.timedelta(days=1) if k + 1 < len(runs) else \
                (ended[code] - dt.timedelta(days=1) if code in ended else None)
            rows.append({"gemeentecode": code, "gemeente_naam": name, "geldig_van": start, "geldig_tot": end})
    return pd.DataFrame(rows).sort_values(["gemeentecode", "geldig_van"], na_position="first", ignore_index=True)


def restate_rows(rows: list[tuple], on: dt.date) -> list[tuple]:
    """Export rows (indicator, level, unit, month, numerator, denominator, value) with the gemeente rows restated
    in the indeling of ``on``; participant rows are already in the participant's own gemeenten and stay.
    Rows come back in the export's order (month, indicator, participant before gemeente, unit)."""
    from divobench_pipeline.core.catalogue import all_indicators

    gemeente = [r for r in rows if r[1] == "gemeente"]
    if not gemeente:
        return rows
    frame = pd.DataFrame([(r[0], r[2], r[3], r[4], r[5]) for r in gemeente],
                         columns=["indicator", "unit", "month", "numerator", "denominator"])
    restated = restate(frame, on, {i.code: i.has_denominator for i in all_indicators()})
    converted = [(r.indicator, "gemeente", r.unit, r.month, r.numerator,
                  None if pd.isna(r.denominator) else r.denominator, None if pd.isna(r.value) else r.value)
                 for r in restated.itertuples(index=False)]
    return sorted([r for r in rows if r[1] != "gemeente"] + converted,
                  key=lambda r: (r[3], r[0], r[1] != "participant", r[2]))

