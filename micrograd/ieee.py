"""Float arithmetic with IEEE 754's inf and nan where Python raises, as PyTorch computes.

Used where a derivative or an optimizer step meets a singular point: there
PyTorch gives inf or nan, so these do too, instead of Python's exceptions.
"""

import math


def divide(x, y):
    """x / y; for y == 0: nan for 0/0 and nan/0, otherwise an infinity signed by x and y."""
    if y:
        return x / y
    return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x) * math.copysign(1.0, y)


def power(a, e):
    """a ** e; inf for 0 to a negative power, and a signed infinity on overflow."""
    try:
        return a ** e
    except ZeroDivisionError:
        return math.inf
    except OverflowError:
        odd = float(e).is_integer() and e % 2 == 1
        return -math.inf if a < 0 and odd else math.inf
