"""One group of a plan on one backend: its forward (the group's values) and its backward (gradients added to its operands).

`forward(xp, values)` returns the group's results, for the caller to store;
`backward(xp, values, grads, mask)` adds the group's contributions into the
gradient buffer, where grads[out] is already complete. mask is None when the
whole group lies on the way to the differentiated result, else the nodes that
do: the others contribute nothing, as backward() never visits them (which
matters where a local derivative is infinite).
"""

import math
from typing import Any

import numpy as np

from micrograd.compiler.plan import ChainGroup, DotGroup, GemmGroup, OpGroup

__all__ = ['kernel_for']


_FEW = 4  # nodes up to which one op runs on Python floats: cheaper than array calls, and the engine's own floats


def kernel_for(group, out, backend, reader, needs_grad):
    """The kernel of a plan group writing slots out (a slice); reader(slots) reads the value buffer."""
    if type(group) is OpGroup and out.stop - out.start <= _FEW and backend.name == 'numpy':
        return FloatKernel(group, out, backend, reader, needs_grad)
    kind = {OpGroup: OpKernel, DotGroup: DotKernel, GemmGroup: GemmKernel, ChainGroup: ChainKernel}[type(group)]
    return kind(group, out, backend, reader, needs_grad)


def _adder(backend, slots, needs_grad):
    """Adds gradients into slots, or None when none of them needs one."""
    return backend.adder(slots) if needs_grad[slots].any() else None


class OpKernel:
    """One op on arrays of operands, with its array forms, else node by node with its float rules."""

    kind = 'elementwise'

    def __init__(self, group, out, backend, reader, needs_grad):
        self.op, self.out, self.backend = group.op, out, backend
        self.reads = [reader(slots) for slots in group.operands]
        # Operands read from the same slots (x * x) add their contributions first, then into grads once.
        same = [next(j for j, other in enumerate(group.operands) if np.array_equal(other, slots))
                for slots in group.operands]
        self.merges = [(first, i) for i, first in enumerate(same) if first != i]
        self.adds = [(i, add) for i, slots in enumerate(group.operands) if same[i] == i
                     for add in [_adder(backend, slots, needs_grad)] if add is not None]

    def forward(self, xp, values):
        operands = [read(values) for read in self.reads]
        if self.op.array_forward is not None:
            return self.op.array_forward(xp, *operands)
        return self.backend.array([_forward_or_nan(self.op, row)
                                   for row in zip(*map(self.backend.floats, operands))])

    def backward(self, xp, values, grads, mask):
        out = self.out
        g, operands = self.backend.unshared(grads[out]), [read(values) for read in self.reads]
        if self.op.array_derivative is not None:
            contributions = self.op.array_derivative(xp, g, values[out], *operands)
            if len(contributions) != len(operands):
                raise ValueError(f"the array_derivative of op {self.op.name!r} gave {len(contributions)} "
                                 f"gradient(s) for {len(operands)} operand(s)")
            if mask is not None:
                contributions = [xp.where(mask, c, 0.0) for c in contributions]
        else:
            contributions = self._node_by_node(g, values[out], operands, mask)
        if self.merges:
            contributions = list(contributions)
            for first, i in self.merges:
                contributions[first] = contributions[first] + contributions[i]
        for i, add in self.adds:
            add(grads, contributions[i])

    def _node_by_node(self, g, out, operands, mask):
        floats = self.backend.floats
        visited = [True] * len(floats(g)) if mask is None else floats(mask)
        rows = [self.op.derivative(*row[1:]) if row[0] else (0.0,) * len(operands)
                for row in zip(visited, floats(g), floats(out), *map(floats, operands))]
        return [self.backend.array(column) for column in zip(*rows)]


class FloatKernel:
    """A few nodes of one op, computed and differentiated with its float rules, as the engine does."""

    kind = 'on floats'

    def __init__(self, group, out, backend, reader, needs_grad):
        self.op, self.out, self.backend = group.op, out, backend
        self.rows = [tuple(row) for row in zip(*(slots.tolist() for slots in group.operands))]
        self.wanted = [[bool(needs_grad[slot]) for slot in row] for row in self.rows]

    def forward(self, xp, values):
        item = values.item
        return self.backend.array([_forward_or_nan(self.op, [item(slot) for slot in row]) for row in self.rows])

    def backward(self, xp, values, grads, mask):
        item, derivative = values.item, self.op.derivative
        for i, (slot, row, wanted) in enumerate(zip(range(self.out.start, self.out.stop), self.rows, self.wanted)):
            if mask is None or mask[i]:
                contributions = derivative(grads.item(slot), item(slot), *[item(s) for s in row])
                for operand, contribution, want in zip(row, contributions, wanted):
                    if want:
                        grads[operand] += contribution


def _forward_or_nan(op, data):
    """op's float forward; nan where it raises, so that the call goes to the engine, which raises its own error."""
    try:
        return op.forward(*data)
    except (ArithmeticError, ValueError):
        return math.nan


class DotKernel:
    """start + w0*x0 + w1*x1 + ..., added in the engine's order, for nodes that do not form a matrix product."""

    kind = 'row sums of products'

    def __init__(self, group, out, backend, reader, needs_grad):
        self.out, self.backend = out, backend
        self.weights, self.inputs, self.start = map(reader, (group.weights, group.inputs, group.start))
        self.add_weights, self.add_inputs, self.add_start = (
            _adder(backend, slots, needs_grad) for slots in (group.weights, group.inputs, group.start))

    def forward(self, xp, values):
        return self.backend.rows_sum(self.backend.stack(self.start(values), self.weights(values) * self.inputs(values)))

    def backward(self, xp, values, grads, mask):
        g = self.backend.unshared(grads[self.out])
        if self.add_weights is not None:
            self.add_weights(grads, g * self.inputs(values))
        if self.add_inputs is not None:
            self.add_inputs(grads, g * self.weights(values))
        if self.add_start is not None:
            self.add_start(grads, g)


class GemmKernel:
    """A batch through a layer: rows (samples x pairs) times columns (neurons x pairs) transposed, plus biases."""

    kind = 'matrix products'

    def __init__(self, group, out, backend, reader, needs_grad):
        self.out = out
        self.shape = (len(group.rows), len(group.columns))
        self.rows, self.columns = reader(group.rows), reader(group.columns)
        self.add_rows, self.add_columns = _adder(backend, group.rows, needs_grad), _adder(
            backend, group.columns, needs_grad)
        bias: Any = group.bias or (None, None)
        self.bias_kind, bias_slots = bias
        if self.bias_kind is not None:
            self.bias, self.add_bias = reader(bias_slots), _adder(backend, bias_slots, needs_grad)
            # Sums over rows or columns as products with ones: a quarter of the time of .sum(axis) here.
            self.ones = backend.array(np.ones(self.shape[0 if self.bias_kind == 'column' else 1]))

    def forward(self, xp, values):
        product = self.rows(values) @ self.columns(values).T
        if self.bias_kind is not None:
            bias = self.bias(values)
            product = product + (bias[:, None] if self.bias_kind == 'row' else bias)
        return product.reshape(-1)

    def backward(self, xp, values, grads, mask):
        g = grads[self.out].reshape(self.shape)
        if self.add_rows is not None:
            self.add_rows(grads, g @ self.columns(values))
        if self.add_columns is not None:
            self.add_columns(grads, g.T @ self.rows(values))
        if self.bias_kind is not None and self.add_bias is not None:
            self.add_bias(grads, g if self.bias_kind == 'each' else self.ones @ g if self.bias_kind == 'column'
                          else g @ self.ones)


class ChainKernel:
    """A chain of + (builtin sum) or a micrograd.sum node: one sum of its terms, in the engine's order."""

    kind = 'sums'

    def __init__(self, group, out, backend, reader, needs_grad):
        self.out, self.backend = out, backend
        self.terms, self.add_terms = reader(group.terms), _adder(backend, group.terms, needs_grad)

    def forward(self, xp, values):
        return self.backend.rows_sum(self.terms(values))

    def backward(self, xp, values, grads, mask):
        if self.add_terms is not None:
            self.add_terms(grads, self.backend.unshared(grads[self.out])[None])
