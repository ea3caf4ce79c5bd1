"""Atomic file writes: all of the new file or all of the old one, with the permissions open() would keep."""

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


@pytest.mark.parametrize('mode', [0o600, 0o640, 0o755])
def test_replacing_a_file_keeps_its_permissions_like_writing_in_place(tmp_path, mode):
    target = tmp_path / "secret.json"
    target.write_bytes(b"old")
    os.chmod(target, mode)
    write_atomically(target, lambda file: file.write(b"new"))
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == mode


def test_a_symlink_is_followed_like_open_follows_it(tmp_path):
    (tmp_path / "data").mkdir()
    real = tmp_path / "data" / "model.json"
    real.write_bytes(b"old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomically(link, lambda file: file.write(b"new"))
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"new" and sorted(os.listdir(tmp_path / "data")) == ["model.json"]


def test_errors_name_the_target_not_the_temporary_file(tmp_path):
    missing = tmp_path / "no" / "x.json"
    with pytest.raises(FileNotFoundError) as error:
        write_atomically(missing, lambda file: file.write(b"new"))
    assert error.value.filename == str(missing) and ".tmp" not in str(error.value)
    directory = tmp_path / "a_directory"
    directory.mkdir()
    with pytest.raises(IsADirectoryError) as error:
        write_atomically(directory, lambda file: file.write(b"new"))
    assert error.value.filename == str(directory) and ".tmp" not in str(error.value)
    assert sorted(os.listdir(tmp_path)) == ["a_directory"]
