"""Reverse-mode differentiation: `backward()` and `grad()`.

A pass visits every node reachable from the output exactly once, after all of
its parents (Kahn's algorithm), so each node's gradient is complete when it is
passed on. Nothing recurses, nothing is copied per node: the pass counts each
node's parents in `node._pending` and collects its upstream gradient in
`node._acc`, and leaves both as it found them.
"""

import contextlib
import numbers
import threading

from micrograd.engine import Value, derivative_rule
from micrograd.grad_mode import differentiating

# Passes use scratch slots on the nodes: two threads must not walk a shared graph at once,
# and a pass must not start inside another one in the same thread.
_pass_lock = threading.Lock()
_in_pass = threading.local()


def backward(output, gradient=1.0):
    """Add d(output)/d(node) * gradient to `.grad` of every node output depends on."""
    def accumulate(node, upstream):
        node.grad += upstream
    _propagate(_check_value(output, "backward() output"), _seed(gradient, False), False, accumulate)


def grad(output, inputs, gradient=1.0, create_graph=False):
    """d(output)/d(input) * gradient for each input, returned as Values; `.grad` is untouched.

    An input that output does not depend on gets Value(0.0). With
    create_graph=True the results are nodes of a graph of their own, so they
    can be differentiated again, to any order.
    """
    output = _check_value(output, "grad() output")
    if isinstance(inputs, Value):
        inputs = [inputs]
    elif not hasattr(inputs, '__iter__'):
        raise TypeError(f"grad() inputs must be a Value or a list of Values, got {type(inputs).__name__}")
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        _check_value(x, f"grad() inputs[{i}]")
    wanted = set(inputs)
    found = {}

    def collect(node, upstream):
        if node in wanted:
            found[node] = upstream

    _propagate(output, _seed(gradient, create_graph), create_graph, collect)
    return [_result(found.get(x, 0.0), create_graph) for x in inputs]


def _check_value(x, what):
    if not isinstance(x, Value):
        raise TypeError(f"{what} must be a Value, got {type(x).__name__}")
    return x


def _seed(gradient, create_graph):
    if create_graph and isinstance(gradient, Value):
        return gradient
    if isinstance(gradient, Value):
        return gradient.data
    if isinstance(gradient, numbers.Real):
        return float(gradient)
    raise TypeError(f"gradient must be a real number, got {type(gradient).__name__}")


def _result(gradient, create_graph):
    if isinstance(gradient, Value):
        return gradient if create_graph else Value(gradient.data)
    return Value(gradient)


def _propagate(root, seed, create_graph, visit):
    """Call visit(node, its total upstream gradient) for each node, parents before children."""
    if getattr(_in_pass, 'active', False):
        raise RuntimeError("backward() and grad() cannot run inside a derivative rule: "
                           "this thread is already in a backward pass")
    mode = differentiating() if create_graph else contextlib.nullcontext()
    with _pass_lock, mode:
        _in_pass.active = True
        try:
            _count_parents(root)
            root._acc = seed
            ready = [root]
            while ready:
                node = ready.pop()
                upstream, node._acc = node._acc, None
                visit(node, upstream)
                if not node._prev:
                    continue
                for child, gradient in zip(node._prev, _operand_gradients(node, upstream, create_graph)):
                    previous = child._acc
                    child._acc = gradient if previous is None else previous + gradient
                    pending = child._pending - 1
                    child._pending = pending
                    if not pending:
                        ready.append(child)
        except BaseException:
            _clear_scratch(root)
            raise
        finally:
            _in_pass.active = False


def _operand_gradients(node, upstream, create_graph):
    """The gradient node passes to each of its operands: its op's derivative rule, on floats or Values."""
    children = node._prev
    rule = derivative_rule(node._op)
    if rule is None:
        raise ValueError(f"cannot differentiate through op {node._op!r} of {node!r}: "
                         f"micrograd has no derivative rule for it")
    try:
        if create_graph:
            grads = rule(upstream, node, *children)
        elif len(children) == 2:  # unrolled: most nodes have one or two operands
            grads = rule(upstream, node.data, children[0].data, children[1].data)
        elif len(children) == 1:
            grads = rule(upstream, node.data, children[0].data)
        else:
            grads = rule(upstream, node.data, *[child.data for child in children])
    except TypeError as error:  # e.g. a node built by hand with the wrong number of operands
        raise ValueError(f"cannot differentiate through op {node._op!r} with "
                         f"{len(children)} operand(s): {error}") from error
    if len(grads) != len(children):
        raise ValueError(f"the derivative rule of op {node._op!r} gave {len(grads)} gradient(s) "
                         f"for {len(children)} operand(s)")
    return grads


def _count_parents(root):
    """Set node._pending to the number of edges into node from nodes reachable from root."""
    stack = [root]
    while stack:
        for child in stack.pop()._prev:
            if not child._pending:
                stack.append(child)
            child._pending += 1


def _clear_scratch(root):
    """Undo a pass that stopped half way, so the next one starts clean."""
    seen = {root}
    stack = [root]
    while stack:
        node = stack.pop()
        node._pending, node._acc = 0, None
        for child in node._prev:
            if child not in seen:
                seen.add(child)
                stack.append(child)
