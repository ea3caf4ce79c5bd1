"""A plan on a backend: replay the trace on new numbers, check it, and hand back ordinary Values.

Each result of a replay is one node of the ordinary graph: its operands are
the Value arguments and captured Values it depends on, and its op is this
call's entry, whose derivative rule runs the program's backward pass over
the arrays the forward pass left. So `backward()` works through it like
through any node, and everything outside the program (drawing, combining
results, gradients into parameters) is the engine's own.
"""

import operator

import numpy as np

from micrograd import grad_mode
from micrograd.compiler.kernels import kernel_for
from micrograd.engine import Value, _node
from micrograd.ops import Op

__all__ = ['Program', 'compiled_groups', 'MISMATCH', 'NOT_FINITE']

MISMATCH = 'a comparison came out differently'  # replay outcomes other than (values, externals)
NOT_FINITE = 'a value is inf or nan'
_COMPARE = {'<': operator.lt, '<=': operator.le, '>': operator.gt, '>=': operator.ge}
_SKIP = 'skip'


class Program:
    """One trace's plan compiled for a backend."""

    def __init__(self, plan, backend, name):
        self.plan, self.backend, self.name = plan, backend, name
        template = np.zeros(plan.size)
        template[plan.constant_start:plan.constant_start + len(plan.constants)] = plan.constants
        self.template = backend.array(template)
        self.captured = plan.captured
        self.kernels, self.comparisons = compiled_groups(plan, backend)
        self._forwards = [(out, kernel.forward) for out, kernel in self.kernels]
        self._backwards = [kernel.backward for _, kernel in reversed(self.kernels)]
        self.externals = slice(plan.inputs, plan.inputs + plan.arguments + len(plan.captured))
        self.result_slots = backend.index(np.array(plan.results, dtype=np.int64))
        self.result_kinds = [self._kind(slot) for slot in plan.results]
        self._backward_plans = {}
        self._op_fields = vars(Op('compiled', f"compiled {name}", None, _made_by_the_program, None,
                                  f"{name}(...)", (), n_ary=_describe(name))).copy()

    def _kind(self, slot):
        if self.externals.start <= slot < self.externals.stop:
            return 'external'
        return 'node' if slot >= self.plan.constant_start + len(self.plan.constants) else 'leaf'

    def run(self, numbers, arguments):
        """(values, externals) of a replay on new numbers and Value arguments, or MISMATCH or NOT_FINITE."""
        backend = self.backend
        values = backend.copy(self.template)
        if self.plan.inputs:
            values[:self.plan.inputs] = backend.array(numbers)
        externals = arguments + self.captured
        data = [x.data for x in externals]
        if externals:
            values[self.externals] = backend.array(data)
        xp = backend.xp
        with backend.quiet():
            for out, forward in self._forwards:
                values[out] = forward(xp, values)
            for compare, a, b, results in self.comparisons:
                if not backend.equal(compare(a(values), b(values)), results):
                    return MISMATCH
        if not backend.all_finite(values):
            return NOT_FINITE
        return values, externals, data

    def results(self, values, externals, data):
        """The result Values of a replay: nodes of the ordinary graph (leaves inside no_grad())."""
        numbers = self.backend.floats(values[self.result_slots])
        recording = grad_mode.is_grad_enabled()
        made = []
        for k, (kind, number) in enumerate(zip(self.result_kinds, numbers)):
            if kind == 'external':
                made.append(externals[self.plan.results[k] - self.externals.start])
            elif kind == 'leaf' or not recording:
                made.append(Value(number))
            else:
                made.append(self._node(values, externals, data, k, number))
        return made

    def _node(self, values, externals, data, k, number):
        dependencies, _, operands, _ = self._backward_plan(k)
        if operands is None:
            operands = tuple(externals[i] for i in dependencies.tolist())

        def rule(g, out, *operand_data):
            if isinstance(out, Value):
                raise ValueError(f"grad(..., create_graph=True) cannot differentiate through the compiled "
                                 f"program {self.name!r}: it computes gradients on arrays, not Values. Call "
                                 f"{self.name} uncompiled to get higher derivatives")
            forward_data = data if len(dependencies) == len(data) else [data[i] for i in dependencies.tolist()]
            if list(operand_data) != forward_data:  # changed since the forward pass: backward() reads leaves' data now
                self.update(values, k, operand_data)
            return self.gradients(values, k, g)

        return _node(number, operands, self._op(rule))

    def _op(self, rule):
        """This call's op entry: the program's fields with its own derivative rule.

        A copy of a ready entry's fields: building the frozen dataclass anew
        (19 fields) takes longer than a small replay when a call returns a
        hundred Values.
        """
        op = object.__new__(Op)
        vars(op).update(self._op_fields)
        vars(op)['derivative'] = rule
        return op

    def _backward_plan(self, k):
        """(external indices result k depends on, their slots, their captured Values or None, each kernel's step)."""
        known = self._backward_plans.get(k)
        if known is None:
            plan = self.plan
            reach = plan.reachable(plan.results[k])
            dependencies = np.flatnonzero(reach[self.externals])
            operands = None if plan.arguments else tuple(self.captured[i] for i in dependencies.tolist())
            steps = []
            for out, _ in reversed(self.kernels):
                on_the_way, wanted = reach[out], reach[out] & plan.needs_grad[out]
                steps.append(_SKIP if not wanted.any() else None if on_the_way.all()
                             else self.backend.mask(on_the_way))
            slots = self.backend.index(dependencies + self.externals.start)
            known = self._backward_plans[k] = (dependencies, slots, operands, steps)
        return known

    def update(self, values, k, operand_data):
        """Put the current data of result k's operands into the buffer."""
        _, slots, _, _ = self._backward_plan(k)
        values[slots] = self.backend.array(operand_data)

    def gradients(self, values, k, g):
        """d result k / d each Value it depends on, times g, from the arrays of the call that made it."""
        backend = self.backend
        _, slots, _, steps = self._backward_plan(k)
        grads = backend.zeros(self.plan.size)
        grads[self.plan.results[k]] = g
        xp = backend.xp
        with backend.quiet():
            for backward, step in zip(self._backwards, steps):
                if step is not _SKIP:
                    backward(xp, values, grads, step)
        return backend.floats(grads[slots])


def compiled_groups(plan, backend):
    """([(slice written, kernel)], [(comparison, reader a, reader b, expected results)]) of a plan on a backend."""
    start, constants = plan.constant_start, plan.constants

    def reader(slots):  # slots that are all constants are read once, here
        if slots.size and start <= slots.min() and slots.max() < start + len(constants):
            fixed = backend.array(constants[slots - start])
            return lambda values: fixed
        return backend.reader(slots)

    kernels = [(slice(first, stop), kernel_for(group, slice(first, stop), backend, reader, plan.needs_grad))
               for first, stop, group in plan.groups]
    comparisons = [(_COMPARE[symbol], reader(a), reader(b), backend.mask(results))
                   for symbol, a, b, results in plan.comparisons]
    return kernels, comparisons


def _made_by_the_program(*data):
    raise TypeError("a compiled program's result is computed by its program, not by applying its op to floats")


def _describe(name):
    def describe(count):
        names = tuple(f"x{i}" for i in range(count))
        return names, f"{name}({', '.join(names[:3])}{', ...' if count > 3 else ''})", tuple(
            f"d {name} / d {x}" for x in names)
    return describe
