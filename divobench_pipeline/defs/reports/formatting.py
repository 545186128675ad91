"""Dutch number and date formats for everything a participant reads: ``1.234``, ``12,3%``, ``€ 1.258``,
``30 september 2026``. A value that is absent is shown as ``–`` (never 0); its reason travels next to it."""

from __future__ import annotations

import datetime as dt

from divobench_pipeline.defs.bus_uploads.parser import MAANDEN

MISSING = "–"


def nl_number(value: float | None, decimals: int = 0) -> str:
    """``1234.5`` → ``1.234,5`` (decimals given); None → ``–``."""
    if value is None or value != value:
        return MISSING
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def nl_percent(fraction: float | None, decimals: int = 1) -> str:
    """A fraction 0..1 as a percentage: ``0.123`` → ``12,3%``."""
    return MISSING if fraction is None or fraction != fraction else f"{nl_number(fraction * 100, decimals)}%"


def nl_euro(value: float | None) -> str:
    """Whole euros: ``1258.4`` → ``€ 1.258``."""
    return MISSING if value is None or value != value else f"€ {nl_number(value)}"


def nl_date(day: dt.date | dt.datetime | None) -> str:
    """``30 september 2026``."""
    if day is None:
        return MISSING
    return f"{day.day} {MAANDEN[day.month - 1]} {day.year}"


def nl_month(month: dt.date) -> str:
    """``september 2026``."""
    return f"{MAANDEN[month.month - 1]} {month.year}"


def nl_month_short(month: dt.date) -> str:
    """``sep '26`` for chart axes."""
    return f"{MAANDEN[month.month - 1][:3]} '{month.year % 100:02d}"


def format_value(unit_of_measure: str, value: float | None) -> str:
    """An indicator value in its unit of measure, rounded for reading (exports keep full precision)."""
    if value is None or value != value:
        return MISSING
    if unit_of_measure == "fractie":
        return nl_percent(value)
    if unit_of_measure.startswith("euro"):
        return nl_euro(value)
    if unit_of_measure in ("maanden", "per 1.000 inwoners"):
        return nl_number(value, 1)
    if float(value).is_integer():
        return nl_number(value)
    return nl_number(value, 1)


UNIT_LABELS = {"fractie": "%", "euro per maand": "€ per maand", "euro": "€"}


def unit_label(unit_of_measure: str) -> str:
    return UNIT_LABELS.get(unit_of_measure, unit_of_measure)
