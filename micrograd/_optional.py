"""Optional third-party packages, imported where a feature needs them.

The engine needs only the standard library; drawing, training plots, the
Hypothesis strategies, compiling and the PyTorch bridge each need a package
that one of micrograd's extras installs. `require` imports it, or says which
`pip install` line brings it when it is missing.
"""

import importlib
from types import ModuleType

__all__ = ['MissingDependency', 'require']


class MissingDependency(ModuleNotFoundError):
    """An optional package a feature needs is not installed; the message gives the pip line that installs it."""


def require(module: str, extra: str) -> ModuleType:
    """Import and return `module` (e.g. 'matplotlib.figure'), which micrograd's `extra` installs.

    Raises MissingDependency (a ModuleNotFoundError) naming the package and
    the exact `pip install 'micrograd[extra]'` line when it cannot be imported.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        package = module.partition('.')[0]
        raise MissingDependency(
            f"micrograd needs the {package!r} package here, and it could not be imported ({error}); "
            f"install it with: pip install 'micrograd[{extra}]'", name=package) from error
