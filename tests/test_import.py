"""Importing the code location has no side effects: no data directory, key or dagster.yaml appears until a
command or a resource needs them."""

from __future__ import annotations

import subprocess
import sys

from processes import clean_env


def test_importing_the_definitions_creates_no_file_folder_or_key(tmp_path):
    home = tmp_path / "home"
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    code = ("import divobench_pipeline.definitions as d; repo = d.defs.get_repository_def(); "
            "print(sorted(s.name for s in repo.sensor_defs))")
    done = subprocess.run([sys.executable, "-c", code], env=clean_env(home), cwd=cwd, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['bus_upload_sensor', 'cbs_version_sensor', 'group_deadline_sensor']"
    assert not home.exists()
    assert list(cwd.iterdir()) == []
    assert "key" not in done.stderr


def test_a_command_prepares_the_data_directory_with_its_instance_configuration(tmp_path):
    home = tmp_path / "home"
    done = subprocess.run([sys.executable, "-m", "divobench_pipeline", "retry"], env=clean_env(home), cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    dagster_yaml = (home / "dagster" / "dagster.yaml").read_text()
    assert "nux:\n  enabled: false" in dagster_yaml and "default_limit: 1" in dagster_yaml
    assert sorted(p.name for p in (home / "keys").iterdir()) == ["divobench_archive_key.key",
                                                                 "divobench_pseudonym_key.key"]
