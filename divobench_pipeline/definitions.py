"""The Dagster code location: every domain's definitions under ``defs/``, bound to one data directory."""

from __future__ import annotations

import importlib

import dagster as dg

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.defs import DOMAINS
from divobench_pipeline.defs.cbs.resources import CbsResource
from divobench_pipeline.orchestration.resources import DivobenchHomeResource, WarehouseResource


def domain_definitions() -> list[dg.Definitions]:
    """``defs`` of each domain folder, in the order of ``DOMAINS``."""
    return [importlib.import_module(f"divobench_pipeline.defs.{name}.definitions").defs for name in DOMAINS]


def load_defs(home: DivobenchHome | None = None) -> dg.Definitions:
    """Definitions bound to one data directory (``$DIVOBENCH_HOME`` unless given)."""
    home = (home or DivobenchHome.from_env()).prepare()
    resources = dg.Definitions(resources={
        "divobench_home": DivobenchHomeResource(root=str(home.root)),
        "warehouse": WarehouseResource(path=str(home.warehouse)),
        "cbs": CbsResource.for_home(home),
    })
    return dg.Definitions.merge(*domain_definitions(), resources)


defs = load_defs()
