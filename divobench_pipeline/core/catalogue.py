"""The indicator catalogue: every indicator of every domain, for what reads them all.

Each domain defines its indicators once, in its own registry module (``INDICATORS``, a tuple of objects with
the attributes of ``IndicatorLike``). Group values, exports, the public export, reports and the docs test read
them here, so an indicator added to a domain's registry appears everywhere without further edits. A new
domain adds its registry module to ``REGISTRY_MODULES``.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Protocol

REGISTRY_MODULES: tuple[str, ...] = (
    "divobench_pipeline.defs.wi_indicators.registry",
    "divobench_pipeline.defs.cbs_kerncijfers.registry",
    "divobench_pipeline.defs.questionnaires.registry",
    "divobench_pipeline.defs.statushouders.registry",
)


class IndicatorLike(Protocol):
    """What every indicator carries, whichever domain computes it."""

    code: str
    name: str
    unit_of_measure: str
    description: str
    module: str
    numerator_is_count: bool
    denominator_is_count: bool

    @property
    def has_denominator(self) -> bool: ...


@cache
def all_indicators() -> tuple[IndicatorLike, ...]:
    """Every indicator of every domain, in the order of ``REGISTRY_MODULES`` and of each registry."""
    found = tuple(i for name in REGISTRY_MODULES for i in importlib.import_module(name).INDICATORS)
    codes = [i.code for i in found]
    doubled = sorted({c for c in codes if codes.count(c) > 1})
    if doubled:
        raise RuntimeError(f"indicator codes defined twice: {', '.join(doubled)}")
    return found


def catalogue_entry(code: str) -> IndicatorLike:
    """The indicator with this code; KeyError names it when no domain defines it."""
    for found in all_indicators():
        if found.code == code:
            return found
    raise KeyError(f"unknown indicator {code!r}")


@cache
def pooled_by_comparisons() -> tuple[str, ...]:
    """Codes whose group values the monthly comparisons compute: those of every registry that does not compute
    its own (a registry module with ``OWN_GROUP_VALUES = True``, such as the yearly CBS kerncijfers)."""
    return tuple(i.code for name in REGISTRY_MODULES
                 if not getattr(importlib.import_module(name), "OWN_GROUP_VALUES", False)
                 for i in importlib.import_module(name).INDICATORS)
