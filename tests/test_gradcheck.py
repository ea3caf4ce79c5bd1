"""gradcheck / check_grads: they pass right derivatives and catch wrong ones at orders 1, 2 and 3."""

import math
import re

import pytest

import micrograd
from micrograd import GradcheckError, Value, check_grads, gradcheck
from micrograd.gradcheck import DEFAULT_TOLERANCES

# sin and its derivatives, on floats and on Values.
SIN_DERIVATIVES = [math.sin, math.cos, lambda x: -math.sin(x), lambda x: -math.cos(x)]
SIN_DERIVATIVE_VALUES = [Value.sin, Value.cos, lambda a: -a.sin(), lambda a: -a.cos()]


def sine_wrong_at(monkeypatch, order):
    """A function computing sin(x) whose derivatives are right below `order` and have the wrong sign at `order`.

    It is built from temporary engine ops: op j computes the j-th derivative
    of sin, and its rule returns op j+1, so each order's rule is exercised.
    """
    names = [f"sin{j}_wrong_at_{order}" for j in range(order)]
    operations = [None] * order

    def rule_of(j):
        sign = -1.0 if j == order - 1 else 1.0

        def rule(g, out, a):
            k = j + 1
            if not isinstance(a, Value):
                return (g * sign * SIN_DERIVATIVES[k % 4](a),)
            derivative = operations[k](a) if k < order else SIN_DERIVATIVE_VALUES[k % 4](a)
            return (g * sign * derivative,)
        return rule

    for j, name in enumerate(names):
        operations[j] = micrograd.define_op(name, SIN_DERIVATIVES[j % 4], rule_of(j))
    return operations[0]


def smooth(x, y, z):
    return (x * y).sin() + (x / z).exp() * y.tanh() + (z * z + 1).log() * x ** 3 - y.sigmoid() / z


def test_gradcheck_is_check_grads_at_order_1_and_errors_are_assertion_errors():
    assert issubclass(GradcheckError, AssertionError)
    assert micrograd.gradcheck is gradcheck and micrograd.check_grads is check_grads


@pytest.mark.parametrize("order", [1, 2, 3])
def test_smooth_functions_pass(order):
    assert check_grads(smooth, [0.7, -1.3, 2.1], order=order)


def test_the_book_apple_graph_passes_gradcheck():
    assert gradcheck(lambda apple, count, tax: apple * count * tax, [100, 2, 1.1])


@pytest.mark.parametrize("order", [1, 2, 3])
def test_a_wrong_derivative_is_caught_at_its_order_only(monkeypatch, order):
    bad_sin = sine_wrong_at(monkeypatch, order)
    x = 0.8

    if order > 1:
        assert check_grads(bad_sin, [x], order=order - 1)
    with pytest.raises(GradcheckError) as caught:
        check_grads(bad_sin, [x], order=order)
    error = caught.value
    assert error.order == order
    [(indices, analytic, numeric, tolerance)] = error.failures
    assert indices == (0,) * order
    true = SIN_DERIVATIVES[order % 4](x)  # the hand-derived order-th derivative of sin
    assert analytic == pytest.approx(-true, rel=1e-12)
    assert numeric == pytest.approx(true, rel=1e-4)
    assert f"analytic {analytic!r}, numeric {numeric!r}" in str(error)


def test_a_wrong_second_derivative_passes_gradcheck_but_not_check_grads_of_order_2(monkeypatch):
    bad_sin = sine_wrong_at(monkeypatch, 2)

    def f(x, y):
        return bad_sin(x * y) + y

    assert gradcheck(f, [0.5, -1.5])
    with pytest.raises(GradcheckError) as caught:
        check_grads(f, [0.5, -1.5], order=2)
    # d2/dx2, d2/dxdy, d2/dydx and d2/dy2 of sin(xy) all involve sin'' (the cross term also cos).
    assert [indices for indices, *_ in caught.value.failures] == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_the_report_names_failing_inputs_with_labels_values_and_tolerance(monkeypatch):
    bad_sin = sine_wrong_at(monkeypatch, 1)
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda a, b, c: bad_sin(a) + b * c, [Value(0.3, label='a'), 2.0, Value(-1.0, label='c')])
    message = str(caught.value)
    lines = message.splitlines()
    assert len(lines) == 2  # a header and input 0 only: the b * c part is right
    assert lines[1].startswith("  input 0 ('a'): analytic -0.955336489125606")  # -cos(0.3)
    assert "numeric 0.9553364891" in lines[1] and "> tolerance 0.000965" in lines[1]
    assert "at inputs [0.3, 2.0, -1.0]" in lines[0] and "atol=1e-05, rtol=0.001" in lines[0]


def test_order_2_report_names_both_inputs(monkeypatch):
    bad_sin = sine_wrong_at(monkeypatch, 2)
    with pytest.raises(GradcheckError, match=r"order-2 derivatives .*\n  inputs 0 \('u'\), 0 \('u'\): "):
        check_grads(lambda u, v: bad_sin(u) + v, [Value(1.0, label='u'), 0.0], order=2)


def test_numeric_derivative_at_a_kink_disagrees_with_the_subgradient():
    # relu'(0) is 0 by convention; the central difference sees (eps - 0) / (2 eps) = 0.5.
    with pytest.raises(GradcheckError) as caught:
        gradcheck(Value.relu, [0.0])
    [(_, analytic, numeric, _)] = caught.value.failures
    assert analytic == 0.0 and numeric == pytest.approx(0.5)


def test_a_nan_derivative_never_passes():
    # sqrt(x - x) is 0 everywhere, but the chain rule gives inf - inf = nan at the sqrt's 0.
    with pytest.raises(GradcheckError, match="analytic nan, numeric 0.0"):
        gradcheck(lambda x: (x - x).sqrt(), [2.0])


@pytest.mark.parametrize("f, inputs, error, text", [
    (lambda x: 3.0, [1.0], TypeError, "f must return a Value, got float: 3.0"),
    (lambda x: [x], [1.0], TypeError, "f must return a Value, got list"),
    ("x * x", [1.0], TypeError, "f must be a function of Values, got str"),
    (Value.exp, 1.0, TypeError, "inputs must be a list of numbers or Values, got float"),
    (Value.exp, ["1"], TypeError, "inputs[0] must be a real number or a Value, got str"),
    (Value.exp, [float('nan')], ValueError, "inputs[0] must be a finite number, got nan"),
    (Value.exp, [1.0, float('inf')], ValueError, "inputs[1] must be a finite number, got inf"),
    (Value.exp, [Value(float('inf'))], ValueError, "inputs[0] must be a finite number, got inf"),
    (Value.exp, [], ValueError, "inputs is empty"),
])
def test_bad_arguments_raise_clear_errors(f, inputs, error, text):
    with pytest.raises(error, match=re.escape(text)):
        gradcheck(f, inputs)


@pytest.mark.parametrize("options, error, text", [
    ({"eps": 0}, ValueError, "eps must be a finite number > 0, got 0"),
    ({"eps": -1e-6}, ValueError, "eps must be a finite number > 0, got -1e-06"),
    ({"eps": float('nan')}, ValueError, "eps must be a finite number > 0, got nan"),
    ({"atol": -1.0}, ValueError, "atol must be a finite number >= 0, got -1.0"),
    ({"rtol": "0.1"}, TypeError, "rtol must be a finite number >= 0, got str: '0.1'"),
    ({"order": 0}, ValueError, "order must be a positive int, got 0"),
    ({"order": 1.5}, TypeError, "order must be a positive int, got float: 1.5"),
])
def test_bad_settings_raise_clear_errors(options, error, text):
    with pytest.raises(error, match=re.escape(text)):
        check_grads(Value.exp, [1.0], **options)


def test_f_failing_next_to_the_point_says_where_and_why():
    with pytest.raises(ValueError, match=r"f failed at input 0 = -9e-07 \(the checked point 1e-07 moved by -1e-06 "
                                         r"for a central difference\): ValueError: .*sqrt"):
        gradcheck(Value.sqrt, [1e-7])


def test_power_with_exponent_at_zero_keeps_its_higher_derivatives():
    # (x*x + 1) ** x = exp(x * log(1 + x*x)) = 1 + x**3 + O(x**5), so its third derivative at 0 is 6.
    # PyTorch masks d(a**b)/da to 0 where b == 0, which drops the exponent's own dependence on x at
    # order 2+; ops._power_slope keeps it for a Value exponent, so the third derivative is right.
    x = Value(0.0)
    d1, = micrograd.grad((x * x + 1) ** x, [x], create_graph=True)
    d2, = micrograd.grad(d1, [x], create_graph=True)
    d3, = micrograd.grad(d2, [x])
    assert d3.data == pytest.approx(6.0)


def exp_with_wrong_derivative(monkeypatch, order, delta):
    """exp(x) through temporary ops whose order-th derivative is exp(x) * (1 + delta), the lower ones right.

    Op j computes exp and its rule returns op j+1, so each order's rule is exercised (as in sine_wrong_at).
    """
    names = [f"exp{j}_scaled_at_{order}" for j in range(order)]
    ops = [None] * order

    def rule_of(j):
        scale = 1.0 + delta if j == order - 1 else 1.0

        def rule(g, out, a):
            if not isinstance(a, Value):
                return (g * scale * out,)
            return (g * scale * (ops[j + 1](a) if j + 1 < order else a.exp()),)
        return rule

    for j, name in enumerate(names):
        ops[j] = micrograd.define_op(name, math.exp, rule_of(j))
    return ops[0]


@pytest.mark.parametrize("order, options", [
    (1, {}), (1, {"atol": 1e-4, "rtol": 0.0}), (1, {"atol": 0.0, "rtol": 1e-3}), (2, {}),
])
@pytest.mark.parametrize("x", [0.0, -1.5])
def test_an_error_of_twice_the_tolerance_fails_and_half_of_it_passes(monkeypatch, order, options, x):
    # The true derivative is exp(x) and the numeric one is within 1e-9 of it, far from the boundary.
    atol, rtol = options.get("atol", DEFAULT_TOLERANCES[order][1]), options.get("rtol", DEFAULT_TOLERANCES[order][2])
    tolerance = atol + rtol * math.exp(x)
    for factor in (2.0, 0.5):
        f = exp_with_wrong_derivative(monkeypatch, order, factor * tolerance / math.exp(x))
        if factor < 1:
            assert check_grads(f, [x], order=order, **options)
            continue
        with pytest.raises(GradcheckError) as caught:
            check_grads(f, [x], order=order, **options)
        [(indices, analytic, numeric, reported)] = caught.value.failures
        assert caught.value.order == order and indices == (0,) * order
        assert analytic - numeric == pytest.approx(2 * tolerance, rel=1e-3)
        assert reported == pytest.approx(tolerance, rel=1e-6)


@pytest.mark.parametrize("order", [2, 3])
def test_check_grads_checks_every_order_below_the_one_asked_for(monkeypatch, order):
    # Only the first derivative is wrong (its sign); the higher ones are consistent with it.
    bad_sin = sine_wrong_at(monkeypatch, 1)
    with pytest.raises(GradcheckError) as caught:
        check_grads(bad_sin, [0.8], order=order)
    assert caught.value.order == 1
    [(indices, analytic, numeric, _)] = caught.value.failures
    assert indices == (0,) and analytic == pytest.approx(-math.cos(0.8)) and numeric == pytest.approx(math.cos(0.8))
