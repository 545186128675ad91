"""Tables in Dagster metadata, as Markdown the UI renders."""

from __future__ import annotations

import dagster as dg
import pandas as pd


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
