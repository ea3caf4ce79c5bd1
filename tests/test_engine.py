"""Value's forward values and first derivatives, op by op, against PyTorch float64."""

import math
import operator

import numpy as np
import pytest
import torch
from oracles import f64, value_and_grads
from hypothesis import given, strategies as st

import micrograd
from micrograd import Value, ops


def floats(low, high):
    return st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def micrograd_value_and_grads(function, *xs):
    leaves = [Value(x) for x in xs]
    out = function(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def assert_close(actual, expected, rel=1e-12, abs=0.0):  # noqa: A002 - pytest.approx's name
    assert actual == pytest.approx(expected, rel=rel, abs=abs, nan_ok=True)


def assert_matches_torch(mg_function, torch_function, *xs, rel=1e-12):
    data, grads = micrograd_value_and_grads(mg_function, *xs)
    expected_data, expected_grads = value_and_grads(torch_function, *xs)
    assert_close(data, expected_data, rel=rel)
    assert_close(grads, expected_grads, rel=rel)


# name: (micrograd function, torch function, domain)
UNARY = {
    'exp': (Value.exp, torch.exp, floats(-50, 50)),
    'log': (Value.log, torch.log, floats(1e-6, 1e6)),
    'sqrt': (Value.sqrt, torch.sqrt, floats(1e-6, 1e6)),
    'tanh': (Value.tanh, torch.tanh, floats(-30, 30)),
    'sigmoid': (Value.sigmoid, torch.sigmoid, floats(-50, 50)),
    'relu': (Value.relu, torch.relu, floats(-10, 10)),
    'abs': (abs, torch.abs, floats(-10, 10)),
    'neg': (operator.neg, torch.neg, floats(-10, 10)),
    'sin': (Value.sin, torch.sin, floats(-20, 20)),
    'cos': (Value.cos, torch.cos, floats(-20, 20)),
    'log1p': (Value.log1p, torch.log1p, floats(-0.999, 1e6)),
    'atan': (Value.atan, torch.atan, floats(-1e3, 1e3)),
    'square': (lambda x: x ** 2, lambda x: x ** 2, floats(-10, 10)),
    'cube': (lambda x: x ** 3, lambda x: x ** 3, floats(-10, 10)),
    'reciprocal': (lambda x: x ** -1, lambda x: x ** -1, floats(0.01, 10)),
    'root': (lambda x: x ** 0.5, lambda x: x ** 0.5, floats(0.01, 10)),
    'two_to_the': (lambda x: 2 ** x, lambda x: 2 ** x, floats(-20, 20)),
}


def test_every_unary_op_of_the_registry_is_checked_against_torch():
    assert {op.name for op in ops.all_ops() if op.library and op.arity == 1} <= set(UNARY)


@pytest.mark.parametrize('name', UNARY)
@given(data=st.data())
def test_unary_ops_match_torch(name, data):
    mg_function, torch_function, domain = UNARY[name]
    x = data.draw(domain)
    assert_matches_torch(mg_function, torch_function, x)


BINARY = {
    '+': (operator.add, floats(-1e3, 1e3), floats(-1e3, 1e3)),
    '-': (operator.sub, floats(-1e3, 1e3), floats(-1e3, 1e3)),
    '*': (operator.mul, floats(-1e3, 1e3), floats(-1e3, 1e3)),
    '/': (operator.truediv, floats(-1e3, 1e3), floats(0.01, 1e3) | floats(-1e3, -0.01)),
    '**': (operator.pow, floats(0.01, 10), floats(-5, 5)),
}


@pytest.mark.parametrize('name', BINARY)
@given(data=st.data())
def test_binary_ops_match_torch_with_values_and_numbers_on_either_side(name, data):
    function, left_domain, right_domain = BINARY[name]
    a, b = data.draw(left_domain), data.draw(right_domain)
    assert_matches_torch(function, function, a, b)
    # A plain number on one side: the same value, and the same gradient for the Value side.
    right_const = function(Value(a), b)
    right_const.backward()
    left_const = function(a, Value(b))
    left_const.backward()
    _, (grad_a, grad_b) = value_and_grads(function, a, b)
    assert_close(right_const.data, function(a, b))
    assert_close(left_const.data, function(a, b))
    assert_close(right_const._operands[0].grad, grad_a)
    assert_close(left_const._operands[1].grad, grad_b)


@given(a=floats(-10, -0.1), b=st.integers(-4, 4))
def test_negative_base_to_an_integer_power_matches_torch(a, b):
    x = Value(a)
    y = x ** b
    y.backward()
    t = f64(a, grad=True)
    (t ** b).backward()
    assert_close(y.data, (f64(a) ** b).item())
    assert_close(x.grad, t.grad.item())


def test_value_exponent_of_a_negative_base_has_nan_exponent_gradient_like_torch():
    base, exponent = Value(-2.0), Value(3.0)
    (base ** exponent).backward()
    tb = f64(-2.0, grad=True)
    te = f64(3.0, grad=True)
    (tb ** te).backward()
    assert base.grad == tb.grad.item() == 12.0
    assert math.isnan(exponent.grad) and math.isnan(te.grad.item())


@given(ws=st.lists(floats(-10, 10), min_size=1, max_size=8), data=st.data(), with_bias=st.booleans())
def test_dot_matches_torch_and_micrographs_summation_order(ws, data, with_bias):
    xs = data.draw(st.lists(floats(-10, 10), min_size=len(ws), max_size=len(ws)))
    bias = data.draw(floats(-10, 10))
    w_values, x_values, b_value = [Value(w) for w in ws], [Value(x) for x in xs], Value(bias)
    out = micrograd.dot(w_values, x_values, b_value if with_bias else None)
    out.backward()
    # micrograd's Neuron: sum((wi*xi for ...), b), left to right from the bias: bit-for-bit equal.
    expected = bias if with_bias else 0.0
    for w, x in zip(ws, xs):
        expected = expected + w * x
    assert out.data == expected
    assert out._op == 'dot' and len(out._operands) == 2 * len(ws) + with_bias
    tw = f64(ws, grad=True)
    tx = f64(xs, grad=True)
    tb = f64(bias, grad=True)
    ((tw * tx).sum() + (tb if with_bias else 0.0)).backward()
    assert_close([w.grad for w in w_values], tw.grad.tolist())
    assert_close([x.grad for x in x_values], tx.grad.tolist())
    assert b_value.grad == (1.0 if with_bias else 0.0)


@given(xs=st.lists(floats(-10, 10), min_size=1, max_size=8), scale=floats(-3, 3))
def test_sum_matches_torch_and_adds_left_to_right(xs, scale):
    values, factor = [Value(x) for x in xs], Value(scale)
    total = micrograd.sum(values)
    (total * factor).backward()
    expected = 0.0
    for x in xs:
        expected = expected + x
    assert total.data == expected and total._op == 'sum' and total._operands == tuple(values)
    t = f64(xs, grad=True)
    (t.sum() * scale).backward()
    assert [v.grad for v in values] == t.grad.tolist()
    assert factor.grad == expected  # d(total * factor)/d factor = total, summed left to right


def test_dot_and_sum_accept_numbers_and_check_lengths():
    w = Value(3.0)
    out = micrograd.dot([w, 2.0], [4.0, w], 1.0)
    out.backward()
    assert out.data == 1.0 + 12.0 + 6.0
    assert w.grad == 4.0 + 2.0
    with pytest.raises(ValueError, match="as many weights as inputs, got 2 and 1"):
        micrograd.dot([w, w], [w])
    with pytest.raises(TypeError, match="dot inputs must be Values or real numbers, got str"):
        micrograd.dot([w], ["a"])
    total = micrograd.sum([w, w, 1.5])
    total.backward()
    assert total.data == 7.5 and total._op == 'sum'
    assert w.grad == 6.0 + 2.0


def test_micrograd_readme_example_matches_micrograd_and_torch():
    def expression(a, b):
        c = a + b
        d = a * b + b ** 3
        c = c + c + 1
        c = c + 1 + c + (-a)
        d = d + d * 2 + (b + a).relu()
        d = d + 3 * d + (b - a).relu()
        e = c - d
        f = e ** 2
        g = f / 2.0
        g = g + 10.0 / f
        return g

    data, (grad_a, grad_b) = micrograd_value_and_grads(expression, -4.0, 2.0)
    # The numbers micrograd 0.1.0's README prints.
    assert f"{data:.4f}" == "24.7041"
    assert f"{grad_a:.4f}" == "138.8338"
    assert f"{grad_b:.4f}" == "645.5773"
    assert_matches_torch(expression, expression, -4.0, 2.0)


def test_subgradients_at_zero_and_nan_follow_torch():
    for mg_function, torch_function in [(Value.relu, torch.relu), (abs, torch.abs)]:
        for x in (0.0, -0.0, math.nan):
            assert_matches_torch(mg_function, torch_function, x)
    x = Value(0.0)
    x.relu().backward()
    abs(x).backward()
    assert x.grad == 0.0


@pytest.mark.parametrize('mg_function, torch_function', [
    (Value.sqrt, torch.sqrt),                            # d/dx sqrt(x) at 0: inf, at -0.0: -inf
    (lambda x: x ** 0.5, lambda x: x ** 0.5),           # the same through a constant power
    (lambda x: x ** 0, lambda x: x ** 0),               # PyTorch's 0, not 0 * inf
    (lambda x: x ** 1, lambda x: x ** 1),
    (lambda x: 0.0 ** x, lambda x: f64(0.0) ** x),
])
def test_derivatives_at_zero_follow_torch(mg_function, torch_function):
    assert_matches_torch(mg_function, torch_function, 0.0)
    if mg_function is Value.sqrt:
        assert_matches_torch(mg_function, torch_function, -0.0)


@pytest.mark.parametrize('mg_function, torch_function, x', [
    (Value.sqrt, torch.sqrt, 0.0),
    (lambda v: v ** 0.5, lambda t: t ** 0.5, 0.0),
    (lambda v: v ** -1, lambda t: t ** -1, 1e-300),
    (lambda v: (v * 400).exp(), lambda t: (t * 400).exp(), 1.7),
])
def test_second_derivatives_at_singular_points_are_ieee_like_torch(mg_function, torch_function, x):
    # Building derivative graphs must not raise where backward() on floats gives inf or nan.
    v = Value(x)
    (first,) = micrograd.grad(mg_function(v), [v], create_graph=True)
    (second,) = micrograd.grad(first, [v])
    t = f64(x, grad=True)
    (t_first,) = torch.autograd.grad(torch_function(t), t, create_graph=True)
    (t_second,) = torch.autograd.grad(t_first, t)
    assert_close([first.data, second.data], [t_first.item(), t_second.item()])


def test_singular_points_of_a_derivative_the_user_did_not_ask_for_do_not_raise():
    v = Value(0.5)
    # 0 ** v is 0 for v > 0: every derivative is 0 (PyTorch's second derivative is nan here).
    (first,) = micrograd.grad(0 ** v, [v], create_graph=True)
    (second,) = micrograd.grad(first, [v])
    assert (first.data, second.data) == (0.0, 0.0)
    with pytest.raises(ZeroDivisionError):  # outside differentiation, the op itself still raises
        Value(0.0) ** -0.5


def test_tanh_and_sigmoid_never_overflow():
    assert Value(1000).tanh().data == 1.0
    assert Value(-1000).tanh().data == -1.0
    assert Value(-1000).sigmoid().data == 0.0
    assert Value(1000).sigmoid().data == 1.0
    for x in (-1000.0, 1000.0):
        v = Value(x)
        v.sigmoid().backward()
        v.tanh().backward()
        assert v.grad == 0.0


@pytest.mark.parametrize('build, error, message', [
    (lambda: Value(1.0) / 0, ZeroDivisionError, r"1\.0 / 0\.0"),
    (lambda: 1 / Value(0.0), ZeroDivisionError, r"1\.0 / 0\.0"),
    (lambda: Value(0.0).log(), ValueError, r"log\(0\.0\): log is defined for positive numbers only"),
    (lambda: Value(-1.0).log(), ValueError, r"log\(-1\.0\)"),
    (lambda: Value(-4.0).sqrt(), ValueError, r"sqrt\(-4\.0\): sqrt is defined for numbers >= 0 only"),
    (lambda: Value(1000.0).exp(), OverflowError, r"exp\(1000\.0\): the result is too large for a float"),
    (lambda: Value(-8.0) ** (1 / 3), ValueError, r"-8\.0 \*\* 0\.333.*not a real number"),
    (lambda: Value(-8.0) ** Value(0.5), ValueError, r"-8\.0 \*\* 0\.5.*not a real number"),
    (lambda: Value(0.0) ** -1, ZeroDivisionError, r"0\.0 \*\* -1"),
    (lambda: 0 ** Value(-2.0), ZeroDivisionError, r"0\.0 \*\* -2\.0"),
    (lambda: Value(10.0) ** 400, OverflowError, r"10\.0 \*\* 400: the result is too large"),
    (lambda: Value(math.inf).sin(), ValueError, r"sin\(inf\)"),
])
def test_float_math_errors_keep_their_type_and_name_the_op_and_operand(build, error, message):
    # The same exception type Python's float math raises, never a complex number.
    with pytest.raises(error, match=message):
        build()


@pytest.mark.parametrize('bad', ["1.0", None, 1j, [1], (1.0,), {"x": 1}, Value(1.0)])
def test_value_rejects_anything_but_a_real_number(bad):
    with pytest.raises(TypeError, match=f"real number.*got {type(bad).__name__}"):
        Value(bad)


@pytest.mark.parametrize('number', [3, True, 2.5, np.float32(0.5), np.float64(-1.25), np.int64(7),
                                    np.int8(-3)])
def test_value_stores_any_real_number_as_a_float(number):
    v = Value(number)
    assert type(v.data) is float and v.data == float(number)
    assert v.grad == 0.0 and type(v.grad) is float


def test_huge_ints_raise_overflow_error_without_printing_them():
    for build in (lambda: Value(10 ** 400), lambda: Value(1.0) + 10 ** 5000):
        with pytest.raises(OverflowError, match=r"^Value data \(int\) is beyond the float range"):
            build()
    with pytest.raises(OverflowError, match=r"^the exponent in -1\.0 \*\* exponent \(int\) is beyond the float"):
        Value(-1.0) ** (10 ** 400 + 1)  # Python's float math raises here too
    assert (Value(-1.0) ** 2 ** 53)._op == f"**{2 ** 53}"


def test_operators_with_non_numbers_raise_type_error():
    for bad in ("a", None, [1.0]):
        with pytest.raises(TypeError, match="unsupported operand"):
            Value(1.0) + bad
        with pytest.raises(TypeError, match="unsupported operand"):
            bad - Value(1.0)
    with pytest.raises(TypeError, match="cannot compare a Value with str"):
        _ = Value(1.0) < "a"


def test_children_must_be_values_and_the_op_a_name():
    with pytest.raises(TypeError, match="_children must be Values, got float"):
        Value(1.0, (Value(1.0), 2.0), '+')
    with pytest.raises(TypeError, match="_op must be a str naming the operation, got NoneType"):
        Value(1.0, (), None)


def test_identity_equality_and_data_ordering():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b}) == 2 and {a: 1}[a] == 1
    assert (a <= b) is True and (a < b) is False and (a >= 1) is True and (a > 0.5) is True
    assert (Value(2.0) > Value(1.0)) is True
    assert (Value(2.0) < np.float64(3.0)) is True and (Value(2.0) >= np.int64(3)) is False


def test_attributes_repr_and_labels_are_micrograd_compatible():
    a = Value(2.0, label='a')
    b = a * 3
    assert repr(b) == "Value(data=6.0, grad=0.0)"
    assert a.label == 'a' and b.label == '' and b._op == '*'
    assert b._operands[0] is a and b._operands[1].data == 3.0
    assert (a ** 2)._op == '**2' and (a ** 0.5)._op == '**0.5' and (a ** -1)._op == '**-1'
    assert a.relu()._op == 'ReLU'
    manual = Value(5.0, (a, b), '+', label='sum')
    assert manual._operands == (a, b) and manual.label == 'sum'
    assert micrograd.engine.Value is micrograd.Value


def test_op_names_for_constant_exponents_round_trip_exactly():
    x = Value(1.7)
    exponent = 0.1 + 0.2  # 0.30000000000000004
    y = x ** exponent
    y.backward()
    assert y.data == 1.7 ** exponent
    assert x.grad == pytest.approx(exponent * 1.7 ** (exponent - 1), rel=1e-15)
    (second,) = micrograd.grad(micrograd.grad(x ** exponent, [x], create_graph=True)[0], [x])
    assert second.data == pytest.approx(exponent * (exponent - 1) * 1.7 ** (exponent - 2), rel=1e-14)


def softplus_float(x):
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


def softplus_derivative(g, out, a):
    return (g * (a.sigmoid() if isinstance(a, Value) else 1 / (1 + math.exp(-a))),)


@given(x=floats(-30, 30))
def test_a_defined_op_differentiates_to_second_order_like_torch(x):
    softplus = micrograd.define_op('softplus', softplus_float, softplus_derivative)
    v = Value(x)
    out = softplus(v * 2)
    (first,) = micrograd.grad(out, [v], create_graph=True)
    (second,) = micrograd.grad(first, [v])
    t = f64(x, grad=True)
    t_out = torch.nn.functional.softplus(t * 2, threshold=1e9)  # no linear cut-off above 20
    (t_first,) = torch.autograd.grad(t_out, t, create_graph=True)
    (t_second,) = torch.autograd.grad(t_first, t)
    assert out._op == 'softplus' and softplus.__name__ == 'softplus'
    assert_close(out.data, t_out.item())
    assert_close(first.data, t_first.item())
    assert_close(second.data, t_second.item())


def test_define_op_checks_its_arguments_and_results():
    with pytest.raises(ValueError, match="op name 'tanh' is already used by the library"):
        micrograd.define_op('tanh', math.tanh, lambda g, out, a: (g,))
    with pytest.raises(ValueError, match="must be an identifier, got 'soft plus'"):
        micrograd.define_op('soft plus', math.tanh, lambda g, out, a: (g,))
    with pytest.raises(TypeError, match="forward function and a derivative function"):
        micrograd.define_op('half', lambda x: x / 2, None)
    text = micrograd.define_op('text', lambda x: str(x), lambda g, out, a: (g,))
    with pytest.raises(TypeError, match="real number.*got str"):
        text(Value(1.0))
    inverse = micrograd.define_op('inverse', lambda x: 1 / x, lambda g, out, a: (-g * out * out,))
    with pytest.raises(ZeroDivisionError, match=r"inverse\(0\.0\)"):
        inverse(0.0)
    assert inverse(4).data == 0.25


def deep_chain(depth):
    x = Value(0.5, label='x')
    y = x
    for _ in range(depth):
        y = y * 1.0001 + x
    return x, y


def test_deepcopy_and_pickle_of_a_deep_graph_keep_every_node_and_need_no_recursion():
    import copy
    import pickle
    import sys
    x, y = deep_chain(3 * sys.getrecursionlimit())
    y.backward()
    for again in (copy.deepcopy(y), pickle.loads(pickle.dumps(y))):
        assert again is not y and again.data == y.data and again._op == '+'
        leaf = again
        while leaf._operands:
            leaf = leaf._operands[0]
        assert leaf.label == 'x' and leaf is not x and leaf.grad == x.grad
        x_copy = again._operands[1]  # the x of the last `+ x`, the same node as the chain's first leaf
        assert x_copy is leaf
        again.backward()  # a working graph: its leaf's gradient doubles like the original's would
        assert leaf.grad == 2 * x.grad


class Named(Value):
    """A subclass, as users make (it has a __dict__); module level so pickle can name it."""


def test_copies_keep_ops_sharing_and_subclasses():
    import copy
    import pickle
    a = Named(2.0, label='a')
    b = a * a + a ** 2
    again = pickle.loads(pickle.dumps(b))
    assert again._operands[0]._op == '*' and again._operands[1]._op == '**2'
    assert type(again._operands[0]._operands[0]) is Named
    assert again._operands[0]._operands[0] is again._operands[1]._operands[0]  # a is one node
    shallow = copy.copy(b)
    assert shallow is not b and shallow._operands == b._operands and shallow.data == b.data
    pair = copy.deepcopy([a, b])
    assert pair[1]._operands[0]._operands[0] is pair[0]  # deepcopy shares what the memo shares


@pytest.mark.parametrize('build', [
    lambda: Value(1e308) * 10, lambda: Value(1e308) + 1e308, lambda: -1e308 - Value(1e308),
    lambda: Value(1e308) / 1e-10, lambda: Value(1000.0).exp(), lambda: Value(10.0) ** 400,
    lambda: micrograd.dot([1e308, 1e308], [1.0, 1.0]), lambda: micrograd.sum([1e308, 1e308]),
])
def test_finite_operands_never_give_an_infinite_result_silently(build):
    with pytest.raises(OverflowError, match="too large for a float"):
        build()


def test_infinite_operands_follow_ieee_and_singular_derivatives_are_ieee_like_torch():
    assert (Value(math.inf) + 1).data == math.inf
    assert math.isnan((Value(math.inf) - math.inf).data)
    x = Value(0.0)
    (slope,) = micrograd.grad(x.sqrt(), [x], create_graph=True)  # 1 / (2 sqrt(0)): torch gives inf too
    x.sqrt().backward()
    t = f64(0.0, grad=True)
    t.sqrt().backward()
    assert slope.data == x.grad == t.grad.item() == math.inf


@pytest.mark.parametrize('returned, message', [
    (lambda g: g, "must return a list or tuple of gradients"),
    (lambda g: "1", "must return a list or tuple of gradients"),
    (lambda g: None, "must return a list or tuple of gradients"),
    (lambda g: ["1"], "gave str '1' for operand 0"),
    (lambda g: [None], "gave NoneType None for operand 0"),
    (lambda g: [Value(g)], "gave Value .* for operand 0; each gradient must be a number"),
    (lambda g: [True], "gave bool True for operand 0"),
])
def test_a_define_op_rule_returning_anything_but_numbers_is_an_error_naming_the_op(returned, message):
    bad = micrograd.define_op('badly_differentiated', lambda a: 2 * a, lambda g, out, a: returned(g))
    x = Value(3.0)
    y = Value(2.0)
    out = bad(x) * y
    with pytest.raises((TypeError, ValueError), match=f"op 'badly_differentiated'.*{message}"):
        out.backward()
    assert x.grad == y.grad == out.grad == 0.0  # all or nothing: no partial gradients to count twice


def test_a_failing_user_rule_leaves_every_gradient_as_it_was_and_a_retry_counts_once():
    calls = []

    def rule(g, out, a):
        calls.append(g)
        if len(calls) == 1:
            raise RuntimeError("flaky rule")
        return (3 * g,)

    triple = micrograd.define_op('flaky_triple', lambda a: 3 * a, rule)
    x = Value(2.0)
    out = triple(x * x) + x
    with pytest.raises(RuntimeError, match="flaky rule"):
        out.backward()
    assert x.grad == 0.0 and out.grad == 0.0
    out.backward()
    assert x.grad == 3 * 2 * 2.0 + 1 and out.grad == 1.0  # d/dx (3x^2 + x) at 2 = 13, counted once
