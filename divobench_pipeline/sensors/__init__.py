"""Sensors: the inbox watcher that keeps the warehouse up to date."""

from divobench_pipeline.sensors.cbs import cbs_version_sensor
from divobench_pipeline.sensors.uploads import bus_upload_sensor

SENSORS = [bus_upload_sensor]
SENSORS += [cbs_version_sensor]

__all__ = ["SENSORS", "bus_upload_sensor"]
