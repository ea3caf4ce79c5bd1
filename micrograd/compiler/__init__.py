"""micrograd.compile: trace a function of Values once, then replay it vectorized on new numbers.

    step = micrograd.compile(loss_fn)
    loss = step(X, y)        # the first call traces loss_fn; later calls replay the trace with numpy
    loss.backward()          # gradients land in the Values loss_fn used, as they would interpreted

Needs numpy (`pip install micrograd[compile]`), imported only when used.
"""

import functools
import warnings
from dataclasses import replace

from micrograd import engine, grad_mode, ops
from micrograd.compiler.backends import numpy_namespace
from micrograd.compiler.program import CompileError, Program
from micrograd.compiler.trace import flatten, recording, unflatten
from micrograd.engine import Value

__all__ = ['compile', 'Compiled', 'CompileError', 'ReplayWarning']

BACKENDS = {'numpy': numpy_namespace}


class ReplayWarning(UserWarning):
    """A compiled function cannot be replayed safely, so it runs interpreted on every call."""


def compile(fn, backend='numpy', max_traces=8):  # noqa: A001 - micrograd.compile, like torch.compile
    """fn, compiled: same results as calling it (data and gradients), computed by replaying its first call's graph.

    Arguments are numbers, nested lists/tuples of numbers (they reach fn as
    Value leaves) and Values (their .grad receives gradients). A call with
    another argument structure, or whose comparisons of Values come out
    differently than when fn was traced, is traced again (at most max_traces
    traces are kept, the least recently used forgotten first). backend: 'numpy'.
    """
    if not callable(fn):
        raise TypeError(f"compile needs a function, got {type(fn).__name__}")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r:.40}")
    if isinstance(max_traces, bool) or not isinstance(max_traces, int) or max_traces < 1:
        raise ValueError(f"max_traces must be an int >= 1, got {max_traces!r:.40}")
    return Compiled(fn, BACKENDS[backend](), max_traces)


class Compiled:
    """A compiled function: call it like the function; `traces` counts the traces it holds."""

    def __init__(self, fn, xp, max_traces):
        self.fn, self.xp, self.max_traces = fn, xp, max_traces
        self._traces = {}  # (argument structure, grad mode) -> [_Trace], most recently used first
        self._recent = []  # every (key, trace), most recently used first
        functools.update_wrapper(self, fn)

    @property
    def traces(self):
        return sum(len(traces) for traces in self._traces.values())

    def __call__(self, *args, **kwargs):
        if kwargs:
            raise TypeError(f"a compiled function takes positional arguments only, got {', '.join(kwargs)}")
        structure, numbers, values = flatten(args)
        key = (structure, grad_mode.state.enabled, grad_mode.state.micrograd_shapes)
        traces = self._traces.setdefault(key, [])
        for i, trace in enumerate(traces):
            outcome = trace.replay(numbers, values)
            if outcome is _GUARDS_DIFFER:
                continue
            if outcome is _INTERPRET:  # a non-finite number, or a trace that cannot be replayed
                return self.fn(*unflatten(structure, [Value(x) for x in numbers], values))
            traces.insert(0, traces.pop(i))
            self._recent.remove((key, trace))
            self._recent.insert(0, (key, trace))
            return outcome
        trace, result = self._trace(structure, numbers, values)
        traces.insert(0, trace)
        self._recent.insert(0, (key, trace))
        if len(self._recent) > self.max_traces:  # forget the trace used least recently
            old_key, old = self._recent.pop()
            self._traces[old_key].remove(old)
        return result

    def _trace(self, structure, numbers, values):
        leaves = [Value(x) for x in numbers]
        with recording() as record:
            result = self.fn(*unflatten(structure, leaves, values))
        return _Trace(self, structure, leaves, values, record, result), result


_GUARDS_DIFFER, _INTERPRET = object(), object()


class _Trace:
    """One recorded call: its program, where its inputs come from, and how to rebuild its result."""

    def __init__(self, compiled, structure, leaves, values, record, result):
        self.xp = compiled.xp
        self.name = getattr(compiled.fn, '__name__', 'fn')
        self.result_structure, numbers, returned = flatten([result])
        if numbers:
            warnings.warn(ReplayWarning(f"{self.name} returns plain numbers, which a replay cannot recompute: "
                                        "it runs interpreted; return Values instead"), stacklevel=4)
            self.program = None
            return
        compared = [a for a, b, _, _ in record.comparisons] + [b for _, b, _, _ in record.comparisons
                                                                 if isinstance(b, Value)]
        self.program = Program(self.xp, returned + compared, leaves, record)
        argument = {v: i for i, v in enumerate(values)}
        self.sources = [argument.get(node, node) for node in self.program.inputs]  # an argument index, or the Value
        self.returned = [self.program.slots[v] for v in returned]
        if any(node in self.program.slots and self.program.slots[node] >= self.program.first_computed
               or node in argument or node in self.program.inputs for node in record.reads):
            warnings.warn(ReplayWarning(f"{self.name} reads the .data of a Value it computes or takes: a replay "
                                        "cannot follow that, so it runs interpreted"), stacklevel=4)
            self.program = None
            return
        self.input_slots = list(range(len(leaves), len(leaves) + len(self.program.inputs)))
        self.template = ops.Op(f"compiled {self.name}", f"compiled {self.name}", None, None, None,
                               f"{self.name}(...)", (), n_ary=self._describe)

    def _describe(self, count):
        names = tuple(f"p{i}" for i in range(count))
        return names, f"{self.name}({', '.join(names)})", tuple(f"d {self.name} / d {x}" for x in names)

    def replay(self, numbers, values):
        program = self.program
        if program is None:
            return _INTERPRET
        inputs = [values[source] if isinstance(source, int) else source for source in self.sources]
        with _quiet(self.xp):
            data, saved = program.forward(self.xp.array(numbers), [x.data for x in inputs])
            if not bool(self.xp.isfinite(data[program.first_computed:]).all()):
                return _INTERPRET
        if not program.guards_hold(data):
            return _GUARDS_DIFFER
        operands = tuple(inputs)
        made = {}
        outputs = [made.get(slot) or made.setdefault(slot, self._output(slot, data, saved, operands))
                   for slot in self.returned]
        return unflatten(self.result_structure, [], outputs)[0]

    def _output(self, slot, data, saved, operands):
        program = self.program
        if program.first_computed > slot >= len(program.data_leaves) and slot < len(program.data_leaves) + len(operands):
            return operands[slot - len(program.data_leaves)]  # fn returned one of its inputs

        def rule(g, out, *_):
            if isinstance(out, Value):
                raise CompileError(f"grad(..., create_graph=True) cannot differentiate through compiled "
                                   f"{self.name}: call the function itself for higher derivatives")
            with _quiet(self.xp):
                grads = program.backward(data, saved, {slot: g})
            return grads[self.input_slots].tolist()

        return engine._node(float(data[slot]), operands, replace(self.template, derivative=rule))


def _quiet(xp):
    """numpy's floating-point warnings off: a non-finite number sends the call to the interpreted engine instead."""
    errstate = getattr(xp, 'errstate', None)
    return errstate(all='ignore') if errstate else _nothing()


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
