"""Argument checks shared by the whole package, with one rule for every public function.

A wrong type raises TypeError, a wrong value ValueError, and the message
names the argument, what it expects and what it got:

    MLP(2, [1.5])     TypeError: each layer width in nouts must be a positive int, got float: 1.5
    make_moons(1.5)   TypeError: n_samples must be a positive int, got float: 1.5
    SGD(p, lr=-1)     ValueError: learning rate lr must be a finite number >= 0, got -1

bool is not accepted as a number (True is an int to Python, never a count or
a rate to a user). Each check returns the argument converted (float, int,
list), so callers write `lr = validate.real(lr, "lr", at_least=0)`.
"""

import math
import numbers
from typing import Any, Callable, Iterable, List, Optional

__all__ = ['real', 'integer', 'choice', 'function', 'items', 'type_error', 'value_error']


def type_error(name: str, expects: str, got: Any) -> TypeError:
    """The TypeError for argument `name` that should be `expects` but is `got`."""
    return TypeError(f"{name} must be {expects}, got {type(got).__name__}: {got!r:.60}")


def value_error(name: str, expects: str, got: Any) -> ValueError:
    """The ValueError for argument `name` that should be `expects` but is `got`."""
    return ValueError(f"{name} must be {expects}, got {got!r:.60}")


def real(x: Any, name: str, *, at_least: Optional[float] = None, above: Optional[float] = None,
         below: Optional[float] = None, at_most: Optional[float] = None, finite: bool = True) -> float:
    """x as a float: a real number (int, float, numpy scalar; not bool), finite unless finite=False, within the bounds."""
    expects = _number_text(finite, at_least, above, below, at_most)
    if not isinstance(x, numbers.Real) or isinstance(x, bool):
        raise type_error(name, expects, x)
    try:
        value = float(x)
    except OverflowError:  # an int with hundreds of digits
        raise ValueError(f"{name} is too large for a float ({int(x).bit_length()}-bit integer)") from None  # type: ignore[call-overload] # an Integral here: int() takes it
    # Written as `not (...)` so that nan fails every bound.
    if ((finite and not math.isfinite(value)) or (at_least is not None and not value >= at_least)
            or (above is not None and not value > above) or (below is not None and not value < below)
            or (at_most is not None and not value <= at_most)):
        raise value_error(name, expects, x)
    return value


def integer(x: Any, name: str, *, at_least: Optional[int] = None) -> int:
    """x as an int: an integral number (int, numpy integer; not bool) that is at least `at_least`."""
    expects = ("a positive int" if at_least == 1 else "an int" if at_least is None else f"an int >= {at_least}")
    if not isinstance(x, numbers.Integral) or isinstance(x, bool):
        raise type_error(name, expects, x)
    if at_least is not None and x < at_least:
        raise value_error(name, expects, x)
    return int(x)


def choice(x: Any, name: str, options: Iterable[str]) -> str:
    """x if it is one of the option names: a non-string is a TypeError, an unknown name a ValueError."""
    options = list(options)
    expects = f"one of {', '.join(map(repr, options))}"
    if not isinstance(x, str):
        raise type_error(name, expects, x)
    if x not in options:
        raise value_error(name, expects, x)
    return x


def function(x: Any, name: str, expects: str = "a function") -> Callable[..., Any]:
    """x if it can be called; `expects` says what kind of function, for the message."""
    if not callable(x):
        raise type_error(name, expects, x)
    return x


def items(x: Any, name: str, expects: str) -> List[Any]:
    """The elements of x as a new list: x any iterable except a str or bytes (a string is never a list of things)."""
    if isinstance(x, (str, bytes)):
        raise type_error(name, expects, x)
    try:
        return list(x)
    except TypeError:
        raise type_error(name, expects, x) from None


def _number_text(finite: bool, at_least: Optional[float], above: Optional[float], below: Optional[float],
                 at_most: Optional[float]) -> str:
    """What real() expects, in words: 'a finite number >= 0', 'a finite number in [0, 1)'."""
    noun = "a finite number" if finite else "a number"
    low = f"[{at_least:g}" if at_least is not None else f"({above:g}" if above is not None else None
    high = f"{below:g})" if below is not None else f"{at_most:g}]" if at_most is not None else None
    if low is not None and high is not None:
        return f"{noun} in {low}, {high}"
    bounds = [f"{sign} {bound:g}" for sign, bound in ((">=", at_least), (">", above), ("<", below), ("<=", at_most))
              if bound is not None]
    return " ".join([noun, *bounds])
