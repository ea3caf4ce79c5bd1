"""Write files atomically: a crash leaves the old file (or none), never half of a new one."""

import os
import stat
import tempfile


def write_atomically(path, write):
    """Call write(binary file) on a temporary file next to path, then rename it over path.

    A symlink at path is followed: the file it points to is replaced, the link
    stays. Replacing a file keeps its permission bits; a new file gets those a
    plain open() would give it (0666 less the umask). OS errors name path as
    given, never the temporary file.
    """
    path = os.fspath(path)
    target = os.path.realpath(path)
    mode = _mode_for(target)
    handle, temporary = _naming(path, tempfile.mkstemp, dir=os.path.dirname(target),
                                prefix=f".{os.path.basename(target)}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        _naming(path, os.replace, temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


def _mode_for(path):
    try:
        return stat.S_IMODE(os.stat(path).st_mode) & 0o777
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _naming(path, function, *args, **kwargs):
    """function(*args, **kwargs), with an OSError re-raised naming path instead of the temporary file."""
    try:
        return function(*args, **kwargs)
    except OSError as error:
        raise OSError(error.errno, error.strerror, path) from None


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
