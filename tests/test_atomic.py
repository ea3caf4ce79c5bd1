"""Atomic file writes: all of the new file or all of the old one, with the permissions open() would keep."""

import errno
import grp
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import time

import pytest

from micrograd.atomic import (STALE_AFTER, NotRegularFileError, read_regular_file, temporary_pattern,
                              write_atomically)


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


# Targets micrograd must not replace: anything that is not a regular file, also behind a symlink.

def _device(path):
    """A character device node like /dev/null at path (root only), or skip."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("creating a device node needs root (CAP_MKNOD)")


def _fifo(path):
    os.mkfifo(path)


def _socket(path):
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    _SOCKETS.append(server)


_SOCKETS = []


@pytest.mark.parametrize('make, kind, check', [
    (_device, 'a character device', stat.S_ISCHR),
    (_fifo, 'a FIFO', stat.S_ISFIFO),
    (_socket, 'a socket', stat.S_ISSOCK),
])
@pytest.mark.parametrize('through_link', [False, True])
def test_a_target_that_is_not_a_regular_file_is_refused_and_left_alone(tmp_path, make, kind, check, through_link):
    special = tmp_path / 'special'
    make(special)
    target = tmp_path / 'out.svg'
    if through_link:
        target.symlink_to(special)
    else:
        target = special
    with pytest.raises(NotRegularFileError) as error:
        write_atomically(target, lambda file: file.write(b'new'))
    assert error.value.filename == str(target)
    assert str(error.value) == f"{target}: it is {kind}, not a regular file; micrograd only writes and reads regular files"
    assert check(os.lstat(special).st_mode)
    assert sorted(os.listdir(tmp_path)) == sorted({'special', target.name})


def test_a_symlink_to_a_directory_is_refused_as_a_directory(tmp_path):
    (tmp_path / 'dir').mkdir()
    (tmp_path / 'out.svg').symlink_to(tmp_path / 'dir')
    with pytest.raises(IsADirectoryError):
        write_atomically(tmp_path / 'out.svg', lambda file: file.write(b'new'))
    assert os.listdir(tmp_path / 'dir') == []


@pytest.mark.parametrize('name', ['out.svg/', 'missing/'])
def test_a_trailing_slash_names_a_directory_as_open_says(tmp_path, name):
    (tmp_path / 'out.svg').write_bytes(b'old')
    with pytest.raises(IsADirectoryError):
        write_atomically(f'{tmp_path}/{name}', lambda file: file.write(b'new'))
    assert (tmp_path / 'out.svg').read_bytes() == b'old'


def test_a_symlink_loop_is_an_error_naming_the_path(tmp_path):
    (tmp_path / 'a').symlink_to(tmp_path / 'b')
    (tmp_path / 'b').symlink_to(tmp_path / 'a')
    with pytest.raises(OSError) as error:
        write_atomically(tmp_path / 'a', lambda file: file.write(b'new'))
    assert error.value.errno == errno.ELOOP and error.value.filename == str(tmp_path / 'a')


def test_a_dangling_symlink_creates_its_target_as_open_does(tmp_path):
    (tmp_path / 'link.json').symlink_to('real.json')
    write_atomically(tmp_path / 'link.json', lambda file: file.write(b'new'))
    assert (tmp_path / 'link.json').is_symlink() and (tmp_path / 'real.json').read_bytes() == b'new'


def test_a_strangers_symlink_in_a_sticky_shared_directory_is_not_followed(shared_dir):
    if os.geteuid() != 0:
        pytest.skip("making a link owned by another user needs root")
    shared_dir.chmod(0o1777)
    victim = shared_dir / 'victim'
    victim.write_bytes(b'precious')
    link = shared_dir / 'plot.png'
    link.symlink_to(victim)
    os.lchown(link, pwd.getpwnam('nobody').pw_uid, -1)
    with pytest.raises(PermissionError, match='symlink owned by another user'):
        write_atomically(link, lambda file: file.write(b'new'))
    assert victim.read_bytes() == b'precious'


# Permissions, owners and links: what the user set stays.

def test_a_read_only_file_is_not_replaced_even_by_root(tmp_path):
    target = tmp_path / 'model.json'
    target.write_bytes(b'old')
    target.chmod(0o444)
    with pytest.raises(PermissionError, match=r'read-only \(mode 0444\)') as error:
        write_atomically(target, lambda file: file.write(b'new'))
    assert error.value.filename == str(target)
    assert target.read_bytes() == b'old' and os.listdir(tmp_path) == ['model.json']


PROBE = """
import sys
from micrograd.atomic import write_atomically
try:
    write_atomically(sys.argv[1] if len(sys.argv) > 1 else 'target', lambda file: file.write(b'new'))
    print('wrote')
except OSError as error:
    print(type(error).__name__, error.strerror)
"""


def test_unprivileged_a_file_this_process_may_not_write_is_refused(shared_dir, unprivileged):
    target = shared_dir / 'target'
    target.write_bytes(b'old')
    target.chmod(0o644)  # writable by its owner only; the directory lets anyone rename over it
    if os.geteuid() != 0:
        target.chmod(0o444)
    done = unprivileged(PROBE, cwd=shared_dir)
    assert done.stdout.startswith('PermissionError the file is read-only'), done
    assert target.read_bytes() == b'old' and os.listdir(shared_dir) == ['target']


def test_unprivileged_writing_another_users_group_writable_file_keeps_its_owner(shared_dir, unprivileged):
    if os.geteuid() != 0:
        pytest.skip("making another user's file needs root")
    target = shared_dir / 'target'
    target.write_bytes(b'old, longer than the new content')
    other = shared_dir / 'other-link'
    os.link(target, other)
    os.unlink(other)  # st_nlink back to 1: only the owner decides
    os.chown(target, 0, grp.getgrnam('nogroup').gr_gid)
    target.chmod(0o664)
    before = target.stat()
    done = unprivileged(PROBE, cwd=shared_dir)
    assert done.stdout == 'wrote\n', done
    after = target.stat()
    assert target.read_bytes() == b'new' and os.listdir(shared_dir) == ['target']
    assert (after.st_uid, after.st_gid, after.st_mode, after.st_ino) == (0, before.st_gid, before.st_mode, before.st_ino)


def test_root_replacing_another_users_file_keeps_owner_group_and_mode(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("making another user's file needs root")
    target = tmp_path / 'model.json'
    target.write_bytes(b'old')
    nobody = pwd.getpwnam('nobody')
    os.chown(target, nobody.pw_uid, nobody.pw_gid)
    target.chmod(0o640)
    write_atomically(target, lambda file: file.write(b'new'))
    after = target.stat()
    assert target.read_bytes() == b'new'
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == (nobody.pw_uid, nobody.pw_gid, 0o640)


def test_set_id_bits_are_dropped_as_a_write_drops_them(tmp_path):
    target = tmp_path / 'tool'
    target.write_bytes(b'old')
    target.chmod(0o4755)
    write_atomically(target, lambda file: file.write(b'new'))
    assert stat.S_IMODE(target.stat().st_mode) == 0o755


def test_hard_links_all_see_the_new_content(tmp_path):
    target = tmp_path / 'model.json'
    target.write_bytes(b'old content, longer than the new')
    os.link(target, tmp_path / 'backup.json')
    inode = target.stat().st_ino
    write_atomically(target, lambda file: file.write(b'new'))
    assert target.read_bytes() == b'new' and (tmp_path / 'backup.json').read_bytes() == b'new'
    assert target.stat().st_ino == inode and target.stat().st_nlink == 2
    assert sorted(os.listdir(tmp_path)) == ['backup.json', 'model.json']


def test_extended_attributes_are_kept(tmp_path):
    target = tmp_path / 'model.json'
    target.write_bytes(b'old')
    try:
        os.setxattr(target, 'user.origin', b'trained on moons')
    except OSError:
        pytest.skip("this file system has no user extended attributes")
    write_atomically(target, lambda file: file.write(b'new'))
    assert target.read_bytes() == b'new' and os.getxattr(target, 'user.origin') == b'trained on moons'


def test_an_interrupted_copy_in_place_keeps_the_complete_new_content_and_says_where(tmp_path, monkeypatch):
    target = tmp_path / 'model.json'
    target.write_bytes(b'old')
    os.link(target, tmp_path / 'other.json')  # hard links are written in place

    def full_disk(source, destination):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(shutil, 'copyfileobj', full_disk)
    with pytest.raises(OSError, match='the complete new content is in') as error:
        write_atomically(target, lambda file: file.write(b'new'))
    assert error.value.errno == errno.ENOSPC and error.value.filename == str(target)
    leftover, = [name for name in os.listdir(tmp_path) if name.endswith('.tmp')]
    assert temporary_pattern('model.json').match(leftover) and (tmp_path / leftover).read_bytes() == b'new'


def test_the_umask_is_never_changed(tmp_path, monkeypatch):
    def forbidden(mask):
        raise AssertionError("os.umask changes the mode of files other threads create")
    old_mask = os.umask(0o027)
    try:
        monkeypatch.setattr(os, 'umask', forbidden)
        write_atomically(tmp_path / 'new.json', lambda file: file.write(b'new'))
    finally:
        monkeypatch.undo()
        os.umask(old_mask)
    assert stat.S_IMODE((tmp_path / 'new.json').stat().st_mode) == 0o640


def test_the_temporary_file_is_never_more_readable_than_the_file_it_replaces(tmp_path):
    target = tmp_path / 'secret.json'
    target.write_bytes(b'old')
    target.chmod(0o600)
    modes = []
    write_atomically(target, lambda file: modes.append(stat.S_IMODE(os.fstat(file.fileno()).st_mode)))
    assert modes == [0o600]


# Temporary files left behind by a killed writer.

def test_a_killed_writer_leaves_a_temporary_next_to_the_target_that_a_later_write_removes(tmp_path):
    target = tmp_path / 'model.json'
    target.write_bytes(b'old')
    code = ("import sys, time\nfrom micrograd.atomic import write_atomically\n"
            "def hang(file):\n    file.write(b'half'); file.flush(); print('writing', flush=True); time.sleep(60)\n"
            "write_atomically(sys.argv[1], hang)\n")
    writer = subprocess.Popen([sys.executable, '-c', code, str(target)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, 'PYTHONPATH': os.getcwd()})
    assert writer.stdout.readline() == 'writing\n'
    leftover, = [name for name in os.listdir(tmp_path) if name != 'model.json']
    assert temporary_pattern('model.json').match(leftover) and leftover.startswith('.model.json.micrograd-')
    write_atomically(target, lambda file: file.write(b'newer'))
    assert leftover in os.listdir(tmp_path)  # its writer is alive and holds the lock, however old the file
    os.utime(tmp_path / leftover, (time.time() - 2 * STALE_AFTER,) * 2)
    write_atomically(target, lambda file: file.write(b'newer'))
    assert leftover in os.listdir(tmp_path)
    writer.kill()
    writer.wait()
    writer.stdout.close()
    write_atomically(target, lambda file: file.write(b'newest'))
    assert os.listdir(tmp_path) == ['model.json'] and target.read_bytes() == b'newest'


def test_only_old_unlocked_temporaries_of_the_same_target_are_removed(tmp_path):
    old = time.time() - 2 * STALE_AFTER
    names = {'stale': '.model.json.micrograd-0123abcd.tmp', 'fresh': '.model.json.micrograd-fedc0123.tmp',
             'other target': '.other.json.micrograd-0123abcd.tmp', 'not ours': '.model.json.0123abcd.tmp'}
    for kind, name in names.items():
        (tmp_path / name).write_bytes(b'x')
        if kind != 'fresh':
            os.utime(tmp_path / name, (old, old))
    (tmp_path / '.model.json.micrograd-99999999.tmp').symlink_to(tmp_path / names['other target'])
    write_atomically(tmp_path / 'model.json', lambda file: file.write(b'new'))
    assert sorted(os.listdir(tmp_path)) == sorted(
        {'model.json', '.model.json.micrograd-99999999.tmp', *names.values()} - {names['stale']})


# Reading.

def test_reading_a_fifo_or_device_refuses_without_blocking(tmp_path):
    os.mkfifo(tmp_path / 'fifo')
    with pytest.raises(NotRegularFileError, match='a FIFO'):
        read_regular_file(tmp_path / 'fifo', 100)
    with pytest.raises(NotRegularFileError, match='a character device'):
        read_regular_file('/dev/zero', 100)
    with pytest.raises(IsADirectoryError):
        read_regular_file(tmp_path, 100)


def test_reading_refuses_a_file_above_the_limit_before_reading_it(tmp_path):
    (tmp_path / 'big').write_bytes(b'x' * 101)
    with pytest.raises(ValueError, match='the model file has 101 bytes, more than the 100 micrograd reads'):
        read_regular_file(tmp_path / 'big', 100, 'model file')
    assert read_regular_file(tmp_path / 'big', 101) == b'x' * 101


def test_reading_a_directory_names_the_path_not_a_file_descriptor(tmp_path):
    from micrograd import nn
    with pytest.raises(IsADirectoryError) as error:
        nn.load(tmp_path)
    assert str(tmp_path) in str(error.value)
