"""The check of one value of a kenmerk: its typed value, or :class:`Invalid` with the melding.

A failed value is shown only through :func:`messages.shown` (never nine digits in a row).
"""

from __future__ import annotations

import datetime
import operator
import re
from collections.abc import Callable

import numpy as np

from divobench_pipeline.defs.bus_uploads.layout import KENMERKEN, Kenmerk
from divobench_pipeline.defs.bus_uploads.messages import shown

_INT32 = 2**31 - 1
_INT32_DIGITS = len(str(_INT32))  # longer numbers are too large (and Python refuses int() of very long ones)

_NINE_DIGITS = re.compile(r"[0-9]{9}")
_INTEGER = re.compile(r"-?[0-9]+")
_DIGITS = re.compile(r"[0-9]+")
_DATE = re.compile(r"[0-9]{8}")
FOUR_DIGITS = re.compile(r"[0-9]{4}")
TWO_DIGITS = re.compile(r"[0-9]{2}")
_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


class Invalid(Exception):
    """A value that fails its kenmerk's check; the argument is the melding."""


def bsn_valid(bsn: str) -> bool:
    """Nine digits passing the 11-proef (weights 9..2 and -1)."""
    return _NINE_DIGITS.fullmatch(bsn) is not None and sum(map(operator.mul, _BSN_WEIGHTS, map(int, bsn))) % 11 == 0


def _code_check(k: Kenmerk) -> Callable[[str], str]:
    allowed = k.allowed_codes()

    def check(raw: str) -> str:
        if raw in allowed:
            return raw
        raise Invalid(f"code {shown(raw)} komt niet voor in de codelijst van {k.label}")
    return check


def _date_check(k: Kenmerk) -> Callable[[str], str]:
    def check(raw: str) -> str:
        if not _DATE.fullmatch(raw):
            raise Invalid(f"{shown(raw)} is geen datum in de vorm jjjjmmdd")
        try:
            datetime.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        except ValueError:
            raise Invalid(f"{shown(raw)} is geen bestaande datum") from None
        if not 1900 <= int(raw[:4]) <= 2099:
            raise Invalid(f"{shown(raw)} ligt niet tussen 1900 en 2099")
        return raw
    return check


def _date_parts(raws: list[str | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of each value that is eight ASCII digits (others: a False mask and zeros)."""
    eight = np.array([isinstance(raw, str) and len(raw) == 8 for raw in raws], dtype=bool)
    codes = np.zeros((len(raws), 8), dtype=np.int64)
    if eight.any():
        codes[eight] = np.array([raws[i] for i in np.flatnonzero(eight)], dtype="U8").view(np.uint32).reshape(-1, 8)
    digits = codes - 48
    eight &= ((digits >= 0) & (digits <= 9)).all(axis=1)
    number = digits @ (10 ** np.arange(7, -1, -1))
    return eight, number // 10_000, number // 100 % 100, number % 100


def checked_dates(raws: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(accepted, values) at once over the column, from one pass over the digits: whether the date check
    (:func:`_date_check`) accepts each value (eight ASCII digits, an existing date, a year from 1900 to 2099),
    and the accepted ones as datetime64[ns], NaT for the others."""
    eight, year, month, day = _date_parts(raws)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 0, 12)] + (leap & (month == 2))
    accepted = eight & (month >= 1) & (month <= 12) & (day >= 1) & (day <= days) & (year >= 1900) & (year <= 2099)
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]").astype("datetime64[D]")
    return accepted, np.where(accepted, months + (day - 1), np.datetime64("NaT")).astype("datetime64[ns]")


def _amount_check(k: Kenmerk) -> Callable[[str], int]:
    def check(raw: str) -> int:
        if not _INTEGER.fullmatch(raw):
            raise Invalid(f"{shown(raw)} is geen bedrag in hele euro's")
        if raw.startswith("-") and k.kind == "amount":
            raise Invalid(f"{shown(raw)} is negatief; dit bedrag kan niet negatief zijn")
        if len(raw.lstrip("-").lstrip("0")) > _INT32_DIGITS or abs(int(raw)) > _INT32:
            raise Invalid(f"{shown(raw)} is te groot voor een bedrag")
        return int(raw)
    return check


def _count_check(k: Kenmerk) -> Callable[[str], int]:
    low, high = k.bounds or (0, _INT32)

    def check(raw: str) -> int:
        if not _DIGITS.fullmatch(raw):
            raise Invalid(f"{shown(raw)} is geen geheel getal")
        if len(raw.lstrip("0")) > _INT32_DIGITS or not low <= int(raw) <= high:
            raise Invalid(f"{shown(raw)} ligt niet tussen {low} en {high}")
        return int(raw)
    return check


def _text_check(k: Kenmerk) -> Callable[[str], str]:
    def check(raw: str) -> str:
        if len(raw) > k.max_length:
            raise Invalid(f"de waarde is langer dan {k.max_length} tekens")
        return raw
    return check


NOT_NINE_DIGITS = "het burgerservicenummer bestaat niet uit 9 cijfers (nummer niet getoond)"
FAILS_11_PROEF = "het burgerservicenummer voldoet niet aan de 11-proef (nummer niet getoond)"


def bsn_problem(raw: str) -> str | None:
    if not _NINE_DIGITS.fullmatch(raw):
        return NOT_NINE_DIGITS
    if not bsn_valid(raw):
        return FAILS_11_PROEF
    return None


def bsn_problems(raws: list[str]) -> np.ndarray:
    """:func:`bsn_problem` of every BSN at once (object array: None or the melding), in numpy over the digits'
    code points: ASCII 0-9 only, as the regular expression, and only values of nine characters are looked at."""
    problems = np.full(len(raws), NOT_NINE_DIGITS, dtype=object)
    nine = np.fromiter(map(len, raws), dtype=np.int64, count=len(raws)) == 9
    if nine.any():
        codes = np.array(raws, dtype=object)[nine].astype("U9").view(np.uint32).reshape(-1, 9).astype(np.int64)
        digits = (codes >= 48) & (codes <= 57)
        passes = digits.all(axis=1) & ((codes - 48) @ np.array(_BSN_WEIGHTS) % 11 == 0)
        problems[np.flatnonzero(nine)[digits.all(axis=1)]] = FAILS_11_PROEF
        problems[np.flatnonzero(nine)[passes]] = None
    return problems


def _value_check(k: Kenmerk) -> Callable[[str], object] | None:
    """The check of a kenmerk's value; None where the value is taken as it is (the Levering header fields,
    checked as reasons to reject, the Registratienummer, kept whatever its length, and the BSN, checked at once)."""
    if k.level == "levering" and k.required or k.nr == 7 or k.kind == "bsn":
        return None
    return {"code": _code_check, "date": _date_check, "amount": _amount_check, "signed": _amount_check,
            "count": _count_check, "text": _text_check}[k.kind](k)


CHECKS = {k.nr: _value_check(k) for k in KENMERKEN}
