"""The plain parts of the reports: control limits (hand-computed), Dutch formats."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from divobench_pipeline.defs.reports.formatting import (
    format_value,
    nl_date,
    nl_euro,
    nl_month,
    nl_number,
    nl_percent,
)
from divobench_pipeline.defs.reports.funnel import Z_95, Z_998, control_limits, position


def test_control_limits_against_a_hand_computed_case():
    # p0 = 0,3, n = 50: se = sqrt(0,3 * 0,7 / 50) = sqrt(0,0042) = 0,0648074;
    # 95 %: 1,959964 * 0,0648074 = 0,127021; 99,8 %: 3,090232 * 0,0648074 = 0,200270.
    assert math.sqrt(0.0042) == pytest.approx(0.0648074, abs=1e-7)
    l95, l998 = control_limits(0.3, 50, Z_95), control_limits(0.3, 50, Z_998)
    assert (l95.lower, l95.upper) == pytest.approx((0.172979, 0.427021), abs=1e-6)
    assert (l998.lower, l998.upper) == pytest.approx((0.099730, 0.500270), abs=1e-6)
    assert position(0.30, 0.3, 50) == "binnen"
    assert position(0.45, 0.3, 50) == "boven_95"
    assert position(0.55, 0.3, 50) == "boven_998"
    assert position(0.15, 0.3, 50) == "onder_95"
    assert position(0.05, 0.3, 50) == "onder_998"


def test_control_limits_are_clipped_to_zero_and_one_and_narrow_with_n():
    # p0 = 0,05, n = 4: half width 95 % = 1,959964 * sqrt(0,0475 / 4) = 1,959964 * 0,108972 = 0,213582,
    # more than 0,05: the lower limit is 0.
    small = control_limits(0.05, 4, Z_95)
    assert small.lower == 0.0 and small.upper == pytest.approx(0.263582, abs=1e-6)
    assert control_limits(0.98, 2, Z_998).upper == 1.0
    assert control_limits(0.3, 5000, Z_95).upper < control_limits(0.3, 50, Z_95).upper
    with pytest.raises(ValueError):
        control_limits(0.3, 0, Z_95)


def test_dutch_number_and_date_formats():
    assert nl_number(1234) == "1.234"
    assert nl_number(1234567.891, 1) == "1.234.567,9"
    assert nl_percent(0.123) == "12,3%"
    assert nl_euro(1258.4) == "€ 1.258"
    assert nl_date(dt.date(2026, 9, 30)) == "30 september 2026"
    assert nl_month(dt.date(2026, 3, 1)) == "maart 2026"
    assert format_value("fractie", 0.5) == "50,0%"
    assert format_value("per 1.000 inwoners", 24.84) == "24,8"
    assert format_value("euro per maand", 1316.2) == "€ 1.316"
    for absent in (None, float("nan")):
        assert nl_number(absent) == nl_percent(absent) == nl_euro(absent) == format_value("uitkeringen", absent) == "–"


def test_text_drawn_from_the_cache_gives_the_pixels_of_plain_agg():
    """The charts' canvas keeps each rendered text; a figure drawn with it, once with an empty cache and once
    from the cache, has the PNG bytes of matplotlib's own Agg canvas."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from divobench_pipeline.defs.reports import agg

    def drawn(make_canvas) -> bytes:
        fig = Figure(figsize=(3, 2))
        make_canvas(fig)
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1])
        ax.set_title("Bedrag € 1.258 – geëindigd", loc="left")
        ax.set_ylabel("bestand")
        fig.text(0.5, 0.5, "12,3%", fontsize=20, fontweight="bold", rotation=30)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()

    agg._text_image.cache_clear()
    plain, first = drawn(FigureCanvasAgg), drawn(agg.Canvas)
    assert agg._text_image.cache_info().currsize > 0
    hits = agg._text_image.cache_info().hits
    assert drawn(agg.Canvas) == first == plain
    assert agg._text_image.cache_info().hits > hits
