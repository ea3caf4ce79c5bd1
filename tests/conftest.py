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


@pytest.fixture
def shared_dir():
    """A fresh directory every user may write (pytest's tmp_path is private to root), removed afterwards."""
    import shutil
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp(prefix='micrograd-test-'))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def unprivileged():
    """run(code, cwd) -> CompletedProcess: Python code run as an unprivileged user with this tree importable.

    As root it runs as nobody:nogroup through setpriv (util-linux, present on Debian);
    as any other user it runs as that user, who is unprivileged already.
    """
    import shutil
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    prefix = []
    if os.geteuid() == 0:
        if shutil.which('setpriv') is None:
            pytest.skip("setpriv (util-linux) is needed to drop root privileges")
        prefix = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups']

    def run(code, cwd):
        env = {**os.environ, 'PYTHONPATH': root, 'PYTHONDONTWRITEBYTECODE': '1'}
        return subprocess.run([*prefix, sys.executable, '-c', code], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=60)
    return run


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
