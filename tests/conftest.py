"""Shared set-up: hypothesis profiles (deterministic "ci" under CI), markers for optional oracles, a PATH without Graphviz."""

import importlib.util
import os
import re

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


# Test files that import an optional package are marked with its name (`pytest -m "not torch"` runs the
# core tests alone) and are left out, with a note, on a machine that lacks it; `make test` installs them all.
OPTIONAL = ('torch', 'graphviz', 'numpy', 'selenium', 'sklearn')


def _optional_imports(path):
    text = path.read_text(encoding='utf-8') if path.suffix == '.py' else ''
    return [name for name in OPTIONAL if re.search(rf'^\s*(import|from) {name}\b', text, re.M)]


def pytest_ignore_collect(collection_path, config):
    missing = [name for name in _optional_imports(collection_path) if importlib.util.find_spec(name) is None]
    if missing:
        print(f"\n{collection_path.name}: not collected, it needs {', '.join(missing)}")
        return True
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        for name in _optional_imports(item.path):
            item.add_marker(name)
