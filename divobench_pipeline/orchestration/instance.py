"""The data directory's own Dagster instance."""

from __future__ import annotations

import dagster as dg

from divobench_pipeline.core.home import DivobenchHome


def dagster_instance(home: DivobenchHome) -> dg.DagsterInstance:
    """The data directory's own Dagster instance (``DAGSTER_HOME`` when the environment sets one)."""
    return dg.DagsterInstance.from_config(str(home.dagster_home))
