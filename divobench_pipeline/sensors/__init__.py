"""Sensors: the inbox watcher that keeps the warehouse up to date."""

from divobench_pipeline.sensors.cbs import cbs_version_sensor
from divobench_pipeline.sensors.group_status import group_deadline_sensor
from divobench_pipeline.sensors.uploads import bus_upload_sensor

SENSORS = [bus_upload_sensor, group_deadline_sensor, cbs_version_sensor]

__all__ = ["SENSORS", "bus_upload_sensor", "group_deadline_sensor"]
