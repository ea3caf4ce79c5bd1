"""backward() and grad(): graph size and depth, repeated calls, shared nodes, higher orders, threads, memory."""

import gc
import math
import threading

import pytest
import torch
from oracles import f64

import micrograd
from micrograd import Value


def test_a_million_operation_chain_backpropagates_without_recursion():
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = y + 1e-6  # one '+' node (and one constant leaf) per step
    y.backward()
    assert y.data == pytest.approx(0.5 + 1.0, rel=1e-9)
    assert x.grad == 1.0


def test_deep_chain_of_mixed_ops_matches_the_closed_form():
    x = Value(0.3)
    y = x
    depth = 20_000
    for _ in range(depth):
        y = (y * 0.5).tanh() + 0.1
    y.backward()
    # d y_k / d y_{k-1} = 0.5 * (1 - tanh(0.5 y_{k-1})^2), multiplied along the chain, in plain floats.
    value, slope = 0.3, 1.0
    for _ in range(depth):
        t = math.tanh(value * 0.5)
        slope *= 0.5 * (1 - t * t)
        value = t + 0.1
    assert y.data == pytest.approx(value, rel=1e-12)
    assert x.grad == pytest.approx(slope, rel=1e-9)


def test_builtin_sum_of_a_hundred_thousand_terms():
    xs = [Value(i / 1000) for i in range(100_000)]
    total = sum(x * x for x in xs)
    total.backward()
    assert total.data == pytest.approx(math.fsum((i / 1000) ** 2 for i in range(100_000)), rel=1e-12)
    assert all(x.grad == 2 * x.data for x in xs)


def readme_graph():
    a, b = Value(-4.0), Value(2.0)
    c = a + b
    d = a * b + b ** 3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g += 10.0 / f
    return a, b, g


def test_backward_twice_adds_exactly_twice_everywhere():
    a, b, g = readme_graph()
    g.backward()
    nodes = collect_nodes(g)
    once = {node: node.grad for node in nodes}
    g.backward()
    assert all(node.grad == 2 * once[node] for node in nodes)
    # micrograd 0.1.0 double counts here: its second a.grad is not 2 * 138.8338.
    assert a.grad == pytest.approx(2 * 138.83381924198252, rel=1e-12)


def collect_nodes(root):
    seen, stack = {root}, [root]
    while stack:
        for child in stack.pop()._operands:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def test_backward_scales_by_the_given_gradient_and_reaches_every_node():
    x = Value(3.0)
    y = x * x
    z = y + 1
    z.backward(gradient=2.5)
    assert z.grad == 2.5 and y.grad == 2.5 and x.grad == 2.5 * 6
    with pytest.raises(TypeError, match="gradient must be a real number, got str"):
        z.backward("1")


def test_shared_subexpressions_get_exact_gradients():
    x = Value(3.0)
    cube = x * x * x
    cube.backward()
    assert x.grad == 27.0
    z = Value(4.0)
    w = z + z
    both = w * w  # (2z)^2 = 4z^2, derivative 8z
    both.backward()
    assert z.grad == 32.0 and w.grad == 16.0


def test_grad_returns_derivatives_without_touching_grad():
    x, y, unused = Value(2.0), Value(5.0), Value(7.0)
    out = x * y + x.sin()
    dx, dy, du = micrograd.grad(out, [x, y, unused])
    assert dx.data == pytest.approx(5.0 + math.cos(2.0), rel=1e-15)
    assert dy.data == 2.0 and du.data == 0.0
    assert x.grad == y.grad == unused.grad == out.grad == 0.0
    assert dx._operands == () and isinstance(du, Value)
    (scaled,) = micrograd.grad(out, [y], gradient=3.0)
    assert scaled.data == 6.0
    (intermediate,) = micrograd.grad(out, [out])
    assert intermediate.data == 1.0


def test_grad_validates_its_arguments():
    x = Value(1.0)
    with pytest.raises(TypeError, match="grad\\(\\) output must be a Value, got float"):
        micrograd.grad(1.0, [x])
    with pytest.raises(TypeError, match=r"grad\(\) inputs\[1\] must be a Value, got int"):
        micrograd.grad(x * 2, [x, 3])
    with pytest.raises(TypeError, match=r"grad\(\) inputs must be a Value or a list of Values, got int"):
        micrograd.grad(x * 2, 3)
    (single,) = micrograd.grad(x * 2, x)
    assert single.data == 2.0


def test_newtons_method_with_the_second_derivative_finds_the_minimum():
    # f(x) = x^4 - 2x^2 has its minimum at x = 1; Newton on f' from 2.0: x <- x - f'/f''.
    x = 2.0
    for _ in range(20):
        v = Value(x)
        f = v ** 4 - 2 * v ** 2
        (first,) = micrograd.grad(f, [v], create_graph=True)
        (second,) = micrograd.grad(first, [v])
        assert first.data == pytest.approx(4 * x ** 3 - 4 * x, rel=1e-12, abs=1e-300)
        assert second.data == pytest.approx(12 * x ** 2 - 4, rel=1e-12)
        x -= first.data / second.data
    assert x == pytest.approx(1.0, abs=1e-12)


def tanh_derivatives(x, order):
    """d^n tanh / dx^n as a polynomial in t = tanh(x): p_{n+1}(t) = p_n'(t) * (1 - t^2)."""
    poly = [0.0, 1.0]  # coefficients of t^k: p_0 = t
    for _ in range(order):
        derivative = [k * c for k, c in enumerate(poly)][1:]
        poly = [0.0] * (len(derivative) + 2)
        for k, c in enumerate(derivative):
            poly[k] += c
            poly[k + 2] -= c
    t = math.tanh(x)
    return sum(c * t ** k for k, c in enumerate(poly))


def test_sixth_derivative_of_tanh_matches_the_closed_form_and_torch():
    x = Value(0.4)
    derivative = x.tanh()
    t = f64(0.4, grad=True)
    t_derivative = torch.tanh(t)
    for order in range(1, 7):
        (derivative,) = micrograd.grad(derivative, [x], create_graph=True)
        (t_derivative,) = torch.autograd.grad(t_derivative, t, create_graph=True)
        assert derivative.data == pytest.approx(tanh_derivatives(0.4, order), rel=1e-10)
        assert derivative.data == pytest.approx(t_derivative.item(), rel=1e-10)


def test_mixed_partials_match_torch():
    def f(x, y, lib_sin, lib_exp):
        return x * y * lib_sin(x) + lib_exp(x / y) * y ** 3

    x, y = Value(0.7), Value(1.3)
    out = f(x, y, Value.sin, Value.exp)
    dx, dy = micrograd.grad(out, [x, y], create_graph=True)
    dxx, dxy = micrograd.grad(dx, [x, y])
    dyx, dyy = micrograd.grad(dy, [x, y])
    tx = f64(0.7, grad=True)
    ty = f64(1.3, grad=True)
    tout = f(tx, ty, torch.sin, torch.exp)
    tdx, tdy = torch.autograd.grad(tout, (tx, ty), create_graph=True)
    expected = [torch.autograd.grad(d, (tx, ty), retain_graph=True) for d in (tdx, tdy)]
    actual = [(dxx, dxy), (dyx, dyy)]
    for row, expected_row in zip(actual, expected):
        for a, e in zip(row, expected_row):
            assert a.data == pytest.approx(e.item(), rel=1e-12)
    assert dxy.data == pytest.approx(dyx.data, rel=1e-12)
    assert x.grad == y.grad == 0.0


def test_third_order_through_every_smooth_op_matches_torch():
    ops = [
        (lambda v: v.exp(), torch.exp), (lambda v: v.log(), torch.log), (lambda v: v.sqrt(), torch.sqrt),
        (lambda v: v.tanh(), torch.tanh), (lambda v: v.sigmoid(), torch.sigmoid),
        (lambda v: v.sin(), torch.sin), (lambda v: v.cos(), torch.cos), (lambda v: v ** 2.5, lambda t: t ** 2.5),
        (lambda v: 3 ** v, lambda t: 3 ** t), (lambda v: 1 / v, lambda t: 1 / t), (lambda v: v ** v, lambda t: t ** t),
    ]
    for mg_op, torch_op in ops:
        x = Value(1.3)
        t = f64(1.3, grad=True)
        derivative, t_derivative = mg_op(x), torch_op(t)
        for _ in range(3):
            (derivative,) = micrograd.grad(derivative, [x], create_graph=True)
            (t_derivative,) = torch.autograd.grad(t_derivative, t, create_graph=True)
            assert derivative.data == pytest.approx(t_derivative.item(), rel=1e-11)


def test_no_grad_makes_leaves_as_context_manager_and_decorator():
    x = Value(2.0)
    with micrograd.no_grad():
        y = x * 3 + 1
        with micrograd.enable_grad():
            recorded = x * 2
        still_off = x.exp()
    assert y.data == 7.0 and y._operands == () and y._op == ''
    assert recorded._operands[0] is x and still_off._operands == ()
    assert micrograd.is_grad_enabled()

    @micrograd.no_grad()
    def step(v):
        return v * v

    assert step(x)._operands == () and (x * x)._operands == (x, x)


def test_no_grad_is_per_thread():
    inside, other = threading.Event(), threading.Event()
    results = {}

    def quiet():
        with micrograd.no_grad():
            inside.set()
            other.wait(5)
            results['quiet'] = Value(1.0) * 2

    def recording():
        inside.wait(5)
        results['recording'] = Value(1.0) * 2
        other.set()

    threads = [threading.Thread(target=quiet), threading.Thread(target=recording)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results['quiet']._operands == ()
    assert len(results['recording']._operands) == 2


def test_concurrent_backward_on_a_shared_graph_is_exact():
    w = Value(1.5)
    outputs = [(w * float(i)).tanh() * w for i in range(200)]

    def run(chunk):
        for out in chunk:
            out.backward()

    threads = [threading.Thread(target=run, args=(outputs[k::4],)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = 0.0
    for i in range(200):
        t = math.tanh(1.5 * i)
        expected += t + 1.5 * i * (1 - t * t)
    assert w.grad == pytest.approx(expected, rel=1e-12)


def test_graphs_free_themselves_without_the_cycle_collector():
    gc.collect()
    gc.disable()
    try:
        a, b, g = readme_graph()
        g.backward()
        micrograd.grad(g, [a], create_graph=True)
        del a, b, g
        assert gc.collect() == 0  # nothing was left for the cycle collector
    finally:
        gc.enable()


def test_unknown_op_raises_and_leaves_the_graph_usable():
    x = Value(2.0)
    y = x * x
    strange = Value(5.0, (y,), 'mystery')
    with pytest.raises(ValueError, match="cannot differentiate through op 'mystery'"):
        strange.backward()
    y.backward()
    assert x.grad == 4.0 and y.grad == 1.0  # the failed pass left no stale counts behind
    leaf_made_by_hand = Value(1.0, (), 'mystery')
    leaf_made_by_hand.backward()
    assert leaf_made_by_hand.grad == 1.0


def test_nodes_built_by_hand_with_a_known_op_differentiate():
    a, b = Value(2.0), Value(3.0)
    c = Value(a.data * b.data, (a, b), '*')
    c.backward()
    assert (a.grad, b.grad) == (3.0, 2.0)


def test_a_rule_giving_the_wrong_number_of_gradients_is_an_error_that_leaves_no_trace():
    pair = micrograd.define_op('first_of_two', lambda a, b: a + b, lambda g, out, a, b: (g,))
    a, b = Value(1.0), Value(2.0)
    c = b * 3
    with pytest.raises(ValueError, match="'first_of_two' gave 1 gradient\\(s\\) for 2 operand\\(s\\)"):
        pair(a, c).backward()
    (c * c).backward()
    assert c.grad == 12.0 and b.grad == 36.0  # no stale counts from the failed pass
    with pytest.raises(ValueError, match=r"op 'tanh' .*with 2 operand\(s\)"):
        Value(1.0, (a, b), 'tanh').backward()


def test_grad_with_create_graph_records_even_inside_no_grad_like_torch():
    x = Value(2.0)
    y = x ** 3
    with micrograd.no_grad():
        (first,) = micrograd.grad(y, [x], create_graph=True)
        assert micrograd.gradcheck(lambda v: v ** 3, [2.0])
        assert micrograd.check_grads(lambda v: v.sin() * v, [0.4], order=2)
        assert not micrograd.is_grad_enabled()
    (second,) = micrograd.grad(first, [x])
    assert (first.data, second.data) == (12.0, 12.0)


def test_backward_inside_a_derivative_rule_is_an_error_not_a_hang():
    def rule(g, out, a):
        inner = Value(0.3)
        (d,) = micrograd.grad(inner.sin(), [inner])
        return (g * d.data,)

    nested = micrograd.define_op('nested_rule', math.sin, rule)
    x = Value(0.3)
    with pytest.raises(RuntimeError, match="cannot run inside a derivative rule"):
        nested(x).backward()
    x.sin().backward()  # the engine is still usable
    assert x.grad == pytest.approx(math.cos(0.3), rel=1e-15)


def test_no_grad_as_a_bare_decorator_and_on_generators():
    x = Value(2.0)

    @micrograd.no_grad
    def double(v):
        return v * 2

    @micrograd.no_grad()
    def powers(v):
        received = yield v * v
        yield v * received

    assert double(x)._operands == ()
    steps = powers(x)
    assert next(steps)._operands == ()
    assert (x * x)._operands == (x, x)  # the caller records between steps
    assert steps.send(3.0)._operands == ()
    assert list(steps) == [] and micrograd.is_grad_enabled()
