"""Statushouders: the three source assets (CBS cohort, COA taakstelling, KIS) and their indicators."""

import datetime as dt

import dagster as dg
import pandas as pd

from divobench_pipeline.core.warehouse import replace_rows
from divobench_pipeline.defs.cbs.assets import cbs_deps
from divobench_pipeline.defs.statushouders import taakstelling
from divobench_pipeline.defs.statushouders.compute import write_indicators
from divobench_pipeline.defs.statushouders.intake import SourceReceipt, receive_source_file, waiting_files
from divobench_pipeline.defs.statushouders.load import SourceFiles, cbs_rows, coa_rows, kis_rows
from divobench_pipeline.defs.statushouders.planning import fingerprint
from divobench_pipeline.defs.statushouders.report import receipts_frame, write_load_report
from divobench_pipeline.defs.statushouders.tables import COA_TAAKSTELLING, KIS_ANTWOORD, SH_CBS_COHORT, SH_STATE
from divobench_pipeline.orchestration.metadata import markdown_table
from divobench_pipeline.orchestration.resources import DivobenchHomeResource, WarehouseResource

_ASSET = {"group_name": "statushouders", "pool": "duckdb_write"}


def _intake(context, resource: DivobenchHomeResource, source: str) -> list[SourceReceipt]:
    """Receive every file waiting in ``inbox/_<source>/``; rejected ones are quarantined and logged."""
    receipts = [receive_source_file(resource.home, source, path, archive_key=resource.archive_key_bytes())
                for path in waiting_files(resource.home, source)]
    for r in receipts:
        if not r.accepted and not r.replay:
            context.log.warning(f"{source}: {r.original_filename} afgewezen; rapport {r.report}")
    return receipts


def _metadata(received: list[SourceReceipt], report, **extra) -> dict:
    new = [r for r in received if not r.replay]
    return {"ontvangen": len(new), "afgewezen": sum(not r.accepted for r in new),
            "bestanden": markdown_table(receipts_frame(new)), "laadrapport": str(report), **extra}


@dg.asset(**_ASSET, kinds={"csv", "duckdb"})
def sh_cbs_statushouders(context: dg.AssetExecutionContext, divobench_home: DivobenchHomeResource,
                         warehouse: WarehouseResource) -> dg.MaterializeResult:
    """CBS Gemeentelijke benchmark statushouders: every delivery (levering) kept as a vintage in
    ``sh_cbs_cohort``; suppressed cells ('.') stored as unknown (NULL), never 0."""
    received = _intake(context, divobench_home, "cbs_statushouders")
    rows = cbs_rows(SourceFiles(divobench_home.home, divobench_home.archive_key_bytes()))
    with warehouse.connect() as con:
        replace_rows(con, SH_CBS_COHORT, rows, "true", [])
    per = rows.groupby("levering").agg(rijen=("indicator", "size"), gemeenten=("gemeentecode", "nunique"),
                                       teller_onderdrukt=("teller", lambda s: int(s.isna().sum())),
                                       peildata=("peildatum", "nunique")).reset_index()
    report = write_load_report(divobench_home.home, "cbs_statushouders", received,
                               [("Leveringen in het warehouse (de nieuwste telt voor de indicatoren)", per)])
    return dg.MaterializeResult(metadata=_metadata(received, report, leveringen=markdown_table(per),
                                                   nieuwste=str(per["levering"].max()) if len(per) else ""))


COA_CHECKS = [
    dg.AssetCheckSpec("taakstelling_formule", asset="sh_coa_taakstelling",
                      description="taakstelling = ceil(landelijk_aantal × inwoners(gemeente) / inwoners(Nederland)), "
                                  "CBS inwoners op 1 januari van het jaar ervoor (Huisvestingswet 2014 art. 29); "
                                  "herindelingen uitgezonderd."),
    dg.AssetCheckSpec("achterstand_continuiteit", asset="sh_coa_taakstelling",
                      description="achterstand_begin = achterstand_eind van het halfjaar ervoor."),
    dg.AssetCheckSpec("taakstelling_som", asset="sh_coa_taakstelling",
                      description="Σ taakstelling over gemeenten ≥ landelijk aantal (afronden naar boven)."),
]


@dg.asset(**_ASSET, kinds={"csv", "duckdb"}, check_specs=COA_CHECKS, deps=cbs_deps("cbs_bevolking"))
def sh_coa_taakstelling(context: dg.AssetExecutionContext, divobench_home: DivobenchHomeResource,
                        warehouse: WarehouseResource):
    """COA taakstelling huisvesting vergunninghouders per half year (``coa_taakstelling``), checked against the
    law's formula, the continuity of the achterstand and the landelijk aantal. Deviations warn; data is loaded."""
    received = _intake(context, divobench_home, "coa")
    rows = coa_rows(SourceFiles(divobench_home.home, divobench_home.archive_key_bytes()))
    with warehouse.connect() as con:
        replace_rows(con, COA_TAAKSTELLING, rows, "true", [])
        inwoners = con.execute("SELECT jaar, gemeentecode, waarde AS inwoners FROM gemeente_kenmerk "
                               "WHERE kenmerk = 'inwoners'").df()
    formula, unchecked = taakstelling.formula_deviations(rows, inwoners)
    continuity = taakstelling.continuity_deviations(rows)
    sums = taakstelling.sum_deviations(rows)
    report = write_load_report(divobench_home.home, "coa", received, [
        ("Afwijkingen van de formule (gepubliceerd ≠ berekend)", formula),
        ("Niet met de formule gecontroleerd", unchecked),
        ("Achterstand sluit niet aan op het halfjaar ervoor", continuity),
        ("Som taakstelling lager dan het landelijk aantal", sums)])
    for name, found, extra in (("taakstelling_formule", formula, {"niet_gecontroleerd": len(unchecked)}),
                               ("achterstand_continuiteit", continuity, {}), ("taakstelling_som", sums, {})):
        yield dg.AssetCheckResult(check_name=name, passed=found.empty, severity=dg.AssetCheckSeverity.WARN,
                                  metadata={"afwijkingen": len(found), "details": markdown_table(found),
                                            "gecontroleerd_rijen": len(rows), "laadrapport": str(report), **extra})
    periods = rows.groupby("period").agg(gemeenten=("gemeentecode", "size"),
                                          landelijk_aantal=("landelijk_aantal", "max"),
                                          som_taakstelling=("taakstelling", "sum"),
                                          realisatie=("realisatie", "sum")).reset_index()
    yield dg.MaterializeResult(metadata=_metadata(received, report, periodes=markdown_table(periods)))


@dg.asset(**_ASSET, kinds={"csv", "duckdb"})
def sh_kis_beleid(context: dg.AssetExecutionContext, divobench_home: DivobenchHomeResource,
                  warehouse: WarehouseResource) -> dg.MaterializeResult:
    """KIS survey answers (``kis_antwoord``), rebuilt from the accepted files on every run: only gemeenten whose
    participant has ``kis_consent``; the others are dropped and counted, never stored or named."""
    received = _intake(context, divobench_home, "kis")
    rows, dropped = kis_rows(SourceFiles(divobench_home.home, divobench_home.archive_key_bytes()),
                             divobench_home.registry())
    with warehouse.connect() as con:
        replace_rows(con, KIS_ANTWOORD, rows, "true", [])
    stored = pd.DataFrame([{"antwoorden_geladen": len(rows), "gemeenten_geladen": rows["gemeentecode"].nunique(),
                            **dropped}])
    report = write_load_report(divobench_home.home, "kis", received, [
        ("Geladen en niet geladen (geen toestemming of geen deelnemer)", stored)])
    return dg.MaterializeResult(metadata=_metadata(received, report, geladen=len(rows), **dropped))


@dg.asset(**_ASSET, kinds={"duckdb"},
          deps=[sh_cbs_statushouders, sh_coa_taakstelling, sh_kis_beleid,
                *cbs_deps("cbs_gebieden", "cbs_referentiegroepen")])
def sh_indicatoren(context: dg.AssetExecutionContext, divobench_home: DivobenchHomeResource,
                   warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Statushouders indicators (sh.*) per gemeente and participant with the module, and their group values
    pooled over every gemeente of each group (docs/indicators.md)."""
    registry = divobench_home.registry()
    with warehouse.connect() as con:
        written = write_indicators(con, registry)
        state = pd.DataFrame([{"fingerprint": fingerprint(divobench_home.home, registry, con),
                               "computed_at": dt.datetime.now(dt.UTC).replace(tzinfo=None)}])
        replace_rows(con, SH_STATE, state, "true", [])
        with_groups = {y for (y,) in con.execute("SELECT DISTINCT jaar FROM gemeente_groep").fetchall()}
    values, groups = written["values"], written["groups"]
    without = sorted({m.year for m in written["months"]} - with_groups)
    if without:
        context.log.warning(f"No CBS reference groups for {without}: group values of those years pool only the "
                            "participants' gemeenten (landelijk) until the CBS tables of those years are read.")
    summary = values.groupby(["indicator", "level"]).agg(rijen=("unit", "size"),
                                                         met_waarde=("value", "count")).reset_index()
    return dg.MaterializeResult(metadata={"rijen": len(values), "groepswaarden": len(groups),
                                          "jaren_zonder_cbs_groepen": str(without or "geen"),
                                          "per_indicator": markdown_table(summary)})


STATUSHOUDERS_ASSETS = [sh_cbs_statushouders, sh_coa_taakstelling, sh_kis_beleid, sh_indicatoren]
