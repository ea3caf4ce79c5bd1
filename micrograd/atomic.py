"""The files micrograd writes and reads: regular files only, replaced atomically, with what the user set kept.

Writing PATH (`write_atomically`):

- A symlink is followed to the file it names; the link stays. As the kernel's
  protected_symlinks rule does, a link in a world-writable sticky directory
  (such as /tmp) is not followed unless it belongs to this user or to the
  directory's owner.
- Anything at PATH (or behind its links) that is not a regular file is refused and
  left untouched: a directory (IsADirectoryError), a device, FIFO or socket
  (NotRegularFileError).
- An existing file is replaced only where this process may write it and its mode
  allows writing at all: a read-only file (chmod 444) is refused with
  PermissionError, also for root, as rm and mv ask before overriding it.
- The new content goes to a temporary file `.NAME.micrograd-XXXXXXXX.tmp` next to
  the target, is synced to disk and renamed over the target, so readers see the
  whole old file or the whole new one. The new file gets the old one's owner,
  group, permission bits (set-id bits are dropped, as a write drops them) and
  extended attributes (ACLs).
- Where a rename would lose something (the file has other hard links, or this
  process cannot give the new file the old owner, group or attributes), the new
  content, once complete in the temporary file, is copied over the old file in
  place instead: every link sees it and ownership stays. Only then can a crash
  leave a mixed file, and the temporary file then holds the complete new content.
- A new file gets what open() gives it: mode 0666 less the umask (or the
  directory's default ACL), applied by the kernel; the umask is never changed.
- A temporary file left by a killed process is removed by the next successful
  write of the same target, once it is a minute old and no writer holds its lock.

OS errors name PATH as given, never the temporary file.
"""

import errno
import os
import re
import secrets
import shutil
import stat
import time
from types import ModuleType
from typing import IO, Any, Callable, Optional, Union

fcntl: Optional[ModuleType]
try:
    import fcntl
except ImportError:  # Windows: no locks, so leftover temporary files are never judged stale
    fcntl = None

__all__ = ['write_atomically', 'read_regular_file', 'NotRegularFileError', 'temporary_pattern', 'STALE_AFTER', 'FilePath']

# A file name as users give it: a str or a path object (pathlib.Path).
FilePath = Union[str, 'os.PathLike[str]']

# A leftover temporary file is removed only when it is at least this old (seconds).
STALE_AFTER = 60
# Characters of the target's name kept in a temporary file's name (4 UTF-8 bytes each at most: below NAME_MAX).
_NAME_CHARS = 50
_MAX_LINKS = 40  # symlinks followed before giving up, as Linux's ELOOP limit


class NotRegularFileError(OSError):
    """The path is a device, FIFO or socket: micrograd reads and writes regular files only."""

    def __init__(self, kind: str, path: str) -> None:
        super().__init__(None, f"it is {kind}, not a regular file; micrograd only writes and reads regular files",
                         path)

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


def write_atomically(path: FilePath, write: Callable[[IO[bytes]], object]) -> None:
    """Call write(binary file) on a temporary file next to path, then put it in place (see the module's rules)."""
    path = os.fspath(path)
    target = _final_target(path)
    old = _existing(path, target)
    directory, name = os.path.split(target)
    handle, temporary = _create_temporary(path, directory or os.curdir, name, old)
    copying = False
    try:
        with os.fdopen(handle, 'w+b') as file:
            in_place = old is not None and not _carry_over(old, target, handle)
            write(file)
            file.flush()
            _naming(path, os.fsync, handle)
            if in_place:
                copying = True
                _copy_in_place(path, target, old, file)  # type: ignore[arg-type] # in_place: old is not None
            else:
                _still_same(path, target, old)
                _naming(path, os.replace, temporary, target)
                _sync_directory(directory or os.curdir)
    except OSError as error:
        if not copying:
            _unlink_quietly(temporary)
            raise
        raise type(error)(error.errno, f"{error.strerror} (the complete new content is in {temporary})",
                          path) from None
    except BaseException:
        if not copying:
            _unlink_quietly(temporary)
        raise
    if in_place:
        _unlink_quietly(temporary)
    _remove_stale_temporaries(directory or os.curdir, name)


def read_regular_file(path: FilePath, limit: int, what: str = 'file') -> bytes:
    """The bytes of the regular file at path; ValueError if it has more than limit bytes (checked before reading).

    A FIFO, device or socket raises NotRegularFileError without blocking or reading.
    """
    path = os.fspath(path)
    handle = os.open(path, os.O_RDONLY | getattr(os, 'O_NONBLOCK', 0) | getattr(os, 'O_CLOEXEC', 0))
    try:  # before fdopen, which would name the descriptor instead of the path for a directory
        status = os.fstat(handle)
        _refuse_irregular(status, path)
    except BaseException:
        os.close(handle)
        raise
    with os.fdopen(handle, 'rb') as file:
        if status.st_size > limit:
            raise ValueError(f"{path}: the {what} has {status.st_size:,} bytes, more than the {limit:,} "
                             f"micrograd reads")
        data = file.read(status.st_size + 1)
        while len(data) <= limit:  # it grew since fstat (or is a /proc file of size 0)
            more = file.read(min(2**20, limit + 1 - len(data)))
            if not more:
                return data
            data += more
    raise ValueError(f"{path}: the {what} has more than the {limit:,} bytes micrograd reads")


def temporary_pattern(name: str) -> 're.Pattern[str]':
    """A regex matching the names of the temporary files written for a target called name."""
    return re.compile(re.escape(f".{name[:_NAME_CHARS]}.micrograd-") + r'[0-9a-f]{8}\.tmp\Z')


def _final_target(path: str) -> str:
    """path with its final symlinks followed (directories in it are the kernel's to resolve)."""
    if path.endswith(os.sep) or (os.altsep and path.endswith(os.altsep)):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    current = path
    for _ in range(_MAX_LINKS):
        status = _status(os.lstat, current, path)
        if status is None or not stat.S_ISLNK(status.st_mode):
            return current
        _refuse_protected_link(current, status, path)
        current = os.path.join(os.path.dirname(current), os.readlink(current))
    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)


def _refuse_protected_link(link: str, status: os.stat_result, path: str) -> None:
    """Refuse a link the kernel's protected_symlinks would not follow: a stranger's link in a sticky shared dir."""
    parent = os.stat(os.path.dirname(link) or os.curdir)
    shared = parent.st_mode & stat.S_ISVTX and parent.st_mode & stat.S_IWOTH
    if shared and hasattr(os, 'geteuid') and status.st_uid not in (os.geteuid(), parent.st_uid):
        raise PermissionError(errno.EACCES, "it is a symlink owned by another user in a world-writable sticky "
                                            "directory; micrograd does not follow it", path)


def _existing(path: str, target: str) -> Optional[os.stat_result]:
    """The status of the file at target, None if there is none; refuses what must not be replaced."""
    status = _status(os.stat, target, path)
    if status is None:
        return None
    _refuse_irregular(status, path)
    if not status.st_mode & 0o222 or not _writable(target):
        raise PermissionError(errno.EACCES, f"the file is read-only (mode {stat.S_IMODE(status.st_mode):04o}) "
                                            "for this process; micrograd does not replace it", path)
    return status


def _status(function: Callable[[str], os.stat_result], target: str, path: str) -> Optional[os.stat_result]:
    """function(target) (os.stat or os.lstat), None if nothing is there; other errors name path."""
    try:
        return function(target)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise _named(error, path) from None


def _refuse_irregular(status: os.stat_result, path: str) -> None:
    mode = status.st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    if not stat.S_ISREG(mode):
        kinds = {stat.S_ISCHR: 'a character device', stat.S_ISBLK: 'a block device', stat.S_ISFIFO: 'a FIFO',
                 stat.S_ISSOCK: 'a socket', stat.S_ISLNK: 'a symbolic link'}
        raise NotRegularFileError(next((kind for test, kind in kinds.items() if test(mode)), 'not a file'), path)


def _writable(target: str) -> bool:
    if os.access in os.supports_effective_ids:
        return os.access(target, os.W_OK, effective_ids=True)
    return os.access(target, os.W_OK)


def _create_temporary(path: str, directory: str, name: str, old: Optional[os.stat_result]) -> tuple[int, str]:
    """A new locked temporary file next to the target: 0600 while it replaces a file, else open()'s mode."""
    mode = 0o600 if old is not None else 0o666  # the kernel applies the umask and default ACLs
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, 'O_CLOEXEC', 0) | getattr(os, 'O_NOFOLLOW', 0)
    while True:
        temporary = os.path.join(directory, f".{name[:_NAME_CHARS]}.micrograd-{secrets.token_hex(4)}.tmp")
        try:
            handle = os.open(temporary, flags, mode)
        except FileExistsError:
            continue
        except OSError as error:
            raise _named(error, path) from None
        break
    if fcntl is not None:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError:  # a file system without locks: the file is still ours, only staleness is unknown
            pass
    return handle, temporary


def _carry_over(old: os.stat_result, target: str, handle: int) -> bool:
    """Give the temporary file old's owner, group, mode and extended attributes; False if a rename would lose any."""
    if old.st_nlink > 1:
        return False
    try:
        new = os.fstat(handle)
        if (new.st_uid, new.st_gid) != (old.st_uid, old.st_gid):
            os.fchown(handle, old.st_uid, old.st_gid)
        os.fchmod(handle, stat.S_IMODE(old.st_mode) & 0o777)
        _copy_attributes(target, handle)
    except OSError:
        return False
    return True


def _copy_attributes(target: str, handle: int) -> None:
    """Make the temporary file's extended attributes (ACLs, labels, user.*) those of target."""
    if not hasattr(os, 'listxattr'):
        return
    try:
        wanted = {name: os.getxattr(target, name) for name in os.listxattr(target)}
        present = os.listxattr(handle)
    except OSError as error:
        if error.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            return
        raise
    for name in present:
        if name not in wanted:
            os.removexattr(handle, name)
    for name, value in wanted.items():
        if name not in present or os.getxattr(handle, name) != value:
            os.setxattr(handle, name, value)


def _copy_in_place(path: str, target: str, old: os.stat_result, file: IO[bytes]) -> None:
    """Overwrite the old file's bytes with the temporary file's, keeping its inode (links, owner, mode)."""
    flags = os.O_WRONLY | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_NONBLOCK', 0) | getattr(os, 'O_CLOEXEC', 0)
    handle = _naming(path, os.open, target, flags)
    with os.fdopen(handle, 'wb') as destination:
        _same_file(os.fstat(handle), old, path)
        file.seek(0)
        shutil.copyfileobj(file, destination)
        destination.truncate()
        destination.flush()
        _naming(path, os.fsync, handle)


def _still_same(path: str, target: str, old: Optional[os.stat_result]) -> None:
    """Refuse to rename over target if, while we wrote, it was replaced by something we would refuse."""
    try:
        now = os.lstat(target)
    except FileNotFoundError:
        return
    _refuse_irregular(now, path)
    if old is not None:
        _same_file(now, old, path)


def _same_file(status: os.stat_result, old: os.stat_result, path: str) -> None:
    if (status.st_dev, status.st_ino) != (old.st_dev, old.st_ino):
        raise OSError(errno.EAGAIN, "the file was replaced by another program while micrograd wrote it; "
                                    "nothing was written", path)


def _sync_directory(directory: str) -> None:
    """Make the rename durable (a no-op where directories cannot be opened or synced)."""
    try:
        handle = os.open(directory, os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0))
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _remove_stale_temporaries(directory: str, name: str) -> None:
    """Delete leftover temporary files of this target: ours, at least STALE_AFTER seconds old, unlocked."""
    if fcntl is None:
        return
    pattern = temporary_pattern(name)
    try:
        with os.scandir(directory) as entries:
            stale = [entry.path for entry in entries if pattern.match(entry.name)]
    except OSError:
        return
    for candidate in stale:
        _remove_if_stale(candidate)


def _remove_if_stale(candidate: str) -> None:
    try:
        handle = os.open(candidate, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return
    try:
        status = os.fstat(handle)
        if (not stat.S_ISREG(status.st_mode) or status.st_uid != os.geteuid()
                or time.time() - status.st_mtime < STALE_AFTER):
            return
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # type: ignore[union-attr] # callers check fcntl
        now = os.lstat(candidate)
        if (now.st_dev, now.st_ino) == (status.st_dev, status.st_ino):
            os.unlink(candidate)
    except OSError:
        return
    finally:
        os.close(handle)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _naming(path: str, function: Callable[..., Any], *args: Any) -> Any:
    """function(*args), with an OSError re-raised naming path instead of the temporary file."""
    try:
        return function(*args)
    except OSError as error:
        raise _named(error, path) from None


def _named(error: OSError, path: str) -> OSError:
    if isinstance(error, NotRegularFileError):
        return error
    return type(error)(error.errno, error.strerror, path) if error.errno is not None else error
