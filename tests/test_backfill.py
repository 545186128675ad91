"""Adding an indicator and materialising it for all history: 24 months in one single-run backfill.

The test passes its own indicator set (the registry plus one) as the ``wi_indicator_set`` resource."""

from __future__ import annotations

import datetime as dt

import dagster as dg
from comparison_fixtures import QUIET, Counts, query, stage

from divobench_pipeline.core.months import shift_month
from divobench_pipeline.core.participants import write_registry
from divobench_pipeline.defs.comparisons.assets import wi_groepswaarden
from divobench_pipeline.defs.wi_indicators.assets import wi_indicatoren
from divobench_pipeline.defs.wi_indicators.registry import INDICATORS, Indicator
from divobench_pipeline.orchestration.instance import dagster_instance
from divobench_pipeline.orchestration.partitions import partition_range_tags
from divobench_pipeline.orchestration.resources import DivobenchHomeResource, WarehouseResource

FIRST = dt.date(2023, 1, 1)
MONTHS = [shift_month(FIRST, k) for k in range(24)]
GEMEENTEN = ["GM0101", "GM0102", "GM0103"]
NEW = Indicator("wi.uitstroom_overig.pw", "Uitstroom algemene bijstand om andere redenen dan werk", "uitkeringen",
                "Algemene bijstand uitkeringen met einde in de maand om een andere reden dan werk.",
                base="uitkering", numerator="count(*) FILTER (WHERE is_pw AND uitstroom AND reden <> '11')",
                numerator_is_count=True)


def counts(k: int, g: int) -> Counts:
    return Counts(bestand=20 + k + g, uitstroom=(k + g) % 5 + 1, werk=(k * g) % 2)


def test_a_new_indicator_is_backfilled_for_24_months_in_one_run(home):
    write_registry(home.participants_file, [{"id": g, "name": g, "gemeenten": [g]} for g in GEMEENTEN])
    stage(home, {(m, g): counts(k, j) for k, m in enumerate(MONTHS) for j, g in enumerate(GEMEENTEN)},
          {g: g for g in GEMEENTEN})
    instance = dagster_instance(home)
    result = dg.materialize(
        [wi_indicatoren, wi_groepswaarden], instance=instance, run_config=QUIET,
        resources={"divobench_home": DivobenchHomeResource(root=str(home.root)),
                   "warehouse": WarehouseResource(database=str(home.warehouse)),
                   "wi_indicator_set": (*INDICATORS, NEW)},
        tags=partition_range_tags(MONTHS[0].isoformat(), MONTHS[-1].isoformat()))
    assert result.success

    assert len(instance.get_run_records()) == 1
    for asset in ("wi_indicatoren", "wi_groepswaarden"):
        events = instance.get_records_for_run(result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
        partitions = {e.event_log_entry.dagster_event.partition for e in events
                      if e.event_log_entry.dagster_event.asset_key == dg.AssetKey(asset)}
        assert partitions == {m.isoformat() for m in MONTHS}, asset
    values = dict(((unit, month), value) for unit, month, value in query(
        home, "SELECT unit, month, value FROM indicator_value WHERE indicator = ? AND level = 'gemeente'",
        [NEW.code]))
    expected = {(g, m): counts(k, j).uitstroom - counts(k, j).werk
                for k, m in enumerate(MONTHS) for j, g in enumerate(GEMEENTEN)}
    assert values == expected
    landelijk = dict(query(home, "SELECT month, group_value FROM group_value WHERE indicator = ? "
                                 "AND group_type = 'landelijk'", [NEW.code]))
    assert landelijk == {m: sum(expected[(g, m)] for g in GEMEENTEN) for m in MONTHS}
