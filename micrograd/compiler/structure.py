"""The shape of a compiled function's arguments and results: what makes two calls the same program.

Arguments are numbers, nested lists and tuples of numbers, and Values. Their
structure (container types and lengths, where the Values are) is the key of
a trace; the numbers, flattened in order, and the Values are what changes
from call to call. This runs on every call, so plain lists of floats take
C-speed paths.
"""

import numbers
from itertools import chain

import numpy as np

from micrograd.engine import Value

__all__ = ['NUMBER', 'VALUE', 'STATIC', 'ROWS', 'NDARRAY', 'describe', 'build', 'items', 'count', 'flatten_result',
           'rebuild_result']

NUMBER = 'number'
VALUE = 'Value'
STATIC = 'static'  # (STATIC, type, value): an argument passed to fn as it is, part of the key
ROWS = 'rows'  # (type, ROWS, row type, lengths): rows of numbers, all of one type
NDARRAY = 'ndarray'  # (NDARRAY, shape): a numpy array of numbers, given to fn as nested lists
_PLAIN = frozenset({float, int})
_SEQUENCES = (list, tuple)


def describe(args, static=frozenset()):
    """(key, numbers, values) of a call's arguments: their structure, their numbers in order (a float64 array),
    their Values in order.

    Arguments at the positions in `static` are part of the key themselves (they must be hashable).
    Rows of rows are taken on trust first and checked by numpy's conversion; anything unusual is
    described again number by number, which also says where a wrong argument is. numpy arrays
    are taken as they are (and reach fn as nested lists of Values).
    """
    for checked in (False, True):
        numbers_ = _Numbers()
        values: list = []
        key = tuple(_static(arg, i) if i in static else _describe(arg, numbers_, values, f"argument {i}", checked)
                    for i, arg in enumerate(args))
        array = numbers_.array(checked)
        if array is not None:
            return key, array, values
    raise AssertionError("unreachable")  # pragma: no cover


class _Numbers:
    """The numbers of a call in order: Python numbers in lists, numpy arrays as they came."""

    def __init__(self):
        self.pieces: list = [[]]
        self.append, self.extend = self.pieces[-1].append, self.pieces[-1].extend

    def add_array(self, array):
        self.pieces += [array.ravel(), []]
        self.append, self.extend = self.pieces[-1].append, self.pieces[-1].extend

    def array(self, checked):
        """All of them as one float64 array; None where a list held something other than numbers (unchecked)."""
        parts = []
        for piece in self.pieces:
            if isinstance(piece, list):
                numbers = np.array(piece, dtype=np.float64) if checked else np.array(piece)
                if numbers.ndim != 1 or numbers.dtype.kind not in 'fiub':
                    return None
                piece = numbers
            parts.append(piece)
        return np.concatenate(parts).astype(np.float64, copy=False) if len(parts) > 1 else parts[0].astype(
            np.float64, copy=False)


def _static(arg, i):
    try:
        hash(arg)
    except TypeError:
        raise TypeError(f"static argument {i} must be hashable (a tuple, not a list), "
                        f"got {type(arg).__name__}: {arg!r:.60}") from None
    return STATIC, type(arg), arg


def _describe(x, numbers_, values, where, checked):
    kind = type(x)
    if kind in _PLAIN:
        numbers_.append(x)
        return NUMBER
    if kind in _SEQUENCES:
        kinds = set(map(type, x))
        if kinds <= _PLAIN:  # a row of numbers
            numbers_.extend(x)
            return kind, len(x)
        if len(kinds) == 1 and kinds <= {list, tuple} and (
                not checked or set(map(type, chain.from_iterable(x))) <= _PLAIN):  # rows of numbers
            numbers_.extend(chain.from_iterable(x))
            return kind, ROWS, next(iter(kinds)), tuple(map(len, x))
        keys = tuple(_describe(item, numbers_, values, f"{where}[{i}]", checked) for i, item in enumerate(x))
        if all(key == NUMBER for key in keys):
            return kind, len(keys)
        if len(kinds) == 1 and all(type(key) is tuple and len(key) == 2 and type(key[1]) is int for key in keys):
            return kind, ROWS, next(iter(kinds)), tuple(key[1] for key in keys)
        return kind, keys
    if isinstance(x, Value):
        values.append(x)
        return VALUE
    if isinstance(x, numbers.Real):
        numbers_.append(x)
        return NUMBER
    if isinstance(x, np.ndarray) and x.dtype.kind in 'fiub':
        if not x.ndim:
            numbers_.append(x.item())
            return NUMBER
        numbers_.add_array(x)
        return NDARRAY, x.shape
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
    container = list if key[0] == NDARRAY else key[0]
    return container(_build(part, numbers_, values, number_leaf, value_leaf) for part in items(key))


def items(key):
    """The keys of the items of a list or tuple's key."""
    if key[0] == NDARRAY:
        shape = key[1]
        return [NUMBER] * shape[0] if len(shape) == 1 else [(NDARRAY, shape[1:])] * shape[0]
    if key[1] == ROWS:
        return [(key[2], n) for n in key[3]]
    return [NUMBER] * key[1] if isinstance(key[1], int) else list(key[1])


def count(key, leaf=NUMBER):
    """How many numbers (or Values, with leaf=VALUE) an argument of this key holds."""
    if key in (NUMBER, VALUE):
        return int(key == leaf)
    if key[0] == STATIC:
        return 0
    return sum(count(item, leaf) for item in items(key))


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
