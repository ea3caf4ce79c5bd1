"""Reverse-mode differentiation: `backward()` and `grad()`.

A pass visits every node reachable from the output exactly once, after all of
its parents (Kahn's algorithm), so each node's gradient is complete when it is
passed on. Nothing recurses, nothing is copied per node: the pass counts each
node's parents in `node._pending` and collects its upstream gradient in
`node._acc`, and leaves both as it found them.
"""

from __future__ import annotations

import contextlib
import numbers
import threading
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Tuple, Union

from micrograd import grad_mode, ieee, ops
from micrograd.engine import Number, Value, _UserBackward

__all__ = ['backward', 'grad', 'backward_steps']

# A gradient on its way through a pass: a float, or a Value under grad(create_graph=True).
Gradient = ops.Scalar
Visit = Callable[[Value, Gradient], None]

# Passes use scratch slots on the nodes: two threads must not walk a shared graph at once,
# and a pass must not start inside another one in the same thread.
_pass_lock = threading.Lock()
_in_pass = threading.local()


def backward(output: Value, gradient: Union[Value, Number] = 1.0) -> None:
    """Add d(output)/d(node) * gradient to `.grad` of every node output depends on.

    All or nothing: where a rule of the user's could fail half way (a
    define_op rule or a `_backward` closure), the gradients are collected first
    and added only when the whole pass has succeeded.
    """
    def accumulate(node: Value, upstream: float) -> None:
        node.grad += upstream

    def collect(node: Value, upstream: float) -> None:
        collected.append((node, upstream))

    collected: list[Tuple[Value, float]] = []
    _propagate(_check_value(output, "backward() output"), _seed(gradient, False), False, accumulate, collect)
    for node, upstream in collected:
        node.grad += upstream


def grad(output: Value, inputs: Union[Value, Iterable[Value]], gradient: Union[Value, Number] = 1.0,
         create_graph: bool = False) -> list[Value]:
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
    found: dict[Value, Gradient] = {}

    def collect(node: Value, upstream: Gradient) -> None:
        if node in wanted:
            found[node] = upstream

    _propagate(output, _seed(gradient, create_graph), create_graph, collect)
    return [_result(found.get(x, 0.0), create_graph) for x in inputs]


def backward_steps(output: Value, gradient: Union[Value, Number] = 1.0) -> list[Tuple[Value, float, list[float]]]:
    """The backward pass as it happens: [(node, d output/d node * gradient, what it sends each operand)], in order.

    The pass is backward()'s own (same order, same rules, same floats), but
    `.grad` is untouched: each step's list holds the gradient the node passes
    to each of its `_operands`, the contributions that add up to their totals.
    """
    steps: list[Any] = []  # (node, upstream), completed to (node, upstream, gradients)

    def record(node: Value, upstream: float) -> None:
        steps.append((node, upstream))

    def sent(node: Value, upstream: float, gradients: Sequence[float]) -> None:
        steps[-1] = (node, upstream, list(gradients))

    _propagate(_check_value(output, "the output"), _seed(gradient, False), False, record, on_send=sent)
    return [step if len(step) == 3 else (*step, []) for step in steps]


def _check_value(x: object, what: str) -> Value:
    if not isinstance(x, Value):
        raise TypeError(f"{what} must be a Value, got {type(x).__name__}")
    return x


def _seed(gradient: object, create_graph: bool) -> Gradient:
    if create_graph and isinstance(gradient, Value):
        return gradient
    if isinstance(gradient, Value):
        return gradient.data
    if isinstance(gradient, numbers.Real):
        return float(gradient)
    raise TypeError(f"gradient must be a real number, got {type(gradient).__name__}")


def _result(gradient: Gradient, create_graph: bool) -> Value:
    if isinstance(gradient, Value):
        return gradient if create_graph else Value(gradient.data)
    return Value(gradient)


@contextlib.contextmanager
def _differentiating() -> Iterator[None]:
    """The mode of a pass that builds derivative graphs: recording on, IEEE results at singular points (as torch)."""
    with grad_mode.enable_grad(), ieee.singular_results():
        yield


def _propagate(root: Value, seed: Gradient, create_graph: bool, visit: Visit, careful_visit: Optional[Visit] = None,
               on_send: Optional[Callable[[Value, Gradient, Sequence[Gradient]], None]] = None) -> None:
    """Call visit(node, its total upstream gradient) for each node, parents before children.

    careful_visit, if given, replaces visit where a user's rule could fail half
    way; on_send(node, upstream, gradients), if given, sees what each node
    passes to its operands. A failure leaves every node's scratch slots clean.
    """
    if getattr(_in_pass, 'active', False):
        raise RuntimeError("backward() and grad() cannot run inside a derivative rule: "
                           "this thread is already in a backward pass")
    mode = _differentiating() if create_graph else contextlib.nullcontext()
    with _pass_lock, mode:
        _in_pass.active = True
        try:
            if not _count_parents(root) and careful_visit is not None:
                visit = careful_visit
            root._acc = seed
            ready = [root]
            while ready:
                node = ready.pop()
                upstream, node._acc = node._acc, None
                visit(node, upstream)
                if not node._operands:
                    continue
                gradients = operand_gradients(node, upstream, create_graph)
                if on_send is not None:
                    on_send(node, upstream, gradients)
                for child, gradient in zip(node._operands, gradients):
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


def operand_gradients(node: Value, upstream: Gradient, create_graph: bool) -> Sequence[Gradient]:
    """The gradient node passes to each of its operands: its op's derivative rule, on floats or Values."""
    children = node._operands
    operation: Any = node._operation  # an ops.Op, a _UserBackward or a str
    try:
        rule = operation.derivative  # None for a _backward closure
    except AttributeError:  # a str: an op the engine does not know
        raise _no_rule(node) from None
    if rule is None:
        return _closure_gradients(node, upstream, operation.function, create_graph)
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


def _closure_gradients(node: Value, upstream: float, function: Callable[[], object], create_graph: bool) -> list[float]:
    """What a micrograd-style `_backward` closure adds to each operand's .grad, with .grad left as it was.

    The closure reads `node.grad` and adds into its operands' `.grad`, so for
    the call node.grad holds this pass's upstream gradient and the operands
    hold 0; the first slot of an operand used twice gets its whole share.
    """
    if create_graph:
        raise ValueError(f"cannot differentiate again through op {node._op!r} of {node!r}: its _backward closure "
                         f"works on floats; define the op with micrograd.define_op to get higher derivatives")
    distinct = list(dict.fromkeys(node._operands))
    saved_node, saved = node.grad, [operand.grad for operand in distinct]
    try:
        node.grad = upstream
        for operand in distinct:
            operand.grad = 0.0
        function()
        shares = {operand: operand.grad for operand in distinct}
    finally:
        node.grad = saved_node
        for operand, grad in zip(distinct, saved):
            operand.grad = grad
    return [shares.pop(operand, 0.0) for operand in node._operands]


def _no_rule(node: Value) -> ValueError:
    known = ops.by_symbol(node._op)
    why = ("the engine has no derivative rule for it" if known is None else
           f"with {len(node._operands)} operand(s), but the engine's {node._op!r} takes {known.arity}")
    return ValueError(f"cannot differentiate through op {node._op!r} of {node!r}: {why}; give the node a "
                      f"_backward closure (micrograd's idiom) or make the op with "
                      f"micrograd.define_op(name, forward, derivative)")


# Ops whose float rules cannot raise (and leaves: ''), so a pass through them alone needs no all-or-nothing bookkeeping.
_TRUSTED = frozenset([''] + [op for op in ops.all_ops() if op.library])


def _count_parents(root: Value) -> bool:
    """Set node._pending to the number of edges into node from nodes reachable from root.

    Returns whether every rule on the way is a library one; raises, before
    any gradient is computed, for a node that has no rule at all.
    """
    trusted = True
    stack = [root]
    while stack:
        node = stack.pop()
        if node._operation not in _TRUSTED:
            trusted = _check_rule(node) and trusted
        for child in node._operands:
            if not child._pending:
                stack.append(child)
            child._pending += 1
    return trusted


def _check_rule(node: Value) -> bool:
    """False for a node with a user rule; raises for a node the engine cannot differentiate."""
    operation: Any = node._operation  # an ops.Op, a _UserBackward or a str
    if not node._operands:
        return True  # a leaf, whatever op name it was given
    if type(operation) is str:
        raise _no_rule(node)
    return type(operation) is not _UserBackward and operation.library  # x ** c and compiled programs: made on demand


def _clear_scratch(root: Value) -> None:
    """Undo a pass that stopped half way, so the next one starts clean."""
    seen = {root}
    stack = [root]
    while stack:
        node = stack.pop()
        node._pending, node._acc = 0, None
        for child in node._operands:
            if child not in seen:
                seen.add(child)
                stack.append(child)
