"""micrograd.compile against the interpreted engine: the same data and gradients, replayed on new numbers."""

import math
import random
import warnings

import numpy  # noqa: F401 - the compiler's backend; marks this file as needing numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd
from micrograd import Value, nn
from micrograd.compiler import CompileError, ReplayWarning
from micrograd.testing import expressions, inputs, mlps


def close(a, b, scale=1.0):
    """Within 1e-12 of b, relative to b or to the scale of the numbers it was summed from."""
    return abs(a - b) <= 1e-12 * max(abs(b), scale)


def demo_loss(model):
    def loss_fn(X, y):  # micrograd's demo, builtin sum and all
        scores = [model(x) for x in X]
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    return loss_fn


def moons(n, seed):
    X, labels = micrograd.data.make_moons(n, noise=0.1, random_state=seed)
    return X, [2 * t - 1 for t in labels]


def test_a_compiled_training_run_takes_the_interpreted_runs_steps():
    X, y = moons(40, 1)
    random.seed(1337)
    interpreted = nn.MLP(2, [8, 8, 1])
    random.seed(1337)
    compiled = nn.MLP(2, [8, 8, 1])
    step = micrograd.compile(demo_loss(compiled))
    for k in range(50):
        batch = slice(k % 4 * 10, k % 4 * 10 + 10)  # the numbers change from call to call
        losses = []
        for model, run in ((interpreted, demo_loss(interpreted)), (compiled, step)):
            loss = run(X[batch], y[batch])
            model.zero_grad()
            loss.backward()
            for p in model.parameters():
                p.data -= 0.05 * p.grad
            losses.append(loss.data)
        assert losses[1] == pytest.approx(losses[0], rel=1e-10, abs=1e-14)
    for a, b in zip(compiled.parameters(), interpreted.parameters()):
        assert a.data == pytest.approx(b.data, rel=1e-10, abs=1e-12)
    assert step.traces == 1


@settings(max_examples=60, deadline=None)
@given(expressions(n_inputs=3, max_ops=10), inputs(3), inputs(3))
def test_random_expressions_replay_with_the_interpreted_data_and_gradients(expr, first, second):
    weights = [Value(0.5 + i) for i in range(3)]  # captured Values, like a model's parameters

    def fn(xs):
        return expr(*[x * w for x, w in zip(xs, weights)])

    compiled = micrograd.compile(fn)
    compiled(first)  # the trace
    for point in (second, first):
        ours = compiled(point)
        for w in weights:
            w.grad = 0.0
        ours.backward()
        ours_grads = [w.grad for w in weights]
        for w in weights:
            w.grad = 0.0
        theirs = fn(point)
        theirs.backward()
        assert close(ours.data, theirs.data), (expr, point)
        scale = max(abs(w.grad) for w in weights)
        assert all(close(a, w.grad, scale) for a, w in zip(ours_grads, weights)), (expr, point)


@settings(max_examples=30, deadline=None)
@given(mlps(), st.data())
def test_random_mlps_replay_their_outputs_and_parameter_gradients(model_and_x, data):
    model, x = model_and_x
    other = data.draw(st.lists(st.floats(-1, 1), min_size=len(x), max_size=len(x)))
    compiled = micrograd.compile(lambda point: model(point).tanh())
    compiled(x)
    ours = compiled(other)
    model.zero_grad()
    ours.backward()
    ours_grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    theirs = model(other).tanh()
    theirs.backward()
    assert close(ours.data, theirs.data, scale=1.0)
    scale = max([abs(p.grad) for p in model.parameters()] + [1e-300])
    assert all(close(a, p.grad, scale) for a, p in zip(ours_grads, model.parameters()))


def test_values_passed_as_arguments_receive_gradients_and_several_results_come_back():
    compiled = micrograd.compile(lambda a, b, k: ((a * b).tanh() + k, a / b))
    compiled(Value(1.0), Value(2.0), 3.0)
    a, b = Value(0.3), Value(-1.5)
    first, second = compiled(a, b, 0.5)
    (first + second).backward()
    ta, tb = Value(0.3), Value(-1.5)
    f, s = (ta * tb).tanh() + 0.5, ta / tb
    (f + s).backward()
    assert (first.data, second.data) == pytest.approx((f.data, s.data), rel=1e-14)
    assert (a.grad, b.grad) == pytest.approx((ta.grad, tb.grad), rel=1e-14)


def test_comparisons_are_guards_and_a_call_that_takes_the_other_branch_is_traced_again():
    def fn(x):
        return x * 2 if x > 0 else -x * 3

    compiled = micrograd.compile(fn)
    assert compiled(Value(1.0)).data == 2.0
    assert compiled(Value(-2.0)).data == 6.0
    assert compiled.traces == 2
    x = Value(-1.0)
    out = compiled(x)
    out.backward()
    assert out.data == 3.0 and x.grad == -3.0
    assert compiled(Value(5.0)).data == 10.0 and compiled.traces == 2


def test_new_lengths_are_traced_again_and_traces_are_bounded():
    compiled = micrograd.compile(lambda xs: sum(x * x for x in xs), max_traces=2)
    for n in (1, 2, 3, 2):
        assert compiled([1.5] * n).data == 2.25 * n
    assert compiled.traces == 2


def test_a_domain_error_on_a_replay_raises_like_the_interpreted_engine():
    compiled = micrograd.compile(lambda x: x.log())
    compiled(2.0)
    with pytest.raises(ValueError, match="log is defined for positive numbers only"):
        compiled(-1.0)
    exp = micrograd.compile(lambda x: x.exp())
    assert exp(0.0).data == 1.0
    with pytest.raises(OverflowError, match="too large for a float"):
        exp(1e4)  # the replay overflows: the interpreted engine says how


def test_ops_without_array_forms_run_node_by_node_and_closures_are_refused():
    softabs = micrograd.define_op('compile_softabs', lambda a: math.hypot(a, 1.0), lambda g, out, a: (g * a / out,))
    compiled = micrograd.compile(lambda x: softabs(x * 2))
    compiled(Value(1.0))
    x = Value(0.75)
    out = compiled(x)
    out.backward()
    assert out.data == pytest.approx(math.hypot(1.5, 1.0), rel=1e-15)
    assert x.grad == pytest.approx(2 * 1.5 / math.hypot(1.5, 1.0), rel=1e-14)

    def by_closure(v):
        out = Value(v.data ** 3, (v,), 'cube')

        def _backward():
            v.grad += 3 * v.data ** 2 * out.grad
        out._backward = _backward
        return out * 2

    with pytest.raises(CompileError, match="cube"), warnings.catch_warnings():
        warnings.simplefilter('ignore', ReplayWarning)
        micrograd.compile(by_closure)(Value(1.0))


def test_reading_data_inside_the_function_makes_it_run_interpreted_with_a_warning():
    def fn(x):
        return x * (2.0 if x.data > 0 else 3.0)

    compiled = micrograd.compile(fn)
    with pytest.warns(ReplayWarning, match="reads the .data"):
        compiled(Value(1.0))
    assert compiled(Value(-1.0)).data == -3.0  # interpreted, so right


def test_no_grad_inside_the_function_stops_gradients_as_interpreted():
    def fn(x):
        with micrograd.no_grad():
            scale = x * 2
        return x * scale

    compiled = micrograd.compile(fn)
    compiled(Value(1.0))
    x = Value(3.0)
    out = compiled(x)
    out.backward()
    assert out.data == 18.0 and x.grad == 6.0  # d/dx x * c with c = 2x held constant


def test_the_result_is_an_ordinary_node_and_create_graph_through_it_is_a_clear_error():
    compiled = micrograd.compile(lambda x: x * x)
    compiled(Value(1.0))
    x = Value(3.0)
    y = compiled(x) + x
    assert y.data == 12.0
    assert 'compiled' in y._operands[0]._op
    with pytest.raises(CompileError, match="create_graph"):
        micrograd.grad(y, [x], create_graph=True)


def test_bad_arguments_are_clear_errors():
    with pytest.raises(TypeError, match="needs a function"):
        micrograd.compile(3)
    with pytest.raises(ValueError, match="backend"):
        micrograd.compile(abs, backend='jax')
    compiled = micrograd.compile(lambda x: x)
    with pytest.raises(TypeError, match="argument 0 is str"):
        compiled("1")
    with pytest.raises(TypeError, match="positional"):
        compiled(x=1.0)
