"""The BUS layout as the parser uses it: child order per level (as in ``bus.xsd``), slots of the kenmerken in
a record, the staged table of each level and how its columns are typed."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
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
REGISTRATIENUMMER_SLOT = SLOT["uitkering"][7]
_INT64 = pd.Int64Dtype()


def context_columns(level: str) -> list[str]:
    """The columns of a level's table that are not its own kenmerken (gemeentecode, registratienummer, ...)."""
    own = {k.column for k in LEVEL_KENMERKEN[level]}
    return [c for c in TABLES[level].column_names if c not in own and c not in CALLER_COLUMNS]


def typed_columns(table: schemas.Table, data: dict[str, object]) -> dict[str, object]:
    """Columns by name, in the staged table's order (minus the caller's), typed: DATE as datetime64[ns], INTEGER
    as an Int64 array, VARCHAR as an object array."""
    types = {c.name: c.sql_type for c in table.columns}
    columns = {}
    for name in (c for c in table.column_names if c not in CALLER_COLUMNS):
        values = data[name]
        if types[name] == "DATE":
            columns[name] = np.asarray(values, dtype="datetime64[ns]")
        elif types[name] == "INTEGER":
            columns[name] = pd.array(values, dtype=_INT64)
        else:
            columns[name] = np.asarray(values, dtype=object)
    return columns


class StagedTables(Mapping[str, pd.DataFrame]):
    """The staged tables of an accepted upload: typed columns per table (:func:`typed_columns`), and a pandas
    frame of a table only when one is asked for. A national month has 1,710 of them, most small, and building a
    frame costs ~1 ms whatever its size; the Parquet writer takes the columns as they are."""

    def __init__(self, tables: dict[str, dict[str, object]]):
        self._tables = tables
        self._frames: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            self._frames[name] = pd.DataFrame(self._tables[name], copy=False)
        return self._frames[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def columns(self, name: str) -> dict[str, object]:
        return self._tables[name]

    def rows(self, name: str) -> int:
        return len(next(iter(self._tables[name].values())))

    def __repr__(self) -> str:
        return f"StagedTables({', '.join(f'{name}: {self.rows(name)} rows' for name in self._tables)})"


def stripped(text: str | None) -> str | None:
    """A value as the parser keeps it: without surrounding whitespace, None when nothing is left."""
    return (text.strip() or None) if text is not None else None


def picker(positions: list[int]) -> Callable[[list], tuple]:
    """The elements at ``positions`` of a list of children, as a tuple (C-level ``itemgetter``)."""
    if not positions:
        return lambda children: ()
    if len(positions) == 1:
        return lambda children: (children[positions[0]],)
    return operator.itemgetter(*positions)


@dataclass(frozen=True)
class Plan:
    """One checked sequence of child elements: each leaf's slot (None for a child group), which children are
    leaves and which groups, and the column lists its leaves' texts go to and those of the absent kenmerken."""

    slots: tuple[int | None, ...]
    leaves: Callable[[list], tuple]
    groups: Callable[[list], tuple]
    targets: tuple[list, ...]
    absent: tuple[list, ...]

    @classmethod
    def of(cls, slots: tuple[int | None, ...], columns: list[list] | None) -> Plan:
        """``columns``: the level's raw column lists by slot (None for the Levering, whose header is a row)."""
        leaf_slots = [slot for slot in slots if slot is not None]
        columns = columns or []
        return cls(slots, picker([i for i, slot in enumerate(slots) if slot is not None]),
                   picker([i for i, slot in enumerate(slots) if slot is None]),
                   tuple(columns[slot] for slot in leaf_slots) if columns else (),
                   tuple(column for slot, column in enumerate(columns) if slot not in leaf_slots))
