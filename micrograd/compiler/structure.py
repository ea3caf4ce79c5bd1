"""The shape of a compiled function's arguments and results: what makes two calls the same program.

Arguments are numbers, nested lists and tuples of numbers, and Values. Their
structure (container types and lengths, where the Values are) is the key of
a trace; the numbers, flattened in order, and the Values are what changes
from call to call. This runs on every call, so plain lists of floats take
C-speed paths.
"""

import numbers
from itertools import chain

from micrograd.engine import Value

__all__ = ['NUMBER', 'VALUE', 'STATIC', 'describe', 'build', 'flatten_result', 'rebuild_result']

NUMBER = 'number'
VALUE = 'Value'
STATIC = 'static'  # (STATIC, type, value): an argument passed to fn as it is, part of the key
_PLAIN = frozenset({float, int})
_SEQUENCES = (list, tuple)


def describe(args, static=frozenset()):
    """(key, numbers, values) of a call's arguments: their structure, their numbers in order, their Values in order.

    Arguments at the positions in `static` are part of the key themselves (they must be hashable).
    """
    numbers_, values = [], []
    key = tuple(_static(arg, i) if i in static else _describe(arg, numbers_, values, f"argument {i}")
                for i, arg in enumerate(args))
    return key, numbers_, values


def _static(arg, i):
    try:
        hash(arg)
    except TypeError:
        raise TypeError(f"static argument {i} must be hashable (a tuple, not a list), "
                        f"got {type(arg).__name__}: {arg!r:.60}") from None
    return STATIC, type(arg), arg


def _describe(x, numbers_, values, where):
    kind = type(x)
    if kind in _PLAIN:
        numbers_.append(x)
        return NUMBER
    if kind in _SEQUENCES:
        kinds = set(map(type, x))
        if kinds <= _PLAIN:  # a row of numbers
            numbers_.extend(x)
            return kind, len(x)
        if kinds <= {list, tuple} and set(map(type, chain.from_iterable(x))) <= _PLAIN:  # rows of numbers
            numbers_.extend(chain.from_iterable(x))
            return kind, tuple(zip(map(type, x), map(len, x)))
        keys = tuple(_describe(item, numbers_, values, f"{where}[{i}]") for i, item in enumerate(x))
        return (kind, len(keys)) if all(key == NUMBER for key in keys) else (kind, keys)
    if isinstance(x, Value):
        values.append(x)
        return VALUE
    if isinstance(x, numbers.Real):
        numbers_.append(x)
        return NUMBER
    if hasattr(x, 'ndim') and hasattr(x, 'tolist') and not isinstance(x, (str, bytes)):  # a numpy array
        return _describe(x.tolist(), numbers_, values, where)
    raise TypeError(f"a compiled function takes numbers, lists or tuples of numbers, and Values; "
                    f"{where} is {type(x).__name__}: {x!r:.60}")


def build(key, numbers_, values, number_leaf, value_leaf):
    """Arguments of the structure `key` holding number_leaf(x) for each number, value_leaf(v) for each Value."""
    numbers_, values = iter(numbers_), iter(values)
    return tuple(_build(part, numbers_, values, number_leaf, value_leaf) for part in key)


def _build(key, numbers_, values, number_leaf, value_leaf):
    if key == NUMBER:
        return number_leaf(next(numbers_))
    if key == VALUE:
        return value_leaf(next(values))
    if key[0] == STATIC:
        return key[2]
    kind, parts = key
    if isinstance(parts, int):
        return kind(number_leaf(next(numbers_)) for _ in range(parts))
    return kind(_build(part, numbers_, values, number_leaf, value_leaf) for part in parts)


def flatten_result(result, leaves, positions=None):
    """A template of fn's result; its Values are appended to leaves (a Value met twice is one leaf)."""
    positions = {} if positions is None else positions
    if isinstance(result, Value):
        if id(result) not in positions:
            positions[id(result)] = len(leaves)
            leaves.append(result)
        return VALUE, positions[id(result)]
    if isinstance(result, numbers.Real) or result is None:
        return NUMBER, result
    if type(result) in _SEQUENCES or (isinstance(result, tuple) and hasattr(result, '_make')):
        return type(result), [flatten_result(item, leaves, positions) for item in result]
    raise TypeError(f"a compiled function must return Values, numbers, or lists or tuples of them; "
                    f"it returned {type(result).__name__}: {result!r:.60}")


def rebuild_result(template, leaves):
    """fn's result again, with leaves[i] where its i-th Value was."""
    kind, part = template
    if kind == VALUE:
        return leaves[part]
    if kind == NUMBER:
        return part
    items = [rebuild_result(item, leaves) for item in part]
    return kind._make(items) if hasattr(kind, '_make') else kind(items)
