"""How operations record the graph, per thread: whether at all (`no_grad()`), and in which shape (`micrograd_style()`)."""

from __future__ import annotations

import functools
import inspect
import threading
from typing import Any, Callable, ClassVar, Literal, Optional, TypeVar, cast, overload

__all__ = ['no_grad', 'enable_grad', 'is_grad_enabled', 'micrograd_style']

_Function = TypeVar('_Function', bound=Callable[..., Any])
_Mode = TypeVar('_Mode', bound='_SetGradMode')


class _GradMode(threading.local):
    enabled: bool = True
    micrograd_shapes: bool = False  # record -, /, neg and neurons as micrograd 0.1.0 does (see micrograd_style)


state = _GradMode()


def is_grad_enabled() -> bool:
    """True when new results record their children (the default)."""
    return state.enabled


class _SetGradMode:
    """Context manager and decorator (with or without parentheses) that sets `state.<setting>` for the current thread."""

    setting: ClassVar[str] = 'enabled'
    value: ClassVar[Optional[bool]] = None
    _previous: bool

    @overload
    def __new__(cls: type[_Mode], function: None = None) -> _Mode: ...

    @overload  # mypy wants __new__ to return an instance; used bare as a decorator it returns the decorated function
    def __new__(cls, function: _Function) -> _Function: ...  # type: ignore[misc]

    def __new__(cls, function: Optional[Callable[..., Any]] = None) -> Any:
        if function is None:
            return super().__new__(cls)
        return cls()(function)  # used bare, as @no_grad

    def __enter__(self: _Mode) -> _Mode:
        self._previous = getattr(state, self.setting)
        setattr(state, self.setting, self.value)
        return self

    def __exit__(self, *exc_info: object) -> Literal[False]:
        setattr(state, self.setting, self._previous)
        return False

    def __call__(self, function: _Function) -> _Function:
        mode = type(self)
        if inspect.isgeneratorfunction(function):
            @functools.wraps(function)
            def generator(*args: Any, **kwargs: Any) -> Any:
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
            return cast(_Function, generator)

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with mode():  # a fresh context per call: safe for recursion and threads
                return function(*args, **kwargs)
        return cast(_Function, wrapper)


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
