"""Dagster resources: the data directory with its keys, and the DuckDB warehouse."""

from divobench_pipeline.resources.home import DivobenchHomeResource
from divobench_pipeline.resources.warehouse import WarehouseResource

__all__ = ["DivobenchHomeResource", "WarehouseResource"]
