"""Shared fixtures: every test gets its own data directory and Dagster instance under tmp_path."""

from __future__ import annotations

import os
import tempfile

import pytest

# Resolving the definitions reads DIVOBENCH_HOME: never let that be the checkout's data directory.
os.environ.setdefault("DIVOBENCH_HOME", tempfile.mkdtemp(prefix="divobench-import-"))

from divobench_pipeline.core.home import ARCHIVE_KEY_ENV, PSEUDONYM_KEY_ENV, DivobenchHome  # noqa: E402


@pytest.fixture
def home(tmp_path, monkeypatch) -> DivobenchHome:
    """A fresh data directory with its own keys and Dagster instance, as the environment of this test.

    CBS is read offline (cache, else the shipped extracts); the CBS tests switch to their own local server.
    """
    root = tmp_path / "divobench_home"
    monkeypatch.setenv("DIVOBENCH_HOME", str(root))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv(PSEUDONYM_KEY_ENV, raising=False)
    monkeypatch.delenv(ARCHIVE_KEY_ENV, raising=False)
    monkeypatch.setenv("DIVOBENCH_CBS_MODE", "offline")
    return DivobenchHome(root).prepare()
