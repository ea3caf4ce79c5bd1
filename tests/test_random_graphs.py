"""The engine's main oracle: random expression DAGs (shared sub-expressions included)
against PyTorch float64 and against central differences.

Graphs have at least MIN_OPS operations and are checked at points away from 0
(`inputs()`'s default), where values and derivatives are generic; points with
zero coordinates, where products vanish and abs/relu sit on their kinks, have a
test of their own. Run with --hypothesis-show-statistics to see what was drawn.
"""

import math

import pytest
import torch
from oracles import f64
import oracles
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

import micrograd
from micrograd.testing import ALL_OPS, SMOOTH_OPS, expressions, inputs

N = 3  # inputs per expression
MIN_OPS = 3

# Both engines run the same float operations in the same order; only library
# functions (exp, tanh, pow, ...) and derivative formulas may round differently,
# by an ulp or so (1e-16 relative), and later subtractions magnify that: in
# tanh(x) - x at x = -3 a 1e-16 difference in tanh becomes 1e-11 of the 1.7e-5
# result (RTOL = 1e-12 fails; 1e-9 allows cancelling about 7 digits). When a
# sum cancels to (nearly) 0 no relative tolerance works: -c + ... + c with
# c ~ 20 left 4.0251822e-8 in one engine and 4.0251822e-8 + 1.1e-16 in the
# other, and d2/dx2 of x / t * t (t = sqrt(x*x + 1)), truly 0, came out as 0
# and -3.4e-18. Nodes stay within BOUND = 100 and path terms of derivatives
# below ~1e4 on the box, so such residues stay below FLOOR = 1e-12 (1e4 times a
# few ulps) -- a thousand times tighter than a 1e-9 absolute tolerance, and
# inputs away from 0 keep nodes that small rare.
RTOL = 1e-9
FLOOR = 1e-12


def assert_close(ours, theirs, what):
    assert math.isclose(ours, theirs, rel_tol=RTOL, abs_tol=FLOOR), f"{what}: micrograd {ours!r}, torch {theirs!r}"


def report_coverage(expr, input_grads):
    """Hypothesis events: expression size, ops present, how many inputs the output depends on at the point."""
    size = sum(op != 'const' for op, _, _ in expr.steps)
    event(f"size {'3-7' if size < 8 else '8-15' if size < 16 else '16-31' if size < 32 else '32+'}")
    for op in sorted(expr.ops):
        event(f"has {op}")
    event(f"nonzero input gradients: {sum(g != 0 for g in input_grads)} of {len(input_grads)}")


def micrograd_trace(expr, xs):
    values = [micrograd.Value(x) for x in xs]
    return values, expr.trace(values, dot=micrograd.dot, sum=micrograd.sum)


def torch_trace(expr, xs):
    tensors = [f64(x, grad=True) for x in xs]
    return tensors, expr.trace(tensors)


def assert_every_node_matches_torch(expr, xs):
    values, ours = micrograd_trace(expr, xs)
    _, theirs = torch_trace(expr, xs)
    nodes = [(v, t) for v, t in zip(ours, theirs) if isinstance(t, torch.Tensor)]
    for _, t in nodes:
        if t.requires_grad and not t.is_leaf:
            t.retain_grad()
    ours[expr.output].backward()
    if theirs[expr.output].requires_grad:
        theirs[expr.output].backward()
    for k, (v, t) in enumerate(nodes):
        assert_close(v.data, t.item(), f"{expr} at {xs}: value of node {k}")
        assert_close(v.grad, 0.0 if t.grad is None else t.grad.item(), f"{expr} at {xs}: gradient of node {k}")
    return [v.grad for v in values]


@settings(max_examples=1000)
@given(expressions(n_inputs=N, max_ops=16, ops=ALL_OPS, min_ops=MIN_OPS), inputs(N))
def test_every_node_value_and_gradient_matches_torch(expr, xs):
    report_coverage(expr, assert_every_node_matches_torch(expr, xs))


@settings(max_examples=300)
@given(expressions(n_inputs=N, max_ops=16, ops=ALL_OPS, min_ops=MIN_OPS), inputs(N),
       st.sets(st.integers(0, N - 1), min_size=1))
def test_every_node_matches_torch_where_some_inputs_are_zero(expr, xs, zeros):
    # Kinks of abs and relu at 0 get PyTorch's subgradient 0 in both engines.
    xs = [0.0 if i in zeros else x for i, x in enumerate(xs)]
    event(f"zero inputs: {len(zeros)} of {N}")
    assert_every_node_matches_torch(expr, xs)


@settings(max_examples=500)
@given(expressions(n_inputs=N, max_ops=12, ops=ALL_OPS, min_ops=MIN_OPS), inputs(N))
def test_second_derivatives_match_torch(expr, xs):
    values, ours = micrograd_trace(expr, xs)
    # PyTorch masks d(a ** b)/da to 0 where b == 0, which drops that term's dependence on b at order 2
    # (its Hessian of (x*x + 1) ** y at y = 0 is not even symmetric). Central differences cover those points.
    assume(not any(op == '**' and isinstance(ours[operands[1]], micrograd.Value) and ours[operands[1]].data == 0
                   for op, operands, _ in expr.steps))
    tensors, theirs = torch_trace(expr, xs)
    first = micrograd.grad(ours[expr.output], values, create_graph=True)
    torch_first = oracles.grads(theirs[expr.output], tensors, create_graph=True)
    report_coverage(expr, [g.data for g in first])
    for i, (g, tg) in enumerate(zip(first, torch_first)):
        assert_close(g.data, tg.item(), f"{expr} at {xs}: d/dx{i}")
        second = micrograd.grad(g, values)
        torch_second = oracles.grads(tg, tensors, retain_graph=True)
        for j, (h, th) in enumerate(zip(second, torch_second)):
            assert_close(h.data, th.item(), f"{expr} at {xs}: d2/dx{i}dx{j}")


@settings(max_examples=600)
@given(expressions(n_inputs=N, max_ops=16, ops=SMOOTH_OPS, min_ops=MIN_OPS), inputs(N))
def test_smooth_expressions_pass_gradcheck(expr, xs):
    assert micrograd.gradcheck(expr, xs)


@pytest.mark.parametrize("order, n_inputs, max_ops, examples", [(2, N, 12, 500), (3, 2, 8, 300)])
def test_smooth_expressions_pass_check_grads_with_default_tolerances(order, n_inputs, max_ops, examples):
    @settings(max_examples=examples)
    @given(expressions(n_inputs=n_inputs, max_ops=max_ops, ops=SMOOTH_OPS, min_ops=MIN_OPS), inputs(n_inputs))
    def check(expr, xs):
        assert micrograd.check_grads(expr, xs, order=order)

    check()


def test_central_differences_cover_a_power_whose_exponent_is_exactly_zero():
    # d2/dx dy (x*x + 1) ** y at y = 0 is 2x / (x*x + 1) = 1 at x = 1, both ways round.
    assert micrograd.check_grads(lambda x, y: (x * x + 1) ** y, [1.0, 0.0], order=3)
