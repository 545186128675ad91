"""The infographic: one A4 page with the handful of headline figures a wethouder wants. An HTML page printed by
the report's Chromium (real text in the dashboard's font; the bestand's trend as a picture), and the PNG is that
PDF rendered by PDFium, so the two are the same page. Drawing the page with matplotlib's PDF backend cost twice
as much as printing it (most of it embedding the fonts anew for every page)."""

from __future__ import annotations

import pypdfium2

from divobench_pipeline.defs.reports.agg import png_bytes
from divobench_pipeline.defs.reports.charts import DPI, sparkline_chart
from divobench_pipeline.defs.reports.document import Document
from divobench_pipeline.defs.reports.html import environment

TILES = 6
SPARKLINE = "wi.bestand.pw"


def infographic_html(document: Document) -> str:
    """The page to print: the first ``TILES`` headline figures, the own bestand over the trend months, the
    status of the group values and the upload in force."""
    report = document.report
    block = report.block(SPARKLINE)
    sparkline = sparkline_chart(block) if block is not None and block.trend else None
    return environment().get_template("infographic.html.j2").render(
        r=report, tiles=document.headline[:TILES], sparkline=sparkline, upload=report.quality.upload)


def infographic_png(pdf: bytes) -> bytes:
    """The infographic's printed page (``pdf``) as a PNG at ``DPI``: A4 is 827 × 1169 pixels."""
    drawn = pypdfium2.PdfDocument(pdf)
    try:
        return png_bytes(drawn[0].render(scale=DPI / 72).to_pil())
    finally:
        drawn.close()
