"""The settings object: every DIVOBENCH_* variable parsed in one place, with defaults and clear errors."""

from pathlib import Path

import pytest

from divobench_pipeline.core.settings import Settings


def test_defaults_fit_a_national_month_and_tick_every_five_seconds(tmp_path):
    found = Settings.from_env({"DIVOBENCH_HOME": str(tmp_path)})
    assert found.home == tmp_path.resolve() and found.dagster_home is None
    assert found.max_upload_mb * 2**20 > 380 * 10**6  # a national month of BUS XML (engineering notes)
    assert (found.cbs_mode, found.cbs_https, found.sensor_seconds) == ("online", True, 5)
    assert found.cbs_check_seconds == 30 * 24 * 3600


def test_values_and_errors_name_the_variable():
    found = Settings.from_env({"DIVOBENCH_HOME": "/srv/divobench", "DAGSTER_HOME": "/srv/dagster",
                               "DIVOBENCH_MAX_UPLOAD_MB": "2048", "DIVOBENCH_CBS_MODE": " Offline ",
                               "DIVOBENCH_CBS_HTTPS": "0", "DIVOBENCH_SENSOR_SECONDS": "30"})
    assert (found.home, found.dagster_home) == (Path("/srv/divobench"), Path("/srv/dagster"))
    assert (found.max_upload_mb, found.cbs_mode, found.cbs_https, found.sensor_seconds) == (2048, "offline", False, 30)
    with pytest.raises(ValueError, match="DIVOBENCH_MAX_UPLOAD_MB must be a number, not 'veel'"):
        Settings.from_env({"DIVOBENCH_MAX_UPLOAD_MB": "veel"})
    with pytest.raises(ValueError, match="DIVOBENCH_CBS_MODE must be 'online' or 'offline'"):
        Settings.from_env({"DIVOBENCH_CBS_MODE": "soms"})
