"""Synthetic BSNs from the 999 test range (only 90,909 numbers pass the 11-proef there)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache


def _passes_elfproef(bsn: str) -> bool:
    total = sum(int(c) * w for c, w in zip(bsn, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return total % 11 == 0


@cache
def valid_test_bsns() -> tuple[str, ...]:
    """Every 999xxxxxx number that passes the 11-proef (weights 9..2, -1)."""
    out = []
    base = 9 * 9 + 8 * 9 + 7 * 9
    for n in range(100000):
        digits = f"{n:05d}"
        s = base + sum(int(c) * w for c, w in zip(digits, (6, 5, 4, 3, 2), strict=True))
        check = s % 11
        if check < 10:
            out.append(f"999{digits}{check}")
    return tuple(out)


class BsnSource:
    """A gemeente's own walk through a shuffled list of test BSNs, starting at its own offset."""

    __slots__ = ("_pool", "_offset", "_used", "_gm")

    def __init__(self, pool: Sequence[str], offset: int, gm: str):
        self._pool, self._offset, self._used, self._gm = pool, offset, 0, gm

    def next(self) -> str:
        if self._used >= len(self._pool):
            raise ValueError(f"{self._gm} needs more than the {len(self._pool)} BSNs of the 999 test range: "
                             "lower the scale or the number of months")
        bsn = self._pool[(self._offset + self._used) % len(self._pool)]
        self._used += 1
        return bsn


def invalid_bsn(bsn: str) -> str:
    """The same 999 number with another last digit: it then fails the 11-proef."""
    last = int(bsn[-1])
    return bsn[:-1] + str((last + 1 + int(bsn[-2]) % 8) % 10)
