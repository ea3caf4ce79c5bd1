"""Float arithmetic with IEEE 754's inf and nan where Python raises, as PyTorch computes.

Used where a derivative or an optimizer step meets a singular point: there
PyTorch gives inf or nan, so these do too, instead of Python's exceptions.
"""

from __future__ import annotations

import contextlib
import math
import threading
from typing import Iterator


class _Singularities(threading.local):
    # True while grad(create_graph=True) builds derivative graphs: there an op at a
    # singular point gives IEEE inf or nan, as PyTorch does, instead of raising.
    give_ieee: bool = False


singularities = _Singularities()


@contextlib.contextmanager
def singular_results() -> Iterator[None]:
    """Ops at singular points give IEEE inf/nan instead of raising, in this thread, inside the block."""
    previous, singularities.give_ieee = singularities.give_ieee, True
    try:
        yield
    finally:
        singularities.give_ieee = previous


def divide(x: float, y: float) -> float:
    """x / y; for y == 0: nan for 0/0 and nan/0, otherwise an infinity signed by x and y."""
    if y:
        return x / y
    return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x) * math.copysign(1.0, y)


def power(a: float, e: float) -> float:
    """a ** e; inf for 0 to a negative power, and a signed infinity on overflow."""
    try:
        return a ** e
    except ZeroDivisionError:
        return math.inf
    except OverflowError:
        odd = float(e).is_integer() and e % 2 == 1
        return -math.inf if a < 0 and odd else math.inf
