"""Whether operations record the graph: on by default, off inside `no_grad()`, per thread."""

import functools
import threading


class _GradMode(threading.local):
    enabled = True


state = _GradMode()


def is_grad_enabled():
    """True when new results record their children (the default)."""
    return state.enabled


class _SetGradMode:
    """Context manager and decorator that sets recording on or off for the current thread."""

    enabled = None

    def __enter__(self):
        self._previous = state.enabled
        state.enabled = self.enabled
        return self

    def __exit__(self, *exc_info):
        state.enabled = self._previous
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with type(self)():  # a fresh context per call: safe for recursion and threads
                return function(*args, **kwargs)
        return wrapper


class no_grad(_SetGradMode):
    """Stop recording: results computed inside are new leaves with no children.

    `with no_grad():` or `@no_grad()`; nests, and affects only the thread that
    entered it, like `torch.no_grad`.
    """

    enabled = False


class enable_grad(_SetGradMode):
    """Record again inside a `no_grad()` block (like `torch.enable_grad`)."""

    enabled = True
