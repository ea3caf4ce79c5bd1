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
