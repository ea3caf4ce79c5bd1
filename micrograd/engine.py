"""The Value: a float that remembers the operation and operands it was computed from.

What an operation computes and how it differentiates is its entry in the op
registry (`micrograd.ops`); a node keeps a reference to that entry and its
ordered operands, and `backward()` (autodiff.py) reads the derivative from
there. micrograd's own extension idiom, a `_backward` closure per node, works
too: see `Value._backward`.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Iterable, Optional, Protocol, Sequence, Tuple, Union, cast

from micrograd import grad_mode, ieee, ops

__all__ = ['Value', 'Number', 'OpFunction', 'define_op', 'dot']

Number = Union[float, numbers.Real]
"""The real numbers accepted wherever a Value is: int, float, bool, Fraction, numpy scalars (any numbers.Real).

For type checkers `float` includes `int`, as in typeshed, and numpy.float64
(a float subclass); numpy's stubs do not declare its other scalar types Real,
so type-checked code passes them as float(x).
"""

# Set by micrograd.compile while it traces a function: hook(symbol, a, b, result) sees every comparison of Values.
_comparison_hook = None


class Value:
    """A scalar node of a computation graph: its data, its gradient, and how it was made."""

    # _operation: the registry entry (ops.Op), a _UserBackward closure, or the op's name as a str when the
    # engine does not know it; _operands: the ordered operands. _pending and _acc: a backward pass's scratch.
    __slots__ = ('data', 'grad', 'label', '_operation', '_operands', '_pending', '_acc')
    data: float
    grad: float
    label: str
    _operation: Union[ops.Op, _UserBackward, str]
    _operands: Tuple[Value, ...]
    _pending: int
    _acc: Any  # a float, or a Value under grad(create_graph=True); None between passes

    def __init__(self, data: Number, _children: Iterable[Value] = (), _op: str = '', label: str = '') -> None:
        self.data = _to_float(data)
        self.grad = 0.0
        self.label = label
        self._operands = _to_children(_children) if _children else ()
        self._operation = _operation_named(_op, len(self._operands))
        self._pending = 0
        self._acc = None

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    def _repr_html_(self) -> Optional[str]:
        """In Jupyter, a small graph draws itself inline (draw_dot); a large one, or one without Graphviz, is text."""
        try:
            from micrograd.viz.jupyter import graph_html
        except ImportError:
            return None
        return graph_html(self)

    @property
    def _op(self) -> str:
        """The op's name as micrograd spells it: '+', '*', 'ReLU', '**2', ...; '' for a leaf."""
        operation: Any = self._operation  # an ops.Op, a _UserBackward or a str
        return operation if type(operation) is str else operation.symbol

    @_op.setter
    def _op(self, name: str) -> None:
        closure = self._operation if type(self._operation) is _UserBackward else None
        self._operation = _operation_named(name, len(self._operands))
        if closure is not None:
            self._operation = _UserBackward(closure.function, self._op)

    @property
    def _prev(self) -> set[Value]:
        """The distinct operands, as the set micrograd keeps (the engine uses the ordered `_operands`)."""
        return set(self._operands)

    @_prev.setter
    def _prev(self, children: Iterable[Value]) -> None:
        self._operands = _to_children(children)

    @property
    def _backward(self) -> Callable[[], object]:
        """Push this node's current `.grad` into its operands' `.grad`, as micrograd's per-node closure does.

        Assigning a function (micrograd's idiom for a new op) makes backward()
        use it for this node instead of any built-in rule. Such a closure works
        on floats: grad(create_graph=True) cannot differentiate it again, while
        an op made with define_op can be.
        """
        operation = self._operation
        if type(operation) is _UserBackward:
            return operation.function
        return self._push_grad

    @_backward.setter
    def _backward(self, function: Callable[[], object]) -> None:
        if not callable(function):
            raise TypeError(f"_backward must be a function of no arguments, got {type(function).__name__}")
        self._operation = _UserBackward(function, self._op)

    def _push_grad(self) -> None:
        from micrograd.autodiff import operand_gradients
        if self._operands:
            for operand, gradient in zip(self._operands, operand_gradients(self, self.grad, False)):
                operand.grad += gradient

    # Arithmetic: a Value or a real number on either side. (typeshed gives -r, r ** -1 and r + v of a numbers.Real r
    # as protocols of its own, not as Real, so mypy cannot follow the micrograd_shapes branches: hence their ignores.)
    def __add__(self, other: Union[Value, Number]) -> Value:
        return _binary(ops.ADD, self, other)

    def __radd__(self, other: Number) -> Value:
        return _binary(ops.ADD, other, self)

    def __sub__(self, other: Union[Value, Number]) -> Value:
        if _mode.micrograd_shapes:
            return self + (-other)  # type: ignore[operator]
        return _binary(ops.SUB, self, other)

    def __rsub__(self, other: Number) -> Value:
        if _mode.micrograd_shapes:
            return other + (-self)  # type: ignore[return-value]
        return _binary(ops.SUB, other, self)

    def __mul__(self, other: Union[Value, Number]) -> Value:
        return _binary(ops.MUL, self, other)

    def __rmul__(self, other: Number) -> Value:
        return _binary(ops.MUL, other, self)

    def __truediv__(self, other: Union[Value, Number]) -> Value:
        if _mode.micrograd_shapes:
            return self * other ** -1  # type: ignore[operator]
        return _binary(ops.DIV, self, other)

    def __rtruediv__(self, other: Number) -> Value:
        if _mode.micrograd_shapes:
            return other * self ** -1  # type: ignore[return-value]
        return _binary(ops.DIV, other, self)

    def __pow__(self, other: Union[Value, Number]) -> Value:
        if isinstance(other, Value):
            return _binary(ops.POW, self, other)
        if not isinstance(other, numbers.Real):
            return NotImplemented
        exponent = _to_float(other, f"the exponent in {self.data!r} ** exponent")
        return _apply(ops.constant_power(exponent), (self,))  # one op per exponent, shown as '**2'

    def __rpow__(self, other: Number) -> Value:
        return _binary(ops.POW, other, self)

    def __neg__(self) -> Value:
        if _mode.micrograd_shapes:
            return self * -1
        return _apply(ops.NEG, (self,))

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _apply(ops.ABS, (self,))

    # Functions.
    def exp(self) -> Value:
        return _apply(ops.EXP, (self,))

    def log(self) -> Value:
        """Natural logarithm; a non-positive number raises ValueError."""
        return _apply(ops.LOG, (self,))

    def log1p(self) -> Value:
        """log(1 + self), exact for tiny numbers; a number <= -1 raises ValueError."""
        return _apply(ops.LOG1P, (self,))

    def sqrt(self) -> Value:
        return _apply(ops.SQRT, (self,))

    def tanh(self) -> Value:
        return _apply(ops.TANH, (self,))

    def sigmoid(self) -> Value:
        return _apply(ops.SIGMOID, (self,))

    def relu(self) -> Value:
        return _apply(ops.RELU, (self,))

    def sin(self) -> Value:
        return _apply(ops.SIN, (self,))

    def atan(self) -> Value:
        return _apply(ops.ATAN, (self,))

    def cos(self) -> Value:
        return _apply(ops.COS, (self,))

    # Ordering compares data; == and hash stay identity-based, so nodes work in sets and dicts.
    def __lt__(self, other: Union[Value, Number]) -> bool:
        return _compared('<', self, other, self.data < _data_of(other))

    def __le__(self, other: Union[Value, Number]) -> bool:
        return _compared('<=', self, other, self.data <= _data_of(other))

    def __gt__(self, other: Union[Value, Number]) -> bool:
        return _compared('>', self, other, self.data > _data_of(other))

    def __ge__(self, other: Union[Value, Number]) -> bool:
        return _compared('>=', self, other, self.data >= _data_of(other))

    def backward(self, gradient: Union[Value, Number] = 1.0) -> None:
        """Add d(self)/d(node) * gradient to `.grad` of every node this Value depends on, itself included."""
        from micrograd.autodiff import backward
        backward(self, gradient)

    # Copies and pickles of a whole graph, built without recursion so that no depth is too deep.
    def __copy__(self) -> Value:
        """A new node with the same data, grad, label and op, on the same operands."""
        return _copy_node(self, self._operands)

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the whole graph; nodes already copied in this deepcopy (memo) are shared, as deepcopy does."""
        for node in _operands_first(self):
            if id(node) not in memo:
                memo[id(node)] = _copy_node(node, tuple(memo[id(operand)] for operand in node._operands))
        return memo[id(self)]

    def __reduce__(self) -> Tuple[Callable[[list[_Row]], Value], Tuple[list[_Row]]]:
        """Pickle the graph as flat lists: (class, data, grad, label, op, operand positions) per node, operands first.

        A closure set as `_backward` cannot be pickled. Nodes shared with other
        objects in the same pickle are copied, not shared.
        """
        nodes = _operands_first(self)
        position = {node: i for i, node in enumerate(nodes)}
        rows = [(type(node), node.data, node.grad, node.label, node._operation, [position[x] for x in node._operands])
                for node in nodes]
        return _unpickle_graph, (rows,)


# One node of a pickled graph: (class, data, grad, label, operation, operand positions).
_Row = Tuple[type[Value], float, float, str, Union[ops.Op, '_UserBackward', str], list[int]]


def _copy_node(node: Value, operands: Tuple[Value, ...]) -> Value:
    out = _new_object(type(node))
    out.data, out.grad, out.label = node.data, node.grad, node.label
    out._operation, out._operands = node._operation, operands
    out._pending, out._acc = 0, None
    if hasattr(node, '__dict__'):  # a subclass's own attributes
        out.__dict__.update(node.__dict__)
    return out


def _unpickle_graph(rows: list[_Row]) -> Value:
    nodes: list[Value] = []
    for cls, data, grad, label, operation, positions in rows:
        node = _new_object(cls)
        node.data, node.grad, node.label, node._operation = data, grad, label, operation
        node._operands = tuple(nodes[i] for i in positions)
        node._pending, node._acc = 0, None
        nodes.append(node)
    return nodes[-1]


def _operands_first(root: Value) -> list[Value]:
    """Every node root depends on, each after its operands, root last (no recursion)."""
    order, done = [], set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if node in done:
            continue
        if expanded:
            done.add(node)
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((operand, False) for operand in node._operands if operand not in done)
    return order


class _UserBackward:
    """A node's `_backward` closure set by the user, with the op name the node shows."""

    __slots__ = ('function', 'symbol')
    derivative = None  # autodiff tells a closure from a registry entry by this

    def __init__(self, function: Callable[[], object], symbol: str) -> None:
        self.function = function
        self.symbol = symbol


def _operation_named(name: str, count: int) -> Union[ops.Op, str]:
    """The registry entry for a node built by hand as Value(data, children, name), else the name itself."""
    if not isinstance(name, str):
        raise TypeError(f"Value _op must be a str naming the operation, got {type(name).__name__}")
    if not count:
        return name
    op = ops.by_symbol(name)
    if op is None or (op.arity is not None and op.arity != count):
        return name  # differentiable only through a _backward closure
    return op


def _to_float(data: object, what: str = "Value data") -> float:
    if type(data) is float:
        return data
    if isinstance(data, numbers.Real):
        try:
            return float(data)
        except OverflowError:
            raise OverflowError(f"{what} ({type(data).__name__}) is beyond the float range, about ±1.8e308") from None
    raise TypeError(
        f"{what} must be a real number (int, float or numpy scalar), "
        f"got {type(data).__name__}: {data!r:.60}")


def _to_children(children: Iterable[Any]) -> Tuple[Value, ...]:
    children = tuple(children)
    for child in children:
        if not isinstance(child, Value):
            raise TypeError(f"Value _children must be Values, got {type(child).__name__}: {child!r:.60}")
    return children


def _compared(symbol: str, a: Value, b: object, result: object) -> bool:
    """The bool a comparison returns, shown to _comparison_hook when one is set."""
    result = bool(result)
    if _comparison_hook is not None:
        _comparison_hook(symbol, a, b, result)
    return result


def _data_of(x: object) -> Any:  # the number itself, not a float: 10**20 + 1 compares exactly
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real):
        return x
    raise TypeError(f"cannot compare a Value with {type(x).__name__}")


def as_value(x: object) -> Optional[Value]:
    """x itself if it is a Value, a new constant leaf if it is a real number, else None."""
    if isinstance(x, Value):
        return x
    if type(x) is float:  # the common case, without Value()'s checks
        return _node(x, (), '')
    if isinstance(x, numbers.Real):
        return Value(x)
    return None


_new_object: Callable[[type[Value]], Value] = object.__new__
_mode = grad_mode.state
_singularities = ieee.singularities


def _node(data: float, operands: Tuple[Value, ...], operation: Union[ops.Op, str]) -> Value:
    """A result node; inside no_grad() a leaf that remembers nothing."""
    out = _new_object(Value)
    out.data = data
    out.grad = 0.0
    out.label = ''
    out._pending = 0
    out._acc = None
    if _mode.enabled:
        out._operation = operation
        out._operands = operands
    else:
        out._operation = ''
        out._operands = ()
    return out


def _binary(op: ops.Op, left: object, right: object) -> Value:
    if type(left) is not Value:
        left = as_value(left)
        if left is None:
            return NotImplemented
    if type(right) is not Value:
        right = as_value(right)
        if right is None:
            return NotImplemented
    a, b = left.data, right.data
    try:
        data = op.forward(a, b)  # type: ignore[misc] # None only for the n-ary ops, never binary
    except (ArithmeticError, ValueError) as error:
        data = _singular(op, (a, b), error)
    if data - data:  # inf or nan (x - x is 0.0 for every finite x)
        _check_finite(op, data, (a, b))
    return _node(data, (left, right), op)


def _apply(op: ops.Op, operands: Tuple[Value, ...]) -> Value:
    """Compute op on the operands' data and record the result as a node."""
    data = [operand.data for operand in operands]
    try:
        result = op.forward(*data)  # type: ignore[misc] # None only for dot and sum, which do not come here
    except (ArithmeticError, ValueError) as error:
        result = _singular(op, data, error)
    if result - result:  # inf or nan
        _check_finite(op, result, data)
    return _node(result, operands, op)


def _check_finite(op: ops.Op, result: float, data: Sequence[float]) -> None:
    """One rule for every op: finite operands never give an infinite or nan result silently.

    It is an OverflowError, as Python's own math.exp raises, except while
    grad(create_graph=True) builds derivatives, where IEEE results are kept.
    """
    if _singularities.give_ieee or not all(map(math.isfinite, data)):
        return
    raise OverflowError(f"{_expression(op, data)}: the result is too large for a float ({result})")


def _singular(op: ops.Op, data: Sequence[float], error: Exception) -> float:
    """Raise Python's own exception type with a message naming the op and its operands.

    While grad(create_graph=True) builds derivatives, a singular point instead
    gives the IEEE inf or nan PyTorch gives, as backward() does on floats.
    """
    if not _singularities.give_ieee:
        raise type(error)(f"{_expression(op, data)}: {_reason(op, error)}") from None
    if op.singular is not None:
        return op.singular(*data)
    return math.nan if isinstance(error, ValueError) else math.inf


def _expression(op: ops.Op, data: Sequence[float]) -> str:
    if op.arity == 2 and op.method.startswith('__'):
        return f"{data[0]!r} {op.symbol} {data[1]!r}"
    if op.param is not None:
        return f"{data[0]!r} {op.symbol[:2]} {op.symbol[2:]}"
    return f"{op.name}({', '.join(map(repr, data[:8]))}{', ...' if len(data) > 8 else ''})"


def _reason(op: ops.Op, error: Exception) -> str:
    if isinstance(error, OverflowError):
        return "the result is too large for a float"
    if isinstance(error, ValueError):
        return op.domain or str(error)
    return str(error)


class OpFunction(Protocol):
    """What define_op returns: a function of Values and numbers that applies the op, with its registry entry as `.op`."""

    op: ops.Op
    __name__: str
    __qualname__: str

    def __call__(self, *operands: Union[Value, Number]) -> Value: ...


def define_op(name: str, forward: Callable[..., Number], derivative: Callable[..., Sequence[Union[Value, Number]]], *,
              array_forward: Optional[Callable[..., Any]] = None, array_derivative: Optional[Callable[..., Sequence[Any]]] = None,
              symbol: Optional[str] = None) -> OpFunction:
    """Teach the engine a new operation; returns a function that applies it to Values or numbers.

    forward(*floats) computes the result. derivative(g, out, *operands) returns
    one gradient per operand, given the upstream gradient g and the result out.
    It gets floats during backward() and Values under grad(create_graph=True),
    so write it with arithmetic and Value methods for the derivative to be
    differentiable again. array_forward(xp, *arrays) and array_derivative(xp, g,
    out, *arrays) are the same on arrays (xp has numpy's function names), for
    micrograd.compile; without them a compiled program runs the op one node at
    a time. The library's op names are reserved; defining a name of your own
    again replaces it.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"an op name must be an identifier, got {name!r:.60}")
    if not callable(forward) or not callable(derivative):
        raise TypeError("define_op needs a forward function and a derivative function")
    symbol = name if symbol is None else symbol

    def checked_forward(*data: float) -> float:
        return _to_float(forward(*data), f"the result of op {name!r}")

    op = ops.register(ops.Op(
        name, symbol, None, checked_forward, _checked_rule(name, derivative), f"{name}(a, ...)", (),
        array_forward=array_forward, array_derivative=array_derivative, library=False,
        n_ary=lambda count: (_letters(count), f"{name}({', '.join(_letters(count))})",
                             tuple(f"d {name} / d {x}" for x in _letters(count)))))

    def operation(*operands: Union[Value, Number]) -> Value:
        return _apply(op, tuple(as_values(operands, f"{name}() operands")))
    applied = cast(OpFunction, operation)
    applied.__name__ = applied.__qualname__ = name
    applied.__doc__ = getattr(forward, '__doc__', None)
    applied.op = op
    return applied


def _letters(count: int) -> Tuple[str, ...]:
    return tuple('abcdefghijklmnopqrstuvwxyz'[i] if i < 26 else f"a{i}" for i in range(count))


def _checked_rule(name: str, derivative: Callable[..., Sequence[Any]]) -> Callable[..., Sequence[Any]]:
    """The user's derivative rule, checked: one real number (or Value) per operand, never anything else."""
    def rule(g: ops.Scalar, out: ops.Scalar, *operands: ops.Scalar) -> Sequence[Any]:
        grads = derivative(g, out, *operands)
        if isinstance(grads, (str, bytes)) or not hasattr(grads, '__len__'):
            raise TypeError(f"the derivative rule of op {name!r} must return a list or tuple of gradients, "
                            f"one per operand; it returned {type(grads).__name__}: {grads!r:.60}")
        on_values = isinstance(out, Value)
        allowed = (Value, numbers.Real) if on_values else numbers.Real
        for i, gradient in enumerate(grads):
            if not isinstance(gradient, allowed) or isinstance(gradient, bool):
                kind = "a Value or a number" if on_values else "a number (floats in backward())"
                raise TypeError(f"the derivative rule of op {name!r} gave {type(gradient).__name__} "
                                f"{gradient!r:.60} for operand {i}; each gradient must be {kind}")
        return grads if on_values else [float(gradient) for gradient in grads]
    return rule


def as_values(xs: Iterable[object], what: str) -> list[Value]:
    """xs as a list of Values, numbers becoming constant leaves."""
    return [x if type(x) is Value else _lifted(x, what) for x in xs]


def _lifted(x: object, what: str) -> Value:
    value = as_value(x)
    if value is None:
        raise TypeError(f"{what} must be Values or real numbers, got {type(x).__name__}: {x!r:.60}")
    return value


def dot(weights: Iterable[Union[Value, Number]], inputs: Iterable[Union[Value, Number]],
        bias: Optional[Union[Value, Number]] = None) -> Value:
    """sum(w * x) + bias as one graph node (the building block of a neuron).

    Computes the same floats as micrograd's `sum((w*x for ...), bias)` but
    records one node instead of 2n, which makes training much faster.
    """
    weights, inputs = as_values(weights, "dot weights"), as_values(inputs, "dot inputs")
    if len(weights) != len(inputs):
        raise ValueError(f"dot needs as many weights as inputs, got {len(weights)} and {len(inputs)}")
    total = 0.0
    if bias is not None:
        bias = _lifted(bias, "dot bias")
        total = bias.data
    for w, x in zip(weights, inputs):  # from the bias, left to right, as micrograd's Neuron adds
        total += w.data * x.data
    operands = tuple(ops.dot_operands(weights, inputs, bias))
    if total - total:  # inf or nan
        _check_finite(ops.DOT, total, [x.data for x in operands])
    return _node(total, operands, ops.DOT)


def sum(values: Iterable[Union[Value, Number]]) -> Value:  # noqa: A001 - mirrors torch.sum; not exported by `import *`, so the builtin stays
    """The sum of Values and numbers as one graph node, added left to right."""
    operands = as_values(values, "sum terms")
    total = 0.0
    for x in operands:
        total += x.data
    if total - total:  # inf or nan
        _check_finite(ops.SUM, total, [x.data for x in operands])
    return _node(total, tuple(operands), ops.SUM)
