"""micrograd: a scalar-valued reverse-mode automatic differentiation engine with a small neural-net library.

The core (Value, grad, no_grad, gradcheck) uses only the standard library;
drawing (draw_dot and explain, need graphviz) and `micrograd.testing` (needs hypothesis)
are imported on first use.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Any

from micrograd.autodiff import grad
from micrograd.engine import Value, define_op, dot, sum as sum  # noqa: A004 - micrograd.sum, kept out of __all__ (never star-imported over the builtin)
from micrograd.grad_mode import enable_grad, is_grad_enabled, micrograd_style, no_grad
# Eager (standard library only): importing the submodule micrograd.gradcheck would
# otherwise replace the lazily bound function `micrograd.gradcheck` with the module.
from micrograd.gradcheck import GradcheckError, check_grads, gradcheck

if TYPE_CHECKING:  # imported on first use (see __getattr__); named here so that type checkers know it
    from micrograd.viz import draw_dot as draw_dot

__version__ = "1.0.0"

_LAZY = {
    "draw_dot": "micrograd.viz",
    "explain": "micrograd.viz",
    "compile": "micrograd.compiler",
}

# `import *` brings no name that would shadow a builtin: micrograd.compile and micrograd.sum stay attributes.
__all__ = ["Value", "define_op", "dot", "grad", "no_grad", "enable_grad", "is_grad_enabled", "micrograd_style",
           "gradcheck", "check_grads", "GradcheckError", *(name for name in _LAZY if name != "compile")]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if not name.startswith('_') and name in {module.name for module in pkgutil.iter_modules(__path__)}:
        return importlib.import_module(f"micrograd.{name}")  # micrograd.nn, micrograd.export, ... on first use
    raise AttributeError(f"module 'micrograd' has no attribute {name!r}")
