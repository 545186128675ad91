"""CBS StatLine assets: the yearly indeling and reference groups, inwoners, CBS bijstand, gemeente versions.

Each yearly asset reads its CBS table through ``CbsResource`` (download, cache or shipped extract: the
``bron`` metadata says which) and replaces its rows of the year in one transaction.
"""


import dagster as dg
import pandas as pd

from divobench_pipeline.core.schemas import (
    CBS_BIJSTAND_MAAND,
    GEMEENTE_GROEP,
    GEMEENTE_INDELING,
    GEMEENTE_KENMERK,
    GEMEENTE_OVERGANG,
    GEMEENTE_VERSIE,
)
from divobench_pipeline.core.warehouse import replace_rows
from divobench_pipeline.defs.cbs import herindeling, parse, store
from divobench_pipeline.defs.cbs.client import CbsUnavailable
from divobench_pipeline.defs.cbs.resources import CbsResource
from divobench_pipeline.defs.cbs.tables import (
    BEVOLKING,
    BIJSTAND,
    FILTERS,
    FIRST_YEAR,
    KERNCIJFERS,
    LAST_YEAR,
    gebieden_tabel,
    kerncijfers_tabel,
)
from divobench_pipeline.orchestration.metadata import markdown_table
from divobench_pipeline.orchestration.resources import WarehouseResource


def cbs_deps(*names: str) -> list[dg.AssetDep]:
    """Dependencies of a monthly asset on yearly CBS assets, so the UI shows where inwoners and groups come from.

    A month reads the CBS rows of its own year; the years are static partitions, which Dagster cannot map onto
    months, so every year counts as upstream.
    """
    return [dg.AssetDep(name, partition_mapping=dg.AllPartitionMapping()) for name in names]


cbs_year_partitions = dg.StaticPartitionsDefinition([str(y) for y in range(FIRST_YEAR, LAST_YEAR + 1)])
_YEARLY = {"partitions_def": cbs_year_partitions, "backfill_policy": dg.BackfillPolicy.single_run(),
           "pool": "duckdb_write", "group_name": "cbs", "kinds": {"duckdb"}}
_YEARS = "jaar IN (SELECT unnest(?::INTEGER[]))"


def _years(context: dg.AssetExecutionContext) -> list[int]:
    return sorted(int(key) for key in context.partition_keys)


def _table(cbs: CbsResource, table_id: str):
    try:
        return cbs.client().table(table_id, filters=FILTERS.get(table_id))
    except CbsUnavailable as exc:
        raise dg.Failure(str(exc)) from None


def _bron(tables) -> dg.MetadataValue:
    return dg.MetadataValue.md("\n".join(f"- {t.table_id} ({t.title}): {t.bron}" for t in tables))


@dg.asset(**_YEARLY)
def cbs_gebieden(context: dg.AssetExecutionContext, cbs: CbsResource, warehouse: WarehouseResource):
    """Gebieden in Nederland of each year: every gemeente with its provincie, COROP-gebied, arbeidsmarktregio,
    gemeentegrootteklasse, stedelijkheid and inwonertal in that year's indeling (``gemeente_indeling``)."""
    tables, frames, unavailable = [], [], []
    for year in _years(context):
        try:
            table = cbs.client().table(gebieden_tabel(year))
        except CbsUnavailable as exc:
            context.log.warning(str(exc))
            unavailable.append(year)
            continue
        tables.append(table)
        frames.append(parse.gebieden_indeling(table, year))
    if not frames:
        return dg.MaterializeResult(metadata={"bron": "niet beschikbaar", "gemeenten": 0,
                                              "niet_beschikbaar": str(unavailable)})
    years = [year for year in _years(context) if year not in unavailable]
    indeling = pd.concat(frames, ignore_index=True)
    stedelijkheid = store.kenmerk(indeling, "stedelijkheid", "stedelijkheid", indeling["bron"])
    with warehouse.connect() as con:
        replace_rows(con, GEMEENTE_INDELING, indeling, _YEARS, [years])
        replace_rows(con, GEMEENTE_KENMERK, stedelijkheid, f"{_YEARS} AND kenmerk = 'stedelijkheid'", [years])
    per_year = indeling.groupby("jaar").agg(gemeenten=("gemeentecode", "size"),
                                            provincies=("provincie_code", "nunique"),
                                            corop=("corop_code", "nunique"),
                                            arbeidsmarktregios=("arbeidsmarktregio_code", "nunique")).reset_index()
    return dg.MaterializeResult(metadata={"bron": _bron(tables), "gemeenten": len(indeling),
                                          "niet_beschikbaar": str(unavailable or "geen"),
                                          "per_jaar": markdown_table(per_year)})


@dg.asset(**_YEARLY, deps=[cbs_gebieden])
def cbs_referentiegroepen(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Per gemeente and year, every reference group it belongs to (``gemeente_groep``): landelijk (NL),
    gemeentegrootteklasse, provincie, arbeidsmarktregio and COROP-gebied of that year's Gebieden in Nederland.
    The comparisons take a month's group membership from the year of that month."""
    years = _years(context)
    with warehouse.connect() as con:
        indeling = con.execute(f"SELECT * FROM {GEMEENTE_INDELING.name} WHERE {_YEARS}", [years]).df()
        missing = sorted(set(years) - set(indeling["jaar"]))
        if missing:
            context.log.warning(f"No Gebieden in Nederland in the warehouse for {missing}: no groups for those years.")
        rows = store.groepen(indeling)
        replace_rows(con, GEMEENTE_GROEP, rows, _YEARS, [years])
    sizes = rows.groupby(["jaar", "group_type"])["group_code"].nunique().reset_index(name="groepen")
    return dg.MaterializeResult(metadata={"rows": len(rows), "groepen": markdown_table(sizes)})


@dg.asset(**_YEARLY)
def cbs_bevolking(context: dg.AssetExecutionContext, cbs: CbsResource, warehouse: WarehouseResource):
    """Inwoners per gemeente on 1 January (03759ned) and bevolkingsdichtheid (Kerncijfers wijken en buurten)."""
    years = _years(context)
    bevolking = _table(cbs, BEVOLKING)
    kern_year = next(y for y, t in KERNCIJFERS.items() if t == kerncijfers_tabel(years[0]))
    kern_table = _table(cbs, KERNCIJFERS[kern_year])
    inwoners = parse.bevolking(bevolking)
    inwoners = inwoners[inwoners["jaar"].isin(years)]
    missing = sorted(set(years) - set(inwoners["jaar"]))
    if missing:
        context.log.warning(f"03759ned has no inwoners for {missing} ({bevolking.bron}): "
                            "wi.bijstandsdichtheid.pw gets no value in those years.")
    kern = parse.kerncijfers(kern_table)
    rows = pd.concat([store.kenmerk(inwoners, "inwoners", "inwoners", f"CBS {BEVOLKING}, BevolkingOp1Januari"),
                      store.dichtheid(inwoners, kern, kern_year, f"CBS {kern_table.table_id}")], ignore_index=True)
    with warehouse.connect() as con:
        replace_rows(con, GEMEENTE_KENMERK, rows,
                           f"{_YEARS} AND kenmerk IN ('inwoners', 'bevolkingsdichtheid')", [years])
    totals = inwoners.groupby("jaar")["inwoners"].agg(["size", "sum"]).reset_index()
    return dg.MaterializeResult(metadata={"bron": _bron([bevolking, kern_table]),
                                          "jaren_zonder_inwoners": str(missing or "geen"),
                                          "per_jaar": markdown_table(totals)})


@dg.asset(**_YEARLY, deps=[cbs_bevolking])
def cbs_bijstand(context: dg.AssetExecutionContext, cbs: CbsResource, warehouse: WarehouseResource):
    """CBS's monthly count of lopende algemene bijstand uitkeringen per gemeente (82015NED, ``cbs_bijstand_maand``)
    and the kenmerk bijstand_per_1000_inwoners (December of the previous year per 1,000 inwoners on 1 January)."""
    years = _years(context)
    table = _table(cbs, BIJSTAND)
    maand = parse.bijstand_maand(table)
    per_1000_source = maand
    maand = maand[maand["month"].map(lambda m: m.year in years)].assign(bron=f"CBS {BIJSTAND}, {table.bron}")
    with warehouse.connect() as con:
        replace_rows(con, CBS_BIJSTAND_MAAND, maand, "year(month) IN (SELECT unnest(?::INTEGER[]))", [years])
        per_1000 = store.bijstand_per_1000(con, per_1000_source, years, f"CBS {BIJSTAND}")
        replace_rows(con, GEMEENTE_KENMERK, per_1000, f"{_YEARS} AND kenmerk = 'bijstand_per_1000_inwoners'",
                           [years])
    return dg.MaterializeResult(metadata={"bron": _bron([table]), "gemeente_maanden": len(maand),
                                          "gemeenten": int(maand["gemeentecode"].nunique()),
                                          "bijstand_per_1000_inwoners": len(per_1000)})


@dg.asset(group_name="cbs", kinds={"duckdb"}, pool="duckdb_write", deps=[cbs_gebieden])
def gemeente_versies(warehouse: WarehouseResource):
    """The gemeente dimension with versions (code, name, valid from, valid to) and the herindelingen crosswalk
    old → new with the share and rule (``gemeente_versie``, ``gemeente_overgang``)."""
    with warehouse.connect() as con:
        indeling = con.execute(f"SELECT jaar, gemeentecode, gemeente_naam FROM {GEMEENTE_INDELING.name}").df()
        versies = herindeling.gemeente_versies(indeling)
        overgangen = herindeling.overgang_frame()
        replace_rows(con, GEMEENTE_VERSIE, versies, "true", [])
        replace_rows(con, GEMEENTE_OVERGANG, overgangen, "true", [])
    splits = overgangen[overgangen["soort"] == "splitsing"]
    return dg.MaterializeResult(metadata={"versies": len(versies), "overgangen": len(overgangen),
                                          "splitsingen": markdown_table(splits)})


CBS_ASSETS = [cbs_gebieden, cbs_referentiegroepen, cbs_bevolking, cbs_bijstand, gemeente_versies]
