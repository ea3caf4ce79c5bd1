"""A compiled function: traces on the first call of each argument structure, replays afterwards.

Calls go to the most recently used trace of the same argument structure
whose comparisons come out the same; when none does, fn is traced again
(the cache keeps the last `max_traces`). A replay that meets inf or nan
hands the call to the engine, which raises its own error where Python's float
math does (log of a negative number, say) or computes the same inf/nan. A
function whose trace cannot be replayed runs uncompiled from then on, with
a CompileWarning saying why.
"""

import functools
import numbers
import warnings

from micrograd.compiler import structure, tracing
from micrograd.compiler.backends import backend_named
from micrograd.compiler.graph import TracedGraph
from micrograd.compiler.plan import Plan
from micrograd.compiler.program import MISMATCH, NOT_FINITE, Program
from micrograd.engine import Value

__all__ = ['Compiled', 'CompileWarning']


class CompileWarning(UserWarning):
    """A compiled function runs uncompiled, or is traced again and again."""


def _positions(static_argnums):
    if isinstance(static_argnums, numbers.Integral) and not isinstance(static_argnums, bool):
        static_argnums = (static_argnums,)
    try:
        positions = frozenset(static_argnums)
    except TypeError:
        positions = None
    if positions is None or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in positions):
        raise ValueError(f"static_argnums must be argument positions (ints >= 0), got {static_argnums!r:.60}")
    return positions


class _Trace:
    __slots__ = ('key', 'program', 'template')

    def __init__(self, key, program, template):
        self.key, self.program, self.template = key, program, template


class Compiled:
    """fn traced once per argument structure and replayed on arrays; see micrograd.compile."""

    def __init__(self, fn, backend='numpy', max_traces=8, static_argnums=()):
        if not callable(fn):
            raise TypeError(f"micrograd.compile needs a function, got {type(fn).__name__}: {fn!r:.60}")
        if isinstance(max_traces, bool) or not isinstance(max_traces, numbers.Integral) or max_traces < 1:
            raise ValueError(f"max_traces must be a positive int, got {max_traces!r:.60}")
        self._static = _positions(static_argnums)
        functools.update_wrapper(self, fn)
        self._fn, self._backend, self._max_traces = fn, backend_named(backend), int(max_traces)
        self._name = getattr(fn, '__name__', type(fn).__name__)
        self._traces = []  # most recently used first
        self._traced_in_a_row = 0
        self.traces = 0  # how many times fn was traced
        self.refusal = None  # why fn runs uncompiled, once it does

    @property
    def backend(self):
        return self._backend.name

    def __repr__(self):
        return f"<micrograd.compile({self._name}) on {self.backend}, {self.traces} trace(s)>"

    def __call__(self, *args, **kwargs):
        if kwargs:
            raise TypeError(f"compiled {self._name}() takes positional arguments only, got {', '.join(kwargs)}=")
        if tracing.is_tracing():  # called while another function is traced: part of that trace
            return self._fn(*args)
        key, numbers_, arguments = structure.describe(args, self._static)
        if self.refusal is not None:
            return self._uncompiled(key, numbers_, arguments)
        for position, trace in enumerate(self._traces):
            if trace.key != key:
                continue
            outcome = trace.program.run(numbers_, arguments)
            if outcome is MISMATCH:
                continue
            self._traces.insert(0, self._traces.pop(position))
            self._traced_in_a_row = 0
            if outcome is NOT_FINITE:
                return self._uncompiled(key, numbers_, arguments)
            return structure.rebuild_result(trace.template, trace.program.results(*outcome))
        return self._trace(key, numbers_, arguments)

    def _uncompiled(self, key, numbers_, arguments):
        """fn run by the engine, on the arguments a trace would give it."""
        return self._fn(*structure.build(key, numbers_, arguments, Value, lambda value: value))

    def _trace(self, key, numbers_, arguments):
        inputs, stand_ins = [], []

        def input_leaf(number):
            inputs.append(Value(number))
            return inputs[-1]

        def stand_in(value):  # a leaf per Value argument, so that a later call may pass another Value there
            stand_ins.append(Value(value.data, label=value.label))
            return stand_ins[-1]

        traced_args = structure.build(key, numbers_, arguments, input_leaf, stand_in)
        self.traces += 1
        self._traced_in_a_row += 1
        with tracing.recording() as recorder:
            result = self._fn(*traced_args)
        leaves: list = []
        template = structure.flatten_result(result, leaves)
        graph = TracedGraph(recorder, inputs, stand_ins, leaves, self._name)
        del recorder
        if graph.refusal is not None:
            self.refusal = graph.refusal
            warnings.warn(f"micrograd.compile: {graph.refusal}. It runs uncompiled from now on.",
                          CompileWarning, stacklevel=3)
            return self._uncompiled(key, numbers_, arguments) if arguments else result
        program = Program(Plan(graph), self._backend, self._name)
        del graph
        outcome = program.run(numbers_, arguments)
        if outcome is MISMATCH or outcome is NOT_FINITE:  # rounding flipped a comparison, or inf/nan data
            return self._uncompiled(key, numbers_, arguments) if arguments else result
        self._traces.insert(0, _Trace(key, program, template))
        del self._traces[self._max_traces:]
        if self._traced_in_a_row == self._max_traces + 1:
            warnings.warn(f"micrograd.compile: {self._name} was traced on each of its last {self._traced_in_a_row} "
                          f"calls: its comparisons of Values come out differently from call to call, or its "
                          f"arguments change structure (or static arguments their values), so compiling costs "
                          f"more than it saves",
                          CompileWarning, stacklevel=3)
        return structure.rebuild_result(template, program.results(*outcome))

    def summary(self) -> str:
        """What the most recent trace became: nodes traced, array operations by kind, comparisons checked."""
        if not self._traces:
            return f"{self._name}: not traced yet" if self.refusal is None else f"{self._name}: {self.refusal}"
        program = self._traces[0].program
        kinds: dict = {}
        for _, kernel in program.kernels:
            kinds[kernel.kind] = kinds.get(kernel.kind, 0) + 1
        checks = sum(len(results) for _, _, _, results in program.plan.comparisons)
        parts = ', '.join(f"{count} {kind}" for kind, count in kinds.items())
        return (f"{self._name}: {program.plan.traced_nodes} nodes traced, replayed as {len(program.kernels)} array "
                f"operations on {self.backend} ({parts}); {len(program.captured)} captured Values, "
                f"{checks} comparisons checked per call, {self.traces} trace(s) so far")

    def to_torch(self):
        """The most recently used trace as a torch.nn.Module: a function of the same arguments on tensors."""
        from micrograd.compiler.torch_function import TorchFunction
        if self.refusal is not None:
            raise RuntimeError(f"{self._name} has no trace to export: {self.refusal}")
        if not self._traces:
            raise RuntimeError(f"{self._name} has not been traced yet: call it once, then export its trace")
        trace = self._traces[0]
        return TorchFunction(trace.key, trace.program.plan, trace.template, self._name)
