"""Software-defined assets: BUS uploads, staged BUS data and W&I indicators."""

from divobench_pipeline.assets.aanlevering import aanleverstatus
from divobench_pipeline.assets.bus import bus_staged, bus_uploads
from divobench_pipeline.assets.cbs import CBS_ASSETS
from divobench_pipeline.assets.comparisons import wi_groepswaarden
from divobench_pipeline.assets.indicators import wi_indicatoren

ASSETS = [bus_uploads, bus_staged, wi_indicatoren, wi_groepswaarden, aanleverstatus, *CBS_ASSETS]

__all__ = ["ASSETS", "aanleverstatus", "bus_staged", "bus_uploads", "wi_groepswaarden", "wi_indicatoren"]
