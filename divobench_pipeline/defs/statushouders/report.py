"""The load report of a statushouders source (Dutch Markdown under ``reports/bronnen/<source>/``): which files
came in and with which verdict, what is in force, and every deviation the checks found. The newest report is
``laadrapport.md``; each load also keeps its own dated copy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.defs.statushouders.intake import STATUS_NL, SourceReceipt
from divobench_pipeline.defs.statushouders.sources import SPECS


def table(frame: pd.DataFrame, empty: str = "(geen)") -> str:
    """A DataFrame as a Markdown table (all rows: the report is the full record)."""
    if frame.empty:
        return empty
    shown = frame.astype(object).where(frame.notna(), "")
    lines = ["| " + " | ".join(map(str, shown.columns)) + " |", "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |"
              for row in shown.itertuples(index=False)]
    return "\n".join(lines)


def receipts_frame(receipts: list[SourceReceipt]) -> pd.DataFrame:
    return pd.DataFrame([{"bestand": r.original_filename, "status": STATUS_NL[r.status],
                          "levert": ", ".join(r.keys), "rijen": r.rows, "rapport": r.report,
                          "reden": r.reasons[0] if r.reasons else ""} for r in receipts],
                        columns=["bestand", "status", "levert", "rijen", "rapport", "reden"])


def write_load_report(home: DivobenchHome, source: str, received: list[SourceReceipt],
                      sections: list[tuple[str, str | pd.DataFrame]]) -> Path:
    """Write the report of one load; returns the path of ``laadrapport.md``."""
    now = dt.datetime.now(dt.UTC)
    parts = [f"# Laadrapport {SPECS[source].label}", f"Geladen: {now:%Y-%m-%d %H:%M} UTC", "",
             "## Ontvangen bestanden", table(receipts_frame([r for r in received if not r.replay]),
                                             "(geen nieuwe bestanden)")]
    for title, body in sections:
        parts += ["", f"## {title}", body if isinstance(body, str) else table(body)]
    folder = home.reports / "bronnen" / source
    folder.mkdir(parents=True, exist_ok=True)
    text = "\n".join(parts) + "\n"
    (folder / f"laadrapport_{now:%Y%m%dT%H%M%S%f}.md").write_text(text, encoding="utf-8")
    latest = folder / "laadrapport.md"
    latest.write_text(text, encoding="utf-8")
    return latest
