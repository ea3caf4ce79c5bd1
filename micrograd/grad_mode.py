"""Whether operations record the graph: on by default, off inside `no_grad()`, per thread."""

__all__ = ['no_grad', 'enable_grad', 'is_grad_enabled']

import functools
import inspect
import threading


class _GradMode(threading.local):
    enabled = True


state = _GradMode()


def is_grad_enabled():
    """True when new results record their children (the default)."""
    return state.enabled


class _SetGradMode:
    """Context manager and decorator (with or without parentheses) that sets recording for the current thread."""

    enabled = None

    def __new__(cls, function=None):
        if function is None:
            return super().__new__(cls)
        return cls()(function)  # used bare, as @no_grad

    def __enter__(self):
        self._previous = state.enabled
        state.enabled = self.enabled
        return self

    def __exit__(self, *exc_info):
        state.enabled = self._previous
        return False

    def __call__(self, function):
        mode = type(self)
        if inspect.isgeneratorfunction(function):
            @functools.wraps(function)
            def generator(*args, **kwargs):
                # The mode holds while the generator runs, not while its caller does.
                steps = function(*args, **kwargs)
                try:
                    with mode():
                        value = next(steps)
                    while True:
                        sent = yield value
                        with mode():
                            value = steps.send(sent)
                except StopIteration as finished:
                    return finished.value
            return generator

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with mode():  # a fresh context per call: safe for recursion and threads
                return function(*args, **kwargs)
        return wrapper


class no_grad(_SetGradMode):
    """Stop recording: results computed inside are new leaves with no children.

    `with no_grad():`, `@no_grad()` or `@no_grad`; nests, works on generator
    functions, and affects only the thread that entered it, like `torch.no_grad`.
    """

    enabled = False


class enable_grad(_SetGradMode):
    """Record again inside a `no_grad()` block (like `torch.enable_grad`)."""

    enabled = True
