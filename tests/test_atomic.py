"""Atomic file writes: all of the new file or all of the old one, with normal permissions."""

import os
import stat

import pytest

from micrograd.atomic import write_atomically


def test_writes_the_file_with_the_permissions_open_would_give(tmp_path):
    target = tmp_path / "out.txt"
    old_mask = os.umask(0o022)
    try:
        write_atomically(target, lambda file: file.write(b"hello"))
    finally:
        os.umask(old_mask)
    assert target.read_bytes() == b"hello"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_failing_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "model.json"
    target.write_bytes(b"old")

    def half_then_crash(file):
        file.write(b"half of the new")
        raise RuntimeError("crash")

    with pytest.raises(RuntimeError, match="crash"):
        write_atomically(target, half_then_crash)
    assert target.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["model.json"]
