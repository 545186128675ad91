"""The infographic: one A4 page with the handful of headline figures a wethouder wants, drawn once with
matplotlib as a PDF (real text) and rendered from that PDF to PNG by PDFium, so the two are the same page.
Drawing it a second time with Agg for the PNG cost twice as much as rendering the PDF."""

from __future__ import annotations

import io
import math

import pypdfium2
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from divobench_pipeline.defs.reports.agg import png_bytes
from divobench_pipeline.defs.reports.charts import (
    DPI,
    GREY,
    LANDELIJK,
    OWN,
    TITLE_Y,
    axis_formatter,
    unlabelled,
    wrap_title,
)
from divobench_pipeline.defs.reports.document import Document
from divobench_pipeline.defs.reports.formatting import nl_date, nl_month, nl_month_short

INK = "#1f2933"
MUTED = "#52606d"


def render_infographic(document: Document) -> tuple[bytes, bytes]:
    """(PNG at ``DPI``, PDF) of the one-page infographic."""
    pdf = io.BytesIO()
    _figure(document).savefig(pdf, format="pdf")
    drawn = pypdfium2.PdfDocument(pdf.getvalue())
    try:
        image = drawn[0].render(scale=DPI / 72).to_pil()
    finally:
        drawn.close()
    return png_bytes(image), pdf.getvalue()


def _figure(document: Document) -> Figure:
    report = document.report
    fig = Figure(figsize=(8.27, 11.69))
    fig.text(0.06, 0.955, report.unit_name, fontsize=26, fontweight="bold", color=INK, va="top")
    fig.text(0.06, 0.905, f"Bijstand in {nl_month(report.month)} · benchmark", fontsize=14, color=MUTED, va="top")
    tiles = document.headline[:6]
    for k, block in enumerate(tiles):
        col, row = k % 2, k // 2
        x, y = 0.06 + col * 0.455, 0.70 - row * 0.175
        fig.patches.append(FancyBboxPatch((x, y), 0.425, 0.155, boxstyle="round,pad=0.004,rounding_size=0.01",
                                          transform=fig.transFigure, facecolor="#f5f7fa", edgecolor="#d9dee4"))
        fig.text(x + 0.02, y + 0.135, wrap_title(block.indicator.name, 44), fontsize=10, color=MUTED, va="top")
        fig.text(x + 0.02, y + 0.075, block.own.text, fontsize=30, fontweight="bold", color=OWN, va="center")
        detail = block.own.reason or f"landelijk{'' if block.is_ratio else ' totaal'} {block.landelijk.text}"
        fig.text(x + 0.02, y + 0.022, detail, fontsize=10, color=LANDELIJK, va="center")
    _sparkline(fig, document)
    status = report.status
    upload = report.quality.upload
    fig.text(0.06, 0.045, f"Groepswaarden {status}. Upload ontvangen "
             f"{nl_date(upload.received) if upload else '–'}"
             + (f", kenmerk {upload.kenmerk}" if upload else "") + ".", fontsize=9, color=MUTED)
    fig.text(0.06, 0.028, "Definities en alle vergelijkingen: benchmarkrapport (dashboard, PDF, Word). "
             "Bron bevolking: CBS.", fontsize=8, color=MUTED)
    return fig


def _sparkline(fig: Figure, document: Document) -> None:
    block = document.report.block("wi.bestand.pw")
    if block is None or not block.trend:
        return
    ax = fig.add_axes((0.08, 0.10, 0.86, 0.17))
    unlabelled(ax)
    months = [m for m, _, _ in block.trend]
    own = [math.nan if o is None else o for _, o, _ in block.trend]
    ax.plot(range(len(months)), own, color=OWN, linewidth=2.5, marker="o", markersize=3)
    ax.fill_between(range(len(months)), own, color=OWN, alpha=0.08)
    ax.set_xticks([0, len(months) - 1], [nl_month_short(months[0]), nl_month_short(months[-1])])
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(colors=GREY)
    ax.yaxis.set_major_formatter(axis_formatter(block.indicator.unit_of_measure))
    ax.set_title(f"{block.indicator.name}, laatste {len(months)} maanden", loc="left", fontsize=11, color=INK,
                 y=TITLE_Y)
