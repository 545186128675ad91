"""Group values per statistiekmaand: every reference group each participant is compared with."""

import datetime as dt

import dagster as dg
import pandas as pd

from divobench_pipeline.core.catalogue import pooled_by_comparisons
from divobench_pipeline.defs.comparisons.groups import refresh_group_values
from divobench_pipeline.defs.wi_indicators.assets import wi_cbs_inputs, wi_indicatoren, wi_participants
from divobench_pipeline.defs.wi_indicators.planning import definitions_digest
from divobench_pipeline.orchestration.metadata import markdown_table
from divobench_pipeline.orchestration.partitions import month_partitions
from divobench_pipeline.orchestration.resources import DivobenchHomeResource, WarehouseResource

_COUNTS = ["wi.bestand.pw", "wi.personen.pw", "wi.instroom.pw", "wi.uitstroom.pw"]


@dg.asset(
    group_name="comparisons", kinds={"duckdb"}, code_version=definitions_digest(),
    partitions_def=month_partitions, backfill_policy=dg.BackfillPolicy.single_run(), pool="duckdb_write",
    deps=[wi_indicatoren, wi_cbs_inputs, wi_participants],
    check_specs=[dg.AssetCheckSpec(
        "landelijk_sluit_aan", asset="wi_groepswaarden",
        description="For counts, the landelijk group total equals the sum over all participants' pooled values "
                    "(two independent routes through the same indicator values).")],
)
def wi_groepswaarden(context: dg.AssetExecutionContext, divobench_home: DivobenchHomeResource,
                     warehouse: WarehouseResource, wi_indicator_set: dg.ResourceParam[tuple]):
    """Pooled value, median and number of gemeenten of every reference group (landelijk, grootteklasse,
    provincie, arbeidsmarktregio, COROP, samenwerkingsverband, named selecties, vergelijkbare gemeenten),
    for the W&I indicators ``wi_indicatoren`` computed and every other registry the comparisons pool."""
    registry = divobench_home.registry()
    months = [dt.date.fromisoformat(key) for key in context.partition_keys]
    codes = list(dict.fromkeys([*(i.code for i in wi_indicator_set), *pooled_by_comparisons()]))
    with warehouse.connect() as con:
        result = refresh_group_values(con, registry, months, dt.date.today(), codes)
        per_type = con.execute(
            "SELECT group_type, count(DISTINCT group_code) AS groepen, count(*) AS waarden FROM group_value "
            "WHERE month IN (SELECT unnest(?::DATE[])) GROUP BY 1 ORDER BY 1", [months]).df()
        status = con.execute("SELECT strftime(month, '%Y-%m') AS maand, any_value(status) AS status FROM group_value "
                             "WHERE month IN (SELECT unnest(?::DATE[])) GROUP BY 1 ORDER BY 1", [months]).df()
        sums = con.execute("""
            SELECT g.indicator, strftime(g.month, '%Y-%m') AS maand, g.numerator AS landelijk, p.totaal
            FROM group_value g
            JOIN (SELECT indicator, month, sum(numerator) AS totaal FROM indicator_value
                  WHERE level = 'participant' GROUP BY ALL) p USING (indicator, month)
            WHERE g.group_type = 'landelijk' AND g.indicator IN (SELECT unnest(?::VARCHAR[]))
              AND g.month IN (SELECT unnest(?::DATE[]))""", [_COUNTS, months]).df()
    off = sums[sums["landelijk"] != sums["totaal"]]
    yield dg.AssetCheckResult(check_name="landelijk_sluit_aan", passed=off.empty,
                              metadata={"gecontroleerd": len(sums), "afwijkend": markdown_table(off)})
    neighbours = pd.concat([rows.assign(jaar=year) for year, rows in result["neighbours"].items()],
                           ignore_index=True) if result["neighbours"] else pd.DataFrame()
    yield dg.MaterializeResult(metadata={
        "months": len(months),
        "groepen_per_type": markdown_table(per_type),
        "status": markdown_table(status),
        "vergelijkbare_gemeenten": markdown_table(
            neighbours, empty="(no CBS kenmerken for these years: no vergelijkbare gemeenten)"),
    })
