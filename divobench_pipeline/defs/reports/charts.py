"""Charts of a report, drawn with matplotlib (Agg) into PNG, each with the table of the same numbers.

Colours: the Okabe–Ito palette, distinguishable with every common form of colour blindness; the participant is
always the same orange-red, landelijk always blue, and lines differ in style and marker too, not only in colour.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator, NullLocator  # noqa: E402

from divobench_pipeline.defs.reports.agg import Canvas, canvas, png  # noqa: E402
from divobench_pipeline.defs.reports.formatting import (  # noqa: E402
    format_value,
    nl_month,
    nl_month_short,
    nl_number,
)
from divobench_pipeline.defs.reports.funnel import Z_95, Z_998, control_limits  # noqa: E402

OWN = "#D55E00"       # vermillion
LANDELIJK = "#0072B2"  # blue
GREY = "#999999"
LIMIT_95 = "#E69F00"   # orange
LIMIT_998 = "#009E73"  # bluish green
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
DPI = 100
TITLE_Y = 1.0  # axes titles at a fixed height: nothing is drawn above an axes, and matplotlib's automatic title
# placement measures every tick label of the axes to find that out (a tenth of drawing a chart)
matplotlib.rcParams.update({"font.family": "DejaVu Sans", "font.size": 8, "axes.spines.top": False,
                            "axes.spines.right": False, "axes.titlesize": 8.5, "svg.fonttype": "none"})


@dataclass
class Chart:
    """One chart: its PNG and the table of the numbers it shows (header row + rows of text)."""

    key: str
    title: str
    caption: str
    png: bytes
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def _bars(ax, boxes: list[tuple[float, float, float, float]], sticky: tuple, **style) -> None:
    """Bars (x0, y0, x1, y1) as one collection, drawn in one call; ``ax.bar`` makes, places and draws a patch
    per bar (a third of drawing a bar chart). ``sticky``: (x, y) the axis ends at, as a bar's base, or None."""
    bars = PolyCollection([[(x0, y0), (x0, y1), (x1, y1), (x1, y0)] for x0, y0, x1, y1 in boxes],
                          linewidths=matplotlib.rcParams["patch.linewidth"], **style)
    for edges, at in zip((bars.sticky_edges.x, bars.sticky_edges.y), sticky, strict=True):
        if at is not None:
            edges.append(at)
    ax.add_collection(bars)
    ax.autoscale_view()


def _png(fig: Figure) -> bytes:
    fig.canvas.draw()
    return png(fig.canvas)


@lru_cache(maxsize=32)
def _frame(kind: str, shape: tuple, build) -> Figure:
    """A chart's figure with its axes, made once per process for each ``kind`` and ``shape`` and reused for
    every participant (a fresh figure and its axes, ticks and spines cost about a third of drawing a chart).
    Axis labels are set by ``build``: an axis without one then gets a fixed label place (``unlabelled``)."""
    fig = canvas(build(*shape))
    fig.set_dpi(DPI)
    for ax in fig.axes:
        unlabelled(ax)
    return fig


def unlabelled(ax) -> None:
    """Fix the place of ``ax``'s empty axis labels. Otherwise matplotlib places each label, drawn or not, by
    measuring every tick label of the axis and of its siblings at every draw (~5 % of drawing a chart)."""
    for axis in (ax.xaxis, ax.yaxis):
        if not axis.label.get_text():
            axis.set_label_coords(0.5, 0.5)


def _cleared(fig: Figure) -> Figure:
    """``fig`` without what the previous participant drew: its lines, bars (and their containers, which feed
    the legend), collections and legends, and the data limits they set. Axes, layout, titles and ticks stay;
    each chart sets them again. Tested: a reused figure gives the same PNG bytes as a fresh one."""
    for legend in list(fig.legends):
        legend.remove()
    for ax in fig.axes:
        for container in list(ax.containers):
            container.remove()
        for artist in [*ax.lines, *ax.collections, *ax.patches]:
            artist.remove()
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        ax.relim()
        ax.set_autoscale_on(True)
    return fig


class _DutchFormatter(Formatter):
    """Tick labels in Dutch notation, with as many decimals as the axis span needs (percentages for fractions)."""

    def __init__(self, unit_of_measure: str):
        self.scale = 100 if unit_of_measure == "fractie" else 1
        self.suffix = "%" if unit_of_measure == "fractie" else ""

    def __call__(self, value, pos=None):
        low, high = self.axis.get_view_interval() if self.axis is not None else (0, 1)
        span = abs(high - low) * self.scale or 1
        decimals = min(2, max(0, 1 - math.floor(math.log10(span))))
        return f"{nl_number(value * self.scale, decimals)}{self.suffix}"


def axis_formatter(unit_of_measure: str) -> Formatter:
    return _DutchFormatter(unit_of_measure)


def volume_chart(months, bestand, instroom, uitstroom) -> Chart:
    """Bestand algemene bijstand (line, left axis) and in- and uitstroom (bars, right axis) per month."""
    fig = _cleared(_frame("volume", (), _volume_figure))
    ax, flows = fig.axes
    x = list(range(len(months)))
    ax.plot(x, [math.nan if v is None else v for v in bestand], color=OWN, marker="o", markersize=3,
            label="Bestand (uitkeringen)")
    ax.yaxis.set_major_formatter(axis_formatter("uitkeringen"))
    width = 0.4
    _bars(flows, [(i - width, 0, i, v or 0) for i, v in zip(x, instroom, strict=True)], (None, 0),
          facecolor=LANDELIJK, edgecolor="none", label="Instroom")
    _bars(flows, [(i, 0, i + width, v or 0) for i, v in zip(x, uitstroom, strict=True)], (None, 0),
          facecolor=LIMIT_95, edgecolor="none", hatch="//", label="Uitstroom")
    ax.set_xticks(x[::3], [nl_month_short(m) for m in months[::3]])
    handles = ax.get_legend_handles_labels()[0] + flows.get_legend_handles_labels()[0]
    fig.legend(handles=handles, loc="upper center", ncol=3, frameon=False)
    rows = [[nl_month(m), format_value("uitkeringen", b), format_value("uitkeringen", i),
             format_value("uitkeringen", u)] for m, b, i, u in zip(months, bestand, instroom, uitstroom, strict=True)]
    return Chart("volume", "Bestand, instroom en uitstroom algemene bijstand",
                 "Aantal lopende uitkeringen op de peildatum en de in- en uitstroom per maand.", _png(fig),
                 ["Maand", "Bestand", "Instroom", "Uitstroom"], rows)


def _volume_figure() -> Figure:
    fig = Figure(figsize=(7.2, 2.8))
    fig.subplots_adjust(left=0.09, right=0.91, top=0.86, bottom=0.1)
    ax = fig.add_subplot()
    ax.set_ylabel("bestand")
    flows = ax.twinx()
    flows.set_ylabel("in- en uitstroom")
    flows.spines["right"].set_visible(True)
    ax.set_zorder(flows.get_zorder() + 1)
    ax.patch.set_visible(False)
    return fig


def trend_chart(key: str, title: str, blocks) -> Chart:
    """Small multiples: each indicator of a section over the trend months, own value against landelijk.

    Ratios are shown as they are; for counts and sums (a landelijk total is not comparable with one unit) both
    series are an index, the first month with a value = 100.
    """
    fig = _cleared(_frame("trend", (len(blocks),), _trend_figure))
    axes = fig.axes
    table = []
    for k, ax in enumerate(axes):
        if k >= len(blocks):
            continue
        block = blocks[k]
        months = [m for m, _, _ in block.trend]
        own = [o for _, o, _ in block.trend]
        land = [g for _, _, g in block.trend]
        if not block.is_ratio:
            own, land = _index(own), _index(land)
        x = list(range(len(months)))
        ax.plot(x, [math.nan if v is None else v for v in own], color=OWN, marker="o", markersize=2, label="eigen")
        ax.plot(x, [math.nan if v is None else v for v in land], color=LANDELIJK, linestyle="--", label="landelijk")
        ax.set_title(wrap_title(block.indicator.name + ("" if block.is_ratio else " (index)")), loc="left", y=TITLE_Y)
        ax.yaxis.set_major_formatter(axis_formatter(block.indicator.unit_of_measure if block.is_ratio else ""))
        ax.set_xticks([x[0], x[-1]], [nl_month_short(months[0]), nl_month_short(months[-1])])
        unit = block.indicator.unit_of_measure
        for m, o, g in block.trend:
            table.append([block.indicator.name, nl_month(m), format_value(unit, o), format_value(unit, g)])
        ax.yaxis.set_major_locator(MaxNLocator(4))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=2, frameon=False)
    return Chart(key, title, "Eigen waarde (doorgetrokken) tegen landelijk (gestreept) per maand; "
                 "aantallen als index (eerste maand = 100).", _png(fig),
                 ["Indicator", "Maand", "Eigen", "Landelijk"], table)


def _trend_figure(count: int) -> Figure:
    """Three small multiples a row; the cells after the last of ``count`` stay empty."""
    cols = 3
    rows_n = math.ceil(count / cols)
    inches = 0.35 + 1.75 * rows_n
    fig = Figure(figsize=(7.2, inches))
    fig.subplots_adjust(left=0.08, right=0.98, top=1 - 0.55 / inches, bottom=0.3 / inches, hspace=0.75, wspace=0.35)
    for k, ax in enumerate(fig.subplots(rows_n, cols, squeeze=False).flat):
        if k >= count:
            ax.set_axis_off()
    return fig


def sparkline_chart(block) -> Chart:
    """The infographic's trend: the own value of ``block`` over the trend months, a filled line (its numbers are
    the trend chart's table in the report)."""
    fig = _cleared(_frame("sparkline", (), _sparkline_figure))
    ax = fig.axes[0]
    months = [m for m, _, _ in block.trend]
    own = [math.nan if o is None else o for _, o, _ in block.trend]
    x = list(range(len(months)))
    ax.plot(x, own, color=OWN, linewidth=2.5, marker="o", markersize=3)
    ax.fill_between(x, own, color=OWN, alpha=0.08)
    ax.set_xticks([0, x[-1]], [nl_month_short(months[0]), nl_month_short(months[-1])])
    ax.yaxis.set_major_formatter(axis_formatter(block.indicator.unit_of_measure))
    return Chart("sparkline", f"{block.indicator.name}, laatste {len(months)} maanden",
                 "Eigen waarde per maand (de tabel staat in het benchmarkrapport).", _png(fig))


def _sparkline_figure() -> Figure:
    fig = Figure(figsize=(7.3, 2.1))
    fig.subplots_adjust(left=0.08, right=0.98, top=0.97, bottom=0.13)
    fig.add_subplot().tick_params(colors=GREY)
    return fig


def wrap_title(text: str, width: int = 30) -> str:
    """A title over at most two lines of about ``width`` characters."""
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width)
    cut = cut if cut > 0 else width
    return text[:cut] + "\n" + wrap_title(text[cut:].strip(), width * 2)[: width + 3]


def _index(series):
    base = next((v for v in series if v not in (None, 0)), None)
    return [None if v is None or base is None else 100 * v / base for v in series]


SPREAD_COLUMNS = 3


def spread_chart(key: str, title: str, blocks) -> Chart:
    """Per ratio indicator, three a row: for every group compared with, the range (whisker), the quartiles (box)
    and the median (tick) over the group's units, and the own value as a vertical line. The indicators of a row
    share their group labels, written once at its left (a label per indicator was most of drawing this chart)."""
    rows = [blocks[k:k + SPREAD_COLUMNS] for k in range(0, len(blocks), SPREAD_COLUMNS)]
    keys = [list(dict.fromkeys((g.group_type, g.group_code) for b in row for g in b.groups if g.spread))
            for row in rows]
    fig = _cleared(_frame("spread", (len(blocks), *(max(1, len(k)) for k in keys)), _spread_figure))
    columns = min(len(blocks), SPREAD_COLUMNS)
    table = []
    for r, (row, row_keys) in enumerate(zip(rows, keys, strict=True)):
        labels = {}
        for ax, block in zip(fig.axes[r * columns:], row, strict=False):
            groups = [g for g in block.groups if g.spread]
            labels.update({(g.group_type, g.group_code): g.label for g in groups})
            _spread_axes(ax, block, groups, [row_keys.index((g.group_type, g.group_code)) for g in groups])
            for group in groups:
                table.append([block.indicator.name, group.label, *group.spread_text, block.own.text, group.place])
        first = fig.axes[r * columns]
        first.set_yticks(range(len(row_keys)), [textwrap.fill(labels[k], 24) for k in row_keys])
        first.set_ylim(len(row_keys) - 0.5, -0.5)
    return Chart(key, title, "Spreiding over de gemeenten van elke groep: lijn = kleinste tot grootste waarde, "
                 "blok = middelste helft (kwartielen), zwarte streep = mediaan; de oranjerode lijn is de eigen waarde.",
                 _png(fig), ["Indicator", "Groep", "Minimum", "Q1", "Mediaan", "Q3", "Maximum", "Eigen", "Plaats"],
                 table)


def _spread_axes(ax, block, groups, ys: list[int]) -> None:
    low, q1, med, q3, high = zip(*(g.spread for g in groups), strict=True) if groups else ((),) * 5
    ax.hlines(ys, low, high, color=GREY, linewidth=1)
    _bars(ax, [(a, y - 0.275, b, y + 0.275) for a, b, y in zip(q1, q3, ys, strict=True)], (None, None),
          facecolor=PALETTE[4], edgecolor=LANDELIJK)
    ax.vlines(med, [y - 0.3 for y in ys], [y + 0.3 for y in ys], color="#000000", linewidth=1.5)
    if block.own.value is not None:
        ax.axvline(block.own.value, color=OWN, linewidth=2)
    ax.set_title(textwrap.fill(block.indicator.name, 22), loc="left", y=TITLE_Y)
    ax.xaxis.set_major_formatter(axis_formatter(block.indicator.unit_of_measure))
    ax.xaxis.set_major_locator(MaxNLocator(4))


def _spread_figure(count: int, *heights: int) -> Figure:
    """``count`` axes, ``SPREAD_COLUMNS`` a row sharing their y axis, each row as high as its number of groups;
    the cells after the last stay empty."""
    columns = min(count, SPREAD_COLUMNS)
    inches = 0.25 + sum(0.3 * h + 0.85 for h in heights)
    fig = Figure(figsize=(7.2, inches))
    fig.subplots_adjust(left=0.24, right=0.98, top=1 - 0.55 / inches, bottom=0.25 / inches,
                        hspace=0.85 / (0.3 * sum(heights) / len(heights)), wspace=0.2)
    grid = fig.subplots(len(heights), columns, squeeze=False, sharey="row", gridspec_kw={"height_ratios": heights})
    for k, ax in enumerate(grid.flat):
        if k >= count:
            ax.set_axis_off()
    return fig


def funnel_chart(block) -> Chart:
    """Every benchmark unit's value against its denominator, with 95 % and 99,8 % control limits around the
    landelijk value; the participant highlighted, others unlabelled."""
    funnel = block.funnel
    ns = [n for n, _ in funnel.points] + ([funnel.own[0]] if funnel.own else [])
    base = _funnel_base(funnel.p0, tuple(funnel.points), max(ns) * 1.05 if ns else 10.0)
    rows = []
    if funnel.own:
        n = funnel.own[0]
        l95, l998 = control_limits(funnel.p0, n, Z_95), control_limits(funnel.p0, n, Z_998)
        rows.append([nl_number(n), format_value("fractie", funnel.own[1]), format_value("fractie", funnel.p0),
                     f"{format_value('fractie', l95.lower)} – {format_value('fractie', l95.upper)}",
                     f"{format_value('fractie', l998.lower)} – {format_value('fractie', l998.upper)}"])
    return Chart(f"funnel-{block.indicator.code}", f"Trechterplot: {block.indicator.name}", funnel.text,
                 base.png_with(funnel.own), ["Noemer", "Eigen waarde", "Landelijk", "95%-grenzen", "99,8%-grenzen"],
                 rows)


class _FunnelBase:
    """A funnel plot drawn once per month and indicator (every unit, the limits, landelijk); each participant's
    own point is drawn onto a copy of it (matplotlib blitting), so a month's funnels cost one full draw."""

    def __init__(self, p0: float, points: tuple[tuple[float, float], ...], top: float):
        self.fig = Figure(figsize=(7.2, 3.0))
        self.canvas = Canvas(self.fig)
        self.fig.subplots_adjust(left=0.09, right=0.98, top=0.95, bottom=0.15)
        ax = self.ax = self.fig.add_subplot()
        grid = [1 + (top - 1) * (k / 200) ** 2 for k in range(201)]
        ax.scatter([n for n, _ in points], [v for _, v in points], s=9, color=GREY, alpha=0.6,
                   label="gemeenten in de benchmark")
        for z, colour, style, label in ((Z_95, LIMIT_95, "--", "95%-grenzen"),
                                        (Z_998, LIMIT_998, ":", "99,8%-grenzen")):
            limits = [control_limits(p0, n, z) for n in grid]
            ax.plot(grid, [lim.upper for lim in limits], color=colour, linestyle=style, label=label)
            ax.plot(grid, [lim.lower for lim in limits], color=colour, linestyle=style)
        ax.axhline(p0, color=LANDELIJK, linewidth=1, label=f"landelijk {format_value('fractie', p0)}")
        ax.plot([], [], color=OWN, marker="D", linestyle="none", label="eigen waarde")
        ax.set_xscale("log")
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlim(0.8, top)
        ax.set_ylim(-0.02, 1.02)
        ax.yaxis.set_major_formatter(axis_formatter("fractie"))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: nl_number(v)))
        ax.set_xlabel("noemer (aantal, logaritmische schaal)")
        ax.legend(loc="upper right", fontsize=7, frameon=False, ncol=2)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        self.own = ax.scatter([], [], s=60, color=OWN, marker="D", zorder=5, animated=True)

    def png_with(self, own: tuple[float, float] | None) -> bytes:
        self.canvas.restore_region(self.background)
        if own is not None:
            self.own.set_offsets([own])
            self.ax.draw_artist(self.own)
        return png(self.canvas)


@lru_cache(maxsize=8)
def _funnel_base(p0: float, points: tuple[tuple[float, float], ...], top: float) -> _FunnelBase:
    return _FunnelBase(p0, points, top)


def reden_chart(reden_rows: list[tuple[str, int, int]], month_label: str) -> Chart:
    """Uitstroom by reden beëindiging: this month and the last twelve months."""
    fig = _cleared(_frame("reden", (len(reden_rows),), _reden_figure))
    ax = fig.axes[0]
    labels = [r[0] for r in reden_rows]
    _bars(ax, [(0, y - 0.4, r[2], y + 0.4) for y, r in enumerate(reden_rows)], (0, None), facecolor=PALETTE[4],
          edgecolor=LANDELIJK, label="laatste 12 maanden")
    _bars(ax, [(0, y - 0.2, r[1], y + 0.2) for y, r in enumerate(reden_rows)], (0, None), facecolor=OWN,
          edgecolor="none", label=month_label)
    ax.set_yticks(range(len(labels)), [label if len(label) <= 48 else label[:46] + "…" for label in labels])
    ax.xaxis.set_major_formatter(axis_formatter("uitkeringen"))
    ax.legend(loc="lower right", frameon=False)
    total = sum(r[2] for r in reden_rows) or 1
    rows = [[label, nl_number(now), nl_number(year), f"{nl_number(100 * year / total, 1)}%"]
            for label, now, year in reden_rows]
    return Chart("reden", "Uitstroom naar reden beëindiging",
                 f"Beëindigde uitkeringen algemene bijstand naar reden: {month_label} en de laatste 12 maanden.",
                 _png(fig), ["Reden beëindiging", month_label, "12 maanden", "Aandeel (12 mnd)"], rows)


def _reden_figure(count: int) -> Figure:
    """One bar a reden, the first at the top."""
    inches = 0.6 + 0.28 * max(1, count)
    fig = Figure(figsize=(7.2, inches))
    fig.subplots_adjust(left=0.45, right=0.97, top=1 - 0.1 / inches, bottom=0.35 / inches)
    fig.add_subplot().invert_yaxis()
    return fig
