"""The layout and schedule of a compiled program, as numpy index arrays (no backend yet).

Every Value of the trace gets a slot in one float buffer, laid out as
[inputs | Value arguments | captured | constants | computed]. Computed nodes
are grouped by (level, op): level is one more than the highest level of a
node's operands, so a group only reads slots that earlier groups wrote, and a
replay runs one array operation per group, never Python per node. Three
shapes get their own groups:

- chains of `+` as builtin `sum()` writes them ((0 + a) + b) + ...) and
  micrograd.sum nodes become one row sum, added in the same order as the
  engine adds, so the result is the same float;
- dot nodes are rows of products; when the nodes of a group are every pairing
  of a set of input rows with a set of weight rows (a layer on a batch), the
  group is one matrix product, forward and backward;
- everything else is one op applied to arrays of operands.

Slots are numbered so that consecutive nodes of a group read and write
consecutive slots where they can: a group's nodes follow the order of their
operands, and captured Values are numbered in the order weight matrices use
them. Then most reads are slices instead of gathers.
"""

from itertools import chain

import numpy as np

from micrograd import ops

__all__ = ['Plan', 'OpGroup', 'DotGroup', 'GemmGroup', 'ChainGroup']

# Slot kinds in layout order; a leaf first used by a group is numbered then.
_INPUTS, _ARGUMENTS, _CAPTURED, _CONSTANTS, _COMPUTED = range(5)
_UNNUMBERED = 5
_SMALLEST_PRODUCT = 16  # dot nodes a group needs to run as a matrix product


class OpGroup:
    """out[i] = op(operands[0][i], operands[1][i], ...)."""

    def __init__(self, op, operands):
        self.op, self.operands = op, operands

    def reads(self):
        return self.operands

    def mark(self, reach, out):
        for slots in self.operands:
            reach[slots[out]] = True


class DotGroup:
    """out[i] = start[i] + weights[0][i] * inputs[0][i] + weights[1][i] * inputs[1][i] + ... (pairs by rows)."""

    def __init__(self, weights, inputs, start):
        self.weights, self.inputs, self.start = weights, inputs, start

    def reads(self):
        return [self.weights, self.inputs, self.start]

    def mark(self, reach, out):
        reach[self.weights[:, out]] = reach[self.inputs[:, out]] = reach[self.start[out]] = True


class GemmGroup:
    """out[i, j] = rows[i] . columns[j] + bias: a layer of len(columns) neurons on len(rows) samples.

    bias is None, or (how, slots): how 'column' (one per column), 'row' (one per row) or 'each' (a matrix).
    """

    def __init__(self, rows, columns, bias):
        self.rows, self.columns, self.bias = rows, columns, bias

    def reads(self):
        return [self.rows, self.columns] + ([self.bias[1]] if self.bias else [])

    def mark(self, reach, out):
        out = out.reshape(len(self.rows), len(self.columns))
        reach[self.rows[out.any(axis=1)]] = reach[self.columns[out.any(axis=0)]] = True
        if self.bias:
            how, slots = self.bias
            reach[slots[out if how == 'each' else out.any(axis=0) if how == 'column' else out.any(axis=1)]] = True


class ChainGroup:
    """out[i] = (((terms[0][i] + terms[1][i]) + terms[2][i]) + ...), in this order."""

    def __init__(self, terms):
        self.terms = terms

    def reads(self):
        return [self.terms]

    def mark(self, reach, out):
        reach[self.terms[:, out]] = True


class Plan:
    """Slots, groups in order, comparisons and results of one trace.

    traced_nodes: how many nodes the trace had; groups: [(start, stop, group)],
    each group writing slots start..stop-1; comparisons: [(symbol, a slots, b
    slots, results)]; results: the slot of each result Value; needs_grad:
    whether a slot depends on a Value argument or a captured Value.
    """

    size: int  # set from the builder's results in __init__
    groups: list

    def __init__(self, graph):
        builder = _Builder(graph)
        self.__dict__.update(builder.finish())

    def reachable(self, slot):
        """Which slots the result in `slot` depends on (the nodes backward() from it would visit)."""
        reach = np.zeros(self.size, dtype=np.bool_)
        reach[slot] = True
        for start, stop, group in reversed(self.groups):
            out = reach[start:stop]
            if out.any():
                group.mark(reach, out)
        return reach


class _Builder:
    def __init__(self, graph):
        self.codes: list = []
        self.local: list = []
        self.constant_values: dict = {}
        self.captured_values: dict = {}
        self.counts = [0] * 5
        index = {}
        for values, code in ((graph.inputs, _INPUTS), (graph.arguments, _ARGUMENTS),
                             (graph.captured, _CAPTURED), (graph.constants, _CONSTANTS)):
            for value in values:
                index[value] = self._new(code, value.data)
                if code in (_INPUTS, _ARGUMENTS):
                    self._number(index[value])
        self.captured_values = {index[value]: value for value in graph.captured}
        self.zero = self._new(_CONSTANTS, 0.0)
        first, nodes = len(self.codes), graph.nodes
        self.codes += [_COMPUTED] * len(nodes)
        self.local += [-1] * len(nodes)
        index.update(zip(nodes, range(first, first + len(nodes))))
        self.comparisons = []
        for symbol, a, b, result in graph.comparisons:
            b = self._new(_CONSTANTS, b) if isinstance(b, float) else index[b]
            self.comparisons.append((symbol, index[a], b, result))
        self.results = [index[value] for value in graph.results]
        roots = self.results + [i for _, a, b, _ in self.comparisons for i in (a, b)]
        find = index.__getitem__
        operands = dict(zip(range(first, first + len(nodes)), [list(map(find, node._operands)) for node in nodes]))
        operation = dict(zip(range(first, first + len(nodes)), [node._operation for node in nodes]))
        self.units = self._units(operands, operation, roots)

    def _new(self, code, value=None):
        self.codes.append(code)
        self.local.append(-1)
        if code == _CONSTANTS:
            self.constant_values[len(self.codes) - 1] = value
        return len(self.codes) - 1

    def _number(self, i):
        """Give leaf or node i the next slot of its kind (once)."""
        if self.local[i] < 0:
            code = self.codes[i]
            self.local[i] = self.counts[code]
            self.counts[code] += 1

    def _number_leaves(self, indices):
        for i in indices:
            if self.codes[i] != _COMPUTED:
                self._number(i)

    def _key(self, i):
        """Where slot i will be, comparable before all slots are numbered (unnumbered leaves last, in trace order)."""
        return (self.codes[i], self.local[i]) if self.local[i] >= 0 else (_UNNUMBERED, i)

    def _units(self, operands, operation, roots):
        """{node index: (kind, op, indices it reads)}, operands first, for what a replay computes; + chains folded."""
        uses = np.bincount(np.fromiter(chain(chain.from_iterable(operands.values()), roots), np.int64),
                           minlength=len(self.codes)).tolist()
        link, folded = {}, set()
        for i, row in operands.items():
            if operation[i] is ops.ADD:
                for chained, other in ((row[0], row[1]), (row[1], row[0])):
                    if operation.get(chained) in (ops.ADD, ops.SUM) and uses[chained] == 1 and chained not in folded:
                        link[i] = (chained, other)
                        folded.add(chained)
                        break
        self.folded = len(folded)
        units: dict = {}
        for i, row in operands.items():
            op = operation[i]
            if i in folded:
                continue
            if i in link or op is ops.SUM:
                units[i] = ('chain', None, self._terms(i, link, operation, operands))
            elif op is ops.DOT:
                weights, inputs, bias = ops.dot_parts(row)
                units[i] = ('dot', bias is not None, weights + inputs + [self.zero if bias is None else bias])
            else:
                units[i] = ('op', op, row)
        return units

    def _terms(self, top, link, operation, operands):
        """The terms of the chain ending in top, in the order the engine adds them."""
        extras = []
        while top in link:
            top, extra = link[top]
            extras.append(extra)
        first = [self.zero] + operands[top] if operation[top] is ops.SUM else list(operands[top])
        return first + extras[::-1]

    def finish(self):
        codes = self.codes
        level = [0] * len(codes)
        needs = [code in (_ARGUMENTS, _CAPTURED) for code in codes]
        groups: dict = {}
        for i, (kind, op, reads) in self.units.items():  # operands first
            level[i] = 1 + max(map(level.__getitem__, reads)) if reads else 1
            needs[i] = any(map(needs.__getitem__, reads))
            shape = (len(reads) // 2, op) if kind == 'dot' else len(reads)
            groups.setdefault((level[i], kind != 'dot', kind, op if kind == 'op' else None, shape), []).append(i)
        ordered = [groups[key] for key in sorted(groups, key=lambda key: key[:2])]  # dot groups first in a level
        layouts = [self._dot_layout(members) if self.units[members[0]][0] == 'dot' else None for members in ordered]
        for members, layout in zip(ordered, layouts):  # weight matrices number the captured Values first
            if layout is not None:
                columns, node_at, rows = layout
                self._number_leaves(columns.ravel().tolist())
                self._number_leaves(self.units[i][2][-1] for i in node_at.values())
                self._number_leaves(rows.ravel().tolist())
            elif self.units[members[0]][0] == 'dot':
                self._number_leaves(i for member in members for i in self.units[member][2])
        scheduled = [self._schedule(members, layout) for members, layout in zip(ordered, layouts)]
        self._number_leaves(range(len(codes)))  # leaves only results or comparisons use
        numbered = np.flatnonzero(np.array(self.local) >= 0)
        slot = np.full(len(codes), -1, dtype=np.int64)
        base = np.cumsum([0] + self.counts[:-1])
        slot[numbered] = base[np.array(codes)[numbered]] + np.array(self.local)[numbered]
        size = sum(self.counts)
        needs_grad = np.zeros(size, dtype=bool)
        needs_grad[slot[numbered]] = np.array(needs)[numbered]
        constants = np.empty(self.counts[_CONSTANTS])
        for i, value in self.constant_values.items():
            constants[self.local[i]] = value
        captured = [None] * self.counts[_CAPTURED]
        for i, value in self.captured_values.items():
            captured[self.local[i]] = value
        comparisons: dict = {}
        for symbol, a, b, result in self.comparisons:
            comparisons.setdefault(symbol, []).append((slot[a], slot[b], result))
        return {
            'traced_nodes': len(self.units) + self.folded, 'size': size,
            'inputs': self.counts[_INPUTS], 'arguments': self.counts[_ARGUMENTS], 'captured': captured,
            'constants': constants, 'constant_start': int(base[_CONSTANTS]),
            'groups': [(int(slot[out[0]]), int(slot[out[0]]) + len(out), _with_slots(group, slot))
                       for out, group in scheduled],
            'comparisons': [(symbol, *(np.array(part) for part in zip(*entries)))
                            for symbol, entries in comparisons.items()],
            'results': [int(slot[i]) for i in self.results],
            'needs_grad': needs_grad,
        }

    def _dot_layout(self, members):
        """(columns, {(row, column): node}, rows) when a dot group is every pairing of some rows and columns.

        Small groups stay row sums, which add in the engine's order (a matrix
        product rounds differently, and only pays off on a layer's worth of nodes).
        """
        if len(members) < _SMALLEST_PRODUCT:
            return None
        pairs = len(self.units[members[0]][2]) // 2
        row_of: dict = {}
        column_of: dict = {}
        node_at: dict = {}
        for i in members:
            reads = self.units[i][2]
            cell = (row_of.setdefault(tuple(reads[pairs:2 * pairs]), len(row_of)),
                    column_of.setdefault(tuple(reads[:pairs]), len(column_of)))
            if cell in node_at:
                return None
            node_at[cell] = i
        if len(node_at) != len(row_of) * len(column_of):
            return None
        return (np.array(list(column_of), dtype=np.int64).reshape(len(column_of), pairs), node_at,
                np.array(list(row_of), dtype=np.int64).reshape(len(row_of), pairs))

    def _schedule(self, members, layout):
        """(node indices in slot order, group reading index arrays), numbering the group's leaves, then its nodes."""
        kind, op, _ = self.units[members[0]]
        if layout is not None:
            members, group = self._gemm(layout, has_bias=op)
        else:
            members = sorted(members, key=lambda i: [self._key(r) for r in self.units[i][2]])
            reads = np.array([self.units[i][2] for i in members], dtype=np.int64).reshape(len(members), -1).T
            self._number_leaves(reads.T.ravel().tolist())
            if kind == 'op':
                group = OpGroup(op, list(reads))
            elif kind == 'chain':
                group = ChainGroup(reads)
            else:
                pairs = len(reads) // 2
                group = DotGroup(reads[:pairs], reads[pairs:2 * pairs], reads[-1])
        for i in members:
            self._number(i)
        return members, group

    def _gemm(self, layout, has_bias):
        columns, node_at, rows = layout
        row_lists, column_lists = rows.tolist(), columns.tolist()
        row_order = sorted(range(len(rows)), key=lambda r: [self._key(i) for i in row_lists[r]])
        column_order = sorted(range(len(columns)), key=lambda c: [self._key(i) for i in column_lists[c]])
        members = [node_at[r, c] for r in row_order for c in column_order]
        bias = None
        if has_bias:
            cells = np.array([self.units[i][2][-1] for i in members], dtype=np.int64).reshape(len(rows), -1)
            if (cells == cells[:1]).all():
                bias = ('column', cells[0])
            elif (cells == cells[:, :1]).all():
                bias = ('row', cells[:, 0])
            else:
                bias = ('each', cells)
        return members, GemmGroup(rows[row_order], columns[column_order], bias)


def _with_slots(group, slot):
    """The group reading slots instead of trace indices."""
    for name, part in vars(group).items():
        if isinstance(part, np.ndarray):
            setattr(group, name, slot[part])
        elif isinstance(part, list):
            setattr(group, name, [slot[p] for p in part])
        elif isinstance(part, tuple):
            setattr(group, name, (part[0], slot[part[1]]))
    return group
