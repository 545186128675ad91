"""The Dagster code location: every domain's definitions under ``defs/``, bound to one data directory.

Importing it prepares nothing: the data directory, its keys and ``dagster.yaml`` are made by the commands
(``divobench serve``, ``refresh``, ...) or by the resources when a run or sensor first uses them.
"""

from __future__ import annotations

import importlib

import dagster as dg

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.defs import DOMAINS
from divobench_pipeline.defs.cbs.resources import CbsResource
from divobench_pipeline.orchestration.metadata import with_column_schemas
from divobench_pipeline.orchestration.resources import DivobenchHomeResource, WarehouseResource
from divobench_pipeline.orchestration.sensor import build_pipeline_sensor


def domain_definitions() -> list[dg.Definitions]:
    """``defs`` of each domain folder, in the order of ``DOMAINS``."""
    return [importlib.import_module(f"divobench_pipeline.defs.{name}.definitions").defs for name in DOMAINS]


def load_defs(home: DivobenchHome | None = None) -> dg.Definitions:
    """Definitions bound to one data directory (``$DIVOBENCH_HOME`` unless given), with the pipeline sensor
    over every domain's jobs."""
    home = home or DivobenchHome.from_env()
    domains = domain_definitions()
    jobs = [job for domain in domains for job in (domain.jobs or [])]
    shared = dg.Definitions(sensors=[build_pipeline_sensor(jobs)], resources={
        "divobench_home": DivobenchHomeResource(root=str(home.root)),
        "warehouse": WarehouseResource(database=str(home.warehouse)),
        "cbs": CbsResource.for_home(home),
    })
    return with_column_schemas(dg.Definitions.merge(*domains, shared))


defs = load_defs()
