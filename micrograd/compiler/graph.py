"""The graph one traced call built, sorted into what a replay reads, computes and checks.

Walking back from the results (and from every Value a comparison looked at),
each Value is one of:

- an input: a leaf made for a number argument (new numbers each call);
- a Value argument's stand-in (the Value passed in is read each call and gets gradients);
- captured: a Value that existed before the call, a model parameter say (its current
  data is read each call, it gets gradients, and the walk stops there: its own
  history stays the ordinary graph's);
- a constant: a leaf the call created from a Python number;
- a node: an operation of the registry on earlier Values.

Anything a replay could not reproduce makes a `refusal`, a sentence saying what and where.
"""

from micrograd.engine import Value
from micrograd.ops import Op

__all__ = ['TracedGraph', 'INPUT', 'ARGUMENT', 'CAPTURED', 'CONSTANT', 'NODE']

INPUT, ARGUMENT, CAPTURED, CONSTANT, NODE = 'input', 'argument', 'captured', 'constant', 'node'
_EXPANDING = 'expanding'


class TracedGraph:
    """The Values of one traced call by kind, nodes operands first, and the comparisons to check again."""

    def __init__(self, recorder, inputs, arguments, results, name):
        self.inputs, self.arguments, self.results = inputs, arguments, results
        self.captured, self.constants, self.nodes = [], [], []
        self.comparisons = [(symbol, a, b if isinstance(b, Value) else float(b), result)
                            for symbol, a, b, result in recorder.comparisons]
        self.refusal = None
        self._name = name
        self._created = set(recorder.created)  # Values hash by identity
        self._without_grad = recorder.made_without_grad
        self.kind = dict.fromkeys(inputs, INPUT)
        self.kind.update(dict.fromkeys(arguments, ARGUMENT))
        roots = list(results) + [x for _, a, b, _ in self.comparisons for x in (a, b) if isinstance(x, Value)]
        for root in roots:
            self._walk(root)
        for what, value, where in recorder.touches:
            if self.refusal is None and not self._is_constant(value):
                self._refuse(f"it {what} `.data` of a Value at {where}: a number taken from a Value (or put "
                             f"into one) while tracing would stay fixed in the trace. Compare Values instead "
                             f"(`x > 0` is checked on every call), return the Value and read .data after the call, "
                             f"or leave this function uncompiled")

    def _is_constant(self, value):
        kind = self.kind.get(value)
        if kind is not None:
            return kind == CONSTANT
        return value in self._created and not value._operands and value not in self._without_grad

    def _refuse(self, why):
        if self.refusal is None:
            self.refusal = f"{self._name} cannot be replayed from a trace: {why}"

    def _walk(self, root):
        """Classify root and everything it depends on; nodes are appended operands first (no recursion)."""
        kind = self.kind
        stack = [root]
        while stack:
            value = stack[-1]
            seen = kind.get(value)
            if seen is not None:
                stack.pop()
                if seen == _EXPANDING:
                    kind[value] = NODE
                    self.nodes.append(value)
            elif value not in self._created:
                kind[value] = CAPTURED
                self.captured.append(value)
            elif not value._operands:
                kind[value] = CONSTANT
                self.constants.append(value)
                if value in self._without_grad:
                    self._refuse(f"it computed {value!r} inside no_grad(), which makes a leaf whose data "
                                 f"the graph does not explain; compute it outside the compiled function")
            else:
                kind[value] = _EXPANDING
                if type(value._operation) is not Op:
                    self._refuse(f"{value!r} was made with op {value._op!r}, which is not in micrograd's op "
                                 f"registry (a _backward closure or an unknown op); make it with "
                                 f"micrograd.define_op so that it can be replayed")
                stack.extend([operand for operand in value._operands if operand not in kind])
