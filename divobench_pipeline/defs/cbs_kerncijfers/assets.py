"""CBS kerncijfers assets: the yearly CBS table into ``cbs_kerncijfer`` and ``indicator_value``, then the group
values of every reference group of the year's indeling, with a WARN check against CBS's own NL01 row."""

import datetime as dt

import dagster as dg
import pandas as pd

from divobench_pipeline.core.schemas import CBS_KERNCIJFER, INDICATOR_VALUE
from divobench_pipeline.core.warehouse import replace_rows
from divobench_pipeline.defs.cbs.assets import _YEARLY, _YEARS, _bron, _years, cbs_referentiegroepen
from divobench_pipeline.defs.cbs.client import CbsUnavailable
from divobench_pipeline.defs.cbs.resources import CbsResource
from divobench_pipeline.defs.cbs_kerncijfers import compute, parse
from divobench_pipeline.defs.cbs_kerncijfers.registry import CODES
from divobench_pipeline.defs.cbs_kerncijfers.source import TABLES
from divobench_pipeline.defs.comparisons.groups import refresh_group_values
from divobench_pipeline.orchestration.metadata import markdown_table
from divobench_pipeline.orchestration.resources import DivobenchHomeResource, WarehouseResource

_DECEMBERS = "month IN (SELECT unnest(?::DATE[]))"
_OURS = "indicator IN (SELECT unnest(?::VARCHAR[]))"


def _known_years(context: dg.AssetExecutionContext) -> list[int]:
    years = [y for y in _years(context) if y in TABLES]
    skipped = sorted(set(_years(context)) - set(years))
    if skipped:
        context.log.info(f"No CBS kerncijfers table is known for {skipped} (defs/cbs_kerncijfers/source.py).")
    return years


@dg.asset(**{**_YEARLY, "group_name": "cbs_kerncijfers"})
def cbs_kerncijfers(context: dg.AssetExecutionContext, cbs: CbsResource, divobench_home: DivobenchHomeResource,
                    warehouse: WarehouseResource):
    """CBS *Sociale zekerheid; bijstand, re-integratie en WSW, gemeenten* of each year: every figure per region and
    leeftijdsklasse (``cbs_kerncijfer``), and the ``cbs.*`` indicators per gemeente and participant for December
    of the year (``indicator_value``)."""
    years = _known_years(context)
    tables, frames = [], []
    for year in years:
        try:
            table = cbs.client().table(TABLES[year])
        except CbsUnavailable as exc:
            raise dg.Failure(str(exc)) from None
        tables.append(table)
        frames.append(parse.kerncijfers(table, year).assign(table_id=table.table_id, modified=table.modified))
    kern = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CBS_KERNCIJFER.column_names)
    kern = kern[kern["regio_code"].notna()]
    values = compute.indicator_values(kern, divobench_home.registry().gemeenten_by_participant())
    decembers = [compute.december(y) for y in years]
    with warehouse.connect() as con:
        replace_rows(con, CBS_KERNCIJFER, kern[CBS_KERNCIJFER.column_names], _YEARS, [years])
        replace_rows(con, INDICATOR_VALUE, values, f"{_DECEMBERS} AND {_OURS}", [decembers, list(CODES)])
    unknown = kern[kern["regio_code"].str.startswith("GM") & kern["waarde"].isna()]
    per_year = values.assign(jaar=values["month"].dt.year).groupby(["jaar", "level"]).size().reset_index(name="waarden")
    return dg.MaterializeResult(metadata={
        "bron": _bron(tables), "waarden": markdown_table(per_year),
        "onbekend_bij_cbs": len(unknown),
        "gemeenten": int(kern.loc[kern["regio_code"].str.startswith("GM"), "regio_code"].nunique())})


@dg.asset(
    **{**_YEARLY, "group_name": "cbs_kerncijfers"}, deps=[cbs_kerncijfers, cbs_referentiegroepen],
    check_specs=[dg.AssetCheckSpec(
        "landelijk_gelijk_aan_nl01", asset="cbs_kerncijfers_groepswaarden",
        description="The landelijk value pooled from the gemeenten against CBS's own NL01 row, within the rounding "
                    "to tens of each gemeente's count (a WARN: gemeenten with '.' are missing from the pool).")],
)
def cbs_kerncijfers_groepswaarden(context: dg.AssetExecutionContext, divobench_home: DivobenchHomeResource,
                                  warehouse: WarehouseResource):
    """Group values of the ``cbs.*`` indicators in December of each year, over every gemeente of the year's
    indeling (landelijk, grootteklasse, provincie, arbeidsmarktregio, COROP) and the participants' own groups."""
    years = _known_years(context)
    with warehouse.connect() as con:
        refresh_group_values(con, divobench_home.registry(), [compute.december(y) for y in years],
                             dt.date.today(), CODES)
        against = compute.landelijk_against_nl01(con, years)
        per_type = con.execute(
            f"SELECT year(month) AS jaar, group_type, count(DISTINCT group_code) AS groepen, max(group_n) AS max_n "
            f"FROM group_value WHERE {_OURS} AND year(month) IN (SELECT unnest(?::INTEGER[])) GROUP BY ALL "
            "ORDER BY 1, 2", [list(CODES), years]).df()
    off = against[against["binnen_marge"].eq(False)]
    yield dg.AssetCheckResult(check_name="landelijk_gelijk_aan_nl01", passed=off.empty and not against.empty,
                              severity=dg.AssetCheckSeverity.WARN,
                              metadata={"vergeleken": len(against), "buiten_marge": markdown_table(off),
                                        "niet_beoordeeld": markdown_table(against[against["binnen_marge"].isna()])})
    yield dg.MaterializeResult(metadata={"groepen": markdown_table(per_type)})


CBS_KERNCIJFERS_ASSETS = [cbs_kerncijfers, cbs_kerncijfers_groepswaarden]
