"""The BUS layout as the parser uses it: child order per level (as in ``bus.xsd``), slots of the kenmerken in
a record, the staged table of each level and how its columns are typed."""

from __future__ import annotations

import pandas as pd

from divobench_pipeline.core import schemas
from divobench_pipeline.defs.bus_uploads.layout import GROUP_ELEMENTS, Kenmerk, by_element, kenmerk, kenmerken_of

CALLER_COLUMNS = ("month", "participant_id", "upload_sha256")
TABLES = {"uitkering": schemas.BUS_UITKERING, "persoon": schemas.BUS_PERSOON,
          "vermindering": schemas.BUS_VERMINDERING, "inkomsten": schemas.BUS_INKOMSTEN}
PARENT_LEVEL = {"uitkering": "levering", "persoon": "uitkering", "vermindering": "persoon", "inkomsten": "persoon"}
_FREE_ORDER_FROM = {"uitkering": 8}


def _child_order(level: str) -> dict[str, tuple[int, int | None]]:
    """Element name to (position, kenmerk nr) as in bus.xsd; a child group sits at its first kenmerk, nr None.

    Within an Uitkering every kenmerk after the Registratienummer shares one position (any order)."""
    def position(k: Kenmerk) -> int:
        return min(k.nr, _FREE_ORDER_FROM[level]) if level in _FREE_ORDER_FROM else k.nr

    order: dict[str, tuple[int, int | None]] = {name: (position(k), k.nr) for name, k in by_element(level).items()}
    for element, child in GROUP_ELEMENTS.items():
        if PARENT_LEVEL.get(child) == level:
            order[element] = (min(k.nr for k in kenmerken_of(child)), None)
    return order


LEVELS = ("levering", *PARENT_LEVEL)
ORDER = {level: _child_order(level) for level in LEVELS}
LEVEL_KENMERKEN = {level: kenmerken_of(level) for level in LEVELS}
SLOT = {level: {k.nr: slot for slot, k in enumerate(LEVEL_KENMERKEN[level])} for level in LEVELS}
REQUIRED_SIGNALED = {level: tuple(k.nr for k in LEVEL_KENMERKEN[level] if k.required and k.nr != 7)
                     for level in ("uitkering", "persoon")}
REGISTRATIENUMMER = kenmerk(7)
BSN_SLOT = SLOT["persoon"][18]
REGISTRATIENUMMER_SLOT = SLOT["uitkering"][7]


def context_columns(level: str) -> list[str]:
    """The columns of a level's table that are not its own kenmerken (gemeentecode, registratienummer, ...)."""
    own = {k.column for k in LEVEL_KENMERKEN[level]}
    return [c for c in TABLES[level].column_names if c not in own and c not in CALLER_COLUMNS]



def frame(table: schemas.Table, data: dict[str, object]) -> pd.DataFrame:
    """Columns to a frame with the staged table's columns (minus the caller's) and types."""
    types = {c.name: c.sql_type for c in table.columns}
    frame = {}
    for name in (c for c in table.column_names if c not in CALLER_COLUMNS):
        values = data[name]
        if types[name] == "DATE":
            frame[name] = pd.Series(values, dtype="datetime64[ns]")
        elif types[name] == "INTEGER":
            frame[name] = pd.Series(pd.array(values, dtype="Int64"))
        else:
            frame[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(frame)
