"""Write files atomically: a crash leaves the old file (or none), never half of a new one."""

import os
import tempfile


def write_atomically(path, write):
    """Call write(binary file) on a temporary file next to path, then rename it over path.

    The file gets the permissions a plain open() would give it (0666 less the umask).
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
