"""micrograd.compile on torch: backend='torch' against the numpy backend, and compiled.to_torch() under torch
autograd against the engine's gradients.

torch's exp, tanh, pow, ... round differently from numpy's by an ulp and its sums add in another
order; tolerances as in test_compile.py.
"""

import math
import random

import pytest
import torch
from hypothesis import given, settings

import micrograd
from micrograd import Value, nn
from micrograd.testing import ALL_OPS, expressions, inputs, mlps

RTOL = 1e-12
FLOOR = 1e-12


def assert_close(a, b, what):
    assert math.isclose(a, b, rel_tol=RTOL, abs_tol=FLOOR), f"{what}: {a!r} vs {b!r}"


def run(compiled, data):
    leaves = [Value(x) for x in data]
    out = compiled(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


@settings(max_examples=60)
@given(expressions(n_inputs=3, ops=ALL_OPS, max_ops=12), inputs(n_inputs=3), inputs(n_inputs=3))
def test_the_torch_backend_equals_the_numpy_backend_on_random_expressions(expr, first, second):
    on_numpy, on_torch = micrograd.compile(expr), micrograd.compile(expr, backend='torch')
    for data in (first, second):
        (a, grads_a), (b, grads_b) = run(on_numpy, data), run(on_torch, data)
        assert_close(b, a, f"{expr} at {data}")
        for i, (gb, ga) in enumerate(zip(grads_b, grads_a)):
            assert_close(gb, ga, f"d/dx{i} of {expr} at {data}")


def test_the_torch_backend_runs_where_torch_says_and_trains_like_numpy():
    expected = 'cuda' if torch.cuda.is_available() else 'cpu'
    X = [[random.Random(i).uniform(-1, 1) for _ in range(2)] for i in range(40)]
    y = [1.0 if a * b > 0 else -1.0 for a, b in X]
    histories = []
    for backend in ('numpy', 'torch'):
        model = nn.MLP(2, [8, 8, 1], rng=random.Random(3))

        def loss_fn(X, y, model=model):
            losses = [(1 + -yi * model(x)).relu() for x, yi in zip(X, y)]
            return sum(losses) * (1.0 / len(losses))

        step = micrograd.compile(loss_fn, backend=backend)
        history = []
        for _ in range(10):
            loss = step(X, y)
            model.zero_grad()
            loss.backward()
            for p in model.parameters():
                p.data -= 0.2 * p.grad
            history.append(loss.data)
        histories.append(history)
    assert step.backend == 'torch' and step._backend.device.type == expected
    assert histories[1] == pytest.approx(histories[0], rel=1e-12, abs=0)


def torch_gradients(torch_fn, out):
    return torch.autograd.grad(out, torch_fn.params)[0].tolist()


@given(mlps(max_inputs=3, max_hidden_layers=2, max_width=4), inputs(n_inputs=3, min_value=-1, max_value=1))
def test_an_exported_mlp_program_gives_the_engines_outputs_and_gradients_under_torch_autograd(drawn, shifted):
    model, x = drawn
    compiled = micrograd.compile(model)
    compiled(x)
    torch_fn = compiled.to_torch()
    other = [a + 0.5 * b for a, b in zip(x, shifted)]
    for point in (x, other):
        out = torch_fn(torch.tensor(point, dtype=torch.float64))
        model.zero_grad()
        reference = model(point)
        reference.backward()
        assert_close(out.item(), reference.data, f"{model} at {point}")
        by_value = dict(zip(map(id, torch_fn.captured), torch_gradients(torch_fn, out)))
        for i, p in enumerate(model.parameters()):
            assert_close(by_value[id(p)], p.grad, f"d/dparameter {i}")


def test_an_exported_training_loss_takes_tensors_and_value_positions():
    random.seed(5)
    model = nn.MLP(2, [6, 1], rng=random.Random(5))
    scale = Value(0.5)

    def loss_fn(X, y, s):
        losses = [(1 + -yi * model(x) * s).relu() for x, yi in zip(X, y)]
        return micrograd.sum(losses) / len(losses), len(losses)

    X = [[0.3, -0.2], [0.9, 0.4], [-0.5, -0.7]]
    y = [1.0, -1.0, 1.0]
    compiled = micrograd.compile(loss_fn)
    compiled(X, y, scale)
    torch_fn = compiled.to_torch()
    s = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    out, n = torch_fn(torch.tensor(X, dtype=torch.float64), y, s)
    grads = torch.autograd.grad(out, [torch_fn.params, s])
    model.zero_grad()
    reference, _ = loss_fn(X, y, scale)
    reference.backward()
    assert n == 3
    assert_close(out.item(), reference.data, "loss")
    assert_close(grads[1].item(), scale.grad, "d/ds")
    for got, p in zip(grads[0].tolist(), torch_fn.captured):
        assert_close(got, p.grad, "d/dparameter")
    with pytest.raises(ValueError, match=r"argument 0: a tensor in place of a list needs 6 numbers"):
        torch_fn(torch.zeros(5, dtype=torch.float64), y, s)


def test_an_exported_trace_refuses_arguments_its_comparisons_reject():
    def f(x):
        return x * 2 if x > 0 else -x
    compiled = micrograd.compile(f)
    compiled(1.0)
    torch_fn = compiled.to_torch()
    assert torch_fn(torch.tensor(3.0, dtype=torch.float64)).item() == 6.0
    with pytest.raises(ValueError, match="comparisons of Values come out differently"):
        torch_fn(-3.0)


def test_to_torch_needs_a_trace():
    compiled = micrograd.compile(lambda x: x * 2)
    with pytest.raises(RuntimeError, match="has not been traced yet"):
        compiled.to_torch()
    refused = micrograd.compile(lambda x: x * x.data)
    with pytest.warns(micrograd.compiler.CompileWarning):
        refused(2.0)
    with pytest.raises(RuntimeError, match="has no trace to export"):
        refused.to_torch()
