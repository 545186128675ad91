"""A report with its charts, in the order every format shows them (dashboard, PDF, Word).

Headline figures for the first page and the infographic come from ``HEADLINE`` when those indicators exist;
everything else is generated from the report's sections, so new indicators need no edits here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from divobench_pipeline.defs.reports.charts import (
    Chart,
    funnel_chart,
    reden_chart,
    spread_chart,
    trend_chart,
    volume_chart,
)
from divobench_pipeline.defs.reports.formatting import nl_month
from divobench_pipeline.defs.reports.model import Block, Report

HEADLINE = ("wi.bestand.pw", "wi.bijstandsdichtheid.pw", "wi.volumeontwikkeling_12m.pw",
            "wi.aandeel_uitstroom_werk.pw", "wi.instroom.pw", "wi.uitstroom.pw")
VOLUME = ("wi.bestand.pw", "wi.instroom.pw", "wi.uitstroom.pw")


@dataclass
class SectionView:
    module: str
    title: str
    blocks: list[Block]
    charts: list[Chart] = field(default_factory=list)
    note: str = ""
    empty: str = ""


@dataclass
class Document:
    report: Report
    headline: list[Block]
    overview: list[Chart]
    sections: list[SectionView]

    @property
    def charts(self) -> list[Chart]:
        return [*self.overview, *(c for s in self.sections for c in s.charts)]

    @property
    def definitions(self) -> list[Block]:
        return self.report.blocks


def build_document(report: Report) -> Document:
    headline = [b for code in HEADLINE if (b := report.block(code)) is not None]
    overview = []
    volume = [report.block(code) for code in VOLUME]
    if all(volume):
        months = [m for m, _, _ in volume[0].trend]
        overview.append(volume_chart(months, *([own for _, own, _ in b.trend] for b in volume)))
    if len(report.reden):
        overview.append(reden_chart(_reden_rows(report), nl_month(report.month)))
    sections = []
    for section in report.sections:
        view = SectionView(section.module, section.title, section.blocks, note=section.note, empty=section.empty)
        with_trend = [b for b in section.blocks if any(o is not None or g is not None for _, o, g in b.trend)]
        key_trends = [b for b in with_trend if b.is_ratio] or with_trend
        if key_trends:
            view.charts.append(trend_chart(f"trend-{section.module}", f"Ontwikkeling: {section.title}", key_trends))
        spread = [b for b in section.blocks if b.is_ratio and any(g.spread for g in b.groups)]
        if spread:
            view.charts.append(spread_chart(f"spreiding-{section.module}", f"Spreiding: {section.title}", spread))
        view.charts += [funnel_chart(b) for b in section.blocks if b.funnel is not None]
        sections.append(view)
    return Document(report, headline, overview, sections)


def _reden_rows(report: Report) -> list[tuple[str, int, int]]:
    """(reden, uitstroom in the report month, uitstroom over the last twelve months), largest first."""
    frame = report.reden
    year = frame.groupby("label")["uitkeringen"].sum()
    current = frame[frame["month"] == pd.Timestamp(report.month)].groupby("label")["uitkeringen"].sum()
    return [(label, int(current.get(label, 0)), int(total))
            for label, total in year.sort_values(ascending=False).items()]
