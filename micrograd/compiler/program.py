"""A traced graph as a program of vectorized steps, replayed forward and backward on new numbers.

Every node has a slot in one flat array of values: the call's numbers, the
current data of the Values the function read (its inputs), the constants it
made, then the nodes it computed, grouped so that each step computes a
contiguous run of slots with one array operation from operands computed by
earlier steps. Steps group nodes by depth and kind: an op of the registry
(its array form), a dot product (w0*x0 + w1*x1 + ... added left to right,
as the engine adds, so the floats are the same), a chain of `+` (builtin
sum() makes one per call; added left to right with a cumulative sum), or a
node computed one at a time (an op without an array form). Backward walks
the steps in reverse and scatters each step's operand gradients with one
`bincount`.
"""

from collections import defaultdict

from micrograd import ops
from micrograd.engine import Value, _UserBackward

__all__ = ['Program', 'CompileError']


class CompileError(ValueError):
    """The traced function built something a compiled program cannot replay; the message says what."""


class _Step:
    """One vectorized operation over the nodes start..stop of the value array."""

    def __init__(self, kind, op, nodes, operands, stop_gradient):
        self.kind, self.op, self.nodes, self.stop_gradient = kind, op, nodes, stop_gradient
        self.operands = operands  # kind-specific index arrays, see Program._index
        self.all_operands = None  # for an op: every operand slot, position by position


class Program:
    """The replayable form of one trace (see the module docstring)."""

    def __init__(self, xp, roots, data_leaves, recording):
        self.xp = xp
        created = set(recording.nodes)
        self.hidden = recording.hidden
        order, inputs, constants = self._walk(roots, set(data_leaves), created)
        self.data_leaves = list(data_leaves)
        self.inputs = inputs  # Values made outside the trace: read each call, receive gradients
        self.constants = constants
        slots = {node: i for i, node in enumerate(self.data_leaves + inputs + constants)}
        self.first_computed = len(slots)
        self.steps = self._schedule(order, slots)
        self.slots = slots
        self.size = len(slots)
        self.constant_data = xp.array([c.data for c in constants])
        self.comparisons = [(slots[a], slots.get(b) if isinstance(b, Value) else float(b), name, result)
                            for a, b, name, result in recording.comparisons]
        self.input_slots = xp.array(range(len(self.data_leaves), len(self.data_leaves) + len(inputs))).astype(int)

    # Building.
    def _walk(self, roots, data_leaves, created):
        """Computed nodes operands first, the inputs (made outside) and the constants (leaves made inside)."""
        order, inputs, constants, seen = [], [], [], set(data_leaves)
        stack = [(root, False) for root in reversed(roots)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if node in seen:
                continue
            seen.add(node)
            operands = self._operands(node)
            if node not in created:
                inputs.append(node)
            elif not operands:
                constants.append(node)
            else:
                stack.append((node, True))
                stack.extend((operand, False) for operand in reversed(operands) if operand not in seen)
        return order, inputs, constants

    def _operands(self, node):
        hidden = self.hidden.get(node)
        return hidden[1] if hidden else node._operands

    def _operation(self, node):
        hidden = self.hidden.get(node)
        operation = hidden[0] if hidden else node._operation
        if type(operation) is _UserBackward or type(operation) is str:
            raise CompileError(f"cannot compile op {node._op!r}: it is a node with a _backward closure or an op the "
                               f"engine does not know; make it with micrograd.define_op to compile it")
        return operation

    def _schedule(self, order, slots):
        uses = defaultdict(int)
        for node in order:
            for operand in self._operands(node):
                uses[operand] += 1
        depth, terms, absorbed = {}, {}, set()
        for node in order:  # chains of +: a + b + c + ... as one node, when each inner sum is used only there
            operation = self._operation(node)
            operands = self._operands(node)
            if operation is ops.ADD:
                left = operands[0]
                if left in terms and uses[left] == 1 and left not in self.hidden and node not in self.hidden:
                    terms[node] = terms.pop(left) + [operands[1]]
                    absorbed.add(left)
                else:
                    terms[node] = list(operands)
        groups = defaultdict(list)
        for node in order:
            if node in absorbed:
                continue
            operation = self._operation(node)
            parts = terms.get(node) or self._operands(node)
            depth[node] = 1 + max((depth.get(x, 0) for x in parts), default=0)
            groups[(depth[node], *self._kind(node, operation, parts))].append(node)
        steps = []
        for key in sorted(groups, key=lambda key: key[0]):
            nodes = groups[key]
            kind, op, stop = key[1], key[2], key[-1]
            grid = self._grid(nodes, slots) if kind == 'dot' else None
            if grid is not None:
                kind, nodes = 'grid', grid[0]
            for node in nodes:
                slots[node] = len(slots)
            operands = grid[1] if grid is not None else self._index(kind, nodes, terms, slots)
            steps.append(_Step(kind, op, nodes, operands, stop))
            if kind == 'op':
                steps[-1].all_operands = self.xp.concatenate(operands)
        return steps

    def _grid(self, nodes, slots):
        """Dot nodes that are every (input row, weight row) pair once, as a layer's neurons on a batch are.

        Returns the nodes in row-major order and the index arrays of the distinct
        input rows, weight rows and biases; None where the nodes are not such a grid.
        """
        inputs, weights, cells = {}, {}, {}
        for node in nodes:
            w, x, b = ops.dot_parts(self._operands(node))
            row = inputs.setdefault(tuple(slots[v] for v in x), len(inputs))
            column = weights.setdefault((tuple(slots[v] for v in w), None if b is None else slots[b]), len(weights))
            cells[(row, column)] = node
        if len(cells) != len(nodes) or len(nodes) != len(inputs) * len(weights) or len(weights) == len(nodes):
            return None
        ordered = [cells[(r, c)] for r in range(len(inputs)) for c in range(len(weights))]
        xp = self.xp
        count = len(next(iter(inputs)))
        x_rows = xp.array(list(inputs)).astype(int).reshape(len(inputs), count)
        w_rows = xp.array([w for w, _ in weights]).astype(int).reshape(len(weights), count)
        biases = [b for _, b in weights]
        b_rows = None if biases[0] is None else xp.array(biases).astype(int)
        return ordered, (x_rows, w_rows, b_rows)

    def _kind(self, node, operation, parts):
        stop = node in self.hidden
        if operation is ops.ADD and len(parts) > 2:
            return 'chain', None, len(parts), stop
        if operation is ops.SUM:
            return 'chain', None, len(parts), stop
        if operation is ops.DOT:
            return 'dot', None, len(parts), stop
        if operation.array_forward is None or operation.array_derivative is None:
            return 'scalar', None, stop
        return 'op', operation, stop

    def _index(self, kind, nodes, terms, slots):
        xp = self.xp
        if kind == 'chain':
            return xp.array([[slots[t] for t in (terms.get(node) or self._operands(node))] for node in nodes]).astype(int)
        if kind == 'dot':
            parts = [ops.dot_parts(self._operands(node)) for node in nodes]
            weights = xp.array([[slots[w] for w in p[0]] for p in parts]).astype(int).reshape(len(nodes), -1)
            inputs = xp.array([[slots[x] for x in p[1]] for p in parts]).astype(int).reshape(len(nodes), -1)
            bias = None if parts[0][2] is None else xp.array([slots[p[2]] for p in parts]).astype(int)
            return weights, inputs, bias
        if kind == 'scalar':
            return [(self._operation(node), [slots[x] for x in self._operands(node)]) for node in nodes]
        return [xp.array([slots[node_operands[i]] for node_operands in map(self._operands, nodes)]).astype(int)
                for i in range(len(self._operands(nodes[0])))]

    # Running.
    def forward(self, numbers, input_data):
        """The value array for a call, and the operands each step gathered (kept for the backward pass)."""
        xp = self.xp
        values = xp.zeros(self.size)
        count = len(self.data_leaves)
        values[:count] = numbers
        values[count:count + len(self.inputs)] = input_data
        values[count + len(self.inputs):self.first_computed] = self.constant_data
        start, saved = self.first_computed, []
        for step in self.steps:
            stop = start + len(step.nodes)
            result, gathered = _FORWARD[step.kind](self, step, values)
            values[start:stop] = result
            saved.append(gathered)
            start = stop
        return values, saved

    def guards_hold(self, values):
        """Whether every comparison the trace made comes out the same on these values."""
        for a, b, name, result in self.comparisons:
            other = b if isinstance(b, float) else values[b]
            if bool(getattr(float(values[a]), name)(float(other))) != result:
                return False
        return True

    def backward(self, values, saved, seeds):
        """d(sum of seed * output)/d(every slot): seeds maps slots to upstream gradients."""
        xp = self.xp
        grads = xp.zeros(self.size)
        for slot, seed in seeds.items():
            grads[slot] += seed
        stop = self.size
        for step, gathered in zip(reversed(self.steps), reversed(saved)):
            start = stop - len(step.nodes)
            upstream = grads[start:stop]
            if not step.stop_gradient:
                indices, contributions = _BACKWARD[step.kind](self, step, upstream, values[start:stop], gathered)
                if len(indices):
                    grads += xp.bincount(indices, weights=contributions, minlength=self.size)
            stop = start
        return grads


def _forward_op(program, step, values):
    gathered = [values[index] for index in step.operands]
    return step.op.array_forward(program.xp, *gathered), gathered


def _forward_dot(program, step, values):
    weights, inputs, bias = step.operands
    w, x = values[weights], values[inputs]
    total = (w * x).sum(axis=1)  # the same sums as engine.dot, added in another order (to a few ulps)
    if bias is not None:
        total += values[bias]
    return total, (w, x)


def _forward_grid(program, step, values):
    x_rows, w_rows, b_rows = step.operands
    x, w = values[x_rows], values[w_rows]
    total = x @ w.T  # a matrix product: the same sums as engine.dot, added in another order (to a few ulps)
    if b_rows is not None:
        total += values[b_rows]
    return total.ravel(), (x, w)


def _backward_grid(program, step, upstream, out, gathered):
    x_rows, w_rows, b_rows = step.operands
    x, w = gathered
    xp = program.xp
    g = upstream.reshape(x.shape[0], w.shape[0])
    parts_index, parts = [x_rows.ravel(), w_rows.ravel()], [(g @ w).ravel(), (g.T @ x).ravel()]
    if b_rows is not None:
        parts_index.append(b_rows)
        parts.append(g.sum(axis=0))
    return xp.concatenate(parts_index), xp.concatenate(parts)


def _forward_chain(program, step, values):
    terms = values[step.operands]
    return program.xp.cumsum(terms, axis=1)[:, -1], None  # a cumulative sum adds left to right, as the engine


def _forward_scalar(program, step, values):
    gathered = [[float(values[i]) for i in operands] for _, operands in step.operands]
    results = [op.forward(*data) for (op, _), data in zip(step.operands, gathered)]
    return program.xp.array(results), gathered


def _backward_op(program, step, upstream, out, gathered):
    xp = program.xp
    contributions = step.op.array_derivative(xp, upstream, out, *gathered)
    count = len(upstream)
    flat = xp.empty(count * len(contributions))
    for i, contribution in enumerate(contributions):  # an array, or one number for every node
        flat[i * count:(i + 1) * count] = contribution
    return step.all_operands, flat


def _backward_dot(program, step, upstream, out, gathered):
    xp = program.xp
    weights, inputs, bias = step.operands
    w, x = gathered
    column = upstream[:, None]
    parts_index = [weights.ravel(), inputs.ravel()]
    parts = [(column * x).ravel(), (column * w).ravel()]
    if bias is not None:
        parts_index.append(bias)
        parts.append(upstream)
    return xp.concatenate(parts_index), xp.concatenate(parts)


def _backward_chain(program, step, upstream, out, gathered):
    xp = program.xp
    return step.operands.ravel(), xp.repeat(upstream, step.operands.shape[1])


def _backward_scalar(program, step, upstream, out, gathered):
    xp = program.xp
    indices, contributions = [], []
    for (op, operands), g, result, data in zip(step.operands, upstream.tolist(), out.tolist(), gathered):
        indices += operands
        contributions += list(op.derivative(g, result, *data))
    return xp.array(indices).astype(int), xp.array([float(c) for c in contributions])


_FORWARD = {'op': _forward_op, 'dot': _forward_dot, 'grid': _forward_grid, 'chain': _forward_chain,
            'scalar': _forward_scalar}
_BACKWARD = {'op': _backward_op, 'dot': _backward_dot, 'grid': _backward_grid, 'chain': _backward_chain,
             'scalar': _backward_scalar}
