"""Tracing: run a function once on Values and record what it built, what it read and what it compared.

While a trace runs, the engine's node constructor and Value's comparisons are
wrapped for the tracing thread only, so the recording costs nothing outside a
trace and nothing in the engine's code.
"""

import contextlib
import itertools
import numbers
import sys
import threading

from micrograd import engine
from micrograd.engine import Value

__all__ = ['Recording', 'recording', 'flatten', 'unflatten']

COMPARISONS = ('__lt__', '__le__', '__gt__', '__ge__')


class Recording:
    """What one traced call did: the nodes it made, in order, and the comparisons it made of Values."""

    def __init__(self):
        self.thread = threading.get_ident()
        self.nodes = []  # every node the engine made, operands before results
        self.hidden = {}  # node made under no_grad -> (op, operands) it would have recorded
        self.comparisons = []  # (Value, other Value or number, method name, result)
        self.reads = []  # Values whose .data code outside micrograd read: a dependence no replay can see


_lock = threading.Lock()


@contextlib.contextmanager
def recording():
    """Record the engine's work in this thread while the block runs (one trace at a time in a process)."""
    record = Recording()
    make_node = engine._node
    compare = {name: getattr(Value, name) for name in COMPARISONS}

    make_value = Value.__init__

    def traced_value(self, *args, **kwargs):  # a leaf made inside the function: a constant of the trace
        make_value(self, *args, **kwargs)
        if threading.get_ident() == record.thread:
            record.nodes.append(self)

    def traced_node(data, operands, operation):
        out = make_node(data, operands, operation)
        if threading.get_ident() == record.thread:
            record.nodes.append(out)
            if operands and not out._operands:
                record.hidden[out] = (operation, operands)
        return out

    def traced(name):
        def comparison(self, other):
            result = compare[name](self, other)
            if threading.get_ident() == record.thread:
                record.comparisons.append((self, other, name, result))
            return result
        return comparison

    data = Value.__dict__['data']  # the slot's descriptor

    def read_data(self):
        if threading.get_ident() == record.thread and not sys._getframe(1).f_globals.get('__name__', '').startswith(
                'micrograd.'):
            record.reads.append(self)
        return data.__get__(self, Value)

    with _lock:
        engine._node = traced_node
        for name in COMPARISONS:
            setattr(Value, name, traced(name))
        Value.data = property(read_data, data.__set__)
        Value.__init__ = traced_value
        try:
            yield record
        finally:
            Value.__init__ = make_value
            Value.data = data
            engine._node = make_node
            for name, method in compare.items():
                setattr(Value, name, method)


_PLAIN_NUMBERS = {float, int}


def flatten(args):
    """(structure, numbers, values) of nested lists/tuples of numbers and Values; TypeError for anything else.

    structure is hashable and equal for arguments of the same shape, so it keys the traces.
    """
    numbers_, values = [], []

    def walk(x, where):
        kind = type(x)
        if kind is float or kind is int:
            numbers_.append(x)
            return 'n'
        if kind is list or kind is tuple:
            types = {type(item) for item in x}
            if types <= _PLAIN_NUMBERS:  # the common cases, at C speed: a list of numbers
                numbers_.extend(x)
                return (kind.__name__, len(x))
            if len(types) == 1 and types <= {list, tuple}:  # a list of lists of numbers
                flat = list(itertools.chain.from_iterable(x))
                if {type(item) for item in flat} <= _PLAIN_NUMBERS:
                    numbers_.extend(flat)
                    inner = next(iter(types)).__name__
                    return (kind.__name__, tuple((inner, len(row)) for row in x))
            return (kind.__name__, tuple(walk(item, f"{where}[{i}]") for i, item in enumerate(x)))
        if isinstance(x, Value):
            values.append(x)
            return 'v'
        if isinstance(x, numbers.Real) and not isinstance(x, bool):
            numbers_.append(x)
            return 'n'
        if isinstance(x, (list, tuple)):
            return walk(list(x) if isinstance(x, list) else tuple(x), where)
        raise TypeError(f"a compiled function takes numbers, Values and (nested) lists or tuples of them; "
                        f"{where} is {type(x).__name__}: {x!r:.60}")

    structure = tuple(walk(arg, f"argument {i}") for i, arg in enumerate(args))
    return structure, numbers_, values


def unflatten(structure, numbers_, values):
    """The arguments back from flatten()'s parts (numbers and Values in the order flatten() met them)."""
    numbers_, values = iter(numbers_), iter(values)

    def build(shape):
        if shape == 'n':
            return next(numbers_)
        if shape == 'v':
            return next(values)
        kind, items = shape
        if isinstance(items, int):  # a flat run of numbers
            built = [next(numbers_) for _ in range(items)]
        else:
            built = [build(item) for item in items]
        return built if kind == 'list' else tuple(built)

    return [build(shape) for shape in structure]
