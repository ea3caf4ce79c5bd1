"""Shared set-up: hypothesis profiles (deterministic "ci" under CI) and a PATH without Graphviz."""

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def no_dot(tmp_path, monkeypatch):
    """A PATH without Graphviz's dot program; returns the environment for subprocesses."""
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return {**os.environ}
