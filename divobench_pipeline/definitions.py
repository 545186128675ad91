"""The Dagster code location: ``load_defs`` builds every asset, check, job, sensor and resource."""

from __future__ import annotations

import dagster as dg

from divobench_pipeline.assets import ASSETS
from divobench_pipeline.home import DivobenchHome
from divobench_pipeline.jobs import JOBS
from divobench_pipeline.resources import DivobenchHomeResource, WarehouseResource
from divobench_pipeline.resources.cbs import CbsResource
from divobench_pipeline.sensors import SENSORS


def load_defs(home: DivobenchHome | None = None) -> dg.Definitions:
    """Definitions bound to one data directory (``$DIVOBENCH_HOME`` unless given)."""
    home = (home or DivobenchHome.from_env()).prepare()
    return dg.Definitions(
        assets=ASSETS,
        jobs=JOBS,
        sensors=SENSORS,
        resources={
            "divobench_home": DivobenchHomeResource(root=str(home.root)),
            "warehouse": WarehouseResource(path=str(home.warehouse)),
            "cbs": CbsResource.for_home(home),
        },
    )


defs = load_defs()
