"""Tables in Dagster metadata: Markdown the UI renders, and the schema registry's column schema per asset."""

from __future__ import annotations

import dagster as dg
import pandas as pd

from divobench_pipeline.core.schemas import Table, all_tables


def markdown_table(frame: pd.DataFrame, *, empty: str = "(geen)", limit: int = 200) -> dg.MetadataValue:
    if frame.empty:
        return dg.MetadataValue.md(empty)
    shown = frame.head(limit).astype(object).where(frame.head(limit).notna(), "")
    lines = ["| " + " | ".join(map(str, shown.columns)) + " |", "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |"
              for row in shown.itertuples(index=False)]
    if len(frame) > limit:
        lines.append(f"\n… and {len(frame) - limit} more rows")
    return dg.MetadataValue.md("\n".join(lines))


ASSET_TABLE: dict[str, str] = {
    "aanleverstatus": "aanleverstatus", "buig_budgetten": "buig_budget", "cbs_bevolking": "gemeente_kenmerk",
    "cbs_bijstand": "cbs_bijstand_maand", "cbs_gebieden": "gemeente_indeling", "cbs_kerncijfers": "cbs_kerncijfer",
    "cbs_kerncijfers_groepswaarden": "group_value", "cbs_referentiegroepen": "gemeente_groep",
    "gemeente_versies": "gemeente_versie", "sh_cbs_statushouders": "sh_cbs_cohort",
    "sh_coa_taakstelling": "coa_taakstelling", "sh_indicatoren": "indicator_value", "sh_kis_beleid": "kis_antwoord",
    "vragenlijst_aanleverstatus": "questionnaire_status", "vragenlijst_antwoorden": "questionnaire_answer",
    "vragenlijst_indicatoren": "indicator_value", "wi_groepswaarden": "group_value",
    "wi_indicatoren": "indicator_value",
}
"""Asset → the warehouse table it writes (assets writing several tables, such as ``bus_staged``, are left out)."""


def column_schema(table: Table) -> dg.TableSchema:
    """The registry entry as Dagster's column schema: type, nullability, description with the unit."""
    return dg.TableSchema(columns=[
        dg.TableColumn(c.name, c.sql_type, description=c.comment or None,
                       constraints=dg.TableColumnConstraints(nullable=c.nullable))
        for c in table.columns])


def with_column_schemas(defs: dg.Definitions) -> dg.Definitions:
    """``defs`` with ``dagster/column_schema`` (and ``dagster/table_name``) on every asset in ``ASSET_TABLE``, so
    the UI shows each column's description and unit from the schema registry."""
    tables = {t.name: t for t in all_tables()}

    def add(spec: dg.AssetSpec) -> dg.AssetSpec:
        table = tables.get(ASSET_TABLE.get(spec.key.to_user_string(), ""))
        if table is None:
            return spec
        return spec.merge_attributes(metadata={"dagster/column_schema": column_schema(table),
                                               "dagster/table_name": table.name})

    return defs.map_asset_specs(func=add)
