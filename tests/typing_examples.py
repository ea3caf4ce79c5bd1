"""micrograd's public API as user code writes it, for the type checker (run by tests/test_types.py).

Each `assert_type(...)` states the type mypy must infer there. Each line marked
`# type: ignore[code]` is a mistake mypy must report with that code: the
configuration's warn_unused_ignores turns a mistake it lets through into an
error. `accepted_uses()` also runs, and `has()` checks that each value really is
what mypy is told it is.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Iterator, Tuple, TypeVar, Union

import torch
from hypothesis.strategies import SearchStrategy
from typing_extensions import assert_type

import micrograd
import micrograd.export
from micrograd import Value
from micrograd.examples import Example, buy_apple
from micrograd.expr import evaluate, parse_values
from micrograd import data, losses, optim
from micrograd.gradcheck import gradcheck
from micrograd.nn import MLP, Layer, Neuron
from micrograd.testing import Expression, expressions
from micrograd.training import fit
from micrograd.viz import Graph, Walkthrough, draw_dot, explain

T = TypeVar('T')


def has(value: T, cls: type) -> T:
    """value itself, after checking that at run time it is an instance of cls."""
    assert isinstance(value, cls), f"{value!r} is a {type(value).__name__}, not a {cls.__name__}"
    return value


@micrograd.no_grad
def predict(v: Value) -> Value:
    return v.tanh()


@micrograd.no_grad()
def squares(n: int) -> Iterator[Value]:
    for i in range(n):
        yield Value(i) ** 2


def _square_rule(g: float, out: float, a: float) -> tuple[float]:
    return (2 * g * a,)


square = micrograd.define_op('typing_example_square', lambda a: a * a, _square_rule)


def accepted_uses() -> None:
    x = Value(2.0, label='x')
    w = Value(-3)
    assert_type(has(x.data, float), float)
    assert_type(has(x.grad, float), float)
    assert_type(has(x.label, str), str)

    # Operators with a Value or a number (int, float, Fraction, bool) on either side.
    for result in (x + 1.0, 1 + x, x - w, 2 - x, x * w, 0.5 * x, x / 2, 2 / x, x ** 2, 2 ** x, x ** w,
                   Fraction(1, 2) * x, x * True, -x, +x, abs(x)):
        assert_type(has(result, Value), Value)
    for unary in (x.exp(), x.log(), x.log1p(), x.sqrt(), x.tanh(), x.sigmoid(), x.relu(), x.sin(), x.cos(), x.atan()):
        assert_type(has(unary, Value), Value)
    assert_type(has(x < 3, bool), bool)
    assert_type(has(x >= w, bool), bool)
    assert_type(has(micrograd.dot([w, 1.0], [x, 2], 0.5), Value), Value)
    assert_type(has(micrograd.sum([x, w, 1]), Value), Value)

    y = (x * w + 1).tanh()
    y.backward()
    grads = assert_type(has(micrograd.grad(y, [x, w]), list), list[Value])
    assert all(isinstance(g, Value) for g in grads) and len(grads) == 2
    assert_type(has(micrograd.grad(y, x, create_graph=True)[0], Value), Value)

    # no_grad and its kin: context managers, and decorators with or without parentheses.
    with micrograd.no_grad() as mode:
        assert_type(has(mode, micrograd.no_grad), micrograd.no_grad)
        assert_type(has(micrograd.is_grad_enabled(), bool), bool)
    with micrograd.enable_grad(), micrograd.micrograd_style():
        pass
    assert_type(has(predict(x), Value), Value)
    assert_type(has(list(squares(3)), list), list[Value])

    assert_type(has(square(x), Value), Value)
    assert_type(has(square.op, micrograd.ops.Op), micrograd.ops.Op)

    assert_type(has(buy_apple(), Example), Example)
    assert_type(has(evaluate("tanh(x * w)", {'x': 2, 'w': -0.5}), Value), Value)
    assert_type(has(parse_values(['x=2']), dict), dict[str, float])

    model = MLP(2, [3, 1])
    assert_type(has(micrograd.export.to_torch(model), torch.nn.Sequential), torch.nn.Sequential)

    # nn: a Neuron gives a Value; a Layer or MLP a Value for one output, else a list (as micrograd).
    assert_type(has(model([1.0, x]), Value), Union[Value, list[Value]])
    assert_type(has(MLP(2, [3, 2])([1, 2]), list), Union[Value, list[Value]])
    assert_type(has(Layer(1, 1)(x), Value), Union[Value, list[Value]])
    assert_type(has(Neuron(2, activation='tanh')((1.0, 2.0)), Value), Value)
    assert_type(has(model.parameters(), list), list[Value])
    assert_type(has(model.state_dict(), dict), dict[str, float])

    # optim and losses.
    sgd = assert_type(has(optim.SGD(model.parameters(), lr=0.1, momentum=0.9), optim.SGD), optim.SGD)
    adam = assert_type(has(optim.Adam(model.parameters(), betas=(0.8, 0.99)), optim.Adam), optim.Adam)
    assert_type(has(sgd.lr, float), float)
    assert_type(has(adam.params, list), list[Value])
    assert_type(has(losses.mse([x, 1.0], [0, 1.5]), Value), Value)
    assert_type(has(losses.hinge([x, w], [1, -1]), Value), Value)
    assert_type(has(losses.cross_entropy([x, w, 0.5], 2), Value), Value)
    assert_type(has(losses.softmax([x, w]), list), list[Value])
    assert_type(has(losses.predicted_class([x, w]), int), int)

    # data, training, gradient checks.
    X, labels = assert_type(has(data.make_moons(8, noise=0.1, random_state=0), tuple), Tuple[list[list[float]], list[int]])
    assert_type(has(X[0][0], float), float)
    assert_type(has(labels[0], int), int)
    history = fit(MLP(2, [2, 1]), X, labels, optimizer=None, epochs=1, progress=False)
    assert_type(has(history, dict), dict[str, list[float]])
    assert_type(has(gradcheck(lambda a, b: (a * b).tanh(), [0.5, -1.0]), bool), bool)
    assert_type(has(expressions(n_inputs=1), SearchStrategy), SearchStrategy[Expression])

    # viz: draw_dot gives a Graph (a graphviz.Digraph: untyped, so its own methods are Any).
    assert_type(has(draw_dot(y_root := (x * w).tanh()), Graph), Graph)
    assert_type(has(explain(y_root), Walkthrough), Walkthrough)
    assert_type(has(micrograd.export.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 1, dtype=torch.float64))), MLP), MLP)


def rejected_uses(x: Value) -> None:
    """Never run: each line is a mistake the type checker reports (or the run fails on it)."""
    Value('2.5')  # type: ignore[arg-type]
    Value(None)  # type: ignore[arg-type]
    Value(1j)  # type: ignore[arg-type]
    Value(2.0, [1.0])  # type: ignore[list-item]
    x + '1'  # type: ignore[operator]
    '1' * x  # type: ignore[operator]
    print(x < 'a')  # type: ignore[operator]
    x ** 1j  # type: ignore[operator]
    number: float = x + 1  # type: ignore[assignment]
    x.backward('1')  # type: ignore[arg-type]
    micrograd.grad(x, 1.0)  # type: ignore[arg-type]
    micrograd.grad(1.0, [x])  # type: ignore[arg-type]
    grads: list[float] = micrograd.grad(x, [x])  # type: ignore[assignment]
    predict(1.0)  # type: ignore[arg-type] # a decorated function keeps its signature
    squares('3')  # type: ignore[arg-type]
    micrograd.no_grad(3)  # type: ignore[call-overload]
    square('a')  # type: ignore[arg-type]
    micrograd.define_op('f', 1, _square_rule)  # type: ignore[arg-type]
    micrograd.sum(x)  # type: ignore[arg-type]
    evaluate("x", {'x': '2'})  # type: ignore[dict-item]
    MLP(2, 3)  # type: ignore[arg-type]
    MLP(2, [3])('12')  # type: ignore[arg-type]
    optim.SGD([x], lr='0.1')  # type: ignore[arg-type]
    optim.SGD(x, lr=0.1)  # type: ignore[arg-type]
    losses.mse([x], ['1'])  # type: ignore[list-item]
    data.make_moons('100')  # type: ignore[arg-type]
    draw_dot(1.0)  # type: ignore[arg-type]
    fit(MLP(2, [1]), [[1.0, 2.0]], [1], loss=1)  # type: ignore[arg-type]
    print(number, grads)
