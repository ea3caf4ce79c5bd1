"""How operations record the graph, per thread: whether at all (`no_grad()`), and in which shape (`micrograd_style()`)."""

import functools
import inspect
import threading

__all__ = ['no_grad', 'enable_grad', 'is_grad_enabled', 'micrograd_style']


class _GradMode(threading.local):
    enabled = True
    micrograd_shapes = False  # record -, /, neg and neurons as micrograd 0.1.0 does (see micrograd_style)


state = _GradMode()


def is_grad_enabled():
    """True when new results record their children (the default)."""
    return state.enabled


class _SetGradMode:
    """Context manager and decorator (with or without parentheses) that sets `state.<setting>` for the current thread."""

    setting = 'enabled'
    value = None

    def __new__(cls, function=None):
        if function is None:
            return super().__new__(cls)
        return cls()(function)  # used bare, as @no_grad

    def __enter__(self):
        self._previous = getattr(state, self.setting)
        setattr(state, self.setting, self.value)
        return self

    def __exit__(self, *exc_info):
        setattr(state, self.setting, self._previous)
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

    value = False


class enable_grad(_SetGradMode):
    """Record again inside a `no_grad()` block (like `torch.enable_grad`)."""

    value = True


class micrograd_style(_SetGradMode):
    """Record graphs in micrograd 0.1.0's shape, to match a lecture's pictures node for node.

    Inside it `-a` is `a * -1`, `a - b` is `a + (-b)`, `a / b` is `a * b**-1`,
    and a Neuron is its `*` and `+` nodes instead of one `dot` node. The
    numbers are the same up to rounding; graphs are larger and slower, which
    is why the default is the fused shape. Nests like no_grad, per thread.
    """

    setting = 'micrograd_shapes'
    value = True
